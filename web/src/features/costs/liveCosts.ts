// Spend moves on every gateway call: each `costs` event patches the cached numbers at once
// (exactly, in billionths), and a refetch at most every 250 ms brings the server's truth.
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect, useLayoutEffect, useRef } from "react";
import type { BusEvent } from "../../live/busEvent";
import { useTopicEvents } from "../../live/topicListeners";
import { addUsd, toNanos } from "../../lib/money";
import { alertsQueryKey, budgetsQueryKey, callsQueryKey, costsQueryKey, summaryQueryKey } from "./queries";
import type { CostSummary, GroupBy, LedgerCall } from "./types";

/** The longest a page waits after a call before it refetches what the call changed. */
export const REFRESH_MS = 250;
/** Summaries and series over a day or more refetch at most this often (patched in between). */
const LONG_REFRESH_MS = 2_000;
const LONG_WINDOWS: ReadonlySet<string> = new Set(["1d", "1w", "30d"]);

/** The ledger row in a `costs` event, or null when the event is something else. */
export function toLedgerCall(event: BusEvent): LedgerCall | null {
  if (event.topic !== "costs" || event.type !== "call") return null;
  const data = event.data;
  if (!data || typeof data !== "object") return null;
  const c = data as Record<string, unknown>;
  if (typeof c.id !== "string" || typeof c.alias !== "string" || typeof c.cost_usd !== "string") return null;
  return data as LedgerCall;
}

function groupKey(call: LedgerCall, groupBy: GroupBy): string | null {
  switch (groupBy) {
    case "model":
      return call.alias;
    case "swarm":
      return call.swarm;
    case "agent":
      return call.agent;
    case "user":
      return call.user;
    case "key":
      return call.key_id;
    case "provider":
      return call.provider;
  }
}

/** The summary with one more call in it: totals, and its group (added when new), re-sorted. */
export function withCall(summary: CostSummary, call: LedgerCall): CostSummary {
  const key = groupKey(call, summary.group_by);
  let found = false;
  const groups = summary.groups.map((g) => {
    if (g.key !== key) return g;
    found = true;
    return {
      ...g,
      cost_usd: addUsd(g.cost_usd, call.cost_usd),
      saved_usd: addUsd(g.saved_usd, call.saved_usd),
      calls: g.calls + 1,
      input_tokens: g.input_tokens + call.input_tokens,
      output_tokens: g.output_tokens + call.output_tokens,
    };
  });
  if (!found) {
    groups.push({
      key,
      cost_usd: call.cost_usd,
      saved_usd: call.saved_usd,
      calls: 1,
      input_tokens: call.input_tokens,
      output_tokens: call.output_tokens,
    });
  }
  groups.sort((a, b) => {
    const diff = toNanos(b.cost_usd) - toNanos(a.cost_usd);
    return diff === 0n ? b.calls - a.calls : diff > 0n ? 1 : -1;
  });
  return {
    ...summary,
    total_usd: addUsd(summary.total_usd, call.cost_usd),
    saved_usd: addUsd(summary.saved_usd, call.saved_usd),
    calls: summary.calls + 1,
    groups,
  };
}

/** Put one call into every cached summary and at the top of the recent calls. */
export function applyCall(queryClient: QueryClient, call: LedgerCall): void {
  for (const [key, data] of queryClient.getQueriesData<CostSummary>({ queryKey: summaryQueryKey })) {
    if (data) queryClient.setQueryData<CostSummary>(key, withCall(data, call));
  }
  for (const [key, data] of queryClient.getQueriesData<{ calls: LedgerCall[] }>({ queryKey: callsQueryKey })) {
    if (!data || data.calls.some((c) => c.id === call.id)) continue;
    const limit = typeof key[2] === "number" ? key[2] : data.calls.length + 1;
    queryClient.setQueryData(key, { calls: [call, ...data.calls].slice(0, limit) });
  }
}

/** Calls arriving closer together than this are applied in one go (one render, not one each). */
const BATCH_MS = 50;
/** Ids of calls already applied, so a stream that resumes and replays does not count twice. */
const SEEN_LIMIT = 2_000;

/**
 * Keep the costs queries (and `alsoRefresh`, e.g. the gateway's models) live while mounted.
 * Calls patch the cache in batches every 50 ms; the refetch is a throttle, not a debounce, so a
 * steady stream of calls still brings the server's numbers every 250 ms (every 2 s for the
 * day-and-longer windows, whose queries cost more and whose totals the patches keep exact).
 */
export function useLiveCosts(alsoRefresh: ReadonlyArray<readonly unknown[]> = []) {
  const queryClient = useQueryClient();
  const refreshTimer = useRef<number | undefined>(undefined);
  const batchTimer = useRef<number | undefined>(undefined);
  const batch = useRef<LedgerCall[]>([]);
  const seen = useRef(new Set<string>());
  const longTimer = useRef<number | undefined>(undefined);
  const lastLongRefresh = useRef(0);
  const extra = useRef(alsoRefresh);
  useLayoutEffect(() => {
    extra.current = alsoRefresh;
  });

  useEffect(
    () => () => {
      window.clearTimeout(refreshTimer.current);
      window.clearTimeout(batchTimer.current);
      window.clearTimeout(longTimer.current);
      refreshTimer.current = batchTimer.current = longTimer.current = undefined;
      batch.current = [];
    },
    [],
  );

  useTopicEvents("costs", (event) => {
    const call = toLedgerCall(event);
    if (!call || seen.current.has(call.id)) return;
    if (seen.current.size >= SEEN_LIMIT) seen.current.clear();
    seen.current.add(call.id);
    batch.current.push(call);
    if (batchTimer.current === undefined) {
      batchTimer.current = window.setTimeout(() => {
        batchTimer.current = undefined;
        for (const c of batch.current.splice(0)) applyCall(queryClient, c);
      }, BATCH_MS);
    }
    if (refreshTimer.current === undefined) {
      refreshTimer.current = window.setTimeout(() => {
        refreshTimer.current = undefined;
        // Long windows scan many more rows and are kept exact by the patches: refresh them less often.
        const now = Date.now();
        const long = now - lastLongRefresh.current >= LONG_REFRESH_MS;
        if (long) lastLongRefresh.current = now;
        void queryClient.invalidateQueries({
          queryKey: costsQueryKey,
          predicate: (query) => long || !LONG_WINDOWS.has(query.queryKey[2] as string),
        });
        for (const queryKey of extra.current) void queryClient.invalidateQueries({ queryKey });
        // Calls in the long windows that this refresh skipped still need one later.
        if (!long && !longTimer.current) {
          longTimer.current = window.setTimeout(() => {
            longTimer.current = undefined;
            lastLongRefresh.current = Date.now();
            void queryClient.invalidateQueries({
              queryKey: costsQueryKey,
              predicate: (query) => LONG_WINDOWS.has(query.queryKey[2] as string),
            });
          }, LONG_REFRESH_MS);
        }
      }, REFRESH_MS);
    }
  });

  useTopicEvents("alerts", () => {
    void queryClient.invalidateQueries({ queryKey: alertsQueryKey });
    void queryClient.invalidateQueries({ queryKey: budgetsQueryKey });
  });
}
