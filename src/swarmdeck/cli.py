"""The `swarmdeck` command: run the product, migrate, inspect config, manage access."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console

from swarmdeck import __version__
from swarmdeck.config import (
    ConfigError,
    FileConfig,
    Settings,
    effective_settings,
    load_file_config,
    load_settings,
    masked,
)
from swarmdeck.core.auth import generate_admin_token, read_generated_token_digest

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="SwarmDeck: the control plane for LLM agents."
)
config_app = typer.Typer(no_args_is_help=True, help="Inspect and validate configuration.")
token_app = typer.Typer(no_args_is_help=True, help="The bootstrap admin token.")
app.add_typer(config_app, name="config")
app.add_typer(token_app, name="admin-token")

# soft_wrap: tokens and URLs must stay on one line when output is piped or logged.
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HostOption = Annotated[str | None, typer.Option("--host", help="interface to listen on")]
PortOption = Annotated[int | None, typer.Option("--port", help="port to listen on")]


def _load(**overrides: object) -> tuple[Settings, FileConfig]:
    """Settings and YAML config, or a clear message and exit code 2 (never a traceback)."""
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
        return settings, load_file_config(settings.config_path())
    except ConfigError as exc:
        err.print(f"[bold red]configuration error[/]: {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None


def _bootstrap_token(settings: Settings) -> str | None:
    """Make an admin token at first start when none is configured; return it to show once."""
    if settings.admin_token is not None or read_generated_token_digest(settings.data_dir):
        return None
    return generate_admin_token(settings.data_dir)


def _run_server(settings: Settings, config: FileConfig, *, banner: bool) -> None:
    import uvicorn

    from swarmdeck.app import create_app
    from swarmdeck.core.logs import configure_logging

    log_format = settings.log_format
    if log_format == "auto":
        log_format = "text" if sys.stderr.isatty() else "json"
    configure_logging(settings.log_level, log_format)
    # Migration chatter is noise at INFO; problems still surface as warnings.
    logging.getLogger("alembic").setLevel(
        max(logging.WARNING, logging.getLevelName(settings.log_level))
    )
    new_token = _bootstrap_token(settings)
    if banner:
        url = f"http://{settings.host}:{settings.port}"
        console.print(f"[bold green]SwarmDeck {__version__}[/] is starting at [bold]{url}[/]")
        console.print(
            f"  data dir: {settings.data_dir.resolve()}  mode: {'embedded' if settings.embedded else 'scaled'}"
        )
        if new_token:
            console.print(f"  admin token (shown once, keep it): [bold yellow]{new_token}[/]")
            console.print("  lost it? `swarmdeck admin-token reset` prints a new one")
        elif settings.admin_token is not None:
            console.print("  log in with the token in SWARMDECK_ADMIN_TOKEN")
        else:
            console.print(
                "  log in with the admin token printed at first start (`swarmdeck admin-token reset` for a new one)"
            )
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
    _run_server(settings, config, banner=True)


@app.command()
def serve(host: HostOption = None, port: PortOption = None) -> None:
    """Run the API alone, e.g. as one of several replicas (DATABASE_URL + REDIS_URL)."""
    settings, config = _load(host=host, port=port)
    _run_server(settings, config, banner=False)


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


@token_app.command("reset")
def token_reset() -> None:
    """Replace the generated admin token and print the new one (the old one stops working)."""
    settings, _ = _load()
    token = generate_admin_token(settings.data_dir)
    console.print(f"new admin token (shown once): [bold yellow]{token}[/]")
    console.print("running servers pick it up at their next start")


def main() -> None:
    app()
