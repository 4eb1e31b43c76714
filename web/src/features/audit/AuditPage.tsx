import { Download, History, Radio, ScrollText, ShieldCheck } from "lucide-react";
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { PageHeader } from "../../components/ui/PageHeader";
import { StatusDot } from "../../components/ui/StatusDot";
import { Switch } from "../../components/ui/Switch";
import { TableSkeleton } from "../../components/ui/Table";
import { useConnectionStore } from "../../live/connectionStore";
import { useCan } from "../auth/permissions";
import { RequirePermission } from "../auth/RequirePermission";
import { AuditFilterBar } from "./AuditFilterBar";
import { AuditTable } from "./AuditTable";
import { type AuditFilters, filtersFromParams, filtersToParams, hasFilters } from "./filters";
import { useLiveAudit } from "./liveAudit";
import { exportHref, useAuditLog, useVerifyChain } from "./queries";
import { VerifyResult } from "./VerifyChain";

const LINK_BUTTON =
  "inline-flex h-9 items-center gap-1.5 rounded-lg bg-white px-3.5 text-sm font-medium text-slate-700 shadow-xs ring-1 ring-slate-300 ring-inset hover:bg-slate-50";

function AuditLog() {
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  // One object per address, so effects keyed on the filters run only when they change.
  const filters = useMemo(() => filtersFromParams(new URLSearchParams(search)), [search]);
  const [tail, setTail] = useState(true);
  const log = useAuditLog(filters);
  const { live, pending, showPending } = useLiveAudit(filters, tail);
  const verify = useVerifyChain();
  const streamOpen = useConnectionStore((s) => s.sse === "open");

  const apply = (next: AuditFilters) => setParams(filtersToParams(next), { replace: true });

  const loaded = useMemo(() => log.data?.pages.flatMap((page) => page.records) ?? [], [log.data]);
  const records = useMemo(() => {
    // A refetch may bring back what already arrived live: the server's copy (with details) wins.
    const known = new Set(loaded.map((r) => r.id));
    return [...live.filter((r) => !known.has(r.id)), ...loaded];
  }, [live, loaded]);
  const freshIds = useMemo(() => new Set(live.map((r) => r.id)), [live]);
  const liveOnlyIds = useMemo(() => {
    const known = new Set(loaded.map((r) => r.id));
    return new Set(live.filter((r) => !known.has(r.id)).map((r) => r.id));
  }, [live, loaded]);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Audit"
        description="Every change and every refused request, in a hash chain that shows if a record was altered or removed."
        actions={
          <>
            <Button onClick={() => verify.mutate()} loading={verify.isPending}>
              {verify.isPending ? null : <ShieldCheck className="size-4" aria-hidden="true" />}
              Verify chain
            </Button>
            <a className={LINK_BUTTON} href={exportHref("csv", filters)} download>
              <Download className="size-4" aria-hidden="true" />
              Export CSV
            </a>
            <a className={LINK_BUTTON} href={exportHref("json", filters)} download>
              <Download className="size-4" aria-hidden="true" />
              Export JSON
            </a>
          </>
        }
      />

      <VerifyResult result={verify.data} error={verify.error} />

      <Card data-testid="audit-log">
        <CardHeader
          title={
            <span className="flex items-center gap-2">
              Records
              {tail ? <StatusDot tone={streamOpen ? "success" : "warning"} pulse={streamOpen} /> : null}
            </span>
          }
          description={
            tail
              ? streamOpen
                ? "Newest first. New records appear as they are written."
                : "Newest first. Live tail is waiting for the event stream to reconnect."
              : "Newest first. Live tail is paused."
          }
          actions={
            <>
              {pending > 0 ? (
                <Button size="sm" variant="ghost" onClick={showPending}>
                  <Radio className="size-3.5" aria-hidden="true" />
                  {pending} new {pending === 1 ? "record" : "records"}
                </Button>
              ) : null}
              <Switch
                label="Live tail"
                checked={tail}
                onChange={(on) => {
                  setTail(on);
                  if (on) showPending();
                }}
              />
            </>
          }
        />
        <AuditFilterBar filters={filters} onApply={apply} />
        {log.isPending ? (
          <TableSkeleton columns={6} />
        ) : log.isError ? (
          <ErrorState error={log.error} what="the audit log" onRetry={() => void log.refetch()} />
        ) : records.length === 0 ? (
          hasFilters(filters) ? (
            <EmptyState icon={ScrollText} title="No records match" description="Try a wider time range or clear the filters." />
          ) : (
            <EmptyState icon={History} title="No audit records yet" description="Changes made through the API appear here." />
          )
        ) : (
          <>
            <AuditTable
              records={records}
              freshIds={freshIds}
              liveOnlyIds={liveOnlyIds}
              onNeedDetails={() => void log.refetch()}
              mayReadDetails={can("audit", "read", "details")}
            />
            <div className="flex items-center justify-between border-t border-slate-100 px-5 py-3 text-xs text-slate-500">
              <span data-testid="audit-count">
                {records.length.toLocaleString()} {records.length === 1 ? "record" : "records"} shown
              </span>
              {log.hasNextPage ? (
                <Button size="sm" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
                  Load more
                </Button>
              ) : (
                <span>End of the log</span>
              )}
            </div>
          </>
        )}
      </Card>
    </div>
  );
}

export function AuditPage() {
  return (
    <RequirePermission what="the audit log" needs="audit:read:records" allowed={(can) => can("audit", "read", "records")}>
      <AuditLog />
    </RequirePermission>
  );
}
