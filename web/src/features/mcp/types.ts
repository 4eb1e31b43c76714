// The shapes of the MCP bridge's REST door (generated schema) and of its `mcp` bus events,
// which the OpenAPI document does not describe, so they are checked on arrival.
import type { BodyOf, ResponseOf } from "../../api/types";

export type McpServer = ResponseOf<"/api/mcp/servers", "get">[number];
export type McpReplica = McpServer["replicas"][number];
export type McpState = McpServer["state"];
export type McpTool = ResponseOf<"/api/mcp/tools", "get">[number];
/** A named subset of the tools, served as its own endpoint (`mcp.virtual_servers`). */
export type McpVirtualServer = ResponseOf<"/api/mcp/virtual-servers", "get">[number];

/**
 * Config fields the server defaults when absent. openapi-typescript marks every field with a
 * default as required (right for answers, not for request bodies), so they are loosened here.
 */
type Defaulted = "stateful" | "max_sessions" | "session_idle_timeout";
type Loosen<T> = T extends unknown ? Omit<T, Defaulted> & Partial<Pick<T, Defaulted & keyof T>> : never;
type ApiNewServer = BodyOf<"/api/mcp/servers", "post">;
export type NewMcpServer = Omit<ApiNewServer, "config"> & { config: Loosen<ApiNewServer["config"]> };

/** One piece of a tool's answer: `text`, `image`, `audio`, `resource` or `resource_link`. */
export interface ContentBlock {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  [key: string]: unknown;
}

/** `POST /api/mcp/tools/{name}/call`: the tool's result as MCP's JSON. */
export interface ToolResult {
  content: ContentBlock[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** `tool.called` on the `mcp` topic: one call through any front door, by anyone. */
export interface ToolCallEvent {
  id: string;
  at: Date | null;
  tool: string;
  server: string;
  /** `ok`, `tool_error`, or the error type of a failed call (`unavailable`, `upstream_error`...). */
  outcome: string;
  duration_ms: number;
  actor: string;
}
