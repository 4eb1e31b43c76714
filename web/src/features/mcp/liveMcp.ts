// The `mcp` topic keeps the page live: `server.state` carries a server's whole status (its
// state, replicas and, for a stateful server, its clients' open sessions), so it patches the
// cached list in place; `tools.changed` and `server.configured` only name what changed, so
// they trigger a refetch of the tools and the virtual servers' tools. (`tool.called` feeds
// the call log: liveCalls.ts.)
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { BusEvent } from "../../live/busEvent";
import { useTopicEvents } from "../../live/topicListeners";
import { applyServerEvent, invalidateTools, mcpQueryKey, mcpServersQueryKey } from "./queries";
import type { McpServer } from "./types";
import { useStreamOpenings } from "../../live/useStreamOpenings";

export const MCP_TOPIC = "mcp";
/** Tool-list changes closer together than this cause one refetch. */
const TOOLS_REFRESH_MS = 150;

/** The server status in a `server.state` event, or null when the payload is not one. */
export function toServerStatus(event: BusEvent): McpServer | null {
  if (event.topic !== MCP_TOPIC || event.type !== "server.state") return null;
  const data = event.data;
  if (!data || typeof data !== "object") return null;
  const s = data as Record<string, unknown>;
  const name = typeof s.name === "string" ? s.name : s.server;
  if (typeof name !== "string" || typeof s.state !== "string" || !Array.isArray(s.replicas)) return null;
  const { server: _server, ...status } = s;
  return { ...(status as unknown as McpServer), name };
}

/** Keep the MCP queries live from the `mcp` topic while the page is mounted. */
export function useLiveMcp(): void {
  const queryClient = useQueryClient();
  const toolsTimer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(toolsTimer.current), []);

  // A page opened (or reloaded) before the stream misses the events sent in between, and a
  // first connection replays nothing: fetch again once the stream is open.
  const openings = useStreamOpenings();
  const seenOpenings = useRef(openings);
  useEffect(() => {
    if (openings === seenOpenings.current) return;
    seenOpenings.current = openings;
    void queryClient.invalidateQueries({ queryKey: mcpQueryKey });
  }, [openings, queryClient]);

  const refreshTools = () => {
    if (toolsTimer.current !== undefined) return;
    toolsTimer.current = window.setTimeout(() => {
      toolsTimer.current = undefined;
      invalidateTools(queryClient);
    }, TOOLS_REFRESH_MS);
  };

  useTopicEvents(MCP_TOPIC, (event) => {
    switch (event.type) {
      case "server.state": {
        const server = toServerStatus(event);
        if (server) applyServerEvent(queryClient, server);
        return;
      }
      case "server.removed": {
        const name = (event.data as { server?: unknown } | null)?.server;
        queryClient.setQueryData<McpServer[]>(mcpServersQueryKey, (old) => old?.filter((s) => s.name !== name));
        refreshTools();
        return;
      }
      case "server.configured":
        void queryClient.invalidateQueries({ queryKey: mcpServersQueryKey });
        refreshTools();
        return;
      case "tools.changed":
        refreshTools();
        return;
    }
  });
}
