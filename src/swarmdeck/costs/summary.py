"""Spend over a window, grouped and bucketed in the database, exact on SQLite and PostgreSQL.

Money columns hold integer billionths, so `SUM` is exact on both engines. Time buckets are
integer epoch seconds divided by the bucket width, so 1-day buckets start at UTC midnight.
Calls the ledger has taken but not yet written are flushed first (given the ledger), so a
call just made shows up at once; the flush waits at most `FLUSH_WAIT_SECONDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, get_args

from sqlalchemy import BigInteger, ColumnElement, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from swarmdeck.core.db import Database
from swarmdeck.core.errors import InvalidInput
from swarmdeck.core.models import utcnow
from swarmdeck.costs._tables import CallRow
from swarmdeck.costs.ledger import Ledger

Window = Literal["1h", "1d", "1w", "30d"]
GroupBy = Literal["model", "swarm", "agent", "user", "key", "provider"]

WINDOWS: Final[tuple[str, ...]] = get_args(Window)
GROUP_BYS: Final[tuple[str, ...]] = get_args(GroupBy)
WINDOW_SECONDS: Final[dict[str, int]] = {"1h": 3600, "1d": 86400, "1w": 604800, "30d": 2592000}
DEFAULT_BUCKET_SECONDS: Final[dict[str, int]] = {"1h": 60, "1d": 900, "1w": 3600, "30d": 86400}
MAX_BUCKETS: Final = 2000
FLUSH_WAIT_SECONDS: Final = 2.0
# Rows stamped slightly in the future (a replica's clock ahead) still count; later ones don't.
CLOCK_SKEW: Final = timedelta(minutes=1)

_GROUP_COLUMNS: Final[dict[str, Any]] = {
    "model": CallRow.alias,
    "swarm": CallRow.swarm,
    "agent": CallRow.agent,
    "user": CallRow.user,
    "key": CallRow.key_id,
    "provider": CallRow.provider,
}


@dataclass(frozen=True, slots=True)
class Group:
    """Spend of one group (a model alias, swarm, agent, user, key id or provider)."""

    key: str | None
    """None collects calls without that attribute (no swarm header, a cache hit's provider)."""
    cost_usd: Decimal
    calls: int
    input_tokens: int
    output_tokens: int
    saved_usd: Decimal


@dataclass(frozen=True, slots=True)
class Summary:
    window: str
    group_by: str
    since: datetime
    total_usd: Decimal
    saved_usd: Decimal
    calls: int
    groups: list[Group]
    """Most expensive first."""


@dataclass(frozen=True, slots=True)
class GroupPoint:
    key: str | None
    cost_usd: Decimal
    calls: int


@dataclass(frozen=True, slots=True)
class Point:
    """One time bucket, `[start, start + bucket_seconds)`; empty buckets are included."""

    start: datetime
    cost_usd: Decimal
    calls: int
    groups: list[GroupPoint] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Timeseries:
    window: str
    group_by: str | None
    bucket_seconds: int
    since: datetime
    points: list[Point]


class _EpochSeconds(FunctionElement[int]):
    """Whole UTC seconds since 1970 of a `UTCDateTime` column, on either engine."""

    type = BigInteger()
    inherit_cache = True


@compiles(_EpochSeconds, "sqlite")
def _epoch_sqlite(element: _EpochSeconds, compiler: Any, **kw: Any) -> str:
    # SQLite keeps UTC datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff'. Its date functions round
    # to milliseconds (59.9999995 s would become the next minute), so cut the fraction first.
    column = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"


@compiles(_EpochSeconds, "postgresql")
def _epoch_postgresql(element: _EpochSeconds, compiler: Any, **kw: Any) -> str:
    # EXTRACT gives fractional seconds and a bigint cast would round: floor first.
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def _check(window: str, group_by: str | None) -> None:
    if window not in WINDOW_SECONDS:
        raise InvalidInput(
            f"window must be one of {', '.join(WINDOWS)}", details={"window": window}
        )
    if group_by is not None and group_by not in _GROUP_COLUMNS:
        raise InvalidInput(
            f"group_by must be one of {', '.join(GROUP_BYS)}", details={"group_by": group_by}
        )


async def _flushed(ledger: Ledger | None) -> None:
    if ledger is not None:
        await ledger.settle(FLUSH_WAIT_SECONDS)


def _money(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


async def summary(
    db: Database,
    *,
    window: Window | str,
    group_by: GroupBy | str,
    ledger: Ledger | None = None,
    now: datetime | None = None,
) -> Summary:
    """Spend, calls and tokens in the last `window`, per group, most expensive first."""
    _check(window, group_by)
    await _flushed(ledger)
    end = now or utcnow()
    since = end - timedelta(seconds=WINDOW_SECONDS[window])
    column = _GROUP_COLUMNS[group_by]
    cost = func.sum(CallRow.cost_usd)
    query = (
        select(
            column,
            cost,
            func.count(),
            func.sum(CallRow.input_tokens),
            func.sum(CallRow.output_tokens),
            func.sum(CallRow.saved_usd),
        )
        .where(CallRow.at >= since, CallRow.at < end + CLOCK_SKEW)
        .group_by(column)
    )
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    groups = sorted(
        (
            Group(
                key=row[0],
                cost_usd=_money(row[1]),
                calls=int(row[2]),
                input_tokens=int(row[3] or 0),
                output_tokens=int(row[4] or 0),
                saved_usd=_money(row[5]),
            )
            for row in rows
        ),
        key=lambda g: (-g.cost_usd, -g.calls, g.key is None, g.key or ""),
    )
    return Summary(
        window=window,
        group_by=group_by,
        since=since,
        total_usd=sum((g.cost_usd for g in groups), Decimal(0)),
        saved_usd=sum((g.saved_usd for g in groups), Decimal(0)),
        calls=sum(g.calls for g in groups),
        groups=groups,
    )


async def timeseries(
    db: Database,
    *,
    window: Window | str,
    bucket_seconds: int | None = None,
    group_by: GroupBy | str | None = None,
    ledger: Ledger | None = None,
    now: datetime | None = None,
) -> Timeseries:
    """Spend and calls per time bucket over the last `window`, optionally per group."""
    _check(window, group_by)
    span = WINDOW_SECONDS[window]
    width = bucket_seconds or DEFAULT_BUCKET_SECONDS[window]
    if width < 1 or span // width > MAX_BUCKETS:
        raise InvalidInput(
            f"bucket_seconds must be at least {max(1, span // MAX_BUCKETS)} for window {window}",
            details={"bucket_seconds": bucket_seconds},
        )
    await _flushed(ledger)
    end = now or utcnow()
    since = end - timedelta(seconds=span)
    # `//` is integer division on both engines (`/` would be true division in SQLAlchemy 2).
    bucket: ColumnElement[int] = ((_EpochSeconds(CallRow.at) // width) * width).label("bucket")
    columns: list[Any] = [bucket, func.sum(CallRow.cost_usd), func.count()]
    keys: list[Any] = [bucket]
    if group_by is not None:
        columns.append(_GROUP_COLUMNS[group_by])
        keys.append(_GROUP_COLUMNS[group_by])
    query = (
        select(*columns)
        .where(CallRow.at >= since, CallRow.at < end + CLOCK_SKEW)
        .group_by(*keys)
        .order_by(bucket)
    )
    async with db.session() as session:
        rows = (await session.execute(query)).all()

    first = int(since.timestamp()) // width * width
    last = int(end.timestamp()) // width * width
    totals: dict[int, list[Any]] = {}
    per_group: dict[int, list[GroupPoint]] = {}
    for row in rows:
        start, cost, calls = int(row[0]), _money(row[1]), int(row[2])
        entry = totals.setdefault(start, [Decimal(0), 0])
        entry[0] += cost
        entry[1] += calls
        if group_by is not None:
            per_group.setdefault(start, []).append(GroupPoint(row[3], cost, calls))
        last = max(last, start)  # a replica's clock slightly ahead
    points = []
    for start in range(first, last + 1, width):
        cost, calls = totals.get(start, (Decimal(0), 0))
        groups = sorted(per_group.get(start, []), key=lambda g: (-g.cost_usd, g.key or ""))
        points.append(Point(datetime.fromtimestamp(start, UTC), cost, calls, groups))
    return Timeseries(
        window=window, group_by=group_by, bucket_seconds=width, since=since, points=points
    )
