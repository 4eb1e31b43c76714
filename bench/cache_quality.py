"""Semantic cache quality: do paraphrases hit and near-misses miss?

A labelled set of our own: pairs of prompts that ask the same thing in other words
(a hit is right) and pairs that differ in one meaning-changing detail, a number, a name,
a date, a negation, a comparative, a unit, code (a hit would serve a wrong answer).
For several cosine thresholds, reports the paraphrase hit rate and the false-hit rate
with the cosine alone and with the verifier, plus the embedding model's load time and
single-prompt latency. Target: no false hit with the verifier at the default 0.95.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from decimal import Decimal
from typing import Any

import numpy as np
from rich.table import Table

from bench._report import console, load_check, ms, percentiles, write_result
from swarmdeck.costs.usage import Usage
from swarmdeck.gateway.cache import MODEL_ID, Embedder, ResponseCache, disagreement
from swarmdeck.gateway.config import CacheConfig

NAME = "cache_quality"
THRESHOLDS = (0.80, 0.85, 0.88, 0.90, 0.92, 0.95, 0.97)
DEFAULT_THRESHOLD = 0.95

PARAPHRASES: list[tuple[str, str]] = [
    ("What is the capital of France?", "Tell me the capital city of France."),
    ("How do I reverse a list in Python?", "What's the way to reverse a Python list?"),
    ("Convert 5 km to miles", "How many miles is 5 km?"),
    ("Who wrote Hamlet?", "Who is the author of Hamlet?"),
    ("Explain recursion to a beginner.", "Can you explain recursion to a beginner?"),
    ("What is the boiling point of water at sea level?", "At sea level, what temperature does water boil at?"),
    ("Give me three tips for better sleep.", "What are three tips for sleeping better?"),
    ("How do I center a div in CSS?", "How can I center a div using CSS?"),
    ("What does HTTP status 404 mean?", "What is the meaning of HTTP status code 404?"),
    ("Translate 'thank you' into Spanish.", "How do you say 'thank you' in Spanish?"),
    ("What is the difference between a list and a tuple in Python?", "In Python, how does a list differ from a tuple?"),
    ("Write a haiku about autumn leaves.", "Compose a haiku about autumn leaves."),
    ("How many legs does a spider have?", "How many legs do spiders have?"),
    ("What causes the seasons on Earth?", "Why does Earth have seasons?"),
    ("Summarize the plot of Romeo and Juliet.", "Give me a summary of the plot of Romeo and Juliet."),
    ("What is the square root of 144?", "What's the square root of 144?"),
    ("How do I create a virtual environment in Python?", "How can I make a Python virtual environment?"),
    ("What is photosynthesis?", "Can you tell me what photosynthesis is?"),
    ("List the planets of the solar system.", "Name the planets in the solar system."),
    ("How do I undo the last commit in git?", "How can I undo my last git commit?"),
    ("What is the population of Japan?", "How many people live in Japan?"),
    ("Explain what a REST API is.", "What is a REST API? Please explain."),
    ("How long should I boil an egg for a soft yolk?", "For a soft yolk, how long do I boil an egg?"),
    ("What is the speed of light?", "How fast does light travel?"),
    ("Recommend a good book about habits.", "Can you recommend a good book on habits?"),
    ("How do I read a CSV file with pandas?", "How can I load a CSV file using pandas?"),
    ("What are the symptoms of dehydration?", "What symptoms does dehydration cause?"),
    ("Write a SQL query to count rows in the users table.", "Give me a SQL query that counts the rows in the users table."),
    ("What is the tallest mountain in the world?", "Which mountain is the tallest in the world?"),
    ("How do I convert a string to an integer in JavaScript?", "In JavaScript, how do I turn a string into an integer?"),
    ("What year did World War II end?", "In what year did World War II end?"),
    ("Explain the difference between TCP and UDP.", "What is the difference between TCP and UDP?"),
    ("How can I improve my public speaking?", "How do I get better at public speaking?"),
    ("What is a black hole?", "Could you explain what a black hole is?"),
    ("Give me a recipe for pancakes.", "Can you give me a pancake recipe?"),
    ("How do I install numpy?", "What's the way to install numpy?"),
    ("What is the chemical formula of water?", "What's the chemical formula for water?"),
    ("Why is the sky blue?", "Why does the sky look blue?"),
    ("How do I sort a dictionary by value in Python?", "In Python, how can I sort a dictionary by its values?"),
    ("Tell me a joke about programmers.", "Tell me a programmer joke."),
    ("What is the meaning of the word 'ephemeral'?", "What does the word 'ephemeral' mean?"),
    ("How many days are in a leap year?", "How many days does a leap year have?"),
    ("What are the benefits of regular exercise?", "What benefits does regular exercise bring?"),
    ("How do I exit vim?", "How can I quit vim?"),
    ("Describe the water cycle.", "Explain the water cycle."),
    ("What is the largest ocean on Earth?", "Which ocean is the largest on Earth?"),
    ("Write a Python function that checks if a number is prime.", "Write a Python function to check whether a number is prime."),
    ("How do vaccines work?", "How does a vaccine work?"),
    ("What is the GDP of Germany?", "How large is the GDP of Germany?"),
    ("Suggest a name for a coffee shop.", "Can you suggest a name for a coffee shop?"),
    ("How do I make a git branch?", "How do I create a git branch?"),
    ("What is machine learning?", "Explain what machine learning is."),
    ("What time zone is London in?", "Which time zone is London in?"),
    ("How do I remove duplicates from a list in Python?", "How can I remove duplicate items from a Python list?"),
    ("What is the freezing point of water in Fahrenheit?", "In Fahrenheit, what is the freezing point of water?"),
    ("Explain how a hash map works.", "How does a hash map work?"),
    ("Who painted the Mona Lisa?", "Who was the painter of the Mona Lisa?"),
    ("What should I pack for a beach holiday?", "What do I need to pack for a beach holiday?"),
    ("How do I list files in a directory with bash?", "How can I list the files in a directory using bash?"),
    ("What is inflation?", "Can you explain what inflation is?"),
    ("Write a limerick about a cat.", "Compose a limerick about a cat."),
    ("How do I merge two dictionaries in Python?", "What's the way to merge two Python dictionaries?"),
    ("How many bones are in the human body?", "How many bones does the human body have?"),
    ("Give me five ideas for a birthday party.", "What are five ideas for a birthday party?"),
]  # fmt: skip

NEAR_MISSES: list[tuple[str, str, str]] = [
    # numbers
    ("number", "Convert 5 km to miles", "Convert 6 km to miles"),
    ("number", "What is the square root of 144?", "What is the square root of 169?"),
    ("number", "Give me three tips for better sleep.", "Give me five tips for better sleep."),
    ("number", "What is 15% of 80?", "What is 15% of 90?"),
    ("number", "Write a poem with 4 stanzas about the sea.", "Write a poem with 6 stanzas about the sea."),
    ("number", "Is 91 a prime number?", "Is 97 a prime number?"),
    ("number", "How much is 250 dollars in euros?", "How much is 350 dollars in euros?"),
    ("number", "Generate a random password of 12 characters.", "Generate a random password of 16 characters."),
    ("number", "What is 2 to the power of 10?", "What is 2 to the power of 12?"),
    ("number", "Plan a 3 day trip to Rome.", "Plan a 5 day trip to Rome."),
    # units
    ("unit", "Convert 100 degrees Fahrenheit to Celsius", "Convert 100 degrees Celsius to Fahrenheit"),
    ("unit", "How many grams are in 2 pounds?", "How many grams are in 2 ounces?"),
    ("unit", "Convert 10 miles to km", "Convert 10 meters to km"),
    ("unit", "How long is 500 seconds?", "How long is 500 minutes?"),
    ("unit", "Is 8 GB of RAM enough for gaming?", "Is 8 MB of RAM enough for gaming?"),
    ("unit", "Convert 20 liters to gallons", "Convert 20 milliliters to gallons"),
    # names
    ("name", "What is the capital of France?", "What is the capital of Spain?"),
    ("name", "Who wrote Hamlet?", "Who wrote Macbeth?"),
    ("name", "What is the population of Japan?", "What is the population of China?"),
    ("name", "Tell me about the life of Albert Einstein.", "Tell me about the life of Isaac Newton."),
    ("name", "Explain how useEffect works in React.", "Explain how useState works in React."),
    ("name", "What does the function os.path.join do?", "What does the function os.path.split do?"),
    ("name", "How do I install numpy?", "How do I install pandas?"),
    ("name", "What is the GDP of Germany?", "What is the GDP of Italy?"),
    ("name", "Is Paris bigger than London?", "Is London bigger than Paris?"),
    ("name", "What time zone is London in?", "What time zone is Tokyo in?"),
    ("name", "Summarize the plot of Romeo and Juliet.", "Summarize the plot of Antony and Cleopatra."),
    ("name", "What is the default port of PostgreSQL?", "What is the default port of MySQL?"),
    ("name", "Why does my_function return None?", "Why does my_handler return None?"),
    ("name", "Read the file at /etc/hosts and explain it.", "Read the file at /etc/passwd and explain it."),
    ("name", "Who painted the Mona Lisa?", "Who painted the Night Watch?"),
    # dates
    ("date", "Summarise the news from 3 March 2024.", "Summarise the news from 4 March 2024."),
    ("date", "What happened in Europe in 1914?", "What happened in Europe in 1918?"),
    ("date", "Schedule a meeting for Monday at 10am.", "Schedule a meeting for Tuesday at 10am."),
    ("date", "What is the weather forecast for today?", "What is the weather forecast for tomorrow?"),
    ("date", "List public holidays in the UK in December.", "List public holidays in the UK in November."),
    ("date", "What year did World War II end?", "What year did World War II start?"),
    # negation
    ("negation", "Who wrote Hamlet?", "Who did not write Hamlet?"),
    ("negation", "Which foods are safe for dogs?", "Which foods are not safe for dogs?"),
    ("negation", "Write a function that uses recursion to sum a list.", "Write a function that sums a list without recursion."),
    ("negation", "Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?"),
    ("negation", "List countries that use the euro.", "List countries that don't use the euro."),
    ("negation", "Should I use a VPN on public wifi?", "Should I never use a VPN on public wifi?"),
    ("negation", "Which planets have rings?", "Which planets have no rings?"),
    # comparatives and opposites
    ("comparative", "Is Paris bigger than London?", "Is Paris smaller than London?"),
    ("comparative", "What is the tallest mountain in the world?", "What is the shortest mountain in the world?"),
    ("comparative", "Which programming language is the fastest?", "Which programming language is the slowest?"),
    ("comparative", "Sort the numbers in ascending order.", "Sort the numbers in descending order."),
    ("comparative", "What is the largest ocean on Earth?", "What is the smallest ocean on Earth?"),
    ("comparative", "Find the maximum value in the array.", "Find the minimum value in the array."),
    ("comparative", "What should I do before a job interview?", "What should I do after a job interview?"),
    ("comparative", "How do I add a column to a pandas DataFrame?", "How do I remove a column from a pandas DataFrame?"),
    ("comparative", "How do I encrypt a file with gpg?", "How do I decrypt a file with gpg?"),
    ("comparative", "How do I upload a file to S3?", "How do I download a file from S3?"),
    # code and quoted strings
    ("code", "What does this print?\n```python\nprint(2 ** 3)\n```", "What does this print?\n```python\nprint(2 ** 4)\n```"),
    ("code", "Fix the bug:\n```js\nconst x = a + b;\n```", "Fix the bug:\n```js\nconst x = a - b;\n```"),
    ("code", "What does `git reset --hard` do?", "What does `git reset --soft` do?"),
    ("code", "Translate 'good morning' into French.", "Translate 'good night' into French."),
    ("code", "What is the meaning of the word 'ephemeral'?", "What is the meaning of the word 'ethereal'?"),
    ("code", "Explain the regex `^a+b$`.", "Explain the regex `^a*b$`."),
    ("code", "What is 7 + 3?", "What is 7 * 3?"),
]  # fmt: skip


def _cosines(embedder: Embedder, pairs: list[tuple[str, str]]) -> list[float]:
    return [float(embedder.embed_sync(a) @ embedder.embed_sync(b)) for a, b in pairs]


def _rates(
    cosines: list[float], verified: list[bool], threshold: float
) -> tuple[float, float, list[int]]:
    above = [c >= threshold for c in cosines]
    both = [a and v for a, v in zip(above, verified, strict=True)]
    hits = [i for i, hit in enumerate(both) if hit]
    return sum(above) / len(above), sum(both) / len(both), hits


def _latency(embedder: Embedder) -> dict[str, Any]:
    prompts = {
        "short (8 tokens)": "What is the capital of France?",
        "medium (~40 tokens)": (
            "Explain, in simple terms, how a hash map handles collisions and what the time "
            "complexity of lookups is in the average and the worst case, with an example."
        ),
        "long (256 tokens, truncated)": " ".join(
            ["The quick brown fox jumps over the lazy dog."] * 40
        ),
    }
    figures: dict[str, Any] = {}
    for label, text in prompts.items():
        for _ in range(5):
            embedder.embed_sync(text)
        samples = []
        for _ in range(100):
            started = time.perf_counter()
            embedder.embed_sync(text)
            samples.append((time.perf_counter() - started) * 1000)
        figures[label] = percentiles(samples)
    return figures


async def _lookup_latency(entries: int = 1000) -> dict[str, Any]:
    """A semantic lookup (exact miss, embed, search a partition of `entries`) in-process."""
    cache = ResponseCache(CacheConfig())
    await cache.ready()
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": ""}]}
    for i in range(entries):
        body["messages"][0]["content"] = f"Question number {i}: tell me a fact about topic {i}."
        await cache.store("openai:m", body, {"id": i}, Usage(10, 10), Decimal("0.001"))
    await cache.drain()
    samples = []
    for i in range(200):
        body["messages"][0]["content"] = f"Please tell me something interesting about item {i}."
        started = time.perf_counter()
        await cache.lookup("openai:m", body)
        samples.append((time.perf_counter() - started) * 1000)
    await cache.aclose()
    return percentiles(samples)


def run() -> None:
    load = load_check(NAME)
    embedder = Embedder()
    started = time.perf_counter()
    embedder.load()
    load_s = time.perf_counter() - started

    para_cos = _cosines(embedder, PARAPHRASES)
    near_pairs = [(a, b) for _, a, b in NEAR_MISSES]
    near_cos = _cosines(embedder, near_pairs)
    para_ok = [disagreement(a, b) is None for a, b in PARAPHRASES]
    near_ok = [disagreement(a, b) is None for a, b in near_pairs]

    rows: list[dict[str, Any]] = []
    table = Table(
        title=f"Semantic cache quality ({MODEL_ID}, {len(PARAPHRASES)} paraphrase and {len(NEAR_MISSES)} near-miss pairs)"
    )
    for column in ("threshold", "paraphrase hits (cosine)", "false hits (cosine)", "paraphrase hits (+verifier)", "false hits (+verifier)"):  # fmt: skip
        table.add_column(column, justify="right")
    false_hits_at_default: list[dict[str, str]] = []
    for threshold in THRESHOLDS:
        para_raw, para_ver, _ = _rates(para_cos, para_ok, threshold)
        near_raw, near_ver, near_hits = _rates(near_cos, near_ok, threshold)
        rows.append(
            {
                "threshold": threshold,
                "paraphrase_hit_rate_cosine": para_raw,
                "false_hit_rate_cosine": near_raw,
                "paraphrase_hit_rate_verified": para_ver,
                "false_hit_rate_verified": near_ver,
                "false_hits_verified": [list(NEAR_MISSES[i]) for i in near_hits],
            }
        )
        if threshold == DEFAULT_THRESHOLD:
            false_hits_at_default = [
                {"kind": NEAR_MISSES[i][0], "a": NEAR_MISSES[i][1], "b": NEAR_MISSES[i][2]}
                for i in near_hits
            ]
        table.add_row(
            f"{threshold:.2f}",
            f"{para_raw:.0%}",
            f"{near_raw:.0%}",
            f"{para_ver:.0%}",
            f"[{'red' if near_ver else 'green'}]{near_ver:.0%}[/]",
        )
    console.print(table)

    verifier: dict[str, Any] = {
        "paraphrases_accepted": sum(para_ok) / len(para_ok),
        "near_misses_refused": 1 - sum(near_ok) / len(near_ok),
        "paraphrases_refused": [
            {"a": a, "b": b, "why": disagreement(a, b)}
            for (a, b), ok in zip(PARAPHRASES, para_ok, strict=True)
            if not ok
        ],
        "near_misses_accepted": [
            {"kind": k, "a": a, "b": b}
            for (k, a, b), ok in zip(NEAR_MISSES, near_ok, strict=True)
            if ok
        ],
    }
    console.print(
        f"verifier alone: accepts {verifier['paraphrases_accepted']:.0%} of paraphrases, "
        f"refuses {verifier['near_misses_refused']:.0%} of near-misses; cosine of "
        f"paraphrases median {statistics.median(para_cos):.3f}, of near-misses median "
        f"{statistics.median(near_cos):.3f} (max {max(near_cos):.3f})"
    )
    for item in verifier["near_misses_accepted"]:
        console.print(
            f"  [yellow]verifier accepts near-miss[/] ({item['kind']}): {item['a']!r} ~ {item['b']!r}"
        )

    latency = _latency(embedder)
    embedder.close()
    lookup = asyncio.run(_lookup_latency())
    latency_table = Table(title="Embedding latency, one prompt, no batching (ms)")
    for column in ("prompt", "p50", "p90", "p99"):
        latency_table.add_column(column, justify="right")
    for label, figures in latency.items():
        latency_table.add_row(label, ms(figures["p50"]), ms(figures["p90"]), ms(figures["p99"]))
    latency_table.add_row("semantic lookup, 1000-entry partition", ms(lookup["p50"]), ms(lookup["p90"]), ms(lookup["p99"]))  # fmt: skip
    console.print(latency_table)
    console.print(f"model load (sha256 check + session): {load_s * 1000:.0f} ms")

    at_default = next(r for r in rows if r["threshold"] == DEFAULT_THRESHOLD)
    figures = {
        "model": MODEL_ID,
        "pairs": {"paraphrases": len(PARAPHRASES), "near_misses": len(NEAR_MISSES)},
        "thresholds": rows,
        "verifier": verifier,
        "cosine": {
            "paraphrase_median": statistics.median(para_cos),
            "near_miss_median": statistics.median(near_cos),
            "near_miss_max": max(near_cos),
            "near_miss_above_default": int(np.sum(np.asarray(near_cos) >= DEFAULT_THRESHOLD)),
        },
        "false_hits_at_default": false_hits_at_default,
        "target_met": at_default["false_hit_rate_verified"] == 0,
        "model_load_ms": load_s * 1000,
        "embed_latency_ms": latency,
        "semantic_lookup_ms": lookup,
        "load_before": load,
    }
    path = write_result(NAME, figures)
    console.print(f"[dim]wrote {path}[/]")


if __name__ == "__main__":
    run()
