"""The `swarmdeck` command: run the product, migrate, inspect config, manage access."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
import yaml
from rich.console import Console
from rich.table import Table

from swarmdeck import __version__
from swarmdeck.cli_audit import audit_app
from swarmdeck.cli_cost import cost_app
from swarmdeck.cli_mcp import mcp_app
from swarmdeck.config import (
    ConfigError,
    FileConfig,
    Settings,
    effective_settings,
    load_file_config,
    load_settings,
    masked,
)
from swarmdeck.core.auth import Caller
from swarmdeck.core.errors import SwarmDeckError

if TYPE_CHECKING:
    from swarmdeck.runtime import Runtime

T = TypeVar("T")

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="SwarmDeck: the control plane for LLM agents."
)
config_app = typer.Typer(no_args_is_help=True, help="Inspect and validate configuration.")
users_app = typer.Typer(
    no_args_is_help=True, help="Users: add, list, disable, set a role or password."
)
keys_app = typer.Typer(no_args_is_help=True, help="API keys: create, list, revoke.")
app.add_typer(config_app, name="config")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(cost_app, name="cost")
app.add_typer(mcp_app, name="mcp")

# soft_wrap: tokens and URLs must stay on one line when output is piped or logged.
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HostOption = Annotated[str | None, typer.Option("--host", help="interface to listen on")]
PortOption = Annotated[int | None, typer.Option("--port", help="port to listen on")]


def _load(**overrides: object) -> tuple[Settings, FileConfig]:
    """Settings and YAML config, or a clear message and exit code 2 (never a traceback)."""
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
        config = load_file_config(settings.config_path())
        check_provider_keys(config)
        return settings, config
    except ConfigError as exc:
        err.print(f"[bold red]configuration error[/]: {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None


def check_provider_keys(config: FileConfig) -> None:
    """Every provider key is at hand (config or env var), or a ConfigError naming the missing one."""
    from swarmdeck.gateway.providers import ProviderKeyMissing, resolve_api_key

    for name, provider in config.providers.items():
        try:
            resolve_api_key(name, provider)
        except ProviderKeyMissing as exc:
            raise ConfigError(str(exc)) from None


def _bootstrap_admin(settings: Settings, config: FileConfig) -> str | None:
    """At first start with no user and no admin token: an `admin` user, password shown once."""
    if settings.admin_token is not None:
        return None
    from swarmdeck.runtime import Runtime

    async def run() -> str | None:
        async with Runtime.build(settings, config).opened() as runtime:
            return await runtime.users.bootstrap_admin(Caller.cli())

    return asyncio.run(run())


def _configure_logging(settings: Settings) -> None:
    from swarmdeck.core.logs import configure_logging

    log_format = settings.log_format
    if log_format == "auto":
        log_format = "text" if sys.stderr.isatty() else "json"
    configure_logging(settings.log_level, log_format)
    # Migration chatter is noise at INFO; problems still surface as warnings.
    logging.getLogger("alembic").setLevel(
        max(logging.WARNING, logging.getLevelName(settings.log_level))
    )


def _workflows_line(settings: Settings) -> str:
    if not settings.temporal_enabled:
        return "off (SWARMDECK_TEMPORAL_ENABLED=false)"
    if settings.temporal_address is None:
        ui = ", Web UI on a loopback port (see /api/system/status)" if settings.temporal_ui else ""
        return f"embedded Temporal dev server in {settings.data_dir.resolve() / 'temporal'}{ui}"
    return f"Temporal at {settings.temporal_address}, namespace {settings.temporal_namespace}"


def _run_server(settings: Settings, config: FileConfig, *, banner: bool) -> None:
    import uvicorn

    from swarmdeck.app import create_app

    _configure_logging(settings)
    password = _bootstrap_admin(settings, config)
    if banner:
        url = f"http://{settings.host}:{settings.port}"
        mode = "embedded" if settings.embedded else "scaled"
        console.print(f"[bold green]SwarmDeck {__version__}[/] is starting at [bold]{url}[/]")
        console.print(f"  data dir: {settings.data_dir.resolve()}  mode: {mode}")
        console.print(f"  workflows: {_workflows_line(settings)}")
        if password:
            console.print(
                "  log in as [bold]admin[/] with password (shown once, keep it): "
                f"[bold yellow]{password}[/]"
            )
            console.print("  lost it? `swarmdeck users passwd admin` sets a new one")
        if settings.admin_token is not None:
            console.print("  the token in SWARMDECK_ADMIN_TOKEN also logs in as admin")
        elif not password:
            console.print("  log in with your user name and password (`swarmdeck users list`)")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, config),
            host=settings.host,
            port=settings.port,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            log_config=None,
            proxy_headers=True,
            timeout_graceful_shutdown=5,
        )
    )
    server.run()
    if not server.started:
        raise typer.Exit(1)


@app.command()
def up(host: HostOption = None, port: PortOption = None) -> None:
    """Run everything in one process on embedded defaults (no external service needed)."""
    settings, config = _load(host=host, port=port)
    if settings.temporal_worker is None:  # everything in one process: the worker too
        settings = settings.model_copy(update={"temporal_worker": True})
    _run_server(settings, config, banner=True)


@app.command()
def serve(host: HostOption = None, port: PortOption = None) -> None:
    """Run the API alone, e.g. as one of several replicas (DATABASE_URL + REDIS_URL)."""
    settings, config = _load(host=host, port=port)
    _run_server(settings, config, banner=False)


@app.command()
def worker() -> None:
    """Run workflow workers (no HTTP) against the cluster at SWARMDECK_TEMPORAL_ADDRESS."""
    settings, config = _load()
    problem = None
    if not settings.temporal_enabled:
        problem = "SWARMDECK_TEMPORAL_ENABLED is false"
    elif settings.temporal_address is None:
        problem = "SWARMDECK_TEMPORAL_ADDRESS is not set"
    if problem is not None:
        err.print(
            "[bold red]configuration error[/]: `swarmdeck worker` runs workflows for a "
            f"Temporal cluster and needs SWARMDECK_TEMPORAL_ADDRESS (host:port), but {problem}. "
            "(`swarmdeck up` runs its own worker on the embedded dev server.)",
            markup=True,
            highlight=False,
        )
        raise typer.Exit(2)
    _configure_logging(settings)
    settings = settings.model_copy(update={"temporal_worker": True})
    asyncio.run(_serve_worker(settings, config))


async def _serve_worker(settings: Settings, config: FileConfig) -> None:
    """The runtime without HTTP: its worker polls until SIGTERM or SIGINT, then drains."""
    import signal

    from swarmdeck.core.telemetry import configure_telemetry
    from swarmdeck.runtime import Runtime

    telemetry = configure_telemetry(
        service_name=config.telemetry.service_name,
        service_version=__version__,
        otlp_endpoint=settings.otlp_endpoint,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    runtime = Runtime.build(settings, config)
    try:
        await runtime.start(serving=False)
        ready = asyncio.create_task(runtime.workflows.wait_ready())
        stop = asyncio.create_task(stopping.wait())
        await asyncio.wait({ready, stop}, return_when=asyncio.FIRST_COMPLETED)
        if ready.done():  # else it is still retrying (and saying why in the log)
            console.print(f"worker connected: {runtime.workflows.describe()}")
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ready
        await stop
    finally:
        await runtime.stop()
        telemetry.shutdown()
    console.print("worker stopped")


@app.command()
def migrate() -> None:
    """Apply the database migrations (also done at every start)."""
    settings, _ = _load()
    from swarmdeck.core.db import Database

    async def run() -> None:
        db = Database(settings.effective_database_url())
        try:
            await db.migrate()
        finally:
            await db.aclose()

    asyncio.run(run())
    console.print("database is up to date")


@app.command()
def openapi() -> None:
    """Print the OpenAPI document (the dashboard's API types are generated from it)."""
    from swarmdeck.app import create_app

    settings, config = _load()
    sys.stdout.write(
        json.dumps(create_app(settings, config).openapi(), indent=2, sort_keys=True) + "\n"
    )


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@config_app.command("show")
def config_show(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of YAML")] = False,
) -> None:
    """Print the effective settings and YAML config with every secret masked."""
    settings, config = _load()
    path = settings.config_path()
    shown = {
        "settings": effective_settings(settings),
        "config_file": str(path) if path else None,
        "file": masked(config),
    }
    text = json.dumps(shown, indent=2) if as_json else yaml.safe_dump(shown, sort_keys=False)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@config_app.command("check")
def config_check(file: Annotated[Path, typer.Argument(help="the YAML file to validate")]) -> None:
    """Validate a config file; exit 2 with the key path and problem if it is wrong."""
    try:
        load_file_config(file)
    except ConfigError as exc:
        err.print(f"[bold red]invalid[/]: {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    console.print(f"{file}: ok")


def _run(body: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run one command against storage, with domain errors printed, not raised."""
    from swarmdeck.runtime import Runtime

    settings, config = _load()

    async def run() -> T:
        async with Runtime.build(settings, config).opened() as runtime:
            return await body(runtime)

    try:
        return asyncio.run(run())
    except SwarmDeckError as exc:
        err.print(f"[bold red]{exc.type}[/]: {exc.message}", markup=True, highlight=False)
        raise typer.Exit(1) from None


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="the user's role")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Add a user (asks for the password, at least 12 characters)."""
    password = _read_password(password_stdin)
    user = _run(lambda rt: rt.users.create(Caller.cli(), name, password, role))
    console.print(f"user [bold]{user.name}[/] added with role {user.role}")


@users_app.command("list")
def users_list() -> None:
    """List users."""
    users = _run(lambda rt: rt.users.list())
    table = Table("name", "role", "disabled", "created", "last login")
    for user in users:
        table.add_row(
            user.name,
            user.role,
            "yes" if user.disabled else "",
            f"{user.created_at:%Y-%m-%d %H:%M}",
            f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "",
        )
    console.print(table)


@users_app.command("disable")
def users_disable(
    name: str, enable: Annotated[bool, typer.Option("--enable", help="enable instead")] = False
) -> None:
    """Disable a user (their sessions and keys stop working), or enable them again."""
    _run(lambda rt: rt.users.update(Caller.cli(), name, disabled=not enable))
    console.print(f"user [bold]{name}[/] {'enabled' if enable else 'disabled'}")


@users_app.command("set-role")
def users_set_role(name: str, role: str) -> None:
    """Change a user's role."""
    _run(lambda rt: rt.users.update(Caller.cli(), name, role=role))
    console.print(f"user [bold]{name}[/] now has role {role}")


@users_app.command("passwd")
def users_passwd(
    name: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Set a user's password."""
    password = _read_password(password_stdin)
    _run(lambda rt: rt.users.update(Caller.cli(), name, password=password))
    console.print(f"password of [bold]{name}[/] changed")


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Option(help="the key's owner")],
    name: Annotated[str, typer.Option(help="what the key is for")],
    role: Annotated[
        str | None, typer.Option(help="at most the owner's role; default the owner's")
    ] = None,
    expires_in: Annotated[int | None, typer.Option(help="seconds until it expires")] = None,
) -> None:
    """Create an API key and print it once."""
    key, secret = _run(
        lambda rt: rt.keys.create(
            Caller.cli(), user=user, name=name, role=role, expires_in=expires_in
        )
    )
    console.print(
        f"key [bold]{key.id}[/] for {key.user} with role {key.role}; shown once, keep it:"
    )
    sys.stdout.write(secret + "\n")


@keys_app.command("list")
def keys_list() -> None:
    """List keys (never the keys themselves)."""
    keys = _run(lambda rt: rt.keys.list(Caller.cli()))
    table = Table(
        "id", "name", "user", "role", "last4", "created", "last used", "expires", "revoked"
    )
    for key in keys:
        table.add_row(
            key.id,
            key.name,
            key.user,
            key.role,
            key.last4,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
            f"{key.expires_at:%Y-%m-%d %H:%M}" if key.expires_at else "",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key."""
    _run(lambda rt: rt.keys.revoke(Caller.cli(), key_id))
    console.print(f"key [bold]{key_id}[/] revoked")


def main() -> None:
    app()
