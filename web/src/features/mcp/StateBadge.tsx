import { Badge, type Tone } from "../../components/ui/Badge";
import { StatusDot } from "../../components/ui/StatusDot";
import type { McpState } from "./types";

const STATES: Record<McpState, { tone: Tone; label: string; title: string }> = {
  healthy: { tone: "success", label: "Healthy", title: "Up and answering pings: takes calls" },
  degraded: { tone: "warning", label: "Degraded", title: "Takes calls, but missed a ping or lost replicas" },
  starting: { tone: "info", label: "Starting", title: "Starting or restarting: calls wait or fail over" },
  down: { tone: "danger", label: "Down", title: "Not running: its tools are hidden until it is back" },
};

/** A server's or replica's state, with its reason on hover (and below it, where there is room). */
export function StateBadge({ state, reason }: { state: McpState; reason?: string }) {
  const look = STATES[state] ?? STATES.down;
  return (
    <Badge tone={look.tone} title={reason ? `${look.title}. ${reason}` : look.title}>
      <StatusDot tone={look.tone} pulse={state === "starting" || state === "down"} />
      <span data-testid="state">{look.label}</span>
    </Badge>
  );
}
