import { Filter, X } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import { Button } from "../../components/ui/Button";
import { Field, Select, TextInput } from "../../components/ui/Field";
import { type AuditFilters, EMPTY_FILTERS, hasFilters } from "./filters";

interface AuditFilterBarProps {
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
}

/** Edit the filters freely; they apply on "Apply" or Enter, so the table does not jump per key. */
export function AuditFilterBar({ filters, onApply }: AuditFilterBarProps) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters]);

  const set = <K extends keyof AuditFilters>(key: K, value: AuditFilters[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onApply(draft);
  };
  const dirty = JSON.stringify(draft) !== JSON.stringify(filters);

  return (
    <form
      onSubmit={onSubmit}
      aria-label="Filter audit records"
      className="grid grid-cols-2 gap-3 border-b border-slate-100 px-5 py-4 md:grid-cols-3 xl:grid-cols-[repeat(6,minmax(0,1fr))_auto]"
    >
      <Field label="Actor">
        {({ id }) => (
          <TextInput id={id} value={draft.actor} onChange={(e) => set("actor", e.target.value)} placeholder="any" spellCheck={false} />
        )}
      </Field>
      <Field label="Action">
        {({ id }) => (
          <TextInput
            id={id}
            value={draft.action}
            onChange={(e) => set("action", e.target.value)}
            placeholder="user.create, user.*"
            spellCheck={false}
          />
        )}
      </Field>
      <Field label="Resource type">
        {({ id }) => (
          <TextInput
            id={id}
            value={draft.resource_type}
            onChange={(e) => set("resource_type", e.target.value)}
            placeholder="e.g. user"
            spellCheck={false}
          />
        )}
      </Field>
      <Field label="Result">
        {({ id }) => (
          <Select id={id} value={draft.result} onChange={(e) => set("result", e.target.value as AuditFilters["result"])}>
            <option value="">any</option>
            <option value="success">success</option>
            <option value="denied">denied</option>
            <option value="error">error</option>
          </Select>
        )}
      </Field>
      <Field label="Since">
        {({ id }) => (
          <TextInput id={id} type="datetime-local" step={1} value={draft.since} onChange={(e) => set("since", e.target.value)} />
        )}
      </Field>
      <Field label="Until">
        {({ id }) => (
          <TextInput id={id} type="datetime-local" step={1} value={draft.until} onChange={(e) => set("until", e.target.value)} />
        )}
      </Field>
      <div className="col-span-full flex items-end gap-2 xl:col-span-1">
        <Button type="submit" variant={dirty ? "primary" : "secondary"}>
          <Filter className="size-3.5" aria-hidden="true" />
          Apply
        </Button>
        {hasFilters(filters) || hasFilters(draft) ? (
          <Button variant="ghost" onClick={() => onApply(EMPTY_FILTERS)}>
            <X className="size-3.5" aria-hidden="true" />
            Clear
          </Button>
        ) : null}
      </div>
    </form>
  );
}
