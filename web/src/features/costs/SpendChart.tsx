import { ChartColumn } from "lucide-react";
import { useMemo } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, type TooltipContentProps, XAxis, YAxis } from "recharts";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { Skeleton } from "../../components/ui/Skeleton";
import { formatUsd, formatUsdAxis, usdNumber } from "../../lib/money";
import { OTHER_COLOR, seriesColor } from "./chartColors";
import { useCostTimeseries } from "./queries";
import { type CostTimeseries, type CostWindow, windowLabel } from "./types";

/** How many models get their own colour; the rest share "other". */
const MAX_SERIES = 6;
const OTHER = "other";
const NONE = "(none)";

interface Chart {
  rows: Array<Record<string, number>>;
  series: string[];
  total: number;
}

/** Buckets as chart rows, one numeric column per model (floats: for drawing only). */
export function toChart(data: CostTimeseries): Chart {
  const totals = new Map<string, number>();
  for (const point of data.points) {
    for (const g of point.groups) {
      const key = g.key ?? NONE;
      totals.set(key, (totals.get(key) ?? 0) + usdNumber(g.cost_usd));
    }
  }
  // Models whose calls all cost nothing (refused, cache hits) would only crowd the legend.
  const ranked = [...totals]
    .filter(([, total]) => total > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([key]) => key);
  const named = new Set(ranked.slice(0, ranked.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES));
  const series = [...named];
  if (ranked.length > named.size) series.push(OTHER);
  const rows = data.points.map((point) => {
    const row: Record<string, number> = { t: new Date(point.start).getTime() };
    for (const key of series) row[key] = 0;
    for (const g of point.groups) {
      const key = g.key ?? NONE;
      const cost = usdNumber(g.cost_usd);
      if (cost === 0) continue;
      const column = named.has(key) ? key : OTHER;
      row[column] = (row[column] ?? 0) + cost;
    }
    return row;
  });
  return { rows, series, total: [...totals.values()].reduce((a, b) => a + b, 0) };
}

function tickFormatter(window: CostWindow) {
  return (t: number) => {
    const date = new Date(t);
    if (window === "1h" || window === "1d") {
      return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    }
    if (window === "1w") return date.toLocaleString(undefined, { weekday: "short", hour: "numeric" });
    return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  };
}

function ChartTooltip({ active, payload, label, window }: TooltipContentProps<number, string> & { window: CostWindow }) {
  if (!active || !payload?.length) return null;
  const entries = payload.filter((p) => typeof p.value === "number" && p.value > 0);
  const total = entries.reduce((sum, p) => sum + (p.value as number), 0);
  const date = new Date(Number(label));
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-3 py-2 text-xs shadow-lg">
      <p className="font-medium text-slate-900">
        {window === "1h" || window === "1d"
          ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
          : date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })}
        <span className="ml-2 font-normal text-slate-500">{formatUsd(total)}</span>
      </p>
      {entries.length ? (
        <ul className="mt-1 space-y-0.5">
          {entries.map((p) => (
            <li key={String(p.dataKey)} className="flex items-center gap-2">
              <span className="size-2 rounded-sm" style={{ backgroundColor: p.color }} aria-hidden="true" />
              <span className="text-slate-600">{p.name}</span>
              <span className="ml-auto pl-4 text-slate-900 tabular-nums">{formatUsd(p.value as number)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-1 text-slate-500">No spend</p>
      )}
    </div>
  );
}

/** Spend per time bucket, stacked by model alias, over the page's window. */
export function SpendChart({ window }: { window: CostWindow }) {
  const series = useCostTimeseries(window, "model");
  const chart = useMemo(() => (series.data ? toChart(series.data) : null), [series.data]);
  const bucket = series.data ? series.data.bucket_seconds : null;

  return (
    <Card data-testid="spend-chart" className="flex flex-col">
      <CardHeader
        title="Spend over time by model"
        description={
          bucket
            ? `${windowLabel(window)}, per ${bucket >= 86_400 ? `${bucket / 86_400} d` : bucket >= 3600 ? `${bucket / 3600} h` : `${bucket / 60} min`}`
            : windowLabel(window)
        }
      />
      <div className="h-72 px-3 pt-4 pb-2">
        {series.isError ? (
          <ErrorState error={series.error} what="spend over time" onRetry={() => void series.refetch()} />
        ) : !chart ? (
          <Skeleton className="mx-2 h-full" />
        ) : chart.total === 0 ? (
          <EmptyState icon={ChartColumn} title="No spend in this window" description="Calls through the gateway show up here as they happen." />
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={chart.rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap={1}>
              <CartesianGrid vertical={false} stroke="#e2e8f0" />
              <XAxis
                dataKey="t"
                tickFormatter={tickFormatter(window)}
                tick={{ fontSize: 11, fill: "#64748b" }}
                tickLine={false}
                axisLine={{ stroke: "#cbd5e1" }}
                minTickGap={24}
              />
              <YAxis
                tickFormatter={formatUsdAxis}
                tick={{ fontSize: 11, fill: "#64748b" }}
                tickLine={false}
                axisLine={false}
                width={68}
              />
              <Tooltip
                cursor={{ fill: "#f1f5f9" }}
                content={(props) => <ChartTooltip {...(props as TooltipContentProps<number, string>)} window={window} />}
              />
              <Legend iconType="square" iconSize={8} wrapperStyle={{ fontSize: 12, paddingTop: 4 }} />
              {chart.series.map((key, index) => (
                <Bar
                  key={key}
                  dataKey={key}
                  name={key}
                  stackId="spend"
                  fill={key === OTHER ? OTHER_COLOR : seriesColor(index)}
                  isAnimationActive={false}
                  maxBarSize={28}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        )}
      </div>
    </Card>
  );
}
