/** Series colours, in order, for the biggest spenders; "other" is always slate. */
export const SERIES_COLORS = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ec4899", "#8b5cf6"];
export const OTHER_COLOR = "#94a3b8";

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? OTHER_COLOR;
}
