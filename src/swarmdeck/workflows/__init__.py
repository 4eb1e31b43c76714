"""Durable work on Temporal: the connection, the embedded dev server, the worker, sagas.

Public surface:

- `TemporalService` (worker.py): what the Runtime owns; `register(workflows=, activities=)`
  before `start()`, then `client` / `wait_ready()` to start workflows.
- `connect(settings, address=)` (connection.py): a client with our TLS, API key, tracing.
- `DevServer`, `DevServerError` (devserver.py): `temporal server start-dev` as a child.
- `Saga`, `CompensationFailure` (saga.py): compensations in reverse order, in workflows.

The names load lazily: Temporal's sandbox re-imports this package for every workflow run
of a module inside it, and must not pay for the worker, the settings or the dev server
each time (a workflow module imports `swarmdeck.workflows.saga` and its activities only).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swarmdeck.workflows.connection import connect
    from swarmdeck.workflows.devserver import DevServer, DevServerError
    from swarmdeck.workflows.saga import CompensationFailure, Saga
    from swarmdeck.workflows.worker import TemporalService

__all__ = [
    "CompensationFailure",
    "DevServer",
    "DevServerError",
    "Saga",
    "TemporalService",
    "connect",
]

_HOMES = {
    "CompensationFailure": "saga",
    "DevServer": "devserver",
    "DevServerError": "devserver",
    "Saga": "saga",
    "TemporalService": "worker",
    "connect": "connection",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
