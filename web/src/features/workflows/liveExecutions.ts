// The `runs` topic keeps the executions list current: a run starting or ending is a workflow
// execution starting or closing, and each turn it writes grows the execution's history.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useThrottled } from "../../lib/useThrottled";
import { useTopicEvents } from "../../live/topicListeners";
import { useStreamOpenings } from "../../live/useStreamOpenings";
import { RUNS_TOPIC } from "../swarms/runEvents";
import { executionsQueryKey } from "./queries";

/** Refetches closer together than this (a busy parallel run) become one. */
const REFRESH_MS = 300;
/**
 * And once more this much later: `run.*` is announced by the workflow's last activity, so its
 * execution closes a moment after; Temporal's visibility store also trails a start a little.
 */
const SETTLE_MS = 1_500;

/** Fetch the executions again on the `runs` topic's run and step events while mounted. */
export function useLiveExecutions(): void {
  const queryClient = useQueryClient();
  const refetch = () => void queryClient.invalidateQueries({ queryKey: executionsQueryKey });
  const soon = useThrottled(refetch, REFRESH_MS);
  const settled = useThrottled(refetch, SETTLE_MS);

  // Events missed while the stream was down: fetch again when it opens.
  const openings = useStreamOpenings();
  useEffect(() => {
    if (openings > 0) void queryClient.invalidateQueries({ queryKey: executionsQueryKey });
  }, [openings, queryClient]);

  useTopicEvents(RUNS_TOPIC, (event) => {
    if (event.type.startsWith("run.")) {
      soon();
      settled();
    } else if (event.type === "step.completed") {
      settled(); // its history grew
    }
  });
}
