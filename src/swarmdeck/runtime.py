"""The running services one process shares: storage, counters, bus, status, auth.

Built from settings by the app factory (or a worker, or a CLI command), started and
stopped as one. Each part is chosen here: SQLite or PostgreSQL, in-process or Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from swarmdeck import __version__
from swarmdeck.config import ConfigError, FileConfig, Settings, resolve_secret_key
from swarmdeck.core.audit import AuditLog
from swarmdeck.core.auth import (
    ACCESS_TOPIC,
    AdminTokens,
    Authenticator,
    KeyService,
    RoleBook,
    RoleService,
    RoleSpec,
    SessionRevocations,
    SessionSigner,
    UserService,
    token_digest,
)
from swarmdeck.core.bus import EventBus, Follower, create_bus
from swarmdeck.core.counters import Counters, create_counters
from swarmdeck.core.db import Database
from swarmdeck.core.kv import KeyValueStore
from swarmdeck.core.models import utcnow
from swarmdeck.core.status import StatusBoard
from swarmdeck.costs.alerts import AlertEngine
from swarmdeck.costs.budgets import Budgets
from swarmdeck.costs.ledger import Ledger
from swarmdeck.costs.pricing import PriceBook
from swarmdeck.gateway import Gateway, RateLimiter, Router
from swarmdeck.gateway.cache import ResponseCache
from swarmdeck.gateway.providers import ProviderKeyMissing, build_provider
from swarmdeck.mcp import ChangeEvent, ConfigSealer, Registry
from swarmdeck.mcp.service import McpService
from swarmdeck.swarms.service import SwarmService
from swarmdeck.workflows.agent_activities import AgentActivities
from swarmdeck.workflows.swarm_run import SwarmRunWorkflow
from swarmdeck.workflows.worker import COMPONENT as WORKFLOWS
from swarmdeck.workflows.worker import TemporalService

log = logging.getLogger(__name__)

HEALTH_INTERVAL_SECONDS = 5.0
PRUNE_EVERY_BEATS = 720  # hourly housekeeping


@dataclass
class Runtime:
    settings: Settings
    config: FileConfig
    db: Database
    kv: KeyValueStore
    counters: Counters
    bus: EventBus
    status: StatusBoard
    auth: Authenticator
    audit: AuditLog
    roles: RoleService
    users: UserService
    keys: KeyService
    alerts: AlertEngine
    ledger: Ledger
    prices: PriceBook
    budgets: Budgets
    gateway: Gateway
    mcp: McpService
    swarms: SwarmService
    workflows: TemporalService
    version: str = __version__
    instance_id: str = ""
    started_at: datetime = field(default_factory=utcnow)
    _health_task: asyncio.Task[None] | None = None
    _access_task: asyncio.Task[None] | None = None
    _mcp_task: asyncio.Task[None] | None = None

    @classmethod
    def build(cls, settings: Settings, config: FileConfig) -> Runtime:
        db = Database(settings.effective_database_url())
        bus = create_bus(
            settings.redis_url,
            prefix=settings.redis_prefix,
            buffer_size=config.events.buffer_size,
            queue_size=config.events.subscriber_queue,
        )
        kv = KeyValueStore(db)
        secret_key = resolve_secret_key(settings)
        audit = AuditLog(
            db,
            bus,
            secret_key=secret_key,
            data_dir=settings.data_dir,
            checkpoint_every=config.audit.checkpoint_every,
            checkpoint_seconds=config.audit.checkpoint_seconds,
            webhook_url=config.audit.webhook_url,
        )
        book = RoleBook()
        configured = {
            name: RoleSpec(tuple(role.permissions), tuple(role.inherits))
            for name, role in config.roles.items()
        }
        roles = RoleService(db, book, audit, bus, configured)
        users = UserService(db, book, audit, bus)
        keys = KeyService(db, book, audit, bus)
        digests = []
        if settings.admin_token is not None:
            digests.append(token_digest(settings.admin_token.get_secret_value()))
        auth = Authenticator(
            admin_tokens=AdminTokens(digests),
            signer=SessionSigner(secret_key),
            roles=book,
            revocations=SessionRevocations(kv),
            users=users,
            keys=keys,
        )
        counters = create_counters(settings.redis_url, prefix=settings.redis_prefix)
        budgets = Budgets(config.budgets, counters)
        alerts = AlertEngine(config.alerts, budgets.snapshot, db, bus)
        ledger = Ledger(db, bus)
        prices = PriceBook(config.models, config.providers, config.gateway)
        status = StatusBoard(bus)
        gateway = Gateway(
            config.gateway,
            _router(config),
            budgets=budgets,
            limiter=RateLimiter(
                config.rate_limits, redis_url=settings.redis_url, prefix=settings.redis_prefix
            ),
            prices=prices,
            ledger=ledger,
            cache=_cache(settings, config),
            alerts=alerts,
        )
        workflows = TemporalService(settings, status=status)
        workflows.register(
            workflows=[SwarmRunWorkflow],
            activities=AgentActivities(db=db, bus=bus, settings=settings, audit=audit).all(),
        )
        return cls(
            settings=settings,
            config=config,
            db=db,
            kv=kv,
            counters=counters,
            bus=bus,
            status=status,
            auth=auth,
            audit=audit,
            roles=roles,
            users=users,
            keys=keys,
            alerts=alerts,
            ledger=ledger,
            prices=prices,
            budgets=budgets,
            gateway=gateway,
            mcp=McpService(
                Registry(config.mcp, config.mcp_servers),
                book,
                audit,
                bus,
                kv,
                ConfigSealer(secret_key),
                configured=frozenset(config.mcp_servers),
                api_commands=frozenset(config.mcp.api_commands),
            ),
            swarms=SwarmService(
                db,
                kv,
                audit,
                bus,
                configured=config.swarms,
                models=lambda: gateway.router.routes,
                task_queue=settings.temporal_task_queue,
            ),
            workflows=workflows,
        )

    @property
    def mode(self) -> str:
        return "embedded" if self.settings.embedded else "scaled"

    def _labels(self) -> dict[str, str]:
        """What each healthy component shows as its detail."""
        live = "redis" if self.settings.redis_url else "in-process"
        return {"database": self.db.dialect, "event-bus": live, "counters": live}

    async def start(self, *, serving: bool = True) -> None:
        """Migrate, connect, and start watching component health.

        `serving=False` is a `swarmdeck worker`: no HTTP, so no gateway, MCP servers or
        alert engine (its agents reach those through an API replica); storage, the bus and
        the workflow worker only.
        """
        labels = self._labels()
        await self.bus.start()
        await self.status.set("event-bus", "ok", labels["event-bus"])
        await self.status.set("database", "starting", "migrating")
        await self.db.migrate()
        await self.status.set("database", "ok", labels["database"])
        await self.counters.ping()
        await self.status.set("counters", "ok", labels["counters"])
        self.instance_id = await self._instance_id()
        await self.roles.load()
        if serving:
            await self._start_serving()
        access = Follower(self.bus, [ACCESS_TOPIC])
        await access.start()
        self._access_task = asyncio.create_task(self._watch_access(access), name="access-watch")
        self._health_task = asyncio.create_task(self._watch_health(), name="health-watch")
        # Last, so activities find every service up; it connects in the background
        # (`/readyz` says `workflows: starting` until it has).
        await self.workflows.start()

    async def _start_serving(self) -> None:
        """What answering HTTP needs: the gateway and its ledger, the MCP servers, alerts."""
        await self.ledger.start()
        await self.gateway.start()
        await self.mcp.load()
        self.mcp.registry.on_change(self._announce_mcp)
        await self.mcp.registry.start()  # servers come up in the background
        mcp_changes = Follower(self.bus, ["mcp"])
        await mcp_changes.start()
        self._mcp_task = asyncio.create_task(self._watch_mcp(mcp_changes), name="mcp-watch")
        await self.alerts.start()

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[Runtime]:
        """Storage and access services without serving: what CLI commands run on."""
        await self.db.migrate()
        await self.roles.load()
        try:
            yield self
        finally:
            try:
                await self.ledger.aclose()  # calls a command recorded: written before closing
                await self.audit.aclose()
            finally:
                await self.bus.aclose()
                await self.counters.aclose()
                await self.db.aclose()

    async def _watch_mcp(self, changes: Follower) -> None:
        """Servers and virtual servers another replica added, changed or removed through the
        API are served here too."""
        try:
            async for event in changes.events():
                data = event.data or {}
                if data.get("origin") == self.mcp.origin:
                    continue  # our own change, applied already
                try:
                    if event.type == "virtual.configured":
                        await self.mcp.virtual.reload(str(data["virtual_server"]))
                    elif event.type == "server.configured":
                        await self.mcp.apply_remote_change(str(data["server"]), str(data["change"]))
                except Exception:
                    log.exception("could not apply an MCP change from another replica")
        finally:
            await changes.close()

    async def _announce_mcp(self, event: ChangeEvent) -> None:
        """Server state and tool-list changes go on the bus topic `mcp` for every front door."""
        try:
            data = {"server": event.server, **event.data}
            if event.type == "server.state" and event.server is not None:
                data["from_config"] = self.mcp.from_config(event.server)
            await self.bus.publish("mcp", event.type, data)
        except Exception:
            log.exception("could not publish an MCP change")

    async def _instance_id(self) -> str:
        entry = await self.kv.get("instance", "id")
        if entry is not None:
            return str(entry.value)
        candidate = uuid.uuid4().hex
        with contextlib.suppress(Exception):  # another replica won the race: use its id
            await self.kv.create("instance", "id", candidate)
        entry = await self.kv.get("instance", "id")
        return str(entry.value) if entry else candidate

    async def check(self) -> dict[str, str | None]:
        """Ping every dependency now; the answer `/readyz` gives. None means reachable."""
        problems: dict[str, str | None] = {}
        probes = {
            "database": self.db.ping,
            "event-bus": self.bus.ping,
            "counters": self.counters.ping,
        }
        for name, probe in probes.items():
            try:
                await asyncio.wait_for(probe(), timeout=2.0)
                problems[name] = None
            except Exception as exc:
                problems[name] = f"{type(exc).__name__}: {exc}"
        if self.workflows.enabled:
            problems[WORKFLOWS] = await self.workflows.check()
        return problems

    async def _watch_health(self) -> None:
        beats = 0
        while True:
            await asyncio.sleep(HEALTH_INTERVAL_SECONDS)
            labels = self._labels()
            for name, problem in (await self.check()).items():
                if name == WORKFLOWS:
                    await self.workflows.report(problem)
                    continue
                await self.status.set(name, "down" if problem else "ok", problem or labels[name])
            beats += 1
            if beats % PRUNE_EVERY_BEATS == 0:
                await self._prune()

    async def _prune(self) -> None:
        """Forget revocations of sessions that have expired anyway (housekeeping, never fatal)."""
        try:
            removed = await self.auth.revocations.prune()
        except Exception:
            log.exception("could not prune revoked sessions")
            return
        if removed:
            log.info("pruned expired session revocations", extra={"removed": removed})

    async def _watch_access(self, access: Follower) -> None:
        """Keep caches and the role book in step with changes made on any replica."""
        try:
            async for event in access.events():
                if event.type == "roles.changed":
                    await self.roles.load()
                elif event.type == "user.changed":
                    self.users.forget(str((event.data or {}).get("user")))
                elif event.type == "key.changed":
                    self.keys.forget()
        finally:
            await access.close()

    async def stop(self) -> None:
        for task in (self._health_task, self._access_task, self._mcp_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        try:  # first: activities in flight still use the gateway, MCP and storage
            await self.workflows.stop()
        except Exception:
            log.exception("could not stop the workflow worker and dev server cleanly")
        try:  # every MCP child process is gone before we return
            await self.mcp.drain()
            await self.mcp.registry.aclose()
        except Exception:
            log.exception("could not stop the MCP servers cleanly")
        try:  # streamed calls still settling finish first, then their rows are written
            await self.gateway.aclose()
        except Exception:
            log.exception("could not close the gateway cleanly")
        try:  # every call taken is written before the database closes (SIGTERM loses none)
            await self.ledger.aclose()
        except Exception:
            log.exception("could not drain the cost ledger")
        try:  # before the database closes: deliveries in flight record their outcome
            await self.alerts.stop()
        except Exception:
            log.exception("could not stop the alert engine cleanly")
        # Drain queued records and sign a final checkpoint, so truncating the newest
        # records is detectable.
        try:
            await self.audit.aclose()
        except Exception:
            log.exception("could not close the audit log cleanly")
        await self.bus.aclose()
        await self.counters.aclose()
        await self.db.aclose()


def _cache(settings: Settings, config: FileConfig) -> ResponseCache | None:
    if not (config.cache.exact.enabled or config.cache.semantic.enabled):
        return None
    return ResponseCache(
        config.cache, redis_url=settings.redis_url, redis_prefix=settings.redis_prefix
    )


def _router(config: FileConfig) -> Router:
    """Providers and aliases from the config; a missing provider key is a config error."""
    try:
        providers = {name: build_provider(name, p) for name, p in config.providers.items()}
    except ProviderKeyMissing as exc:
        raise ConfigError(str(exc)) from None
    return Router(config.models, providers, config.gateway.routing)
