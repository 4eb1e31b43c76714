import { api } from "../../api/client";
import { type BusEvent, toBusEvent } from "../../live/busEvent";
import { FEED_LIMIT, useFeedStore } from "./feedStore";

/** Fill the feed with the bus's recent history, so it is not blank right after login. */
export async function seedFeedFromHistory(signal?: AbortSignal): Promise<void> {
  let history: unknown;
  try {
    history = await api<unknown>(`/api/events/recent?limit=${FEED_LIMIT}`, { signal });
  } catch {
    return; // History is a nicety: the live stream still fills the feed.
  }
  if (!Array.isArray(history)) return;
  const events = history.map(toBusEvent).filter((e): e is BusEvent => e !== null);
  useFeedStore.getState().seed(events.reverse());
}
