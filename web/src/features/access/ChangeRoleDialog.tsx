import { type FormEvent, useState } from "react";
import { describeError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Dialog, FormError } from "../../components/ui/Dialog";
import { Field, Select } from "../../components/ui/Field";
import { toast } from "../../components/ui/toastStore";
import { useUpdateUser } from "./queries";
import { useRoleNames } from "./roleOptions";
import type { User } from "./types";

export function ChangeRoleDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const roles = useRoleNames();
  const update = useUpdateUser();
  const [role, setRole] = useState(user.role);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (role === user.role) return onClose();
    update.mutate(
      { name: user.name, change: { role } },
      {
        onSuccess: (changed) => {
          toast.success(`${changed.name} is now ${changed.role}`);
          onClose();
        },
      },
    );
  };

  return (
    <Dialog title={`Change role of ${user.name}`} description="Takes effect on their next request." onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-4" aria-label="Change role">
        <Field label="Role">
          {({ id }) => (
            <Select id={id} value={role} onChange={(e) => setRole(e.target.value)} autoFocus>
              {(roles.includes(user.role) ? roles : [user.role, ...roles]).map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <FormError>{update.isError ? describeError(update.error) : null}</FormError>
        <div className="flex justify-end gap-2 pt-1">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" loading={update.isPending}>
            Save role
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
