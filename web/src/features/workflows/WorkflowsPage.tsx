import { Workflow } from "lucide-react";
import { useState } from "react";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { PageHeader } from "../../components/ui/PageHeader";
import { SegmentedControl } from "../../components/ui/SegmentedControl";
import { TableSkeleton } from "../../components/ui/Table";
import { LiveBadge } from "../../live/LiveBadge";
import { RequirePermission } from "../auth/RequirePermission";
import { canSeeRuns } from "../swarms/access";
import { useLiveRuns } from "../swarms/liveRuns";
import { useRuns } from "../swarms/queries";
import { RunsTable } from "../swarms/RunsTable";
import type { RunStatus } from "../swarms/types";
import { TemporalCard } from "./TemporalCard";

type Filter = RunStatus | "all";
const FILTERS: ReadonlyArray<{ value: Filter; label: string }> = [
  { value: "all", label: "All" },
  { value: "running", label: "Running" },
  { value: "completed", label: "Completed" },
  { value: "failed", label: "Failed" },
  { value: "cancelled", label: "Cancelled" },
];
/** Runs listed. */
const LIMIT = 100;

function Workflows() {
  useLiveRuns();
  const [filter, setFilter] = useState<Filter>("all");
  const runs = useRuns({ status: filter === "all" ? undefined : filter, limit: LIMIT });

  return (
    <div className="space-y-6">
      <PageHeader
        title="Workflows"
        description="Swarm runs as Temporal executes them: durable, retried turn by turn, resumed on another worker after a crash."
        actions={<LiveBadge />}
      />
      <TemporalCard />
      <Card data-testid="workflow-runs">
        <CardHeader
          title="Runs"
          description={`The last ${LIMIT} runs of every swarm, newest first.`}
          actions={<SegmentedControl label="Status" value={filter} options={FILTERS} onChange={setFilter} />}
        />
        {runs.isPending ? (
          <TableSkeleton columns={7} />
        ) : runs.isError ? (
          <ErrorState error={runs.error} what="the runs" onRetry={() => void runs.refetch()} />
        ) : runs.data.length === 0 ? (
          <EmptyState
            icon={Workflow}
            title={filter === "all" ? "No runs yet" : `No ${filter} runs`}
            description="Start one from a swarm's page, or with POST /api/swarms/{name}/runs."
          />
        ) : (
          <RunsTable runs={runs.data} showSwarm />
        )}
      </Card>
    </div>
  );
}

export function WorkflowsPage() {
  return (
    <RequirePermission what="workflow runs" needs="run:read" allowed={canSeeRuns}>
      <Workflows />
    </RequirePermission>
  );
}
