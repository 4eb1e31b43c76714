import { createBrowserRouter } from "react-router";
import { AccessIndex, AccessPage, RequireTab } from "../features/access/AccessPage";
import { KeysTab } from "../features/access/KeysTab";
import { RolesTab } from "../features/access/RolesTab";
import { UsersTab } from "../features/access/UsersTab";
import { AuditPage } from "../features/audit/AuditPage";
import { LoginPage } from "../features/auth/LoginPage";
import { RequireAuth } from "../features/auth/RequireAuth";
import { CostsPage } from "../features/costs/CostsPage";
import { GatewayPage } from "../features/gateway/GatewayPage";
import { OverviewPage } from "../features/overview/OverviewPage";
import { SettingsPage } from "../features/settings/SettingsPage";
import { AppShell } from "./AppShell";
import { NotFoundPage } from "./NotFoundPage";

export const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    path: "/",
    element: (
      <RequireAuth>
        <AppShell />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <OverviewPage /> },
      { path: "costs", element: <CostsPage /> },
      { path: "gateway", element: <GatewayPage /> },
      // Not under `/mcp`: the server keeps every path starting so for the bridge's HTTP door.
      {
        path: "tool-servers",
        // Its own chunk: the tool playground and forms only load when the page is opened.
        lazy: async () => ({ Component: (await import("../features/mcp/McpPage")).McpPage }),
      },
      // The graph library loads with these pages, not with the app.
      {
        path: "swarms",
        lazy: async () => ({ Component: (await import("../features/swarms/SwarmsPage")).SwarmsPage }),
      },
      {
        path: "swarms/:name/runs/:id",
        lazy: async () => ({ Component: (await import("../features/swarms/RunPage")).RunPage }),
      },
      {
        path: "runs/:id",
        lazy: async () => ({ Component: (await import("../features/swarms/RunPage")).RunPage }),
      },
      {
        path: "workflows",
        lazy: async () => ({ Component: (await import("../features/workflows/WorkflowsPage")).WorkflowsPage }),
      },
      { path: "settings", element: <SettingsPage /> },
      { path: "audit", element: <AuditPage /> },
      {
        path: "access",
        element: <AccessPage />,
        children: [
          { index: true, element: <AccessIndex /> },
          { path: "users", element: <RequireTab resource="user"><UsersTab /></RequireTab> },
          { path: "roles", element: <RequireTab resource="role"><RolesTab /></RequireTab> },
          { path: "keys", element: <RequireTab resource="key"><KeysTab /></RequireTab> },
        ],
      },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
