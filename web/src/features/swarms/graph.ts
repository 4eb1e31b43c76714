// A swarm's agent instances as a graph laid out by its pattern, and each node's state in a
// run. Pure functions: SwarmGraph.tsx draws what these return.
import { addUsd } from "../../lib/money";
import type { StepView } from "./steps";
import type { AgentInstance, RunStatus, SwarmPattern } from "./types";

/**
 * What an agent is doing. A turn in flight is `thinking` (the model call) or `calling-tool`
 * (between a `step.tool_call` started and finished), then thinking again until it ends.
 */
export type NodeState = "idle" | "thinking" | "calling-tool" | "waiting" | "done" | "failed" | "cancelled";

export interface GraphNode {
  id: string;
  instance: string;
  agent: string;
  model: string;
  /** The role of the turns this node stands for: agent, planner, worker, merge, supervisor. */
  role: string;
  /** 1-based place in a sequential chain. */
  position: number;
  x: number;
  y: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** Supervisor and worker talk both ways: a task out, the answer back. */
  bothWays: boolean;
}

export interface NodeStatus {
  state: NodeState;
  /** The tool it is calling, in `calling-tool`. */
  tool?: string;
  /** The workers it delegated to, in `waiting`. */
  waitingFor?: string[];
  turns: number;
  costUsd: string;
  toolCalls: number;
}

export const NODE_WIDTH = 208;
export const NODE_HEIGHT = 84;
const GAP_X = 72;
const GAP_Y = 20;
/** Workers per column before another column starts, so a wide swarm stays readable. */
const WORKERS_PER_COLUMN = 5;

function node(instance: AgentInstance, role: string, position: number, x: number, y: number, id = `${role}:${instance.name}`): GraphNode {
  return { id, instance: instance.name, agent: instance.agent, model: instance.model, role, position, x, y };
}

/** Workers in columns from `x`, centred on `middle`; and where the next column would start. */
function workerColumns(workers: AgentInstance[], x: number): { nodes: GraphNode[]; nextX: number; middle: number } {
  const rows = Math.min(WORKERS_PER_COLUMN, Math.max(1, workers.length));
  const columns = Math.max(1, Math.ceil(workers.length / WORKERS_PER_COLUMN));
  const height = rows * NODE_HEIGHT + (rows - 1) * GAP_Y;
  const nodes = workers.map((worker, i) => {
    const column = Math.floor(i / WORKERS_PER_COLUMN);
    const inColumn = Math.min(WORKERS_PER_COLUMN, workers.length - column * WORKERS_PER_COLUMN);
    const offset = (height - (inColumn * NODE_HEIGHT + (inColumn - 1) * GAP_Y)) / 2;
    return node(worker, "worker", i + 1, x + column * (NODE_WIDTH + GAP_X / 2), offset + (i % WORKERS_PER_COLUMN) * (NODE_HEIGHT + GAP_Y));
  });
  const nextX = x + columns * (NODE_WIDTH + GAP_X / 2) - GAP_X / 2 + GAP_X;
  return { nodes, nextX, middle: height / 2 - NODE_HEIGHT / 2 };
}

/**
 * Sequential: a chain, each agent handing its answer to the next. Parallel: the planner
 * splits the task, the workers take a part each, the planner merges (a node of its own).
 * Supervisor: the first agent delegates to the workers and gets their answers back.
 */
export function layout(pattern: SwarmPattern | string, instances: AgentInstance[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const [lead, ...workers] = instances;
  if (!lead) return { nodes: [], edges: [] };
  const step = NODE_WIDTH + GAP_X;

  if (pattern !== "parallel" && pattern !== "supervisor") {
    const nodes = instances.map((instance, i) => node(instance, "agent", i + 1, i * step, 0));
    const edges = nodes.slice(1).map((target, i) => ({
      id: `${nodes[i]!.id}->${target.id}`,
      source: nodes[i]!.id,
      target: target.id,
      bothWays: false,
    }));
    return { nodes, edges };
  }

  const column = workerColumns(workers, step);
  const head = node(lead, pattern === "parallel" ? "planner" : "supervisor", 1, 0, column.middle);
  const edgesOut = column.nodes.map((worker) => ({
    id: `${head.id}->${worker.id}`,
    source: head.id,
    target: worker.id,
    bothWays: pattern === "supervisor",
  }));
  if (pattern === "supervisor") return { nodes: [head, ...column.nodes], edges: edgesOut };

  const merge = node(lead, "merge", 1, column.nextX, column.middle);
  const edgesIn = column.nodes.map((worker) => ({
    id: `${worker.id}->${merge.id}`,
    source: worker.id,
    target: merge.id,
    bothWays: false,
  }));
  return { nodes: [head, ...column.nodes, merge], edges: [...edgesOut, ...edgesIn] };
}

function stateOfLast(last: StepView, runStatus: RunStatus): NodeState {
  switch (last.status) {
    case "running":
      return last.activeTool === null ? "thinking" : "calling-tool";
    case "failed":
      return "failed";
    case "cancelled":
      return "cancelled";
    case "completed":
      if (runStatus !== "running" || last.done !== false) return "done";
      // Not its answer yet: a supervisor waits for the workers it delegated to; anyone else
      // has had its tools called and is about to think again.
      return last.delegations?.length ? "waiting" : "thinking";
  }
}

/** The worker instances a supervisor's delegations name (null: every worker), in graph order. */
export function delegatedTo(delegations: readonly (string | null)[], nodes: GraphNode[]): string[] {
  const workers = nodes.filter((n) => n.role === "worker").map((n) => n.instance);
  if (delegations.includes(null)) return workers;
  return workers.filter((w) => delegations.includes(w));
}

/**
 * Each node's state in a run, from its steps (those of its instance in its role). `active`
 * (the API's instances with a turn in flight) stands in for a `step.started` this page
 * missed: the first of that instance's nodes still idle takes it.
 */
export function nodeStatuses(
  nodes: GraphNode[],
  steps: StepView[],
  runStatus: RunStatus,
  active: readonly string[] = [],
): Map<string, NodeStatus> {
  const statuses = new Map<string, NodeStatus>();
  for (const n of nodes) {
    const mine = steps.filter((s) => s.instance === n.instance && s.role === n.role);
    const last = mine.at(-1);
    const state = last ? stateOfLast(last, runStatus) : "idle";
    statuses.set(n.id, {
      state,
      ...(state === "calling-tool" && last?.activeTool ? { tool: last.activeTool } : {}),
      ...(state === "waiting" && last?.delegations ? { waitingFor: delegatedTo(last.delegations, nodes) } : {}),
      turns: mine.length,
      costUsd: mine.reduce((sum, s) => addUsd(sum, s.costUsd), "0"),
      toolCalls: mine.reduce((sum, s) => sum + s.toolCallCount, 0),
    });
  }
  if (runStatus === "running") {
    const thinking = new Set(steps.filter((s) => s.status === "running").map((s) => s.instance));
    for (const instance of active) {
      if (thinking.has(instance)) continue;
      // Only where the events tell nothing: a describe of the workflow may be older than them.
      const target = nodes.find((n) => n.instance === instance && statuses.get(n.id)?.state === "idle");
      const status = target && statuses.get(target.id);
      if (status) status.state = "thinking";
    }
  }
  return statuses;
}
