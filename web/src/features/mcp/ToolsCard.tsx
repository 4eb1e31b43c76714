import { ChevronRight, Play, Search, Wrench } from "lucide-react";
import { useState } from "react";
import { Badge } from "../../components/ui/Badge";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { TextInput } from "../../components/ui/Field";
import { Skeleton } from "../../components/ui/Skeleton";
import { cn } from "../../lib/cn";
import type { useMcpTools } from "./queries";
import { jsonText, parseSchema } from "./schemaForm";
import type { McpTool } from "./types";

/** Filter the list once it is longer than this. */
const SEARCH_FROM = 6;

function ParameterSummary({ tool }: { tool: McpTool }) {
  const { fields, rawOnly } = parseSchema(tool.input_schema);
  if (rawOnly) return <span className="text-slate-400">arguments as JSON</span>;
  if (fields.length === 0) return <span className="text-slate-400">no arguments</span>;
  return (
    <span className="font-mono">
      {fields.map((f, i) => (
        <span key={f.name}>
          {i > 0 ? ", " : null}
          {f.name}
          {f.required ? <span className="text-rose-500">*</span> : <span className="text-slate-400">?</span>}
        </span>
      ))}
    </span>
  );
}

function ToolItem({ tool, selected, onSelect }: { tool: McpTool; selected: boolean; onSelect: () => void }) {
  return (
    <li
      data-testid="mcp-tool"
      data-tool={tool.name}
      data-server={tool.server}
      className={cn("px-5 py-3 transition-colors", selected ? "bg-indigo-50/60" : "hover:bg-slate-50/60")}
    >
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-sm font-semibold break-all text-slate-900" title={`${tool.upstream_name} on ${tool.server}`}>
              {tool.name}
            </span>
            <Badge tone="accent">{tool.server}</Badge>
          </p>
          {tool.description ? (
            <p data-testid="mcp-tool-description" className="mt-1 line-clamp-3 text-sm text-slate-600" title={tool.description}>
              {tool.description}
            </p>
          ) : (
            <p className="mt-1 text-sm text-slate-400 italic">No description.</p>
          )}
          <p className="mt-1 text-xs text-slate-500">
            <ParameterSummary tool={tool} />
          </p>
        </div>
        <button
          type="button"
          onClick={onSelect}
          aria-pressed={selected}
          aria-label={`Try ${tool.name}`}
          className={cn(
            "inline-flex h-7 shrink-0 items-center gap-1 rounded-md px-2 text-xs font-medium ring-1 ring-inset transition-colors",
            "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
            selected ? "bg-indigo-600 text-white ring-indigo-600" : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50",
          )}
        >
          <Play className="size-3" aria-hidden="true" />
          Try
        </button>
      </div>
      <details className="group mt-2">
        <summary className="inline-flex cursor-pointer list-none items-center gap-1 text-xs font-medium text-slate-500 select-none hover:text-slate-800 [&::-webkit-details-marker]:hidden">
          <ChevronRight className="size-3.5 transition-transform group-open:rotate-90" aria-hidden="true" />
          Input schema
        </summary>
        <pre
          data-testid="mcp-tool-schema"
          className="mt-2 max-h-72 overflow-auto rounded-lg border border-slate-200 bg-slate-950 p-3 font-mono text-[11px] leading-relaxed break-words whitespace-pre-wrap text-slate-100"
        >
          {jsonText(tool.input_schema)}
        </pre>
      </details>
    </li>
  );
}

interface ToolsCardProps {
  tools: ReturnType<typeof useMcpTools>;
  selected: string | null;
  onSelect: (name: string) => void;
}

/** The tools this user may see, with descriptions and schemas; "Try" opens one in the playground. */
export function ToolsCard({ tools, selected, onSelect }: ToolsCardProps) {
  const [filter, setFilter] = useState("");
  const list = tools.data ?? [];
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? list.filter((t) => t.name.toLowerCase().includes(needle) || (t.description ?? "").toLowerCase().includes(needle))
    : list;
  return (
    <Card data-testid="mcp-tools" className="flex flex-col">
      <CardHeader
        title="Tools"
        description={tools.data ? `${list.length} ${list.length === 1 ? "tool" : "tools"} you may see, from servers that are up.` : "What the servers offer."}
      />
      {list.length > SEARCH_FROM ? (
        <div className="relative border-b border-slate-100 px-5 py-3">
          <Search className="pointer-events-none absolute top-1/2 left-8 size-4 -translate-y-1/2 text-slate-400" aria-hidden="true" />
          <TextInput aria-label="Filter tools" placeholder="Filter tools…" className="pl-9" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
      ) : null}
      {tools.isPending ? (
        <div className="space-y-4 p-5" aria-busy="true">
          {[0, 1, 2].map((i) => (
            <div key={i} className="space-y-2">
              <Skeleton className="h-4 w-48" />
              <Skeleton className="h-3 w-full" />
            </div>
          ))}
        </div>
      ) : tools.isError ? (
        <ErrorState error={tools.error} what="the tools" onRetry={() => void tools.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState
          icon={Wrench}
          title="No tools to show"
          description="No server is up yet, or your grants cover none of the tools of the servers that are."
        />
      ) : shown.length === 0 ? (
        <EmptyState icon={Search} title="No tool matches" description={`Nothing named or described like “${filter.trim()}”.`} />
      ) : (
        <ul className="max-h-[40rem] divide-y divide-slate-100 overflow-y-auto">
          {shown.map((tool) => (
            <ToolItem key={tool.name} tool={tool} selected={tool.name === selected} onSelect={() => onSelect(tool.name)} />
          ))}
        </ul>
      )}
    </Card>
  );
}
