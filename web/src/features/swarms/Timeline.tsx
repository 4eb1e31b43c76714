import { ChevronRight, ListTree, Wrench } from "lucide-react";
import { Fragment, useState } from "react";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { cn } from "../../lib/cn";
import { compactJson, formatClock } from "../../lib/format";
import { exactUsd, formatUsd } from "../../lib/money";
import { formatDuration, formatTokens } from "./format";
import type { AttemptView, StepStatus, StepView } from "./steps";
import type { ToolCall } from "./types";

const GRID = "grid grid-cols-[minmax(11rem,15rem)_minmax(0,1fr)_4.5rem_6.5rem_5.5rem] items-center gap-x-4";

const BARS: Record<StepStatus, string> = {
  running: "bg-indigo-400 animate-pulse",
  completed: "bg-indigo-500",
  failed: "bg-rose-500",
  cancelled: "bg-slate-300 bg-[repeating-linear-gradient(135deg,transparent_0_4px,rgb(255_255_255/0.5)_4px_8px)]",
};

const DOTS: Record<StepStatus, string> = {
  running: "bg-indigo-400 animate-pulse",
  completed: "bg-indigo-500",
  failed: "bg-rose-500",
  cancelled: "bg-slate-300",
};

/** Tick spacings to choose from, in ms: a few labelled ticks whatever the run's length. */
const TICKS = [100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

function ticks(span: number): number[] {
  const step = TICKS.find((t) => span / t <= 6) ?? TICKS.at(-1)!;
  const out: number[] = [];
  for (let t = 0; t <= span; t += step) out.push(t);
  return out;
}

interface Window {
  start: number;
  span: number;
}

/** Left and width in % of the window, at least a sliver so an instant turn still shows. */
function place(window: Window, from: number, to: number) {
  const left = ((from - window.start) / window.span) * 100;
  const width = ((Math.max(to, from) - from) / window.span) * 100;
  const clampedLeft = Math.min(Math.max(left, 0), 99.6);
  return { left: `${clampedLeft}%`, width: `${Math.max(Math.min(width, 100 - clampedLeft), 0.4)}%` };
}

/**
 * Where a turn's tool calls sit: from their start, for their duration (one in flight up to
 * now). Calls stored without a start (before it was kept) are laid back to back ending when
 * the turn ended, as they run one after another once the model has answered.
 */
function toolSpans(step: StepView, now: number): Array<{ call: ToolCall; from: number; to: number }> {
  const turnStart = step.startedAt ?? step.finishedAt ?? now;
  let end = step.finishedAt ?? now;
  const spans = [];
  for (const call of [...step.toolCalls].reverse()) {
    const duration = call.durationMs ?? Math.max(0, now - (call.startedAt ?? now));
    const from = call.startedAt ?? Math.max(end - duration, turnStart);
    spans.push({ call, from, to: from + duration });
    end = from;
  }
  return spans.reverse();
}

const TOOL_BARS = { ok: "bg-emerald-400", failed: "bg-rose-400", running: "bg-sky-400 animate-pulse" } as const;
const TOOL_ICONS = { ok: "text-emerald-600", failed: "text-rose-600", running: "text-sky-600" } as const;

const toolState = (call: ToolCall) => (call.ok === null ? "running" : call.ok ? "ok" : "failed");

/** A failed attempt's span: it began with its `step.started`, else it is shown as an instant. */
function attemptSpan(attempt: AttemptView, fallback: number): [number, number] {
  const to = attempt.finishedAt ?? attempt.startedAt ?? fallback;
  return [attempt.startedAt ?? to, to];
}

const attemptLabel = (attempt: AttemptView) => (attempt.attempt === null ? "An attempt" : `Attempt ${attempt.attempt}`);

/** "1 retry", "failed after 3 attempts": what the row's failed attempts add to its status. */
function attemptsNote(step: StepView): string {
  const failed = step.failures.length;
  if (step.status === "failed") return failed > 1 ? ` · failed after ${failed} attempts` : " · failed";
  const note = failed === 0 ? "" : ` · ${failed} ${failed === 1 ? "retry" : "retries"}`;
  return `${step.status !== "completed" ? ` · ${step.status}` : ""}${note}`;
}

function FailedAttempts({ attempts }: { attempts: AttemptView[] }) {
  return (
    <ul className="space-y-1.5" aria-label="Failed attempts">
      {attempts.map((attempt, i) => {
        const [from, to] = attemptSpan(attempt, 0);
        return (
          <li
            key={attempt.attempt ?? `event-${i}`}
            data-testid="timeline-attempt-details"
            className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-rose-700"
          >
            <span className="font-semibold">{attemptLabel(attempt)} failed</span>
            <span className="text-rose-600/80">
              {attempt.startedAt !== null ? ` at ${formatClock(new Date(attempt.startedAt))} after ${formatDuration(to - from)}` : ""}
              {attempt.errorType ? ` · ${attempt.errorType}` : ""}
              {attempt.retryable === false ? " · not retried" : ""}
            </span>
            <p className="mt-0.5 break-words">{attempt.error}</p>
          </li>
        );
      })}
    </ul>
  );
}

/** `started`: the turn's first attempt's start when the row stands for its failed attempts. */
function StepDetails({ step, started }: { step: StepView; started: number | null }) {
  return (
    <div data-testid="timeline-step-details" className="space-y-3 border-t border-slate-100 bg-slate-50/60 px-5 py-4 text-xs">
      <dl className="flex flex-wrap gap-x-6 gap-y-1 text-slate-600">
        <div>
          <dt className="inline text-slate-500">Agent </dt>
          <dd className="inline font-mono text-slate-800">{step.agent}</dd>
        </div>
        {step.model ? (
          <div>
            <dt className="inline text-slate-500">Model </dt>
            <dd className="inline font-mono text-slate-800">{step.model}</dd>
          </div>
        ) : null}
        {started !== null ? (
          <div>
            <dt className="inline text-slate-500">Started </dt>
            <dd className="inline font-mono text-slate-800">{formatClock(new Date(started))}</dd>
          </div>
        ) : null}
        {step.finishedAt !== null ? (
          <div>
            <dt className="inline text-slate-500">Ended </dt>
            <dd className="inline font-mono text-slate-800">{formatClock(new Date(step.finishedAt))}</dd>
          </div>
        ) : null}
        {step.delegations?.length ? (
          <div>
            <dt className="inline text-slate-500">Delegated to </dt>
            <dd className="inline font-mono text-slate-800">
              {step.delegations.includes(null) ? "every worker" : step.delegations.join(", ")}
            </dd>
          </div>
        ) : null}
        {step.inputTokens !== null ? (
          <div>
            <dt className="inline text-slate-500">Tokens </dt>
            <dd className="inline text-slate-800 tabular-nums">
              {step.inputTokens.toLocaleString()} in, {(step.outputTokens ?? 0).toLocaleString()} out
            </dd>
          </div>
        ) : null}
      </dl>
      {step.failures.length > 0 ? (
        <FailedAttempts attempts={step.failures} />
      ) : step.error ? (
        <p className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-rose-700">{step.error}</p>
      ) : null}
      {step.toolCalls.length > 0 ? (
        <ul className="space-y-1">
          {step.toolCalls.map((call) => (
            <li key={call.key} className="font-mono text-[11px] break-all text-slate-700">
              <span className={call.ok === null ? "text-sky-700" : call.ok ? "text-emerald-700" : "text-rose-700"}>{call.name}</span>
              <span className="text-slate-500">({call.arguments === undefined ? "…" : compactJson(call.arguments)})</span>
              {call.startedAt !== null ? <span className="text-slate-400"> at {formatClock(new Date(call.startedAt))}</span> : null}
              {call.error ? <span className="text-rose-600"> → {call.error}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {step.status === "failed" ? null : step.output === undefined ? (
        <p className="text-slate-500">{step.status === "running" ? "The turn is still in flight." : "Loading the output…"}</p>
      ) : step.output === null || step.output === "" ? (
        <p className="text-slate-500">No text: the model asked for tools{step.delegations?.length ? " or delegated" : ""}.</p>
      ) : (
        <pre
          data-testid="timeline-step-output"
          className="max-h-80 overflow-auto rounded-lg border border-slate-200 bg-white p-3 font-mono text-xs whitespace-pre-wrap text-slate-800"
        >
          {step.output}
        </pre>
      )}
    </div>
  );
}

function StepRow({ step, window, now, open, onToggle }: { step: StepView; window: Window; now: number; open: boolean; onToggle: () => void }) {
  // A failed turn's row stands for its last attempt, drawn with the others that failed.
  const attemptsOnly = step.status === "failed" && step.failures.length > 0;
  const spans = step.failures.map((attempt) => attemptSpan(attempt, step.finishedAt ?? now));
  const from = attemptsOnly ? Math.min(...spans.map(([start]) => start)) : (step.startedAt ?? window.start);
  const to = attemptsOnly ? Math.max(...spans.map(([, end]) => end)) : (step.finishedAt ?? now);
  return (
    <Fragment>
      <li
        data-testid="timeline-step"
        data-seq={step.seq}
        data-instance={step.instance}
        data-status={step.status}
        data-failed-attempts={step.failures.length}
        className={cn(GRID, "px-5 py-2 hover:bg-slate-50/60", open && "bg-slate-50/60")}
      >
        <button
          type="button"
          onClick={onToggle}
          aria-expanded={open}
          aria-label={`Step ${step.seq}: ${step.instance}, turn ${step.turn}${open ? "" : " (show output)"}`}
          className="flex min-w-0 items-center gap-2 rounded text-left focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          <ChevronRight className={cn("size-3.5 shrink-0 text-slate-400 transition-transform", open && "rotate-90")} aria-hidden="true" />
          <span className={cn("size-2 shrink-0 rounded-full", DOTS[step.status])} title={step.status} aria-hidden="true" />
          <span className="min-w-0">
            <span className="block truncate font-mono text-xs font-semibold text-slate-900">{step.instance}</span>
            <span className="block truncate text-[11px] text-slate-500">
              {step.role} · turn {step.turn}
              {attemptsNote(step)}
            </span>
          </span>
        </button>
        <div className="relative h-5 rounded bg-slate-100/70">
          {step.failures.map((attempt, i) => {
            const [start, end] = spans[i]!;
            return (
              <div
                key={attempt.attempt ?? `event-${i}`}
                data-testid="timeline-attempt"
                data-attempt={attempt.attempt ?? undefined}
                className={cn("absolute inset-y-0 rounded", BARS.failed)}
                style={place(window, start, end)}
                title={`${attemptLabel(attempt)} failed after ${formatDuration(end - start)}: ${attempt.error}`}
              />
            );
          })}
          {attemptsOnly ? null : (
            <div
              data-testid="timeline-bar"
              className={cn("absolute inset-y-0 rounded", BARS[step.status])}
              style={place(window, from, to)}
              title={`${step.instance}: ${formatDuration(to - from)}${step.error ? ` (${step.error})` : ""}`}
            />
          )}
        </div>
        <span className="text-right text-xs text-slate-700 tabular-nums">{formatDuration(to - from)}</span>
        <span
          className="text-right text-xs whitespace-nowrap text-slate-700 tabular-nums"
          title={step.inputTokens === null ? undefined : `${step.inputTokens} in, ${step.outputTokens ?? 0} out`}
        >
          {step.inputTokens === null ? "—" : `${formatTokens(step.inputTokens)} / ${formatTokens(step.outputTokens)}`}
        </span>
        <span className="text-right text-xs text-slate-700 tabular-nums" title={exactUsd(step.costUsd)}>
          {step.costUsd === null ? "—" : formatUsd(step.costUsd)}
        </span>
      </li>
      {toolSpans(step, now).map(({ call, from: start, to: end }) => {
        const state = toolState(call);
        const took = formatDuration(end - start);
        return (
          <li
            key={call.key}
            data-testid="timeline-tool"
            data-tool={call.name}
            data-ok={call.ok ?? undefined}
            data-state={state}
            className={cn(GRID, "px-5 py-1")}
          >
            <span className="flex min-w-0 items-center gap-1.5 pl-9 text-[11px]" title={call.error ?? undefined}>
              <Wrench className={cn("size-3 shrink-0", TOOL_ICONS[state])} aria-hidden="true" />
              <span className="truncate font-mono text-slate-700">{call.name}</span>
            </span>
            <div className="relative h-3">
              <div
                data-testid="timeline-tool-bar"
                className={cn("absolute inset-y-0 rounded-sm", TOOL_BARS[state])}
                style={place(window, start, end)}
                title={`${call.name}: ${state === "running" ? "in flight for " : ""}${took}${state === "failed" ? " (failed)" : ""}`}
              />
            </div>
            <span className="text-right text-[11px] text-slate-500 tabular-nums">{took}</span>
            <span />
            <span />
          </li>
        );
      })}
      {open ? (
        <li>
          <StepDetails step={step} started={attemptsOnly ? from : step.startedAt} />
        </li>
      ) : null}
    </Fragment>
  );
}

interface TimelineProps {
  steps: StepView[];
  /** Epoch ms the run started. */
  start: number;
  /** Epoch ms it ended; null while it runs (the window grows with the clock). */
  end: number | null;
  now: number;
}

/** The run's turns as a waterfall, their tool calls under them; a turn opens to its output. */
export function Timeline({ steps, start, end, now }: TimelineProps) {
  const [open, setOpen] = useState<Set<number>>(() => new Set());
  const last = Math.max(end ?? now, ...steps.map((s) => s.finishedAt ?? now));
  const window = { start, span: Math.max(last - start, 1) };
  const toggle = (seq: number) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(seq)) next.add(seq);
      return next;
    });

  return (
    <Card data-testid="run-timeline">
      <CardHeader
        title="Timeline"
        description="Each agent turn from start to end, with the tool calls it made and its failed attempts in red; open a turn for its output or errors."
      />
      {steps.length === 0 ? (
        <EmptyState icon={ListTree} title="No turns yet" description="The first agent's turn shows here as soon as it starts." />
      ) : (
        <ol className="pb-2">
          <li aria-hidden="true" className={cn(GRID, "border-b border-slate-100 bg-slate-50/60 px-5 py-2 text-[11px] font-semibold tracking-wide text-slate-500 uppercase")}>
            <span>Turn</span>
            <span className="relative h-4">
              {ticks(window.span).map((t) => {
                const at = (t / window.span) * 100;
                // The first label starts at its tick and one near the end ends there, so none overflows.
                const shift = t === 0 ? "" : at > 92 ? "-translate-x-full" : "-translate-x-1/2";
                return (
                  <span
                    key={t}
                    className={cn("absolute top-0 font-normal tracking-normal whitespace-nowrap normal-case tabular-nums", shift)}
                    style={{ left: `${at}%` }}
                  >
                    {formatDuration(t)}
                  </span>
                );
              })}
            </span>
            <span className="text-right">Time</span>
            <span className="text-right">Tokens in/out</span>
            <span className="text-right">Cost</span>
          </li>
          {steps.map((step) => (
            <StepRow key={step.seq} step={step} window={window} now={now} open={open.has(step.seq)} onToggle={() => toggle(step.seq)} />
          ))}
        </ol>
      )}
    </Card>
  );
}
