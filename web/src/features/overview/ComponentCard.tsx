import {
  Cpu,
  Database,
  Gauge,
  type LucideIcon,
  Plug,
  Radio,
  Waypoints,
  Workflow,
} from "lucide-react";
import { memo } from "react";
import type { ComponentStatus } from "../../api/types";
import { Badge } from "../../components/ui/Badge";
import { StatusDot } from "../../components/ui/StatusDot";
import { cn } from "../../lib/cn";
import { formatDateTime, formatRelative, humanize, toDate } from "../../lib/format";
import { statusStyle } from "./systemStatus";

const ICONS: Array<[RegExp, LucideIcon]> = [
  [/database|db|storage/i, Database],
  [/bus|event|pubsub/i, Radio],
  [/counter|limit/i, Gauge],
  [/temporal|workflow|worker/i, Workflow],
  [/gateway|provider/i, Waypoints],
  [/mcp|bridge/i, Plug],
];

function iconFor(name: string): LucideIcon {
  return ICONS.find(([pattern]) => pattern.test(name))?.[1] ?? Cpu;
}

interface ComponentCardProps {
  component: ComponentStatus;
  now: number;
}

export const ComponentCard = memo(function ComponentCard({ component, now }: ComponentCardProps) {
  const style = statusStyle(component.status);
  const Icon = iconFor(component.name);
  const changed = toDate(component.changed_at);
  const healthy = component.status === "ok";

  return (
    <article
      data-testid="component-card"
      data-component={component.name}
      data-status={component.status}
      className="relative flex flex-col overflow-hidden rounded-xl border border-slate-200 bg-white p-4 shadow-xs"
    >
      <span aria-hidden="true" className={cn("absolute inset-y-0 left-0 w-1", style.accent)} />
      <div className="flex items-center justify-between gap-3">
        <div className="flex min-w-0 items-center gap-3">
          <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-slate-100 text-slate-600">
            <Icon className="size-4.5" aria-hidden="true" />
          </div>
          <h3 className="truncate text-sm font-semibold text-slate-900" title={component.name}>
            {humanize(component.name)}
          </h3>
        </div>
        <Badge tone={style.tone}>
          <StatusDot tone={style.tone} pulse={component.status === "starting"} />
          {style.label}
        </Badge>
      </div>
      <p
        className={cn("mt-3 line-clamp-2 min-h-10 text-sm", healthy ? "text-slate-500" : "text-slate-700")}
        title={component.detail ?? undefined}
      >
        {component.detail || (healthy ? "No issues reported." : "No detail reported.")}
      </p>
      <p className="mt-3 border-t border-slate-100 pt-3 text-xs text-slate-500">
        {changed ? (
          <time dateTime={changed.toISOString()} title={formatDateTime(changed)}>
            Status since {formatRelative(changed, now)}
          </time>
        ) : (
          "Status time unknown"
        )}
      </p>
    </article>
  );
});
