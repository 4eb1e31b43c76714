import { type FormEvent, useState } from "react";
import { describeError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Dialog, FormError } from "../../components/ui/Dialog";
import { Field, Select, TextInput } from "../../components/ui/Field";
import { useCan } from "../auth/permissions";
import { useMe } from "../auth/queries";
import { useCreateKey, useUsers } from "./queries";
import { useRoleNames } from "./roleOptions";
import type { CreatedKey } from "./types";

const DAY = 86_400;
const EXPIRY: Array<{ label: string; seconds: number | null }> = [
  { label: "Never", seconds: null },
  { label: "1 day", seconds: DAY },
  { label: "30 days", seconds: 30 * DAY },
  { label: "90 days", seconds: 90 * DAY },
];

interface CreateKeyDialogProps {
  onClose: () => void;
  /** Called with the new key, secret included; the caller shows it once and forgets it. */
  onCreated: (key: CreatedKey) => void;
}

export function CreateKeyDialog({ onClose, onCreated }: CreateKeyDialogProps) {
  const can = useCan();
  const me = useMe().data;
  const users = useUsers(can("user", "read"));
  const roles = useRoleNames();
  const create = useCreateKey();
  const [owner, setOwner] = useState(me?.kind === "user" ? me.name : "");
  const [name, setName] = useState("");
  const [role, setRole] = useState("");
  const [expiry, setExpiry] = useState(0);

  const owners = users.data?.filter((u) => !u.disabled).map((u) => u.name);
  const ready = owner.trim() !== "" && name.trim() !== "";

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!ready || create.isPending) return;
    const seconds = EXPIRY[expiry]?.seconds ?? null;
    create.mutate(
      {
        user: owner.trim(),
        name: name.trim(),
        ...(role ? { role } : {}),
        ...(seconds ? { expires_in: seconds } : {}),
      },
      {
        onSuccess: (key) => {
          create.reset(); // Do not keep the secret around in the mutation's state.
          onCreated(key);
        },
      },
    );
  };

  return (
    <Dialog title="Create API key" description="A key acts as its owner, limited to a role if you pick one." onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-4" aria-label="Create API key" noValidate>
        <Field label="Owner">
          {({ id }) =>
            owners ? (
              <Select id={id} value={owner} onChange={(e) => setOwner(e.target.value)} autoFocus>
                <option value="" disabled>
                  Choose a user
                </option>
                {owners.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </Select>
            ) : (
              <TextInput id={id} value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="user name" autoFocus />
            )
          }
        </Field>
        <Field label="Key name" hint="What the key is for, e.g. “ci-pipeline”.">
          {({ id, hintId }) => (
            <TextInput
              id={id}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-describedby={hintId}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
        <div className="grid grid-cols-2 gap-4">
          <Field label="Role">
            {({ id }) => (
              <Select id={id} value={role} onChange={(e) => setRole(e.target.value)}>
                <option value="">Owner’s role</option>
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Expires">
            {({ id }) => (
              <Select id={id} value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
                {EXPIRY.map((option, index) => (
                  <option key={option.label} value={index}>
                    {option.seconds === null ? option.label : `In ${option.label}`}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        <FormError>{create.isError ? describeError(create.error) : null}</FormError>
        <div className="flex justify-end gap-2 pt-1">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={!ready} loading={create.isPending}>
            Create key
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
