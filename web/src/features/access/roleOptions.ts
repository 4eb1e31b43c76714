import { useCan } from "../auth/permissions";
import { useRoles } from "./queries";

/** The built-in roles, offered when the user may not list roles. */
const FALLBACK = ["viewer", "operator", "admin"];

/** Role names for a select: from /api/roles when readable, else the built-ins. */
export function useRoleNames(): string[] {
  const can = useCan();
  const roles = useRoles(can("role", "read"));
  return roles.data ? roles.data.map((role) => role.name) : FALLBACK;
}
