"""Which permission reading each bus topic needs; unknown topics need `dashboard:read`."""

from __future__ import annotations

import re

from swarmdeck.core.auth import Permission

TOPIC_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{0,63}$")

_READ_PERMISSION: dict[str, Permission] = {
    "system": Permission("dashboard", "read"),
    "costs": Permission("costs", "read"),
    "alerts": Permission("alert", "read"),
    "mcp": Permission("mcp-server", "read"),
    "swarms": Permission("swarm", "read"),
    "runs": Permission("run", "read"),
    "operations": Permission("operation", "read"),
    "audit": Permission("audit", "read", "records"),
}
_DEFAULT = Permission("dashboard", "read")


def read_permission(topic: str) -> Permission:
    return _READ_PERMISSION.get(topic, _DEFAULT)


def register_topic(topic: str, permission: Permission) -> None:
    """Features that add a topic say who may read it."""
    _READ_PERMISSION[topic] = permission
