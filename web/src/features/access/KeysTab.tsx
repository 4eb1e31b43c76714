import { KeyRound, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { describeError } from "../../api/client";
import { Badge } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { RelativeTime } from "../../components/ui/RelativeTime";
import { TableSkeleton, TBody, THead, Table, Td, Th } from "../../components/ui/Table";
import { toast } from "../../components/ui/toastStore";
import { toDate } from "../../lib/format";
import { useNow } from "../../lib/useNow";
import { useCan } from "../auth/permissions";
import { CreateKeyDialog } from "./CreateKeyDialog";
import { useKeys, useRevokeKey } from "./queries";
import { RoleBadge } from "./RoleBadge";
import { ShowKeyOnceDialog } from "./ShowKeyOnceDialog";
import type { ApiKey, CreatedKey } from "./types";

type Open = { kind: "create" } | { kind: "created"; key: CreatedKey } | { kind: "revoke"; key: ApiKey } | null;

function keyState(key: ApiKey, now: number): { label: string; tone: "success" | "danger" | "neutral" } {
  if (key.revoked_at != null) return { label: "revoked", tone: "danger" };
  const expires = toDate(key.expires_at);
  if (expires && expires.getTime() <= now) return { label: "expired", tone: "neutral" };
  return { label: "active", tone: "success" };
}

export function KeysTab() {
  const can = useCan();
  const keys = useKeys();
  const revoke = useRevokeKey();
  const now = useNow();
  const [open, setOpen] = useState<Open>(null);

  const mayWrite = can("key", "write");
  const mayDelete = can("key", "delete");

  return (
    <Card data-testid="keys">
      <CardHeader
        title="API keys"
        description="Keys let scripts and services call the API as a user. Only the last four characters are kept on screen."
        actions={
          mayWrite ? (
            <Button variant="primary" size="sm" onClick={() => setOpen({ kind: "create" })}>
              <Plus className="size-3.5" aria-hidden="true" />
              Create key
            </Button>
          ) : null
        }
      />
      {keys.isPending ? (
        <TableSkeleton columns={7} />
      ) : keys.isError ? (
        <ErrorState error={keys.error} what="API keys" onRetry={() => void keys.refetch()} />
      ) : keys.data.length === 0 ? (
        <EmptyState icon={KeyRound} title="No API keys" description="Create one for a user to call the API from a script." />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th>Name</Th>
              <Th>Key</Th>
              <Th>Owner</Th>
              <Th>Role</Th>
              <Th>Created</Th>
              <Th>Last used</Th>
              <Th>Expires</Th>
              <Th>Status</Th>
              {mayDelete ? (
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              ) : null}
            </tr>
          </THead>
          <TBody>
            {keys.data.map((key) => {
              const state = keyState(key, now);
              return (
                <tr
                  key={key.id}
                  data-testid="key-row"
                  data-key-id={key.id}
                  className={state.label === "active" ? "hover:bg-slate-50" : "bg-slate-50/50 text-slate-500"}
                >
                  <Td className="font-medium text-slate-900">{key.name}</Td>
                  <Td>
                    <code className="font-mono text-xs whitespace-nowrap text-slate-600" title="Only the last four characters are shown">
                      <span aria-hidden="true" className="text-slate-400">
                        ••••
                      </span>
                      <span data-testid="key-last4">{key.last4}</span>
                    </code>
                  </Td>
                  <Td>{key.user}</Td>
                  <Td>{key.role ? <RoleBadge role={key.role} /> : <span className="text-slate-400">owner’s</span>}</Td>
                  <Td>
                    <RelativeTime value={key.created_at} now={now} />
                  </Td>
                  <Td>
                    <RelativeTime value={key.last_used_at} now={now} />
                  </Td>
                  <Td>
                    <RelativeTime value={key.expires_at} now={now} empty="never" />
                  </Td>
                  <Td>
                    {key.revoked_at != null ? (
                      <Badge tone="danger" title={`Revoked ${toDate(key.revoked_at)?.toLocaleString() ?? ""}`}>
                        revoked
                      </Badge>
                    ) : (
                      <Badge tone={state.tone}>{state.label}</Badge>
                    )}
                  </Td>
                  {mayDelete ? (
                    <Td className="text-right">
                      {key.revoked_at == null ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          className="text-rose-600 hover:bg-rose-50 hover:text-rose-700"
                          onClick={() => setOpen({ kind: "revoke", key })}
                          aria-label={`Revoke key ${key.name}`}
                        >
                          <Trash2 className="size-3.5" aria-hidden="true" />
                          Revoke
                        </Button>
                      ) : null}
                    </Td>
                  ) : null}
                </tr>
              );
            })}
          </TBody>
        </Table>
      )}

      {open?.kind === "create" ? (
        <CreateKeyDialog onClose={() => setOpen(null)} onCreated={(key) => setOpen({ kind: "created", key })} />
      ) : null}
      {/* Closing drops the only copy of the secret this page ever held. */}
      {open?.kind === "created" ? <ShowKeyOnceDialog created={open.key} onClose={() => setOpen(null)} /> : null}
      {open?.kind === "revoke" ? (
        <ConfirmDialog
          title={`Revoke key ${open.key.name}?`}
          confirmLabel="Revoke key"
          pending={revoke.isPending}
          error={revoke.isError ? describeError(revoke.error) : null}
          onClose={() => {
            revoke.reset();
            setOpen(null);
          }}
          onConfirm={() =>
            revoke.mutate(open.key.id, {
              onSuccess: () => {
                toast.success(`Key ${open.key.name} revoked`);
                setOpen(null);
              },
            })
          }
        >
          Anything using the key ending in <code className="font-mono">{open.key.last4}</code> (owner {open.key.user}) is
          refused from now on. This cannot be undone.
        </ConfirmDialog>
      ) : null}
    </Card>
  );
}
