import { ServerOff, Workflow } from "lucide-react";
import { useMemo, useState } from "react";
import { isApiError } from "../../api/client";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { PageHeader } from "../../components/ui/PageHeader";
import { SegmentedControl } from "../../components/ui/SegmentedControl";
import { TableSkeleton } from "../../components/ui/Table";
import { LiveBadge } from "../../live/LiveBadge";
import { useCan } from "../auth/permissions";
import { RequirePermission } from "../auth/RequirePermission";
import { canSeeRuns } from "../swarms/access";
import { useLiveRuns } from "../swarms/liveRuns";
import { useRuns } from "../swarms/queries";
import { RunsTable } from "../swarms/RunsTable";
import type { RunStatus } from "../swarms/types";
import { canSeeExecutions, canSeeWorkflows } from "./access";
import { statusLabel } from "./ExecutionStatusBadge";
import { ExecutionsTable } from "./ExecutionsTable";
import { useLiveExecutions } from "./liveExecutions";
import { useExecutions } from "./queries";
import { TemporalCard } from "./TemporalCard";
import type { ExecutionStatus } from "./types";

/** Executions (and runs) listed. */
const LIMIT = 100;

/** Always offered; the other statuses only when an execution has them. */
const USUAL: ExecutionStatus[] = ["running", "completed", "failed", "cancelled"];
const RARE: ExecutionStatus[] = ["terminated", "timed_out", "continued_as_new"];

type Filter = ExecutionStatus | "all";

/** "Completed 3": a status and how many of the listed executions have it. */
function optionLabel(text: string, count: number) {
  return (
    <>
      {text}
      {count > 0 ? <span className="ml-1 text-slate-400 tabular-nums">{count}</span> : null}
    </>
  );
}

function filterOptions(counts: Map<ExecutionStatus, number>, total: number, selected: Filter) {
  const shown = [...USUAL, ...RARE.filter((s) => counts.has(s) || s === selected)];
  const capitalized = (s: ExecutionStatus) => statusLabel(s).replace(/^./, (c) => c.toUpperCase());
  return [
    { value: "all" as Filter, label: optionLabel("All", total) },
    ...shown.map((s) => ({ value: s as Filter, label: optionLabel(capitalized(s), counts.get(s) ?? 0) })),
  ];
}

function ExecutionsCard() {
  useLiveExecutions();
  const can = useCan();
  const seeRuns = canSeeRuns(can);
  const executions = useExecutions(LIMIT);
  // Our side of each swarm run (its swarm and task), joined in by id.
  const runs = useRuns({ limit: LIMIT }, seeRuns);
  const runsById = useMemo(() => new Map((runs.data ?? []).map((run) => [run.id, run])), [runs.data]);
  const [filter, setFilter] = useState<Filter>("all");

  const all = executions.data?.executions ?? [];
  const counts = new Map<ExecutionStatus, number>();
  for (const e of all) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  const shown = filter === "all" ? all : all.filter((e) => e.status === filter);
  const unavailable = isApiError(executions.error) && executions.error.status === 503 ? executions.error : null;

  return (
    <Card data-testid="workflow-executions">
      <CardHeader
        title="Executions"
        description={
          executions.data ? (
            <>
              The last {LIMIT} workflow executions in namespace{" "}
              <code className="font-mono text-slate-700">{executions.data.namespace}</code>, newest first, as Temporal
              reports them.
            </>
          ) : (
            `The last ${LIMIT} workflow executions, newest first, as Temporal reports them.`
          )
        }
        actions={
          executions.data ? (
            <SegmentedControl label="Status" value={filter} options={filterOptions(counts, all.length, filter)} onChange={setFilter} />
          ) : null
        }
      />
      {executions.isPending ? (
        <TableSkeleton columns={7} />
      ) : unavailable ? (
        <EmptyState
          icon={ServerOff}
          title="Temporal is not available"
          description={`The server said: “${unavailable.message}”.`}
        />
      ) : executions.isError ? (
        <ErrorState error={executions.error} what="the executions" onRetry={() => void executions.refetch()} />
      ) : shown.length === 0 ? (
        <EmptyState
          icon={Workflow}
          title={filter === "all" ? "No executions yet" : `No ${statusLabel(filter)} executions`}
          description="Each swarm run is one: start one from a swarm's page, or with POST /api/swarms/{name}/runs."
        />
      ) : (
        <ExecutionsTable executions={shown} runs={runsById} linkRuns={seeRuns} />
      )}
    </Card>
  );
}

type RunFilter = RunStatus | "all";
const RUN_FILTERS: ReadonlyArray<{ value: RunFilter; label: string }> = [
  { value: "all", label: "All" },
  { value: "running", label: "Running" },
  { value: "completed", label: "Completed" },
  { value: "failed", label: "Failed" },
  { value: "cancelled", label: "Cancelled" },
];

/** For who may read runs but not Temporal's executions: every swarm's runs. */
function RunsCard() {
  const [filter, setFilter] = useState<RunFilter>("all");
  const runs = useRuns({ status: filter === "all" ? undefined : filter, limit: LIMIT });
  return (
    <Card data-testid="workflow-runs">
      <CardHeader
        title="Runs"
        description={`The last ${LIMIT} runs of every swarm, newest first. Their Temporal executions need workflow:read.`}
        actions={<SegmentedControl label="Status" value={filter} options={RUN_FILTERS} onChange={setFilter} />}
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
  );
}

function Workflows() {
  useLiveRuns();
  const can = useCan();
  return (
    <div className="space-y-6">
      <PageHeader
        title="Workflows"
        description="Swarm runs as Temporal executes them: durable, retried turn by turn, resumed on another worker after a crash."
        actions={<LiveBadge />}
      />
      <TemporalCard />
      {canSeeExecutions(can) ? <ExecutionsCard /> : <RunsCard />}
    </div>
  );
}

export function WorkflowsPage() {
  return (
    <RequirePermission what="workflows" needs="workflow:read or run:read" allowed={canSeeWorkflows}>
      <Workflows />
    </RequirePermission>
  );
}
