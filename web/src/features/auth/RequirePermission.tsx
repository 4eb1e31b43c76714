import { ShieldX } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { Card } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { type Can, useCan } from "./permissions";
import { useMe } from "./queries";

interface RequirePermissionProps {
  /** What the page is called, for the message ("the audit log"). */
  what: string;
  /** The permission text shown to the user, e.g. `audit:read`. */
  needs: string;
  allowed: (can: Can) => boolean;
  children: ReactNode;
}

/** Render a page only for users whose role allows it; everyone else reads why not. */
export function RequirePermission({ what, needs, allowed, children }: RequirePermissionProps) {
  const can = useCan();
  const me = useMe();
  if (allowed(can)) return children;
  return (
    <Card data-testid="not-allowed">
      <EmptyState
        icon={ShieldX}
        title={`You are not allowed to view ${what}`}
        description={
          <>
            Your role{me.data ? <> (<strong className="font-medium text-slate-700">{me.data.role}</strong>)</> : null}{" "}
            does not include <code className="font-mono text-slate-700">{needs}</code>. Ask an administrator if
            you need access.
          </>
        }
        action={
          <Link to="/" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
            Back to the overview
          </Link>
        }
      />
    </Card>
  );
}
