import { Wrench } from "lucide-react";
import { useSearchParams } from "react-router";
import { Card } from "../../components/ui/Card";
import { PageHeader } from "../../components/ui/PageHeader";
import { LiveBadge } from "../../live/LiveBadge";
import { parseGrant } from "../auth/permissions";
import { useMe } from "../auth/queries";
import { RequirePermission } from "../auth/RequirePermission";
import { canSeeMcp } from "./access";
import { CallLog } from "./CallLog";
import { EndpointsCard } from "./EndpointsCard";
import { useLiveMcp } from "./liveMcp";
import { useMcpTools } from "./queries";
import { ServersCard } from "./ServersCard";
import { ToolPlayground } from "./ToolPlayground";
import { ToolsCard } from "./ToolsCard";

/** Whether any grant, for any tool or server, lets the user list or call tools. */
function mayUseSomeTool(permissions: readonly string[] | undefined): boolean {
  return (permissions ?? []).some((text) => {
    const grant = parseGrant(text);
    return (
      grant !== null &&
      (grant.resource === "mcp-tool" || grant.resource === "*") &&
      ["read", "execute", "*"].includes(grant.action)
    );
  });
}

function NoToolsForRole() {
  return (
    <Card data-testid="mcp-no-tools" className="flex items-center gap-3 px-5 py-4">
      <Wrench className="size-4 shrink-0 text-slate-400" aria-hidden="true" />
      <p className="text-sm text-slate-600">
        Your role may neither list nor call MCP tools: it holds no{" "}
        <code className="font-mono text-slate-800">mcp-tool:read</code> or{" "}
        <code className="font-mono text-slate-800">mcp-tool:execute</code> grant, for any tool or server.
      </p>
    </Card>
  );
}

function Mcp() {
  useLiveMcp();
  const mayUseTools = mayUseSomeTool(useMe().data?.permissions);
  const tools = useMcpTools();
  // The tool in the playground lives in the address, so a link opens it ready to call.
  const [params, setParams] = useSearchParams();
  const selected = params.get("tool") ?? tools.data?.[0]?.name ?? null;
  const select = (name: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.set("tool", name);
        return next;
      },
      { replace: true },
    );

  return (
    <div className="space-y-6">
      <PageHeader
        title="MCP"
        description="The tool servers behind the bridge: their health, their tools, and the calls going through."
        actions={<LiveBadge />}
      />
      <ServersCard />
      <EndpointsCard mayUseTools={mayUseTools} />
      {mayUseTools ? (
        <div className="grid items-start gap-6 lg:grid-cols-5">
          <div className="lg:col-span-2">
            <ToolsCard tools={tools} selected={selected} onSelect={select} />
          </div>
          <div className="lg:col-span-3">
            <ToolPlayground tools={tools.data} selected={selected} onSelect={select} />
          </div>
        </div>
      ) : (
        <NoToolsForRole />
      )}
      <CallLog />
    </div>
  );
}

export function McpPage() {
  return (
    <RequirePermission what="the MCP bridge" needs="mcp-server:read" allowed={canSeeMcp}>
      <Mcp />
    </RequirePermission>
  );
}
