import { Bot } from "lucide-react";
import { Badge } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { StatusDot } from "../../components/ui/StatusDot";
import { cn } from "../../lib/cn";
import { useLiveRunStore } from "./liveRuns";
import type { Swarm } from "./types";

/** The swarms with a run in flight, as the `runs` topic tells it. */
function useBusySwarms(): Set<string> {
  const runs = useLiveRunStore((s) => s.runs);
  return new Set(Object.values(runs).filter((r) => r.status === "running").map((r) => r.swarm));
}

interface SwarmListProps {
  swarms: Swarm[];
  selected: string | null;
  onSelect: (name: string) => void;
}

/** Every swarm, to pick the one shown beside it. */
export function SwarmList({ swarms, selected, onSelect }: SwarmListProps) {
  const busy = useBusySwarms();
  return (
    <Card data-testid="swarm-list">
      <CardHeader title="Swarms" description={`${swarms.length} ${swarms.length === 1 ? "swarm" : "swarms"}`} />
      {swarms.length === 0 ? (
        <EmptyState
          icon={Bot}
          title="No swarms yet"
          description={
            <>
              Define swarms under <code className="font-mono text-slate-700">swarms:</code> in the YAML file, or create
              them through <code className="font-mono text-slate-700">POST /api/swarms</code>.
            </>
          }
        />
      ) : (
        <ul className="divide-y divide-slate-100 p-1.5">
          {swarms.map((swarm) => {
            const active = swarm.name === selected;
            return (
              <li key={swarm.name} className="py-0.5">
                <button
                  type="button"
                  data-testid="swarm-item"
                  data-swarm={swarm.name}
                  aria-current={active ? "true" : undefined}
                  onClick={() => onSelect(swarm.name)}
                  className={cn(
                    "w-full rounded-lg px-3 py-2.5 text-left transition-colors focus-visible:outline-2 focus-visible:outline-indigo-600",
                    active ? "bg-indigo-50 ring-1 ring-indigo-200 ring-inset" : "hover:bg-slate-50",
                  )}
                >
                  <span className="flex items-center gap-2">
                    <span className={cn("truncate font-mono text-sm font-semibold", active ? "text-indigo-900" : "text-slate-900")}>
                      {swarm.name}
                    </span>
                    {busy.has(swarm.name) ? (
                      <span title="A run is in flight">
                        <StatusDot tone="info" pulse />
                      </span>
                    ) : null}
                    <Badge tone="neutral" className="ml-auto">
                      {swarm.pattern}
                    </Badge>
                  </span>
                  <span className="mt-1 block text-xs text-slate-500">
                    {swarm.agent_count} agent {swarm.agent_count === 1 ? "instance" : "instances"}
                    {swarm.from_config ? " · config file" : ""}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
