import { Wallet } from "lucide-react";
import { Badge } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { TableSkeleton } from "../../components/ui/Table";
import { exactUsd, formatUsd, formatUsdBrief, toNanos } from "../../lib/money";
import { BudgetBar } from "./BudgetBar";
import { budgetLevels, perWindow } from "./budgetMath";
import { useBudgets } from "./queries";
import type { Budget } from "./types";

const SCOPE_ORDER = ["global", "swarm", "user", "key", "model"];
const WINDOW_ORDER = ["hour", "day", "week", "month"];

function order(b: Budget): [number, string, number] {
  const scope = SCOPE_ORDER.indexOf(b.scope);
  return [scope < 0 ? SCOPE_ORDER.length : scope, b.name, WINDOW_ORDER.indexOf(b.window)];
}

function compare(a: Budget, b: Budget): number {
  const [sa, na, wa] = order(a);
  const [sb, nb, wb] = order(b);
  return sa - sb || na.localeCompare(nb) || wa - wb;
}

function BudgetRow({ budget }: { budget: Budget }) {
  const levels = budgetLevels(budget);
  const reserved = toNanos(budget.reserved_usd) > 0n;
  const label = budget.scope === "global" ? "All calls" : budget.name;
  return (
    <li data-testid="budget-row" className="px-5 py-3.5">
      <div className="flex items-center justify-between gap-3">
        <div className="flex min-w-0 items-center gap-2">
          <Badge tone={budget.scope === "global" ? "accent" : "neutral"} className="capitalize">
            {budget.scope}
          </Badge>
          <span className="truncate text-sm font-medium text-slate-800" title={budget.name}>
            {label}
          </span>
          <span className="text-xs text-slate-500">per {budget.window}</span>
        </div>
        <div className="shrink-0 text-right text-sm tabular-nums">
          <span className="font-medium text-slate-900" title={exactUsd(budget.spent_usd)}>
            {formatUsd(budget.spent_usd)}
          </span>
          {budget.limit_usd !== null ? (
            <span className="text-slate-500">
              {" "}
              of {formatUsdBrief(budget.limit_usd)}
              {perWindow(budget.window)}
            </span>
          ) : null}
          {budget.percent_used !== null ? (
            <Badge tone={levels.tone} className="ml-2">
              {budget.percent_used < 10 ? budget.percent_used.toFixed(1) : Math.round(budget.percent_used)}%
            </Badge>
          ) : null}
        </div>
      </div>
      {budget.limit_usd !== null ? <BudgetBar levels={levels} className="mt-2.5" /> : null}
      <p className="mt-1.5 flex flex-wrap gap-x-3 text-xs text-slate-500">
        {reserved ? <span>{formatUsd(budget.reserved_usd)} reserved in flight</span> : null}
        {budget.alert_usd !== null ? (
          <span>
            alert at {formatUsdBrief(budget.alert_usd)}
            {perWindow(budget.window)}
          </span>
        ) : null}
        {budget.remaining_usd !== null ? <span>{formatUsd(budget.remaining_usd)} left</span> : <span>no limit</span>}
      </p>
    </li>
  );
}

/** Every budget window: spent and reserved against its limit, with the alert threshold marked. */
export function BudgetsCard() {
  const budgets = useBudgets();
  const rows = budgets.data ? [...budgets.data.budgets].sort(compare) : [];
  return (
    <Card data-testid="budgets">
      <CardHeader
        title="Budgets"
        description="Spent plus the worst case of calls in flight, against each limit. The tick marks the alert."
      />
      {budgets.isPending ? (
        <TableSkeleton columns={3} />
      ) : budgets.isError ? (
        <ErrorState error={budgets.error} what="budgets" onRetry={() => void budgets.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState icon={Wallet} title="No budgets" description="Budgets come from the budgets section of the YAML file." />
      ) : (
        <ul className="divide-y divide-slate-100">
          {rows.map((b) => (
            <BudgetRow key={`${b.scope}:${b.name}:${b.window}`} budget={b} />
          ))}
        </ul>
      )}
    </Card>
  );
}
