// A tool's JSON input schema turned into form fields, and the form's values back into the
// tool's arguments. Flat scalars get real controls; anything nested is edited as JSON.

type Json = Record<string, unknown>;

export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

export interface SchemaField {
  name: string;
  kind: FieldKind;
  required: boolean;
  title: string;
  description: string | null;
  /** For `enum`: the allowed values, as the schema lists them. */
  options: unknown[];
  default: unknown;
  minimum: number | null;
  maximum: number | null;
  /** For `json`: what the value should be (`object`, `array`, or a union), for the hint. */
  jsonType: string | null;
}

/** What the form holds for one field: text for inputs, selects and JSON; a flag for booleans. */
export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;

export interface ParsedSchema {
  fields: SchemaField[];
  /** The schema is not a plain object of properties: the whole arguments are edited as JSON. */
  rawOnly: boolean;
}

const isObject = (value: unknown): value is Json => !!value && typeof value === "object" && !Array.isArray(value);

/** `$ref: "#/$defs/X"` (pydantic's nested models) resolved against the root schema, once. */
function resolveRef(schema: Json, root: Json): Json {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) target = isObject(target) ? target[part] : undefined;
  return isObject(target) ? { ...target, ...schema, $ref: undefined } : schema;
}

/** `anyOf: [X, {type: null}]` (an Optional) becomes X; other unions stay as they are. */
function unwrapNullable(schema: Json, root: Json): Json {
  const resolved = resolveRef(schema, root);
  const union = Array.isArray(resolved.anyOf) ? resolved.anyOf : Array.isArray(resolved.oneOf) ? resolved.oneOf : null;
  if (union) {
    const members = union.filter(isObject).filter((m) => m.type !== "null");
    if (members.length === 1) {
      const { anyOf: _a, oneOf: _o, ...rest } = resolved;
      return { ...resolveRef(members[0]!, root), ...rest };
    }
  }
  if (Array.isArray(resolved.type)) {
    const types = resolved.type.filter((t) => t !== "null");
    if (types.length === 1) return { ...resolved, type: types[0] };
  }
  return resolved;
}

function describeJsonType(schema: Json): string | null {
  if (typeof schema.type === "string") return schema.type;
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null;
  if (union) return union.filter(isObject).map((m) => (typeof m.type === "string" ? m.type : "…")).join(" | ");
  return null;
}

function fieldOf(name: string, raw: unknown, required: boolean, root: Json): SchemaField {
  const schema = unwrapNullable(isObject(raw) ? raw : {}, root);
  const base: SchemaField = {
    name,
    kind: "json",
    required,
    title: typeof schema.title === "string" && schema.title ? schema.title : name,
    description: typeof schema.description === "string" && schema.description ? schema.description : null,
    options: [],
    default: schema.default,
    minimum: typeof schema.minimum === "number" ? schema.minimum : null,
    maximum: typeof schema.maximum === "number" ? schema.maximum : null,
    jsonType: describeJsonType(schema),
  };
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((v) => v === null || typeof v !== "object")) {
    return { ...base, kind: "enum", options: schema.enum.filter((v) => v !== null) };
  }
  if ("const" in schema && (typeof schema.const === "string" || typeof schema.const === "number")) {
    return { ...base, kind: "enum", options: [schema.const] };
  }
  switch (schema.type) {
    case "string":
      return { ...base, kind: "string" };
    case "number":
      return { ...base, kind: "number" };
    case "integer":
      return { ...base, kind: "integer" };
    case "boolean":
      return { ...base, kind: "boolean" };
    default:
      return base;
  }
}

/** The fields of a tool's input schema, required ones first, each in the schema's own order. */
export function parseSchema(schema: unknown): ParsedSchema {
  const root = isObject(schema) ? schema : {};
  const properties = isObject(root.properties) ? root.properties : null;
  const isPlainObject = root.type === undefined || root.type === "object";
  if (!properties || !isPlainObject) {
    // No declared properties but an object that takes any: let the user write JSON.
    const takesNothing = isPlainObject && !properties && root.additionalProperties === false;
    return { fields: [], rawOnly: !takesNothing && Object.keys(root).some((k) => k !== "type" && k !== "title") };
  }
  const required = new Set(Array.isArray(root.required) ? root.required.filter((r) => typeof r === "string") : []);
  const fields = Object.entries(properties).map(([name, raw]) => fieldOf(name, raw, required.has(name), root));
  return { fields: [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)], rawOnly: false };
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "";
}

/** The form's starting values: each field's default, else empty (or `{}`/`[]` for required JSON). */
export function initialValues(fields: SchemaField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const d = field.default;
    switch (field.kind) {
      case "boolean":
        values[field.name] = d === true;
        break;
      case "json":
        values[field.name] =
          d !== undefined && d !== null ? jsonText(d) : field.required ? (field.jsonType === "array" ? "[]" : field.jsonType === "object" ? "{}" : "") : "";
        break;
      case "enum":
        values[field.name] = d !== undefined && d !== null ? String(d) : field.required && field.options.length ? String(field.options[0]) : "";
        break;
      default:
        values[field.name] = d !== undefined && d !== null ? String(d) : "";
    }
  }
  return values;
}

export interface BuiltArguments {
  arguments: Record<string, unknown>;
  /** Per field, what is wrong with its value; empty when the arguments can be sent. */
  errors: Record<string, string>;
}

/**
 * The tool's arguments from the form: empty optional fields are left out (the tool applies its
 * own defaults), a boolean is sent when required or moved off its default.
 */
export function buildArguments(fields: SchemaField[], values: FormValues): BuiltArguments {
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.kind === "boolean") {
      const on = value === true;
      if (field.required || on !== (field.default === true)) args[field.name] = on;
      continue;
    }
    const text = typeof value === "string" ? value : "";
    if (text.trim() === "" && field.kind !== "string") {
      if (field.required) errors[field.name] = "Required.";
      continue;
    }
    if (text === "" && field.kind === "string") {
      if (field.required) errors[field.name] = "Required.";
      continue;
    }
    switch (field.kind) {
      case "string":
        args[field.name] = text;
        break;
      case "number":
      case "integer": {
        const n = Number(text);
        if (!Number.isFinite(n)) errors[field.name] = "Not a number.";
        else if (field.kind === "integer" && !Number.isInteger(n)) errors[field.name] = "Must be a whole number.";
        else if (field.minimum !== null && n < field.minimum) errors[field.name] = `At least ${field.minimum}.`;
        else if (field.maximum !== null && n > field.maximum) errors[field.name] = `At most ${field.maximum}.`;
        else args[field.name] = n;
        break;
      }
      case "enum": {
        // The option's own value (a number stays a number), found by its text.
        const option = field.options.find((o) => String(o) === text);
        args[field.name] = option === undefined ? text : option;
        break;
      }
      case "json":
        try {
          args[field.name] = JSON.parse(text);
        } catch {
          errors[field.name] = "Not valid JSON.";
        }
        break;
    }
  }
  return { arguments: args, errors };
}

/** The form's values from arguments written as JSON, for switching back from the JSON editor. */
export function valuesFromArguments(fields: SchemaField[], args: Record<string, unknown>): FormValues {
  const values = initialValues(fields);
  for (const field of fields) {
    if (!(field.name in args)) {
      if (field.kind !== "boolean") values[field.name] = "";
      continue;
    }
    const v = args[field.name];
    if (field.kind === "boolean") values[field.name] = v === true;
    else if (field.kind === "json" || (v !== null && typeof v === "object")) values[field.name] = jsonText(v);
    else values[field.name] = v === null || v === undefined ? "" : String(v);
  }
  return values;
}

/** Parse a whole-arguments JSON text: an object, or a message saying why not. */
export function parseArgumentsText(text: string): { value: Record<string, unknown> } | { error: string } {
  if (!text.trim()) return { value: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? { value: parsed } : { error: "The arguments must be a JSON object: { … }." };
  } catch (error) {
    return { error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export { jsonText };
