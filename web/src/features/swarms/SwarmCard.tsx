import { ArrowRight } from "lucide-react";
import { useMemo } from "react";
import { Link } from "react-router";
import { Badge } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { RelativeTime } from "../../components/ui/RelativeTime";
import { formatUsdBrief } from "../../lib/money";
import { useNow } from "../../lib/useNow";
import { formatDuration, shortId } from "./format";
import { layout, nodeStatuses } from "./graph";
import { useLiveRun } from "./liveRuns";
import { useRun } from "./queries";
import { runPath } from "./paths";
import { RunStatusBadge } from "./RunStatusBadge";
import { instanceCounts } from "./scale";
import { mergeSteps, runStatusOf } from "./steps";
import { GraphLegend, SwarmGraph } from "./SwarmGraph";
import type { Swarm } from "./types";

const PATTERNS = {
  sequential: "Each agent gets the task and the previous agent's answer.",
  parallel: "The planner splits the task, the workers take a part each at once, the planner merges their answers.",
  supervisor: "The supervisor delegates to the workers, turn by turn, until it can answer.",
} as const;

/**
 * The swarm's agents as a graph, with their states in `runId` (its latest run): live while it
 * runs, as it ended afterwards. A running run shows the instances it started with; otherwise
 * the graph is what the next run gets.
 */
export function SwarmCard({ swarm, runId }: { swarm: Swarm; runId: string | undefined }) {
  const run = useRun(runId);
  const live = useLiveRun(runId);
  const now = useNow(10_000);
  const status = run.data || live ? runStatusOf(run.data, live) : null;
  const instances = status === "running" && run.data ? run.data.agents : swarm.instances;

  const graph = useMemo(() => layout(swarm.pattern, instances), [swarm.pattern, instances]);
  const steps = useMemo(() => mergeSteps(run.data, live), [run.data, live]);
  const statuses = useMemo(
    () => (status ? nodeStatuses(graph.nodes, steps, status, run.data?.active ?? []) : undefined),
    [graph.nodes, steps, status, run.data?.active],
  );

  return (
    <Card data-testid="swarm-card" data-swarm={swarm.name}>
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-base">{swarm.name}</span>
            <Badge tone="accent" title={PATTERNS[swarm.pattern]}>
              {swarm.pattern}
            </Badge>
            {swarm.from_config ? (
              <Badge tone="neutral" title="Defined in the config file: change it there">
                config file
              </Badge>
            ) : null}
          </span>
        }
        description={PATTERNS[swarm.pattern]}
      />
      <dl className="flex flex-wrap gap-x-8 gap-y-2 border-b border-slate-100 px-5 py-3 text-xs">
        <div>
          <dt className="text-slate-500">Agents</dt>
          <dd data-testid="swarm-agent-count" className="mt-0.5 font-medium text-slate-900">
            {swarm.agent_count} {swarm.agent_count === 1 ? "instance" : "instances"}
            <span className="font-normal text-slate-500">
              {" "}
              ({instanceCounts(swarm)
                .map(({ agent, count }) => `${agent} ×${count}`)
                .join(", ")})
            </span>
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Budget per run</dt>
          <dd className="mt-0.5 font-medium text-slate-900">{swarm.budget_usd ? formatUsdBrief(swarm.budget_usd) : "none"}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Timeout</dt>
          <dd className="mt-0.5 font-medium text-slate-900">{formatDuration(swarm.timeout * 1000)}</dd>
        </div>
        {runId && status ? (
          <div className="ml-auto">
            <dt className="text-slate-500">{status === "running" ? "Following run" : "States from the last run"}</dt>
            <dd className="mt-0.5 flex items-center gap-2">
              <RunStatusBadge status={status} testId="swarm-focus-status" />
              <Link
                to={runPath({ swarm: swarm.name, id: runId })}
                className="inline-flex items-center gap-1 font-mono font-medium text-indigo-600 hover:text-indigo-500"
              >
                {shortId(runId)}
                <ArrowRight className="size-3" aria-hidden="true" />
              </Link>
              {run.data ? <RelativeTime value={run.data.created_at} now={now} /> : null}
            </dd>
          </div>
        ) : null}
      </dl>
      <SwarmGraph
        nodes={graph.nodes}
        edges={graph.edges}
        statuses={statuses}
        sequential={swarm.pattern === "sequential"}
        className="bg-slate-50/40"
      />
      <div className="border-t border-slate-100 px-5 py-2.5">
        <GraphLegend />
      </div>
    </Card>
  );
}
