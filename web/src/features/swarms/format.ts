// How the swarm pages write durations, token counts and ids.

/** "850 ms", "4.2 s", "3m 12s", "1h 05m". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const abs = Math.max(0, ms);
  if (abs < 1_000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  const seconds = Math.floor(abs / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes}m ${String(seconds % 60).padStart(2, "0")}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h ${String(minutes % 60).padStart(2, "0")}m` : `${hours}h`;
}

/** "812", "12.4k", "1.2M". */
export function formatTokens(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${(n / 1000).toFixed(1)}k`;
  return n.toLocaleString("en-US");
}

/**
 * A run's id cut short for the screen: its last 8 digits, which are random (the first ones
 * of a UUIDv7 are its time, shared by runs started within the same minute).
 */
export const shortId = (id: string) => id.replace(/-/g, "").slice(-8);

/** The Temporal workflow id of a run (`workflows.swarm_run.workflow_id`). */
export const workflowId = (runId: string) => `swarm-run-${runId}`;
