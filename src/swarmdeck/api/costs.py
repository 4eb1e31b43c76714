"""Spend: summaries by group, time series, and the most recent calls through the gateway.

USD amounts are decimal strings (`"0.0125"`), never JSON numbers: they come from exact
`Decimal` sums, and a float would round them. Parse them with a decimal library, or
`Number()` for display only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from swarmdeck.api.deps import RuntimeDep, require
from swarmdeck.api.errors import error_responses
from swarmdeck.core.auth import Principal
from swarmdeck.costs.ledger import call_to_dict
from swarmdeck.costs.summary import GroupBy, Summary, Timeseries, Window, summary, timeseries
from swarmdeck.costs.usage import CacheOutcome, CallRecord, CallStatus

router = APIRouter(tags=["costs"])

Usd = Annotated[str, Field(description="USD as an exact decimal string", examples=["0.0125"])]
MAX_CALLS = 500


class CostGroup(BaseModel):
    key: str | None = Field(description="the alias, swarm, agent, user, key id or provider; null "
                            "collects calls without one")  # fmt: skip
    cost_usd: Usd
    calls: int
    input_tokens: int
    output_tokens: int
    saved_usd: Usd = Field(description="what cache hits would have cost at the provider")


class CostSummary(BaseModel):
    window: Window
    group_by: GroupBy
    since: datetime = Field(description="start of the window")
    total_usd: Usd
    saved_usd: Usd
    calls: int
    groups: list[CostGroup] = Field(description="most expensive first")

    @classmethod
    def of(cls, result: Summary) -> CostSummary:
        return cls(
            window=result.window,
            group_by=result.group_by,
            since=result.since,
            total_usd=str(result.total_usd),
            saved_usd=str(result.saved_usd),
            calls=result.calls,
            groups=[
                CostGroup(
                    key=g.key,
                    cost_usd=str(g.cost_usd),
                    calls=g.calls,
                    input_tokens=g.input_tokens,
                    output_tokens=g.output_tokens,
                    saved_usd=str(g.saved_usd),
                )
                for g in result.groups
            ],
        )


class CostPointGroup(BaseModel):
    key: str | None
    cost_usd: Usd
    calls: int


class CostPoint(BaseModel):
    start: datetime = Field(description="bucket start; the bucket is [start, start + width)")
    cost_usd: Usd
    calls: int
    groups: list[CostPointGroup] = Field(description="per group when group_by is given")


class CostTimeseries(BaseModel):
    window: Window
    group_by: GroupBy | None
    bucket_seconds: int
    since: datetime
    points: list[CostPoint] = Field(description="oldest first, empty buckets included")

    @classmethod
    def of(cls, result: Timeseries) -> CostTimeseries:
        return cls(
            window=result.window,
            group_by=result.group_by,
            bucket_seconds=result.bucket_seconds,
            since=result.since,
            points=[
                CostPoint(
                    start=p.start,
                    cost_usd=str(p.cost_usd),
                    calls=p.calls,
                    groups=[
                        CostPointGroup(key=g.key, cost_usd=str(g.cost_usd), calls=g.calls)
                        for g in p.groups
                    ],
                )
                for p in result.points
            ],
        )


class LedgerCall(BaseModel):
    """One call through the gateway, as the ledger keeps it."""

    id: str
    at: datetime
    key_id: str | None
    user: str | None
    swarm: str | None
    agent: str | None
    provider: str | None
    alias: str
    model: str | None
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: Usd
    saved_usd: Usd
    status: CallStatus
    status_code: int
    error_type: str | None
    cache: CacheOutcome
    latency_ms: float
    ttft_ms: float | None
    streamed: bool
    operation: str
    attributes: dict[str, str]

    @classmethod
    def of(cls, call: CallRecord) -> LedgerCall:
        return cls.model_validate(call_to_dict(call))


class LedgerCalls(BaseModel):
    calls: list[LedgerCall] = Field(description="newest first")


@router.get("/api/costs/summary", responses=error_responses(422))
async def cost_summary(
    runtime: RuntimeDep,
    _: Principal = require("costs", "read"),
    window: Window = "1d",
    group_by: GroupBy = "model",
) -> CostSummary:
    """Spend, calls and tokens over the last `window`, per group (`model` is the alias)."""
    result = await summary(runtime.db, window=window, group_by=group_by, ledger=runtime.ledger)
    return CostSummary.of(result)


@router.get("/api/costs/timeseries", responses=error_responses(422))
async def cost_timeseries(
    runtime: RuntimeDep,
    _: Principal = require("costs", "read"),
    window: Window = "1d",
    group_by: GroupBy | None = None,
    bucket_seconds: Annotated[
        int | None,
        Query(ge=1, le=2592000, description="bucket width; by default 1m/15m/1h/1d by window"),
    ] = None,
) -> CostTimeseries:
    """Spend and calls per time bucket over the last `window`, optionally per group.

    422 when `bucket_seconds` would make more than 2000 buckets."""
    result = await timeseries(
        runtime.db,
        window=window,
        group_by=group_by,
        bucket_seconds=bucket_seconds,
        ledger=runtime.ledger,
    )
    return CostTimeseries.of(result)


@router.get("/api/costs/calls", responses=error_responses(422))
async def recent_calls(
    runtime: RuntimeDep,
    _: Principal = require("costs", "read"),
    limit: Annotated[int, Query(ge=1, le=MAX_CALLS)] = 50,
) -> LedgerCalls:
    """The most recent calls through the gateway, newest first."""
    return LedgerCalls(calls=[LedgerCall.of(c) for c in await runtime.ledger.recent(limit)])
