// The shapes of the MCP bridge's REST door (generated schema) and of its `mcp` bus events,
// which the OpenAPI document does not describe, so they are checked on arrival.
import type { BodyOf, ResponseOf } from "../../api/types";

export type McpServer = ResponseOf<"/api/mcp/servers", "get">[number];
export type McpReplica = McpServer["replicas"][number];
export type McpState = McpServer["state"];
export type McpTool = ResponseOf<"/api/mcp/tools", "get">[number];
export type NewMcpServer = BodyOf<"/api/mcp/servers", "post">;

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
