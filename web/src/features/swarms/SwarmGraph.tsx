import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import { memo, useMemo } from "react";
import { cn } from "../../lib/cn";
import { exactUsd, formatUsd, usdNumber } from "../../lib/money";
import { type GraphEdge, type GraphNode, NODE_HEIGHT, NODE_WIDTH, type NodeStatus } from "./graph";
import { LEGEND, NODE_LOOKS } from "./nodeLook";

type AgentNodeData = { node: GraphNode; status: NodeStatus; sequential: boolean };
type AgentFlowNode = Node<AgentNodeData, "agent">;

const IDLE: NodeStatus = { state: "idle", turns: 0, costUsd: "0", toolCalls: 0 };
const HIDDEN_HANDLE = { opacity: 0, pointerEvents: "none" } as const;

function roleLabel(node: GraphNode, sequential: boolean): string {
  return sequential ? `#${node.position}` : node.role;
}

const AgentNode = memo(function AgentNode({ data }: NodeProps<AgentFlowNode>) {
  const { node, status, sequential } = data;
  const look = NODE_LOOKS[status.state];
  const Icon = look.icon;
  return (
    <div
      data-testid="swarm-node"
      data-instance={node.instance}
      data-role={node.role}
      data-state={status.state}
      data-tool={status.tool}
      data-waiting-for={status.waitingFor?.join(" ")}
      title={status.waitingFor?.length ? `Delegated to ${status.waitingFor.join(", ")}; waits for their answers` : look.title}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      className={cn("flex flex-col rounded-lg border bg-white px-3 py-2 shadow-xs transition-[border-color,box-shadow]", look.frame)}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} style={HIDDEN_HANDLE} />
      <div className="flex items-center justify-between gap-2">
        <span className="truncate font-mono text-[13px] font-semibold text-slate-900">{node.instance}</span>
        <span className="shrink-0 rounded bg-slate-100 px-1.5 py-px text-[10px] font-medium tracking-wide text-slate-500 uppercase">
          {roleLabel(node, sequential)}
        </span>
      </div>
      <p className="truncate text-[11px] text-slate-500" title={`Model alias ${node.model}`}>
        {node.model}
      </p>
      <div className="mt-auto flex min-w-0 items-center gap-1.5 text-xs">
        <Icon
          className={cn("size-3.5 shrink-0", look.text, look.spin && "animate-spin", look.pulse && "animate-pulse")}
          aria-hidden="true"
        />
        {status.state === "calling-tool" && status.tool ? (
          <span
            data-testid="swarm-node-state"
            className={cn("min-w-0 truncate font-mono font-medium", look.text)}
            title={`Calling the tool ${status.tool}`}
          >
            <span className="sr-only">Calling tool </span>
            {status.tool}
          </span>
        ) : (
          <span data-testid="swarm-node-state" className={cn("shrink-0 font-medium", look.text)}>
            {look.label}
          </span>
        )}
        {status.turns > 0 ? (
          <span
            className="ml-auto shrink-0 text-[11px] text-slate-500 tabular-nums"
            title={`${status.turns} ${status.turns === 1 ? "turn" : "turns"}, ${status.toolCalls} tool ${status.toolCalls === 1 ? "call" : "calls"}, ${exactUsd(status.costUsd)}`}
          >
            {status.turns} {status.turns === 1 ? "turn" : "turns"}
            {usdNumber(status.costUsd) > 0 ? ` · ${formatUsd(status.costUsd)}` : ""}
          </span>
        ) : null}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} style={HIDDEN_HANDLE} />
    </div>
  );
});

const NODE_TYPES = { agent: AgentNode };

/** Room around the nodes, in px, and the most a graph takes before it zooms out. */
const GRAPH_PADDING = 56;
const MAX_HEIGHT = 440;

const EDGE_IDLE = "#cbd5e1"; // slate-300
const EDGE_LIVE = "#6366f1"; // indigo-500

interface SwarmGraphProps {
  nodes: GraphNode[];
  edges: GraphEdge[];
  statuses?: Map<string, NodeStatus> | undefined;
  sequential: boolean;
  /** Px: room for the zoom buttons under a single row of nodes. */
  minHeight?: number;
  className?: string;
}

/** The agent instances as nodes laid out by the pattern, each with its state in the run shown. */
export function SwarmGraph({ nodes, edges, statuses, sequential, minHeight = 208, className }: SwarmGraphProps) {
  const flowNodes = useMemo<AgentFlowNode[]>(
    () =>
      nodes.map((n) => ({
        id: n.id,
        type: "agent",
        position: { x: n.x, y: n.y },
        data: { node: n, status: statuses?.get(n.id) ?? IDLE, sequential },
        draggable: false,
        selectable: false,
      })),
    [nodes, statuses, sequential],
  );
  const flowEdges = useMemo<Edge[]>(
    () =>
      edges.map((e) => {
        // Work flows into a node whose turn is in flight: its edge moves.
        const state = statuses?.get(e.target)?.state;
        const live = state === "thinking" || state === "calling-tool";
        const color = live ? EDGE_LIVE : EDGE_IDLE;
        const marker = { type: MarkerType.ArrowClosed, color, width: 16, height: 16 };
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          animated: live,
          style: { stroke: color, strokeWidth: live ? 2 : 1.5 },
          markerEnd: marker,
          ...(e.bothWays ? { markerStart: marker } : {}),
        };
      }),
    [edges, statuses],
  );
  // A new set of nodes (another swarm, a scale) is fitted to the view afresh.
  const shape = nodes.map((n) => n.id).join("|");
  const tallest = Math.max(0, ...nodes.map((n) => n.y + NODE_HEIGHT));
  const height = Math.min(Math.max(tallest + 2 * GRAPH_PADDING, minHeight), MAX_HEIGHT);

  return (
    <div data-testid="swarm-graph" className={className} style={{ height }}>
      <ReactFlow
        key={shape}
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={NODE_TYPES}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        minZoom={0.2}
        maxZoom={1.5}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        zoomOnScroll={false}
        zoomOnDoubleClick={false}
        preventScrolling={false}
      >
        <Background gap={18} size={1} color="#e2e8f0" />
        <Controls showInteractive={false} position="bottom-left" />
      </ReactFlow>
    </div>
  );
}

/** What the node states mean, under a graph. */
export function GraphLegend() {
  return (
    <ul className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-500" aria-label="Node states">
      {LEGEND.map((state) => {
        const look = NODE_LOOKS[state];
        const Icon = look.icon;
        return (
          <li key={state} className="inline-flex items-center gap-1" title={look.title}>
            <Icon className={cn("size-3.5", look.text)} aria-hidden="true" />
            {look.label}
          </li>
        );
      })}
    </ul>
  );
}
