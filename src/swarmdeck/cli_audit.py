"""`swarmdeck audit`: verify the audit trail and export it, straight from the database."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import typer
from rich.console import Console

from swarmdeck.config import ConfigError, load_file_config, load_settings, resolve_secret_key
from swarmdeck.core.audit import AuditLog, VerifyResult
from swarmdeck.core.db import Database

audit_app = typer.Typer(
    no_args_is_help=True, help="The audit trail: verify the hash chain, export records."
)

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


@asynccontextmanager
async def _audit_log() -> AsyncIterator[AuditLog]:
    """The audit log of the configured database, as the server would open it."""
    try:
        settings = load_settings()
        config = load_file_config(settings.config_path())
    except ConfigError as exc:
        err.print(f"[bold red]configuration error[/]: {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    db = Database(settings.effective_database_url())
    try:
        await db.migrate()
        yield AuditLog(
            db,
            None,
            secret_key=resolve_secret_key(settings),
            data_dir=settings.data_dir,
            checkpoint_every=config.audit.checkpoint_every,
            checkpoint_seconds=config.audit.checkpoint_seconds,
        )
    finally:
        await db.aclose()


def _run(work: Callable[[AuditLog], Awaitable[T]]) -> T:
    async def main() -> T:
        async with _audit_log() as audit:
            return await work(audit)

    return asyncio.run(main())


def _when(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time from the command line; UTC when it has no zone."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        err.print(f"[bold red]invalid {option}[/]: {value!r} is not an ISO 8601 time")
        raise typer.Exit(2) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _show(result: VerifyResult) -> None:
    if result.ok:
        console.print(
            f"[bold green]audit trail intact[/]: {result.records:,} records verified, "
            f"{result.checkpoints:,} signed checkpoints match"
        )
        return
    console.print(f"[bold red]audit trail broken[/] at [bold]{result.first_bad}[/]")
    console.print(f"  {result.reason}", markup=False, highlight=False)
    console.print(f"  {result.records:,} records verified before it")


@audit_app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Re-walk the hash chain and the signed checkpoints; exit 1 if anything was tampered with."""
    result = _run(lambda audit: audit.verify())
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    else:
        _show(result)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("export")
def export(
    format: Annotated[
        str, typer.Option("--format", "-f", help="csv or json", case_sensitive=False)
    ] = "csv",
    since: Annotated[str | None, typer.Option(help="records at or after (ISO 8601)")] = None,
    until: Annotated[str | None, typer.Option(help="records before (ISO 8601)")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: stdout)")
    ] = None,
    details: Annotated[
        bool, typer.Option("--details/--no-details", help="include decrypted details")
    ] = False,
) -> None:
    """Export records as CSV or JSON, ending with the chain's verification."""
    chosen = format.lower()
    if chosen not in ("csv", "json"):
        err.print(f"[bold red]invalid --format[/]: {format!r} (choose csv or json)")
        raise typer.Exit(2)
    fmt: Literal["csv", "json"] = "csv" if chosen == "csv" else "json"
    start, end = _when(since, "--since"), _when(until, "--until")

    async def write(audit: AuditLog) -> None:
        handle = sys.stdout if output is None else output.open("w", encoding="utf-8", newline="")
        try:
            async for chunk in audit.export(
                format=fmt, since=start, until=end, with_details=details
            ):
                handle.write(chunk)
        finally:
            if output is not None:
                handle.close()

    _run(write)
    if output is not None:
        err.print(f"wrote {output}")
