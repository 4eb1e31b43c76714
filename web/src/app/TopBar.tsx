import { ChevronRight, LogOut } from "lucide-react";
import { useLocation } from "react-router";
import type { Me } from "../api/types";
import { Button } from "../components/ui/Button";
import { useLogout } from "../features/auth/queries";
import { ConnectionIndicator } from "./ConnectionIndicator";
import { titleFor } from "./navigation";

function initials(name: string): string {
  const parts = name.split(/[\s._@-]+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]![0]}${parts[1]![0]}` : name.slice(0, 2);
  return letters.toUpperCase();
}

export function TopBar({ me }: { me: Me }) {
  const location = useLocation();
  const logout = useLogout();

  return (
    <header className="sticky top-0 z-10 flex h-14 items-center justify-between gap-4 border-b border-slate-200 bg-white/90 px-6 backdrop-blur">
      <nav aria-label="Breadcrumb" className="flex min-w-0 items-center gap-1.5 text-sm">
        <span className="text-slate-500">SwarmDeck</span>
        <ChevronRight className="size-3.5 text-slate-400" aria-hidden="true" />
        <span className="truncate font-medium text-slate-900">{titleFor(location.pathname)}</span>
      </nav>
      <div className="flex items-center gap-4">
        <ConnectionIndicator />
        <div className="h-6 w-px bg-slate-200" aria-hidden="true" />
        <div className="flex items-center gap-2.5" data-testid="current-user">
          <div
            aria-hidden="true"
            className="flex size-8 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700"
          >
            {initials(me.name)}
          </div>
          <div className="hidden leading-tight sm:block">
            <p className="text-sm font-medium text-slate-900">{me.name}</p>
            <p className="text-xs text-slate-500 capitalize">{me.role}</p>
          </div>
        </div>
        <Button size="sm" variant="ghost" onClick={() => logout.mutate()} loading={logout.isPending}>
          {logout.isPending ? null : <LogOut className="size-3.5" aria-hidden="true" />}
          Log out
        </Button>
      </div>
    </header>
  );
}
