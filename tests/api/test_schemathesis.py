"""Schemathesis over the whole OpenAPI spec against a live server: no input gives a 5xx."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from .conftest import Server

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


async def schemathesis(url: str, token: str, cwd: Path, *options: str, examples: int) -> str:
    """Run Schemathesis over the live server's spec; its output, after asserting it passed."""
    process = await asyncio.create_subprocess_exec(
        SCHEMATHESIS,
        "run",
        f"{url}/api/openapi.json",
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance",
        "--header",
        f"Authorization: Bearer {token}",
        *options,
        "--max-examples",
        str(examples),
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=cwd,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 600)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
    return text


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_no_generated_request_makes_a_server_error(server: Server, tmp_path: Path) -> None:
    # An SSE stream never ends; it has its own tests. Temporal is off on these servers, so
    # the executions list answers only 503: tests/swarms/test_api_fuzz.py covers it live.
    await schemathesis(
        server.url,
        server.token,
        tmp_path,
        "--exclude-operation-id",
        "stream_events_api_events_get",
        "--exclude-operation-id",
        "list_workflows_api_workflows_get",
        examples=60,
    )
