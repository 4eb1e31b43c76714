import { Badge } from "../components/ui/Badge";
import { StatusDot } from "../components/ui/StatusDot";
import { useConnectionStore } from "./connectionStore";

/** "Live" while the event stream is open, so a page can say its numbers move by themselves. */
export function LiveBadge() {
  const open = useConnectionStore((s) => s.sse === "open");
  return (
    <Badge
      tone={open ? "success" : "neutral"}
      className="px-2.5 py-1"
      title={open ? "Updates as calls happen" : "Waiting for the event stream"}
    >
      <StatusDot tone={open ? "success" : "neutral"} pulse={open} />
      {open ? "Live" : "Reconnecting"}
    </Badge>
  );
}
