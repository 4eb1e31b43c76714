"""Whatever a client sends to the LLM front doors, the answer is a clear 4xx or a real answer.

Hypothesis drives a synchronous client from a worker thread, while the server and the
fake provider keep running on the test's event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Server

pytestmark = pytest.mark.parametrize("shape", ["embedded"], indirect=True)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "tool", "bogus"])},
    optional={"content": json_values, "tool_calls": json_values, "name": json_values},
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["gpt", "claude", "nope", ""]) | json_values,
        "messages": st.lists(message, max_size=3) | json_values,
        "max_tokens": st.integers(-5, 50) | json_values,
        "stream": st.booleans() | json_values,
        "tools": json_values,
        "temperature": json_values,
        "n": st.integers(-1, 3),
    },
)


async def test_random_bodies_never_cause_a_server_error(gateway_server: Server) -> None:
    statuses: set[int] = set()

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(body=bodies, path=st.sampled_from(["/v1/chat/completions", "/v1/messages"]))
    def check(body: dict[str, Any], path: str) -> None:
        with httpx.Client(
            base_url=gateway_server.url,
            headers={"authorization": f"Bearer {gateway_server.token}", "x-swarmdeck-cache": "off"},
            timeout=30,
        ) as client:
            response = client.post(path, json=body)
        statuses.add(response.status_code)
        assert response.status_code < 500, (path, body, response.text)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["message"], response.text

    await asyncio.to_thread(check)
    assert 422 in statuses
