// What the logged-in principal may do, decided by the same rule as the server
// (core/auth/_permissions.py `Permission.covers`), so hidden controls match refused calls.
import { useCallback } from "react";
import { useMe } from "./queries";

const WILDCARD = "*";

interface Grant {
  resource: string;
  action: string;
  scope: string | null;
}

/** Read `resource:action[:scope]`; null for anything else. */
export function parseGrant(text: string): Grant | null {
  const parts = text.split(":");
  if ((parts.length !== 2 && parts.length !== 3) || parts.some((part) => !part)) return null;
  return { resource: parts[0]!, action: parts[1]!, scope: parts[2] ?? null };
}

/**
 * A grant covers a need when its resource matches or is `*`, its action matches or is `*`,
 * and it has no scope (or `*`) or the same scope as the need.
 */
export function covers(grant: Grant, resource: string, action: string, scope: string | null): boolean {
  return (
    (grant.resource === WILDCARD || grant.resource === resource) &&
    (grant.action === WILDCARD || grant.action === action) &&
    (grant.scope === null || grant.scope === WILDCARD || grant.scope === scope)
  );
}

/** Whether any of `permissions` (the strings from /api/me) allows `resource:action[:scope]`. */
export function can(
  permissions: readonly string[],
  resource: string,
  action: string,
  scope?: string,
): boolean {
  return permissions.some((text) => {
    const grant = parseGrant(text);
    return grant !== null && covers(grant, resource, action, scope ?? null);
  });
}

export type Can = (resource: string, action: string, scope?: string) => boolean;

/** `can` bound to the current user; allows nothing until /api/me has answered. */
export function useCan(): Can {
  const permissions = useMe().data?.permissions;
  return useCallback<Can>(
    (resource, action, scope) => (permissions ? can(permissions, resource, action, scope) : false),
    [permissions],
  );
}
