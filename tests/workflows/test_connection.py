"""Reaching Temporal: TLS and API-key settings, tracing that joins our traces."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from temporalio.service import TLSConfig

from swarmdeck.config import MASK, ConfigError, Settings, effective_settings, load_settings
from swarmdeck.workflows import connect
from swarmdeck.workflows.connection import tls_config

from . import activities
from .conftest import running_worker, unique
from .flows import Greet

ADDRESS = "temporal.example:7233"


def pem(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pem"
    path.write_bytes(f"-----BEGIN {name}-----\n".encode())
    return path


def test_no_tls_by_default() -> None:
    assert tls_config(Settings(temporal_address=ADDRESS)) is False


def test_an_api_key_turns_on_tls_with_the_system_roots_unless_told_otherwise() -> None:
    key = SecretStr("cloud-key")
    assert tls_config(Settings(temporal_address=ADDRESS, temporal_api_key=key)) is True
    plain = Settings(temporal_address=ADDRESS, temporal_api_key=key, temporal_tls=False)
    assert tls_config(plain) is False


def test_tls_files_are_read_into_the_client_config(tmp_path: Path) -> None:
    settings = Settings(
        temporal_address=ADDRESS,
        temporal_tls_ca=pem(tmp_path, "CA"),
        temporal_tls_cert=pem(tmp_path, "CERT"),
        temporal_tls_key=pem(tmp_path, "KEY"),
    )
    config = tls_config(settings)
    assert isinstance(config, TLSConfig)
    assert config.server_root_ca_cert == b"-----BEGIN CA-----\n"
    assert config.client_cert == b"-----BEGIN CERT-----\n"
    assert config.client_private_key == b"-----BEGIN KEY-----\n"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SWARMDECK_TEMPORAL_API_KEY": "k"}, "SWARMDECK_TEMPORAL_ADDRESS"),
        ({"SWARMDECK_TEMPORAL_TLS": "true"}, "SWARMDECK_TEMPORAL_ADDRESS"),
        ({"SWARMDECK_TEMPORAL_TLS_CA": "/no/such/ca.pem"}, "SWARMDECK_TEMPORAL_TLS_CA"),
        ({"SWARMDECK_TEMPORAL_TASK_QUEUE": ""}, "SWARMDECK_TEMPORAL_TASK_QUEUE"),
    ],
)
def test_temporal_settings_that_cannot_work_are_config_errors(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert named in str(caught.value)


def test_a_client_certificate_needs_its_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TLS_CERT and _TLS_KEY go together"):
        load_settings(temporal_address=ADDRESS, temporal_tls_cert=pem(tmp_path, "CERT"))


def test_the_api_key_is_masked_in_the_effective_settings() -> None:
    settings = Settings(temporal_address=ADDRESS, temporal_api_key=SecretStr("cloud-key-123"))
    shown = effective_settings(settings)
    assert shown["temporal_api_key"] == MASK
    assert "cloud-key-123" not in str(shown)


@pytest.mark.asyncio(loop_scope="session")
async def test_workflow_and_activity_spans_join_the_callers_trace(
    temporal_settings: Settings,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    client = await connect(temporal_settings, tracer=tracer)
    async with running_worker(client, [Greet], [activities.greet]) as queue:
        with tracer.start_as_current_span("POST /api/swarms/run") as request:
            await client.execute_workflow(Greet.run, "trace", id=unique("traced"), task_queue=queue)
    spans = exporter.get_finished_spans()
    names = {span.name for span in spans}
    assert {"StartWorkflow:Greet", "RunWorkflow:Greet", "RunActivity:greet"} <= names
    trace_id = request.get_span_context().trace_id
    assert {span.context.trace_id for span in spans if span.context} == {trace_id}
