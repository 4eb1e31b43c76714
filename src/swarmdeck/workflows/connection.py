"""How SwarmDeck reaches Temporal: one `connect` for the API, the worker and the CLI.

Settings come from `Settings` (`SWARMDECK_TEMPORAL_*`): the address (none means the
embedded dev server, whose address the caller passes), the namespace, TLS files or an
API key for a cluster or Temporal Cloud. Every client carries the OpenTelemetry
`TracingInterceptor`, so starting a workflow from a request, the workflow, and its
activities share one trace; workers built on the client inherit it. Payloads go through
the Pydantic converter, so workflow and activity arguments may be Pydantic models,
dataclasses or plain JSON values.
"""

from __future__ import annotations

from datetime import timedelta

from opentelemetry.trace import Tracer
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from swarmdeck.config import Settings

CONNECT_TIMEOUT = timedelta(seconds=5)


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The TLS argument for `Client.connect`: off, system roots, or our CA and client pair.

    `SWARMDECK_TEMPORAL_TLS` unset turns TLS on when an API key or a TLS file is given
    (as the Temporal CLI does); `false` keeps it off even then.
    """
    files = (settings.temporal_tls_ca, settings.temporal_tls_cert, settings.temporal_tls_key)
    wanted = settings.temporal_tls
    if wanted is None:
        wanted = settings.temporal_api_key is not None or any(files)
    if not wanted:
        return False
    if not any(files):
        return True
    ca, cert, key = (path.read_bytes() if path else None for path in files)
    return TLSConfig(server_root_ca_cert=ca, client_cert=cert, client_private_key=key)


async def connect(
    settings: Settings,
    *,
    address: str | None = None,
    lazy: bool = False,
    tracer: Tracer | None = None,
) -> Client:
    """A client for the namespace in `settings`, at `address` or `SWARMDECK_TEMPORAL_ADDRESS`.

    `tracer` defaults to the global one (`core.telemetry`); `lazy` defers connecting to the
    first call. Raises `RuntimeError` (from the SDK) when the server cannot be reached.
    """
    target = address or settings.temporal_address
    if target is None:
        raise ValueError("no Temporal address: set SWARMDECK_TEMPORAL_ADDRESS")
    api_key = settings.temporal_api_key
    return await Client.connect(
        target,
        namespace=settings.temporal_namespace,
        api_key=api_key.get_secret_value() if api_key else None,
        tls=tls_config(settings),
        interceptors=[TracingInterceptor(tracer)],
        data_converter=pydantic_data_converter,
        connect_timeout=CONNECT_TIMEOUT,
        lazy=lazy,
    )
