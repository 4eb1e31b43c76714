import { Badge, type Tone } from "../../components/ui/Badge";
import { StatusDot } from "../../components/ui/StatusDot";
import type { ExecutionStatus } from "./types";

const LOOKS: Record<ExecutionStatus, { tone: Tone; label: string; title: string }> = {
  running: { tone: "info", label: "running", title: "Open: Temporal is carrying it out" },
  completed: { tone: "success", label: "completed", title: "The workflow returned" },
  failed: { tone: "danger", label: "failed", title: "The workflow raised an error" },
  cancelled: { tone: "neutral", label: "cancelled", title: "Cancelled on request" },
  terminated: { tone: "warning", label: "terminated", title: "Stopped from outside, without cleanup" },
  continued_as_new: { tone: "accent", label: "continued as new", title: "Went on as a new run of the same workflow id" },
  timed_out: { tone: "danger", label: "timed out", title: "Ran past its execution timeout" },
};

/** An execution's status as Temporal reports it, with a pulse while it runs. */
export function ExecutionStatusBadge({ status }: { status: ExecutionStatus }) {
  const look = LOOKS[status];
  return (
    <span data-status={status} className="inline-flex">
      <Badge tone={look.tone} title={look.title}>
        {status === "running" ? <StatusDot tone="info" pulse /> : null}
        {look.label}
      </Badge>
    </span>
  );
}

/** The words for a status, for filters. */
export const statusLabel = (status: ExecutionStatus) => LOOKS[status].label;
