import type { Can } from "../auth/permissions";

/** Who sees the MCP page: kept apart from the page so the nav does not pull the page in. */
export const canSeeMcp = (can: Can) => can("mcp-server", "read");
