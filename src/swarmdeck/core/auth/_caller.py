"""Who is acting, as services need it: the principal for permissions, the actor for audit."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from swarmdeck.core.audit import Actor
from swarmdeck.core.auth._principal import SYSTEM, Principal


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    actor: Actor

    @classmethod
    def of(
        cls,
        principal: Principal,
        *,
        client_address: str | None = None,
        user_agent: str | None = None,
    ) -> Caller:
        return cls(
            principal,
            Actor(
                type=principal.kind,
                name=principal.name,
                role=principal.role,
                credential_id=principal.session_id or principal.key_id,
                client_address=client_address,
                user_agent=user_agent,
            ),
        )

    @classmethod
    def cli(cls) -> Caller:
        """Someone with shell access to the server: acts as the system, named in the audit."""
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(SYSTEM, Actor(type="system", name=f"cli:{who}", role="admin"))
