import { useEffect, useLayoutEffect, useRef } from "react";

/**
 * A function that calls the latest `run` at most once per `ms`: calls in between are folded
 * into the one already scheduled (a burst of events becomes one refetch).
 */
export function useThrottled(run: () => void, ms: number): () => void {
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef(run);
  useLayoutEffect(() => {
    latest.current = run;
  });
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return () => {
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, ms);
  };
}
