import { cn } from "../../lib/cn";
import type { Tone } from "./Badge";

const DOTS: Record<Tone, string> = {
  neutral: "bg-slate-400",
  success: "bg-emerald-500",
  info: "bg-sky-500",
  warning: "bg-amber-500",
  danger: "bg-rose-500",
  accent: "bg-indigo-500",
};

/** A small coloured dot; `pulse` adds a soft ring for live or transitional states. */
export function StatusDot({ tone, pulse = false }: { tone: Tone; pulse?: boolean }) {
  return (
    <span className="relative inline-flex size-2.5 shrink-0" aria-hidden="true">
      {pulse ? (
        <span
          className={cn("absolute inline-flex size-full animate-ping rounded-full opacity-60", DOTS[tone])}
        />
      ) : null}
      <span className={cn("relative inline-flex size-2.5 rounded-full", DOTS[tone])} />
    </span>
  );
}
