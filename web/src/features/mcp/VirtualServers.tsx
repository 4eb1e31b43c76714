import { Layers } from "lucide-react";
import { Fragment } from "react";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { Skeleton } from "../../components/ui/Skeleton";
import { CopyField } from "./CopyField";
import { absoluteUrl } from "./endpoints";
import type { useMcpVirtualServers } from "./queries";
import { ToolChips } from "./ToolChips";
import type { McpVirtualServer } from "./types";

function Names({ names }: { names: string[] }) {
  return names.map((name, i) => (
    <Fragment key={name}>
      {i > 0 ? ", " : null}
      <code className="font-mono text-slate-700">{name}</code>
    </Fragment>
  ));
}

/** What the config selects: whole servers, and tool names or patterns. */
function Selection({ server }: { server: McpVirtualServer }) {
  return (
    <p className="text-xs text-slate-500">
      Selects{" "}
      {server.servers.length ? (
        <>
          every tool of <Names names={server.servers} />
        </>
      ) : null}
      {server.servers.length && server.patterns.length ? "; " : null}
      {server.patterns.length ? (
        <>
          tools matching <Names names={server.patterns} />
        </>
      ) : null}
      .
    </p>
  );
}

function VirtualServerItem({ server, mayUseTools }: { server: McpVirtualServer; mayUseTools: boolean }) {
  const count = server.tools.length;
  return (
    <li data-testid="mcp-virtual-server" data-name={server.name} className="space-y-2 px-5 py-4">
      <p className="flex flex-wrap items-baseline gap-x-2">
        <span className="font-mono text-sm font-semibold text-slate-900">{server.name}</span>
        {mayUseTools ? (
          <span data-testid="mcp-virtual-tool-count" className="text-xs text-slate-500">
            {count} {count === 1 ? "tool" : "tools"}
          </span>
        ) : null}
      </p>
      {server.description ? <p className="text-sm text-slate-600">{server.description}</p> : null}
      <CopyField label={`URL of ${server.name}`} text={absoluteUrl(server.path)} testId="mcp-virtual-url" />
      {!mayUseTools ? (
        <p className="text-xs text-slate-400 italic">Its tools are listed to roles with an mcp-tool grant.</p>
      ) : count ? (
        <ToolChips tools={server.tools} />
      ) : (
        <p className="text-xs text-slate-400 italic">No tool here now: its servers are down, or your grants cover none of its tools.</p>
      )}
      <Selection server={server} />
    </li>
  );
}

interface VirtualServersProps {
  servers: ReturnType<typeof useMcpVirtualServers>;
  /** Whether the user holds any `mcp-tool` grant: without one, no tool is listed to them. */
  mayUseTools: boolean;
}

/** Each virtual server: its URL, description and the tools it serves now. */
export function VirtualServers({ servers, mayUseTools }: VirtualServersProps) {
  if (servers.isPending) {
    return (
      <div className="space-y-3 p-5" aria-busy="true">
        <Skeleton className="h-4 w-40" />
        <Skeleton className="h-9 w-full" />
        <Skeleton className="h-4 w-64" />
      </div>
    );
  }
  if (servers.isError) {
    return <ErrorState error={servers.error} what="the virtual servers" onRetry={() => void servers.refetch()} />;
  }
  if (servers.data.length === 0) {
    return (
      <EmptyState
        icon={Layers}
        title="No virtual servers"
        description={
          <>
            Give a client only the tools it needs: name subsets of them under{" "}
            <code className="font-mono text-slate-700">mcp.virtual_servers</code> in the YAML file, each with{" "}
            <code className="font-mono text-slate-700">servers</code> or <code className="font-mono text-slate-700">tools</code>; each is
            served at <code className="font-mono text-slate-700">/mcp/&lt;name&gt;</code>.
          </>
        }
      />
    );
  }
  return (
    <ul className="divide-y divide-slate-100">
      {servers.data.map((server) => (
        <VirtualServerItem key={server.name} server={server} mayUseTools={mayUseTools} />
      ))}
    </ul>
  );
}
