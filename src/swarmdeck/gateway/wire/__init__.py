"""The OpenAI and Anthropic wire formats: translation both ways, streams, SSE, usage, errors.

Pure functions and small state machines over decoded JSON dicts; no I/O, so the
gateway's providers and front doors can share them on the hot path.
"""

from ._accumulate import AnthropicStreamAccumulator, OpenAIStreamAccumulator
from ._errors import (
    WireFormat,
    anthropic_error_body,
    anthropic_error_type,
    openai_error_body,
    openai_error_type,
    translate_error_body,
)
from ._requests import anthropic_to_openai_request, openai_to_anthropic_request
from ._responses import (
    anthropic_to_openai_response,
    finish_reason,
    openai_to_anthropic_response,
    stop_reason,
)
from ._sse import OPENAI_DONE, SSEDecoder, SSEEvent, encode_anthropic_event, encode_openai_chunk
from ._streams import AnthropicToOpenAIStream, OpenAIToAnthropicStream
from ._synthesise import anthropic_message_to_events, openai_completion_to_chunks
from ._usage import (
    anthropic_usage,
    merge_anthropic_usage,
    openai_usage,
    usage_from_anthropic,
    usage_from_openai,
)

__all__ = [
    "OPENAI_DONE",
    "AnthropicStreamAccumulator",
    "AnthropicToOpenAIStream",
    "OpenAIStreamAccumulator",
    "OpenAIToAnthropicStream",
    "SSEDecoder",
    "SSEEvent",
    "WireFormat",
    "anthropic_error_body",
    "anthropic_error_type",
    "anthropic_message_to_events",
    "anthropic_to_openai_request",
    "anthropic_to_openai_response",
    "anthropic_usage",
    "encode_anthropic_event",
    "encode_openai_chunk",
    "finish_reason",
    "merge_anthropic_usage",
    "openai_completion_to_chunks",
    "openai_error_body",
    "openai_error_type",
    "openai_to_anthropic_request",
    "openai_to_anthropic_response",
    "openai_usage",
    "stop_reason",
    "translate_error_body",
    "usage_from_anthropic",
    "usage_from_openai",
]
