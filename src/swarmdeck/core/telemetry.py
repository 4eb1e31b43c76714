"""OpenTelemetry setup: one tracer and one meter provider per process, Prometheus exposition.

Every OTel instrument shows up on `/metrics` through a Prometheus reader that feeds
prometheus_client's default registry; with an OTLP endpoint, spans and metrics also go to a
collector over OTLP/HTTP. OTel's global providers can be set once per process, so the first
`configure_telemetry` call builds them and later calls (one per app a test builds) share them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import DropAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

__all__ = ["Telemetry", "configure_telemetry", "meter", "render_prometheus", "tracer"]

_log = logging.getLogger(__name__)

INSTRUMENTATION_NAME = "swarmdeck"


@dataclass(frozen=True)
class _Settings:
    service_name: str
    service_version: str
    otlp_endpoint: str | None


@dataclass
class _Pipeline:
    """The process-wide providers, built by the first `configure_telemetry` call."""

    settings: _Settings
    meter_provider: MeterProvider
    tracer_provider: TracerProvider | None


@dataclass
class Telemetry:
    """A handle on the process-wide telemetry pipeline; `shutdown()` flushes it."""

    _pipeline: _Pipeline
    _closed: bool = field(default=False, init=False)

    @property
    def exporting(self) -> bool:
        """Whether spans and metrics also go to an OTLP collector."""
        return self._pipeline.settings.otlp_endpoint is not None

    def shutdown(self, timeout_millis: int = 5_000) -> None:
        """Flush pending spans and metrics; a second call does nothing.

        The providers stay up, since OTel's globals cannot be replaced and other apps in
        this process may still use them; the SDK shuts them down at interpreter exit.
        """
        if self._closed:
            return
        self._closed = True
        pipeline = self._pipeline
        if pipeline.tracer_provider is not None:
            pipeline.tracer_provider.force_flush(timeout_millis)
        if pipeline.settings.otlp_endpoint is not None:
            # Without OTLP only the Prometheus reader exists, and it has nothing to flush.
            pipeline.meter_provider.force_flush(timeout_millis)


# FastAPI (0.165+) records http.server.request.duration itself once an SDK meter provider is
# installed, unless built with telemetry={"metrics": False}. SwarmDeck's RequestContextMiddleware
# records it (with "<unmatched>" for 404s), and two scopes exporting one metric name with
# different label sets corrupt the Prometheus family: opentelemetry-exporter-prometheus 0.66b2
# pairs label names and values by position. So FastAPI's copy is dropped here.
_DROP_FASTAPI_REQUEST_DURATION = View(
    instrument_name="http.server.request.duration",
    meter_name="fastapi",
    aggregation=DropAggregation(),
)

_lock = threading.Lock()
_pipeline: _Pipeline | None = None


def configure_telemetry(
    *,
    service_name: str = "swarmdeck",
    service_version: str,
    otlp_endpoint: str | None,
    instance_id: str | None = None,
) -> Telemetry:
    """Install the OTel tracer and meter providers once per process; return a handle.

    `otlp_endpoint` is the collector's base URL (`http://collector:4318`); `/v1/traces` and
    `/v1/metrics` are appended. Without it no tracer provider is installed, so spans cost
    nothing, and metrics are only served on `/metrics`. A later call with other settings
    keeps the first ones and logs a warning.
    """
    global _pipeline
    settings = _Settings(service_name, service_version, otlp_endpoint)
    with _lock:
        if _pipeline is None:
            _pipeline = _build(settings, instance_id or uuid.uuid4().hex)
        elif _pipeline.settings != settings:
            _log.warning(
                "telemetry is already configured for this process; keeping %s, ignoring %s",
                _pipeline.settings,
                settings,
            )
        return Telemetry(_pipeline)


def _build(settings: _Settings, instance_id: str) -> _Pipeline:
    resource = Resource.create(
        {
            "service.name": settings.service_name,
            "service.version": settings.service_version,
            "service.instance.id": instance_id,
        }
    )
    readers: list[MetricReader] = [PrometheusMetricReader()]
    tracer_provider: TracerProvider | None = None
    if settings.otlp_endpoint is not None:
        base = settings.otlp_endpoint.rstrip("/")
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(f"{base}/v1/metrics")))
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(f"{base}/v1/traces"))
        )
        trace.set_tracer_provider(tracer_provider)
        if trace.get_tracer_provider() is not tracer_provider:
            _log.warning("another tracer provider was installed first; SwarmDeck spans go there")
    meter_provider = MeterProvider(
        metric_readers=readers, resource=resource, views=[_DROP_FASTAPI_REQUEST_DURATION]
    )
    metrics.set_meter_provider(meter_provider)
    if metrics.get_meter_provider() is not meter_provider:
        _log.warning("another meter provider was installed first; /metrics will miss SwarmDeck's")
    return _Pipeline(settings, meter_provider, tracer_provider)


def render_prometheus() -> tuple[bytes, str]:
    """The Prometheus exposition of every OTel and prometheus_client metric, and its type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def tracer() -> trace.Tracer:
    """SwarmDeck's tracer (a no-op one until an OTLP endpoint is configured)."""
    return trace.get_tracer(INSTRUMENTATION_NAME)


def meter() -> metrics.Meter:
    """SwarmDeck's meter; instruments made before `configure_telemetry` start counting then."""
    return metrics.get_meter(INSTRUMENTATION_NAME)
