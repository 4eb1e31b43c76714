import { ArrowLeft, CircleDollarSign, Clock, Coins, Octagon, SearchX, Workflow } from "lucide-react";
import { useMemo, useState } from "react";
import { Link, Navigate, useParams } from "react-router";
import { describeError, isApiError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { PageHeader } from "../../components/ui/PageHeader";
import { RelativeTime } from "../../components/ui/RelativeTime";
import { Skeleton } from "../../components/ui/Skeleton";
import { StatTile } from "../../components/ui/StatTile";
import { toast } from "../../components/ui/toastStore";
import { toDate } from "../../lib/format";
import { exactUsd, formatUsd, formatUsdBrief, usdNumber } from "../../lib/money";
import { useNow } from "../../lib/useNow";
import { LiveBadge } from "../../live/LiveBadge";
import { useCan } from "../auth/permissions";
import { RequirePermission } from "../auth/RequirePermission";
import { canSeeRuns, mayCancelRun } from "./access";
import { formatDuration, formatTokens, shortId, workflowId } from "./format";
import { layout, nodeStatuses } from "./graph";
import { useLiveRun, useLiveRuns } from "./liveRuns";
import { runPath, swarmPath } from "./paths";
import { useCancelRun, useRun } from "./queries";
import { RunStatusBadge } from "./RunStatusBadge";
import { mergeSteps, runStatusOf } from "./steps";
import { GraphLegend, SwarmGraph } from "./SwarmGraph";
import { Timeline } from "./Timeline";
import type { Run } from "./types";

function CancelButton({ run }: { run: Run }) {
  const cancel = useCancelRun();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <Button variant="danger" size="sm" onClick={() => setConfirming(true)}>
        <Octagon className="size-3.5" aria-hidden="true" />
        Cancel run
      </Button>
      {confirming ? (
        <ConfirmDialog
          title={`Cancel run ${shortId(run.id)}?`}
          confirmLabel="Cancel run"
          dismissLabel="Keep running"
          pending={cancel.isPending}
          error={cancel.isError ? describeError(cancel.error) : null}
          onClose={() => {
            setConfirming(false);
            cancel.reset();
          }}
          onConfirm={() =>
            cancel.mutate(run.id, {
              onSuccess: () => {
                toast.success(`Cancelling run ${shortId(run.id)}`, "Turns in flight are stopped; it shows cancelled once they have.");
                setConfirming(false);
              },
            })
          }
        >
          The turns in flight are stopped and no other starts. What the run spent so far stays spent, and its steps stay
          in the timeline.
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/** "42% of the $0.50 budget"; a run stops once it has spent its budget. */
function budgetNote(spent: string, budget: string | null): string {
  if (!budget) return "No budget";
  const share = usdNumber(spent) / usdNumber(budget);
  if (share >= 1) return `Spent its ${formatUsdBrief(budget)} budget`;
  return `${share > 0 && share < 0.01 ? "<1" : Math.round(share * 100)}% of the ${formatUsdBrief(budget)} budget`;
}

function TextBlock({ label, text, testId }: { label: string; text: string; testId: string }) {
  return (
    <div>
      <h3 className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</h3>
      <pre
        data-testid={testId}
        className="mt-1.5 max-h-72 overflow-auto rounded-lg border border-slate-200 bg-slate-50 p-3 font-mono text-xs whitespace-pre-wrap text-slate-800"
      >
        {text}
      </pre>
    </div>
  );
}

function RunView({ run }: { run: Run }) {
  const can = useCan();
  const live = useLiveRun(run.id);
  const status = runStatusOf(run, live);
  const running = status === "running";
  const now = useNow(running ? 250 : 60_000);
  const start = toDate(run.created_at)?.getTime() ?? now;
  const end = running ? null : (toDate(run.finished_at)?.getTime() ?? null);
  const steps = useMemo(() => mergeSteps(run, live), [run, live]);
  const graph = useMemo(() => layout(run.pattern, run.agents), [run.pattern, run.agents]);
  const statuses = useMemo(() => nodeStatuses(graph.nodes, steps, status, run.active ?? []), [graph.nodes, steps, status, run.active]);
  const budget = run.budget_usd;

  return (
    <div className="space-y-6" data-testid="run-view" data-run={run.id} data-status={status}>
      <div>
        <Link
          to={swarmPath(run.swarm)}
          className="inline-flex items-center gap-1 text-sm font-medium text-slate-500 hover:text-indigo-600"
        >
          <ArrowLeft className="size-3.5" aria-hidden="true" />
          {run.swarm}
        </Link>
      </div>
      <PageHeader
        title={`Run ${shortId(run.id)}`}
        description={
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span>
              {run.pattern} run of <span className="font-mono text-slate-700">{run.swarm}</span> by{" "}
              <span className="text-slate-700">{run.started_by}</span>, started{" "}
              <RelativeTime value={run.created_at} now={Date.now()} />
            </span>
            <span className="text-slate-300">·</span>
            <span className="font-mono text-xs text-slate-500" title="Temporal workflow id">
              {workflowId(run.id)}
            </span>
          </span>
        }
        actions={
          <>
            {running ? <LiveBadge /> : null}
            {running && mayCancelRun(can) ? <CancelButton run={run} /> : null}
          </>
        }
      />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <StatTile
          data-testid="run-tile-status"
          label="Status"
          icon={Workflow}
          value={<RunStatusBadge status={status} testId="run-status" />}
          footer={
            run.error ? (
              <span className="line-clamp-2 text-rose-600" title={run.error}>
                {run.error}
              </span>
            ) : (
              `${steps.length} ${steps.length === 1 ? "turn" : "turns"} by ${run.agents.length} ${run.agents.length === 1 ? "agent" : "agents"}`
            )
          }
        />
        <StatTile
          data-testid="run-tile-cost"
          label="Cost"
          icon={CircleDollarSign}
          value={formatUsd(run.cost_usd)}
          valueTitle={exactUsd(run.cost_usd)}
          footer={budgetNote(run.cost_usd, budget)}
        />
        <StatTile
          data-testid="run-tile-tokens"
          label="Tokens"
          icon={Coins}
          value={formatTokens(run.input_tokens + run.output_tokens)}
          footer={`${run.input_tokens.toLocaleString()} in, ${run.output_tokens.toLocaleString()} out`}
        />
        <StatTile
          data-testid="run-tile-duration"
          label="Duration"
          icon={Clock}
          value={formatDuration((end ?? now) - start)}
          footer={running ? "Still running" : `Ended ${toDate(run.finished_at)?.toLocaleTimeString() ?? ""}`}
        />
      </div>
      <Card>
        <CardHeader title="Agents" description="The instances this run started with, and what each is doing." />
        <SwarmGraph
          nodes={graph.nodes}
          edges={graph.edges}
          statuses={statuses}
          sequential={run.pattern === "sequential"}
          className="bg-slate-50/40"
        />
        <div className="border-t border-slate-100 px-5 py-2.5">
          <GraphLegend />
        </div>
      </Card>
      <Timeline steps={steps} start={start} end={end} now={now} />
      <Card>
        <CardHeader title="Task and answer" />
        <div className="grid gap-4 p-5 lg:grid-cols-2">
          <TextBlock label="Task" text={run.task} testId="run-task" />
          {run.output ? (
            <TextBlock label="Answer" text={run.output} testId="run-output" />
          ) : (
            <div>
              <h3 className="text-xs font-medium tracking-wide text-slate-500 uppercase">Answer</h3>
              <p className="mt-1.5 text-sm text-slate-500">
                {running ? "It shows here when the run completes." : "The run ended without one."}
              </p>
            </div>
          )}
        </div>
      </Card>
    </div>
  );
}

function RunLoader() {
  useLiveRuns();
  const { id, name } = useParams();
  const run = useRun(id);
  if (run.isPending) {
    return (
      <div className="space-y-6">
        <Skeleton className="h-10 w-64" />
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-28" />
          ))}
        </div>
        <Skeleton className="h-64" />
      </div>
    );
  }
  if (run.isError) {
    const missing = isApiError(run.error) && (run.error.status === 404 || run.error.status === 422);
    return (
      <Card>
        {missing ? (
          <EmptyState
            icon={SearchX}
            title="No such run"
            description="It may belong to another SwarmDeck, or the address is mistyped."
            action={
              <Link to="/workflows" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
                All runs
              </Link>
            }
          />
        ) : (
          <ErrorState error={run.error} what="the run" onRetry={() => void run.refetch()} />
        )}
      </Card>
    );
  }
  // `/runs/{id}` (a link that knows the run but not its swarm) settles on the run's own address.
  if (name !== run.data.swarm) return <Navigate to={runPath(run.data)} replace />;
  return <RunView run={run.data} />;
}

export function RunPage() {
  return (
    <RequirePermission what="runs" needs="run:read" allowed={canSeeRuns}>
      <RunLoader />
    </RequirePermission>
  );
}
