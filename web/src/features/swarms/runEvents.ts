// What the `runs` topic says about runs in flight, folded per run: which turns started,
// finished or failed, and when, the tool calls each made and the attempts that failed. The
// REST API only has a step once it has finished, so a turn in flight (its tool call in flight
// too) is known from these events alone; a failed attempt is also written, and the API's copy
// takes over once fetched (steps.ts).
import { type BusEvent, compareEventIds } from "../../live/busEvent";
import { toDate } from "../../lib/format";
import type { RunStatus } from "./types";

export const RUNS_TOPIC = "runs";
export const SWARMS_TOPIC = "swarms";

export type LiveStepStatus = "running" | "completed" | "failed";

/** A tool call from its `step.tool_call` events: `started`, then `finished`. */
export interface LiveToolCall {
  name: string;
  /** Epoch ms, server clock; null when only its end was heard. */
  startedAt: number | null;
  /** Null while it is in flight. */
  finishedAt: number | null;
  ok?: boolean;
  durationMs?: number;
}

/** An attempt at a turn that failed, from its `step.failed` event. */
export interface LiveFailure {
  /** Temporal's attempt number; null from an event that did not carry it. */
  attempt: number | null;
  /** Epoch ms of the attempt's `step.started`, if it was heard. */
  startedAt: number | null;
  finishedAt: number | null;
  error: string;
  retryable: boolean | null;
}

export interface LiveStep {
  seq: number;
  instance: string;
  agent: string;
  role: string;
  turn: number;
  status: LiveStepStatus;
  /** Epoch ms of the server's `step.started` (of the latest attempt). */
  startedAt: number | null;
  /** Epoch ms of `step.completed` or `step.failed`. */
  finishedAt: number | null;
  error?: string;
  /** `step.completed`: the agent answered (rather than asking for tools or delegating). */
  done?: boolean;
  /** `step.completed`: the workers a supervisor delegated to (null: all of them). */
  delegations?: (string | null)[];
  /** `step.completed`: how many tool calls the turn made. */
  toolCalls?: number;
  /** The turn's tool calls heard so far, in order (they run one after another). */
  tools: LiveToolCall[];
  /** The attempts that failed, oldest first (a retried turn keeps them when it starts again). */
  failures: LiveFailure[];
  costUsd?: string;
  inputTokens?: number;
  outputTokens?: number;
  durationMs?: number;
  /** The newest event applied, so a replayed or late one changes nothing. */
  lastEventId: string;
}

export interface LiveRun {
  id: string;
  swarm: string;
  status: RunStatus;
  /** Instance names, from `run.started`. */
  agents: string[] | null;
  steps: Record<number, LiveStep>;
  lastEventId: string;
}

export type LiveRuns = Record<string, LiveRun>;

const TERMINAL = new Set<string>(["completed", "failed", "cancelled"]);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function eventTime(event: BusEvent): number | null {
  return toDate(event.ts)?.getTime() ?? null;
}

/** The run id an event of the `runs` topic is about, or null when it is not one. */
export function runIdOf(event: BusEvent): string | null {
  if (event.topic !== RUNS_TOPIC || !event.data || typeof event.data !== "object") return null;
  return str((event.data as Record<string, unknown>).run) ?? null;
}

/** `tools` with a `step.tool_call` event folded in. */
function withToolCall(tools: LiveToolCall[], data: Record<string, unknown>, at: number | null): LiveToolCall[] {
  const name = str(data.tool);
  if (name === undefined) return tools;
  if (data.phase === "started") return [...tools, { name, startedAt: at, finishedAt: null }];
  if (data.phase !== "finished") return tools;
  const durationMs = num(data.duration_ms);
  const ok = typeof data.ok === "boolean" ? data.ok : undefined;
  const end = { finishedAt: at, ok, durationMs };
  // The events carry no call id: the end is that of the last call of that name still open.
  const open = tools.findLastIndex((t) => t.name === name && t.finishedAt === null);
  if (open < 0) {
    const startedAt = at !== null && durationMs !== undefined ? at - durationMs : null;
    return [...tools, { name, startedAt, ...end }];
  }
  return tools.map((t, i) => (i === open ? { ...t, ...end } : t));
}

function stepFrom(event: BusEvent, data: Record<string, unknown>, previous: LiveStep | undefined): LiveStep | null {
  const seq = num(data.seq);
  const instance = str(data.instance);
  if (seq === undefined || instance === undefined) return null;
  const at = eventTime(event);
  const base: LiveStep = {
    ...previous,
    seq,
    instance,
    agent: str(data.agent) ?? previous?.agent ?? instance,
    role: str(data.role) ?? previous?.role ?? "agent",
    turn: num(data.turn) ?? previous?.turn ?? 1,
    status: previous?.status ?? "running",
    startedAt: previous?.startedAt ?? null,
    finishedAt: previous?.finishedAt ?? null,
    tools: previous?.tools ?? [],
    failures: previous?.failures ?? [],
    lastEventId: event.id,
  };
  switch (event.type) {
    case "step.started": {
      // A retried turn starts again: the new attempt's start counts, the old failure does not.
      const { error: _error, ...rest } = base;
      return { ...rest, status: "running", startedAt: at, finishedAt: null, tools: [] };
    }
    case "step.tool_call":
      // A turn heard of first by its tool call (the page missed its start) is in flight.
      return { ...base, tools: withToolCall(base.tools, data, at) };
    case "step.completed": {
      const durationMs = num(data.duration_ms);
      const finishedAt = at;
      return {
        ...base,
        status: "completed",
        finishedAt,
        startedAt: base.startedAt ?? (finishedAt !== null && durationMs !== undefined ? finishedAt - durationMs : null),
        done: typeof data.done === "boolean" ? data.done : undefined,
        delegations: Array.isArray(data.delegations)
          ? data.delegations.map((d) => (typeof d === "string" ? d : null))
          : undefined,
        toolCalls: num(data.tool_calls),
        costUsd: str(data.cost_usd),
        inputTokens: num(data.input_tokens),
        outputTokens: num(data.output_tokens),
        durationMs,
      };
    }
    case "step.failed": {
      const error = str(data.error) ?? "the turn failed";
      const attempt = num(data.attempt) ?? null;
      const failure: LiveFailure = {
        attempt,
        startedAt: base.status === "running" ? base.startedAt : null,
        finishedAt: at,
        error,
        retryable: typeof data.retryable === "boolean" ? data.retryable : null,
      };
      const others = base.failures.filter((f) => attempt === null || f.attempt !== attempt);
      return { ...base, status: "failed", finishedAt: at, error, failures: [...others, failure] };
    }
    default:
      return null;
  }
}

/**
 * `runs` with one event folded in; the same object when the event changes nothing (another
 * topic, a malformed payload, or an event older than what the run already shows).
 */
export function applyRunEvent(runs: LiveRuns, event: BusEvent): LiveRuns {
  const id = runIdOf(event);
  if (id === null) return runs;
  const data = event.data as Record<string, unknown>;
  const current = runs[id];
  const run: LiveRun = current ?? {
    id,
    swarm: str(data.swarm) ?? "",
    status: "running",
    agents: null,
    steps: {},
    lastEventId: event.id,
  };

  if (event.type === "run.started") {
    if (current && compareEventIds(event.id, current.lastEventId) < 0) return runs;
    const agents = Array.isArray(data.agents) ? data.agents.filter((a): a is string => typeof a === "string") : null;
    return { ...runs, [id]: { ...run, agents, lastEventId: event.id } };
  }
  if (event.type.startsWith("run.")) {
    const status = event.type.slice(4);
    if (!TERMINAL.has(status) || run.status === status) return runs;
    return { ...runs, [id]: { ...run, status: status as RunStatus, lastEventId: event.id } };
  }
  if (!event.type.startsWith("step.")) return runs;
  const seq = num(data.seq);
  if (seq === undefined) return runs;
  const previous = run.steps[seq];
  if (previous && compareEventIds(event.id, previous.lastEventId) <= 0) return runs;
  const step = stepFrom(event, data, previous);
  if (!step) return runs;
  return { ...runs, [id]: { ...run, steps: { ...run.steps, [seq]: step }, lastEventId: event.id } };
}

/** Keep the `limit` runs heard of last: a page left open for days does not grow without end. */
export function pruneRuns(runs: LiveRuns, limit: number): LiveRuns {
  const ids = Object.keys(runs);
  if (ids.length <= limit) return runs;
  const keep = ids
    .sort((a, b) => compareEventIds(runs[b]!.lastEventId, runs[a]!.lastEventId))
    .slice(0, limit);
  return Object.fromEntries(keep.map((id) => [id, runs[id]!]));
}
