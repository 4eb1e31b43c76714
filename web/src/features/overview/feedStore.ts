import { create } from "zustand";
import type { BusEvent } from "../../live/busEvent";

/** How many events the live feed keeps; older ones fall off the end. */
export const FEED_LIMIT = 200;

interface FeedState {
  /** Newest first. */
  events: BusEvent[];
  /** Events received since login, including those that fell off the end. */
  received: number;
  push: (event: BusEvent) => void;
  /** Add history (newest first) below what the live stream already delivered. */
  seed: (history: BusEvent[]) => void;
  clear: () => void;
}

export const useFeedStore = create<FeedState>((set) => ({
  events: [],
  received: 0,
  push: (event) =>
    set((state) => {
      // A resumed stream may replay an event we already have.
      if (state.events.some((e) => e.id === event.id)) return state;
      return {
        events: [event, ...state.events].slice(0, FEED_LIMIT),
        received: state.received + 1,
      };
    }),
  seed: (history) =>
    set((state) => {
      const known = new Set(state.events.map((e) => e.id));
      const older = history.filter((e) => !known.has(e.id));
      if (older.length === 0) return state;
      return {
        events: [...state.events, ...older].slice(0, FEED_LIMIT),
        received: state.received + older.length,
      };
    }),
  clear: () => set({ events: [], received: 0 }),
}));
