"""The swarm run's activities: an agent's turn, and the run's end written down.

Everything a run does outside its workflow happens here: calls to the gateway and the
bridge (through `swarms.agent`), rows in the database, events on the bus topic `runs`,
audit records, metrics and spans. Temporal may run an activity again after a crash or a
timeout, so each is idempotent: a turn whose step is already written returns the stored
result without calling the model again; a run that has ended is not ended twice.

The credential an agent uses is minted here, when the turn runs, from the server's
secret key: it never enters the workflow's input, so it is never stored in Temporal.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Status, StatusCode
from temporalio import activity
from temporalio.exceptions import ApplicationError

from swarmdeck.config import Settings, resolve_secret_key
from swarmdeck.core.audit import Actor, AuditLog
from swarmdeck.core.auth import SessionSigner
from swarmdeck.core.bus import EventBus
from swarmdeck.core.db import Database
from swarmdeck.core.models import utcnow
from swarmdeck.core.telemetry import meter, tracer
from swarmdeck.swarms.agent import (
    AgentError,
    AgentSession,
    PendingCall,
    ToolCallListener,
    ToolCallRecord,
    api_base_url,
)
from swarmdeck.swarms.attempts import FailedAttempt
from swarmdeck.swarms.prompts import DELEGATE, delegate_function
from swarmdeck.swarms.runs import RUNS_TOPIC, RunStore, StepRecord
from swarmdeck.workflows.run_messages import (
    Delegation,
    RunUpdate,
    ToolEffect,
    TurnInput,
    TurnResult,
    UndoInput,
    turn_result,
)

log = logging.getLogger(__name__)

UNDO_ACTIVITY = "swarm.undo_tool_call"
HEARTBEAT_SECONDS = 2.0
"""How often a turn tells Temporal it is alive (the workflow's heartbeat timeout is a few
of these): a worker that dies mid-turn is noticed in seconds, not at the turn's timeout,
and a cancelled run's turn learns of it while it waits for the model."""
AGENT_TOKEN_TTL_SECONDS = 900.0
"""An agent's credential outlives its turn's start-to-close timeout, and little more."""
_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
_RATE_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]


class AgentActivities:
    """The activities with what they need; the worker registers `all()` of them.

    `settings` gives the secret key (for agent credentials) and SwarmDeck's address
    (`api_base_url`); `audit` records each run's end, when given.
    """

    def __init__(
        self,
        *,
        db: Database,
        bus: EventBus,
        settings: Settings,
        audit: AuditLog | None = None,
        secret_key: bytes | None = None,
        api_url: str | None = None,
        call_timeout: float = 120.0,
    ) -> None:
        self.runs = RunStore(db)
        self._bus = bus
        self._audit = audit
        self._signer = SessionSigner(secret_key or resolve_secret_key(settings))
        self.api_url = api_url or api_base_url(settings)
        self._call_timeout = call_timeout
        self._tracer = tracer()
        instruments = meter()
        self._run_duration = instruments.create_histogram(
            "swarmdeck.swarm.run.duration",
            unit="s",
            description="Swarm runs from start to end, by swarm and final status",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._turns = instruments.create_counter(
            "swarmdeck.swarm.agent.turns",
            unit="{turn}",
            description="Agent turns by swarm, agent and outcome (ok or error): the success rate",
        )
        self._tokens_per_second = instruments.create_histogram(
            "swarmdeck.swarm.agent.tokens_per_second",
            unit="{token}/s",
            description="Output tokens per second of agent turns, by swarm and agent",
            explicit_bucket_boundaries_advisory=_RATE_BUCKETS,
        )

    def all(self) -> list[Callable[..., Any]]:
        """The activities to register with a worker."""
        return [self.agent_turn, self.record_run, self.undo_tool_call]

    @activity.defn(name="swarm.agent_turn")
    async def agent_turn(self, turn: TurnInput) -> TurnResult:
        """One model call through the gateway and the MCP tool calls it asks for.

        An attempt that fails is written down (`swarm_run_attempts`) and announced
        (`step.failed`) before its error goes to Temporal, which retries it or fails the run.
        """
        stored = await self.runs.step_result(turn.run_id, turn.seq)
        if stored is not None:  # written by an attempt that then lost its worker
            return turn_result(stored)
        labels = {"swarm": turn.swarm, "agent": turn.instance.agent}
        await self._publish("step.started", {**_step_event(turn), "attempt": _attempt()})
        started_at = utcnow()
        try:
            return await self._take_turn(turn, started_at)
        except AgentError as exc:
            self._turns.add(1, {**labels, "outcome": "error"})
            await self._failed(turn, started_at, exc.type, exc.message, exc.retryable)
            raise ApplicationError(
                f"{turn.instance.name}: {exc.message}",
                type=exc.type,
                non_retryable=not exc.retryable,
            ) from None
        except Exception as exc:  # a bug or an outage: kept too, then Temporal sees it as is
            self._turns.add(1, {**labels, "outcome": "error"})
            retryable = not (isinstance(exc, ApplicationError) and exc.non_retryable)
            await self._failed(
                turn, started_at, type(exc).__name__, str(exc) or repr(exc), retryable
            )
            raise

    async def _take_turn(self, turn: TurnInput, started_at: datetime) -> TurnResult:
        instance = turn.instance
        labels = {"swarm": turn.swarm, "agent": instance.agent}
        started = time.perf_counter()
        with (
            _heartbeating(),
            self._tracer.start_as_current_span(
                f"invoke_agent {instance.name}",
                context=_parent_context(turn.trace),
                kind=trace.SpanKind.INTERNAL,
                attributes={
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.name": instance.name,
                    "gen_ai.request.model": instance.model,
                    "swarmdeck.swarm": turn.swarm,
                    "swarmdeck.run.id": turn.run_id,
                    "swarmdeck.run.step": turn.seq,
                },
            ) as span,
        ):
            credential = self._signer.issue_agent_token(
                f"agent:{turn.swarm}/{instance.name}", ttl=AGENT_TOKEN_TTL_SECONDS
            )
            try:
                async with AgentSession(
                    base_url=self.api_url,
                    credential=credential,
                    swarm=turn.swarm,
                    agent=instance.name,
                    timeout=self._call_timeout,
                ) as session:
                    tools = () if turn.final else await session.tools(instance.tools)
                    functions = (
                        [delegate_function(turn.delegates)]
                        if turn.delegates and not turn.final
                        else []
                    )
                    outcome = await session.turn(
                        model=instance.model,
                        messages=turn.messages,
                        tools=tools,
                        functions=functions,
                        on_tool_call=self._tool_call_announcer(turn),
                    )
            except AgentError as exc:
                span.set_status(Status(StatusCode.ERROR, exc.message))
                span.set_attribute("error.type", exc.type)
                raise
            span.set_attribute("gen_ai.usage.input_tokens", outcome.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", outcome.output_tokens)
        elapsed = time.perf_counter() - started
        result = TurnResult(
            seq=turn.seq,
            text=outcome.text,
            messages=outcome.messages,
            done=outcome.done,
            delegations=[_delegation(call) for call in outcome.pending if call.name == DELEGATE],
            tool_calls=len(outcome.tool_calls),
            input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens,
            cost_usd=str(outcome.cost_usd),
            duration_ms=round(elapsed * 1000, 3),
            effects=[
                ToolEffect(call.name, call.arguments) for call in outcome.tool_calls if call.ok
            ],
        )
        await self.runs.add_step(
            StepRecord(
                run_id=turn.run_id,
                seq=turn.seq,
                instance=instance.name,
                agent=instance.agent,
                role=turn.role,
                turn=turn.turn,
                model=instance.model,
                started_at=started_at,
                finished_at=utcnow(),
                input_tokens=outcome.input_tokens,
                output_tokens=outcome.output_tokens,
                cost_usd=outcome.cost_usd,
                output=outcome.text,
                tool_calls=[call.to_dict() for call in outcome.tool_calls],
                call_ids=[outcome.call_id] if outcome.call_id else [],
                result=dataclasses.asdict(result),
            )
        )
        self._turns.add(1, {**labels, "outcome": "ok"})
        if elapsed > 0 and outcome.output_tokens:
            self._tokens_per_second.record(outcome.output_tokens / elapsed, labels)
        await self._publish(
            "step.completed",
            {
                **_step_event(turn),
                "duration_ms": result.duration_ms,
                "input_tokens": result.input_tokens,
                "output_tokens": result.output_tokens,
                "cost_usd": result.cost_usd,
                "tool_calls": result.tool_calls,
                "delegations": [d.worker for d in result.delegations],
                "done": result.done,
            },
        )
        return result

    @activity.defn(name=UNDO_ACTIVITY)
    async def undo_tool_call(self, undo: UndoInput) -> None:
        """Call the tool that reverses an earlier call, through the bridge, as the run's saga.

        A failure raises, so Temporal retries it (an undo must be safe to run twice); the
        saga records one that keeps failing and goes on with the others.
        """
        event = {
            "run": undo.run_id,
            "swarm": undo.swarm,
            "tool": undo.tool,
            "undoes": undo.undoes,
            "after_step": undo.after_step,
        }
        credential = self._signer.issue_agent_token(
            f"agent:{undo.swarm}/saga", ttl=AGENT_TOKEN_TTL_SECONDS
        )
        with self._tracer.start_as_current_span(
            f"compensate {undo.undoes}",
            attributes={
                "swarmdeck.swarm": undo.swarm,
                "swarmdeck.run.id": undo.run_id,
                "gen_ai.tool.name": undo.tool,
            },
        ):
            async with AgentSession(
                base_url=self.api_url,
                credential=credential,
                swarm=undo.swarm,
                agent="saga",
                timeout=self._call_timeout,
            ) as session:
                text, ok = await session.call_tool(undo.tool, dict(undo.arguments))
        if not ok:
            await self._publish("step.compensation_failed", {**event, "error": text})
            raise ApplicationError(f"{undo.tool} (undoing {undo.undoes}) failed: {text}")
        await self._publish("step.compensated", event)

    @activity.defn(name="swarm.record_run")
    async def record_run(self, update: RunUpdate) -> None:
        """Write a run's end (once), announce it, audit it, count it."""
        ended = await self.runs.finish(
            update.run_id, update.status, output=update.output, error=update.error
        )
        record = await self.runs.get(update.run_id)
        if record is None:
            return
        if ended:
            finished = record.finished_at or utcnow()
            self._run_duration.record(
                (finished - record.created_at).total_seconds(),
                {"swarm": record.swarm, "status": record.status},
            )
            if self._audit is not None:
                await self._audit.record(
                    Actor(type="system", name=f"workflow:swarm-run-{record.id}"),
                    f"swarm.run.{record.status}",
                    resource_type="run",
                    resource_id=record.id,
                    result="success" if record.status == "completed" else "error",
                    details={
                        "swarm": record.swarm,
                        "cost_usd": str(record.cost_usd),
                        "error": record.error,
                    },
                )
        # Announced on every attempt: a retry after a lost event is what makes it arrive.
        await self._publish(
            f"run.{record.status}",
            {
                "run": record.id,
                "swarm": record.swarm,
                "status": record.status,
                "cost_usd": str(record.cost_usd),
                "input_tokens": record.input_tokens,
                "output_tokens": record.output_tokens,
                "error": record.error,
            },
        )

    async def _failed(
        self, turn: TurnInput, started_at: datetime, kind: str, error: str, retryable: bool
    ) -> None:
        """Keep the failed attempt (once) and announce it. Never raises: were the database or
        the bus down too, the turn's own error must still be what Temporal sees."""
        attempt = _attempt()
        event = {**_step_event(turn), "attempt": attempt, "error": error, "retryable": retryable}
        where = (turn.run_id, turn.seq)
        try:
            await self.runs.add_failed_attempt(
                FailedAttempt(
                    run_id=turn.run_id,
                    seq=turn.seq,
                    attempt=attempt,
                    instance=turn.instance.name,
                    agent=turn.instance.agent,
                    role=turn.role,
                    turn=turn.turn,
                    model=turn.instance.model,
                    started_at=started_at,
                    finished_at=utcnow(),
                    error_type=kind,
                    error=error,
                    retryable=retryable,
                )
            )
        except Exception:
            log.exception("could not write attempt %d of run %s step %d", attempt, *where)
        try:
            await self._publish("step.failed", event)
        except Exception:
            log.exception("could not announce attempt %d of run %s step %d", attempt, *where)

    def _tool_call_announcer(self, turn: TurnInput) -> ToolCallListener:
        """`step.tool_call` events as a turn's tool calls begin and end (the live graph's
        "calling tool")."""

        async def announce(tool: str, record: ToolCallRecord | None) -> None:
            event: dict[str, Any] = {**_step_event(turn), "tool": tool}
            if record is None:
                event["phase"] = "started"
            else:
                event |= {
                    "phase": "finished",
                    "ok": record.ok,
                    "duration_ms": round(record.duration_ms, 3),
                }
            await self._publish("step.tool_call", event)

        return announce

    async def _publish(self, type_: str, data: dict[str, Any]) -> None:
        await self._bus.publish(RUNS_TOPIC, type_, data)


@contextlib.contextmanager
def _heartbeating() -> Iterator[None]:
    """Heartbeat in the background while the block runs."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    task = asyncio.get_running_loop().create_task(beat(), name="turn-heartbeat")
    try:
        yield
    finally:
        task.cancel()


def _attempt() -> int:
    """Temporal's number of this attempt at the activity, from 1."""
    return activity.info().attempt


def _delegation(call: PendingCall) -> Delegation:
    worker = call.arguments.get("worker")
    task = call.arguments.get("task")
    return Delegation(
        id=call.id,
        worker=worker if isinstance(worker, str) and worker else None,
        task=task if isinstance(task, str) and task.strip() else None,
    )


def _step_event(turn: TurnInput) -> dict[str, Any]:
    return {
        "run": turn.run_id,
        "swarm": turn.swarm,
        "seq": turn.seq,
        "agent": turn.instance.agent,
        "instance": turn.instance.name,
        "role": turn.role,
        "turn": turn.turn,
    }


def _parent_context(carrier: Mapping[str, str]) -> otel_context.Context | None:
    """The run's trace, unless Temporal's tracing interceptor already put us in it."""
    if trace.get_current_span().get_span_context().is_valid or not carrier:
        return None
    return propagate.extract(dict(carrier))
