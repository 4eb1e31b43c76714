import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import { Outlet } from "react-router";
import { meQueryKey, useMe } from "../features/auth/queries";
import { useFeedStore } from "../features/overview/feedStore";
import { seedFeedFromHistory } from "../features/overview/recentEvents";
import {
  applyComponentStatus,
  systemStatusQueryKey,
  useSystemStatus,
} from "../features/overview/systemStatus";
import { Toaster } from "../components/ui/Toaster";
import { auditQueryKey } from "../features/audit/queries";
import { alertsQueryKey, costsQueryKey } from "../features/costs/queries";
import { gatewayQueryKey } from "../features/gateway/queries";
import { mcpQueryKey } from "../features/mcp/queries";
import { runsQueryKey, swarmsQueryKey } from "../features/swarms/queries";
import type { BusEvent } from "../live/busEvent";
import { LiveProvider } from "../live/LiveProvider";
import { dispatchToTopicListeners } from "../live/topicListeners";
import { Sidebar } from "./Sidebar";
import { TopBar } from "./TopBar";

/** The logged-in frame: sidebar, top bar, live connections, and the page. */
export function AppShell() {
  const me = useMe();
  const status = useSystemStatus();
  const queryClient = useQueryClient();

  // Every bus event feeds the live feed; component changes also patch the status cards.
  const onEvent = useCallback(
    (event: BusEvent) => {
      useFeedStore.getState().push(event);
      applyComponentStatus(queryClient, event);
      dispatchToTopicListeners(event);
    },
    [queryClient],
  );
  // After a gap in the stream, what the missed events would have changed is refetched.
  const onResume = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: systemStatusQueryKey });
    void queryClient.invalidateQueries({ queryKey: auditQueryKey });
    void queryClient.invalidateQueries({ queryKey: costsQueryKey });
    void queryClient.invalidateQueries({ queryKey: alertsQueryKey });
    void queryClient.invalidateQueries({ queryKey: gatewayQueryKey });
    void queryClient.invalidateQueries({ queryKey: mcpQueryKey });
    void queryClient.invalidateQueries({ queryKey: swarmsQueryKey });
    void queryClient.invalidateQueries({ queryKey: runsQueryKey });
  }, [queryClient]);
  const onRefused = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: meQueryKey }),
    [queryClient],
  );

  // The feed belongs to this session: seeded from history on entry, emptied on the way out.
  useEffect(() => {
    const controller = new AbortController();
    void seedFeedFromHistory(controller.signal);
    return () => {
      controller.abort();
      useFeedStore.getState().clear();
    };
  }, []);

  if (!me.data) return null;

  return (
    <LiveProvider onEvent={onEvent} onResume={onResume} onRefused={onRefused}>
      <div className="flex min-h-screen bg-slate-50">
        <Sidebar version={status.data?.version} />
        <div className="min-w-0 flex-1">
          <TopBar me={me.data} />
          <main className="mx-auto max-w-7xl px-6 py-8 lg:px-8">
            <Outlet />
          </main>
        </div>
      </div>
      <Toaster />
    </LiveProvider>
  );
}
