import type { Can } from "../auth/permissions";

// Kept apart from the pages so the nav does not pull the pages (and the graph library) in.

/** Who sees the Swarms page. */
export const canSeeSwarms = (can: Can) => can("swarm", "read");
/** Who sees runs: the run view and the Workflows page. */
export const canSeeRuns = (can: Can) => can("run", "read");
/** Who may start a run. */
export const mayRunSwarm = (can: Can) => can("swarm", "execute");
/** Who may scale a swarm (the route needs `agent:write:scale`). */
export const mayScaleSwarm = (can: Can) => can("agent", "write", "scale");
/** Who may cancel a running run. */
export const mayCancelRun = (can: Can) => can("run", "execute", "cancel");
