import { useState } from "react";
import type { McpTool } from "./types";

/** Chips shown before the rest fold away behind "+N more". */
const FOLD_AFTER = 8;

/** Tool names as chips, their descriptions on hover; a long list folds. */
export function ToolChips({ tools }: { tools: McpTool[] }) {
  const [open, setOpen] = useState(false);
  const folds = tools.length > FOLD_AFTER + 1; // folding one chip away saves nothing
  const shown = folds && !open ? tools.slice(0, FOLD_AFTER) : tools;
  return (
    <ul className="flex flex-wrap items-center gap-1.5" aria-label="Tools">
      {shown.map((tool) => (
        <li
          key={tool.name}
          data-testid="mcp-virtual-tool"
          title={tool.description ?? undefined}
          className="rounded-md bg-white px-1.5 py-0.5 font-mono text-[11px] text-slate-700 ring-1 ring-slate-200 ring-inset"
        >
          {tool.name}
        </li>
      ))}
      {folds ? (
        <li>
          <button
            type="button"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
            className="rounded-md px-1.5 py-0.5 text-[11px] font-medium text-indigo-600 hover:bg-indigo-50 hover:text-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-600"
          >
            {open ? "Show fewer" : `+${tools.length - FOLD_AFTER} more`}
          </button>
        </li>
      ) : null}
    </ul>
  );
}
