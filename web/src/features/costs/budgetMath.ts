// Where a budget stands, as fractions of its limit and a tone, shared by the tiles and the list.
import type { Tone } from "../../components/ui/Badge";
import { usdNumber } from "../../lib/money";
import type { Budget } from "./types";

export interface BudgetLevels {
  /** Spent, reserved and alert as fractions of the limit (0..1+); null without a limit. */
  spent: number | null;
  reserved: number | null;
  alert: number | null;
  tone: Tone;
}

export function budgetLevels(budget: Budget): BudgetLevels {
  const limit = usdNumber(budget.limit_usd);
  const spent = usdNumber(budget.spent_usd);
  const reserved = usdNumber(budget.reserved_usd);
  const alert = budget.alert_usd === null ? null : usdNumber(budget.alert_usd);
  const used = spent + reserved;
  const tone: Tone =
    budget.limit_usd !== null && used >= limit
      ? "danger"
      : alert !== null && used >= alert
        ? "warning"
        : budget.limit_usd !== null && used >= 0.8 * limit
          ? "warning"
          : "success";
  if (budget.limit_usd === null || limit <= 0) return { spent: null, reserved: null, alert: null, tone };
  return { spent: spent / limit, reserved: reserved / limit, alert: alert === null ? null : alert / limit, tone };
}

/** The global hourly budget: what the default alert ($500/h) and throttle ($1000/h) apply to. */
export function globalHourly(budgets: readonly Budget[] | undefined): Budget | undefined {
  return budgets?.find((b) => b.scope === "global" && b.window === "hour");
}

const PER: Record<string, string> = { hour: "/h", day: "/day", week: "/wk", month: "/mo" };

/** "/h", "/day": the suffix for an amount per budget window. */
export function perWindow(window: string): string {
  return PER[window] ?? `/${window}`;
}
