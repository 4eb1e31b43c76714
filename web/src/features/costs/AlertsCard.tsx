import { BellOff, BellRing, CircleCheck } from "lucide-react";
import { Badge, type Tone } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { RelativeTime } from "../../components/ui/RelativeTime";
import { TableSkeleton } from "../../components/ui/Table";
import { cn } from "../../lib/cn";
import { useNow } from "../../lib/useNow";
import { useAlerts } from "./queries";
import type { Alert } from "./types";

const SEVERITY: Record<Alert["severity"], Tone> = { info: "info", warning: "warning", critical: "danger" };

function AlertRow({ alert, now }: { alert: Alert; now: number }) {
  const open = alert.state === "open";
  return (
    <li data-testid="alert-row" data-state={alert.state} className="flex gap-3 px-5 py-3">
      {open ? (
        <BellRing className={cn("mt-0.5 size-4 shrink-0", alert.severity === "critical" ? "text-rose-500" : "text-amber-500")} aria-hidden="true" />
      ) : (
        <CircleCheck className="mt-0.5 size-4 shrink-0 text-emerald-500" aria-hidden="true" />
      )}
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-1.5">
          <Badge tone={open ? SEVERITY[alert.severity] : "neutral"}>{alert.severity}</Badge>
          <span className="text-xs text-slate-500">
            {alert.scope === "notice" ? alert.rule.replace(/_/g, " ") : `${alert.scope} ${alert.name}${alert.window ? ` · ${alert.window}` : ""}`}
          </span>
        </div>
        <p className={cn("mt-1 text-sm", open ? "text-slate-800" : "text-slate-500")}>{alert.message}</p>
        <p className="mt-0.5 text-xs text-slate-500">
          fired <RelativeTime value={alert.fired_at} now={now} />
          {alert.resolved_at ? (
            <>
              {" "}
              · resolved <RelativeTime value={alert.resolved_at} now={now} />
            </>
          ) : null}
        </p>
      </div>
    </li>
  );
}

/** Fired alerts, open ones first; each arrives live on the `alerts` topic. */
export function AlertsCard() {
  const alerts = useAlerts();
  const now = useNow();
  const rows = alerts.data ? [...alerts.data].sort((a, b) => Number(b.state === "open") - Number(a.state === "open")) : [];
  const open = rows.filter((a) => a.state === "open").length;
  return (
    <Card data-testid="alerts" className="flex flex-col">
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Alerts
            {open ? <Badge tone="danger">{open} open</Badge> : null}
          </span>
        }
        description="Spend-rate and budget alerts: open ones first, then the newest."
      />
      {alerts.isPending ? (
        <TableSkeleton columns={2} />
      ) : alerts.isError ? (
        <ErrorState error={alerts.error} what="alerts" onRetry={() => void alerts.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState icon={BellOff} title="No alerts have fired" description="Alerts fire at 50, 80 and 100 % of a budget and when spend rate crosses its threshold." />
      ) : (
        <ul className="max-h-[26rem] divide-y divide-slate-100 overflow-y-auto">
          {rows.map((a) => (
            <AlertRow key={a.id} alert={a} now={now} />
          ))}
        </ul>
      )}
    </Card>
  );
}
