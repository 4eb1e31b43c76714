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

/** "1 client session": clients' own upstream sessions of a stateful server open now. */
export function SessionCount({ sessions }: { sessions: number }) {
  return (
    <span
      data-testid="mcp-sessions"
      data-sessions={sessions}
      title="Clients' own upstream sessions open now"
      className={cn("tabular-nums", sessions > 0 ? "font-medium text-slate-700" : undefined)}
    >
      {sessions} client {sessions === 1 ? "session" : "sessions"}
    </span>
  );
}
