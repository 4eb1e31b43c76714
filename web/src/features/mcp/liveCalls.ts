// The live log of tool calls: `tool.called` on the `mcp` topic, one event per call through
// any front door, seeded from the bus's recent history.
import { useEffect, useState } from "react";
import { api } from "../../api/client";
import { type BusEvent, compareEventIds, toBusEvent } from "../../live/busEvent";
import { useTopicEvents } from "../../live/topicListeners";
import { toDate } from "../../lib/format";
import { MCP_TOPIC } from "./liveMcp";
import type { ToolCallEvent } from "./types";
import { useStreamOpenings } from "../../live/useStreamOpenings";

/** Calls the log keeps, newest first. */
export const CALL_LOG_LIMIT = 200;

/** The call in a `tool.called` event, or null when the event is something else. */
export function toToolCall(event: BusEvent): ToolCallEvent | null {
  if (event.topic !== MCP_TOPIC || event.type !== "tool.called") return null;
  const data = event.data;
  if (!data || typeof data !== "object") return null;
  const c = data as Record<string, unknown>;
  if (typeof c.tool !== "string" || typeof c.outcome !== "string") return null;
  return {
    id: event.id,
    at: toDate(event.ts),
    tool: c.tool,
    server: typeof c.server === "string" ? c.server : "",
    outcome: c.outcome,
    duration_ms: typeof c.duration_ms === "number" ? c.duration_ms : 0,
    actor: typeof c.actor === "string" ? c.actor : "",
  };
}

function mergeNewest(into: ToolCallEvent[], added: ToolCallEvent[]): ToolCallEvent[] {
  const known = new Set(into.map((c) => c.id));
  const fresh = added.filter((c) => !known.has(c.id));
  if (fresh.length === 0) return into;
  return [...fresh, ...into].slice(0, CALL_LOG_LIMIT);
}

/**
 * Tool calls as they happen, newest first: seeded from the bus's recent history (what is
 * still in its buffer) so the log is not blank on arrival, then fed by `tool.called`.
 */
export function useToolCallLog(): { calls: ToolCallEvent[]; seeded: boolean } {
  const [calls, setCalls] = useState<ToolCallEvent[]>([]);
  const [seeded, setSeeded] = useState(false);
  // Seeded again each time the stream opens: calls made before it did are in the history.
  const openings = useStreamOpenings();

  useEffect(() => {
    const controller = new AbortController();
    api<unknown>(`/api/events/recent?topics=${MCP_TOPIC}&limit=1000`, { signal: controller.signal })
      .then((history) => {
        if (!Array.isArray(history)) return;
        const past = history
          .map(toBusEvent)
          .map((e) => (e ? toToolCall(e) : null))
          .filter((c): c is ToolCallEvent => c !== null)
          .reverse(); // oldest first from the server
        // Calls already shown (live ones, an earlier seeding) are kept once; newest first.
        setCalls((shown) => {
          const known = new Set(shown.map((c) => c.id));
          const missing = past.filter((c) => !known.has(c.id));
          if (missing.length === 0) return shown;
          return [...shown, ...missing].sort((a, b) => compareEventIds(b.id, a.id)).slice(0, CALL_LOG_LIMIT);
        });
      })
      .catch(() => undefined) // History is a nicety: the live stream still fills the log.
      .finally(() => {
        if (!controller.signal.aborted) setSeeded(true);
      });
    return () => controller.abort();
  }, [openings]);

  useTopicEvents(MCP_TOPIC, (event) => {
    const call = toToolCall(event);
    if (call) setCalls((current) => mergeNewest(current, [call]));
  });

  return { calls, seeded };
}
