"""`swarmdeck cost`: spend reports straight from the ledger in the database."""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from swarmdeck.config import ConfigError, load_file_config, load_settings
from swarmdeck.costs.summary import GROUP_BYS, WINDOWS, Summary, summary

cost_app = typer.Typer(no_args_is_help=True, help="Spend: reports from the cost ledger.")

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _load_summary(window: str, group_by: str) -> Summary:
    from swarmdeck.runtime import Runtime

    try:
        settings = load_settings()
        config = load_file_config(settings.config_path())
    except ConfigError as exc:
        err.print(f"[bold red]configuration error[/]: {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None

    async def run() -> Summary:
        async with Runtime.build(settings, config).opened() as runtime:
            return await summary(runtime.db, window=window, group_by=group_by)

    return asyncio.run(run())


def _as_json(result: Summary) -> dict[str, Any]:
    return {
        "window": result.window,
        "group_by": result.group_by,
        "since": result.since.isoformat(),
        "total_usd": str(result.total_usd),
        "saved_usd": str(result.saved_usd),
        "calls": result.calls,
        "groups": [
            {
                "key": g.key,
                "cost_usd": str(g.cost_usd),
                "calls": g.calls,
                "input_tokens": g.input_tokens,
                "output_tokens": g.output_tokens,
                "saved_usd": str(g.saved_usd),
            }
            for g in result.groups
        ],
    }


def _usd(value: Decimal) -> str:
    """Dollars for people: cents, or more digits when the amount is under a cent."""
    if value and abs(value) < Decimal("0.01"):
        return f"${value:.6f}".rstrip("0")
    return f"${value:,.2f}"


@cost_app.command("report")
def report(
    window: Annotated[str, typer.Option("--window", "-w", help="1h, 1d, 1w or 30d")] = "1d",
    by: Annotated[
        str, typer.Option("--by", "-b", help="model, swarm, agent, user, key or provider")
    ] = "model",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Spend over the last window, per group, most expensive first, with the total."""
    if window not in WINDOWS:
        err.print(f"[bold red]invalid --window[/]: {window!r} (choose {', '.join(WINDOWS)})")
        raise typer.Exit(2)
    if by not in GROUP_BYS:
        err.print(f"[bold red]invalid --by[/]: {by!r} (choose {', '.join(GROUP_BYS)})")
        raise typer.Exit(2)
    result = _load_summary(window, by)
    if as_json:
        sys.stdout.write(json.dumps(_as_json(result)) + "\n")
        return
    table = Table(title=f"Spend over the last {window} by {by}", title_justify="left")
    table.add_column(by)
    table.add_column("calls", justify="right")
    table.add_column("input tokens", justify="right")
    table.add_column("output tokens", justify="right")
    table.add_column("cost", justify="right")
    table.add_column("saved", justify="right")
    for g in result.groups:
        table.add_row(
            "(none)" if g.key is None else g.key,
            f"{g.calls:,}",
            f"{g.input_tokens:,}",
            f"{g.output_tokens:,}",
            _usd(g.cost_usd),
            _usd(g.saved_usd),
        )
    table.add_section()
    table.add_row(
        "total",
        f"{result.calls:,}",
        f"{sum(g.input_tokens for g in result.groups):,}",
        f"{sum(g.output_tokens for g in result.groups):,}",
        _usd(result.total_usd),
        _usd(result.saved_usd),
        style="bold",
    )
    console.print(table)
    console.print(f"total: [bold]{_usd(result.total_usd)}[/] (exact: {result.total_usd} USD)")
