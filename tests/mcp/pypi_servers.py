"""`mcp-server-git` and `mcp-server-fetch` from PyPI, and what they work on: a git repository
made for the test and pages served on loopback. Nothing here reaches the internet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from swarmdeck.mcp import StdioServerConfig

GIT_ISOLATION = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
"""Neither the machine's nor the user's git configuration changes what git prints or does."""

FIRST_COMMIT = "Start the bridge's test repository"


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` as the test (not the server) and return its output."""
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env=os.environ | GIT_ISOLATION,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_repo(path: Path) -> Path:
    """A git repository at `path` with one commit, by an identity of its own (clean CI works)."""
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "user.name", "SwarmDeck Tests")
    git(path, "config", "user.email", "tests@swarmdeck.invalid")
    git(path, "config", "commit.gpgsign", "false")
    (path / "README.md").write_text("# test repository\n")
    git(path, "add", "README.md")
    git(path, "commit", "--quiet", "--message", FIRST_COMMIT)
    return path


def git_server(repo: Path, **extra: Any) -> StdioServerConfig:
    """`mcp-server-git`, confined to `repo`."""
    return StdioServerConfig(
        command=sys.executable,
        args=("-m", "mcp_server_git", "--repository", str(repo)),
        env=GIT_ISOLATION,
        **extra,
    )


def fetch_server(scratch: Path, **extra: Any) -> StdioServerConfig:
    """`mcp-server-fetch` allowed onto loopback, with nothing that would go elsewhere.

    `--allow-private-ips`: it refuses 127.0.0.1 otherwise. `--ignore-robots-txt`: no
    `/robots.txt` request before each fetch. `PATH` is an empty directory in `scratch` because
    readabilipy, which turns HTML into text, runs `npm install` into site-packages the
    first time it finds `node` without its JavaScript packages; without `node` it takes
    its pure-Python path. Proxy variables are not passed: the bridge gives a server only
    a minimal environment (PATH, HOME, ...) plus `env`.
    """
    empty = scratch / "empty-path"
    empty.mkdir(exist_ok=True)
    return StdioServerConfig(
        command=sys.executable,
        args=("-m", "mcp_server_fetch", "--ignore-robots-txt", "--allow-private-ips"),
        env={"PATH": str(empty)},
        **extra,
    )


def process_group(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members
