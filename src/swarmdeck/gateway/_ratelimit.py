"""Request and token rate limits per key, user, swarm and model, on the `limits` library.

Requests are counted when a call is admitted; tokens when it has finished, since only
then are they known (a call is refused while the token window is already spent). The
answer carries OpenAI-style `x-ratelimit-*` headers for the tightest limit that applies.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from swarmdeck.core.errors import RateLimited
from swarmdeck.costs.budgets import Attribution
from swarmdeck.gateway._routing import Deployment
from swarmdeck.gateway.config import RateLimitConfig, RateLimitsConfig

_SECTIONS = (("key", "keys"), ("user", "users"), ("swarm", "swarms"), ("model", "models"))


@dataclass(frozen=True, slots=True)
class _Rule:
    scope: str
    name: str
    requests: RateLimitItem | None
    tokens: RateLimitItem | None


@dataclass(slots=True)
class _Tightest:
    limit: int = 0
    remaining: int = -1
    reset: float = 0.0

    def consider(self, limit: int, remaining: int, reset: float) -> None:
        if self.remaining < 0 or remaining < self.remaining:
            self.limit, self.remaining, self.reset = limit, remaining, reset


def _reset_text(seconds: float) -> str:
    return f"{max(0.0, seconds):.3f}".rstrip("0").rstrip(".") + "s"


class RateLimiter:
    """Admit calls under every applicable limit; shared across replicas on Redis."""

    def __init__(
        self, config: RateLimitsConfig, *, redis_url: str | None = None, prefix: str = "swarmdeck"
    ) -> None:
        self._config = config
        self._storage: Storage = (
            RedisStorage(
                "async+" + redis_url, implementation="redispy", key_prefix=f"{prefix}:ratelimit"
            )
            if redis_url
            else MemoryStorage()
        )
        self._limiter = SlidingWindowCounterRateLimiter(self._storage)
        self._items: dict[tuple[str, str], _Rule] = {}
        self._deployments: dict[str, tuple[RateLimitItem | None, RateLimitItem | None]] = {}

    @property
    def configured(self) -> bool:
        return any(getattr(self._config, section) for _, section in _SECTIONS)

    def _rules(self, who: Attribution) -> list[_Rule]:
        rules = []
        for scope, section in _SECTIONS:
            name = getattr(who, "key_id" if scope == "key" else scope)
            if name is None:
                continue
            table: dict[str, RateLimitConfig] = getattr(self._config, section)
            limit = table.get(name) or table.get("default")
            if limit is None:
                continue
            cached = self._items.get((scope, name))
            if cached is None:
                cached = _Rule(
                    scope,
                    name,
                    RateLimitItemPerMinute(limit.rpm, namespace="req") if limit.rpm else None,
                    RateLimitItemPerHour(limit.tokens_per_hour, namespace="tok")
                    if limit.tokens_per_hour
                    else None,
                )
                self._items[(scope, name)] = cached
            rules.append(cached)
        return rules

    async def admit(self, who: Attribution) -> dict[str, str]:
        """Count one request against each limit, or raise RateLimited naming the one hit."""
        rules = self._rules(who)
        if not rules:
            return {}
        requests, tokens = _Tightest(), _Tightest()
        now = time.time()
        for rule in rules:
            if rule.tokens is not None:
                stats = await self._limiter.get_window_stats(rule.tokens, rule.scope, rule.name)
                if stats.remaining <= 0:
                    raise self._refusal(
                        rule, "tokens per hour", rule.tokens, stats.reset_time - now
                    )
                tokens.consider(rule.tokens.amount, stats.remaining, stats.reset_time - now)
            if rule.requests is not None:
                if not await self._limiter.hit(rule.requests, rule.scope, rule.name):
                    stats = await self._limiter.get_window_stats(
                        rule.requests, rule.scope, rule.name
                    )
                    raise self._refusal(
                        rule, "requests per minute", rule.requests, stats.reset_time - now
                    )
                stats = await self._limiter.get_window_stats(rule.requests, rule.scope, rule.name)
                requests.consider(rule.requests.amount, stats.remaining, stats.reset_time - now)
        return _headers(requests, tokens)

    async def deployment_admits(self, deployment: Deployment) -> bool:
        """Whether a deployment is under its own rpm and tpm now; counts the request if so.

        A deployment at its limit is skipped for the next one, not refused to the client.
        """
        items = self._deployment_items(deployment)
        if items[1] is not None:
            stats = await self._limiter.get_window_stats(items[1], "deployment", deployment.id)
            if stats.remaining <= 0:
                return False
        return items[0] is None or await self._limiter.hit(items[0], "deployment", deployment.id)

    async def consume_deployment_tokens(self, deployment: Deployment, tokens: int) -> None:
        tpm = self._deployment_items(deployment)[1]
        if tpm is not None and tokens > 0:
            await self._saturating_hit(tpm, ("deployment", deployment.id), tokens)

    def _deployment_items(
        self, deployment: Deployment
    ) -> tuple[RateLimitItem | None, RateLimitItem | None]:
        cached = self._deployments.get(deployment.id)
        if cached is None:
            cached = (
                RateLimitItemPerMinute(deployment.rpm, namespace="dreq")
                if deployment.rpm
                else None,
                RateLimitItemPerMinute(deployment.tpm, namespace="dtok")
                if deployment.tpm
                else None,
            )
            self._deployments[deployment.id] = cached
        return cached

    async def _saturating_hit(self, item: RateLimitItem, ids: tuple[str, str], cost: int) -> None:
        """Count `cost`, or fill what is left of the window when it does not fit."""
        if not await self._limiter.hit(item, *ids, cost=cost):
            stats = await self._limiter.get_window_stats(item, *ids)
            if stats.remaining > 0:
                await self._limiter.hit(item, *ids, cost=stats.remaining)

    async def consume_tokens(self, who: Attribution, tokens: int) -> None:
        """Count a finished call's tokens; a window already full just stays full."""
        if tokens <= 0:
            return
        for rule in self._rules(who):
            if rule.tokens is not None:
                await self._saturating_hit(rule.tokens, (rule.scope, rule.name), tokens)

    def _refusal(
        self, rule: _Rule, what: str, item: RateLimitItem, retry_after: float
    ) -> RateLimited:
        wait = max(1.0, math.ceil(retry_after))
        kind = "requests" if item is rule.requests else "tokens"
        return RateLimited(
            f"rate limit of {item.amount} {what} for {rule.scope} {rule.name!r} reached",
            retry_after=wait,
            details={"scope": rule.scope, "name": rule.name, "limit": f"{item.amount} {what}"},
            headers={
                f"x-ratelimit-limit-{kind}": str(item.amount),
                f"x-ratelimit-remaining-{kind}": "0",
                f"x-ratelimit-reset-{kind}": _reset_text(wait),
            },
        )

    async def aclose(self) -> None:
        # The windows stay in Redis for the other replicas; only the connection closes.
        if isinstance(self._storage, RedisStorage):
            bridge = getattr(self._storage, "bridge", None)
            storage = getattr(bridge, "storage", None)
            if storage is not None and hasattr(storage, "aclose"):
                await storage.aclose()


def _headers(requests: _Tightest, tokens: _Tightest) -> dict[str, str]:
    headers = {}
    for kind, tightest in (("requests", requests), ("tokens", tokens)):
        if tightest.remaining >= 0:
            headers[f"x-ratelimit-limit-{kind}"] = str(tightest.limit)
            headers[f"x-ratelimit-remaining-{kind}"] = str(tightest.remaining)
            headers[f"x-ratelimit-reset-{kind}"] = _reset_text(tightest.reset)
    return headers
