import { Field, Select, TextArea, TextInput } from "../../components/ui/Field";
import { Switch } from "../../components/ui/Switch";
import type { FieldValue, FormValues, SchemaField } from "./schemaForm";

interface SchemaFormProps {
  fields: SchemaField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: FieldValue) => void;
  disabled?: boolean;
}

function label(field: SchemaField): string {
  return field.required ? `${field.title} *` : field.title;
}

function Hint({ field, error }: { field: SchemaField; error: string | undefined }) {
  if (error) return <span className="text-rose-600">{error}</span>;
  const range =
    field.minimum !== null || field.maximum !== null
      ? `${field.minimum ?? "…"} to ${field.maximum ?? "…"}`
      : null;
  const parts = [field.description, range, field.kind === "json" ? `JSON${field.jsonType ? ` (${field.jsonType})` : ""}` : null].filter(Boolean);
  return parts.length ? <>{parts.join(" · ")}</> : null;
}

function Control({ field, value, invalid, onChange, disabled, id, hintId }: {
  field: SchemaField;
  value: FieldValue | undefined;
  invalid: boolean;
  onChange: (value: FieldValue) => void;
  disabled: boolean;
  id: string;
  hintId: string | undefined;
}) {
  const common = {
    id,
    name: field.name,
    disabled,
    "aria-describedby": hintId,
    "aria-invalid": invalid || undefined,
    "aria-required": field.required || undefined,
    "data-field": field.name,
  };
  const text = typeof value === "string" ? value : "";
  switch (field.kind) {
    case "enum":
      return (
        <Select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
          {field.required ? null : <option value="">(not set)</option>}
          {field.options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </Select>
      );
    case "number":
    case "integer":
      return (
        <TextInput
          {...common}
          type="number"
          inputMode={field.kind === "integer" ? "numeric" : "decimal"}
          step={field.kind === "integer" ? 1 : "any"}
          min={field.minimum ?? undefined}
          max={field.maximum ?? undefined}
          value={text}
          placeholder={field.default !== undefined && field.default !== null ? `default ${String(field.default)}` : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case "json":
      return (
        <TextArea
          {...common}
          rows={4}
          spellCheck={false}
          className="font-mono text-xs"
          value={text}
          placeholder={field.jsonType === "array" ? "[ … ]" : "{ … }"}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          type="text"
          value={text}
          placeholder={field.default !== undefined && field.default !== null ? `default ${String(field.default)}` : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

/** One control per argument, generated from the tool's input schema; `*` marks required ones. */
export function SchemaForm({ fields, values, errors, onChange, disabled = false }: SchemaFormProps) {
  return (
    <div className="space-y-4" data-testid="mcp-schema-form">
      {fields.map((field) =>
        field.kind === "boolean" ? (
          <div key={field.name} data-field={field.name}>
            <Switch checked={values[field.name] === true} onChange={(on) => onChange(field.name, on)} label={label(field)} />
            {field.description ? <p className="mt-1 pl-12 text-xs text-slate-500">{field.description}</p> : null}
          </div>
        ) : (
          <Field key={field.name} label={label(field)} hint={<Hint field={field} error={errors[field.name]} />}>
            {({ id, hintId }) => (
              <Control
                field={field}
                value={values[field.name]}
                invalid={!!errors[field.name]}
                onChange={(value) => onChange(field.name, value)}
                disabled={disabled}
                id={id}
                hintId={hintId}
              />
            )}
          </Field>
        ),
      )}
    </div>
  );
}
