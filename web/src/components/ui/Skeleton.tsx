import { cn } from "../../lib/cn";

/** A grey placeholder block that shimmers while data loads. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded-md bg-slate-200/70", className)} />;
}
