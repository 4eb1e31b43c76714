import { ScrollText } from "lucide-react";
import { memo } from "react";
import { Badge, type Tone } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { TBody, Td, Th, THead, Table, TableSkeleton } from "../../components/ui/Table";
import { formatClock, formatDateTime, humanize } from "../../lib/format";
import { formatMs } from "../gateway/ModelsCard";
import { CALL_LOG_LIMIT, useToolCallLog } from "./liveCalls";
import type { ToolCallEvent } from "./types";

function outcomeLook(outcome: string): { tone: Tone; label: string; title: string } {
  if (outcome === "ok") return { tone: "success", label: "ok", title: "The tool answered" };
  if (outcome === "tool_error") return { tone: "warning", label: "tool error", title: "The tool ran and reported a failure (isError)" };
  return { tone: "danger", label: humanize(outcome).toLowerCase(), title: `The call failed: ${outcome}` };
}

const CallRow = memo(function CallRow({ call }: { call: ToolCallEvent }) {
  const look = outcomeLook(call.outcome);
  return (
    <tr data-testid="mcp-call" data-tool={call.tool} data-outcome={call.outcome} className="animate-row-in hover:bg-slate-50/60">
      <Td className="py-2 font-mono text-xs whitespace-nowrap text-slate-500" title={call.at ? formatDateTime(call.at) : undefined}>
        {call.at ? formatClock(call.at) : "—"}
      </Td>
      <Td className="py-2 font-mono text-xs font-medium break-all text-slate-800">{call.tool}</Td>
      <Td className="py-2 text-xs text-slate-600">{call.server || <span className="text-slate-400">—</span>}</Td>
      <Td className="py-2">
        <Badge tone={look.tone} title={look.title}>
          {look.label}
        </Badge>
      </Td>
      <Td className="py-2 text-right text-xs whitespace-nowrap text-slate-700 tabular-nums">{formatMs(call.duration_ms)}</Td>
      <Td className="max-w-48 truncate py-2 text-xs text-slate-600" title={call.actor}>
        {call.actor || <span className="text-slate-400">—</span>}
      </Td>
    </tr>
  );
});

/** Tool calls through every front door (REST, /mcp, stdio, WebSocket), newest first, as they happen. */
export function CallLog() {
  const { calls, seeded } = useToolCallLog();
  return (
    <Card data-testid="mcp-call-log">
      <CardHeader
        title="Live call log"
        description={`Every tool call through the bridge, by anyone, as it finishes. The last ${CALL_LOG_LIMIT} are kept while the page is open.`}
      />
      {!seeded && calls.length === 0 ? (
        <TableSkeleton columns={6} />
      ) : calls.length === 0 ? (
        <EmptyState icon={ScrollText} title="No calls yet" description="Calls appear here as clients make them, or try a tool in the playground." />
      ) : (
        <div className="max-h-[28rem] overflow-y-auto">
          <Table>
            <THead className="sticky top-0 z-[1] bg-slate-50">
              <tr>
                <Th>Time</Th>
                <Th>Tool</Th>
                <Th>Server</Th>
                <Th>Outcome</Th>
                <Th className="text-right">Duration</Th>
                <Th>Actor</Th>
              </tr>
            </THead>
            <TBody>
              {calls.map((call) => (
                <CallRow key={call.id} call={call} />
              ))}
            </TBody>
          </Table>
        </div>
      )}
    </Card>
  );
}
