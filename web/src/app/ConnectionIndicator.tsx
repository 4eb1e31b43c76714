import { StatusDot } from "../components/ui/StatusDot";
import type { Tone } from "../components/ui/Badge";
import { type LinkStatus, useConnectionStore, useLinkStatus } from "../live/connectionStore";
import { cn } from "../lib/cn";

const LOOK: Record<LinkStatus, { tone: Tone; text: string; className: string }> = {
  connected: { tone: "success", text: "connected", className: "text-emerald-700" },
  connecting: { tone: "warning", text: "connecting", className: "text-amber-700" },
  reconnecting: { tone: "warning", text: "reconnecting", className: "text-amber-700" },
  disconnected: { tone: "danger", text: "disconnected", className: "text-rose-700" },
};

const CHANNEL_TEXT = { connecting: "connecting", open: "open", retrying: "retrying", down: "down" };

/** Green only when both the event stream and the control socket are open. */
export function ConnectionIndicator() {
  const status = useLinkStatus();
  const sse = useConnectionStore((s) => s.sse);
  const ws = useConnectionStore((s) => s.ws);
  const look = LOOK[status];

  return (
    <div
      data-testid="connection-indicator"
      data-state={status}
      role="status"
      title={`Event stream: ${CHANNEL_TEXT[sse]} · Control socket: ${CHANNEL_TEXT[ws]}`}
      className="inline-flex items-center gap-2 rounded-full border border-slate-200 bg-white px-3 py-1 text-xs font-medium shadow-xs"
    >
      <StatusDot tone={look.tone} pulse={status !== "connected"} />
      <span className={cn(look.className)}>{look.text}</span>
    </div>
  );
}
