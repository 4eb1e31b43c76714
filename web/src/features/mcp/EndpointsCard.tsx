import type { ReactNode } from "react";
import { Link } from "react-router";
import { Card, CardHeader } from "../../components/ui/Card";
import { useCan } from "../auth/permissions";
import { CopyField } from "./CopyField";
import { absoluteUrl, stdioCommand } from "./endpoints";
import { useMcpVirtualServers } from "./queries";
import { VirtualServers } from "./VirtualServers";

function Heading({ children, aside }: { children: ReactNode; aside?: ReactNode }) {
  return (
    <h3 className="flex items-baseline gap-2 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">
      {children}
      {aside ? <span className="font-normal tracking-normal normal-case">{aside}</span> : null}
    </h3>
  );
}

function Code({ children }: { children: ReactNode }) {
  return <code className="font-mono text-slate-700">{children}</code>;
}

/** The whole bridge at `/mcp`, and the one command a stdio client (Claude Desktop) runs. */
function Bridge() {
  const mayReadKeys = useCan()("key", "read");
  return (
    <div className="space-y-5 p-5">
      <div className="space-y-2">
        <Heading>All tools</Heading>
        <CopyField label="Bridge URL" text={absoluteUrl("/mcp")} testId="mcp-endpoint-url" />
        <p className="text-xs text-slate-500">
          Streamable HTTP, with an API key sent as <Code>Authorization: Bearer &lt;key&gt;</Code>. A client is offered
          the tools its key&apos;s grants allow.
        </p>
      </div>
      <div className="space-y-2">
        <Heading>Claude Desktop</Heading>
        <CopyField label="Claude Desktop command" text={stdioCommand()} testId="mcp-stdio-command" />
        <p data-testid="mcp-stdio-hint" className="text-xs text-slate-500">
          The command to give a stdio client, with <Code>SWARMDECK_API_KEY</Code> in its <Code>env</Code>
          {mayReadKeys ? (
            <>
              {" "}
              (keys are made under{" "}
              <Link to="/access/keys" className="font-medium text-indigo-600 hover:text-indigo-500">
                Access
              </Link>
              )
            </>
          ) : null}
          . For a virtual server, add <Code>/mcp/&lt;name&gt;</Code> to the URL.
        </p>
      </div>
    </div>
  );
}

/** How MCP clients reach the bridge: its URL, each virtual server's, and the stdio relay. */
export function EndpointsCard({ mayUseTools }: { mayUseTools: boolean }) {
  const virtual = useMcpVirtualServers();
  const count = virtual.data?.length;
  return (
    <Card data-testid="mcp-endpoints">
      <CardHeader title="Connect" description="Where MCP clients reach the bridge: every tool at /mcp, or a named subset of them." />
      <div className="grid lg:grid-cols-5">
        <div className="border-b border-slate-100 lg:col-span-2 lg:border-r lg:border-b-0">
          <Bridge />
        </div>
        <div className="lg:col-span-3">
          <div className="px-5 pt-5">
            <Heading aside={count ? `${count} configured` : undefined}>Virtual servers</Heading>
          </div>
          <VirtualServers servers={virtual} mayUseTools={mayUseTools} />
        </div>
      </div>
    </Card>
  );
}
