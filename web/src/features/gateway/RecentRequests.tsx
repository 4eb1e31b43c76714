import { Inbox } from "lucide-react";
import { memo } from "react";
import { Badge, type Tone } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { TBody, Td, Th, THead, Table, TableSkeleton } from "../../components/ui/Table";
import { formatClock, formatDateTime, toDate } from "../../lib/format";
import { exactUsd, formatUsd, toNanos } from "../../lib/money";
import { RECENT_CALLS, useRecentCalls } from "../costs/queries";
import type { LedgerCall } from "../costs/types";
import { formatMs } from "./ModelsCard";

const CACHE: Record<LedgerCall["cache"], { tone: Tone; label: string }> = {
  hit: { tone: "success", label: "hit" },
  "semantic-hit": { tone: "accent", label: "semantic hit" },
  miss: { tone: "neutral", label: "miss" },
  off: { tone: "neutral", label: "off" },
};

function StatusBadge({ call }: { call: LedgerCall }) {
  if (call.status === "ok") return <Badge tone="success">{call.status_code}</Badge>;
  return (
    <Badge tone={call.status === "refused" ? "warning" : "danger"} title={call.error_type ?? undefined}>
      {call.status_code} {call.error_type ?? call.status}
    </Badge>
  );
}

const CallRow = memo(function CallRow({ call }: { call: LedgerCall }) {
  const at = toDate(call.at);
  const cache = CACHE[call.cache] ?? CACHE.miss;
  const saved = toNanos(call.saved_usd) > 0n;
  // What answered: the deployment's model (when it differs from the alias) and its provider.
  const served = [call.model !== call.alias ? call.model : null, call.provider].filter(Boolean).join(" · ");
  return (
    <tr data-testid="request-row" data-call-id={call.id} className="animate-row-in hover:bg-slate-50/60">
      <Td className="py-2 font-mono text-xs whitespace-nowrap text-slate-500" title={at ? formatDateTime(at) : undefined}>
        {at ? formatClock(at) : "—"}
      </Td>
      <Td className="py-2">
        <p className="font-mono text-xs font-medium text-slate-800">{call.alias}</p>
        {served ? <p className="text-[11px] text-slate-500">{served}</p> : null}
      </Td>
      <Td className="py-2">
        <StatusBadge call={call} />
      </Td>
      <Td className="py-2 text-right text-xs whitespace-nowrap text-slate-600 tabular-nums" title={`${call.cached_input_tokens} cached input, ${call.reasoning_tokens} reasoning`}>
        {call.input_tokens.toLocaleString()} / {call.output_tokens.toLocaleString()}
      </Td>
      <Td className="py-2 text-right text-xs font-medium whitespace-nowrap text-slate-900 tabular-nums" title={exactUsd(call.cost_usd)}>
        {formatUsd(call.cost_usd)}
        {saved ? <p className="font-normal text-emerald-600">saved {formatUsd(call.saved_usd)}</p> : null}
      </Td>
      <Td className="py-2 text-right text-xs whitespace-nowrap text-slate-600 tabular-nums">
        {formatMs(call.latency_ms)}
        {call.ttft_ms !== null ? <p className="text-slate-400">ttft {formatMs(call.ttft_ms)}</p> : null}
      </Td>
      <Td className="py-2">
        <Badge tone={cache.tone}>{cache.label}</Badge>
      </Td>
      <Td className="max-w-40 truncate py-2 text-xs text-slate-600" title={[call.swarm, call.agent].filter(Boolean).join(" / ")}>
        {call.swarm || call.agent ? (
          <>
            {call.swarm ?? <span className="text-slate-400">—</span>}
            {call.agent ? <span className="text-slate-400"> / {call.agent}</span> : null}
          </>
        ) : (
          <span className="text-slate-400">—</span>
        )}
      </Td>
    </tr>
  );
});

/** The latest calls through the gateway, newest first; new ones slide in from the `costs` stream. */
export function RecentRequests() {
  const calls = useRecentCalls();
  const rows = calls.data?.calls ?? [];
  return (
    <Card data-testid="recent-requests">
      <CardHeader title="Recent requests" description={`The last ${RECENT_CALLS} calls, as the ledger records them. New calls appear as they finish.`} />
      {calls.isPending ? (
        <TableSkeleton columns={8} />
      ) : calls.isError ? (
        <ErrorState error={calls.error} what="recent requests" onRetry={() => void calls.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState icon={Inbox} title="No calls yet" description="Point an OpenAI or Anthropic SDK at this server's /v1, or try the playground." />
      ) : (
        <div className="max-h-[32rem] overflow-y-auto">
          <Table>
            <THead className="sticky top-0 z-[1] bg-slate-50">
              <tr>
                <Th>Time</Th>
                <Th>Model</Th>
                <Th>Status</Th>
                <Th className="text-right">Tokens in / out</Th>
                <Th className="text-right">Cost</Th>
                <Th className="text-right">Latency</Th>
                <Th>Cache</Th>
                <Th>Swarm / agent</Th>
              </tr>
            </THead>
            <TBody>
              {rows.map((call) => (
                <CallRow key={call.id} call={call} />
              ))}
            </TBody>
          </Table>
        </div>
      )}
    </Card>
  );
}
