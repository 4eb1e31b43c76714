import { type LucideIcon } from "lucide-react";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { TBody, Td, Th, THead, Table, TableSkeleton } from "../../components/ui/Table";
import { exactUsd, formatUsd, toNanos } from "../../lib/money";
import { useCostSummary } from "./queries";
import { type CostWindow, type GroupBy, windowLabel } from "./types";

const SHOWN = 10;

/** Key ids are UUIDv7s, whose first blocks are a timestamp: the random tail tells them apart. */
const shortId = (id: string) => (id.length > 14 ? `…${id.slice(-12)}` : id);

interface TopSpendersProps {
  window: CostWindow;
  groupBy: Extract<GroupBy, "user" | "key">;
  title: string;
  /** Column heading for the key: "User", "API key". */
  column: string;
  /** What a null key means for this grouping, short, with a longer hover text. */
  nullLabel: string;
  nullTitle: string;
  icon: LucideIcon;
  emptyHint: string;
}

// Five columns in half a page: tighter than the default cell padding, and the same at both edges.
const CELL = "px-3! first:pl-5! last:pr-5!";

const tokens = (n: number) =>
  n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 10_000 ? `${Math.round(n / 1000)}k` : n.toLocaleString();

/** The biggest spenders of one kind over the window, with their share of the total. */
export function TopSpenders({ window, groupBy, title, column, nullLabel, nullTitle, icon, emptyHint }: TopSpendersProps) {
  const summary = useCostSummary(window, groupBy);
  const data = summary.data;
  const total = data ? toNanos(data.total_usd) : 0n;

  return (
    <Card data-testid={`top-${groupBy}s`}>
      <CardHeader title={title} description={windowLabel(window)} />
      {summary.isPending ? (
        <TableSkeleton columns={4} />
      ) : summary.isError ? (
        <ErrorState error={summary.error} what={title.toLowerCase()} onRetry={() => void summary.refetch()} />
      ) : !data || data.groups.length === 0 ? (
        <EmptyState icon={icon} title="No calls in this window" description={emptyHint} />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th className={CELL}>{column}</Th>
              <Th className={`${CELL} text-right`}>Spend</Th>
              <Th className={`${CELL} text-right`}>Share</Th>
              <Th className={`${CELL} text-right`}>Calls</Th>
              <Th className={`${CELL} text-right`}>Tokens in/out</Th>
            </tr>
          </THead>
          <TBody>
            {data.groups.slice(0, SHOWN).map((g) => {
              const share = total > 0n ? Number((toNanos(g.cost_usd) * 1000n) / total) / 10 : 0;
              return (
                <tr key={g.key ?? "\u0000"} className="hover:bg-slate-50/60">
                  <Td className={`${CELL} max-w-44 truncate py-2.5`}>
                    {g.key ? (
                      <span className={groupBy === "key" ? "font-mono text-xs text-slate-700" : "font-medium text-slate-800"} title={g.key}>
                        {groupBy === "key" ? shortId(g.key) : g.key}
                      </span>
                    ) : (
                      <span className="text-slate-500 italic" title={nullTitle}>
                        {nullLabel}
                      </span>
                    )}
                  </Td>
                  <Td className={`${CELL} py-2.5 text-right font-medium text-slate-900 tabular-nums`} title={exactUsd(g.cost_usd)}>
                    {formatUsd(g.cost_usd)}
                  </Td>
                  <Td className={`${CELL} py-2.5 text-right text-slate-500 tabular-nums`}>{share.toFixed(1)}%</Td>
                  <Td className={`${CELL} py-2.5 text-right text-slate-600 tabular-nums`}>{g.calls.toLocaleString()}</Td>
                  <Td className={`${CELL} py-2.5 text-right text-slate-500 tabular-nums`}>
                    {tokens(g.input_tokens)} / {tokens(g.output_tokens)}
                  </Td>
                </tr>
              );
            })}
          </TBody>
        </Table>
      )}
    </Card>
  );
}
