"""One trace per swarm run, exported over OTLP: the request that started it, Temporal's
workflow and activity spans, an `invoke_agent` span per turn, and under each turn the
gateway's `chat` span and the bridge's `execute_tool` span.

The server runs as a child process (`swarmdeck serve`, embedded Temporal): OpenTelemetry's
providers are installed once per process, and this one must export to the test's collector.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from swarmdeck.testing import FakeProvider
from tests.api.conftest import free_port
from tests.swarms.conftest import FAKE_KEY, PRICE, eventually

pytestmark = pytest.mark.slow
TOKEN = "sdt-swarm-span-test-token"
TOOL = "time__get_current_time"


def exported_spans(received: list[tuple[str, str, bytes]]) -> list[Span]:
    return [
        span
        for path, _, body in received
        if path == "/v1/traces"
        for rs in ExportTraceServiceRequest.FromString(body).resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]


def ancestors(span: Span, by_id: dict[bytes, Span]) -> list[str]:
    """The names of a span's ancestors, nearest first."""
    names = []
    while span.parent_span_id in by_id:
        span = by_id[span.parent_span_id]
        names.append(span.name)
    return names


async def test_a_run_is_one_trace_from_request_to_model_and_tool_calls(
    tmp_path: Path, collector: tuple[str, list[tuple[str, str, bytes]]]
) -> None:
    endpoint, received = collector
    async with FakeProvider(api_key=FAKE_KEY) as fake:
        config = tmp_path / "swarmdeck.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "providers": {
                        "oai": {"type": "openai", "base_url": f"{fake.url}/v1", "api_key": FAKE_KEY}
                    },
                    "models": [
                        {
                            "name": "gpt",
                            "deployments": [{"provider": "oai", "model": "gpt-4o"}],
                            "price": PRICE,
                        }
                    ],
                    "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
                    "mcp_servers": {
                        "time": {
                            "command": sys.executable,
                            "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
                        }
                    },
                    "swarms": {
                        "clocks": {
                            "agents": [
                                {"name": "clock", "model": "gpt", "tools": ["time"], "max_turns": 2}
                            ]
                        }
                    },
                }
            )
        )
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
        env |= {
            "SWARMDECK_DATA_DIR": str(tmp_path / "data"),
            "SWARMDECK_CONFIG": str(config),
            "SWARMDECK_PORT": str(port),
            "SWARMDECK_ADMIN_TOKEN": TOKEN,
            "SWARMDECK_OTLP_ENDPOINT": endpoint,
        }
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from swarmdeck.cli import main; main()", "serve", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}",
                headers={"authorization": f"Bearer {TOKEN}"},
                timeout=10,
            ) as client:

                async def ready() -> bool:
                    try:
                        ok = (await client.get("/readyz")).status_code == 200
                        tools = (await client.get("/api/mcp/tools")).json()
                    except httpx.TransportError:
                        return False
                    return ok and any(tool["name"] == TOOL for tool in tools)

                await eventually(ready, within=60)
                started = await client.post(
                    "/api/swarms/clocks/runs", json={"task": f"please call {TOOL}"}
                )
                assert started.status_code == 201, started.text
                run_id = started.json()["id"]

                async def finished() -> dict[str, Any] | None:
                    run: dict[str, Any] = (await client.get(f"/api/runs/{run_id}")).json()
                    return run if run["status"] != "running" else None

                run = await eventually(finished, within=60)
        finally:
            server.send_signal(signal.SIGTERM)  # the exporter flushes at shutdown
            await asyncio.wait_for(server.wait(), 30)
    assert run["status"] == "completed", run

    spans = exported_spans(received)
    by_id = {span.span_id: span for span in spans}
    turns = [span for span in spans if span.name == "invoke_agent clock"]
    chats = [span for span in spans if span.name == "chat gpt"]
    tools = [span for span in spans if span.name == f"execute_tool {TOOL}"]
    assert len(turns) == 2 and len(chats) == 2 and len(tools) == 1
    trace_ids = {span.trace_id for span in (*turns, *chats, *tools)}
    assert len(trace_ids) == 1, "the run's spans are in more than one trace"
    # The request that started the run heads the trace, through Temporal's spans.
    [root] = [span for span in spans if span.trace_id in trace_ids and not span.parent_span_id]
    assert "/api/swarms/{name}/runs" in root.name
    assert "RunActivity:swarm.agent_turn" in ancestors(turns[0], by_id)
    for call in (*chats, *tools):
        assert "invoke_agent clock" in ancestors(call, by_id), call.name
