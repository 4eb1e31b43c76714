import { useEffect, useRef, useState } from "react";
import { useConnectionStore } from "./connectionStore";

/**
 * A number that changes each time the event stream opens while the component is mounted (an
 * open stream found at mount does not count), so what was fetched while no event could reach
 * the page can be fetched again: a first connection replays nothing.
 */
export function useStreamOpenings(): number {
  const open = useConnectionStore((s) => s.sse === "open");
  const [openings, setOpenings] = useState(0);
  const wasOpen = useRef(open); // open already at mount: the first fetch comes after it
  useEffect(() => {
    if (open && !wasOpen.current) setOpenings((n) => n + 1);
    wasOpen.current = open;
  }, [open]);
  return openings;
}
