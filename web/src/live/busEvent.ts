// The wire shape of a bus event, as pushed on the SSE stream and the WebSocket.
// Not in the OpenAPI document (streams are untyped there), so it is checked on arrival.

export interface BusEvent {
  id: string;
  topic: string;
  type: string;
  data: unknown;
  ts: string | number;
}

/** Return a BusEvent from parsed JSON, or null when the payload is not one. */
export function toBusEvent(value: unknown): BusEvent | null {
  if (!value || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  if (typeof v.topic !== "string" || typeof v.type !== "string") return null;
  if (typeof v.id !== "string" && typeof v.id !== "number") return null;
  const ts = typeof v.ts === "string" || typeof v.ts === "number" ? v.ts : "";
  return { id: String(v.id), topic: v.topic, type: v.type, data: v.data, ts };
}

export type BusEventHandler = (event: BusEvent) => void;

/** Order bus event ids, which are `<ms>-<seq>`: by time, then by sequence. */
export function compareEventIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am - bm || as - bs;
}
