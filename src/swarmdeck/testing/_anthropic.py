"""The Anthropic Messages wire format as the fake provider speaks it: bodies, events, errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from swarmdeck.testing._openai import BadRequest
from swarmdeck.testing._script import Answer, Script, pieces, requested_tool, text_of, words

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def error(status: int, message: str) -> dict[str, Any]:
    """An Anthropic error body for `status`."""
    kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def deny(headers: Mapping[str, str], api_key: str) -> tuple[int, dict[str, Any]] | None:
    """401 unless the key comes as `x-api-key` or a bearer (recent SDKs); 400 without a version."""
    if headers.get("x-api-key") != api_key and headers.get("Authorization") != f"Bearer {api_key}":
        return 401, error(401, "invalid x-api-key")
    if not headers.get("anthropic-version"):
        return 400, error(400, "anthropic-version: header is required")
    return None


def message_answer(body: Any, script: Script) -> tuple[dict[str, Any], Answer]:
    """The validated request and the model's answer to it."""
    if not isinstance(body, dict):
        raise BadRequest("messages: Input should be a valid object")
    for name in ("model", "messages", "max_tokens"):
        if name not in body:
            raise BadRequest(f"{name}: Field required")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: at least one message is required")
    prompt_words = words(text_of(body.get("system"))) + sum(
        words(text_of(m.get("content"))) for m in messages if isinstance(m, dict)
    )
    last_user = next(
        (_user_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    tools = [t["name"] for t in body.get("tools") or () if "name" in t]
    answer = script.answer(
        prompt_words=prompt_words,
        last_user_text=last_user,
        tool=requested_tool(last_user, tools) if tools else None,
        max_tokens=body["max_tokens"],
    )
    return body, answer


def _user_text(content: Any) -> str:
    # The user's own words: text blocks, not the tool results that may share the turn.
    if isinstance(content, list):
        return " ".join(
            b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return text_of(content)


def _stop(answer: Answer) -> str:
    return "tool_use" if answer.tool else "max_tokens" if answer.truncated else "end_turn"


def _usage(answer: Answer, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": answer.input_tokens - answer.cached_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": answer.cached_tokens,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _tool_block(answer: Answer, request_id: str) -> dict[str, Any]:
    return {"type": "tool_use", "id": f"toolu_{request_id[-12:]}", "name": answer.tool, "input": {}}


def message(model: str, answer: Answer, request_id: str) -> dict[str, Any]:
    """A non-streamed `message`."""
    if answer.tool:
        content = [_tool_block(answer, request_id)]
    else:
        content = [{"type": "text", "text": answer.text or ""}]
    return {
        "id": request_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop(answer),
        "stop_sequence": None,
        "usage": _usage(answer, answer.output_tokens),
    }


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps({"type": kind, **data}) + b"\n\n"


def events(model: str, answer: Answer, request_id: str) -> list[bytes]:
    """The SSE events of a streamed answer, from `message_start` to `message_stop`."""
    start = message(model, answer, request_id) | {
        "content": [],
        "stop_reason": None,
        "usage": _usage(answer, 1),
    }
    out = [_event("message_start", {"message": start})]
    if answer.tool:
        block = _tool_block(answer, request_id)
        out.append(_event("content_block_start", {"index": 0, "content_block": block}))
        out.append(_event("ping", {}))
        delta = {"type": "input_json_delta", "partial_json": "{}"}
        out.append(_event("content_block_delta", {"index": 0, "delta": delta}))
    else:
        block = {"type": "text", "text": ""}
        out.append(_event("content_block_start", {"index": 0, "content_block": block}))
        out.append(_event("ping", {}))
        out.extend(
            _event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": p}})
            for p in pieces(answer.text or "")
        )
    out.append(_event("content_block_stop", {"index": 0}))
    stop: dict[str, Any] = {"stop_reason": _stop(answer), "stop_sequence": None}
    usage = {"output_tokens": answer.output_tokens}
    out.append(_event("message_delta", {"delta": stop, "usage": usage}))
    out.append(_event("message_stop", {}))
    return out


def models(script: Script) -> dict[str, Any]:
    """`GET /v1/models` in Anthropic's shape."""
    data: list[dict[str, Any]] = [
        {"type": "model", "id": name, "display_name": name, "created_at": "2025-01-01T00:00:00Z"}
        for name in script.models
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
