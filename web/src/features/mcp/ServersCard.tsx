import { Plus, RotateCw, Server, Trash2 } from "lucide-react";
import { Fragment, useState } from "react";
import { describeError } from "../../api/client";
import { Badge } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { TBody, Td, Th, THead, Table, TableSkeleton } from "../../components/ui/Table";
import { toast } from "../../components/ui/toastStore";
import { cn } from "../../lib/cn";
import { useNow } from "../../lib/useNow";
import { useCan } from "../auth/permissions";
import { formatMs } from "../gateway/ModelsCard";
import { AddServerDialog } from "./AddServerDialog";
import { useMcpServers, useRemoveServer, useRestartServer } from "./queries";
import { SessionCount, StatefulBadge } from "./StatefulBadge";
import { StateBadge } from "./StateBadge";
import type { McpReplica, McpServer } from "./types";

/** "42s", "5m 03s", "3h 12m", "2d 4h". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function Dash() {
  return <span className="text-slate-400">—</span>;
}

function ReplicaRow({ replica, server, fetchedAt, now }: { replica: McpReplica; server: McpServer; fetchedAt: number; now: number }) {
  // Uptime is as of the last answer or event; it keeps counting here between them.
  const uptime = replica.uptime_seconds === null ? null : replica.uptime_seconds + Math.max(0, now - fetchedAt) / 1000;
  return (
    <tr data-testid="mcp-replica" data-server={server.name} data-index={replica.index} data-state={replica.state} className="hover:bg-slate-50/60">
      <Td className="py-2.5 pl-9 whitespace-nowrap">
        <p className="text-xs font-medium text-slate-800">Replica {replica.index + 1}</p>
        <p className="mt-0.5 font-mono text-[11px] text-slate-500">
          {replica.pid !== null ? <span data-testid="mcp-pid">pid {replica.pid}</span> : server.kind === "http" ? "remote" : "no process"}
        </p>
      </Td>
      <Td className="py-2.5">
        <StateBadge state={replica.state} reason={replica.reason} />
        {replica.reason && replica.state !== "healthy" && replica.reason !== server.reason ? (
          <p className="mt-1 max-w-56 truncate text-[11px] text-slate-500" title={replica.reason}>
            {replica.reason}
          </p>
        ) : null}
      </Td>
      <Td className="py-2.5 text-right text-xs whitespace-nowrap text-slate-700 tabular-nums" data-testid="mcp-uptime">
        {uptime === null ? <Dash /> : formatUptime(uptime)}
      </Td>
      <Td className="py-2.5 text-right text-xs whitespace-nowrap text-slate-700 tabular-nums" data-testid="mcp-ping" title="Round trip of the last health ping">
        {replica.ping_ms === null ? <Dash /> : formatMs(replica.ping_ms)}
      </Td>
      <Td className="py-2.5 text-right text-xs text-slate-700 tabular-nums">{replica.in_flight}</Td>
      <Td className={cn("py-2.5 text-right text-xs tabular-nums", replica.restarts > 0 ? "font-medium text-amber-700" : "text-slate-700")}>
        {replica.restarts}
      </Td>
      <Td className="max-w-72 py-2.5 text-xs" title={replica.last_error ?? undefined}>
        {replica.last_error ? <p className="line-clamp-2 break-words text-rose-600">{replica.last_error}</p> : <Dash />}
      </Td>
    </tr>
  );
}

interface ServerActions {
  onRestart?: (() => void) | undefined;
  onRemove?: (() => void) | undefined;
}

function ServerRows({ server, fetchedAt, now, onRestart, onRemove }: { server: McpServer; fetchedAt: number; now: number } & ServerActions) {
  const up = server.replicas.filter((r) => r.state === "healthy" || r.state === "degraded").length;
  return (
    <Fragment>
      <tr data-testid="mcp-server" data-server={server.name} data-state={server.state} className="bg-slate-50/70">
        <Td colSpan={7} className="py-2">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1.5">
            <span className="font-mono text-sm font-semibold text-slate-900">{server.name}</span>
            <StateBadge state={server.state} reason={server.reason} />
            <Badge tone="neutral" title={server.kind === "stdio" ? "A child process speaking MCP over stdio" : "A remote server over streamable HTTP"}>
              {server.kind}
            </Badge>
            {server.stateful ? <StatefulBadge /> : null}
            {server.from_config ? (
              <Badge tone="neutral" title="Defined in the config file: change or remove it there">
                config file
              </Badge>
            ) : null}
            <span className="text-xs text-slate-500">
              {server.tool_count} {server.tool_count === 1 ? "tool" : "tools"}
              <span className="text-slate-300"> · </span>
              {up}/{server.replicas.length} {server.replicas.length === 1 ? "replica" : "replicas"} up
              {server.stateful ? (
                <>
                  <span className="text-slate-300"> · </span>
                  <SessionCount sessions={server.sessions} max={server.max_sessions} />
                </>
              ) : null}
              {server.restarts > 0 ? (
                <>
                  <span className="text-slate-300"> · </span>
                  <span data-testid="mcp-restarts" className="text-amber-700">
                    {server.restarts} {server.restarts === 1 ? "restart" : "restarts"}
                  </span>
                </>
              ) : null}
            </span>
            {/* A healthy server's reason only repeats its tool count; the badge's title keeps it. */}
            {server.reason && server.state !== "healthy" ? (
              <span data-testid="mcp-reason" className="min-w-0 flex-1 truncate text-xs text-slate-500" title={server.reason}>
                {server.reason}
              </span>
            ) : (
              <span className="flex-1" />
            )}
            {onRestart || onRemove ? (
              <span className="flex items-center gap-1.5">
                {onRestart ? (
                  <Button size="sm" onClick={onRestart} aria-label={`Restart ${server.name}`}>
                    <RotateCw className="size-3.5" aria-hidden="true" />
                    Restart
                  </Button>
                ) : null}
                {onRemove ? (
                  <Button size="sm" variant="ghost" onClick={onRemove} aria-label={`Remove ${server.name}`} title={`Remove ${server.name}`} className="hover:bg-rose-50 hover:text-rose-700">
                    <Trash2 className="size-3.5" aria-hidden="true" />
                  </Button>
                ) : null}
              </span>
            ) : null}
          </div>
        </Td>
      </tr>
      {server.replicas.map((replica) => (
        <ReplicaRow key={replica.index} replica={replica} server={server} fetchedAt={fetchedAt} now={now} />
      ))}
    </Fragment>
  );
}

/** Every MCP server behind the bridge, each replica's health, and a restart for those allowed. */
export function ServersCard() {
  const servers = useMcpServers();
  const can = useCan();
  const restart = useRestartServer();
  const remove = useRemoveServer();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const now = useNow(1_000);
  const list = servers.data ?? [];
  const healthy = list.filter((s) => s.state === "healthy").length;
  const mayRestart = can("mcp-server", "execute", "restart");
  const mayRemove = can("mcp-server", "delete");

  return (
    <Card data-testid="mcp-servers">
      <CardHeader
        title="Servers"
        description={
          servers.data
            ? `${healthy} of ${list.length} ${list.length === 1 ? "server" : "servers"} healthy. States change live; ping latency is refreshed every few seconds.`
            : "Each server's state, replicas, restarts and last error."
        }
        actions={
          can("mcp-server", "write") ? (
            <Button size="sm" onClick={() => setAdding(true)}>
              <Plus className="size-3.5" aria-hidden="true" />
              Add server
            </Button>
          ) : null
        }
      />
      {servers.isPending ? (
        <TableSkeleton columns={6} />
      ) : servers.isError ? (
        <ErrorState error={servers.error} what="the MCP servers" onRetry={() => void servers.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState
          icon={Server}
          title="No MCP servers configured"
          description={
            <>
              Add servers under <code className="font-mono text-slate-700">mcp_servers:</code> in the YAML file, each with a{" "}
              <code className="font-mono text-slate-700">command</code> (stdio) or a <code className="font-mono text-slate-700">url</code>.
            </>
          }
        />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th>Replica</Th>
              <Th>State</Th>
              <Th className="text-right">Uptime</Th>
              <Th className="text-right">Ping</Th>
              <Th className="text-right">In flight</Th>
              <Th className="text-right">Restarts</Th>
              <Th>Last error</Th>
            </tr>
          </THead>
          <TBody>
            {list.map((server) => (
              <ServerRows
                key={server.name}
                server={server}
                fetchedAt={servers.dataUpdatedAt}
                now={now}
                onRestart={mayRestart ? () => setConfirming(server.name) : undefined}
                onRemove={mayRemove && !server.from_config ? () => setRemoving(server.name) : undefined}
              />
            ))}
          </TBody>
        </Table>
      )}
      {confirming ? (
        <ConfirmDialog
          title={`Restart ${confirming}?`}
          confirmLabel="Restart server"
          pending={restart.isPending}
          error={restart.isError ? describeError(restart.error) : null}
          onClose={() => {
            setConfirming(null);
            restart.reset();
          }}
          onConfirm={() =>
            restart.mutate(confirming, {
              onSuccess: () => {
                toast.success(`Restarting ${confirming}`, "Its replicas are stopped and started again.");
                setConfirming(null);
              },
            })
          }
        >
          Every replica of <strong className="font-medium text-slate-800">{confirming}</strong> is stopped and started again.
          Calls in flight on it fail unless the tool is marked idempotent, and its tools are hidden until it is back.
        </ConfirmDialog>
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove ${removing}?`}
          confirmLabel="Remove server"
          pending={remove.isPending}
          error={remove.isError ? describeError(remove.error) : null}
          onClose={() => {
            setRemoving(null);
            remove.reset();
          }}
          onConfirm={() =>
            remove.mutate(removing, {
              onSuccess: () => {
                toast.success(`Server ${removing} removed`, "Its processes are stopped and its tools are gone.");
                setRemoving(null);
              },
            })
          }
        >
          <strong className="font-medium text-slate-800">{removing}</strong> is stopped on every SwarmDeck replica and
          forgotten; its tools disappear for every client. Servers from the config file can only be removed there.
        </ConfirmDialog>
      ) : null}
      {adding ? <AddServerDialog onClose={() => setAdding(false)} /> : null}
    </Card>
  );
}
