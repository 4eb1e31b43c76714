import { Link } from "react-router";
import { RelativeTime } from "../../components/ui/RelativeTime";
import { TBody, Td, Th, THead, Table } from "../../components/ui/Table";
import { toDate } from "../../lib/format";
import { exactUsd, formatUsd } from "../../lib/money";
import { useNow } from "../../lib/useNow";
import { formatDuration, formatTokens, shortId } from "./format";
import { runPath, swarmPath } from "./paths";
import { RunStatusBadge } from "./RunStatusBadge";
import type { RunSummary } from "./types";

/** Narrower cells than the tables' default, so eight columns fit beside the swarm list. */
const CELL = "px-3! first:pl-5! last:pr-5!";

/** A running run's time so far (by this browser's clock); a finished one's from the API. */
function durationOf(run: RunSummary, now: number): number | null {
  if (run.duration_ms !== null) return run.duration_ms;
  const started = toDate(run.created_at)?.getTime();
  return started === undefined ? null : Math.max(0, now - started);
}

interface RunsTableProps {
  runs: RunSummary[];
  /** The Workflows page lists every swarm's runs. */
  showSwarm?: boolean;
}

/** Runs newest first, each linking to its run view. */
export function RunsTable({ runs, showSwarm = false }: RunsTableProps) {
  const now = useNow(1_000);
  return (
    <Table>
      <THead>
        <tr>
          <Th className={CELL}>Status</Th>
          <Th className={CELL}>Run</Th>
          {showSwarm ? <Th className={CELL}>Swarm</Th> : null}
          <Th className={CELL}>Task</Th>
          <Th className={CELL}>Started</Th>
          <Th className={`${CELL} text-right`}>Duration</Th>
          <Th className={`${CELL} text-right`}>Tokens</Th>
          <Th className={`${CELL} text-right`}>Cost</Th>
        </tr>
      </THead>
      <TBody>
        {runs.map((run) => (
          <tr key={run.id} data-testid="run-row" data-run={run.id} data-status={run.status} className="hover:bg-slate-50/60">
            <Td className={`${CELL} py-2.5`}>
              <RunStatusBadge status={run.status} />
            </Td>
            <Td className={`${CELL} py-2.5 whitespace-nowrap`}>
              <Link
                to={runPath(run)}
                title={run.id}
                className="font-mono text-xs font-medium text-indigo-600 hover:text-indigo-500"
              >
                {shortId(run.id)}
              </Link>
            </Td>
            {showSwarm ? (
              <Td className={`${CELL} py-2.5`}>
                <Link
                  to={swarmPath(run.swarm)}
                  className="font-mono text-xs text-slate-700 hover:text-indigo-600"
                >
                  {run.swarm}
                </Link>
              </Td>
            ) : null}
            <Td className={`${CELL} py-2.5 ${showSwarm ? "max-w-md" : "max-w-64"}`}>
              <p className="truncate text-xs text-slate-700" title={run.task}>
                {run.task}
              </p>
              {run.error ? (
                <p className="mt-0.5 truncate text-[11px] text-rose-600" title={run.error}>
                  {run.error}
                </p>
              ) : null}
            </Td>
            <Td className={`${CELL} py-2.5 text-xs`}>
              <RelativeTime value={run.created_at} now={now} />
            </Td>
            <Td className={`${CELL} py-2.5 text-right text-xs whitespace-nowrap text-slate-700 tabular-nums`}>
              {formatDuration(durationOf(run, now))}
            </Td>
            <Td
              className="py-2.5 text-right text-xs whitespace-nowrap text-slate-700 tabular-nums"
              title={`${run.input_tokens.toLocaleString()} in, ${run.output_tokens.toLocaleString()} out`}
            >
              {formatTokens(run.input_tokens + run.output_tokens)}
            </Td>
            <Td className={`${CELL} py-2.5 text-right text-xs whitespace-nowrap text-slate-700 tabular-nums`} title={exactUsd(run.cost_usd)}>
              {formatUsd(run.cost_usd)}
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
