import { Ban, CircleCheck, CircleDashed, CircleX, Hourglass, LoaderCircle, type LucideIcon, Wrench } from "lucide-react";
import type { NodeState } from "./graph";

interface NodeLook {
  label: string;
  icon: LucideIcon;
  /** Classes of the node's frame. */
  frame: string;
  /** Classes of the state line (icon and label). */
  text: string;
  /** Spin the icon. */
  spin?: boolean;
  /** Pulse the icon (a spinning wrench reads as a bug). */
  pulse?: boolean;
  title: string;
}

export const NODE_LOOKS: Record<NodeState, NodeLook> = {
  idle: {
    label: "Idle",
    icon: CircleDashed,
    frame: "border-slate-200",
    text: "text-slate-400",
    title: "No turn in this run (yet)",
  },
  thinking: {
    label: "Thinking",
    icon: LoaderCircle,
    frame: "border-indigo-400 ring-4 ring-indigo-500/15",
    text: "text-indigo-600",
    spin: true,
    title: "A turn is in flight: the model is answering",
  },
  "calling-tool": {
    label: "Calling tool",
    icon: Wrench,
    frame: "border-sky-400 ring-4 ring-sky-500/15",
    text: "text-sky-700",
    pulse: true,
    title: "Its turn is calling an MCP tool; it thinks again with the result",
  },
  waiting: {
    label: "Waiting",
    icon: Hourglass,
    frame: "border-amber-300 ring-4 ring-amber-500/10",
    text: "text-amber-700",
    title: "Delegated to workers; waits for their answers",
  },
  done: {
    label: "Done",
    icon: CircleCheck,
    frame: "border-emerald-300",
    text: "text-emerald-600",
    title: "Answered",
  },
  failed: {
    label: "Failed",
    icon: CircleX,
    frame: "border-rose-400 ring-4 ring-rose-500/10",
    text: "text-rose-600",
    title: "Its turn failed",
  },
  cancelled: {
    label: "Cancelled",
    icon: Ban,
    frame: "border-slate-300 border-dashed",
    text: "text-slate-500",
    title: "Its turn was stopped when the run ended",
  },
};

/** The states in the legend under a graph, in the order a turn goes through them. */
export const LEGEND: NodeState[] = ["idle", "thinking", "calling-tool", "waiting", "done", "failed", "cancelled"];
