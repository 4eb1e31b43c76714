import { keepPreviousData, type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Run, RunStatus, RunSummary, Swarm } from "./types";

export const swarmsQueryKey = ["swarms"] as const;
export const runsQueryKey = ["runs"] as const;
const runListsKey = [...runsQueryKey, "list"] as const;
export const runQueryKey = (id: string) => [...runsQueryKey, "detail", id] as const;

const swarmPath = (name: string) => `/api/swarms/${encodeURIComponent(name)}`;

/**
 * A running run is fetched again this often even without events: a safety net for a stream
 * that is reconnecting. Events (`step.completed`, `run.*`) refetch it at once.
 */
const RUNNING_REFRESH_MS = 5_000;

/** Every swarm with what its next run gets; refetched on the `swarms` topic's events. */
export function useSwarms() {
  return useQuery({
    queryKey: swarmsQueryKey,
    queryFn: ({ signal }) => api<Swarm[]>("/api/swarms", { signal }),
  });
}

export interface RunFilter {
  swarm?: string | undefined;
  status?: RunStatus | undefined;
  limit?: number;
}

/** The newest runs first, of every swarm or of one. */
export function useRuns({ swarm, status, limit = 50 }: RunFilter = {}, enabled = true) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (swarm) params.set("swarm", swarm);
  if (status) params.set("status", status);
  return useQuery({
    queryKey: [...runListsKey, swarm ?? null, status ?? null, limit],
    queryFn: ({ signal }) => api<RunSummary[]>(`/api/runs?${params}`, { signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** A run with its steps so far. */
export function useRun(id: string | null | undefined) {
  return useQuery({
    queryKey: runQueryKey(id ?? ""),
    queryFn: ({ signal }) => api<Run>(`/api/runs/${encodeURIComponent(id ?? "")}`, { signal }),
    enabled: Boolean(id),
    refetchInterval: (query) => (query.state.data?.status === "running" ? RUNNING_REFRESH_MS : false),
  });
}

/** Fetch the run lists again (a run started, moved on, or ended). */
export function invalidateRunLists(queryClient: QueryClient): void {
  void queryClient.invalidateQueries({ queryKey: runListsKey });
}

function putSwarm(queryClient: QueryClient, swarm: Swarm): void {
  queryClient.setQueryData<Swarm[]>(swarmsQueryKey, (old) => old?.map((s) => (s.name === swarm.name ? swarm : s)));
}

/** Set the total number of agent instances of the swarm's later runs (`agent:write:scale`). */
export function useScaleSwarm() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ swarm, agents }: { swarm: string; agents: number }) =>
      api<Swarm>(`${swarmPath(swarm)}/scale`, { body: { agents } }),
    onSuccess: (swarm) => putSwarm(queryClient, swarm),
  });
}

/** Start a run of a swarm on a task (`swarm:execute`); the answer is the run, `running`. */
export function useStartRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ swarm, task }: { swarm: string; task: string }) =>
      api<Run>(`${swarmPath(swarm)}/runs`, { body: { task } }),
    onSuccess: (run) => {
      queryClient.setQueryData(runQueryKey(run.id), run);
      invalidateRunLists(queryClient);
    },
  });
}

/** Ask a running run to stop (`run:execute:cancel`); it shows `cancelled` once it has. */
export function useCancelRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Run>(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
    onSuccess: (run) => {
      queryClient.setQueryData(runQueryKey(run.id), run);
      invalidateRunLists(queryClient);
    },
  });
}
