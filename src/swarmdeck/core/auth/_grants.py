"""Rules about granting: nobody hands out more than they hold."""

from __future__ import annotations

from collections.abc import Iterable

from swarmdeck.core.auth._permissions import Permission, RoleBook
from swarmdeck.core.errors import InvalidInput, PermissionDenied


def parse_permissions(texts: Iterable[str]) -> frozenset[Permission]:
    """Parse `resource:action[:scope]` strings; a bad one is a 422 naming it."""
    parsed = set()
    for text in texts:
        try:
            parsed.add(Permission.parse(text))
        except ValueError as exc:
            raise InvalidInput(str(exc), details={"permission": text}) from None
    return frozenset(parsed)


def ensure_within(
    roles: RoleBook, holder_role: str, granted: Iterable[Permission], *, what: str
) -> None:
    """Refuse to grant a permission the granting role does not itself hold."""
    missing = sorted(str(p) for p in granted if not roles.allows(holder_role, p))
    if missing:
        raise PermissionDenied(
            f"{what} would exceed role {holder_role!r}", details={"not_held": missing}
        )


def ensure_role_within(roles: RoleBook, holder_role: str, role: str, *, what: str) -> None:
    if role not in roles.roles:
        raise InvalidInput(f"unknown role {role!r}", details={"role": role})
    ensure_within(roles, holder_role, roles.effective(role), what=what)
