"""The alert engine end to end on both engines: real Slack and webhook receivers (aiohttp on
loopback), a real SMTP server (aiosmtpd), the in-process bus; dedupe, recovery, restarts,
replicas, retries and a channel that is down."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import text

from swarmdeck.core.bus import MemoryBus
from swarmdeck.core.db import Database
from swarmdeck.costs.alerts import (
    SIGNATURE_HEADER,
    TOPIC,
    AlertEngine,
    Snapshot,
    verify_signature,
)
from swarmdeck.costs.budgets import BudgetStatus
from swarmdeck.costs.config import AlertsConfig

WEBHOOK_SECRET = "whsec-alerts-test"
SLACK_TOKEN = "T0SECRET/B0SECRET/slack-token-secret"
SMTP_PASSWORD = "smtp-password-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on loopback standing in for Slack and for a webhook consumer."""

    base: str = ""
    requests: list[Received] = field(default_factory=list)
    failures_left: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(Received(request.path, dict(request.headers), await request.read()))
        if self.failures_left:
            self.failures_left -= 1
            return web.Response(status=503, text="try later")
        return web.Response(text="ok")

    def url(self, path: str) -> str:
        return self.base + path

    def at(self, prefix: str) -> list[Received]:
        return [r for r in self.requests if r.path.startswith(prefix)]


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@dataclass
class Budgets:
    """The budget service's snapshot, set by the test."""

    statuses: list[BudgetStatus] = field(default_factory=list)
    calls: int = 0

    async def snapshot(self) -> list[BudgetStatus]:
        self.calls += 1
        return list(self.statuses)

    def spend(
        self,
        spent: str,
        *,
        limit: str | None = "10",
        alert: str | None = None,
        name: str = "research",
    ) -> None:
        self.statuses = [
            BudgetStatus(
                scope="swarm",
                name=name,
                window="hour",
                spent_usd=Decimal(spent),
                reserved_usd=Decimal(0),
                limit_usd=None if limit is None else Decimal(limit),
                alert_usd=None if alert is None else Decimal(alert),
            )
        ]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    async with database.session() as session:  # PostgreSQL's database is shared by the run
        await session.execute(text("DELETE FROM alerts"))
    yield database
    async with database.session() as session:
        await session.execute(text("DELETE FROM alerts"))
    await database.aclose()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.base = f"http://{host}:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def bus() -> MemoryBus:
    return MemoryBus()


@pytest.fixture
def budgets() -> Budgets:
    return Budgets()


def channels_config(receiver: Receiver, mailbox: Mailbox, **overrides: Any) -> AlertsConfig:
    slack = {"type": "slack", "webhook_url": receiver.url(f"/slack/services/{SLACK_TOKEN}")}
    mail = {
        "type": "email",
        "smtp_host": "127.0.0.1",
        "smtp_port": mailbox.port,
        "starttls": False,
        "sender": "swarmdeck@example.com",
        "to": ["ops@example.com", "cfo@example.com"],
    }
    hook = {"type": "webhook", "url": receiver.url("/hook"), "secret": WEBHOOK_SECRET}
    raw: dict[str, Any] = {"channels": [slack, mail, hook], **overrides}
    return AlertsConfig.model_validate(raw)


Factory = Callable[..., AlertEngine]


@pytest.fixture
async def make_engine(
    db: Database, bus: MemoryBus, budgets: Budgets, receiver: Receiver, mailbox: Mailbox
) -> AsyncIterator[Factory]:
    engines: list[AlertEngine] = []

    def make(
        config: AlertsConfig | None = None,
        *,
        database: Database | None = None,
        snapshot: Snapshot | None = None,
        **options: Any,
    ) -> AlertEngine:
        options.setdefault("retry_delays", (0.05, 0.05))
        engine = AlertEngine(
            config or channels_config(receiver, mailbox),
            snapshot or budgets.snapshot,
            database or db,
            bus,
            **options,
        )
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.stop()


async def dashboard_events(bus: MemoryBus) -> list[tuple[str, dict[str, Any]]]:
    return [(event.type, event.data) for event in await bus.recent([TOPIC])]


def verified(request: Received) -> dict[str, Any]:
    """The webhook body, after checking its signature exactly as a receiver would."""
    header = request.headers[SIGNATURE_HEADER]
    assert verify_signature(WEBHOOK_SECRET.encode(), request.body, header)
    body: dict[str, Any] = request.json()
    return body


async def test_a_condition_evaluated_five_times_is_one_alert_and_one_message_per_channel(
    make_engine: Factory, budgets: Budgets, receiver: Receiver, mailbox: Mailbox, bus: MemoryBus
) -> None:
    engine = make_engine()
    budgets.spend("5.5", limit="10")
    for _ in range(5):
        await engine.evaluate()
    await engine.flush()

    (alert,) = await engine.query()
    assert (alert.rule, alert.scope, alert.name, alert.window, alert.threshold) == (
        "budget_percent",
        "swarm",
        "research",
        "hour",
        "50",
    )
    assert alert.state == "open" and alert.severity == "warning"
    assert alert.value_usd == Decimal("5.5") and alert.limit_usd == Decimal(10)
    assert alert.delivered == {"fired": ["dashboard", "slack", "email", "webhook"]}
    assert alert.failed == {"fired": []}

    (slack,) = receiver.at("/slack/")
    body = slack.json()
    assert "used 50% of its $10 per-hour limit" in body["text"]
    assert [block["type"] for block in body["blocks"]] == [
        "header",
        "section",
        "section",
        "context",
    ]

    (hook,) = receiver.at("/hook")
    payload = verified(hook)
    assert payload["type"] == "alert.fired" and hook.headers["x-swarmdeck-event"] == "alert.fired"
    assert payload["alert"]["id"] == alert.id and payload["alert"]["value_usd"] == "5.5"

    (message,) = mailbox.messages
    assert message["Subject"] == f"[SwarmDeck] warning: {alert.message}"
    assert message["From"] == "swarmdeck@example.com"
    assert mailbox.envelopes == [("swarmdeck@example.com", ["ops@example.com", "cfo@example.com"])]
    content = message.get_content()
    assert alert.message in content and "50% of the limit" in content and alert.id in content

    events = await dashboard_events(bus)
    assert [(kind, data["id"]) for kind, data in events] == [("alert.fired", alert.id)]


async def test_spend_falling_back_sends_one_recovery_notice_and_a_new_crossing_fires_again(
    make_engine: Factory, budgets: Budgets, receiver: Receiver, mailbox: Mailbox, bus: MemoryBus
) -> None:
    engine = make_engine()
    budgets.spend("6", limit="10", alert="5")
    await engine.evaluate()
    await engine.flush()
    fired = {a.rule: a for a in await engine.query(state="open")}
    assert set(fired) == {"spend_rate", "budget_percent"}

    budgets.spend("5.2", limit="10", alert="5.5")  # the window moved on: under the alert amount
    for _ in range(3):
        await engine.evaluate()
    await engine.flush()
    (resolved,) = await engine.query(state="resolved")
    assert resolved.id == fired["spend_rate"].id and resolved.resolved_at is not None
    assert resolved.delivered == {
        "fired": ["dashboard", "slack", "email", "webhook"],
        "resolved": ["dashboard", "slack", "email", "webhook"],
    }
    assert [a.rule for a in await engine.query(state="open")] == ["budget_percent"]

    hooks = [verified(r) for r in receiver.at("/hook")]
    assert [h["type"] for h in hooks].count("alert.resolved") == 1
    recovery = next(h for h in hooks if h["type"] == "alert.resolved")
    assert recovery["alert"]["id"] == resolved.id and recovery["alert"]["state"] == "resolved"
    assert sum("resolved:" in r.json()["text"] for r in receiver.at("/slack/")) == 1
    subjects = [m["Subject"] for m in mailbox.messages]
    assert subjects.count(f"[SwarmDeck] resolved: {resolved.message}") == 1
    kinds = [kind for kind, _ in await dashboard_events(bus)]
    assert kinds.count("alert.fired") == 2 and kinds.count("alert.resolved") == 1

    budgets.spend("5.6", limit="10", alert="5.5")  # crosses again: a new alert
    await engine.evaluate()
    await engine.flush()
    again = [a for a in await engine.query(state="open") if a.rule == "spend_rate"]
    assert len(again) == 1 and again[0].id != resolved.id


async def test_a_restarted_engine_does_not_refire_an_open_alert_but_still_resolves_it(
    make_engine: Factory, budgets: Budgets, receiver: Receiver, db: Database, database_url: str
) -> None:
    budgets.spend("9", limit="10")
    first = make_engine()
    await first.evaluate()
    await first.flush()
    await first.stop()
    assert len(receiver.at("/hook")) == 2  # 50 % and 80 %

    restarted_db = Database(database_url)  # a new process: its own engine and connections
    try:
        second = make_engine(database=restarted_db)
        for _ in range(3):
            await second.evaluate()
        await second.flush()
        assert len(receiver.at("/hook")) == 2
        budgets.spend("6", limit="10")
        await second.evaluate()
        await second.flush()
        await second.stop()
    finally:
        await restarted_db.aclose()
    kinds = [(verified(r)["type"], verified(r)["alert"]["threshold"]) for r in receiver.at("/hook")]
    assert kinds[2:] == [("alert.resolved", "80")]


async def test_replicas_evaluating_together_send_each_notice_once(
    make_engine: Factory, budgets: Budgets, receiver: Receiver, database_url: str
) -> None:
    replicas = [Database(database_url) for _ in range(3)]
    try:
        engines = [make_engine(database=database) for database in replicas]
        budgets.spend("5", limit="10")
        for _ in range(3):
            await asyncio.gather(*(engine.evaluate() for engine in engines))
        budgets.spend("1", limit="10")
        for _ in range(3):
            await asyncio.gather(*(engine.evaluate() for engine in engines))
        for engine in engines:
            await engine.flush()
    finally:
        for database in replicas:
            await database.aclose()
    assert [verified(r)["type"] for r in receiver.at("/hook")] == ["alert.fired", "alert.resolved"]
    assert len(receiver.at("/slack/")) == 2


async def test_a_channel_that_is_down_does_not_stop_the_others_and_leaks_no_secret(
    make_engine: Factory,
    budgets: Budgets,
    receiver: Receiver,
    mailbox: Mailbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = channels_config(receiver, mailbox)
    dead = f"http://127.0.0.1:{free_port()}/services/{SLACK_TOKEN}"  # connection refused
    channels: list[Any] = [
        {"type": "slack", "webhook_url": dead},
        *[c.model_dump(mode="python") for c in config.channels[1:]],
    ]
    channels[1]["password"] = SMTP_PASSWORD
    channels[1]["username"] = None  # no AUTH on the test server: the password stays unused
    for entry in channels[1:]:
        for key, value in list(entry.items()):
            if hasattr(value, "get_secret_value"):
                entry[key] = value.get_secret_value()
    engine = make_engine(AlertsConfig.model_validate({"channels": channels}))
    budgets.spend("5", limit="10")
    with caplog.at_level(logging.INFO):
        await engine.evaluate()
        await engine.flush()
    (alert,) = await engine.query()
    assert alert.failed == {"fired": ["slack"]}
    assert alert.delivered == {"fired": ["dashboard", "email", "webhook"]}
    assert len(mailbox.messages) == 1 and len(receiver.at("/hook")) == 1
    failures = [r for r in caplog.records if r.getMessage().startswith("alert channel failed")]
    assert len(failures) == 3  # the first try and two retries
    assert failures[-1].getMessage().endswith("giving up")
    assert {getattr(r, "channel", None) for r in failures} == {"slack"}
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for secret in ("SECRET", "slack-token-secret", WEBHOOK_SECRET, SMTP_PASSWORD):
        assert secret not in logged


async def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    make_engine: Factory, budgets: Budgets, receiver: Receiver
) -> None:
    receiver.failures_left = 2  # Slack's 503 twice, then the webhook answers at once
    engine = make_engine()
    budgets.spend("5", limit="10")
    await engine.evaluate()
    await engine.flush()
    (alert,) = await engine.query()
    assert alert.failed == {"fired": []}
    assert len(receiver.requests) == 4  # one message arrived per channel, after two refusals


async def test_a_burst_of_pokes_costs_one_evaluation(
    make_engine: Factory, budgets: Budgets, receiver: Receiver, mailbox: Mailbox
) -> None:
    engine = make_engine(channels_config(receiver, mailbox, check_seconds=3600))
    budgets.spend("5", limit="10")
    await engine.start()
    for _ in range(100):
        engine.poke()
        await asyncio.sleep(0)
    for _ in range(200):
        if budgets.calls:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    assert budgets.calls == 1
    await engine.flush()
    assert len(await engine.query(state="open")) == 1
    assert len(receiver.at("/hook")) == 1


async def test_the_timer_evaluates_without_pokes(
    make_engine: Factory, budgets: Budgets, receiver: Receiver, mailbox: Mailbox
) -> None:
    engine = make_engine(channels_config(receiver, mailbox, check_seconds=0.05))
    budgets.spend("5", limit="10")
    await engine.start()
    for _ in range(200):
        if budgets.calls >= 3:
            break
        await asyncio.sleep(0.01)
    assert budgets.calls >= 3
    await engine.flush()
    assert len(receiver.at("/hook")) == 1


async def test_a_snapshot_that_fails_resolves_nothing_and_the_engine_keeps_going(
    make_engine: Factory, budgets: Budgets, receiver: Receiver, mailbox: Mailbox
) -> None:
    budgets.spend("5", limit="10")
    calls = 0

    async def flaky() -> list[BudgetStatus]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("redis went away")
        return await budgets.snapshot()

    engine = make_engine(channels_config(receiver, mailbox, check_seconds=0.05), snapshot=flaky)
    await engine.start()
    for _ in range(200):
        if calls >= 4:
            break
        await asyncio.sleep(0.01)
    await engine.flush()
    assert calls >= 4
    assert [verified(r)["type"] for r in receiver.at("/hook")] == ["alert.fired"]


async def test_notices_are_sent_once_per_kind_and_subject(
    make_engine: Factory, receiver: Receiver, bus: MemoryBus
) -> None:
    engine = make_engine()
    for _ in range(20):
        engine.notify(
            "unpriced_model",
            "model 'llama-local' has no price; priced by the default",
            key="llama-local",
            details={"default_per_mtok": Decimal(1)},
        )
    engine.notify("unpriced_model", "model 'other' has no price", key="other", severity="info")
    await engine.flush()
    restarted = make_engine()  # another replica or a restart sees the same open notice
    restarted.notify("unpriced_model", "model 'llama-local' has no price", key="llama-local")
    await restarted.flush()

    alerts = await engine.query()
    assert next(a for a in alerts if a.name == "llama-local").details == {"default_per_mtok": "1"}
    assert sorted((a.rule, a.scope, a.name, a.severity) for a in alerts) == [
        ("unpriced_model", "notice", "llama-local", "warning"),
        ("unpriced_model", "notice", "other", "info"),
    ]
    assert len(receiver.at("/hook")) == 2
    kinds = [data["name"] for kind, data in await dashboard_events(bus) if kind == "alert.fired"]
    assert sorted(kinds) == ["llama-local", "other"]
    await engine.evaluate()  # notices are not budget conditions: nothing resolves them early
    assert len(await engine.query(state="open")) == 2


async def test_notices_close_quietly_after_the_quiet_period_and_may_fire_again(
    make_engine: Factory, receiver: Receiver
) -> None:
    engine = make_engine(notice_quiet_seconds=0.0)
    engine.notify("unpriced_model", "no price for 'x'", key="x")
    await engine.flush()
    await engine.evaluate()  # closes it, without a recovery notice
    (closed,) = await engine.query(state="resolved")
    engine.notify("unpriced_model", "no price for 'x'", key="x")
    await engine.flush()
    (reopened,) = await engine.query(state="open")
    assert reopened.id != closed.id
    assert [verified(r)["type"] for r in receiver.at("/hook")] == ["alert.fired", "alert.fired"]


async def test_email_logs_in_with_the_configured_user_and_password(
    budgets: Budgets, db: Database, bus: MemoryBus
) -> None:
    box = Mailbox(port=free_port())
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == SMTP_PASSWORD.encode())

    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=box.port,
        authenticator=authenticator,
        auth_require_tls=False,  # the test server has no certificate; production uses TLS
    )
    controller.start()
    try:
        config = AlertsConfig.model_validate(
            {
                "channels": [
                    {
                        "type": "email",
                        "smtp_host": "127.0.0.1",
                        "smtp_port": box.port,
                        "starttls": False,
                        "username": "alerts",
                        "password": SMTP_PASSWORD,
                        "to": ["ops@example.com"],
                    }
                ]
            }
        )
        engine = AlertEngine(config, budgets.snapshot, db, bus, retry_delays=())
        budgets.spend("5", limit="10")
        await engine.evaluate()
        await engine.flush()
    finally:
        controller.stop()
    assert logins == [(b"alerts", SMTP_PASSWORD.encode())]
    assert len(box.messages) == 1
    (alert,) = await engine.query()
    assert alert.delivered == {"fired": ["dashboard", "email"]}
