import { CircleCheck, CircleX, Info, X } from "lucide-react";
import { cn } from "../../lib/cn";
import { useToastStore } from "./toastStore";

const ICONS = { success: CircleCheck, danger: CircleX, info: Info };
const ICON_CLASS = { success: "text-emerald-500", danger: "text-rose-500", info: "text-sky-500" };

export function Toaster() {
  const toasts = useToastStore((s) => s.toasts);
  const dismiss = useToastStore((s) => s.dismiss);
  return (
    <div className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-96 max-w-[calc(100vw-2rem)] flex-col gap-2">
      {toasts.map((t) => {
        const Icon = ICONS[t.tone];
        return (
          <div
            key={t.id}
            data-testid="toast"
            role={t.tone === "danger" ? "alert" : "status"}
            className="pointer-events-auto flex items-start gap-3 rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-lg"
          >
            <Icon className={cn("mt-0.5 size-4.5 shrink-0", ICON_CLASS[t.tone])} aria-hidden="true" />
            <div className="min-w-0 flex-1">
              <p className="text-sm font-medium text-slate-900">{t.title}</p>
              {t.message ? <p className="mt-0.5 text-sm break-words text-slate-600">{t.message}</p> : null}
            </div>
            <button
              type="button"
              onClick={() => dismiss(t.id)}
              aria-label="Dismiss"
              className="-mr-1 rounded p-0.5 text-slate-400 hover:text-slate-700"
            >
              <X className="size-4" aria-hidden="true" />
            </button>
          </div>
        );
      })}
    </div>
  );
}
