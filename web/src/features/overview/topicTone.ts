// A stable colour per topic so the eye can follow one stream in the feed.
const KNOWN: Record<string, string> = {
  system: "bg-sky-50 text-sky-700 ring-sky-600/20",
  gateway: "bg-violet-50 text-violet-700 ring-violet-600/20",
  costs: "bg-amber-50 text-amber-800 ring-amber-600/25",
  mcp: "bg-teal-50 text-teal-700 ring-teal-600/20",
  swarms: "bg-indigo-50 text-indigo-700 ring-indigo-600/20",
  ops: "bg-rose-50 text-rose-700 ring-rose-600/20",
  audit: "bg-slate-100 text-slate-700 ring-slate-500/20",
};

const PALETTE = [
  "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  "bg-fuchsia-50 text-fuchsia-700 ring-fuchsia-600/20",
  "bg-cyan-50 text-cyan-700 ring-cyan-600/20",
  "bg-orange-50 text-orange-700 ring-orange-600/20",
  "bg-lime-50 text-lime-800 ring-lime-600/25",
  "bg-pink-50 text-pink-700 ring-pink-600/20",
];

export function topicClasses(topic: string): string {
  const root = topic.split(/[.:/]/, 1)[0] ?? topic;
  const known = KNOWN[root];
  if (known) return known;
  let hash = 0;
  for (const ch of topic) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? PALETTE[0]!;
}
