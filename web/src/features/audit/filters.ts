// The audit filter bar's state lives in the address (shareable, survives reload); these turn
// it into the API's query string and decide whether a live record belongs in the view.
import { toDate } from "../../lib/format";
import type { AuditRecord, AuditResult } from "./types";

export interface AuditFilters {
  actor: string;
  action: string;
  resource_type: string;
  result: "" | AuditResult;
  /** `datetime-local` values (local time, no zone); converted to ISO 8601 for the API. */
  since: string;
  until: string;
}

export const EMPTY_FILTERS: AuditFilters = {
  actor: "",
  action: "",
  resource_type: "",
  result: "",
  since: "",
  until: "",
};

const KEYS = Object.keys(EMPTY_FILTERS) as Array<keyof AuditFilters>;
const RESULTS: ReadonlySet<string> = new Set(["success", "denied", "error"]);

export function filtersFromParams(params: URLSearchParams): AuditFilters {
  const result = params.get("result") ?? "";
  return {
    actor: params.get("actor") ?? "",
    action: params.get("action") ?? "",
    resource_type: params.get("resource_type") ?? "",
    result: RESULTS.has(result) ? (result as AuditResult) : "",
    since: params.get("since") ?? "",
    until: params.get("until") ?? "",
  };
}

export function filtersToParams(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filters[key].trim();
    if (value) params.set(key, value);
  }
  return params;
}

export function hasFilters(filters: AuditFilters): boolean {
  return KEYS.some((key) => filters[key].trim() !== "");
}

/** A `datetime-local` value as an ISO 8601 instant; empty when blank or unreadable. */
export function localToIso(value: string): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** The query string for /api/audit and /api/audit/export (times as ISO 8601). */
export function apiQuery(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const raw = filters[key].trim();
    const value = key === "since" || key === "until" ? localToIso(raw) : raw;
    if (value) params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}

/** Whether a record pushed live would have come back from the API with these filters. */
export function matchesFilters(record: AuditRecord, filters: AuditFilters): boolean {
  const equal = (wanted: string, actual: string | null | undefined) =>
    !wanted.trim() || wanted.trim() === (actual ?? "");
  const action = filters.action.trim();
  // As on the server: an action ending in `*` matches a prefix (`user.*`).
  const actionMatches = action.endsWith("*") ? record.action.startsWith(action.slice(0, -1)) : equal(action, record.action);
  if (!equal(filters.actor, record.actor.name)) return false;
  if (!actionMatches) return false;
  if (!equal(filters.resource_type, record.resource_type)) return false;
  if (filters.result && filters.result !== record.result) return false;
  const at = toDate(record.ts)?.getTime() ?? null;
  const since = localToIso(filters.since);
  const until = localToIso(filters.until);
  if (at !== null && since && at < Date.parse(since)) return false;
  if (at !== null && until && at >= Date.parse(until)) return false; // until is exclusive
  return true;
}
