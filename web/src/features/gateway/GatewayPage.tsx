import { PageHeader } from "../../components/ui/PageHeader";
import { LiveBadge } from "../../live/LiveBadge";
import { type Can, useCan } from "../auth/permissions";
import { RequirePermission } from "../auth/RequirePermission";
import { useLiveCosts } from "../costs/liveCosts";
import { ModelsCard } from "./ModelsCard";
import { Playground } from "./Playground";
import { gatewayModelsQueryKey } from "./queries";
import { RecentRequests } from "./RecentRequests";

export const canSeeGateway = (can: Can) => can("gateway", "read");

const REFRESH_ALSO = [gatewayModelsQueryKey];

function Gateway() {
  const can = useCan();
  // Each call moves a deployment's counters and latency: refresh them with the ledger.
  useLiveCosts(REFRESH_ALSO);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Gateway"
        description="The models clients call, the deployments behind them, and the requests going through."
        actions={<LiveBadge />}
      />
      <ModelsCard />
      <Playground />
      {can("costs", "read") ? <RecentRequests /> : null}
    </div>
  );
}

export function GatewayPage() {
  return (
    <RequirePermission what="the gateway" needs="gateway:read" allowed={canSeeGateway}>
      <Gateway />
    </RequirePermission>
  );
}
