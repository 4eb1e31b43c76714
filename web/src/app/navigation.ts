import {
  Bot,
  CircleDollarSign,
  LayoutDashboard,
  type LucideIcon,
  Plug,
  Settings,
  ShieldCheck,
  SquareTerminal,
  Waypoints,
} from "lucide-react";

export interface NavItem {
  label: string;
  icon: LucideIcon;
  /** Absent while the page is still to come. */
  to?: string;
}

export const PRIMARY_NAV: NavItem[] = [{ label: "Overview", icon: LayoutDashboard, to: "/" }];

export const UPCOMING_NAV: NavItem[] = [
  { label: "Costs", icon: CircleDollarSign },
  { label: "Gateway", icon: Waypoints },
  { label: "MCP", icon: Plug },
  { label: "Swarms", icon: Bot },
  { label: "Operations", icon: SquareTerminal },
  { label: "Audit", icon: ShieldCheck },
];

export const FOOTER_NAV: NavItem[] = [{ label: "Settings", icon: Settings, to: "/settings" }];

/** The page title for the top bar's breadcrumb. */
export function titleFor(pathname: string): string {
  const all = [...PRIMARY_NAV, ...FOOTER_NAV];
  const match = all.find((item) => item.to && item.to !== "/" && pathname.startsWith(item.to));
  if (match) return match.label;
  return pathname === "/" ? "Overview" : "Not found";
}
