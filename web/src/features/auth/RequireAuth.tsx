import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { isApiError } from "../../api/client";
import { ErrorState } from "../../components/ui/ErrorState";
import { FullPageSpinner } from "../../components/ui/FullPageSpinner";
import { useMe } from "./queries";

/** Render children for a logged-in user; send everyone else to the login screen. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();

  if (me.isSuccess) return children;
  if (me.isPending) return <FullPageSpinner label="Loading your workspace…" />;
  if (isApiError(me.error) && me.error.status === 401) {
    const next = location.pathname + location.search;
    const search = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
    return <Navigate to={`/login${search}`} replace />;
  }
  return (
    <div className="flex min-h-screen items-center justify-center bg-slate-50">
      <ErrorState error={me.error} what="your session" onRetry={() => void me.refetch()} />
    </div>
  );
}
