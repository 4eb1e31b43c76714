"""Virtual servers: named subsets of the tools, each its own endpoint at `/mcp/{name}`.

Those in the YAML file (`mcp.virtual_servers`) are read-only here; others are made through
the API, kept in the key-value store (so they survive restarts and every replica serves
them), audited, and announced as `virtual.configured` so other replicas reload them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Literal

from pydantic import ValidationError

from swarmdeck.core.audit import AuditLog
from swarmdeck.core.auth import Caller
from swarmdeck.core.bus import EventBus
from swarmdeck.core.errors import Conflict, NotFound
from swarmdeck.core.kv import KeyValueStore
from swarmdeck.mcp._registry import _check_name
from swarmdeck.mcp.config import VirtualServerConfig

log = logging.getLogger(__name__)

KV_NAMESPACE = "mcp-virtual-servers"
Change = Literal["added", "updated", "removed"]
_ACTIONS: dict[Change, str] = {
    "added": "mcp.virtual.add",
    "updated": "mcp.virtual.update",
    "removed": "mcp.virtual.remove",
}


class VirtualServers:
    """The virtual servers from the config file and those made through the API."""

    def __init__(
        self,
        configured: Mapping[str, VirtualServerConfig],
        kv: KeyValueStore,
        audit: AuditLog,
        bus: EventBus,
        *,
        topic: str,
        origin: str,
    ) -> None:
        self._configured = dict(configured)
        self._stored: dict[str, VirtualServerConfig] = {}
        self._kv = kv
        self._audit = audit
        self._bus = bus
        self._topic = topic
        self._origin = origin

    def all(self) -> dict[str, VirtualServerConfig]:
        return {**self._stored, **self._configured}

    def get(self, name: str) -> VirtualServerConfig:
        found = self._configured.get(name) or self._stored.get(name)
        if found is None:
            raise NotFound(f"no virtual MCP server named {name!r}")
        return found

    def from_config(self, name: str) -> bool:
        return name in self._configured

    async def load(self) -> None:
        """Read the stored ones (at start); a stored one the YAML file now names is ignored."""
        for name in await self._kv.keys(KV_NAMESPACE):
            await self.reload(name)

    async def reload(self, name: str) -> None:
        """Take the stored state of one (another replica changed it)."""
        entry = await self._kv.get(KV_NAMESPACE, name)
        if entry is None or name in self._configured:
            self._stored.pop(name, None)
            return
        try:
            self._stored[name] = VirtualServerConfig.model_validate(entry.value)
        except ValidationError:
            log.exception("stored virtual MCP server %r cannot be used; skipped", name)

    async def add(self, caller: Caller, name: str, config: VirtualServerConfig) -> None:
        _check_name(name)
        self._writable(name)
        if name in self._stored:
            raise Conflict(f"virtual MCP server {name!r} already exists")
        await self._save(caller, name, config, "added")

    async def update(self, caller: Caller, name: str, config: VirtualServerConfig) -> None:
        self._writable(name)
        if name not in self._stored:
            raise NotFound(f"no virtual MCP server named {name!r}")
        await self._save(caller, name, config, "updated")

    async def remove(self, caller: Caller, name: str) -> None:
        self._writable(name)
        if name not in self._stored:
            raise NotFound(f"no virtual MCP server named {name!r}")
        await self._kv.delete(KV_NAMESPACE, name)
        del self._stored[name]
        await self._announce(caller, name, "removed", None)

    def _writable(self, name: str) -> None:
        if name in self._configured:
            raise Conflict(
                f"virtual MCP server {name!r} comes from the config file; change it there",
                details={"virtual_server": name},
            )

    async def _save(
        self, caller: Caller, name: str, config: VirtualServerConfig, change: Change
    ) -> None:
        await self._kv.put(KV_NAMESPACE, name, config.model_dump(mode="json"))
        self._stored[name] = config
        await self._announce(caller, name, change, config)

    async def _announce(
        self, caller: Caller, name: str, change: Change, config: VirtualServerConfig | None
    ) -> None:
        await self._audit.record(
            caller.actor,
            _ACTIONS[change],
            resource_type="mcp-server",
            resource_id=f"virtual:{name}",
            details={"config": config.model_dump(mode="json")} if config is not None else None,
        )
        await self._bus.publish(
            self._topic,
            "virtual.configured",
            {"virtual_server": name, "change": change, "origin": self._origin},
        )
