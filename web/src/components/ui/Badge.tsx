import type { ReactNode } from "react";
import { cn } from "../../lib/cn";

export type Tone = "neutral" | "success" | "info" | "warning" | "danger" | "accent";

const TONES: Record<Tone, string> = {
  neutral: "bg-slate-100 text-slate-700 ring-slate-500/15",
  success: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  info: "bg-sky-50 text-sky-700 ring-sky-600/20",
  warning: "bg-amber-50 text-amber-800 ring-amber-600/25",
  danger: "bg-rose-50 text-rose-700 ring-rose-600/20",
  accent: "bg-indigo-50 text-indigo-700 ring-indigo-600/20",
};

interface BadgeProps {
  tone?: Tone;
  className?: string;
  title?: string;
  children: ReactNode;
}

export function Badge({ tone = "neutral", className, title, children }: BadgeProps) {
  return (
    <span
      title={title}
      className={cn(
        "inline-flex items-center gap-1 rounded-md px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        TONES[tone],
        className,
      )}
    >
      {children}
    </span>
  );
}
