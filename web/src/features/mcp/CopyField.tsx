import { CopyButton } from "../../components/ui/CopyButton";
import { cn } from "../../lib/cn";

interface CopyFieldProps {
  /** What the text is, for screen readers (every copy button reads "Copy"). */
  label: string;
  text: string;
  testId?: string;
  className?: string;
}

/** A URL or a command in a box, selected whole at a click, with a copy button. */
export function CopyField({ label, text, testId, className }: CopyFieldProps) {
  return (
    <div
      role="group"
      aria-label={label}
      className={cn("flex items-center gap-2 rounded-lg border border-slate-200 bg-slate-50 py-1 pr-1 pl-3", className)}
    >
      <code data-testid={testId} className="min-w-0 flex-1 font-mono text-[13px] break-words text-slate-900 select-all">
        {text}
      </code>
      <CopyButton text={text} />
    </div>
  );
}
