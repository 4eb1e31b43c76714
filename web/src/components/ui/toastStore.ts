import { create } from "zustand";
import { describeError } from "../../api/client";
import type { Tone } from "./Badge";

export interface Toast {
  id: number;
  tone: Extract<Tone, "success" | "danger" | "info">;
  title: string;
  message?: string;
}

interface ToastState {
  toasts: Toast[];
  show: (toast: Omit<Toast, "id">) => void;
  dismiss: (id: number) => void;
}

const LIFETIME_MS = { success: 4_000, info: 5_000, danger: 8_000 };
let nextId = 1;

/** Short notices in the corner: what an action did, or the server's reason it did not. */
export const useToastStore = create<ToastState>((set, get) => ({
  toasts: [],
  show: (toast) => {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts, { ...toast, id }].slice(-4) }));
    window.setTimeout(() => get().dismiss(id), LIFETIME_MS[toast.tone]);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

export const toast = {
  success: (title: string, message?: string) => useToastStore.getState().show({ tone: "success", title, message }),
  error: (title: string, message?: string) => useToastStore.getState().show({ tone: "danger", title, message }),
};

/** A failed action in a toast: what was tried, then the server's reason. */
export function toastFailure(what: string, error: unknown): void {
  toast.error(`Could not ${what}`, describeError(error));
}
