import { RefreshCw, ShieldX, TriangleAlert } from "lucide-react";
import { isApiError } from "../../api/client";
import { Button } from "./Button";
import { EmptyState } from "./EmptyState";

interface ErrorStateProps {
  error: unknown;
  what: string;
  onRetry?: () => void;
  className?: string;
}

/** What went wrong loading `what`, in words a person can act on, with a retry. */
export function ErrorState({ error, what, onRetry, className }: ErrorStateProps) {
  if (isApiError(error) && error.status === 403) {
    return (
      <EmptyState
        className={className}
        icon={ShieldX}
        title={`You are not allowed to view ${what}`}
        description={
          <>
            <span className="block">The server said: “{error.message}”</span>
            <span className="mt-1 block">Your role does not include this permission. Ask an administrator for access.</span>
          </>
        }
      />
    );
  }
  const message = error instanceof Error ? error.message : "Something went wrong.";
  return (
    <EmptyState
      className={className}
      icon={TriangleAlert}
      title={`Could not load ${what}`}
      description={message}
      action={
        onRetry ? (
          <Button size="sm" onClick={onRetry}>
            <RefreshCw className="size-3.5" aria-hidden="true" />
            Try again
          </Button>
        ) : null
      }
    />
  );
}
