// What scaling a swarm changes, as `swarms.plan` decides it.
import type { Swarm } from "./types";

/** The agent that scaling grows or shrinks: the last that sets `replicas`, else the last (`swarms.plan.elastic_agent`). */
export function elasticAgent(swarm: Swarm): string | undefined {
  return ([...swarm.agents].reverse().find((a) => a.replicas !== null && a.replicas !== undefined) ?? swarm.agents.at(-1))?.name;
}

/** Instances per agent, in the swarm's order. */
export function instanceCounts(swarm: Swarm): Array<{ agent: string; count: number }> {
  return swarm.agents.map((a) => ({ agent: a.name, count: swarm.instances.filter((i) => i.agent === a.name).length }));
}
