import { type QueryClient, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { ComponentStatus, SystemStatus } from "../../api/types";
import type { Tone } from "../../components/ui/Badge";
import type { BusEvent } from "../../live/busEvent";

export const systemStatusQueryKey = ["system", "status"] as const;

/** Version, mode and component health; kept fresh by `component.status` events, not polling. */
export function useSystemStatus() {
  return useQuery({
    queryKey: systemStatusQueryKey,
    queryFn: () => api<SystemStatus>("/api/system/status"),
    staleTime: Infinity,
  });
}

function isComponentStatus(value: unknown): value is ComponentStatus {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === "string" && typeof v.status === "string";
}

/** Fold a `system`/`component.status` event into the cached status, without a refetch. */
export function applyComponentStatus(queryClient: QueryClient, event: BusEvent): void {
  if (event.topic !== "system" || event.type !== "component.status") return;
  if (!isComponentStatus(event.data)) return;
  const update = event.data;
  queryClient.setQueryData<SystemStatus>(systemStatusQueryKey, (current) => {
    if (!current) return current;
    const known = current.components.some((c) => c.name === update.name);
    const components = known
      ? current.components.map((c) => (c.name === update.name ? { ...c, ...update } : c))
      : [...current.components, update];
    return { ...current, components };
  });
}

interface StatusStyle {
  tone: Tone;
  label: string;
  accent: string;
}

const STATUS_STYLES: Record<string, StatusStyle> = {
  ok: { tone: "success", label: "Operational", accent: "bg-emerald-500" },
  starting: { tone: "info", label: "Starting", accent: "bg-sky-500" },
  degraded: { tone: "warning", label: "Degraded", accent: "bg-amber-500" },
  down: { tone: "danger", label: "Down", accent: "bg-rose-500" },
};

export function statusStyle(status: string): StatusStyle {
  return STATUS_STYLES[status] ?? { tone: "neutral", label: status, accent: "bg-slate-400" };
}

/** The worst status wins: one component down means the system is not healthy. */
export function overallStatus(components: ReadonlyArray<{ status: string }>): string {
  const order = ["down", "degraded", "starting", "ok"];
  for (const status of order) {
    if (components.some((c) => c.status === status)) return status;
  }
  return components.length ? "ok" : "starting";
}
