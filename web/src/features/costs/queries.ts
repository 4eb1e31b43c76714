import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Alert, Budget, CostSummary, CostTimeseries, CostWindow, GroupBy, LedgerCall } from "./types";

/** Everything the costs pages read lives under this key, so one invalidation refreshes it all. */
export const costsQueryKey = ["costs"] as const;
export const summaryQueryKey = [...costsQueryKey, "summary"] as const;
export const callsQueryKey = [...costsQueryKey, "calls"] as const;
export const budgetsQueryKey = [...costsQueryKey, "budgets"] as const;
export const alertsQueryKey = ["alerts"] as const;

/** How many recent calls the pages keep, fetched and live together. */
export const RECENT_CALLS = 50;

export function useCostSummary(window: CostWindow, groupBy: GroupBy, enabled = true) {
  return useQuery({
    queryKey: [...summaryQueryKey, window, groupBy],
    queryFn: ({ signal }) =>
      api<CostSummary>(`/api/costs/summary?window=${window}&group_by=${groupBy}`, { signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** Spend per bucket over `window`; per group when `groupBy` is given. */
export function useCostTimeseries(window: CostWindow, groupBy?: GroupBy) {
  const group = groupBy ? `&group_by=${groupBy}` : "";
  return useQuery({
    queryKey: [...costsQueryKey, "timeseries", window, groupBy ?? null],
    queryFn: ({ signal }) => api<CostTimeseries>(`/api/costs/timeseries?window=${window}${group}`, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useRecentCalls(enabled = true) {
  return useQuery({
    queryKey: [...callsQueryKey, RECENT_CALLS],
    queryFn: ({ signal }) =>
      api<{ calls: LedgerCall[] }>(`/api/costs/calls?limit=${RECENT_CALLS}`, { signal }),
    enabled,
  });
}

export function useBudgets(enabled = true) {
  return useQuery({
    queryKey: budgetsQueryKey,
    queryFn: ({ signal }) => api<{ budgets: Budget[] }>("/api/budgets", { signal }),
    enabled,
  });
}

export function useAlerts(enabled = true) {
  return useQuery({
    queryKey: [...alertsQueryKey, "all"],
    queryFn: ({ signal }) => api<Alert[]>("/api/alerts?state=all&limit=20", { signal }),
    enabled,
  });
}
