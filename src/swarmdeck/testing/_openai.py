"""The OpenAI wire format as the fake provider speaks it: bodies, chunks, errors."""

from __future__ import annotations

import array
import base64
import hashlib
import time
from collections.abc import Mapping
from typing import Any

import orjson

from swarmdeck.testing._script import Answer, Script, pieces, requested_tool, text_of, words

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", "service_unavailable"),
}
_FINGERPRINT = "fp_fake"


class BadRequest(Exception):
    """The request is malformed; the message says how."""


def error(status: int, message: str) -> dict[str, Any]:
    """An OpenAI error body for `status`."""
    kind, code = _ERROR_TYPES.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def deny(headers: Mapping[str, str], api_key: str) -> tuple[int, dict[str, Any]] | None:
    """401 unless `Authorization: Bearer <api_key>`."""
    if headers.get("Authorization") == f"Bearer {api_key}":
        return None
    given = headers.get("Authorization", "").removeprefix("Bearer ")
    if not given:
        message = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
    else:
        message = f"Incorrect API key provided: {given[:3]}***{given[-4:]}."
    return 401, error(401, message)


def _check(body: Any, *fields: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("We could not parse the JSON body of your request.")
    for name in fields:
        if name not in body:
            raise BadRequest(f"Missing required parameter: '{name}'.")
    return body


def chat_answer(body: Any, script: Script) -> tuple[dict[str, Any], Answer]:
    """The validated request and the model's answer to it."""
    body = _check(body, "model", "messages")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise BadRequest("Invalid 'messages': empty array.")
    prompt_words = sum(words(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    last_user = next(
        (text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    tools = [t["function"]["name"] for t in body.get("tools") or () if "function" in t]
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    answer = script.answer(
        prompt_words=prompt_words,
        last_user_text=last_user,
        tool=requested_tool(last_user, tools) if tools else None,
        max_tokens=max_tokens,
    )
    return body, answer


def _usage(answer: Answer) -> dict[str, Any]:
    return {
        "prompt_tokens": answer.input_tokens,
        "completion_tokens": answer.output_tokens,
        "total_tokens": answer.input_tokens + answer.output_tokens,
        "prompt_tokens_details": {"cached_tokens": answer.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": answer.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _finish(answer: Answer) -> str:
    return "tool_calls" if answer.tool else "length" if answer.truncated else "stop"


def _tool_call(answer: Answer, request_id: str, arguments: str) -> dict[str, Any]:
    return {
        "id": f"call_{request_id[-12:]}",
        "type": "function",
        "function": {"name": answer.tool, "arguments": arguments},
    }


def completion(model: str, answer: Answer, request_id: str) -> dict[str, Any]:
    """A non-streamed `chat.completion`."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": answer.text,
        "refusal": None,
        "annotations": [],
    }
    if answer.tool:
        message["tool_calls"] = [_tool_call(answer, request_id, "{}")]
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(answer)}
        ],
        "usage": _usage(answer),
        "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }


def chunks(body: dict[str, Any], model: str, answer: Answer, request_id: str) -> list[bytes]:
    """The SSE events of a streamed answer, `data: [DONE]` last."""
    options = body.get("stream_options") or {}
    include_usage = bool(options.get("include_usage"))
    head = {
        "id": request_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }
    extra: dict[str, Any] = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return b"data: " + orjson.dumps({**head, "choices": [choice], **extra}) + b"\n\n"

    events = [
        chunk(
            {"role": "assistant", "content": "" if answer.tool is None else None, "refusal": None}
        )
    ]
    if answer.tool:
        call = {"index": 0, **_tool_call(answer, request_id, "")}
        events.append(chunk({"tool_calls": [call]}))
        events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}))
    else:
        events.extend(chunk({"content": piece}) for piece in pieces(answer.text or ""))
    events.append(chunk({}, _finish(answer)))
    if include_usage:
        final = {**head, "choices": [], "usage": _usage(answer)}
        events.append(b"data: " + orjson.dumps(final) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


def embeddings(body: Any, script: Script) -> dict[str, Any]:
    """A `list` of embeddings: a deterministic vector per input, float or base64."""
    body = _check(body, "model", "input")
    inputs = body["input"]
    if isinstance(inputs, str) or (
        isinstance(inputs, list) and inputs and isinstance(inputs[0], int)
    ):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs:
        raise BadRequest("'input' must be a non-empty string or array.")
    dimensions = int(body.get("dimensions") or script.embedding_dimensions)
    as_base64 = body.get("encoding_format") == "base64"
    data, tokens = [], 0
    for index, item in enumerate(inputs):
        text = item if isinstance(item, str) else " ".join(map(str, item))
        tokens += words(text)
        vector = vector_for(text, dimensions)
        encoded: Any = base64.b64encode(vector.tobytes()).decode() if as_base64 else vector.tolist()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    return {
        "object": "list",
        "data": data,
        "model": body["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def vector_for(text: str, dimensions: int) -> array.array[float]:
    """A unit float32 vector derived from the hash of `text`: equal texts, equal vectors."""
    seed = hashlib.sha256(text.encode()).digest()
    raw = [(seed[i % len(seed)] + i) % 256 / 127.5 - 1.0 for i in range(dimensions)]
    norm = sum(x * x for x in raw) ** 0.5 or 1.0
    return array.array("f", (x / norm for x in raw))


def models(script: Script) -> dict[str, Any]:
    """`GET /v1/models`."""
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": 1700000000, "owned_by": "fake"}
            for name in script.models
        ],
    }
