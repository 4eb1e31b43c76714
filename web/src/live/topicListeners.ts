// Pages that react to one topic (the audit log to `audit`) listen here; the shell feeds every
// event from its one SSE stream in, so a page does not open a second connection.
import { useEffect, useLayoutEffect, useRef } from "react";
import type { BusEvent, BusEventHandler } from "./busEvent";

const listeners = new Map<string, Set<BusEventHandler>>();

/** Hand an event to the listeners of its topic. */
export function dispatchToTopicListeners(event: BusEvent): void {
  for (const handler of listeners.get(event.topic) ?? []) handler(event);
}

/** Call `handler` for each live event on `topic` while the component is mounted. */
export function useTopicEvents(topic: string, handler: BusEventHandler): void {
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const listener: BusEventHandler = (event) => latest.current(event);
    let set = listeners.get(topic);
    if (!set) {
      set = new Set();
      listeners.set(topic, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(topic);
    };
  }, [topic]);
}
