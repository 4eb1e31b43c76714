import { cn } from "../../lib/cn";
import type { BudgetLevels } from "./budgetMath";

const FILL: Record<string, string> = {
  success: "bg-emerald-500",
  warning: "bg-amber-500",
  danger: "bg-rose-500",
};

const pct = (fraction: number) => `${Math.min(100, Math.max(0, fraction * 100)).toFixed(2)}%`;

/** Spent (solid) and reserved (striped) against the limit, with a tick where the alert fires. */
export function BudgetBar({ levels, className }: { levels: BudgetLevels; className?: string }) {
  const spent = levels.spent ?? 0;
  const reserved = levels.reserved ?? 0;
  return (
    <div className={cn("relative h-2 rounded-full bg-slate-100", className)} aria-hidden="true">
      <div className="absolute inset-0 flex overflow-hidden rounded-full">
        <div className={cn("h-full transition-[width] duration-300", FILL[levels.tone] ?? FILL.success)} style={{ width: pct(spent) }} />
        <div
          className="h-full bg-[repeating-linear-gradient(135deg,var(--color-slate-400)_0_3px,transparent_3px_6px)] opacity-70 transition-[width] duration-300"
          style={{ width: pct(Math.min(reserved, Math.max(0, 1 - spent))) }}
        />
      </div>
      {levels.alert !== null && levels.alert > 0 && levels.alert < 1 ? (
        <div className="absolute -top-1 -bottom-1 w-0.5 rounded bg-amber-600" style={{ left: pct(levels.alert) }} title="Alert threshold" />
      ) : null}
    </div>
  );
}
