import { NavLink } from "react-router";
import { cn } from "../../lib/cn";

export interface TabLink {
  to: string;
  label: string;
}

/** Tabs that are links, so each tab has an address and the back button works. */
export function TabLinks({ tabs, label }: { tabs: TabLink[]; label: string }) {
  return (
    <nav aria-label={label} className="border-b border-slate-200">
      <ul className="-mb-px flex gap-6">
        {tabs.map((tab) => (
          <li key={tab.to}>
            <NavLink
              to={tab.to}
              className={({ isActive }) =>
                cn(
                  "inline-flex border-b-2 px-0.5 pb-2.5 text-sm font-medium transition-colors",
                  isActive
                    ? "border-indigo-600 text-indigo-700"
                    : "border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-800",
                )
              }
            >
              {tab.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
