"""Test helpers that ship with SwarmDeck: a fake LLM provider speaking the real wire formats."""

from swarmdeck.testing._script import (
    PROMPT_OVERHEAD_TOKENS,
    TOOL_CALL_TOKENS,
    Fault,
    RecordedRequest,
)
from swarmdeck.testing._server import FakeProvider

__all__ = ["PROMPT_OVERHEAD_TOKENS", "TOOL_CALL_TOKENS", "FakeProvider", "Fault", "RecordedRequest"]
