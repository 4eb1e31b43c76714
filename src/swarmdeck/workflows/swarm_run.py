"""`SwarmRunWorkflow`: one swarm run, durable. Each agent turn is an activity.

The workflow holds the conversation of every agent and decides what happens next; the
turns (model calls and tool calls) run as activities, so a run whose worker dies goes on
on another worker from its last completed turn, without calling the model for the turns
it already has. Deterministic code only: no I/O, no clocks, no randomness here.

Patterns (the run's instances come planned in its input, see `swarms.plan`):

- `sequential`: each agent gets the task and the previous agent's answer.
- `parallel`: the first agent plans parts, the others work on them at once, the first
  merges their answers.
- `supervisor`: the first agent delegates to the others through a `delegate` function,
  turn by turn, until it answers or its `max_turns` are used up.

An agent works in turns until it answers; its last turn offers no tools, so it must.
A run fails when a turn fails after its retries, when its spend reaches `budget_usd`
(checked after every turn; turns still in flight are cancelled), or at its timeout.
Cancelling the workflow records the run as `cancelled`. `state` is a query for the live
view: the steps so far, the agents at work, the spend.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from swarmdeck.swarms import prompts
    from swarmdeck.swarms.agent import initial_messages
    from swarmdeck.swarms.plan import AgentInstance
    from swarmdeck.swarms.runs import RunStatus
    from swarmdeck.workflows.agent_activities import UNDO_ACTIVITY, AgentActivities
    from swarmdeck.workflows.run_messages import (
        Delegation,
        RunUpdate,
        TurnInput,
        TurnResult,
        UndoInput,
    )
    from swarmdeck.workflows.saga import Saga

WORKFLOW_NAME = "SwarmRun"
TURN_TIMEOUT = timedelta(minutes=5)
TURN_HEARTBEAT_TIMEOUT = timedelta(seconds=10)
"""A turn whose worker went quiet this long is retried elsewhere (turns beat every 2s)."""
TURN_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=3,
)
"""A turn that failed three times fails the run; refusals (4xx) fail it at once."""
RECORD_TIMEOUT = timedelta(seconds=30)
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
)
"""Writing the run's end is retried until the database takes it (within an hour)."""
RECORD_DEADLINE = timedelta(hours=1)
UNDO_TIMEOUT = timedelta(minutes=2)


def workflow_id(run_id: str) -> str:
    """The workflow id of a run (run ids are UUIDs; the prefix keeps them apart from other
    workflows in the namespace)."""
    return f"swarm-run-{run_id}"


def turn_activity_id(seq: int, instance: str) -> str:
    """`turn-<seq>-<instance>`: which agent a pending turn is, readable from Temporal's
    description of the run alone (no worker needed to answer a query)."""
    return f"turn-{seq}-{instance}"


def instance_of(activity_id: str) -> str | None:
    """The instance a turn's activity id names; None for other activities."""
    kind, _, rest = activity_id.partition("-")
    seq, _, instance = rest.partition("-")
    return instance if kind == "turn" and seq.isdigit() and instance else None


@dataclass(frozen=True)
class RunInput:
    run_id: str
    swarm: str
    pattern: str
    task: str
    agents: list[AgentInstance]
    budget_usd: str | None = None
    """USD as a decimal string; the run stops once its spend reaches it."""
    timeout_seconds: float = 1800.0
    trace: dict[str, str] = field(default_factory=dict)
    """W3C trace context of the request that started the run."""
    compensations: dict[str, str] = field(default_factory=dict)
    """MCP tool -> the tool that undoes it (the swarm's `compensations`)."""


@dataclass
class StepState:
    seq: int
    instance: str
    role: str
    turn: int
    status: str = "running"
    cost_usd: str = "0"
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class RunState:
    """What the `state` query answers: the run as it stands."""

    run_id: str
    swarm: str
    pattern: str
    status: str = "running"
    agents: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    """Instances whose turn is in flight."""
    spent_usd: str = "0"
    input_tokens: int = 0
    output_tokens: int = 0
    steps: list[StepState] = field(default_factory=list)
    output: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    status: str
    output: str | None
    spent_usd: str
    input_tokens: int
    output_tokens: int


class _BudgetReached(Exception):
    pass


@workflow.defn(name=WORKFLOW_NAME)
class SwarmRunWorkflow:
    @workflow.init
    def __init__(self, run: RunInput) -> None:
        self._run = run
        self._budget = Decimal(run.budget_usd) if run.budget_usd else None
        self._spent = Decimal(0)
        self._seq = 0
        # Every successful call of a tool with an undo registers that undo; a run that fails
        # or is cancelled runs them newest first.
        self._saga = Saga(start_to_close_timeout=UNDO_TIMEOUT)
        self._state = RunState(
            run_id=run.run_id,
            swarm=run.swarm,
            pattern=run.pattern,
            agents=[agent.name for agent in run.agents],
        )

    @workflow.run
    async def run(self, run: RunInput) -> RunOutcome:
        output: str | None = None
        error: str | None = None
        try:
            output = await asyncio.wait_for(self._pattern(), timeout=run.timeout_seconds)
        except asyncio.CancelledError:
            await self._record("cancelled", error=await self._roll_back("cancelled on request"))
            raise
        except TimeoutError:
            error = f"timed out after {run.timeout_seconds:g} seconds"
        except _BudgetReached as exc:
            error = str(exc)
        except ActivityError as exc:
            error = _reason(exc)
        if error is not None:
            error = await self._roll_back(error)
            await self._record("failed", error=error)
            raise ApplicationError(error, type="SwarmRunFailed", non_retryable=True)
        await self._record("completed", output=output)
        return RunOutcome(
            run_id=run.run_id,
            status="completed",
            output=output,
            spent_usd=str(self._spent),
            input_tokens=self._state.input_tokens,
            output_tokens=self._state.output_tokens,
        )

    @workflow.query
    def state(self) -> RunState:
        return self._state

    # -- patterns ---------------------------------------------------------------------

    async def _pattern(self) -> str:
        if self._run.pattern == "parallel":
            return await self._parallel()
        if self._run.pattern == "supervisor":
            return await self._supervisor()
        return await self._sequential()

    async def _sequential(self) -> str:
        previous: tuple[str, str] | None = None
        text = ""
        for agent in self._run.agents:
            text = await self._agent(
                agent, "agent", prompts.sequential_task(self._run.task, previous)
            )
            previous = (agent.name, text)
        return text

    async def _parallel(self) -> str:
        task = self._run.task
        planner, workers = self._run.agents[0], self._run.agents[1:]
        plan = await self._agent(planner, "planner", prompts.planning_task(task, len(workers)))
        parts = prompts.split_parts(plan, len(workers), task)
        answers = await self._together(
            [
                self._agent(worker, "worker", prompts.part_task(task, part, n, len(workers)))
                for n, (worker, part) in enumerate(zip(workers, parts, strict=True), start=1)
            ]
        )
        named = [(worker.name, answer) for worker, answer in zip(workers, answers, strict=True)]
        return await self._agent(planner, "merge", prompts.merge_task(task, named))

    async def _supervisor(self) -> str:
        lead, workers = self._run.agents[0], self._run.agents[1:]
        names = [worker.name for worker in workers]
        messages = initial_messages(
            prompts.supervisor_instructions(lead.instructions, names), self._run.task
        )
        text = ""
        for turn in range(1, lead.max_turns + 1):
            final = turn == lead.max_turns
            result = await self._turn(
                lead, "supervisor", turn, messages, final=final, delegates=() if final else names
            )
            messages = [*messages, *result.messages]
            text = result.text or ""
            if result.done:
                break
            if result.delegations:
                answers = await self._together(
                    [self._delegate(delegation, workers) for delegation in result.delegations]
                )
                messages.extend(
                    {"role": "tool", "tool_call_id": delegation.id, "content": answer}
                    for delegation, answer in zip(result.delegations, answers, strict=True)
                )
        return text

    async def _delegate(self, delegation: Delegation, workers: Sequence[AgentInstance]) -> str:
        by_name = {worker.name: worker for worker in workers}
        if delegation.worker is not None and delegation.worker not in by_name:
            return f"error: there is no worker {delegation.worker!r}; workers: {', '.join(by_name)}"
        targets = [by_name[delegation.worker]] if delegation.worker else list(workers)
        task = delegation.task or self._run.task
        answers = await self._together([self._agent(worker, "worker", task) for worker in targets])
        return prompts.answers_text(
            [(worker.name, answer) for worker, answer in zip(targets, answers, strict=True)]
        )

    # -- agents and turns -------------------------------------------------------------

    async def _agent(self, agent: AgentInstance, role: str, task: str) -> str:
        """An agent's turns on one task until it answers (its last turn must)."""
        messages = initial_messages(agent.instructions, task)
        text = ""
        for turn in range(1, agent.max_turns + 1):
            result = await self._turn(agent, role, turn, messages, final=turn == agent.max_turns)
            messages = [*messages, *result.messages]
            text = result.text or ""
            if result.done:
                break
        return text

    async def _turn(
        self,
        agent: AgentInstance,
        role: str,
        turn: int,
        messages: Sequence[dict[str, Any]],
        *,
        final: bool,
        delegates: Sequence[str] = (),
    ) -> TurnResult:
        self._seq += 1
        step = StepState(seq=self._seq, instance=agent.name, role=role, turn=turn)
        self._state.steps.append(step)
        self._state.active.append(agent.name)
        try:
            result = await workflow.execute_activity_method(
                AgentActivities.agent_turn,
                TurnInput(
                    run_id=self._run.run_id,
                    swarm=self._run.swarm,
                    seq=step.seq,
                    instance=agent,
                    role=role,
                    turn=turn,
                    messages=list(messages),
                    final=final,
                    delegates=list(delegates),
                    trace=self._run.trace,
                ),
                start_to_close_timeout=TURN_TIMEOUT,
                heartbeat_timeout=TURN_HEARTBEAT_TIMEOUT,
                retry_policy=TURN_RETRY,
                activity_id=turn_activity_id(step.seq, agent.name),
                summary=f"{agent.name} turn {turn}",
            )
        except asyncio.CancelledError:
            step.status = "cancelled"
            raise
        except BaseException:
            step.status = "failed"
            raise
        finally:
            self._state.active.remove(agent.name)
        step.status = "completed"
        self._remember_undos(step.seq, result)
        step.cost_usd = result.cost_usd
        step.input_tokens = result.input_tokens
        step.output_tokens = result.output_tokens
        self._spent += Decimal(result.cost_usd)
        self._state.spent_usd = str(self._spent)
        self._state.input_tokens += result.input_tokens
        self._state.output_tokens += result.output_tokens
        if self._budget is not None and self._spent >= self._budget:
            raise _BudgetReached(
                f"budget reached: spent ${self._spent} of ${self._budget} "
                f"(after {agent.name}'s turn {turn})"
            )
        return result

    def _remember_undos(self, step: int, result: TurnResult) -> None:
        for effect in result.effects:
            undo = self._run.compensations.get(effect.name)
            if undo is not None:
                self._saga.add(
                    UNDO_ACTIVITY,
                    UndoInput(
                        run_id=self._run.run_id,
                        swarm=self._run.swarm,
                        tool=undo,
                        undoes=effect.name,
                        arguments=effect.arguments,
                        after_step=step,
                    ),
                )

    async def _roll_back(self, error: str) -> str:
        """Undo the run's tool calls that have an undo; the error, saying what was undone."""
        pending = self._saga.pending
        if not pending:
            return error
        await self._saga.compensate()
        failed = len(self._saga.failures)
        undone = f"undid {pending - failed} of {pending} tool calls"
        return f"{error}; {undone}" + (
            "" if not failed else f" ({', '.join(f.activity for f in self._saga.failures)} failed)"
        )

    async def _together(self, work: Sequence[Awaitable[str]]) -> list[str]:
        """Run side by side; when one fails (or the budget is reached), stop the others."""
        tasks = [asyncio.ensure_future(item) for item in work]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _record(
        self, status: RunStatus, *, output: str | None = None, error: str | None = None
    ) -> None:
        self._state.status = status
        self._state.output = output
        self._state.error = error
        await workflow.execute_activity_method(
            AgentActivities.record_run,
            RunUpdate(
                run_id=self._run.run_id,
                swarm=self._run.swarm,
                status=status,
                output=output,
                error=error,
            ),
            start_to_close_timeout=RECORD_TIMEOUT,
            schedule_to_close_timeout=RECORD_DEADLINE,
            retry_policy=RECORD_RETRY,
            activity_id="record-run",
        )


def _reason(exc: ActivityError) -> str:
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        return cause.message
    return str(cause or exc)
