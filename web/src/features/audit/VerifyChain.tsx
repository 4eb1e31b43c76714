import { ShieldAlert, ShieldCheck } from "lucide-react";
import { describeError } from "../../api/client";
import type { AuditVerification } from "./types";

/** The outcome of "Verify chain": green with the count, or red with where and why it broke. */
export function VerifyResult({ result, error }: { result?: AuditVerification; error: unknown }) {
  if (error) {
    return (
      <div role="alert" data-testid="verify-result" data-ok="error" className="flex items-start gap-2.5 rounded-xl border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800">
        <ShieldAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        <p>
          <strong className="font-semibold">Could not verify the chain.</strong> {describeError(error)}
        </p>
      </div>
    );
  }
  if (!result) return null;
  if (result.ok) {
    return (
      <div role="status" data-testid="verify-result" data-ok="true" className="flex items-start gap-2.5 rounded-xl border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800">
        <ShieldCheck className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
        <p>
          <strong className="font-semibold">Chain intact.</strong> {result.records.toLocaleString()}{" "}
          {result.records === 1 ? "record" : "records"} verified: every hash links to the one before.
        </p>
      </div>
    );
  }
  return (
    <div role="alert" data-testid="verify-result" data-ok="false" className="flex items-start gap-2.5 rounded-xl border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-800">
      <ShieldAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
      <p>
        <strong className="font-semibold">Chain broken</strong>
        {result.first_bad != null ? (
          <>
            {" "}at record <code className="font-mono">{String(result.first_bad)}</code>
          </>
        ) : null}
        : {result.reason ?? "no reason given"}. {result.records.toLocaleString()} records checked.
      </p>
    </div>
  );
}
