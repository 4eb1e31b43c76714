import { Spinner } from "./Spinner";

export function FullPageSpinner({ label }: { label: string }) {
  return (
    <div
      role="status"
      className="flex min-h-screen flex-col items-center justify-center gap-3 bg-slate-50 text-slate-500"
    >
      <Spinner className="size-6 text-indigo-500" />
      <p className="text-sm">{label}</p>
    </div>
  );
}
