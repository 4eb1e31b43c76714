import { Layers } from "lucide-react";
import { Badge } from "../../components/ui/Badge";
import { cn } from "../../lib/cn";

const MEANING = "each client gets its own upstream session";

/** Marks a stateful server; what that means is on hover (and read out to screen readers). */
export function StatefulBadge() {
  return (
    <Badge
      tone="neutral"
      title={`Stateful: ${MEANING} (for stdio its own process), kept until it ends or idles out. The replicas below serve the tool list and health checks.`}
    >
      <Layers className="size-3 text-slate-500" aria-hidden="true" />
      <span data-testid="mcp-stateful">stateful</span>
      <span className="sr-only">: {MEANING}</span>
    </Badge>
  );
}

/** "1 of 20 client sessions": clients' own upstream sessions of a stateful server open now,
 * out of the most it may have (a new client past that is refused with a 503). */
export function SessionCount({ sessions, max }: { sessions: number; max?: number | null }) {
  const full = max != null && sessions >= max;
  return (
    <span
      data-testid="mcp-sessions"
      data-sessions={sessions}
      title={
        max != null
          ? `Clients' own upstream sessions open now, of at most ${max}: a new client past that gets a 503`
          : "Clients' own upstream sessions open now"
      }
      className={cn(
        "tabular-nums",
        full ? "font-medium text-amber-700" : sessions > 0 ? "font-medium text-slate-700" : undefined,
      )}
    >
      {sessions}
      {max != null ? ` of ${max}` : ""} client {sessions === 1 && max == null ? "session" : "sessions"}
    </span>
  );
}
