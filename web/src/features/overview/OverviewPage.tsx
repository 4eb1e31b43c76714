import { Boxes } from "lucide-react";
import { Badge } from "../../components/ui/Badge";
import { Card } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { PageHeader } from "../../components/ui/PageHeader";
import { Skeleton } from "../../components/ui/Skeleton";
import { StatusDot } from "../../components/ui/StatusDot";
import { useLinkStatus } from "../../live/connectionStore";
import { useNow } from "../../lib/useNow";
import { ComponentCard } from "./ComponentCard";
import { EventFeed } from "./EventFeed";
import { overallStatus, statusStyle, useSystemStatus } from "./systemStatus";

interface SummaryProps {
  components: ReadonlyArray<{ status: string }>;
  live: boolean;
}

function Summary({ components, live }: SummaryProps) {
  if (!live) {
    return (
      <Badge className="px-2.5 py-1" title="Component status resumes when the live connection is back">
        <StatusDot tone="neutral" />
        Last known status
      </Badge>
    );
  }
  const worst = overallStatus(components);
  const style = statusStyle(worst);
  const counts = new Map<string, number>();
  for (const c of components) {
    if (c.status !== "ok") counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  }
  const text =
    worst === "ok"
      ? "All systems operational"
      : [...counts].map(([status, n]) => `${n} ${statusStyle(status).label.toLowerCase()}`).join(" · ");
  return (
    <Badge tone={style.tone} className="px-2.5 py-1">
      <StatusDot tone={style.tone} pulse={worst !== "ok"} />
      {text}
    </Badge>
  );
}

function ComponentSkeletons() {
  return (
    <>
      {[0, 1, 2, 3].map((i) => (
        <div key={i} className="rounded-xl border border-slate-200 bg-white p-4 shadow-xs">
          <div className="flex items-center gap-3">
            <Skeleton className="size-9 rounded-lg" />
            <Skeleton className="h-4 w-24" />
          </div>
          <Skeleton className="mt-4 h-3.5 w-3/4" />
          <Skeleton className="mt-2 h-3.5 w-1/2" />
          <Skeleton className="mt-5 h-3 w-28" />
        </div>
      ))}
    </>
  );
}

export function OverviewPage() {
  const status = useSystemStatus();
  const now = useNow();
  const link = useLinkStatus();

  return (
    <div className="space-y-6">
      <PageHeader
        title="Overview"
        description="Health of every SwarmDeck component and the events flowing through the bus."
        actions={
          status.data ? (
            <>
              <Summary components={status.data.components} live={link !== "disconnected"} />
              <Badge className="px-2.5 py-1">
                {status.data.mode} · v{status.data.version}
              </Badge>
            </>
          ) : null
        }
      />

      <section aria-labelledby="components-heading">
        <h2 id="components-heading" className="mb-3 text-sm font-semibold text-slate-700">
          Components
        </h2>
        {status.isError ? (
          <Card>
            <ErrorState
              error={status.error}
              what="component status"
              onRetry={() => void status.refetch()}
            />
          </Card>
        ) : (
          <div className="grid grid-cols-[repeat(auto-fill,minmax(17rem,1fr))] gap-4">
            {status.isPending ? (
              <ComponentSkeletons />
            ) : status.data.components.length === 0 ? (
              <Card className="col-span-full">
                <EmptyState
                  icon={Boxes}
                  title="No components reported yet"
                  description="Components register as the server starts; they will appear here."
                />
              </Card>
            ) : (
              status.data.components.map((component) => (
                <ComponentCard key={component.name} component={component} now={now} />
              ))
            )}
          </div>
        )}
      </section>

      <EventFeed />
    </div>
  );
}
