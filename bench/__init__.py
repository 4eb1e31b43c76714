"""SwarmDeck benchmarks: real servers on loopback, load from a separate process.

Run them all with `make bench` (`python -m bench`), or some by name: `python -m bench sse http`.
Each prints a table and writes `bench/results/<name>.json`.
"""
