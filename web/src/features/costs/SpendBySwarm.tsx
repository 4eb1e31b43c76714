import { Bot } from "lucide-react";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { TableSkeleton } from "../../components/ui/Table";
import { exactUsd, formatUsd, toNanos } from "../../lib/money";
import { seriesColor } from "./chartColors";
import { useCostSummary } from "./queries";
import { type CostWindow, windowLabel } from "./types";

const SHOWN = 8;

/** Each swarm's share of the window's spend, as bars; calls without a swarm header count too. */
export function SpendBySwarm({ window }: { window: CostWindow }) {
  const summary = useCostSummary(window, "swarm");
  const groups = summary.data?.groups ?? [];
  const top = groups[0] ? toNanos(groups[0].cost_usd) : 0n;

  return (
    <Card data-testid="spend-by-swarm" className="flex flex-col">
      <CardHeader title="Spend by swarm" description={windowLabel(window)} />
      {summary.isPending ? (
        <TableSkeleton columns={2} />
      ) : summary.isError ? (
        <ErrorState error={summary.error} what="spend by swarm" onRetry={() => void summary.refetch()} />
      ) : groups.length === 0 ? (
        <EmptyState icon={Bot} title="No calls in this window" description="Tag calls with the x-swarmdeck-swarm header to see each swarm here." />
      ) : (
        <ul className="space-y-3.5 px-5 py-4">
          {groups.slice(0, SHOWN).map((g, index) => {
            const share = top > 0n ? Number((toNanos(g.cost_usd) * 10_000n) / top) / 100 : 0;
            return (
              <li key={g.key ?? "\u0000"} data-testid="swarm-row">
                <div className="flex items-baseline justify-between gap-3 text-sm">
                  <span className={g.key ? "truncate font-medium text-slate-800" : "truncate text-slate-500 italic"} title={g.key ?? undefined}>
                    {g.key ?? "no swarm"}
                  </span>
                  <span className="shrink-0 text-slate-900 tabular-nums" title={exactUsd(g.cost_usd)}>
                    {formatUsd(g.cost_usd)}
                  </span>
                </div>
                <div className="mt-1.5 flex items-center gap-3">
                  <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
                    <div
                      className="h-full rounded-full transition-[width] duration-300"
                      style={{ width: `${Math.max(share, g.calls ? 1 : 0)}%`, backgroundColor: seriesColor(index) }}
                    />
                  </div>
                  <span className="w-16 shrink-0 text-right text-xs text-slate-500 tabular-nums">
                    {g.calls.toLocaleString()} {g.calls === 1 ? "call" : "calls"}
                  </span>
                </div>
              </li>
            );
          })}
          {groups.length > SHOWN ? (
            <li className="text-xs text-slate-500">and {groups.length - SHOWN} more</li>
          ) : null}
        </ul>
      )}
    </Card>
  );
}
