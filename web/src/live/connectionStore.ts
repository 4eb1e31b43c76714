import { create } from "zustand";

/** One live channel's state: the SSE stream or the WebSocket. */
export type ChannelState = "connecting" | "open" | "retrying" | "down";

/** What the top bar shows. */
export type LinkStatus = "connected" | "connecting" | "reconnecting" | "disconnected";

interface ConnectionState {
  sse: ChannelState;
  ws: ChannelState;
  /** Both channels have been open together at least once since login. */
  everConnected: boolean;
  setSse: (state: ChannelState) => void;
  setWs: (state: ChannelState) => void;
  reset: () => void;
}

const touchEver = (s: ConnectionState, sse: ChannelState, ws: ChannelState) =>
  s.everConnected || (sse === "open" && ws === "open");

export const useConnectionStore = create<ConnectionState>((set) => ({
  sse: "connecting",
  ws: "connecting",
  everConnected: false,
  setSse: (sse) => set((s) => ({ sse, everConnected: touchEver(s, sse, s.ws) })),
  setWs: (ws) => set((s) => ({ ws, everConnected: touchEver(s, s.sse, ws) })),
  reset: () => set({ sse: "connecting", ws: "connecting", everConnected: false }),
}));

/** Green only when both channels are open; red when either has failed repeatedly. */
export function linkStatus(sse: ChannelState, ws: ChannelState, everConnected: boolean): LinkStatus {
  if (sse === "open" && ws === "open") return "connected";
  if (sse === "down" || ws === "down") return "disconnected";
  return everConnected ? "reconnecting" : "connecting";
}

export function useLinkStatus(): LinkStatus {
  return useConnectionStore((s) => linkStatus(s.sse, s.ws, s.everConnected));
}
