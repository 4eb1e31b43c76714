// Where the swarm pages are, for links.

/** The Swarms page with `swarm` on show. */
export const swarmPath = (swarm: string) => `/swarms?swarm=${encodeURIComponent(swarm)}`;

/** A run's own page. */
export const runPath = (run: { swarm: string; id: string }) =>
  `/swarms/${encodeURIComponent(run.swarm)}/runs/${encodeURIComponent(run.id)}`;
