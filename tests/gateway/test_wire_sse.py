"""The SSE decoder and encoders."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from swarmdeck.gateway.wire import (
    OPENAI_DONE,
    SSEDecoder,
    SSEEvent,
    encode_anthropic_event,
    encode_openai_chunk,
)

STREAM = (
    b": keep-alive comment\n"
    b"event: message_start\n"
    b'data: {"type":"message_start"}\n'
    b"\n"
    b"event: content_block_delta\r\n"
    b'data: {"text":\r\n'
    b'data: "two lines"}\r\n'
    b"\r\n"
    b"data:no-space\r"
    b"id: 7\r"
    b"retry: 1000\r"
    b"\r"
    b"event: ignored-without-data\n"
    b"\n"
    b"data\n"
    b"\n"
    b"data: [DONE]\n\n"
)

EXPECTED = [
    SSEEvent("message_start", b'{"type":"message_start"}'),
    SSEEvent("content_block_delta", b'{"text":\n"two lines"}'),
    SSEEvent(None, b"no-space"),
    SSEEvent(None, b""),
    SSEEvent(None, b"[DONE]"),
]


def decode_in_pieces(raw: bytes, cuts: list[int]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    start = 0
    for cut in [*sorted(cuts), len(raw)]:
        events += decoder.feed(raw[start:cut])
        start = cut
    return events


def test_decoder_handles_lf_crlf_cr_comments_multiline_data_and_unknown_fields() -> None:
    assert SSEDecoder().feed(STREAM) == EXPECTED


def test_decoder_fed_byte_by_byte_gives_the_same_events() -> None:
    decoder = SSEDecoder()
    events = [e for i in range(len(STREAM)) for e in decoder.feed(STREAM[i : i + 1])]
    assert events == EXPECTED


def test_crlf_split_between_chunks_is_one_line_end_not_two() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    # the LF completes the CRLF; if it counted as a blank line, "a" would be dispatched now
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: b\r\n\r\n") == [SSEEvent(None, b"a\nb")]


def test_incomplete_event_is_held_until_its_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'event: x\ndata: {"a"') == []
    assert decoder.feed(b": 1}\n") == []
    assert decoder.feed(b"\n") == [SSEEvent("x", b'{"a": 1}')]


def test_a_leading_byte_order_mark_is_ignored_even_when_split() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef") == []
    assert decoder.feed(b"\xbb") == []
    assert decoder.feed(b"\xbfdata: x\n\n") == [SSEEvent(None, b"x")]


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=30))
def test_any_split_of_a_stream_decodes_to_the_same_events(cuts: list[int]) -> None:
    assert decode_in_pieces(STREAM, cuts) == EXPECTED


_names = st.sampled_from(["message_start", "content_block_delta", "ping", "message_stop"])
_payloads = st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.text(), st.integers(-(2**63), 2**63 - 1), st.booleans(), st.none()),
    max_size=4,
)


@given(
    st.lists(st.tuples(_names, _payloads), min_size=1, max_size=8),
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
)
def test_encoded_anthropic_events_decode_back_under_any_split(
    events: list[tuple[str, dict[str, object]]], cuts: list[int]
) -> None:
    raw = b"".join(encode_anthropic_event(name, data) for name, data in events)
    decoded = decode_in_pieces(raw, [c % (len(raw) + 1) for c in cuts])
    assert [(e.event, orjson.loads(e.data)) for e in decoded] == events


@given(
    st.lists(_payloads, min_size=1, max_size=8),
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
)
def test_encoded_openai_chunks_decode_back_under_any_split(
    chunks: list[dict[str, object]], cuts: list[int]
) -> None:
    raw = b"".join(encode_openai_chunk(c) for c in chunks) + OPENAI_DONE
    decoded = decode_in_pieces(raw, [c % (len(raw) + 1) for c in cuts])
    assert [e.event for e in decoded] == [None] * (len(chunks) + 1)
    assert [orjson.loads(e.data) for e in decoded[:-1]] == chunks
    assert decoded[-1].data == b"[DONE]"


def test_encoders_write_the_exact_wire_framing() -> None:
    assert encode_openai_chunk({"a": 1}) == b'data: {"a":1}\n\n'
    assert (
        encode_anthropic_event("ping", {"type": "ping"})
        == b'event: ping\ndata: {"type":"ping"}\n\n'
    )
    assert OPENAI_DONE == b"data: [DONE]\n\n"
    assert SSEEvent(None, b'{"x": [1]}').json() == {"x": [1]}
