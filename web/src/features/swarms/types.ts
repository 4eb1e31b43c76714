// The shapes of the swarm API (generated schema) and of the `runs` and `swarms` bus events,
// which the OpenAPI document does not describe, so they are checked on arrival (liveRuns.ts).
import type { ResponseOf } from "../../api/types";

export type Swarm = ResponseOf<"/api/swarms", "get">[number];
export type SwarmPattern = Swarm["pattern"];
export type AgentInstance = Swarm["instances"][number];
export type RunSummary = ResponseOf<"/api/runs", "get">[number];
export type Run = ResponseOf<"/api/runs/{run_id}", "get">;
export type RunStep = Run["steps"][number];
export type RunFailedAttempt = Run["failed_attempts"][number];
export type RunStatus = RunSummary["status"];

/**
 * A tool call of a turn as the pages show it: from the stored step
 * (`swarms.agent.ToolCallRecord.to_dict`), or from `step.tool_call` events while the step is
 * not written yet (no id, arguments or error then).
 */
export interface ToolCall {
  key: string;
  name: string;
  /** Null while it is in flight. */
  ok: boolean | null;
  /** Epoch ms, server clock; null for calls stored before their start was kept. */
  startedAt: number | null;
  /** Null while it is in flight. */
  durationMs: number | null;
  error: string | null;
  /** Undefined when only the events know the call. */
  arguments: unknown;
}
