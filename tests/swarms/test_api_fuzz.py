"""Schemathesis over the swarm routes against a live server: no input gives a 5xx, and
every answer is one the OpenAPI spec documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.test_schemathesis import schemathesis
from tests.swarms.conftest import DeckFactory

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

RESEARCH = {
    "pattern": "parallel",
    "agents": [{"name": "planner", "model": "gpt"}, {"name": "researcher", "model": "gpt"}],
}


async def test_no_generated_swarm_request_makes_a_server_error(
    deck_factory: DeckFactory, tmp_path: Path
) -> None:
    async with deck_factory({"research": RESEARCH}) as deck:
        await schemathesis(
            deck.server.url,
            deck.server.token,
            tmp_path,
            "--include-tag",
            "swarms",
            "--include-tag",
            "workflows",
            examples=40,
        )
