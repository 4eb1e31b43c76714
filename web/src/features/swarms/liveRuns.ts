// The `runs` and `swarms` topics keep the swarm pages live. Step events are folded into a
// store (runEvents.ts) that the graph and the timeline read for turns in flight; they also
// refetch what they change: the run (its steps, totals), the run lists, the swarms.
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { create } from "zustand";
import { api } from "../../api/client";
import { useThrottled } from "../../lib/useThrottled";
import { type BusEvent, toBusEvent } from "../../live/busEvent";
import { useTopicEvents } from "../../live/topicListeners";
import { useStreamOpenings } from "../../live/useStreamOpenings";
import { invalidateRunLists, runQueryKey, runsQueryKey, swarmsQueryKey } from "./queries";
import { applyRunEvent, type LiveRun, type LiveRuns, pruneRuns, RUNS_TOPIC, runIdOf, SWARMS_TOPIC } from "./runEvents";

/** Runs whose events are kept while the app is open. */
const RUNS_KEPT = 50;
/** Run-list refetches closer together than this (a busy parallel run) become one. */
const LIST_REFRESH_MS = 300;
/** Events asked of the bus's history, where a page opened mid-run finds the turns in flight. */
const HISTORY_LIMIT = 1000;

interface LiveRunState {
  runs: LiveRuns;
  apply: (events: BusEvent[]) => void;
}

export const useLiveRunStore = create<LiveRunState>((set) => ({
  runs: {},
  apply: (events) =>
    set((state) => {
      let runs = state.runs;
      for (const event of events) runs = applyRunEvent(runs, event);
      return runs === state.runs ? state : { runs: pruneRuns(runs, RUNS_KEPT) };
    }),
}));

/** What the events said of one run so far, or undefined. */
export function useLiveRun(id: string | null | undefined): LiveRun | undefined {
  return useLiveRunStore((s) => (id ? s.runs[id] : undefined));
}

async function seedFromHistory(signal: AbortSignal): Promise<void> {
  let history: unknown;
  try {
    history = await api<unknown>(`/api/events/recent?topics=${RUNS_TOPIC}&limit=${HISTORY_LIMIT}`, { signal });
  } catch {
    return; // History is a nicety: live events and the REST answers still tell the story.
  }
  if (!Array.isArray(history)) return;
  const events = history.map(toBusEvent).filter((e): e is BusEvent => e !== null);
  // Oldest first, as the server sends them: folded newest first, a step would keep only its
  // last event (no start, and only its last failed attempt).
  useLiveRunStore.getState().apply(events);
}

function refetchRun(queryClient: QueryClient, id: string): void {
  void queryClient.invalidateQueries({ queryKey: runQueryKey(id) });
}

/** Keep the swarm and run queries, and the live run store, current while a page is mounted. */
export function useLiveRuns(): void {
  const queryClient = useQueryClient();
  const refreshLists = useThrottled(() => invalidateRunLists(queryClient), LIST_REFRESH_MS);

  // A page opened before the stream misses what happened in between, and a first connection
  // replays nothing: take the history and fetch again each time the stream opens.
  const openings = useStreamOpenings();
  const seenOpenings = useRef(openings);
  useEffect(() => {
    const controller = new AbortController();
    void seedFromHistory(controller.signal);
    if (openings !== seenOpenings.current) {
      seenOpenings.current = openings;
      void queryClient.invalidateQueries({ queryKey: swarmsQueryKey });
      void queryClient.invalidateQueries({ queryKey: runsQueryKey });
    }
    return () => controller.abort();
  }, [openings, queryClient]);

  useTopicEvents(RUNS_TOPIC, (event) => {
    useLiveRunStore.getState().apply([event]);
    const id = runIdOf(event);
    if (id === null) return;
    switch (event.type) {
      case "run.started":
        refreshLists();
        return;
      case "step.completed":
        refetchRun(queryClient, id);
        refreshLists(); // the run's totals grew
        return;
      case "step.failed":
        refetchRun(queryClient, id); // the failed attempt is written before it is announced
        return;
      case "step.started":
      case "step.tool_call":
        return; // in the store; the REST API has nothing new until the step is written
      default:
        if (event.type.startsWith("run.")) {
          refetchRun(queryClient, id);
          refreshLists();
        }
    }
  });

  useTopicEvents(SWARMS_TOPIC, () => void queryClient.invalidateQueries({ queryKey: swarmsQueryKey }));
}
