import type { ReactNode } from "react";
import { Button } from "./Button";
import { Dialog, FormError } from "./Dialog";

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The button that closes the dialog without acting ("Cancel" unless the action is itself a cancel). */
  dismissLabel?: string;
  onConfirm: () => void;
  onClose: () => void;
  pending?: boolean;
  error?: string | null;
}

/** "Are you sure?" for destructive actions; the confirm button is red and says what it does. */
export function ConfirmDialog({ title, children, confirmLabel, dismissLabel = "Cancel", onConfirm, onClose, pending, error }: ConfirmDialogProps) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>{dismissLabel}</Button>
          <Button variant="danger" onClick={onConfirm} loading={pending}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div className="space-y-4 text-sm text-slate-600">
        <div>{children}</div>
        <FormError>{error}</FormError>
      </div>
    </Dialog>
  );
}
