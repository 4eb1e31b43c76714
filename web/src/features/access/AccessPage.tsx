import { useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Navigate, Outlet } from "react-router";
import { PageHeader } from "../../components/ui/PageHeader";
import { type TabLink, TabLinks } from "../../components/ui/Tabs";
import { useTopicEvents } from "../../live/topicListeners";
import { type Can, useCan } from "../auth/permissions";
import { RequirePermission } from "../auth/RequirePermission";

const TABS: Array<TabLink & { resource: string }> = [
  { to: "/access/users", label: "Users", resource: "user" },
  { to: "/access/roles", label: "Roles", resource: "role" },
  { to: "/access/keys", label: "API keys", resource: "key" },
];

/** Whether the Access page has anything this user may see. */
export const canSeeAccess = (can: Can) => TABS.some((tab) => can(tab.resource, "read"));

function visibleTabs(can: Can) {
  return TABS.filter((tab) => can(tab.resource, "read"));
}

export function AccessPage() {
  const can = useCan();
  const queryClient = useQueryClient();
  // Another admin's change (or another tab's) announces itself on the `access` topic.
  useTopicEvents("access", () => void queryClient.invalidateQueries({ queryKey: ["access"] }));
  return (
    <RequirePermission what="Access" needs="user:read, role:read or key:read" allowed={canSeeAccess}>
      <div className="space-y-6">
        <PageHeader
          title="Access"
          description="Who can sign in, what each role may do, and the API keys that act for people."
        />
        <TabLinks label="Access sections" tabs={visibleTabs(can)} />
        <Outlet />
      </div>
    </RequirePermission>
  );
}

/** /access on its own opens the first tab this user may read. */
export function AccessIndex() {
  const first = visibleTabs(useCan())[0];
  return first ? <Navigate to={first.to} replace /> : null;
}

/** One tab's own guard, for a deep link to a tab the role does not cover. */
export function RequireTab({ resource, children }: { resource: string; children: ReactNode }) {
  const tab = TABS.find((t) => t.resource === resource);
  return (
    <RequirePermission what={tab?.label ?? resource} needs={`${resource}:read`} allowed={(can) => can(resource, "read")}>
      {children}
    </RequirePermission>
  );
}
