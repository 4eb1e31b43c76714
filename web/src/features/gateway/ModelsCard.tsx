import { ArrowRight, Waypoints } from "lucide-react";
import { Fragment } from "react";
import { Badge, type Tone } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { StatusDot } from "../../components/ui/StatusDot";
import { TBody, Td, Th, THead, Table, TableSkeleton } from "../../components/ui/Table";
import { cn } from "../../lib/cn";
import { useGatewayModels } from "./queries";
import type { Circuit, Deployment, GatewayModel } from "./types";

const CIRCUIT: Record<Circuit, { tone: Tone; label: string; title: string }> = {
  closed: { tone: "success", label: "Closed", title: "Healthy: calls flow" },
  "half-open": { tone: "warning", label: "Half-open", title: "Recovering: a trial call decides" },
  open: { tone: "danger", label: "Open", title: "Failing: calls go elsewhere until it cools down" },
};

const PRICED_BY: Record<string, { tone: Tone; label: string }> = {
  override: { tone: "accent", label: "config price" },
  "genai-prices": { tone: "info", label: "genai-prices" },
  default: { tone: "warning", label: "default price" },
};

export function CircuitBadge({ circuit }: { circuit: Circuit }) {
  const style = CIRCUIT[circuit];
  return (
    <Badge tone={style.tone} title={style.title}>
      <StatusDot tone={style.tone} pulse={circuit !== "closed"} />
      {style.label}
    </Badge>
  );
}

export const formatMs = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "—" : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;

function errorRate(d: Deployment) {
  if (d.error_rate === null) return <span className="text-slate-400">—</span>;
  const pct = d.error_rate * 100;
  return (
    <span className={cn("tabular-nums", pct >= 10 ? "font-medium text-rose-600" : pct > 0 ? "text-amber-700" : "text-slate-600")}>
      {pct < 10 && pct > 0 ? pct.toFixed(1) : Math.round(pct)}%
    </span>
  );
}

function ModelRows({ model }: { model: GatewayModel }) {
  const priced = model.priced_by ? PRICED_BY[model.priced_by] : null;
  return (
    <Fragment>
      <tr data-testid="gateway-model" data-model={model.name} className="bg-slate-50/70">
        <Td colSpan={8} className="py-2">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-sm font-semibold text-slate-900">{model.name}</span>
            {priced ? (
              <Badge tone={priced.tone}>{priced.label}</Badge>
            ) : (
              <Badge tone="danger" title="No price known: calls are refused">
                unpriced
              </Badge>
            )}
            {model.fallbacks.length ? (
              <span className="flex items-center gap-1 text-xs text-slate-500">
                <ArrowRight className="size-3" aria-hidden="true" />
                falls back to <span className="font-mono text-slate-700">{model.fallbacks.join(", ")}</span>
              </span>
            ) : null}
          </div>
        </Td>
      </tr>
      {model.deployments.map((d) => (
        <tr key={d.id} data-testid="gateway-deployment" data-circuit={d.circuit} className="hover:bg-slate-50/60">
          <Td className="py-2.5 pl-9">
            <p className="font-mono text-xs text-slate-800">{d.model}</p>
            <p className="mt-0.5 text-xs text-slate-500">
              {d.provider} <span className="text-slate-400">· {d.provider_type}</span>
              {model.deployments.length > 1 ? <span className="text-slate-400"> · weight {d.weight}</span> : null}
            </p>
          </Td>
          <Td className="py-2.5">
            <CircuitBadge circuit={d.circuit} />
          </Td>
          <Td className="py-2.5 text-right text-slate-700 tabular-nums">{d.requests.toLocaleString()}</Td>
          <Td className="py-2.5 text-right">{errorRate(d)}</Td>
          <Td className="py-2.5 text-right text-slate-700 tabular-nums">{formatMs(d.p50_ms)}</Td>
          <Td className="py-2.5 text-right text-slate-700 tabular-nums">{formatMs(d.p95_ms)}</Td>
          <Td className="py-2.5 text-xs whitespace-nowrap text-slate-500">
            {d.rpm || d.tpm ? [d.rpm ? `${d.rpm.toLocaleString()} rpm` : null, d.tpm ? `${d.tpm.toLocaleString()} tpm` : null].filter(Boolean).join(" · ") : "—"}
          </Td>
          <Td className="max-w-64 truncate py-2.5 text-xs text-rose-600" title={d.last_error ?? undefined}>
            {d.last_error ?? <span className="text-slate-400">—</span>}
          </Td>
        </tr>
      ))}
    </Fragment>
  );
}

/** Every alias with its deployments: circuit state, traffic, errors and latency on this replica. */
export function ModelsCard() {
  const models = useGatewayModels();
  const list = models.data?.models ?? [];
  const deployments = list.reduce((n, m) => n + m.deployments.length, 0);
  return (
    <Card data-testid="gateway-models">
      <CardHeader
        title="Models and deployments"
        description={
          models.data
            ? `${list.length} ${list.length === 1 ? "alias" : "aliases"}, ${deployments} ${deployments === 1 ? "deployment" : "deployments"}. Counts since this server started; latency over the last 512 calls.`
            : "Health of each deployment behind the aliases clients call."
        }
      />
      {models.isPending ? (
        <TableSkeleton columns={6} />
      ) : models.isError ? (
        <ErrorState error={models.error} what="the gateway's models" onRetry={() => void models.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState
          icon={Waypoints}
          title="No models configured"
          description="Add providers and model aliases to the YAML file to route calls through the gateway."
        />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th>Deployment</Th>
              <Th>Circuit</Th>
              <Th className="text-right">Requests</Th>
              <Th className="text-right">Errors</Th>
              <Th className="text-right">p50</Th>
              <Th className="text-right">p95</Th>
              <Th>Limits</Th>
              <Th>Last error</Th>
            </tr>
          </THead>
          <TBody>
            {list.map((m) => (
              <ModelRows key={m.name} model={m} />
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}
