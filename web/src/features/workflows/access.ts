import type { Can } from "../auth/permissions";
import { canSeeRuns } from "../swarms/access";

// Kept apart from the page so the nav does not pull the page in.

/** Who sees Temporal's executions (`GET /api/workflows`). */
export const canSeeExecutions = (can: Can) => can("workflow", "read");
/** Who sees the Workflows page: its executions, or (with `run:read` alone) every swarm's runs. */
export const canSeeWorkflows = (can: Can) => canSeeExecutions(can) || canSeeRuns(can);
