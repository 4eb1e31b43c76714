import { KeyRound, Users } from "lucide-react";
import { lazy, Suspense, useState } from "react";
import { Card } from "../../components/ui/Card";
import { PageHeader } from "../../components/ui/PageHeader";
import { Skeleton } from "../../components/ui/Skeleton";
import { SegmentedControl } from "../../components/ui/SegmentedControl";
import { LiveBadge } from "../../live/LiveBadge";
import { type Can, useCan } from "../auth/permissions";
import { RequirePermission } from "../auth/RequirePermission";
import { AlertsCard } from "./AlertsCard";
import { BudgetsCard } from "./BudgetsCard";
import { useLiveCosts } from "./liveCosts";
import { SpendBySwarm } from "./SpendBySwarm";
import { SpendTiles } from "./SpendTiles";
import { TopSpenders } from "./TopSpenders";
import { type CostWindow, WINDOWS } from "./types";

// The chart library is most of the page's weight: it loads with the page, not with the app.
const SpendChart = lazy(() => import("./SpendChart").then((m) => ({ default: m.SpendChart })));

function ChartPlaceholder() {
  return (
    <Card className="h-[22rem] p-5">
      <Skeleton className="h-4 w-48" />
      <Skeleton className="mt-6 h-64" />
    </Card>
  );
}

export const canSeeCosts = (can: Can) => can("costs", "read");

function Costs() {
  const can = useCan();
  const [window, setWindow] = useState<CostWindow>("1h");
  useLiveCosts();
  const budgets = can("budget", "read");
  const alerts = can("alert", "read");

  return (
    <div className="space-y-6">
      <PageHeader
        title="Costs"
        description="What every call through the gateway costs, who spends it, and how close each budget is."
        actions={
          <>
            <SegmentedControl label="Time window" value={window} options={WINDOWS} onChange={setWindow} />
            <LiveBadge />
          </>
        }
      />
      <SpendTiles />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <Suspense fallback={<ChartPlaceholder />}>
            <SpendChart window={window} />
          </Suspense>
        </div>
        <SpendBySwarm window={window} />
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <TopSpenders
          window={window}
          groupBy="user"
          title="Top users"
          column="User"
          nullLabel="no user"
          nullTitle="Calls without a user behind them"
          icon={Users}
          emptyHint="Each call is charged to the user behind its key or session."
        />
        <TopSpenders
          window={window}
          groupBy="key"
          title="Top API keys"
          column="Key"
          nullLabel="no key"
          nullTitle="Calls made with a dashboard session or the admin token"
          icon={KeyRound}
          emptyHint="Calls made with a SwarmDeck API key are listed by key."
        />
      </div>
      {budgets || alerts ? (
        <div className={budgets && alerts ? "grid gap-6 lg:grid-cols-3" : "grid gap-6"}>
          {budgets ? (
            <div className={alerts ? "lg:col-span-2" : undefined}>
              <BudgetsCard />
            </div>
          ) : null}
          {alerts ? <AlertsCard /> : null}
        </div>
      ) : null}
    </div>
  );
}

export function CostsPage() {
  return (
    <RequirePermission what="costs" needs="costs:read" allowed={canSeeCosts}>
      <Costs />
    </RequirePermission>
  );
}
