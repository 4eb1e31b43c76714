"""A run that fails or is cancelled undoes its agents' tool calls, newest first (the saga),
on a real Temporal dev server with a real MCP server whose side effects land in a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from swarmdeck.mcp import StdioServerConfig
from tests.mcp.conftest import FAST
from tests.swarms.conftest import PRICE, Deck, DeckFactory, eventually
from tests.swarms.test_runs import run_to_end

pytestmark = pytest.mark.asyncio(loop_scope="module")

LEDGER = Path(__file__).parent / "ledger_server.py"
UNDO = {"ledger__book_a": "ledger__cancel_a", "ledger__book_b": "ledger__cancel_b"}
TASK = "call ledger__book_a and call ledger__book_b"
BRITTLE_UPSTREAM = "gpt-4o-mini"


def booking_swarm(*, closer_model: str) -> dict[str, Any]:
    """Two agents that each book something through the ledger, then one that closes."""
    return {
        "pattern": "sequential",
        "agents": [
            {"name": "booker-a", "model": "gpt", "tools": ["ledger__book_a"], "max_turns": 2},
            {"name": "booker-b", "model": "gpt", "tools": ["ledger__book_b"], "max_turns": 2},
            {"name": "closer", "model": closer_model},
        ],
        "compensations": UNDO,
    }


def sections(journal: Path) -> dict[str, Any]:
    ledger = StdioServerConfig(
        command=sys.executable, args=(str(LEDGER),), env={"LEDGER_JOURNAL": str(journal)}
    )
    return {
        "mcp": FAST,
        "mcp_servers": {"ledger": ledger},
        "models": [
            {
                "name": "gpt",
                "deployments": [{"provider": "oai", "model": "gpt-4o"}],
                "price": PRICE,
            },
            {
                "name": "brittle",
                "deployments": [{"provider": "oai", "model": BRITTLE_UPSTREAM}],
                "price": PRICE,
            },
        ],
    }


async def ledger_ready(deck: Deck) -> None:
    await eventually(
        lambda: any(s.state == "healthy" for s in deck.runtime.mcp.servers()), within=30
    )


def entries(journal: Path) -> list[str]:
    return journal.read_text().split() if journal.exists() else []


async def test_a_failing_step_undoes_the_earlier_tool_calls_newest_first(
    deck_factory: DeckFactory, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    swarm = booking_swarm(closer_model="brittle")
    async with deck_factory({"booking": swarm}, **sections(journal)) as deck:
        await ledger_ready(deck)
        deck.fake.fail(400, message="the closer is refused", model=BRITTLE_UPSTREAM)
        run = await run_to_end(deck, "booking", TASK)
    assert entries(journal) == ["book_a", "book_b", "cancel_b", "cancel_a"]
    assert run.status == "failed"
    assert run.error is not None
    assert "the closer is refused" in run.error
    assert run.error.endswith("undid 2 of 2 tool calls")


async def test_a_completed_run_keeps_what_it_did(deck_factory: DeckFactory, tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    async with deck_factory(
        {"booking": booking_swarm(closer_model="gpt")}, **sections(journal)
    ) as deck:
        await ledger_ready(deck)
        run = await run_to_end(deck, "booking", TASK)
    assert run.status == "completed", run.error
    assert entries(journal) == ["book_a", "book_b"]


async def test_an_undo_that_keeps_failing_is_reported_and_the_others_still_run(
    deck_factory: DeckFactory, tmp_path: Path
) -> None:
    journal = tmp_path / "journal"
    swarm = booking_swarm(closer_model="brittle")
    # The undo of B names a tool the ledger does not have: every attempt fails.
    swarm["compensations"] = {**UNDO, "ledger__book_b": "ledger__nowhere"}
    async with deck_factory({"booking": swarm}, **sections(journal)) as deck:
        await ledger_ready(deck)
        deck.fake.fail(400, message="the closer is refused", model=BRITTLE_UPSTREAM)
        run = await run_to_end(deck, "booking", TASK)
    assert entries(journal) == ["book_a", "book_b", "cancel_a"]
    assert run.status == "failed"
    assert run.error is not None
    assert "undid 1 of 2 tool calls (swarm.undo_tool_call failed)" in run.error
