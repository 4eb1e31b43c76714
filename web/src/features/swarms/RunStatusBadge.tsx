import { Badge, type Tone } from "../../components/ui/Badge";
import { StatusDot } from "../../components/ui/StatusDot";
import type { RunStatus } from "./types";

const LOOKS: Record<RunStatus, { tone: Tone; title: string }> = {
  running: { tone: "info", title: "Its agents are at work" },
  completed: { tone: "success", title: "The swarm answered the task" },
  failed: { tone: "danger", title: "A turn failed, the budget ran out, or the run timed out" },
  cancelled: { tone: "neutral", title: "Stopped on request" },
};

/** A run's status, with a pulse while it runs. */
export function RunStatusBadge({ status, testId }: { status: RunStatus; testId?: string }) {
  const look = LOOKS[status];
  return (
    <span data-testid={testId} data-status={status} className="inline-flex">
      <Badge tone={look.tone} title={look.title}>
        {status === "running" ? <StatusDot tone="info" pulse /> : null}
        {status}
      </Badge>
    </span>
  );
}
