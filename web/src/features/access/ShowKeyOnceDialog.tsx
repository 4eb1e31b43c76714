import { TriangleAlert } from "lucide-react";
import { Button } from "../../components/ui/Button";
import { CopyButton } from "../../components/ui/CopyButton";
import { Dialog } from "../../components/ui/Dialog";
import type { CreatedKey } from "./types";

/** The one time the secret is on screen: copy it now, it is gone when this closes. */
export function ShowKeyOnceDialog({ created, onClose }: { created: CreatedKey; onClose: () => void }) {
  return (
    <Dialog
      title="Your new API key"
      description={
        <>
          Key <strong className="font-medium text-slate-700">{created.name}</strong> for{" "}
          <strong className="font-medium text-slate-700">{created.user}</strong>
          {created.role ? <> with role {created.role}</> : null}.
        </>
      }
      onClose={onClose}
      dismissible={false}
      footer={
        <Button variant="primary" onClick={onClose}>
          I have stored it
        </Button>
      }
    >
      <div className="space-y-4">
        <div className="flex items-start gap-2.5 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2.5 text-sm text-amber-900">
          <TriangleAlert className="mt-0.5 size-4 shrink-0 text-amber-600" aria-hidden="true" />
          <p>
            <strong className="font-semibold">This key will not be shown again.</strong> Copy it now and keep it
            somewhere safe; if it is lost, revoke it and create another.
          </p>
        </div>
        <div className="flex items-center gap-2 rounded-lg border border-slate-200 bg-slate-50 p-2 pl-3">
          <code data-testid="new-key" className="min-w-0 flex-1 font-mono text-sm break-all text-slate-900 select-all">
            {created.key}
          </code>
          <CopyButton text={created.key} />
        </div>
        <p className="text-xs text-slate-500">
          Send it as <code className="font-mono">Authorization: Bearer &lt;key&gt;</code>.
        </p>
      </div>
    </Dialog>
  );
}
