import { ExternalLink } from "lucide-react";
import { Link } from "react-router";
import { RelativeTime } from "../../components/ui/RelativeTime";
import { TBody, Td, Th, THead, Table } from "../../components/ui/Table";
import { formatDateTime, toDate } from "../../lib/format";
import { useNow } from "../../lib/useNow";
import { formatDuration, shortId } from "../swarms/format";
import { runIdPath, runPath, swarmPath } from "../swarms/paths";
import type { RunSummary } from "../swarms/types";
import { ExecutionStatusBadge } from "./ExecutionStatusBadge";
import type { Execution } from "./types";

const CELL = "px-3! py-2.5! first:pl-5! last:pr-5!";

/** Closed minus started; an open execution's time so far by this browser's clock. */
function durationOf(execution: Execution, now: number): number | null {
  const started = toDate(execution.started_at)?.getTime();
  if (started === undefined) return null;
  const closed = toDate(execution.closed_at)?.getTime();
  return Math.max(0, (closed ?? now) - started);
}

/** Temporal's visibility store may count an open execution's history only once it closes. */
const UNCOUNTED = "Counted when the execution closes; the Temporal UI shows its history so far";

/** Tail characters a long workflow id always shows: a run id's random part. */
const ID_TAIL = 12;

/** A workflow id cut in the middle when it does not fit: its start and its end tell it apart. */
function WorkflowId({ id }: { id: string }) {
  const cut = id.length > ID_TAIL * 2;
  return (
    <p className="flex min-w-0 font-mono text-xs text-slate-800" title={id}>
      <span className="truncate">{cut ? id.slice(0, -ID_TAIL) : id}</span>
      {cut ? <span className="shrink-0">{id.slice(-ID_TAIL)}</span> : null}
    </p>
  );
}

function SwarmRunCell({ id, run, linkable }: { id: string; run: RunSummary | undefined; linkable: boolean }) {
  const label = (
    <span className="font-mono text-xs font-medium" title={id}>
      {shortId(id)}
    </span>
  );
  return (
    <div className="min-w-0">
      <p className="flex items-center gap-1.5 whitespace-nowrap">
        {linkable ? (
          <Link
            data-testid="execution-run-link"
            to={run ? runPath(run) : runIdPath(id)}
            className="text-indigo-600 hover:text-indigo-500"
          >
            {label}
          </Link>
        ) : (
          <span className="text-slate-700">{label}</span>
        )}
        {run ? (
          <>
            <span className="text-slate-300">·</span>
            <Link to={swarmPath(run.swarm)} className="font-mono text-xs text-slate-700 hover:text-indigo-600">
              {run.swarm}
            </Link>
          </>
        ) : null}
      </p>
      {run ? (
        <p className="mt-0.5 truncate text-[11px] text-slate-500" title={run.task}>
          {run.task}
        </p>
      ) : null}
    </div>
  );
}

interface ExecutionsTableProps {
  executions: Execution[];
  /** Our runs by id, to name the swarm and task of a run's execution (`run:read`). */
  runs: ReadonlyMap<string, RunSummary>;
  /** Link executions of swarm runs to the run view (`run:read`). */
  linkRuns: boolean;
}

/** Temporal executions newest first: status, workflow, the swarm run it carries out, timing, history. */
export function ExecutionsTable({ executions, runs, linkRuns }: ExecutionsTableProps) {
  const now = useNow(1_000);
  return (
    <Table className="table-fixed">
      <colgroup>
        <col className="w-36" />
        <col className="w-[32%]" />
        <col />
        <col className="w-24" />
        <col className="w-22" />
        <col className="w-20" />
        <col className="w-32" />
      </colgroup>
      <THead>
        <tr>
          <Th className={CELL}>Status</Th>
          <Th className={CELL}>Workflow</Th>
          <Th className={CELL}>Swarm run</Th>
          <Th className={CELL}>Started</Th>
          <Th className={`${CELL} text-right`}>Duration</Th>
          <Th className={`${CELL} text-right`} title="Events in the execution's history">
            History
          </Th>
          <Th className={CELL}>
            <span className="sr-only">Temporal UI</span>
          </Th>
        </tr>
      </THead>
      <TBody>
        {executions.map((execution) => {
          const closed = toDate(execution.closed_at);
          const counted = execution.history_length > 0 || execution.status !== "running";
          return (
            <tr
              key={`${execution.workflow_id}/${execution.run_id}`}
              data-testid="execution-row"
              data-workflow={execution.workflow_id}
              data-run={execution.swarm_run ?? undefined}
              data-status={execution.status}
              className="hover:bg-slate-50/60"
            >
              <Td className={CELL}>
                <ExecutionStatusBadge status={execution.status} />
              </Td>
              <Td className={CELL}>
                <WorkflowId id={execution.workflow_id} />
                <p
                  className="mt-0.5 truncate text-[11px] text-slate-500"
                  title={`Workflow type ${execution.workflow_type} on task queue ${execution.task_queue}; Temporal run ${execution.run_id}`}
                >
                  {execution.workflow_type} · {execution.task_queue}
                </p>
              </Td>
              <Td className={CELL}>
                {execution.swarm_run ? (
                  <SwarmRunCell id={execution.swarm_run} run={runs.get(execution.swarm_run)} linkable={linkRuns} />
                ) : (
                  <span className="text-xs text-slate-400">—</span>
                )}
              </Td>
              <Td className={`${CELL} text-xs`}>
                <RelativeTime value={execution.started_at} now={now} />
              </Td>
              <Td
                className={`${CELL} text-right text-xs whitespace-nowrap text-slate-700 tabular-nums`}
                title={closed ? `Closed ${formatDateTime(closed)}` : "Still open"}
              >
                {formatDuration(durationOf(execution, now))}
              </Td>
              <Td
                className={`${CELL} text-right text-xs whitespace-nowrap text-slate-700 tabular-nums`}
                title={counted ? `${execution.history_length} events in its history` : UNCOUNTED}
              >
                {counted ? execution.history_length.toLocaleString() : <span className="text-slate-400">—</span>}
              </Td>
              <Td className={`${CELL} text-right`}>
                {execution.ui_url ? (
                  <a
                    data-testid="execution-ui-link"
                    href={execution.ui_url}
                    target="_blank"
                    rel="noreferrer noopener"
                    aria-label={`Open ${execution.workflow_id} in the Temporal UI`}
                    className="inline-flex items-center gap-1 text-xs font-medium whitespace-nowrap text-indigo-600 hover:text-indigo-500"
                  >
                    Temporal UI
                    <ExternalLink className="size-3" aria-hidden="true" />
                  </a>
                ) : null}
              </Td>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}
