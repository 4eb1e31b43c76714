"""Sagas for workflows: undo the completed steps, newest first, when a later one fails.

Use inside `@workflow.run` (it only schedules activities, so it is deterministic):

    async with Saga(start_to_close_timeout=timedelta(minutes=1)) as saga:
        plan = await saga.step(reserve_budget, request, compensate=release_budget)
        await saga.step(scale_swarm, plan, compensate=restore_scale)
        deployment = await saga.step(deploy, plan)       # nothing to undo: no compensate
        saga.add(rollback_deploy, deployment.id)          # or register the undo yourself

If anything in the block raises (a step's activity failed after its retries, the
workflow was cancelled, any other error), the compensations of the steps that completed
run in reverse order, each as an activity with its own retry policy; one that still
fails is logged and recorded in `saga.failures`, and the rest run anyway. Then the
original error propagates. Without the `async with`, call `await saga.compensate()`
yourself. A compensation gets the step's own arguments unless `compensate_args` says
otherwise; write compensations so that running one twice is harmless (an activity may
be retried after it did its work).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

R = TypeVar("R")
Activity = Callable[..., Any] | str
"""An activity function or method (decorated with `@activity.defn`), or its name."""

COMPENSATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
)
"""Bounded, so that a compensation that keeps failing lets the others run."""


@dataclass(frozen=True)
class CompensationFailure:
    """A compensation that still failed after its retries."""

    activity: str
    error: ActivityError


@dataclass(frozen=True)
class _Compensation:
    activity: Activity
    args: Sequence[Any]
    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy


class Saga:
    """Steps with compensations, undone in reverse order on failure."""

    def __init__(
        self,
        *,
        start_to_close_timeout: timedelta = timedelta(minutes=5),
        retry_policy: RetryPolicy | None = None,
        compensation_retry_policy: RetryPolicy = COMPENSATION_RETRY,
    ) -> None:
        self.start_to_close_timeout = start_to_close_timeout
        self.retry_policy = retry_policy
        self.compensation_retry_policy = compensation_retry_policy
        self.failures: list[CompensationFailure] = []
        self._undo: list[_Compensation] = []

    async def step(
        self,
        activity: Callable[..., Awaitable[R]],
        *args: Any,
        compensate: Activity | None = None,
        compensate_args: Sequence[Any] | None = None,
        start_to_close_timeout: timedelta | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> R:
        """Run `activity(*args)`; once it succeeds, remember its compensation (if any)."""
        result: R = await workflow.execute_activity(
            activity,
            args=args,
            start_to_close_timeout=start_to_close_timeout or self.start_to_close_timeout,
            retry_policy=retry_policy or self.retry_policy,
        )
        if compensate is not None:
            self.add(compensate, *(args if compensate_args is None else compensate_args))
        return result

    def add(
        self,
        compensate: Activity,
        *args: Any,
        start_to_close_timeout: timedelta | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        """Register the undo of something already done; it runs first if the saga fails."""
        self._undo.append(
            _Compensation(
                compensate,
                args,
                start_to_close_timeout or self.start_to_close_timeout,
                retry_policy or self.compensation_retry_policy,
            )
        )

    @property
    def pending(self) -> int:
        """Compensations registered and not yet run."""
        return len(self._undo)

    async def compensate(self) -> None:
        """Run every registered compensation, newest first; failures are recorded, not raised."""
        while self._undo:
            undo = self._undo.pop()
            try:
                await workflow.execute_activity(
                    undo.activity,
                    args=undo.args,
                    start_to_close_timeout=undo.start_to_close_timeout,
                    retry_policy=undo.retry_policy,
                )
            except ActivityError as exc:
                name = _name(undo.activity)
                self.failures.append(CompensationFailure(name, exc))
                workflow.logger.warning(
                    "compensation %s failed; running the others", name, exc_info=exc
                )

    async def __aenter__(self) -> Saga:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Only errors and cancellation: other BaseExceptions (the SDK evicting the workflow
        # from its cache) must not schedule anything.
        if exc is not None and isinstance(exc, Exception | asyncio.CancelledError):
            await self.compensate()


def _name(activity: Activity) -> str:
    if isinstance(activity, str):
        return activity
    defn = getattr(activity, "__temporal_activity_definition", None)
    return str(getattr(defn, "name", None) or getattr(activity, "__name__", repr(activity)))
