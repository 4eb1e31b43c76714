import { type FormEvent, useMemo, useState } from "react";
import { describeError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Dialog, FormError } from "../../components/ui/Dialog";
import { Field, TextArea, TextInput } from "../../components/ui/Field";
import { toast } from "../../components/ui/toastStore";
import { parseGrant } from "../auth/permissions";
import { useSaveRole } from "./queries";
import type { Role } from "./types";

interface RoleDialogProps {
  /** The role to edit; absent to create one. */
  role?: Role;
  /** Every role, for the inherits choice. */
  roles: Role[];
  onClose: () => void;
}

function parseLines(text: string): { permissions: string[]; bad: string[] } {
  const permissions = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return { permissions, bad: permissions.filter((p) => parseGrant(p) === null) };
}

export function RoleDialog({ role, roles, onClose }: RoleDialogProps) {
  const save = useSaveRole();
  const [name, setName] = useState(role?.name ?? "");
  const [text, setText] = useState(role ? role.permissions.join("\n") : "");
  const [inherits, setInherits] = useState<string[]>(role?.inherits ?? []);
  const { permissions, bad } = useMemo(() => parseLines(text), [text]);
  const others = roles.filter((r) => r.name !== name.trim());
  const ready = name.trim() !== "" && bad.length === 0;

  const toggle = (other: string) =>
    setInherits((current) => (current.includes(other) ? current.filter((n) => n !== other) : [...current, other]));

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!ready || save.isPending) return;
    save.mutate(
      { body: { name: name.trim(), permissions, inherits }, existing: role !== undefined },
      {
        onSuccess: (saved) => {
          toast.success(role ? `Role ${saved.name} saved` : `Role ${saved.name} created`);
          onClose();
        },
      },
    );
  };

  return (
    <Dialog
      title={role ? `Edit role ${role.name}` : "Create role"}
      description="A role grants permissions of its own plus everything the roles it inherits grant."
      onClose={onClose}
      size="lg"
    >
      <form onSubmit={onSubmit} className="space-y-4" aria-label={role ? "Edit role" : "Create role"} noValidate>
        <Field label="Name">
          {({ id }) => (
            <TextInput
              id={id}
              value={name}
              onChange={(e) => setName(e.target.value)}
              disabled={role !== undefined}
              autoFocus={role === undefined}
              autoComplete="off"
              spellCheck={false}
              placeholder="e.g. auditor"
            />
          )}
        </Field>
        <Field
          label="Permissions"
          hint={
            bad.length ? (
              <span className="text-rose-600">
                Not <code className="font-mono">resource:action[:scope]</code>: {bad.join(", ")}
              </span>
            ) : (
              <>
                One per line, <code className="font-mono">resource:action[:scope]</code>; <code className="font-mono">*</code>{" "}
                matches any resource or action. E.g. <code className="font-mono">audit:read</code>,{" "}
                <code className="font-mono">agent:write:scale</code>.
              </>
            )
          }
        >
          {({ id, hintId }) => (
            <TextArea
              id={id}
              rows={6}
              value={text}
              onChange={(e) => setText(e.target.value)}
              aria-describedby={hintId}
              aria-invalid={bad.length > 0 || undefined}
              autoFocus={role !== undefined}
              spellCheck={false}
              className="font-mono"
            />
          )}
        </Field>
        <fieldset>
          <legend className="text-sm font-medium text-slate-800">Inherits</legend>
          {others.length === 0 ? (
            <p className="mt-1.5 text-sm text-slate-500">No other roles to inherit from.</p>
          ) : (
            <div className="mt-1.5 flex flex-wrap gap-2">
              {others.map((other) => {
                const checked = inherits.includes(other.name);
                return (
                  <label
                    key={other.name}
                    className={
                      "inline-flex cursor-pointer items-center gap-2 rounded-lg border px-3 py-1.5 text-sm " +
                      (checked ? "border-indigo-300 bg-indigo-50 text-indigo-800" : "border-slate-200 text-slate-700 hover:bg-slate-50")
                    }
                  >
                    <input
                      type="checkbox"
                      checked={checked}
                      onChange={() => toggle(other.name)}
                      className="size-3.5 accent-indigo-600"
                    />
                    {other.name}
                  </label>
                );
              })}
            </div>
          )}
        </fieldset>
        <FormError>{save.isError ? describeError(save.error) : null}</FormError>
        <div className="flex justify-end gap-2 pt-1">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={!ready} loading={save.isPending}>
            {role ? "Save role" : "Create role"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
