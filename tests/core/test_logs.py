"""Structured logs: JSON lines with the request id and extra fields, and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from opentelemetry.sdk.trace import TracerProvider

from swarmdeck.core.logs import configure_logging, current_request_id, request_id

OPENAI_KEY = "sk-proj-" + "Q7w8E9r0T1y2U3i4O5p6" * 3
BEARER = "Bearer 9f8e7d6c5b4a3928172635445362718a.opaque"


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]


def _configure(fmt: Literal["json", "text"]) -> Iterator[Captured]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging("info", fmt, stream=stream)
    yield Captured(stream)
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def json_logs() -> Iterator[Captured]:
    yield from _configure("json")


@pytest.fixture
def text_logs() -> Iterator[Captured]:
    yield from _configure("text")


def test_json_lines_carry_request_id_and_extra_fields(json_logs: Captured) -> None:
    token = request_id.set("req-42")
    try:
        assert current_request_id() == "req-42"
        logging.getLogger("swarmdeck.costs").info(
            "charged %s", "team-a", extra={"cost_usd": "0.12", "model": "gpt-4o", "tokens": 12}
        )
    finally:
        request_id.reset(token)
    logging.getLogger("swarmdeck.costs").warning("outside any request")

    inside, outside = json_logs.records()
    assert inside["level"] == "INFO"
    assert inside["logger"] == "swarmdeck.costs"
    assert inside["msg"] == "charged team-a"
    assert inside["request_id"] == "req-42"
    assert (inside["cost_usd"], inside["model"], inside["tokens"]) == ("0.12", "gpt-4o", 12)
    assert inside["ts"].endswith("+00:00")
    assert outside["level"] == "WARNING"
    assert "request_id" not in outside
    assert current_request_id() is None


def test_a_secret_in_the_message_or_its_arguments_is_logged_redacted(json_logs: Captured) -> None:
    log = logging.getLogger("swarmdeck.gateway")
    log.info(f"upstream said no to Authorization: {BEARER}")
    log.info("calling provider with key %s", OPENAI_KEY)
    log.info("retry", extra={"api_key": OPENAI_KEY, "detail": {"header": BEARER}})

    output = json_logs.stream.getvalue()
    assert OPENAI_KEY not in output
    assert "9f8e7d6c5b4a" not in output
    first, second, third = json_logs.records()
    assert first["msg"] == "upstream said no to Authorization: [REDACTED:bearer]"
    assert second["msg"] == "calling provider with key [REDACTED:api_key]"
    assert third["api_key"] == "[REDACTED]"
    assert third["detail"] == {"header": "[REDACTED:bearer]"}


def test_a_secret_in_a_traceback_is_logged_redacted(json_logs: Captured) -> None:
    try:
        raise RuntimeError(f"provider rejected {OPENAI_KEY}")
    except RuntimeError:
        logging.getLogger("swarmdeck.gateway").exception("call failed")

    (record,) = json_logs.records()
    assert "RuntimeError: provider rejected [REDACTED:api_key]" in record["exc"]
    assert OPENAI_KEY not in json_logs.stream.getvalue()


def test_an_unserialisable_extra_value_is_stringified_and_redacted(json_logs: Captured) -> None:
    class Credentials:
        def __str__(self) -> str:
            return f"Credentials(key={OPENAI_KEY})"

    logging.getLogger("swarmdeck").info("loaded", extra={"creds_obj": Credentials()})
    (record,) = json_logs.records()
    assert record["creds_obj"] == "Credentials(key=[REDACTED:api_key])"


def test_json_lines_carry_the_current_trace_ids(json_logs: Captured) -> None:
    with TracerProvider().get_tracer("test").start_as_current_span("op") as span:
        logging.getLogger("swarmdeck").info("inside a span")
    (record,) = json_logs.records()
    assert record["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert record["span_id"] == format(span.get_span_context().span_id, "016x")


def test_text_lines_carry_request_id_and_are_redacted(text_logs: Captured) -> None:
    token = request_id.set("req-7")
    try:
        logging.getLogger("swarmdeck.api").info("got %s", BEARER, extra={"route": "/v1/x"})
    finally:
        request_id.reset(token)
    (line,) = text_logs.lines()
    assert "INFO" in line
    assert "swarmdeck.api: got [REDACTED:bearer]" in line
    assert "[request_id=req-7 route='/v1/x']" in line


def test_uvicorn_logs_go_through_the_same_handler(json_logs: Captured) -> None:
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 123)
    logging.getLogger("uvicorn.access").info("127.0.0.1 - GET / 200")  # ours replaces it
    (record,) = json_logs.records()
    assert record["logger"] == "uvicorn.error"
    assert record["msg"] == "Started server process [123]"


def test_configuring_again_replaces_the_handler_instead_of_adding_one(
    json_logs: Captured,
) -> None:
    root = logging.getLogger()
    before = len(root.handlers)
    second = io.StringIO()
    handler = configure_logging("WARNING", "json", stream=second)
    try:
        assert len(root.handlers) == before
        logging.getLogger("swarmdeck").warning("once")
        logging.getLogger("swarmdeck").info("filtered by level")
        assert json_logs.stream.getvalue() == ""
        assert [json.loads(line)["msg"] for line in second.getvalue().splitlines()] == ["once"]
    finally:
        root.removeHandler(handler)


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        configure_logging("LOUD")
