import { type FormEvent, useState } from "react";
import { describeError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Dialog, FormError } from "../../components/ui/Dialog";
import { Field, TextArea, TextInput } from "../../components/ui/Field";
import { SegmentedControl } from "../../components/ui/SegmentedControl";
import { Switch } from "../../components/ui/Switch";
import { toast } from "../../components/ui/toastStore";
import { useAddServer } from "./queries";
import type { NewMcpServer } from "./types";

type Kind = "stdio" | "http";
const KINDS: ReadonlyArray<{ value: Kind; label: string }> = [
  { value: "stdio", label: "Command (stdio)" },
  { value: "http", label: "Remote (HTTP)" },
];
const NAME = /^[a-zA-Z0-9_-]{1,32}$/;

/** Non-empty lines, trimmed. */
const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

/** `KEY=value` (env) or `Name: value` (headers) lines as an object; the bad lines, if any. */
function pairs(text: string, separator: "=" | ":"): { value: Record<string, string>; bad: string[] } {
  const value: Record<string, string> = {};
  const bad: string[] = [];
  for (const line of lines(text)) {
    const at = line.indexOf(separator);
    if (at <= 0) bad.push(line);
    else value[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { value, bad };
}

/** Add an MCP server at run time: a command SwarmDeck supervises, or a remote URL. */
export function AddServerDialog({ onClose }: { onClose: () => void }) {
  const add = useAddServer();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("stdio");
  const [command, setCommand] = useState("");
  const [args, setArgs] = useState("");
  const [env, setEnv] = useState("");
  const [replicas, setReplicas] = useState("1");
  const [url, setUrl] = useState("");
  const [headers, setHeaders] = useState("");
  const [timeout, setTimeoutText] = useState("30");
  const [idempotent, setIdempotent] = useState("");
  const [stateful, setStateful] = useState(false);

  const envPairs = pairs(env, "=");
  const headerPairs = pairs(headers, ":");
  const badName = name !== "" && !NAME.test(name);
  const count = Number(replicas);
  const badReplicas = !Number.isInteger(count) || count < 1 || count > 32;
  const seconds = Number(timeout);
  const badTimeout = !(seconds > 0);
  const ready =
    NAME.test(name) &&
    !badTimeout &&
    (kind === "stdio"
      ? command.trim() !== "" && envPairs.bad.length === 0 && !badReplicas
      : /^https?:\/\/\S+$/.test(url.trim()) && headerPairs.bad.length === 0);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!ready || add.isPending) return;
    const common = { timeout: seconds, idempotent_tools: lines(idempotent.replaceAll(",", "\n")), stateful };
    const config: NewMcpServer["config"] =
      kind === "stdio"
        ? { command: command.trim(), args: lines(args), env: envPairs.value, replicas: count, ...common }
        : { url: url.trim(), headers: headerPairs.value, ...common };
    add.mutate(
      { name, config },
      {
        onSuccess: (server) => {
          toast.success(`Server ${server.name} added`, "It starts now; its tools appear once it is up.");
          onClose();
        },
      },
    );
  };

  return (
    <Dialog
      title="Add MCP server"
      description="Kept across restarts and run on every SwarmDeck replica. Its tools are named <name>__<tool>."
      size="lg"
      onClose={onClose}
    >
      <form onSubmit={onSubmit} className="space-y-4" aria-label="Add MCP server" noValidate>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Name"
            hint={badName ? <span className="text-rose-600">Letters, digits, _ and - only; at most 32.</span> : "The prefix of its tools' names."}
          >
            {({ id, hintId }) => (
              <TextInput
                id={id}
                autoFocus
                autoComplete="off"
                spellCheck={false}
                className="font-mono"
                placeholder="e.g. git"
                aria-describedby={hintId}
                aria-invalid={badName || undefined}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <div>
            <p className="block text-sm font-medium text-slate-800">Kind</p>
            <div className="mt-1.5">
              <SegmentedControl
                label="Kind"
                value={kind}
                options={KINDS}
                onChange={(next) => {
                  setKind(next);
                  add.reset(); // an error about the other kind no longer applies
                }}
              />
            </div>
          </div>
        </div>
        {kind === "stdio" ? (
          <>
            <Field label="Command" hint="Runs on the SwarmDeck host, with a minimal environment plus the variables below.">
              {({ id, hintId }) => (
                <TextInput id={id} aria-describedby={hintId} spellCheck={false} className="font-mono" placeholder="e.g. uvx" value={command} onChange={(e) => setCommand(e.target.value)} />
              )}
            </Field>
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Arguments" hint="One per line.">
                {({ id, hintId }) => (
                  <TextArea id={id} aria-describedby={hintId} rows={3} spellCheck={false} className="font-mono text-xs" placeholder={"mcp-server-git\n--repository\n/srv/repo"} value={args} onChange={(e) => setArgs(e.target.value)} />
                )}
              </Field>
              <Field
                label="Environment"
                hint={envPairs.bad.length ? <span className="text-rose-600">Not KEY=value: {envPairs.bad[0]}</span> : "KEY=value, one per line."}
              >
                {({ id, hintId }) => (
                  <TextArea id={id} aria-describedby={hintId} aria-invalid={envPairs.bad.length > 0 || undefined} rows={3} spellCheck={false} className="font-mono text-xs" value={env} onChange={(e) => setEnv(e.target.value)} />
                )}
              </Field>
            </div>
          </>
        ) : (
          <>
            <Field label="URL" hint="A streamable HTTP MCP endpoint.">
              {({ id, hintId }) => (
                <TextInput id={id} aria-describedby={hintId} type="url" spellCheck={false} className="font-mono" placeholder="https://tools.example.com/mcp" value={url} onChange={(e) => setUrl(e.target.value)} />
              )}
            </Field>
            <Field
              label="Headers"
              hint={
                headerPairs.bad.length ? (
                  <span className="text-rose-600">Not Name: value: {headerPairs.bad[0]}</span>
                ) : (
                  "Name: value, one per line; sent upstream on every request, sealed at rest. Your own credential is never sent."
                )
              }
            >
              {({ id, hintId }) => (
                <TextArea id={id} aria-describedby={hintId} rows={3} spellCheck={false} className="font-mono text-xs" placeholder="Authorization: Bearer …" value={headers} onChange={(e) => setHeaders(e.target.value)} />
              )}
            </Field>
          </>
        )}
        <div className={kind === "stdio" ? "grid gap-4 sm:grid-cols-[8rem_8rem_1fr]" : "grid gap-4 sm:grid-cols-[8rem_1fr]"}>
          {kind === "stdio" ? (
            <Field label="Replicas" hint={badReplicas ? <span className="text-rose-600">1 to 32.</span> : "Share load, fail over."}>
              {({ id, hintId }) => (
                <TextInput id={id} aria-describedby={hintId} type="number" min={1} max={32} step={1} value={replicas} onChange={(e) => setReplicas(e.target.value)} />
              )}
            </Field>
          ) : null}
          <Field label="Timeout (s)" hint={badTimeout ? <span className="text-rose-600">More than 0.</span> : "Per call."}>
            {({ id, hintId }) => (
              <TextInput id={id} aria-describedby={hintId} type="number" min={0.1} step="any" value={timeout} onChange={(e) => setTimeoutText(e.target.value)} />
            )}
          </Field>
          <Field label="Idempotent tools" hint="Retried once on another replica if theirs dies mid-call. Comma-separated.">
            {({ id, hintId }) => (
              <TextInput id={id} aria-describedby={hintId} spellCheck={false} className="font-mono" placeholder="e.g. git_status, git_log" value={idempotent} onChange={(e) => setIdempotent(e.target.value)} />
            )}
          </Field>
        </div>
        <div>
          <Switch label="Stateful" checked={stateful} onChange={setStateful} />
          <p className="mt-1 text-xs text-slate-500">
            Each client gets its own upstream session{kind === "stdio" ? ", in a process of its own" : ""}, for servers that keep
            state between calls (a browser, a shell). Replicas then only serve the tool list and health checks.
          </p>
        </div>
        <FormError>{add.isError ? describeError(add.error) : null}</FormError>
        <div className="flex justify-end gap-2 pt-1">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={!ready} loading={add.isPending}>
            Add server
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
