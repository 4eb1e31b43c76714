import { Ban, CircleCheck, Trash2, UserPlus, UserRoundCog, Users } from "lucide-react";
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
import { toast, toastFailure } from "../../components/ui/toastStore";
import { useNow } from "../../lib/useNow";
import { useCan } from "../auth/permissions";
import { useMe } from "../auth/queries";
import { AddUserDialog } from "./AddUserDialog";
import { ChangeRoleDialog } from "./ChangeRoleDialog";
import { useDeleteUser, useUpdateUser, useUsers } from "./queries";
import { RoleBadge } from "./RoleBadge";
import type { User } from "./types";

type Open = { kind: "add" } | { kind: "role"; user: User } | { kind: "delete"; user: User } | null;

export function UsersTab() {
  const can = useCan();
  const me = useMe().data;
  const users = useUsers();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const now = useNow();
  const [open, setOpen] = useState<Open>(null);

  const mayWrite = can("user", "write");
  const mayDelete = can("user", "delete");
  const isSelf = (user: User) => me?.kind === "user" && me.name === user.name;

  const toggleDisabled = (user: User) => {
    const disabled = !user.disabled;
    update.mutate(
      { name: user.name, change: { disabled } },
      {
        onSuccess: () =>
          toast.success(
            disabled ? `${user.name} is disabled` : `${user.name} is enabled`,
            disabled ? "They can no longer sign in." : "They can sign in again.",
          ),
        onError: (error) => toastFailure(`${disabled ? "disable" : "enable"} ${user.name}`, error),
      },
    );
  };

  return (
    <Card data-testid="users">
      <CardHeader
        title="Users"
        description="People who sign in with a name and password."
        actions={
          mayWrite ? (
            <Button variant="primary" size="sm" onClick={() => setOpen({ kind: "add" })}>
              <UserPlus className="size-3.5" aria-hidden="true" />
              Add user
            </Button>
          ) : null
        }
      />
      {users.isPending ? (
        <TableSkeleton columns={5} />
      ) : users.isError ? (
        <ErrorState error={users.error} what="users" onRetry={() => void users.refetch()} />
      ) : users.data.length === 0 ? (
        <EmptyState
          icon={Users}
          title="No users yet"
          description="Everyone signs in with the admin token until you add people here."
        />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th>Name</Th>
              <Th>Role</Th>
              <Th>Status</Th>
              <Th>Created</Th>
              <Th>Last sign-in</Th>
              {mayWrite || mayDelete ? (
                <Th className="text-right">
                  <span className="sr-only">Actions</span>
                </Th>
              ) : null}
            </tr>
          </THead>
          <TBody>
            {users.data.map((user) => (
              <tr key={user.name} data-testid="user-row" data-user={user.name} className="hover:bg-slate-50">
                <Td className="font-medium text-slate-900">
                  {user.name}
                  {isSelf(user) ? <span className="ml-2 text-xs font-normal text-slate-500">(you)</span> : null}
                </Td>
                <Td>
                  <RoleBadge role={user.role} />
                </Td>
                <Td>
                  {user.disabled ? <Badge tone="danger">disabled</Badge> : <Badge tone="success">active</Badge>}
                </Td>
                <Td>
                  <RelativeTime value={user.created_at} now={now} />
                </Td>
                <Td>
                  <RelativeTime value={user.last_login_at} now={now} />
                </Td>
                {mayWrite || mayDelete ? (
                  <Td className="text-right whitespace-nowrap">
                    <div className="inline-flex gap-1">
                      {mayWrite ? (
                        <>
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() => setOpen({ kind: "role", user })}
                            aria-label={`Change role of ${user.name}`}
                          >
                            <UserRoundCog className="size-3.5" aria-hidden="true" />
                            Role
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() => toggleDisabled(user)}
                            disabled={isSelf(user) || (update.isPending && update.variables?.name === user.name)}
                            title={isSelf(user) ? "You cannot disable yourself" : undefined}
                            aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.name}`}
                          >
                            {user.disabled ? (
                              <CircleCheck className="size-3.5" aria-hidden="true" />
                            ) : (
                              <Ban className="size-3.5" aria-hidden="true" />
                            )}
                            {user.disabled ? "Enable" : "Disable"}
                          </Button>
                        </>
                      ) : null}
                      {mayDelete ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          className="text-rose-600 hover:bg-rose-50 hover:text-rose-700"
                          onClick={() => setOpen({ kind: "delete", user })}
                          disabled={isSelf(user)}
                          title={isSelf(user) ? "You cannot delete yourself" : undefined}
                          aria-label={`Delete ${user.name}`}
                        >
                          <Trash2 className="size-3.5" aria-hidden="true" />
                          Delete
                        </Button>
                      ) : null}
                    </div>
                  </Td>
                ) : null}
              </tr>
            ))}
          </TBody>
        </Table>
      )}

      {open?.kind === "add" ? <AddUserDialog onClose={() => setOpen(null)} /> : null}
      {open?.kind === "role" ? <ChangeRoleDialog user={open.user} onClose={() => setOpen(null)} /> : null}
      {open?.kind === "delete" ? (
        <ConfirmDialog
          title={`Delete ${open.user.name}?`}
          confirmLabel="Delete user"
          pending={remove.isPending}
          error={remove.isError ? describeError(remove.error) : null}
          onClose={() => {
            remove.reset();
            setOpen(null);
          }}
          onConfirm={() =>
            remove.mutate(open.user.name, {
              onSuccess: () => {
                toast.success(`${open.user.name} deleted`);
                setOpen(null);
              },
            })
          }
        >
          They lose access to SwarmDeck. This cannot be undone; their past actions stay in the audit log.
        </ConfirmDialog>
      ) : null}
    </Card>
  );
}
