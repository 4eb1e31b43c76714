"""Structured logs on the stdlib `logging` module: one JSON object a line, with a request id.

Every line passes through the default sanitiser on its way out, so a key or password that
reaches a log call (in the message, its arguments, `extra=` fields or a traceback) is written
as a `[REDACTED:...]` marker.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from opentelemetry import trace

from swarmdeck.core.sanitize import default_sanitizer

__all__ = [
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "current_request_id",
    "request_id",
]

request_id: ContextVar[str | None] = ContextVar("swarmdeck_request_id", default=None)
"""The id of the HTTP request or WebSocket this task serves; set by the API middleware."""


def current_request_id() -> str | None:
    """The current request's id, or None outside a request."""
    return request_id.get()


# Everything a LogRecord carries by itself; any other attribute came from `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}

# Uvicorn configures these itself unless told not to (`log_config=None`); we route them to ours.
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS and k[0] != "_"}


def _trace_ids() -> tuple[str, str] | None:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, request_id, trace ids, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        sanitizer = default_sanitizer()
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": sanitizer.redact(record.getMessage()),
        }
        rid = request_id.get()
        if rid is not None:
            payload["request_id"] = rid
        ids = _trace_ids()
        if ids is not None:
            payload["trace_id"], payload["span_id"] = ids
        extra = _extra_fields(record)
        if extra:
            for key, value in sanitizer.redact_obj(extra).items():
                payload.setdefault(key, value)
        if record.exc_info:
            payload["exc"] = sanitizer.redact(self.formatException(record.exc_info))
        if record.stack_info:
            payload["stack"] = sanitizer.redact(self.formatStack(record.stack_info))
        return json.dumps(
            payload, ensure_ascii=False, default=lambda value: sanitizer.redact(str(value))
        )


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, with the request id and `extra=` fields appended."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        tail = [f"{key}={value!r}" for key, value in _extra_fields(record).items()]
        rid = request_id.get()
        if rid is not None:
            tail.insert(0, f"request_id={rid}")
        if tail:
            # Put the fields on the first line, before any traceback.
            head, sep, rest = line.partition("\n")
            line = f"{head} [{' '.join(tail)}]{sep}{rest}"
        return default_sanitizer().redact(line)


_handler: logging.Handler | None = None


def configure_logging(
    level: str, fmt: Literal["json", "text"] = "json", *, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record (uvicorn's included) to one sanitising handler on `stream`.

    `level` is a level name such as "INFO". Calling again replaces the handler this module
    installed and leaves other handlers alone (pytest's log capture, for one). The API
    middleware writes the access log, so uvicorn's own access lines are dropped.
    """
    global _handler
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(numeric)
    _handler = handler
    for name in _UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    return handler
