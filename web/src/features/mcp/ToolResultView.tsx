import { ChevronRight, CircleAlert, CircleCheck, Server } from "lucide-react";
import type { ReactNode } from "react";
import { Badge } from "../../components/ui/Badge";
import { cn } from "../../lib/cn";
import { formatMs } from "../gateway/ModelsCard";
import type { CallOutcome } from "./queries";
import { jsonText } from "./schemaForm";
import type { ContentBlock } from "./types";

/** Text that is JSON (many tools answer so) is shown indented; other text as it came. */
function prettyText(text: string): { text: string; json: boolean } {
  const trimmed = text.trim();
  if ((trimmed.startsWith("{") && trimmed.endsWith("}")) || (trimmed.startsWith("[") && trimmed.endsWith("]"))) {
    try {
      return { text: jsonText(JSON.parse(trimmed)), json: true };
    } catch {
      // Not JSON after all.
    }
  }
  return { text, json: false };
}

function Block({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <div>
      <p className="mb-1 font-mono text-[11px] text-slate-500">{label}</p>
      {children}
    </div>
  );
}

const PRE = "max-h-80 overflow-auto rounded-lg border px-3 py-2 font-mono text-xs leading-relaxed whitespace-pre-wrap break-words";

function ContentView({ block, index, isError, structured }: { block: ContentBlock; index: number; isError: boolean; structured: string | null }) {
  const where = `content[${index}]`;
  if (block.type === "text" && typeof block.text === "string") {
    const shown = prettyText(block.text);
    if (shown.json && shown.text === structured) {
      // Tools with an output schema send the same JSON twice; show it once, keep the text at hand.
      return (
        <details className="group">
          <summary className="inline-flex cursor-pointer list-none items-center gap-1 font-mono text-[11px] text-slate-500 select-none hover:text-slate-800 [&::-webkit-details-marker]:hidden">
            <ChevronRight className="size-3.5 transition-transform group-open:rotate-90" aria-hidden="true" />
            {where} · text: the same JSON as structuredContent
          </summary>
          <pre data-testid="mcp-result-text" className={cn(PRE, "mt-1 border-slate-200 bg-white text-slate-900")}>
            {shown.text}
          </pre>
        </details>
      );
    }
    return (
      <Block label={`${where} · text${shown.json ? " (JSON, indented)" : ""}`}>
        <pre
          data-testid="mcp-result-text"
          className={cn(PRE, isError ? "border-rose-200 bg-rose-50 text-rose-900" : "border-slate-200 bg-white text-slate-900")}
        >
          {shown.text}
        </pre>
      </Block>
    );
  }
  if (block.type === "image" && typeof block.data === "string" && typeof block.mimeType === "string" && block.mimeType.startsWith("image/")) {
    return (
      <Block label={`${where} · image · ${block.mimeType}`}>
        <img src={`data:${block.mimeType};base64,${block.data}`} alt="Image returned by the tool" className="max-h-80 rounded-lg border border-slate-200" />
      </Block>
    );
  }
  return (
    <Block label={`${where} · ${block.type}`}>
      <pre className={cn(PRE, "border-slate-200 bg-white text-slate-700")}>{jsonText(block)}</pre>
    </Block>
  );
}

/** A tool's answer: its content blocks, its structured content, whether it failed, how long it took. */
export function ToolResultView({ outcome }: { outcome: CallOutcome }) {
  const { result } = outcome;
  const isError = result.isError === true;
  const content = Array.isArray(result.content) ? result.content : [];
  const structured = result.structuredContent === undefined ? null : jsonText(result.structuredContent);
  return (
    <div data-testid="mcp-result" data-is-error={isError} className="flex flex-col">
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2.5">
        {isError ? (
          <Badge tone="danger" title="The tool ran and reported a failure (isError)">
            <CircleAlert className="size-3.5" aria-hidden="true" />
            Tool error
          </Badge>
        ) : (
          <Badge tone="success">
            <CircleCheck className="size-3.5" aria-hidden="true" />
            OK
          </Badge>
        )}
        <span className="font-mono text-xs text-slate-600">{outcome.tool}</span>
        <span className="ml-auto text-xs text-slate-500" title="Round trip as the browser saw it">
          <span data-testid="mcp-result-latency" className="font-medium text-slate-800 tabular-nums">
            {formatMs(outcome.elapsedMs)}
          </span>
        </span>
      </div>
      <div className="space-y-3 p-4">
        {content.length === 0 && result.structuredContent === undefined ? (
          <p className="text-sm text-slate-400 italic">The tool returned no content.</p>
        ) : null}
        {structured !== null ? (
          <Block label="structuredContent">
            <pre data-testid="mcp-result-structured" className={cn(PRE, "border-slate-800 bg-slate-950 text-slate-100")}>
              {structured}
            </pre>
          </Block>
        ) : null}
        {content.map((block, i) => (
          <ContentView key={i} index={i} block={block} isError={isError} structured={structured} />
        ))}
      </div>
    </div>
  );
}

/** A call the bridge refused or could not make (403, 404, 502, 503): the server's words. */
export function CallFailure({ title, message }: { title: string; message: string }) {
  return (
    <div data-testid="mcp-call-failed" role="alert" className="m-4 flex gap-3 rounded-lg border border-rose-200 bg-rose-50 px-3.5 py-3">
      <Server className="mt-0.5 size-4 shrink-0 text-rose-500" aria-hidden="true" />
      <div className="min-w-0 text-sm">
        <p className="font-medium text-rose-800">{title}</p>
        <p className="mt-0.5 break-words text-rose-700">{message}</p>
      </div>
    </div>
  );
}
