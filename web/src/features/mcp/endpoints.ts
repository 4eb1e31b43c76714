// How the bridge is addressed from outside: this dashboard's own origin, since the API,
// the dashboard and the `/mcp` door are served by the same server.

/** The full URL of a path on this server (`/mcp`, `/mcp/<name>`). */
export function absoluteUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}

/** What a stdio client (Claude Desktop) runs to reach the bridge through the relay. */
export function stdioCommand(): string {
  return `swarmdeck mcp stdio --url ${window.location.origin}`;
}
