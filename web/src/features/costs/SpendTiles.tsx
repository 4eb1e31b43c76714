import { CalendarDays, Clock, Flame, type LucideIcon, PiggyBank, Sun } from "lucide-react";
import { StatTile } from "../../components/ui/StatTile";
import { exactUsd, formatUsd, formatUsdBrief, fromNanos, toNanos } from "../../lib/money";
import { useCan } from "../auth/permissions";
import { BudgetBar } from "./BudgetBar";
import { budgetLevels, globalHourly } from "./budgetMath";
import { useBudgets, useCostSummary, useCostTimeseries } from "./queries";
import type { CostSummary, CostTimeseries, CostWindow } from "./types";

const calls = (n: number) => `${n.toLocaleString()} ${n === 1 ? "call" : "calls"}`;

function SpendTile({ window, label, icon, span }: { window: CostWindow; label: string; icon: LucideIcon; span: string }) {
  const summary = useCostSummary(window, "model");
  const data: CostSummary | undefined = summary.data;
  return (
    <StatTile
      data-testid={`spend-tile-${window}`}
      data-usd={data?.total_usd}
      label={label}
      icon={icon}
      value={data ? formatUsd(data.total_usd) : summary.isError ? "—" : undefined}
      valueTitle={data ? exactUsd(data.total_usd) : undefined}
      footer={data ? `${calls(data.calls)} · ${span}` : summary.isError ? "Could not load" : " "}
    />
  );
}

/** Minutes of recent spend the burn rate is taken over. */
const PACE_MINUTES = 5;

/** Spend in the last few minutes (the newest buckets, the current one partial), per hour. */
export function hourlyPace(series: CostTimeseries): string {
  const buckets = Math.max(1, Math.round((PACE_MINUTES * 60) / series.bucket_seconds));
  const recent = series.points.slice(-buckets).reduce((sum, p) => sum + toNanos(p.cost_usd), 0n);
  return fromNanos((recent * 3600n) / BigInt(buckets * series.bucket_seconds));
}

function BurnRateTile() {
  const can = useCan();
  const mayReadBudgets = can("budget", "read");
  const budgets = useBudgets(mayReadBudgets);
  const series = useCostTimeseries("1h");
  const global = globalHourly(budgets.data?.budgets);
  const rate = series.data ? hourlyPace(series.data) : undefined;
  // The pace against the hourly alert and limit: where this hour ends up if it keeps going.
  const levels = global && rate !== undefined ? budgetLevels({ ...global, spent_usd: rate, reserved_usd: "0" }) : null;
  return (
    <StatTile
      data-testid="burn-rate-tile"
      label="Burn rate"
      icon={Flame}
      value={rate === undefined ? (series.isError ? "—" : undefined) : `${formatUsd(rate)}/h`}
      valueTitle={rate ? `The last ${PACE_MINUTES} minutes' spend, per hour: ${exactUsd(rate)}` : undefined}
      footer={
        global ? (
          <span title={global.percent_used !== null ? `The last 60 minutes used ${global.percent_used.toFixed(2)}% of the hourly limit` : undefined}>
            <span className="block">pace of the last {PACE_MINUTES} min</span>
            alert <span className="font-medium text-amber-700">{formatUsdBrief(global.alert_usd)}</span> · limit{" "}
            <span className="font-medium text-slate-700">{formatUsdBrief(global.limit_usd)}</span>
          </span>
        ) : mayReadBudgets ? (
          " "
        ) : (
          "Budgets need budget:read"
        )
      }
    >
      {levels ? <BudgetBar levels={levels} className="mt-3" /> : null}
    </StatTile>
  );
}

function SavedTile() {
  const week = useCostSummary("1w", "model");
  const day = useCostSummary("1d", "model");
  return (
    <StatTile
      data-testid="saved-tile"
      label="Saved by cache"
      icon={PiggyBank}
      value={week.data ? formatUsd(week.data.saved_usd) : week.isError ? "—" : undefined}
      valueTitle={week.data ? exactUsd(week.data.saved_usd) : undefined}
      footer={day.data ? `${formatUsd(day.data.saved_usd)} in 24h · last 7 days` : " "}
    />
  );
}

/** The top row: spend this hour, day and week, the burn rate against the budget, cache savings. */
export function SpendTiles() {
  return (
    <div className="grid grid-cols-2 gap-4 md:grid-cols-3 xl:grid-cols-5">
      <SpendTile window="1h" label="This hour" icon={Clock} span="rolling 60 min" />
      <SpendTile window="1d" label="Today" icon={Sun} span="rolling 24 h" />
      <SpendTile window="1w" label="This week" icon={CalendarDays} span="rolling 7 days" />
      <BurnRateTile />
      <SavedTile />
    </div>
  );
}
