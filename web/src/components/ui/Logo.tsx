import { cn } from "../../lib/cn";

/** The SwarmDeck mark: three linked nodes on an indigo tile. */
export function Logo({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={cn("size-8", className)}>
      <rect width="32" height="32" rx="8" fill="#4f46e5" />
      <path d="M10 21.5 16 10.5l6 11z" fill="none" stroke="#c7d2fe" strokeWidth="1.6" strokeLinejoin="round" />
      <circle cx="16" cy="10.5" r="3" fill="#fff" />
      <circle cx="10" cy="21.5" r="3" fill="#fff" />
      <circle cx="22" cy="21.5" r="3" fill="#a5b4fc" />
    </svg>
  );
}
