// Opens the SSE stream and the control WebSocket for a logged-in user, reports their
// state to the connection store, and closes both on logout (unmount).
import { createContext, type ReactNode, useContext, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { BusEventHandler } from "./busEvent";
import { useConnectionStore } from "./connectionStore";
import { ControlSocket, controlSocketUrl } from "./controlSocket";
import { EventStream } from "./eventStream";

const ControlSocketContext = createContext<ControlSocket | null>(null);

interface LiveProviderProps {
  /** Every bus event from the SSE stream goes to this handler. */
  onEvent: BusEventHandler;
  /** The stream came back after a gap: refetch what events would have updated. */
  onResume?: () => void;
  /** The server refused the stream: the session may have ended. */
  onRefused?: () => void;
  children: ReactNode;
}

export function LiveProvider({ onEvent, onResume, onRefused, children }: LiveProviderProps) {
  // Handlers may change identity between renders; the connections must not restart for that.
  const handlers = useRef({ onEvent, onResume, onRefused });
  useLayoutEffect(() => {
    handlers.current = { onEvent, onResume, onRefused };
  });
  const [socket, setSocket] = useState<ControlSocket | null>(null);

  useEffect(() => {
    const { setSse, setWs, reset } = useConnectionStore.getState();
    reset();
    // When one channel gets through, the server is back: the other need not sit out its backoff.
    const stream: EventStream = new EventStream({
      url: "/api/events",
      onEvent: (event) => handlers.current.onEvent(event),
      onState: (state) => {
        setSse(state);
        if (state === "open") control.retryNow();
      },
      onResume: () => handlers.current.onResume?.(),
      onRefused: () => handlers.current.onRefused?.(),
    });
    const control: ControlSocket = new ControlSocket(controlSocketUrl(), (state) => {
      setWs(state);
      if (state === "open") stream.retryNow();
    });
    stream.start();
    control.start();
    setSocket(control);
    return () => {
      stream.stop();
      control.stop();
      setSocket(null);
      reset();
    };
  }, []);

  return <ControlSocketContext.Provider value={socket}>{children}</ControlSocketContext.Provider>;
}

/** The control channel, or null before it exists; commands queue until it is open. */
export function useControlSocket(): ControlSocket | null {
  return useContext(ControlSocketContext);
}
