import { Eye, EyeOff } from "lucide-react";
import { type FormEvent, useState } from "react";
import { describeError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Dialog, FormError } from "../../components/ui/Dialog";
import { Field, Select, TextInput } from "../../components/ui/Field";
import { toast } from "../../components/ui/toastStore";
import { useCreateUser } from "./queries";
import { useRoleNames } from "./roleOptions";

/** The server's minimum; checked here too so the button says why it is off. */
export const MIN_PASSWORD = 12;

export function AddUserDialog({ onClose }: { onClose: () => void }) {
  const roles = useRoleNames();
  const create = useCreateUser();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [reveal, setReveal] = useState(false);
  const [role, setRole] = useState("viewer");

  const short = password.length > 0 && password.length < MIN_PASSWORD;
  const ready = name.trim() !== "" && password.length >= MIN_PASSWORD && role !== "";

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!ready || create.isPending) return;
    create.mutate(
      { name: name.trim(), password, role },
      {
        onSuccess: (user) => {
          toast.success(`User ${user.name} created`, `Role: ${user.role}.`);
          onClose();
        },
      },
    );
  };

  return (
    <Dialog
      title="Add user"
      description="They sign in on the login screen with this name and password."
      onClose={onClose}
    >
      <form onSubmit={onSubmit} className="space-y-4" aria-label="Add user" noValidate>
        <Field label="Name">
          {({ id }) => (
            <TextInput
              id={id}
              autoFocus
              autoComplete="off"
              spellCheck={false}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. vera"
            />
          )}
        </Field>
        <Field
          label="Password"
          hint={
            short ? (
              <span className="text-rose-600">
                {MIN_PASSWORD - password.length} more characters needed (at least {MIN_PASSWORD}).
              </span>
            ) : (
              `At least ${MIN_PASSWORD} characters. Share it with them privately.`
            )
          }
        >
          {({ id, hintId }) => (
            <div className="relative">
              <TextInput
                id={id}
                type={reveal ? "text" : "password"}
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-describedby={hintId}
                aria-invalid={short || undefined}
                className="pr-10 font-mono"
              />
              <button
                type="button"
                onClick={() => setReveal((r) => !r)}
                aria-label={reveal ? "Hide password" : "Show password"}
                className="absolute top-1/2 right-2 -translate-y-1/2 rounded p-1 text-slate-400 hover:text-slate-700"
              >
                {reveal ? <EyeOff className="size-4" /> : <Eye className="size-4" />}
              </button>
            </div>
          )}
        </Field>
        <Field label="Role">
          {({ id }) => (
            <Select id={id} value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <FormError>{create.isError ? describeError(create.error) : null}</FormError>
        <div className="flex justify-end gap-2 pt-1">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={!ready} loading={create.isPending}>
            Add user
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
