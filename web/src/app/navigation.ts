import {
  Bot,
  CircleDollarSign,
  KeyRound,
  LayoutDashboard,
  type LucideIcon,
  Plug,
  ScrollText,
  Settings,
  SquareTerminal,
  Waypoints,
  Workflow,
} from "lucide-react";
import { canSeeAccess } from "../features/access/AccessPage";
import { canSeeCosts } from "../features/costs/CostsPage";
import { canSeeGateway } from "../features/gateway/GatewayPage";
import { canSeeMcp } from "../features/mcp/access";
import { canSeeSwarms } from "../features/swarms/access";
import { canSeeWorkflows } from "../features/workflows/access";
import type { Can } from "../features/auth/permissions";

export interface NavItem {
  label: string;
  icon: LucideIcon;
  /** Absent while the page is still to come. */
  to?: string;
  /** Shown only to users this returns true for; everyone when absent. */
  allowed?: (can: Can) => boolean;
}

export const PRIMARY_NAV: NavItem[] = [
  { label: "Overview", icon: LayoutDashboard, to: "/" },
  { label: "Costs", icon: CircleDollarSign, to: "/costs", allowed: canSeeCosts },
  { label: "Gateway", icon: Waypoints, to: "/gateway", allowed: canSeeGateway },
  { label: "Swarms", icon: Bot, to: "/swarms", allowed: canSeeSwarms },
  { label: "Workflows", icon: Workflow, to: "/workflows", allowed: canSeeWorkflows },
  { label: "MCP", icon: Plug, to: "/tool-servers", allowed: canSeeMcp },
];

export const UPCOMING_NAV: NavItem[] = [{ label: "Operations", icon: SquareTerminal }];

export const FOOTER_NAV: NavItem[] = [
  { label: "Access", icon: KeyRound, to: "/access", allowed: canSeeAccess },
  { label: "Audit", icon: ScrollText, to: "/audit", allowed: (can) => can("audit", "read", "records") },
  { label: "Settings", icon: Settings, to: "/settings", allowed: (can) => can("settings", "read") },
];

/** The entries of `items` this user may open. */
export function visibleNav(items: NavItem[], can: Can): NavItem[] {
  return items.filter((item) => !item.allowed || item.allowed(can));
}

/** The page title for the top bar's breadcrumb. */
export function titleFor(pathname: string): string {
  const all = [...PRIMARY_NAV, ...FOOTER_NAV];
  const match = all.find((item) => item.to && item.to !== "/" && pathname.startsWith(item.to));
  if (match) return match.label;
  if (pathname.startsWith("/runs/")) return "Swarms"; // on its way to /swarms/{name}/runs/{id}
  return pathname === "/" ? "Overview" : "Not found";
}
