"""What SIGKILL can lose: the calls taken but not yet committed, at most one flush interval.

A child process takes calls at a steady rate and prints how many it has taken; the test
kills it with SIGKILL mid-stream and counts what reached the database.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid

import pytest
from sqlalchemy import func, select

from swarmdeck.core.db import Database
from swarmdeck.costs._tables import CallRow

RATE = 2000  # calls per second
FLUSH_SECONDS = 0.2

CHILD = """
import asyncio, sys, time
from datetime import UTC, datetime
from decimal import Decimal
from swarmdeck.core.db import Database
from swarmdeck.core.models import uuid7
from swarmdeck.costs.ledger import Ledger
from swarmdeck.costs.usage import CallRecord, Usage

async def main(url, swarm, rate, flush):
    db = Database(url)
    await db.migrate()
    ledger = Ledger(db, None, flush_seconds=flush)
    await ledger.start()
    taken, started = 0, time.monotonic()
    print("ready", flush=True)
    while True:
        due = int((time.monotonic() - started) * rate)
        while taken < due:
            ledger.record(CallRecord(
                id=str(uuid7()), at=datetime.now(UTC), provider="openai", alias="gpt-4o",
                model="gpt-4o", usage=Usage(100, 10), cost_usd=Decimal("0.001"), swarm=swarm))
            taken += 1
        sys.stdout.write(f"{taken}\\n")
        sys.stdout.flush()
        await asyncio.sleep(0.001)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
"""


async def kill_mid_stream(database_url: str, after: float) -> tuple[int, int]:
    """(calls taken, calls committed) for one child killed `after` seconds into its stream."""
    swarm = f"kill-{uuid.uuid4().hex[:8]}"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        database_url,
        swarm,
        str(RATE),
        str(FLUSH_SECONDS),
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    assert (await asyncio.wait_for(child.stdout.readline(), 30)).strip() == b"ready"
    await asyncio.sleep(after)
    child.send_signal(signal.SIGKILL)
    output = await child.stdout.read()  # what it printed before dying
    await child.wait()
    assert child.returncode == -signal.SIGKILL
    taken = int(output.split()[-1])
    db = Database(database_url)
    try:
        async with db.session() as session:
            committed = await session.scalar(
                select(func.count()).select_from(CallRow).where(CallRow.swarm == swarm)
            )
    finally:
        await db.aclose()
    return taken, int(committed or 0)


@pytest.mark.slow
async def test_sigkill_loses_at_most_one_flush_interval(database_url: str) -> None:
    losses = []
    for after in (0.73, 1.11, 1.52, 1.9):
        taken, committed = await kill_mid_stream(database_url, after)
        assert taken >= committed and taken > RATE * 0.5
        losses.append(taken - committed)
    # One interval of calls, plus the calls that arrived while a batch was being written.
    bound = RATE * FLUSH_SECONDS * 1.5
    print(f"\nSIGKILL losses at {RATE}/s, flush {FLUSH_SECONDS}s: {losses} (bound {bound:.0f})")
    assert max(losses) <= bound, losses
