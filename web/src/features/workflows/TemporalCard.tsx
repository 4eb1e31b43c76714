import { ExternalLink, Info } from "lucide-react";
import { Badge } from "../../components/ui/Badge";
import { Card } from "../../components/ui/Card";
import { StatusDot } from "../../components/ui/StatusDot";
import { statusStyle, useSystemStatus } from "../overview/systemStatus";

/** The `workflows` component on the status board: Temporal as this process sees it. */
const COMPONENT = "workflows";

/** Temporal's state, and its Web UI when the embedded server serves one; else how to turn it on. */
export function TemporalCard() {
  const status = useSystemStatus();
  const ui = status.data?.temporal_ui ?? null;
  const component = status.data?.components.find((c) => c.name === COMPONENT);
  const look = component ? statusStyle(component.status) : null;
  // Workflows turned off register no component on the status board.
  const off = status.data !== undefined && component === undefined;

  return (
    <Card data-testid="temporal-card" className="flex flex-wrap items-center gap-x-4 gap-y-3 px-5 py-4">
      <div className="min-w-0 flex-1">
        <p className="flex items-center gap-2 text-sm font-semibold text-slate-900">
          Temporal
          {look ? (
            <Badge tone={look.tone} title={component?.detail ?? undefined}>
              <StatusDot tone={look.tone} />
              {look.label}
            </Badge>
          ) : off ? (
            <Badge tone="neutral">
              <StatusDot tone="neutral" />
              Off
            </Badge>
          ) : null}
        </p>
        {off ? (
          <p data-testid="temporal-off-hint" className="mt-0.5 flex items-start gap-1.5 text-sm text-slate-500">
            <Info className="mt-0.5 size-3.5 shrink-0 text-slate-400" aria-hidden="true" />
            <span>
              Swarm runs are Temporal workflows: start SwarmDeck with{" "}
              <code className="font-mono text-slate-700">SWARMDECK_TEMPORAL_ENABLED=true</code> for an embedded dev server,
              or set <code className="font-mono text-slate-700">SWARMDECK_TEMPORAL_ADDRESS</code> to use a cluster.
            </span>
          </p>
        ) : ui ? (
          <p className="mt-0.5 text-sm text-slate-500">
            Every run is a workflow execution; the Web UI shows its event history, its activities and their retries.
          </p>
        ) : (
          <p data-testid="temporal-ui-hint" className="mt-0.5 flex items-start gap-1.5 text-sm text-slate-500">
            <Info className="mt-0.5 size-3.5 shrink-0 text-slate-400" aria-hidden="true" />
            <span>
              The embedded Temporal server can serve its Web UI too: start SwarmDeck with{" "}
              <code className="font-mono text-slate-700">SWARMDECK_TEMPORAL_UI=true</code>. It listens on loopback only, as
              it has no login of its own.
            </span>
          </p>
        )}
      </div>
      {ui ? (
        <a
          data-testid="temporal-ui-link"
          href={ui}
          target="_blank"
          rel="noreferrer noopener"
          className="inline-flex h-9 items-center gap-1.5 rounded-lg bg-white px-3.5 text-sm font-medium text-slate-700 shadow-xs ring-1 ring-slate-300 ring-inset hover:bg-slate-50"
        >
          Open Temporal UI
          <ExternalLink className="size-3.5" aria-hidden="true" />
        </a>
      ) : null}
    </Card>
  );
}
