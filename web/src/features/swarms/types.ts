// The shapes of the swarm API (generated schema) and of the `runs` and `swarms` bus events,
// which the OpenAPI document does not describe, so they are checked on arrival (liveRuns.ts).
import type { ResponseOf } from "../../api/types";

export type Swarm = ResponseOf<"/api/swarms", "get">[number];
export type SwarmPattern = Swarm["pattern"];
export type AgentInstance = Swarm["instances"][number];
export type RunSummary = ResponseOf<"/api/runs", "get">[number];
export type Run = ResponseOf<"/api/runs/{run_id}", "get">;
export type RunStep = Run["steps"][number];
export type RunStatus = RunSummary["status"];

/** A tool call inside a step, as `swarms.agent.ToolCallRecord.to_dict` stores it. */
export interface ToolCall {
  id: string;
  name: string;
  ok: boolean;
  duration_ms: number;
  error: string | null;
  arguments: unknown;
}
