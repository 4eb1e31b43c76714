import { History } from "lucide-react";
import { useSearchParams } from "react-router";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { PageHeader } from "../../components/ui/PageHeader";
import { Skeleton } from "../../components/ui/Skeleton";
import { TableSkeleton } from "../../components/ui/Table";
import { LiveBadge } from "../../live/LiveBadge";
import { useCan } from "../auth/permissions";
import { RequirePermission } from "../auth/RequirePermission";
import { canSeeRuns, canSeeSwarms, mayRunSwarm, mayScaleSwarm } from "./access";
import { useLiveRuns } from "./liveRuns";
import { useRuns, useSwarms } from "./queries";
import { RunForm } from "./RunForm";
import { RunsTable } from "./RunsTable";
import { ScaleControl } from "./ScaleControl";
import { SwarmCard } from "./SwarmCard";
import { SwarmList } from "./SwarmList";
import type { Swarm } from "./types";

/** Runs listed under a swarm. */
const RECENT_RUNS = 10;

function RecentRuns({ swarm, runs }: { swarm: Swarm; runs: ReturnType<typeof useRuns> }) {
  return (
    <Card data-testid="swarm-runs">
      <CardHeader title="Recent runs" description={`The last ${RECENT_RUNS} runs of ${swarm.name}, newest first.`} />
      {runs.isPending ? (
        <TableSkeleton columns={6} />
      ) : runs.isError ? (
        <ErrorState error={runs.error} what="the runs" onRetry={() => void runs.refetch()} />
      ) : runs.data.length === 0 ? (
        <EmptyState icon={History} title="No runs yet" description="Runs of this swarm appear here as they start." />
      ) : (
        <RunsTable runs={runs.data} />
      )}
    </Card>
  );
}

function SwarmDetail({ swarm }: { swarm: Swarm }) {
  const can = useCan();
  const mayRun = mayRunSwarm(can);
  const mayScale = mayScaleSwarm(can);
  const seeRuns = canSeeRuns(can);
  const runs = useRuns({ swarm: swarm.name, limit: RECENT_RUNS }, seeRuns);
  const latest = seeRuns ? runs.data?.[0]?.id : undefined;

  return (
    <div className="space-y-6">
      <SwarmCard swarm={swarm} runId={latest} />
      {mayRun || mayScale ? (
        <div className={mayRun && mayScale ? "grid gap-6 lg:grid-cols-3" : "grid gap-6"}>
          {mayRun ? (
            <div className={mayScale ? "lg:col-span-2" : undefined}>
              <RunForm key={swarm.name} swarm={swarm} />
            </div>
          ) : null}
          {mayScale ? <ScaleControl key={`${swarm.name}:${swarm.agent_count}`} swarm={swarm} /> : null}
        </div>
      ) : null}
      {seeRuns ? <RecentRuns swarm={swarm} runs={runs} /> : null}
    </div>
  );
}

function Swarms() {
  useLiveRuns();
  const swarms = useSwarms();
  // The swarm on show lives in the address, so a link opens it.
  const [params, setParams] = useSearchParams();
  const list = swarms.data ?? [];
  const wanted = params.get("swarm");
  const selected = list.find((s) => s.name === wanted) ?? list[0] ?? null;
  const select = (name: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.set("swarm", name);
        return next;
      },
      { replace: true },
    );

  return (
    <div className="space-y-6">
      <PageHeader
        title="Swarms"
        description="Groups of agents working on one task together: their agents at work, their scale, their runs."
        actions={<LiveBadge />}
      />
      {swarms.isPending ? (
        <div className="grid gap-6 lg:grid-cols-4">
          <Skeleton className="h-48" />
          <Skeleton className="h-96 lg:col-span-3" />
        </div>
      ) : swarms.isError ? (
        <Card>
          <ErrorState error={swarms.error} what="the swarms" onRetry={() => void swarms.refetch()} />
        </Card>
      ) : (
        <div className="grid items-start gap-6 lg:grid-cols-4">
          <SwarmList swarms={list} selected={selected?.name ?? null} onSelect={select} />
          <div className="min-w-0 lg:col-span-3">{selected ? <SwarmDetail swarm={selected} /> : null}</div>
        </div>
      )}
    </div>
  );
}

export function SwarmsPage() {
  return (
    <RequirePermission what="swarms" needs="swarm:read" allowed={canSeeSwarms}>
      <Swarms />
    </RequirePermission>
  );
}
