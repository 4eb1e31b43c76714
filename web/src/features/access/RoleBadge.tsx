import { Badge, type Tone } from "../../components/ui/Badge";

const BUILTIN_TONES: Record<string, Tone> = { admin: "accent", operator: "info", viewer: "neutral" };

/** A role name, coloured for the built-ins so the powerful ones stand out. */
export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={BUILTIN_TONES[role] ?? "warning"}>{role}</Badge>;
}
