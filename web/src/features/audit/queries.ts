import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { api } from "../../api/client";
import { type AuditFilters, apiQuery, EMPTY_FILTERS } from "./filters";
import type { AuditPage, AuditVerification } from "./types";

export const auditQueryKey = ["audit"] as const;
export const PAGE_SIZE = 50;

/** The audit log, newest first, a page at a time by the server's cursor. */
export function useAuditLog(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: [...auditQueryKey, "records", filters],
    queryFn: ({ pageParam, signal }) =>
      api<AuditPage>(
        `/api/audit?${apiQuery(filters, { limit: String(PAGE_SIZE), ...(pageParam ? { cursor: pageParam } : {}) })}`,
        { signal },
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** Re-walk the hash chain on the server; a mutation, because each press is a new check. */
export function useVerifyChain() {
  return useMutation({ mutationFn: () => api<AuditVerification>("/api/audit/verify") });
}

/** Where the browser downloads an export: a plain link, so the session cookie goes along. */
export function exportHref(format: "csv" | "json", filters: AuditFilters): string {
  const window = { ...EMPTY_FILTERS, since: filters.since, until: filters.until };
  return `/api/audit/export?${apiQuery(window, { format })}`;
}
