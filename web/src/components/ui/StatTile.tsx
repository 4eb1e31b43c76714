import type { LucideIcon } from "lucide-react";
import type { HTMLAttributes, ReactNode } from "react";
import { cn } from "../../lib/cn";
import { Skeleton } from "./Skeleton";

interface StatTileProps extends Omit<HTMLAttributes<HTMLElement>, "title"> {
  label: string;
  icon: LucideIcon;
  /** The big number; a skeleton while undefined. */
  value: ReactNode | undefined;
  /** Shown on hover over the number (the exact amount). */
  valueTitle?: string;
  footer?: ReactNode;
  /** Anything under the number before the footer (a progress bar). */
  children?: ReactNode;
}

/** One headline number with its label, as on a dashboard's top row. */
export function StatTile({ label, icon: Icon, value, valueTitle, footer, children, className, ...props }: StatTileProps) {
  return (
    <section
      className={cn("flex flex-col rounded-xl border border-slate-200 bg-white p-4 shadow-xs", className)}
      {...props}
    >
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</h3>
        <Icon className="size-4 text-slate-400" aria-hidden="true" />
      </div>
      {value === undefined ? (
        <Skeleton className="mt-3 h-7 w-28" />
      ) : (
        <p
          data-testid="stat-value"
          title={valueTitle}
          className="mt-2 truncate text-2xl font-semibold tracking-tight text-slate-900 tabular-nums"
        >
          {value}
        </p>
      )}
      {children}
      {footer ? <div className="mt-auto pt-2 text-xs text-slate-500">{footer}</div> : null}
    </section>
  );
}
