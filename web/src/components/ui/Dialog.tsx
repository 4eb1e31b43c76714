import { X } from "lucide-react";
import { type ReactNode, useEffect, useId, useRef } from "react";
import { cn } from "../../lib/cn";

interface DialogProps {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  /** False for dialogs a stray click or Escape must not close (a secret shown once). */
  dismissible?: boolean;
  size?: "md" | "lg";
  children: ReactNode;
  footer?: ReactNode;
}

/**
 * A modal on the native <dialog>: focus trap, Escape and the top layer come from the browser.
 * Mount it to open and unmount it to close, so nothing it showed stays in the page.
 */
export function Dialog({ title, description, onClose, dismissible = true, size = "md", children, footer }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={(event) => {
        event.preventDefault(); // Closing is the parent's decision: it unmounts us.
        if (dismissible) onClose();
      }}
      onClick={(event) => {
        // The dialog element itself is only hit outside the panel: that is the backdrop.
        if (dismissible && event.target === event.currentTarget) onClose();
      }}
      className={cn(
        "m-auto w-[calc(100%-2rem)] rounded-2xl bg-transparent p-0 text-slate-900",
        "backdrop:bg-slate-950/50 backdrop:backdrop-blur-[2px]",
        size === "lg" ? "max-w-2xl" : "max-w-md",
      )}
    >
      <div className="rounded-2xl border border-slate-200 bg-white shadow-2xl">
        <header className="flex items-start justify-between gap-4 border-b border-slate-100 px-6 pt-5 pb-4">
          <div className="min-w-0">
            <h2 id={titleId} className="text-base font-semibold text-slate-900">
              {title}
            </h2>
            {description ? (
              <p id={descriptionId} className="mt-1 text-sm text-slate-500">
                {description}
              </p>
            ) : null}
          </div>
          {dismissible ? (
            <button
              type="button"
              onClick={onClose}
              aria-label="Close"
              className="-mr-2 rounded-md p-1.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
            >
              <X className="size-4" aria-hidden="true" />
            </button>
          ) : null}
        </header>
        <div className="px-6 py-5">{children}</div>
        {footer ? (
          <footer className="flex justify-end gap-2 rounded-b-2xl border-t border-slate-100 bg-slate-50/70 px-6 py-3.5">
            {footer}
          </footer>
        ) : null}
      </div>
    </dialog>
  );
}

/** An inline error inside a dialog or form: the server's words, announced to screen readers. */
export function FormError({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-700">
      {children}
    </div>
  );
}
