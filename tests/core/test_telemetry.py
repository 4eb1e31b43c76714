"""Telemetry setup: idempotent per process, Prometheus exposition, OTLP/HTTP export."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from opentelemetry import metrics
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client.parser import text_string_to_metric_families

from swarmdeck import __version__
from swarmdeck.core.telemetry import configure_telemetry, meter, render_prometheus, tracer


def test_configuring_again_shares_the_first_pipeline() -> None:
    first = configure_telemetry(service_version=__version__, otlp_endpoint=None)
    provider = metrics.get_meter_provider()
    second = configure_telemetry(service_version=__version__, otlp_endpoint=None)
    assert metrics.get_meter_provider() is provider
    assert not first.exporting and not second.exporting
    first.shutdown()
    first.shutdown()  # idempotent
    second.shutdown()


def test_instruments_show_up_in_the_prometheus_exposition() -> None:
    telemetry = configure_telemetry(service_version=__version__, otlp_endpoint=None)
    meter().create_counter("swarmdeck.test.widgets", unit="{widget}").add(3, {"kind": "cog"})
    telemetry.shutdown()  # a flushed handle does not stop /metrics

    body, content_type = render_prometheus()
    assert content_type.startswith("text/plain; version=")
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    (sample,) = families["swarmdeck_test_widgets"].samples
    assert sample.value == 3
    assert sample.labels["kind"] == "cog"
    (info,) = families["target_info"].samples
    assert info.labels["service_name"] == "swarmdeck"
    assert "process_cpu_seconds" in families  # prometheus_client's own collectors too


def test_without_an_endpoint_spans_cost_nothing() -> None:
    configure_telemetry(service_version=__version__, otlp_endpoint=None)
    with tracer().start_as_current_span("noop") as span:
        assert not span.is_recording()


def test_spans_and_metrics_reach_an_otlp_http_collector(
    collector: tuple[str, list[tuple[str, str, bytes]]],
) -> None:
    # In a child process: OTel's global providers can be installed once per process.
    endpoint, received = collector
    script = textwrap.dedent(
        f"""
        from swarmdeck.core.telemetry import configure_telemetry, meter, tracer
        telemetry = configure_telemetry(
            service_version="9.9", otlp_endpoint={endpoint!r}, instance_id="probe-1"
        )
        assert telemetry.exporting
        with tracer().start_as_current_span("probe.span"):
            meter().create_counter("probe.calls").add(2)
        telemetry.shutdown()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)

    by_path = {path: (content_type, body) for path, content_type, body in received}
    assert set(by_path) == {"/v1/traces", "/v1/metrics"}
    assert all(ct == "application/x-protobuf" for ct, _ in by_path.values())

    traces = ExportTraceServiceRequest.FromString(by_path["/v1/traces"][1])
    (resource_spans,) = traces.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert resource["service.name"] == "swarmdeck"
    assert resource["service.version"] == "9.9"
    assert resource["service.instance.id"] == "probe-1"
    assert [s.name for ss in resource_spans.scope_spans for s in ss.spans] == ["probe.span"]

    exported = ExportMetricsServiceRequest.FromString(by_path["/v1/metrics"][1])
    names = {
        metric.name
        for rm in exported.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
    }
    assert "probe.calls" in names
