import { formatDateTime, formatRelative, toDate } from "../../lib/format";

/**
 * A timestamp as "5m ago" (or "in 30d" for expiry dates) with the full date on hover; `empty`
 * when there is none. A minute of clock skew still reads "just now" rather than "in 1m".
 */
export function RelativeTime({ value, now, empty = "never" }: { value: unknown; now: number; empty?: string }) {
  const date = toDate(value);
  if (!date) return <span className="text-slate-400">{empty}</span>;
  return (
    <time dateTime={date.toISOString()} title={formatDateTime(date)} className="whitespace-nowrap text-slate-600">
      {date.getTime() > now + 60_000 ? formatFuture(date, now) : formatRelative(date, now)}
    </time>
  );
}

function formatFuture(date: Date, now: number): string {
  const minutes = Math.round((date.getTime() - now) / 60_000);
  if (minutes < 60) return `in ${Math.max(1, minutes)}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours}h`;
  return `in ${Math.round(hours / 24)}d`;
}
