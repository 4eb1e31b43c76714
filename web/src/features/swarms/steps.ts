// A run's turns as the pages show them: the steps the API has written, completed by what the
// `runs` events said of turns still in flight or failed (which are never written).
import { toDate } from "../../lib/format";
import type { LiveRun, LiveStep, LiveToolCall } from "./runEvents";
import type { Run, RunStatus, RunStep, ToolCall } from "./types";

export type StepStatus = "running" | "completed" | "failed" | "cancelled";

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
  };
}

/** The run's status: the API's, unless an event has already said it ended. */
export function runStatusOf(run: Pick<Run, "status"> | undefined, live: LiveRun | undefined): RunStatus {
  if (run && run.status !== "running") return run.status;
  if (live && live.status !== "running") return live.status;
  return run?.status ?? live?.status ?? "running";
}

/** Every step of the run known so far, in order. */
export function mergeSteps(run: Run | undefined, live: LiveRun | undefined): StepView[] {
  const status = runStatusOf(run, live);
  const runEnd = ms(run?.finished_at);
  const written = new Map((run?.steps ?? []).map((step) => [step.seq, step]));
  const models = new Map((run?.agents ?? []).map((agent) => [agent.name, agent.model]));
  const views = (run?.steps ?? []).map(fromApi);
  for (const step of Object.values(live?.steps ?? {})) {
    if (!written.has(step.seq)) views.push(fromLive(step, status, runEnd, models.get(step.instance) ?? null));
  }
  return views.sort((a, b) => a.seq - b.seq);
}
