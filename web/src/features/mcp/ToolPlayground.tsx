import { FlaskConical, Play, TriangleAlert } from "lucide-react";
import { type FormEvent, useMemo, useRef, useState } from "react";
import { describeError, isApiError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { Field, Select, TextArea, TextInput } from "../../components/ui/Field";
import { SegmentedControl } from "../../components/ui/SegmentedControl";
import { Spinner } from "../../components/ui/Spinner";
import { useCan } from "../auth/permissions";
import { useCallTool } from "./queries";
import {
  buildArguments,
  type FieldValue,
  type FormValues,
  initialValues,
  jsonText,
  parseArgumentsText,
  parseSchema,
  valuesFromArguments,
} from "./schemaForm";
import { SchemaForm } from "./SchemaForm";
import { CallFailure, ToolResultView } from "./ToolResultView";
import type { McpTool } from "./types";

type Mode = "form" | "json";
const MODES: ReadonlyArray<{ value: Mode; label: string }> = [
  { value: "form", label: "Form" },
  { value: "json", label: "JSON" },
];

const FAILURES: Record<number, string> = {
  403: "Not allowed to call this tool",
  404: "No such tool",
  502: "The server did not answer",
  503: "No replica of the server is up",
  504: "The call timed out",
};

function failureTitle(error: unknown): string {
  if (isApiError(error)) return FAILURES[error.status] ?? (error.status ? `The call failed (${error.status})` : "The call failed");
  return "The call failed";
}

/** The form (or JSON) for one tool, its call, and the answer; remounted when the tool changes. */
function ToolCallForm({ tool, available }: { tool: McpTool; available: boolean }) {
  const can = useCan();
  const call = useCallTool();
  const schema = useMemo(() => parseSchema(tool.input_schema), [tool.input_schema]);
  const [mode, setMode] = useState<Mode>(schema.rawOnly ? "json" : "form");
  const [values, setValues] = useState<FormValues>(() => initialValues(schema.fields));
  const [rawText, setRawText] = useState("{}");
  const [rawError, setRawError] = useState<string | null>(null);
  const [timeout, setTimeoutText] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const mayCall = can("mcp-tool", "execute", tool.server) || can("mcp-tool", "execute", tool.name);

  const built = buildArguments(schema.fields, values);
  const errors = submitted ? built.errors : {};

  const switchMode = (next: Mode) => {
    if (next === mode) return;
    if (next === "json") {
      setRawText(jsonText(built.arguments));
      setRawError(null);
    } else {
      const parsed = parseArgumentsText(rawText);
      if ("error" in parsed) {
        setRawError(`${parsed.error} Fix it to go back to the form.`);
        return;
      }
      setValues(valuesFromArguments(schema.fields, parsed.value));
    }
    setMode(next);
  };

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    setSubmitted(true);
    let args: Record<string, unknown>;
    if (mode === "json") {
      const parsed = parseArgumentsText(rawText);
      if ("error" in parsed) {
        setRawError(parsed.error);
        return;
      }
      setRawError(null);
      args = parsed.value;
    } else {
      if (Object.keys(built.errors).length > 0) return;
      args = built.arguments;
    }
    const seconds = Number(timeout);
    call.mutate({ tool: tool.name, arguments: args, ...(timeout.trim() && seconds > 0 ? { timeout: seconds } : {}) });
  };

  return (
    <div className="space-y-5 p-5">
      <form onSubmit={send} className="space-y-4" noValidate>
        {tool.description ? <p className="text-sm text-slate-600">{tool.description}</p> : null}
        {!available ? (
          <p className="flex items-start gap-2 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800">
            <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
            Its server is not up right now: the tool is hidden until it is back, and a call now is refused.
          </p>
        ) : null}
        <div className="flex items-center justify-between gap-3">
          <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Arguments</p>
          {schema.fields.length > 0 ? <SegmentedControl label="Edit arguments as" value={mode} options={MODES} onChange={switchMode} /> : null}
        </div>
        {mode === "json" ? (
          <Field
            label="Arguments (JSON)"
            hint={rawError ? <span className="text-rose-600">{rawError}</span> : "An object: the tool's arguments as they are sent."}
          >
            {({ id, hintId }) => (
              <TextArea
                id={id}
                aria-describedby={hintId}
                aria-invalid={rawError ? true : undefined}
                rows={8}
                spellCheck={false}
                className="font-mono text-xs"
                value={rawText}
                onChange={(e) => setRawText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send();
                }}
              />
            )}
          </Field>
        ) : schema.fields.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-200 px-3 py-4 text-center text-sm text-slate-500">This tool takes no arguments.</p>
        ) : (
          <SchemaForm
            fields={schema.fields}
            values={values}
            errors={errors}
            onChange={(name: string, value: FieldValue) => setValues((current) => ({ ...current, [name]: value }))}
          />
        )}
        <div className="flex flex-wrap items-end justify-between gap-3 border-t border-slate-100 pt-4">
          <Field label="Timeout (s)" className="w-32">
            {({ id }) => (
              <TextInput id={id} type="number" min={0.1} step="any" placeholder="default" value={timeout} onChange={(e) => setTimeoutText(e.target.value)} />
            )}
          </Field>
          <div className="flex flex-col items-end gap-1">
            <Button type="submit" variant="primary" loading={call.isPending} disabled={!mayCall}>
              {call.isPending ? null : <Play className="size-4" aria-hidden="true" />}
              Call tool
            </Button>
            {!mayCall ? (
              <p className="text-xs text-slate-500">
                Your role may not call it (<code className="font-mono">mcp-tool:execute</code>).
              </p>
            ) : null}
          </div>
        </div>
      </form>

      <div className="flex min-h-44 flex-col overflow-hidden rounded-lg border border-slate-200 bg-slate-50/60" aria-live="polite">
        {call.isPending ? (
          <div className="flex flex-1 flex-col items-center justify-center gap-2 text-sm text-slate-500">
            <Spinner className="size-5 text-indigo-500" />
            Calling {tool.name}…
          </div>
        ) : call.isError ? (
          <CallFailure title={failureTitle(call.error)} message={describeError(call.error)} />
        ) : call.data ? (
          <ToolResultView outcome={call.data} />
        ) : (
          <EmptyState
            className="flex-1"
            icon={FlaskConical}
            title="The result appears here"
            description="Its text, structured content and latency; a tool's own failure is marked as an error."
          />
        )}
      </div>
    </div>
  );
}

interface ToolPlaygroundProps {
  tools: McpTool[] | undefined;
  selected: string | null;
  onSelect: (name: string) => void;
}

/** Call any tool you may call, with a form generated from its input schema, and see the result. */
export function ToolPlayground({ tools, selected, onSelect }: ToolPlaygroundProps) {
  // A tool whose server goes down leaves the list; keep its form until the server is back.
  const known = useRef(new Map<string, McpTool>());
  for (const t of tools ?? []) known.current.set(t.name, t);
  const current = (tools ?? []).find((t) => t.name === selected);
  const tool = current ?? (selected ? known.current.get(selected) : undefined);
  const options = tools ?? [];

  return (
    <Card data-testid="mcp-playground">
      <CardHeader
        title="Playground"
        description="Call a tool as you: permission-checked, audited and logged like any client's call."
        actions={
          options.length ? (
            <div className="w-64">
              <Select aria-label="Tool" data-testid="mcp-playground-tool" value={tool?.name ?? ""} onChange={(e) => onSelect(e.target.value)}>
                {tool ? null : <option value="">Choose a tool…</option>}
                {tool && !current ? <option value={tool.name}>{tool.name} (server down)</option> : null}
                {options.map((t) => (
                  <option key={t.name} value={t.name}>
                    {t.name}
                  </option>
                ))}
              </Select>
            </div>
          ) : null
        }
      />
      {tool ? (
        <ToolCallForm key={tool.name} tool={tool} available={current !== undefined} />
      ) : (
        <EmptyState
          icon={FlaskConical}
          title={options.length ? "Choose a tool to call" : "No tool to call"}
          description={options.length ? "Pick one above, or press “Try” next to a tool." : "When a server is up and your role may call its tools, they can be tried here."}
        />
      )}
    </Card>
  );
}
