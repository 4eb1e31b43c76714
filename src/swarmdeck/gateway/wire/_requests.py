"""Request translation between OpenAI chat completions and Anthropic Messages.

Works on decoded JSON dicts and returns new dicts; the input is never mutated.
A field that would silently change what the caller gets (several choices, log
probabilities, JSON mode, ...) raises `InvalidInput` rather than being dropped;
fields that only tune the provider (seed, penalties, service tier) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import orjson

from swarmdeck.core.errors import InvalidInput

_DATA_URL = re.compile(r"data:(?P<media>[\w.+-]+/[\w.+-]+)(?:;[^,;]*)*;base64,(?P<data>.*)", re.S)

# OpenAI fields that Anthropic cannot honour without changing the answer's meaning.
_OPENAI_UNSUPPORTED = {
    "logprobs": "log probabilities",
    "top_logprobs": "log probabilities",
    "logit_bias": "logit bias",
    "audio": "audio output",
    "prediction": "predicted outputs",
    "functions": "legacy `functions` (use `tools`)",
    "function_call": "legacy `function_call` (use `tool_choice`)",
    "web_search_options": "web search options",
}


def _fail(message: str) -> InvalidInput:
    return InvalidInput(message)


# A body of the wrong shape (a string where an object belongs, a missing name) fails
# somewhere inside the walk; it is the client's error, not ours.
_MALFORMED = (KeyError, TypeError, AttributeError, ValueError)


def _malformed(exc: Exception) -> InvalidInput:
    detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
    return InvalidInput(f"malformed request body: {detail}")


# --------------------------------------------------------------------------- OpenAI -> Anthropic


def openai_to_anthropic_request(
    body: Mapping[str, Any], *, model: str, default_max_tokens: int
) -> dict[str, Any]:
    """Turn an OpenAI chat-completions request into an Anthropic Messages request for `model`.

    `default_max_tokens` fills Anthropic's required `max_tokens` when the client set none.
    """
    try:
        return _openai_to_anthropic(body, model, default_max_tokens)
    except _MALFORMED as exc:
        raise _malformed(exc) from None


def _openai_to_anthropic(
    body: Mapping[str, Any], model: str, default_max_tokens: int
) -> dict[str, Any]:
    _reject_openai_only(body)
    system: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise _fail("`messages` must be a non-empty list")
    for position, message in enumerate(raw_messages):
        if not isinstance(message, Mapping):
            raise _fail(f"messages[{position}] must be an object")
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(_openai_text_blocks(message.get("content"), position))
        elif role == "user":
            _append(messages, "user", _openai_user_content(message.get("content"), position))
        elif role == "assistant":
            content = _openai_assistant_content(message, position)
            if content:
                _append(messages, "assistant", content)
        elif role == "tool":
            _append(messages, "user", [_openai_tool_result(message, position)])
        else:
            raise _fail(f"messages[{position}]: role {role!r} is not supported")

    out: dict[str, Any] = {"model": model, "messages": messages}
    if system:
        out["system"] = system
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    out["max_tokens"] = max_tokens if isinstance(max_tokens, int) else default_max_tokens
    if (temperature := body.get("temperature")) is not None:
        # OpenAI's scale runs to 2, Anthropic's to 1.
        out["temperature"] = min(float(temperature), 1.0)
    if (top_p := body.get("top_p")) is not None:
        out["top_p"] = top_p
    if (stop := body.get("stop")) is not None:
        stops = [stop] if isinstance(stop, str) else list(stop)
        if stops:
            out["stop_sequences"] = stops
    if body.get("stream"):
        out["stream"] = True
    if isinstance(user := body.get("user"), str) and user:
        out["metadata"] = {"user_id": user}
    _openai_tools_to_anthropic(body, out)
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        schema = fmt["json_schema"]["schema"]
        out["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
    return out


def _reject_openai_only(body: Mapping[str, Any]) -> None:
    n = body.get("n")
    if n is not None and n != 1:
        raise _fail("`n` other than 1 is not supported by Anthropic providers")
    for key, what in _OPENAI_UNSUPPORTED.items():
        if body.get(key):
            raise _fail(f"`{key}`: {what} is not supported by Anthropic providers")
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") not in (None, "text", "json_schema"):
        raise _fail(
            f"`response_format` {fmt.get('type')!r} is not supported by Anthropic providers"
        )
    modalities = body.get("modalities")
    if modalities and any(m != "text" for m in modalities):
        raise _fail("only text `modalities` are supported by Anthropic providers")


def _append(messages: list[dict[str, Any]], role: str, content: str | list[dict[str, Any]]) -> None:
    """Add a message, merging it into the previous one of the same role (Anthropic alternates)."""
    if messages and messages[-1]["role"] == role:
        previous = messages[-1]
        previous["content"] = _as_blocks(previous["content"]) + _as_blocks(content)
    else:
        messages.append({"role": role, "content": content})


def _as_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content


def _openai_text_blocks(content: Any, position: int) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if isinstance(content, list):
        blocks = []
        for part in content:
            if not isinstance(part, Mapping) or part.get("type") != "text":
                raise _fail(f"messages[{position}]: only text parts are allowed here")
            if part.get("text"):
                blocks.append(_cached({"type": "text", "text": part["text"]}, part))
        return blocks
    if content is None:
        return []
    raise _fail(f"messages[{position}]: content must be a string or a list of parts")


def _cached(block: dict[str, Any], part: Mapping[str, Any]) -> dict[str, Any]:
    """Keep a part's `cache_control` breakpoint (OpenRouter-style clients send them)."""
    if part.get("cache_control"):
        block["cache_control"] = part["cache_control"]
    return block


def _openai_user_content(content: Any, position: int) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _fail(f"messages[{position}]: content must be a string or a list of parts")
    blocks: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            if part.get("text"):
                blocks.append(_cached({"type": "text", "text": part["text"]}, part))
        elif kind == "image_url":
            blocks.append(_cached(_image_block(part.get("image_url"), position), part))
        else:
            raise _fail(f"messages[{position}]: content part {kind!r} is not supported")
    return blocks


def _image_block(image: Any, position: int) -> dict[str, Any]:
    url = image.get("url") if isinstance(image, Mapping) else image
    if not isinstance(url, str):
        raise _fail(f"messages[{position}]: image_url needs a url")
    if url.startswith("data:"):
        match = _DATA_URL.fullmatch(url)
        if match is None:
            raise _fail(f"messages[{position}]: image data URLs must be base64")
        source = {"type": "base64", "media_type": match["media"], "data": match["data"]}
    else:
        source = {"type": "url", "url": url}
    return {"type": "image", "source": source}


def _openai_assistant_content(message: Mapping[str, Any], position: int) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    content = message.get("content")
    if isinstance(content, list):
        for part in content:
            kind = part.get("type") if isinstance(part, Mapping) else None
            if kind not in ("text", "refusal"):
                raise _fail(f"messages[{position}]: assistant part {kind!r} is not supported")
            if text := part.get(kind):
                blocks.append({"type": "text", "text": text})
    else:
        blocks.extend(_openai_text_blocks(content, position))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        if call.get("type", "function") != "function" or "name" not in function:
            raise _fail(f"messages[{position}]: only function tool calls are supported")
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id"),
                "name": function["name"],
                "input": _parse_arguments(function.get("arguments"), position),
            }
        )
    return blocks


def _parse_arguments(arguments: Any, position: int) -> dict[str, Any]:
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, Mapping):
        return dict(arguments)
    try:
        parsed = orjson.loads(arguments)
    except (orjson.JSONDecodeError, TypeError):
        raise _fail(f"messages[{position}]: tool call arguments are not valid JSON") from None
    if not isinstance(parsed, dict):
        raise _fail(f"messages[{position}]: tool call arguments must be a JSON object")
    return parsed


def _openai_tool_result(message: Mapping[str, Any], position: int) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str):
        raise _fail(f"messages[{position}]: a tool message needs `tool_call_id`")
    content = message.get("content")
    result: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id}
    if isinstance(content, list):
        result["content"] = _openai_text_blocks(content, position)
    else:
        result["content"] = content if isinstance(content, str) else ""
    return result


def _openai_tools_to_anthropic(body: Mapping[str, Any], out: dict[str, Any]) -> None:
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    if not tools:
        return
    converted = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(function, Mapping) or tool.get("type") != "function":
            kind = tool.get("type") if isinstance(tool, Mapping) else None
            raise _fail(f"tool type {kind!r} is not supported by Anthropic providers")
        entry: dict[str, Any] = {"name": function["name"]}
        if function.get("description"):
            entry["description"] = function["description"]
        entry["input_schema"] = function.get("parameters") or {"type": "object", "properties": {}}
        converted.append(entry)
    out["tools"] = converted

    anthropic_choice: dict[str, Any] | None
    if choice is None or choice == "auto":
        anthropic_choice = {"type": "auto"} if body.get("parallel_tool_calls") is False else None
    elif choice == "none":
        anthropic_choice = {"type": "none"}
    elif choice == "required":
        anthropic_choice = {"type": "any"}
    elif isinstance(choice, Mapping) and choice.get("type") == "function":
        anthropic_choice = {"type": "tool", "name": choice["function"]["name"]}
    else:
        raise _fail(f"`tool_choice` {choice!r} is not supported by Anthropic providers")
    if anthropic_choice is not None:
        if body.get("parallel_tool_calls") is False and anthropic_choice["type"] != "none":
            anthropic_choice["disable_parallel_tool_use"] = True
        out["tool_choice"] = anthropic_choice


# --------------------------------------------------------------------------- Anthropic -> OpenAI


def anthropic_to_openai_request(
    body: Mapping[str, Any],
    *,
    model: str,
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_completion_tokens",
) -> dict[str, Any]:
    """Turn an Anthropic Messages request into an OpenAI chat-completions request for `model`.

    `max_tokens_field` picks the field the provider understands: OpenAI's reasoning
    models want `max_completion_tokens`, some older OpenAI-wire servers `max_tokens`.
    """
    try:
        return _anthropic_to_openai(body, model, max_tokens_field)
    except _MALFORMED as exc:
        raise _malformed(exc) from None


def _anthropic_to_openai(
    body: Mapping[str, Any], model: str, max_tokens_field: str
) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        text = system if isinstance(system, str) else _anthropic_text(system, "system")
        messages.append({"role": "system", "content": text})
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise _fail("`messages` must be a non-empty list")
    for position, message in enumerate(raw_messages):
        if not isinstance(message, Mapping):
            raise _fail(f"messages[{position}] must be an object")
        role = message.get("role")
        if role == "user":
            messages.extend(_anthropic_user(message.get("content"), position))
        elif role == "assistant":
            messages.append(_anthropic_assistant(message.get("content"), position))
        else:
            raise _fail(f"messages[{position}]: role {role!r} is not supported")

    out: dict[str, Any] = {"model": model, "messages": messages}
    if (max_tokens := body.get("max_tokens")) is not None:
        out[max_tokens_field] = max_tokens
    for key in ("temperature", "top_p"):
        if (value := body.get(key)) is not None:
            out[key] = value
    if stops := body.get("stop_sequences"):
        out["stop"] = list(stops)
    if body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    metadata = body.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("user_id"), str):
        out["user"] = metadata["user_id"]
    _anthropic_tools_to_openai(body, out)
    if body.get("container"):
        raise _fail("`container` (server-side tools) is not supported by OpenAI-wire providers")
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, Mapping) else None
    if isinstance(fmt, Mapping):
        if fmt.get("type") != "json_schema":
            raise _fail(
                f"output format {fmt.get('type')!r} is not supported by OpenAI-wire providers"
            )
        out["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": fmt["schema"]},
        }
    return out


def _anthropic_text(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content or ():
        if not isinstance(block, Mapping) or block.get("type") != "text":
            raise _fail(f"{where}: only text blocks are allowed here")
        parts.append(block.get("text", ""))
    return "\n\n".join(parts)


def _anthropic_user(content: Any, position: int) -> list[dict[str, Any]]:
    """One Anthropic user turn: its tool results become `tool` messages, placed first."""
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    if not isinstance(content, list):
        raise _fail(f"messages[{position}]: content must be a string or a list of blocks")
    tool_messages: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for block in content:
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind == "text":
            parts.append({"type": "text", "text": block.get("text", "")})
        elif kind == "image":
            parts.append(_image_part(block.get("source"), position))
        elif kind == "tool_result":
            tool_messages.append(
                {
                    "role": "tool",
                    "tool_call_id": block.get("tool_use_id"),
                    "content": _tool_result_text(block.get("content"), position),
                }
            )
        else:
            raise _fail(f"messages[{position}]: content block {kind!r} is not supported")
    out = tool_messages
    if parts:
        # A lone text part is sent as a plain string, which every OpenAI-wire server accepts.
        only_text = len(parts) == 1 and parts[0]["type"] == "text"
        out.append({"role": "user", "content": parts[0]["text"] if only_text else parts})
    return out


def _image_part(source: Any, position: int) -> dict[str, Any]:
    kind = source.get("type") if isinstance(source, Mapping) else None
    if kind == "base64":
        url = f"data:{source['media_type']};base64,{source['data']}"
    elif kind == "url":
        url = source["url"]
    else:
        raise _fail(f"messages[{position}]: image source {kind!r} is not supported")
    return {"type": "image_url", "image_url": {"url": url}}


def _tool_result_text(content: Any, position: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if not isinstance(block, Mapping) or block.get("type") != "text":
            raise _fail(
                f"messages[{position}]: tool results other than text are not supported "
                "by OpenAI-wire providers"
            )
        parts.append(block.get("text", ""))
    return "\n\n".join(parts)


def _anthropic_assistant(content: Any, position: int) -> dict[str, Any]:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    if not isinstance(content, list):
        raise _fail(f"messages[{position}]: content must be a string or a list of blocks")
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in content:
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "tool_use":
            arguments = orjson.dumps(block.get("input") or {}).decode()
            calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": arguments},
                }
            )
        elif kind in ("thinking", "redacted_thinking"):
            continue  # signed reasoning only Anthropic can read back
        else:
            raise _fail(f"messages[{position}]: content block {kind!r} is not supported")
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    elif message["content"] is None:
        message["content"] = ""
    return message


def _anthropic_tools_to_openai(body: Mapping[str, Any], out: dict[str, Any]) -> None:
    tools = body.get("tools") or []
    if not tools:
        return
    converted = []
    for tool in tools:
        if not isinstance(tool, Mapping) or tool.get("type", "custom") != "custom":
            kind = tool.get("type") if isinstance(tool, Mapping) else None
            raise _fail(f"tool type {kind!r} is not supported by OpenAI-wire providers")
        function: dict[str, Any] = {"name": tool["name"]}
        if tool.get("description"):
            function["description"] = tool["description"]
        function["parameters"] = tool.get("input_schema") or {"type": "object", "properties": {}}
        converted.append({"type": "function", "function": function})
    out["tools"] = converted

    choice = body.get("tool_choice")
    if not isinstance(choice, Mapping):
        return
    kind = choice.get("type")
    if kind == "auto":
        out["tool_choice"] = "auto"
    elif kind == "any":
        out["tool_choice"] = "required"
    elif kind == "none":
        out["tool_choice"] = "none"
    elif kind == "tool":
        out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    else:
        raise _fail(f"`tool_choice` {kind!r} is not supported by OpenAI-wire providers")
    if choice.get("disable_parallel_tool_use"):
        out["parallel_tool_calls"] = False
