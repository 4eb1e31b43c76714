// A run's turns as the pages show them: the steps and failed attempts the API has written,
// completed by what the `runs` events said of turns still in flight (which are not written
// yet) and of attempts that failed since the run was fetched.
import { toDate } from "../../lib/format";
import type { LiveFailure, LiveRun, LiveStep, LiveToolCall } from "./runEvents";
import type { Run, RunFailedAttempt, RunStatus, RunStep, ToolCall } from "./types";

export type StepStatus = "running" | "completed" | "failed" | "cancelled";

/** An attempt at a turn that failed (Temporal retried it, or it failed the run). */
export interface AttemptView {
  /** Temporal's attempt number; null when only an event without one told of it. */
  attempt: number | null;
  /** Epoch ms, server clock. */
  startedAt: number | null;
  finishedAt: number | null;
  error: string;
  /** Null when only the event is known (older servers did not say). */
  errorType: string | null;
  retryable: boolean | null;
}

export interface StepView {
  seq: number;
  instance: string;
  agent: string;
  role: string;
  turn: number;
  model: string | null;
  status: StepStatus;
  /** Epoch ms, server clock. */
  startedAt: number | null;
  finishedAt: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: string | null;
  /** Undefined while only the events know the step (no output in them). */
  output: string | null | undefined;
  toolCalls: ToolCall[];
  /** How many tool calls the turn made (known from the event before the step is fetched). */
  toolCallCount: number;
  /** The tool the turn is calling now, if it is in flight and calling one. */
  activeTool: string | null;
  error: string | null;
  /** The agent answered in this turn; undefined until the turn has ended. */
  done: boolean | undefined;
  /** The workers a supervisor's turn delegated to (null: all of them). */
  delegations: (string | null)[] | undefined;
  /**
   * The attempts at this turn that failed, oldest first. When the turn's status is `failed`,
   * the last of them is the attempt the row stands for.
   */
  failures: AttemptView[];
}

const ms = (value: string | null | undefined) => toDate(value)?.getTime() ?? null;

/** The tool calls of a stored step (malformed entries left out). */
export function toToolCalls(raw: RunStep["tool_calls"]): ToolCall[] {
  return raw.flatMap((call, i) => {
    const name = call.name;
    if (typeof name !== "string") return [];
    return [
      {
        key: typeof call.id === "string" ? call.id : `${i}:${name}`,
        name,
        ok: call.ok !== false,
        startedAt: ms(typeof call.started_at === "string" ? call.started_at : null),
        durationMs: typeof call.duration_ms === "number" ? call.duration_ms : 0,
        error: typeof call.error === "string" ? call.error : null,
        arguments: call.arguments,
      },
    ];
  });
}

function fromEvents(tools: LiveToolCall[]): ToolCall[] {
  return tools.map((call, i) => ({
    key: `${i}:${call.name}`,
    name: call.name,
    ok: call.finishedAt === null ? null : (call.ok ?? true),
    startedAt: call.startedAt,
    durationMs:
      call.finishedAt === null ? null : (call.durationMs ?? (call.startedAt === null ? 0 : call.finishedAt - call.startedAt)),
    error: null,
    arguments: undefined,
  }));
}

function attemptFromApi(attempt: RunFailedAttempt): AttemptView {
  return {
    attempt: attempt.attempt,
    startedAt: ms(attempt.started_at),
    finishedAt: ms(attempt.finished_at),
    error: attempt.error,
    errorType: attempt.error_type,
    retryable: attempt.retryable,
  };
}

function attemptFromEvents(failure: LiveFailure): AttemptView {
  return { ...failure, errorType: null };
}

/** The stored attempts, and those the events told of that are not stored (or not fetched) yet. */
function mergeFailures(stored: RunFailedAttempt[], heard: LiveFailure[]): AttemptView[] {
  const known = new Set(stored.map((a) => a.attempt));
  const views = stored.map(attemptFromApi);
  for (const failure of heard) {
    if (failure.attempt === null ? stored.length === 0 : !known.has(failure.attempt)) views.push(attemptFromEvents(failure));
  }
  return views.sort((a, b) => (a.attempt ?? Infinity) - (b.attempt ?? Infinity) || (a.startedAt ?? 0) - (b.startedAt ?? 0));
}

/** A turn known only by its failed attempts (the API's; no step was written, no event heard). */
function fromFailures(attempts: RunFailedAttempt[]): StepView {
  const last = attempts.at(-1)!;
  const failures = mergeFailures(attempts, []);
  return {
    seq: last.seq,
    instance: last.instance,
    agent: last.agent,
    role: last.role,
    turn: last.turn,
    model: last.model,
    status: "failed",
    startedAt: failures.at(-1)!.startedAt,
    finishedAt: failures.at(-1)!.finishedAt,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    output: null,
    toolCalls: [],
    toolCallCount: 0,
    activeTool: null,
    error: last.error,
    done: undefined,
    delegations: undefined,
    failures,
  };
}

function fromApi(step: RunStep): StepView {
  const toolCalls = toToolCalls(step.tool_calls);
  return {
    seq: step.seq,
    instance: step.instance,
    agent: step.agent,
    role: step.role,
    turn: step.turn,
    model: step.model,
    status: "completed",
    startedAt: ms(step.started_at),
    finishedAt: ms(step.finished_at),
    inputTokens: step.input_tokens,
    outputTokens: step.output_tokens,
    costUsd: step.cost_usd,
    output: step.output,
    toolCalls,
    toolCallCount: toolCalls.length,
    activeTool: null,
    error: null,
    done: step.done,
    delegations: step.delegations,
    failures: [],
  };
}

function fromLive(step: LiveStep, runStatus: RunStatus, runEnd: number | null, model: string | null): StepView {
  // A turn still in flight when its run ended was cancelled with it (a failing sibling, the
  // budget, the timeout, or a cancel).
  const orphaned = step.status === "running" && runStatus !== "running";
  const toolCalls = fromEvents(step.tools);
  const inFlight = step.status === "running" && !orphaned ? toolCalls.findLast((call) => call.ok === null) : undefined;
  return {
    seq: step.seq,
    instance: step.instance,
    agent: step.agent,
    role: step.role,
    turn: step.turn,
    model,
    status: orphaned ? "cancelled" : step.status,
    startedAt: step.startedAt,
    finishedAt: orphaned ? runEnd : step.finishedAt,
    inputTokens: step.inputTokens ?? null,
    outputTokens: step.outputTokens ?? null,
    costUsd: step.costUsd ?? null,
    output: undefined,
    toolCalls,
    toolCallCount: step.toolCalls ?? toolCalls.length,
    activeTool: inFlight?.name ?? null,
    error: step.error ?? null,
    done: step.done,
    delegations: step.delegations,
    failures: [],
  };
}

/** The run's status: the API's, unless an event has already said it ended. */
export function runStatusOf(run: Pick<Run, "status"> | undefined, live: LiveRun | undefined): RunStatus {
  if (run && run.status !== "running") return run.status;
  if (live && live.status !== "running") return live.status;
  return run?.status ?? live?.status ?? "running";
}

/** Every step of the run known so far, in order, each with its failed attempts. */
export function mergeSteps(run: Run | undefined, live: LiveRun | undefined): StepView[] {
  const status = runStatusOf(run, live);
  const runEnd = ms(run?.finished_at);
  const written = new Map((run?.steps ?? []).map((step) => [step.seq, step]));
  const models = new Map((run?.agents ?? []).map((agent) => [agent.name, agent.model]));
  const attempts = new Map<number, RunFailedAttempt[]>();
  for (const attempt of run?.failed_attempts ?? []) attempts.set(attempt.seq, [...(attempts.get(attempt.seq) ?? []), attempt]);
  const views = (run?.steps ?? []).map(fromApi);
  for (const step of Object.values(live?.steps ?? {})) {
    if (!written.has(step.seq)) views.push(fromLive(step, status, runEnd, models.get(step.instance) ?? null));
  }
  const seen = new Set(views.map((view) => view.seq));
  for (const [seq, failed] of attempts) if (!seen.has(seq)) views.push(fromFailures(failed));
  return views
    .map((view) => {
      const heard = live?.steps[view.seq]?.failures ?? [];
      const stored = attempts.get(view.seq) ?? [];
      return stored.length || heard.length ? { ...view, failures: mergeFailures(stored, heard) } : view;
    })
    .sort((a, b) => a.seq - b.seq);
}
