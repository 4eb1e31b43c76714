/** The mask the server puts in place of every secret value. */
export const MASK = "********";

export interface SettingRow {
  key: string;
  value: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Nested objects become dotted keys (`gateway.timeout_s`); arrays and scalars stay values. */
export function flattenSettings(settings: Record<string, unknown>, prefix = ""): SettingRow[] {
  const rows: SettingRow[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      rows.push(...flattenSettings(value, path));
    } else {
      rows.push({ key: path, value });
    }
  }
  return rows;
}
