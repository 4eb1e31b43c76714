// Audit records pushed on the bus (`audit` topic, type `audit.record`) while the page is open.
import { useCallback, useEffect, useState } from "react";
import type { BusEvent } from "../../live/busEvent";
import { useTopicEvents } from "../../live/topicListeners";
import { type AuditFilters, matchesFilters } from "./filters";
import type { AuditRecord } from "./types";

/** How many live records the page holds above the loaded pages before the oldest drop off. */
const LIVE_LIMIT = 500;

/** The record in a bus event, or null when the event is something else. */
export function toAuditRecord(event: BusEvent): AuditRecord | null {
  if (event.type !== "audit.record") return null;
  const data = event.data;
  if (!data || typeof data !== "object") return null;
  const r = data as Record<string, unknown>;
  const actor = r.actor as Record<string, unknown> | null | undefined;
  if ((typeof r.id !== "string" && typeof r.id !== "number") || typeof r.action !== "string") return null;
  if (!actor || typeof actor !== "object" || typeof actor.name !== "string") return null;
  return { ...(data as AuditRecord), id: String(r.id) };
}

function mergeNewest(into: AuditRecord[], added: AuditRecord[]): AuditRecord[] {
  const known = new Set(into.map((r) => r.id));
  const fresh = added.filter((r) => !known.has(r.id));
  if (fresh.length === 0) return into;
  return [...fresh, ...into].sort((a, b) => b.seq - a.seq).slice(0, LIVE_LIMIT);
}

/**
 * Records that arrived live and match the filters. With `tail` on they join the list at once;
 * off, they wait in `pending` until `showPending()`, so the table holds still while read.
 */
export function useLiveAudit(filters: AuditFilters, tail: boolean) {
  const [live, setLive] = useState<AuditRecord[]>([]);
  const [pending, setPending] = useState<AuditRecord[]>([]);

  // New filters mean a fresh first page from the server: what came live before is in it or excluded.
  useEffect(() => {
    setLive([]);
    setPending([]);
  }, [filters]);

  useTopicEvents("audit", (event) => {
    const record = toAuditRecord(event);
    if (!record || !matchesFilters(record, filters)) return;
    if (tail) setLive((current) => mergeNewest(current, [record]));
    else setPending((current) => mergeNewest(current, [record]));
  });

  const showPending = useCallback(() => {
    setLive((current) => mergeNewest(current, pending));
    setPending([]);
  }, [pending]);

  return { live, pending: pending.length, showPending };
}
