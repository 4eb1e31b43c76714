import { ChevronRight } from "lucide-react";
import { Fragment, memo, useCallback, useLayoutEffect, useRef, useState } from "react";
import { Badge, type Tone } from "../../components/ui/Badge";
import { Spinner } from "../../components/ui/Spinner";
import { THead, Table, Th } from "../../components/ui/Table";
import { cn } from "../../lib/cn";
import { formatDateTime, toDate } from "../../lib/format";
import type { AuditRecord, AuditResult } from "./types";

const RESULT_TONES: Record<AuditResult, Tone> = { success: "success", denied: "danger", error: "warning" };

export function ResultBadge({ result }: { result: AuditResult }) {
  return <Badge tone={RESULT_TONES[result] ?? "neutral"}>{result}</Badge>;
}

function Meta({ label, value }: { label: string; value: string | number | null | undefined }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-semibold tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd className="mt-0.5 truncate font-mono text-xs text-slate-700" title={value == null ? undefined : String(value)}>
        {value == null || value === "" ? <span className="font-sans text-slate-400">—</span> : value}
      </dd>
    </div>
  );
}

interface RecordDetailsProps {
  record: AuditRecord;
  liveOnly: boolean;
  mayReadDetails: boolean;
}

function RecordDetails({ record, liveOnly, mayReadDetails }: RecordDetailsProps) {
  return (
    <div className="space-y-3 bg-slate-50/70 px-5 py-4" data-testid="audit-details">
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
        <Meta label="Sequence" value={record.seq} />
        <Meta label="Credential" value={record.credential_id} />
        <Meta label="Actor type" value={record.actor.type} />
        <Meta label="User agent" value={record.user_agent} />
        <Meta label="Record id" value={record.id} />
        <Meta label="Resource id" value={record.resource_id} />
        <Meta label="Hash" value={record.hash} />
        <Meta label="Previous hash" value={record.prev_hash} />
      </dl>
      {!mayReadDetails ? (
        <p className="text-xs text-slate-500">
          Details are hidden: your role does not include <code className="font-mono">audit:read:details</code>.
        </p>
      ) : liveOnly && record.details == null ? (
        <p className="flex items-center gap-2 text-xs text-slate-500">
          <Spinner className="size-3.5" /> This record arrived live; loading its details…
        </p>
      ) : record.details == null || Object.keys(record.details).length === 0 ? (
        <p className="text-xs text-slate-500">No details recorded.</p>
      ) : (
        <pre className="overflow-x-auto rounded-lg bg-slate-950 px-4 py-3 font-mono text-xs leading-relaxed text-slate-200">
          {JSON.stringify(record.details, null, 2)}
        </pre>
      )}
    </div>
  );
}

const Row = memo(function Row({
  record,
  fresh,
  expanded,
  onToggle,
}: {
  record: AuditRecord;
  fresh: boolean;
  expanded: boolean;
  onToggle: (id: string) => void;
}) {
  const date = toDate(record.ts);
  const hasDetails = record.details != null && Object.keys(record.details).length > 0;
  return (
    <tr
      data-testid="audit-row"
      data-action={record.action}
      data-seq={record.seq}
      onClick={() => onToggle(record.id)}
      className={cn(
        "cursor-pointer border-t border-slate-100 hover:bg-slate-50",
        expanded && "bg-slate-50",
        fresh && "animate-row-in",
      )}
    >
      <td className="py-2.5 pr-2 pl-5 align-middle">
        <button
          type="button"
          aria-expanded={expanded}
          aria-label={`${expanded ? "Hide" : "Show"} details of ${record.action} record ${record.seq}`}
          onClick={(e) => {
            e.stopPropagation();
            onToggle(record.id);
          }}
          className="rounded p-0.5 text-slate-400 hover:text-slate-700"
        >
          <ChevronRight className={cn("size-4 transition-transform", expanded && "rotate-90")} aria-hidden="true" />
        </button>
      </td>
      <td className="px-3 py-2.5 whitespace-nowrap">
        <time
          dateTime={date?.toISOString()}
          title={date ? formatDateTime(date) : undefined}
          className="font-mono text-xs text-slate-600 tabular-nums"
        >
          {date ? date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" }) : "—"}
        </time>
      </td>
      <td className="px-3 py-2.5">
        <span className="font-medium text-slate-900">{record.actor.name}</span>
        {record.actor.role ? <span className="ml-1.5 text-xs text-slate-500">{record.actor.role}</span> : null}
      </td>
      <td className="px-3 py-2.5">
        <span className="font-mono text-xs font-medium text-slate-800">{record.action}</span>
        {hasDetails ? (
          <span className="ml-1.5 inline-block size-1.5 rounded-full bg-indigo-400 align-middle" title="Has details" />
        ) : null}
      </td>
      <td className="max-w-64 truncate px-3 py-2.5 text-slate-700" title={`${record.resource_type}${record.resource_id ? `/${record.resource_id}` : ""}`}>
        <span className="text-slate-500">{record.resource_type}</span>
        {record.resource_id ? <span className="font-mono text-xs"> / {record.resource_id}</span> : null}
      </td>
      <td className="px-3 py-2.5">
        <ResultBadge result={record.result} />
      </td>
      <td className="px-3 py-2.5 pr-5 font-mono text-xs text-slate-500">{record.client_address ?? "—"}</td>
    </tr>
  );
});

interface AuditTableProps {
  records: AuditRecord[];
  /** Ids that arrived live, briefly highlighted. */
  freshIds: ReadonlySet<string>;
  /** Ids known only from the live stream, so without their details yet. */
  liveOnlyIds: ReadonlySet<string>;
  /** Fetch the server's copy of live records, which carries the details. */
  onNeedDetails: () => void;
  /** The server sends details only to roles with `audit:read:details`. */
  mayReadDetails: boolean;
}

export function AuditTable({ records, freshIds, liveOnlyIds, onNeedDetails, mayReadDetails }: AuditTableProps) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  // The row callback stays the same function, so memoised rows do not re-render per event.
  const needDetails = useRef(onNeedDetails);
  const liveOnly = useRef(liveOnlyIds);
  const mayRead = useRef(mayReadDetails);
  useLayoutEffect(() => {
    needDetails.current = onNeedDetails;
    liveOnly.current = liveOnlyIds;
    mayRead.current = mayReadDetails;
  });
  const toggle = useCallback((id: string) => {
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
    if (liveOnly.current.has(id) && mayRead.current) needDetails.current();
  }, []);

  return (
    <Table className="table-auto">
      <THead>
        <tr>
          <th scope="col" className="w-9 pl-5">
            <span className="sr-only">Details</span>
          </th>
          <Th className="px-3">Time</Th>
          <Th className="px-3">Actor</Th>
          <Th className="px-3">Action</Th>
          <Th className="px-3">Resource</Th>
          <Th className="px-3">Result</Th>
          <Th className="px-3 pr-5">Client</Th>
        </tr>
      </THead>
      <tbody>
        {records.map((record) => (
          <Fragment key={record.id}>
            <Row record={record} fresh={freshIds.has(record.id)} expanded={expanded.has(record.id)} onToggle={toggle} />
            {expanded.has(record.id) ? (
              <tr>
                <td colSpan={7} className="p-0">
                  <RecordDetails
                    record={record}
                    liveOnly={liveOnlyIds.has(record.id)}
                    mayReadDetails={mayReadDetails}
                  />
                </td>
              </tr>
            ) : null}
          </Fragment>
        ))}
      </tbody>
    </Table>
  );
}
