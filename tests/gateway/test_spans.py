"""A `chat {model}` span per call with the GenAI attributes and the cost, exported over OTLP;
prompts on spans only when capture is on, and then sanitised.

The server runs as a child process: OpenTelemetry's providers are installed once per
process, and this one must export to the test's collector.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from swarmdeck.testing import FakeProvider
from tests.api.conftest import free_port
from tests.gateway.conftest import FAKE_KEY

pytestmark = pytest.mark.slow
TOKEN = "sdt-span-test-token"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


async def test_each_call_is_a_chat_span_with_genai_attributes_and_a_sanitised_prompt(
    tmp_path: Path, fake: FakeProvider, collector: tuple[str, list[tuple[str, str, bytes]]]
) -> None:
    endpoint, received = collector
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
                        "price": {"input_per_mtok": 2.5, "output_per_mtok": 10},
                    }
                ],
                "gateway": {"capture_prompts": True},
                "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
            }
        )
    )
    port = free_port()
    env = {
        **os.environ,
        "SWARMDECK_DATA_DIR": str(tmp_path / "data"),
        "SWARMDECK_CONFIG": str(config),
        "SWARMDECK_PORT": str(port),
        "SWARMDECK_ADMIN_TOKEN": TOKEN,
        "SWARMDECK_OTLP_ENDPOINT": endpoint,
        "SWARMDECK_TEMPORAL_ENABLED": "false",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from swarmdeck.cli import main; main()", "serve", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers={"authorization": f"Bearer {TOKEN}"}
        ) as client:
            for _ in range(200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
            response = await client.post(
                "/v1/chat/completions",
                headers={
                    "x-swarmdeck-swarm": "research",
                    "x-swarmdeck-agent": "planner",
                    # the caller's span (an agent turn's): the chat span joins its trace
                    "traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01",
                },
                json={
                    "model": "gpt",
                    "messages": [{"role": "user", "content": "write to vera@example.com today"}],
                },
            )
            assert response.status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)  # the exporter flushes at shutdown
        await asyncio.wait_for(server.wait(), 20)

    spans = [
        span
        for path, _, body in received
        if path == "/v1/traces"
        for rs in ExportTraceServiceRequest.FromString(body).resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]
    [chat] = [span for span in spans if span.name == "chat gpt"]
    assert chat.trace_id.hex() == TRACE_ID
    assert chat.parent_span_id.hex() == PARENT_ID
    attributes = {a.key: a.value for a in chat.attributes}
    assert attributes["gen_ai.operation.name"].string_value == "chat"
    assert attributes["gen_ai.provider.name"].string_value == "openai"
    assert attributes["gen_ai.request.model"].string_value == "gpt"
    assert attributes["gen_ai.response.model"].string_value == "gpt-4o"
    assert attributes["gen_ai.usage.input_tokens"].int_value == 7
    assert attributes["gen_ai.usage.output_tokens"].int_value == 5
    assert attributes["gen_ai.agent.name"].string_value == "planner"
    assert attributes["swarmdeck.swarm"].string_value == "research"
    assert attributes["swarmdeck.cost_usd"].double_value == pytest.approx((7 * 2.5 + 5 * 10) / 1e6)
    prompt = attributes["gen_ai.input.messages"].string_value
    assert "write to" in prompt
    assert "vera@example.com" not in prompt
    answer = attributes["gen_ai.output.messages"].string_value
    assert "echo: write to" in answer and "vera@example.com" not in answer
    assert FAKE_KEY not in str(spans) and TOKEN not in str(spans)
