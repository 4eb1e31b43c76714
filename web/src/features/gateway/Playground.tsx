import { MessageSquareText, Send } from "lucide-react";
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { describeError } from "../../api/client";
import { Badge, type Tone } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { FormError } from "../../components/ui/Dialog";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { Field, Select, TextArea } from "../../components/ui/Field";
import { Skeleton } from "../../components/ui/Skeleton";
import { useTopicEvents } from "../../live/topicListeners";
import { exactUsd, formatUsd, toNanos } from "../../lib/money";
import { toLedgerCall } from "../costs/liveCosts";
import type { LedgerCall } from "../costs/types";
import { formatMs } from "./ModelsCard";
import { type ChatRequest, PLAYGROUND_AGENT, useCallableModels, useChat } from "./queries";

const CACHE_TONE: Record<string, Tone> = { hit: "success", "semantic-hit": "accent", miss: "neutral", off: "neutral" };
const CACHE_MODES: ReadonlyArray<{ value: ChatRequest["cache"]; label: string }> = [
  { value: "semantic", label: "Semantic (default)" },
  { value: "exact", label: "Exact only" },
  { value: "off", label: "Off" },
];

/** A gap in the stats grid: label above, value below. */
function Stat({ label, testId, children, title }: { label: string; testId: string; children: ReactNode; title?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd data-testid={testId} title={title} className="mt-0.5 truncate text-sm font-medium text-slate-900 tabular-nums">
        {children}
      </dd>
    </div>
  );
}

/**
 * Send one chat through the gateway as the logged-in user, the way an SDK would, and show what
 * came back with what it cost (`x-swarmdeck-cost-usd`); the ledger row it names
 * (`x-swarmdeck-call-id`) adds the gateway's own latency and any cost saved by the cache.
 */
export function Playground() {
  const models = useCallableModels();
  const chat = useChat();
  const [model, setModel] = useState("");
  const [cache, setCache] = useState<ChatRequest["cache"]>("semantic");
  const [message, setMessage] = useState("");
  const [ledger, setLedger] = useState<LedgerCall | null>(null);
  // The ledger row (latency at the gateway, saved cost) comes on the `costs` stream (for
  // readers of costs); it may arrive before the answer does, so recent playground rows are
  // kept by id until the answer names its own.
  const seen = useRef(new Map<string, LedgerCall>());
  const callId = chat.data?.callId ?? null;

  const available = models.data?.data.map((m) => m.id) ?? [];
  const first = available[0];
  useEffect(() => {
    if (!model && first) setModel(first);
  }, [model, first]);

  useTopicEvents("costs", (event) => {
    const call = toLedgerCall(event);
    if (!call || call.agent !== PLAYGROUND_AGENT) return;
    if (call.id === callId) {
      setLedger(call);
      return;
    }
    seen.current.set(call.id, call);
    if (seen.current.size > 50) seen.current.delete(seen.current.keys().next().value as string);
  });

  useEffect(() => {
    if (callId) setLedger(seen.current.get(callId) ?? null);
  }, [callId]);

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    if (!model || !message.trim() || chat.isPending) return;
    setLedger(null);
    chat.mutate({ model, cache, messages: [{ role: "user", content: message.trim() }] });
  };

  const result = chat.data;
  const answer = result?.completion.choices[0]?.message.content;
  const usage = result?.completion.usage;

  return (
    <Card data-testid="playground">
      <CardHeader
        title="Playground"
        description="Send a chat through the gateway as you, with the same routing, budgets, cache and ledger as any SDK call."
      />
      {models.isError ? (
        <ErrorState error={models.error} what="the models you may call" onRetry={() => void models.refetch()} />
      ) : models.isSuccess && available.length === 0 ? (
        <EmptyState icon={MessageSquareText} title="No models to call" description="No model alias is configured, or your role may not execute any." />
      ) : (
        <div className="grid gap-6 p-5 lg:grid-cols-2">
          <form onSubmit={send} className="space-y-4">
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Model">
                {({ id }) =>
                  models.isPending ? (
                    <Skeleton className="h-9" />
                  ) : (
                    <Select id={id} value={model} onChange={(e) => setModel(e.target.value)} data-testid="playground-model">
                      {available.map((name) => (
                        <option key={name} value={name}>
                          {name}
                        </option>
                      ))}
                    </Select>
                  )
                }
              </Field>
              <Field label="Cache">
                {({ id }) => (
                  <Select id={id} value={cache} onChange={(e) => setCache(e.target.value as ChatRequest["cache"])}>
                    {CACHE_MODES.map((m) => (
                      <option key={m.value} value={m.value}>
                        {m.label}
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
            </div>
            <Field label="Message" hint="Ctrl+Enter sends. The call is tagged with the agent “playground”.">
              {({ id, hintId }) => (
                <TextArea
                  id={id}
                  aria-describedby={hintId}
                  rows={5}
                  value={message}
                  placeholder="Say hello to the model…"
                  onChange={(e) => setMessage(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send();
                  }}
                />
              )}
            </Field>
            <div className="flex justify-end">
              <Button type="submit" variant="primary" loading={chat.isPending} disabled={!model || !message.trim()}>
                {chat.isPending ? null : <Send className="size-4" aria-hidden="true" />}
                Send
              </Button>
            </div>
          </form>

          <div className="flex min-h-56 flex-col rounded-lg border border-slate-200 bg-slate-50/60" aria-live="polite">
            {chat.isError ? (
              <div className="p-4">
                <FormError>{describeError(chat.error)}</FormError>
              </div>
            ) : result ? (
              <>
                <div className="max-h-96 flex-1 overflow-y-auto p-4">
                  <p className="mb-1.5 flex items-center gap-2 text-xs font-medium text-slate-500">
                    Answer from <span className="font-mono text-slate-700">{result.servedModel ?? result.completion.model}</span>
                    {result.servedProvider ? <span>via {result.servedProvider}</span> : null}
                  </p>
                  <p data-testid="playground-answer" className="text-sm break-words whitespace-pre-wrap text-slate-900">
                    {answer ?? <span className="text-slate-400 italic">(no text in the answer)</span>}
                  </p>
                </div>
                <dl className="grid grid-cols-3 gap-x-4 gap-y-3 border-t border-slate-200 px-4 py-3">
                  <Stat label="Tokens in / out" testId="playground-tokens">
                    {usage ? `${usage.prompt_tokens} / ${usage.completion_tokens}` : "—"}
                  </Stat>
                  <Stat label="Cost" testId="playground-cost" title={result.costUsd ? exactUsd(result.costUsd) : undefined}>
                    {result.costUsd !== null ? (
                      formatUsd(result.costUsd)
                    ) : (
                      <span className="font-normal text-slate-400">—</span>
                    )}
                  </Stat>
                  <Stat label="Latency" testId="playground-latency" title="Round trip in the browser; the gateway's own time in brackets">
                    {formatMs(result.elapsedMs)}
                    {ledger ? <span className="font-normal text-slate-500"> ({formatMs(ledger.latency_ms)})</span> : null}
                  </Stat>
                  <Stat label="x-swarmdeck-cache" testId="playground-cache">
                    {result.cache ? <Badge tone={CACHE_TONE[result.cache] ?? "neutral"}>{result.cache}</Badge> : "—"}
                  </Stat>
                  {ledger && toNanos(ledger.saved_usd) > 0n ? (
                    <Stat label="Saved" testId="playground-saved">
                      <span className="text-emerald-700">{formatUsd(ledger.saved_usd)}</span>
                    </Stat>
                  ) : null}
                  <Stat label="Finish" testId="playground-finish">
                    {result.completion.choices[0]?.finish_reason ?? "—"}
                  </Stat>
                </dl>
              </>
            ) : (
              <EmptyState
                className="flex-1"
                icon={MessageSquareText}
                title={chat.isPending ? "Waiting for the model…" : "The answer appears here"}
                description="With its tokens, cost, latency and cache outcome."
              />
            )}
          </div>
        </div>
      )}
    </Card>
  );
}
