import { type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "../../api/client";
import type { McpServer, McpTool, McpVirtualServer, NewMcpServer, ToolResult } from "./types";

export const mcpQueryKey = ["mcp"] as const;
export const mcpServersQueryKey = [...mcpQueryKey, "servers"] as const;
export const mcpToolsQueryKey = [...mcpQueryKey, "tools"] as const;
export const mcpVirtualServersQueryKey = [...mcpQueryKey, "virtual-servers"] as const;

const path = (base: string, name: string) => `${base}/${encodeURIComponent(name)}`;

/** How often the servers are fetched again for their ping latency. */
const PING_REFRESH_MS = 5_000;

/**
 * Every server with its replicas. State changes arrive live (`server.state`); the poll only
 * brings ping latency, which moves on every health check without an event. It runs on its
 * own timer: `refetchInterval` restarts at every cache update, and a server in a crash loop
 * sends events faster than any interval would ever elapse.
 */
export function useMcpServers() {
  const queryClient = useQueryClient();
  useEffect(() => {
    const timer = window.setInterval(
      () => void queryClient.invalidateQueries({ queryKey: mcpServersQueryKey }),
      PING_REFRESH_MS,
    );
    return () => window.clearInterval(timer);
  }, [queryClient]);
  return useQuery({
    queryKey: mcpServersQueryKey,
    queryFn: async ({ signal }) => {
      const started = performance.now();
      const fetched = await api<McpServer[]>("/api/mcp/servers", { signal });
      return keepNewerEvents(fetched, started);
    },
  });
}

/** Each server's last `server.state` event: when it was applied (performance.now()) and what it said. */
const lastEvents = new Map<string, { at: number; server: McpServer }>();

/** Put a server's status from a `server.state` event in the cached list (when loaded). */
export function applyServerEvent(queryClient: QueryClient, server: McpServer): void {
  lastEvents.set(server.name, { at: performance.now(), server });
  queryClient.setQueryData<McpServer[]>(mcpServersQueryKey, (old) => (old ? upsertServer(old, server) : old));
}

/**
 * A fetch that left before a server's event may answer with the state before it: for those
 * servers the event's status is kept. The others take the fetched one, ping included.
 */
function keepNewerEvents(fetched: McpServer[], started: number): McpServer[] {
  return fetched.map((server) => {
    const event = lastEvents.get(server.name);
    return event && event.at >= started ? event.server : server;
  });
}

/** The tools this user may read or call, on servers that are up; refetched on `tools.changed`. */
export function useMcpTools() {
  return useQuery({
    queryKey: mcpToolsQueryKey,
    queryFn: ({ signal }) => api<McpTool[]>("/api/mcp/tools", { signal }),
  });
}

/**
 * The virtual servers with the tools each serves now that this user may see; refetched with
 * the tools, since a server going down or up changes them.
 */
export function useMcpVirtualServers() {
  return useQuery({
    queryKey: mcpVirtualServersQueryKey,
    queryFn: ({ signal }) => api<McpVirtualServer[]>("/api/mcp/virtual-servers", { signal }),
  });
}

/** Fetch again what depends on the set of tools: the tools, and the virtual servers' tools. */
export function invalidateTools(queryClient: QueryClient): void {
  void queryClient.invalidateQueries({ queryKey: mcpToolsQueryKey });
  void queryClient.invalidateQueries({ queryKey: mcpVirtualServersQueryKey });
}

/** Restart every replica of a server; the answer is its new state. */
export function useRestartServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api<McpServer>(`${path("/api/mcp/servers", name)}/restart`, { method: "POST" }),
    onSuccess: (server) => applyServerEvent(queryClient, server),
  });
}

/** Add a server for good (`mcp-server:write`): kept across restarts, run on every replica. */
export function useAddServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewMcpServer) => api<McpServer>("/api/mcp/servers", { body }),
    onSuccess: (server) => applyServerEvent(queryClient, server),
  });
}

/** Stop a server and forget it (`mcp-server:delete`); config-file servers answer 409. */
export function useRemoveServer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api<void>(path("/api/mcp/servers", name), { method: "DELETE" }),
    onSuccess: (_, name) => {
      queryClient.setQueryData<McpServer[]>(mcpServersQueryKey, (old) => old?.filter((s) => s.name !== name));
      invalidateTools(queryClient);
    },
  });
}

export interface CallRequest {
  tool: string;
  arguments: Record<string, unknown>;
  /** Seconds; the server's configured limit when absent. */
  timeout?: number;
}

export interface CallOutcome {
  tool: string;
  result: ToolResult;
  /** Round trip as the browser saw it. */
  elapsedMs: number;
}

/** Call a tool through the REST door as the logged-in user (cookie + CSRF header). */
export function useCallTool() {
  return useMutation({
    mutationFn: async (request: CallRequest): Promise<CallOutcome> => {
      const started = performance.now();
      const result = await api<ToolResult>(`${path("/api/mcp/tools", request.tool)}/call`, {
        body: { arguments: request.arguments, ...(request.timeout ? { timeout: request.timeout } : {}) },
      });
      return { tool: request.tool, result, elapsedMs: performance.now() - started };
    },
  });
}

/** The list with `server` in place of the one of the same name, or added at the end (where the registry lists a new one). */
export function upsertServer(list: McpServer[], server: McpServer): McpServer[] {
  if (list.some((s) => s.name === server.name)) return list.map((s) => (s.name === server.name ? server : s));
  return [...list, server];
}
