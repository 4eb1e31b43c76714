import { ChevronRight, Lock, Pencil, Plus, ShieldCheck, Trash2 } from "lucide-react";
import { useState } from "react";
import { describeError } from "../../api/client";
import { Badge } from "../../components/ui/Badge";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { ConfirmDialog } from "../../components/ui/ConfirmDialog";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { TableSkeleton } from "../../components/ui/Table";
import { toast } from "../../components/ui/toastStore";
import { useCan } from "../auth/permissions";
import { useDeleteRole, useRoles } from "./queries";
import { RoleDialog } from "./RoleDialog";
import type { Role } from "./types";

/** Built-in roles and those from the config file are fixed here; the server answers 409. */
const isFixed = (role: Role) => role.builtin || (role.source === "config");

type Open = { kind: "create" } | { kind: "edit"; role: Role } | { kind: "delete"; role: Role } | null;

function PermissionChips({ permissions, empty }: { permissions: string[]; empty: string }) {
  if (permissions.length === 0) return <p className="text-sm text-slate-400 italic">{empty}</p>;
  return (
    <ul className="flex flex-wrap gap-1.5">
      {permissions.map((p) => (
        <li
          key={p}
          className={
            "rounded-md px-1.5 py-0.5 font-mono text-xs ring-1 ring-inset " +
            (p.startsWith("*") ? "bg-indigo-50 text-indigo-700 ring-indigo-600/20" : "bg-slate-50 text-slate-700 ring-slate-500/20")
          }
        >
          {p}
        </li>
      ))}
    </ul>
  );
}

function RoleItem({ role, onEdit, onDelete }: { role: Role; onEdit?: () => void; onDelete?: () => void }) {
  return (
    <li data-testid="role" data-role={role.name} className="px-5 py-4">
      <div className="flex items-start justify-between gap-4">
        <div className="min-w-0 space-y-2.5">
          <div className="flex flex-wrap items-center gap-2">
            <h3 className="text-sm font-semibold text-slate-900">{role.name}</h3>
            {role.builtin ? (
              <Badge title="Built-in roles cannot be changed or deleted">
                <Lock className="size-3" aria-hidden="true" />
                built-in
              </Badge>
            ) : isFixed(role) ? (
              <Badge tone="info" title="Defined in the config file: change it there">
                <Lock className="size-3" aria-hidden="true" />
                from config
              </Badge>
            ) : (
              <Badge tone="warning">custom</Badge>
            )}
            {role.inherits.length ? (
              <span className="text-xs text-slate-500">
                inherits {role.inherits.map((name, i) => (
                  <span key={name}>
                    {i ? ", " : null}
                    <strong className="font-medium text-slate-700">{name}</strong>
                  </span>
                ))}
              </span>
            ) : null}
          </div>
          <PermissionChips permissions={role.permissions} empty="No permissions of its own" />
          <details className="group">
            <summary className="inline-flex cursor-pointer list-none items-center gap-1 text-xs font-medium text-indigo-600 hover:text-indigo-500">
              <ChevronRight className="size-3.5 transition-transform group-open:rotate-90" aria-hidden="true" />
              Effective permissions ({role.effective.length})
            </summary>
            <div className="mt-2 rounded-lg bg-slate-50 p-3">
              <PermissionChips permissions={role.effective} empty="None" />
            </div>
          </details>
        </div>
        {onEdit || onDelete ? (
          <div className="flex shrink-0 gap-1">
            {onEdit ? (
              <Button size="sm" variant="ghost" onClick={onEdit} aria-label={`Edit role ${role.name}`}>
                <Pencil className="size-3.5" aria-hidden="true" />
                Edit
              </Button>
            ) : null}
            {onDelete ? (
              <Button
                size="sm"
                variant="ghost"
                className="text-rose-600 hover:bg-rose-50 hover:text-rose-700"
                onClick={onDelete}
                aria-label={`Delete role ${role.name}`}
              >
                <Trash2 className="size-3.5" aria-hidden="true" />
                Delete
              </Button>
            ) : null}
          </div>
        ) : null}
      </div>
    </li>
  );
}

export function RolesTab() {
  const can = useCan();
  const roles = useRoles();
  const remove = useDeleteRole();
  const [open, setOpen] = useState<Open>(null);
  const mayWrite = can("role", "write");
  const mayDelete = can("role", "delete");

  return (
    <Card data-testid="roles">
      <CardHeader
        title="Roles"
        description="Built-in roles and those from the config file are fixed; custom roles can be made and changed here."
        actions={
          mayWrite ? (
            <Button variant="primary" size="sm" onClick={() => setOpen({ kind: "create" })}>
              <Plus className="size-3.5" aria-hidden="true" />
              Create role
            </Button>
          ) : null
        }
      />
      {roles.isPending ? (
        <TableSkeleton columns={3} />
      ) : roles.isError ? (
        <ErrorState error={roles.error} what="roles" onRetry={() => void roles.refetch()} />
      ) : roles.data.length === 0 ? (
        <EmptyState icon={ShieldCheck} title="No roles" />
      ) : (
        <ul className="divide-y divide-slate-100">
          {roles.data.map((role) => (
            <RoleItem
              key={role.name}
              role={role}
              onEdit={!isFixed(role) && mayWrite ? () => setOpen({ kind: "edit", role }) : undefined}
              onDelete={!isFixed(role) && mayDelete ? () => setOpen({ kind: "delete", role }) : undefined}
            />
          ))}
        </ul>
      )}

      {(open?.kind === "create" || open?.kind === "edit") && roles.data ? (
        <RoleDialog
          role={open.kind === "edit" ? open.role : undefined}
          roles={roles.data}
          onClose={() => setOpen(null)}
        />
      ) : null}
      {open?.kind === "delete" ? (
        <ConfirmDialog
          title={`Delete role ${open.role.name}?`}
          confirmLabel="Delete role"
          pending={remove.isPending}
          error={remove.isError ? describeError(remove.error) : null}
          onClose={() => {
            remove.reset();
            setOpen(null);
          }}
          onConfirm={() =>
            remove.mutate(open.role.name, {
              onSuccess: () => {
                toast.success(`Role ${open.role.name} deleted`);
                setOpen(null);
              },
            })
          }
        >
          This cannot be undone.
        </ConfirmDialog>
      ) : null}
    </Card>
  );
}
