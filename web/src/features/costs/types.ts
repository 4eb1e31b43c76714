// The shapes of /api/costs, /api/budgets and /api/alerts, looked up in the generated schema
// (`make api-types`), so a server change shows up here as a type error.
import type { ResponseOf } from "../../api/types";

export type CostSummary = ResponseOf<"/api/costs/summary", "get">;
export type CostGroup = CostSummary["groups"][number];
export type CostWindow = CostSummary["window"];
export type GroupBy = CostSummary["group_by"];
export type CostTimeseries = ResponseOf<"/api/costs/timeseries", "get">;
export type CostPoint = CostTimeseries["points"][number];

/** One call as the ledger keeps it; the `costs` topic pushes the same shape (type `call`). */
export type LedgerCall = ResponseOf<"/api/costs/calls", "get">["calls"][number];

export type Budget = ResponseOf<"/api/budgets", "get">["budgets"][number];
export type Alert = ResponseOf<"/api/alerts", "get">[number];

export const WINDOWS: ReadonlyArray<{ value: CostWindow; label: string; long: string }> = [
  { value: "1h", label: "1h", long: "last hour" },
  { value: "1d", label: "24h", long: "last 24 hours" },
  { value: "1w", label: "7d", long: "last 7 days" },
  { value: "30d", label: "30d", long: "last 30 days" },
];

export function windowLabel(window: CostWindow): string {
  return WINDOWS.find((w) => w.value === window)?.long ?? window;
}
