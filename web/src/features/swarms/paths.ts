// Where the swarm pages are, for links.

/** The Swarms page with `swarm` on show. */
export const swarmPath = (swarm: string) => `/swarms?swarm=${encodeURIComponent(swarm)}`;

/** A run's own page. */
export const runPath = (run: { swarm: string; id: string }) =>
  `/swarms/${encodeURIComponent(run.swarm)}/runs/${encodeURIComponent(run.id)}`;

/** A run's page when only its id is known (a Temporal execution's): it moves on to `runPath`. */
export const runIdPath = (id: string) => `/runs/${encodeURIComponent(id)}`;
