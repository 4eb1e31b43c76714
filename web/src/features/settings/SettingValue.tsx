import { Lock } from "lucide-react";
import { Badge } from "../../components/ui/Badge";
import { compactJson } from "../../lib/format";
import { MASK } from "./flatten";

const muted = "text-sm text-slate-400 italic";

/** One setting's value, shown by kind: secrets, booleans, empties, numbers, JSON. */
export function SettingValue({ value }: { value: unknown }) {
  if (value === MASK) {
    return (
      <span
        className="inline-flex items-center gap-1.5 font-mono text-sm text-slate-500"
        title="Secret: the server never returns it"
      >
        <Lock className="size-3.5 text-slate-400" aria-hidden="true" />
        {MASK}
      </span>
    );
  }
  if (value === null || value === undefined) return <span className={muted}>not set</span>;
  if (typeof value === "boolean") {
    return <Badge tone={value ? "success" : "neutral"}>{String(value)}</Badge>;
  }
  if (value === "") return <span className={muted}>empty</span>;
  if (typeof value === "string") {
    return <span className="font-mono text-sm break-all text-slate-800">{value}</span>;
  }
  if (typeof value === "number") {
    return <span className="font-mono text-sm text-slate-800 tabular-nums">{value}</span>;
  }
  if (Array.isArray(value) && value.length === 0) return <span className={muted}>none</span>;
  return <code className="font-mono text-sm break-all text-slate-700">{compactJson(value)}</code>;
}
