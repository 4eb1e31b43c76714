import { Radio, Trash2 } from "lucide-react";
import { memo } from "react";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { StatusDot } from "../../components/ui/StatusDot";
import type { BusEvent } from "../../live/busEvent";
import { useLinkStatus } from "../../live/connectionStore";
import { cn } from "../../lib/cn";
import { compactJson, formatClock, formatDateTime, toDate } from "../../lib/format";
import { FEED_LIMIT, useFeedStore } from "./feedStore";
import { topicClasses } from "./topicTone";

const EventRow = memo(function EventRow({ event }: { event: BusEvent }) {
  const date = toDate(event.ts);
  const data = compactJson(event.data);
  return (
    <li
      data-testid="feed-row"
      data-event-id={event.id}
      className="animate-row-in grid grid-cols-[6.5rem_8rem_minmax(0,12rem)_minmax(0,1fr)] items-center gap-3 px-5 py-2 text-sm hover:bg-slate-50"
    >
      <time
        className="font-mono text-xs text-slate-500 tabular-nums"
        dateTime={date?.toISOString()}
        title={date ? formatDateTime(date) : undefined}
      >
        {date ? formatClock(date) : "—"}
      </time>
      <span className="min-w-0">
        <span
          className={cn(
            "inline-block max-w-full truncate rounded-md px-2 py-0.5 align-middle text-xs font-medium ring-1 ring-inset",
            topicClasses(event.topic),
          )}
          title={event.topic}
        >
          {event.topic}
        </span>
      </span>
      <span className="truncate font-mono text-xs font-medium text-slate-800" title={event.type}>
        {event.type}
      </span>
      <code className="truncate font-mono text-xs text-slate-500" title={data}>
        {data || <span className="text-slate-400 italic">no data</span>}
      </code>
    </li>
  );
});

export function EventFeed() {
  const events = useFeedStore((s) => s.events);
  const received = useFeedStore((s) => s.received);
  const clear = useFeedStore((s) => s.clear);
  const link = useLinkStatus();
  const live = link === "connected";

  return (
    <Card data-testid="event-feed" aria-label="Live events">
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Live events
            <StatusDot tone={live ? "success" : "neutral"} pulse={live} />
          </span>
        }
        description={`Every bus event you can read, newest first. The last ${FEED_LIMIT} are kept.`}
        actions={
          <>
            <span className="text-xs text-slate-500 tabular-nums">
              {received > events.length
                ? `${events.length} shown of ${received}`
                : `${events.length} ${events.length === 1 ? "event" : "events"}`}
            </span>
            <Button size="sm" variant="ghost" onClick={clear} disabled={events.length === 0}>
              <Trash2 className="size-3.5" aria-hidden="true" />
              Clear
            </Button>
          </>
        }
      />
      {events.length === 0 ? (
        <EmptyState
          icon={Radio}
          title={live ? "Listening for events" : "Waiting for the live connection"}
          description={
            live
              ? "Events published on the bus appear here the moment they happen: component changes, gateway calls, swarm runs."
              : "The feed starts as soon as the event stream is connected."
          }
        />
      ) : (
        <>
          <div className="grid grid-cols-[6.5rem_8rem_minmax(0,12rem)_minmax(0,1fr)] gap-3 border-b border-slate-100 bg-slate-50/60 px-5 py-2 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">
            <span>Time</span>
            <span>Topic</span>
            <span>Type</span>
            <span>Data</span>
          </div>
          <ol className="max-h-[28rem] divide-y divide-slate-100 overflow-y-auto">
            {events.map((event) => (
              <EventRow key={event.id} event={event} />
            ))}
          </ol>
        </>
      )}
    </Card>
  );
}
