import { NavLink } from "react-router";
import { Logo } from "../components/ui/Logo";
import { cn } from "../lib/cn";
import { useCan } from "../features/auth/permissions";
import { FOOTER_NAV, type NavItem, PRIMARY_NAV, UPCOMING_NAV, visibleNav } from "./navigation";

function NavEntry({ item }: { item: NavItem }) {
  const Icon = item.icon;
  if (!item.to) {
    return (
      <li>
        <span
          aria-disabled="true"
          title={`${item.label} is coming soon`}
          className="flex cursor-not-allowed items-center gap-3 rounded-lg px-3 py-2 text-sm text-slate-500"
        >
          <Icon className="size-4 shrink-0" aria-hidden="true" />
          <span className="flex-1">{item.label}</span>
          <span className="rounded bg-white/5 px-1.5 py-0.5 text-[10px] font-medium tracking-wide text-slate-500 uppercase">
            Soon
          </span>
        </span>
      </li>
    );
  }
  return (
    <li>
      <NavLink
        to={item.to}
        end={item.to === "/"}
        className={({ isActive }) =>
          cn(
            "flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors",
            isActive
              ? "bg-white/10 text-white"
              : "text-slate-300 hover:bg-white/5 hover:text-white",
          )
        }
      >
        <Icon className="size-4 shrink-0" aria-hidden="true" />
        {item.label}
      </NavLink>
    </li>
  );
}

export function Sidebar({ version }: { version?: string | undefined }) {
  const can = useCan();
  // The outer column stretches with the page; the inner one stays put while the page scrolls.
  return (
    <aside className="w-60 shrink-0 border-r border-white/5 bg-slate-950">
      <div className="sticky top-0 flex h-screen flex-col">
        <div className="flex h-14 items-center gap-2.5 px-5">
          <Logo className="size-7" />
          <span className="text-[15px] font-semibold tracking-tight text-white">SwarmDeck</span>
        </div>
        <nav aria-label="Main" className="flex flex-1 flex-col overflow-y-auto px-3 py-4">
          <ul className="space-y-0.5">
            {visibleNav(PRIMARY_NAV, can).map((item) => (
              <NavEntry key={item.label} item={item} />
            ))}
          </ul>
          <p className="mt-6 mb-1.5 px-3 text-[11px] font-semibold tracking-wider text-slate-500 uppercase">
            Coming soon
          </p>
          <ul className="space-y-0.5">
            {UPCOMING_NAV.map((item) => (
              <NavEntry key={item.label} item={item} />
            ))}
          </ul>
          <ul className="mt-auto space-y-0.5 border-t border-white/5 pt-4">
            {visibleNav(FOOTER_NAV, can).map((item) => (
              <NavEntry key={item.label} item={item} />
            ))}
          </ul>
        </nav>
        <p className="px-5 pb-4 text-[11px] text-slate-500">
          {version ? `SwarmDeck v${version}` : "SwarmDeck"}
        </p>
      </div>
    </aside>
  );
}
