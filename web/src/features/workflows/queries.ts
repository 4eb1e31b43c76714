import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Executions } from "./types";

export const executionsQueryKey = ["workflows", "executions"] as const;

/**
 * While an execution runs it is fetched again this often even without events: its history
 * grows turn by turn, and it closes a moment after its run's `run.*` event (the workflow
 * records its end, then returns).
 */
const RUNNING_REFRESH_MS = 5_000;

/** The newest Temporal executions in SwarmDeck's namespace, newest first (`workflow:read`). */
export function useExecutions(limit: number, enabled = true) {
  return useQuery({
    queryKey: [...executionsQueryKey, limit],
    queryFn: ({ signal }) => api<Executions>(`/api/workflows?limit=${limit}`, { signal }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.executions.some((e) => e.status === "running") ? RUNNING_REFRESH_MS : false,
    enabled,
  });
}
