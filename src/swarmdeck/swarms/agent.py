"""A swarm agent's turns: one chat completion through SwarmDeck's own gateway, then the
MCP tool calls it asked for, executed through the bridge's REST door.

Agents reach SwarmDeck the way any client does (the `openai` SDK against `/v1`, plain
HTTP against `/api/mcp`), so the gateway's cost ledger, cache, budgets and rate limits
apply to them, attributed to their swarm and agent by the `x-swarmdeck-swarm` and
`x-swarmdeck-agent` headers. The credential is a short-lived agent token minted by
whoever opens the session; it is never logged or returned.
"""

from __future__ import annotations

import functools
import json
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any, cast

import certifi
import httpx2
import openai
from openai import AsyncOpenAI
from opentelemetry import propagate

from swarmdeck.config import Settings
from swarmdeck.core.models import utcnow

SWARM_HEADER = "x-swarmdeck-swarm"
AGENT_HEADER = "x-swarmdeck-agent"
COST_HEADER = "x-swarmdeck-cost-usd"
CALL_ID_HEADER = "x-swarmdeck-call-id"
_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 (names, not a bind)
_NOT_RETRYABLE_STATUSES = frozenset({400, 401, 403, 404, 413, 422})
_MAX_TOOL_RESULT_CHARS = 20_000


def api_base_url(settings: Settings) -> str:
    """Where agents reach SwarmDeck: `SWARMDECK_API_URL`, else this server's own address
    (loopback when it listens on every interface)."""
    if settings.api_url:
        return settings.api_url.rstrip("/")
    host = "127.0.0.1" if settings.host in _WILDCARD_HOSTS else settings.host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


class AgentError(Exception):
    """A turn could not be taken; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool, type: str = "agent_error") -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.type = type


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model as an OpenAI function."""

    name: str
    description: str
    parameters: dict[str, Any]

    def as_function(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters or {"type": "object", "properties": {}},
            },
        }


@dataclass(frozen=True)
class ToolCallRecord:
    """A tool call the model asked for and how it went."""

    id: str
    name: str
    arguments: dict[str, Any]
    ok: bool
    duration_ms: float
    error: str | None = None
    started_at: str | None = None
    """ISO 8601 UTC, for the run's timeline."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "arguments": self.arguments,
            "ok": self.ok,
            "duration_ms": round(self.duration_ms, 3),
            "error": self.error,
            "started_at": self.started_at,
        }


ToolCallListener = Callable[[str, ToolCallRecord | None], Awaitable[None]]
"""Hears a tool call start (the tool's name, None) and end (its name, its record)."""


@dataclass(frozen=True)
class PendingCall:
    """A call of a function the caller handles itself (a supervisor's `delegate`)."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """One model call and what came of it."""

    text: str | None
    messages: list[dict[str, Any]]
    """The assistant message and the tool results, to append to the conversation."""
    tool_calls: list[ToolCallRecord]
    pending: list[PendingCall]
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    call_id: str | None
    finish_reason: str | None

    @property
    def done(self) -> bool:
        """The model answered instead of asking for tools."""
        return not self.tool_calls and not self.pending


@dataclass(frozen=True)
class AgentResult:
    output: str
    turns: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    messages: list[dict[str, Any]] = field(default_factory=list)


def initial_messages(instructions: str, task: str) -> list[dict[str, Any]]:
    """The conversation an agent starts from: its instructions, then the task."""
    messages: list[dict[str, Any]] = []
    if instructions:
        messages.append({"role": "system", "content": instructions})
    messages.append({"role": "user", "content": task})
    return messages


def allowed_tools(tools: Sequence[Mapping[str, Any]], allowed: Sequence[str]) -> list[ToolSpec]:
    """The bridge's tools (as `GET /api/mcp/tools` lists them) an agent may use: named
    by their public name, or all of a server's when the server is named."""
    wanted = set(allowed)
    return [
        ToolSpec(
            name=str(tool["name"]),
            description=str(tool.get("description") or ""),
            parameters=dict(tool.get("input_schema") or {}),
        )
        for tool in tools
        if tool["name"] in wanted or tool.get("server") in wanted
    ]


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for every session in the process. Each HTTP client would
    otherwise load the CA bundle itself (~15 ms of CPU), and a burst of agent turns on one
    event loop pays that in turn: measured, it was most of the time to start 10 agents."""
    return ssl.create_default_context(cafile=certifi.where())


class AgentSession:
    """One agent's connection to SwarmDeck: the gateway for turns, the bridge for tools."""

    def __init__(
        self,
        *,
        base_url: str,
        credential: str,
        swarm: str,
        agent: str,
        timeout: float = 120.0,
    ) -> None:
        base = base_url.rstrip("/")
        self.swarm = swarm
        self.agent = agent
        attribution = {SWARM_HEADER: swarm, AGENT_HEADER: agent}
        # No SDK retries: the caller (a Temporal activity) owns retrying, with backoff.
        self._llm = AsyncOpenAI(
            base_url=f"{base}/v1",
            api_key=credential,
            default_headers=attribution,
            max_retries=0,
            timeout=timeout,
            http_client=openai.DefaultAsyncHttpxClient(verify=_tls(), timeout=timeout),
        )
        self._http = httpx2.AsyncClient(
            base_url=base,
            headers={"authorization": f"Bearer {credential}", **attribution},
            timeout=timeout,
            verify=_tls(),
        )

    async def aclose(self) -> None:
        try:
            await self._llm.close()
        finally:
            await self._http.aclose()

    async def __aenter__(self) -> AgentSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def tools(self, allowed: Sequence[str]) -> list[ToolSpec]:
        """The bridge's tools this agent may use, as OpenAI functions."""
        if not allowed:
            return []
        try:
            response = await self._http.get("/api/mcp/tools", headers=_trace_headers())
        except httpx2.HTTPError as exc:
            raise AgentError(f"the MCP bridge did not answer: {exc}", retryable=True) from None
        if response.status_code != 200:
            raise _http_error("listing MCP tools", response)
        return allowed_tools(response.json(), allowed)

    async def turn(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[ToolSpec] = (),
        functions: Sequence[dict[str, Any]] = (),
        on_tool_call: ToolCallListener | None = None,
    ) -> Turn:
        """One chat completion offering `tools` (executed here through the bridge) and
        `functions` (returned as `pending` for the caller to handle). `on_tool_call` hears
        each tool call begin and end."""
        offered = [tool.as_function() for tool in tools] + list(functions)
        extra: dict[str, Any] = {"tools": offered} if offered else {}
        try:
            raw = await self._llm.chat.completions.with_raw_response.create(
                model=model,
                messages=cast(Any, list(messages)),
                extra_headers=_trace_headers(),
                **extra,
            )
        except openai.APIStatusError as exc:
            raise _status_error(exc) from None
        except openai.APIConnectionError as exc:
            raise AgentError(f"the gateway did not answer: {exc}", retryable=True) from None
        completion = raw.parse()
        if not completion.choices:
            raise AgentError("the gateway answered without a choice", retryable=True)
        choice = completion.choices[0]
        message = choice.message
        assistant: dict[str, Any] = {"role": "assistant", "content": message.content}
        calls = [call for call in message.tool_calls or () if call.type == "function"]
        if calls:
            assistant["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
                for call in calls
            ]
        appended: list[dict[str, Any]] = [assistant]
        records: list[ToolCallRecord] = []
        pending: list[PendingCall] = []
        by_name = {tool.name: tool for tool in tools}
        handled_by_caller = {str(f["function"]["name"]) for f in functions}
        for call in calls:
            arguments, problem = _arguments(call.function.arguments)
            if call.function.name in handled_by_caller and problem is None:
                pending.append(PendingCall(call.id, call.function.name, arguments))
                continue
            started, started_at = time.perf_counter(), utcnow().isoformat()
            if on_tool_call is not None:
                await on_tool_call(call.function.name, None)
            if problem is not None:
                content, ok = f"error: {problem}", False
            elif call.function.name not in by_name:
                content, ok = f"error: tool {call.function.name!r} is not available", False
            else:
                content, ok = await self.call_tool(call.function.name, arguments)
            record = ToolCallRecord(
                id=call.id,
                name=call.function.name,
                arguments=arguments,
                ok=ok,
                duration_ms=(time.perf_counter() - started) * 1000,
                error=None if ok else content,
                started_at=started_at,
            )
            records.append(record)
            if on_tool_call is not None:
                await on_tool_call(call.function.name, record)
            appended.append({"role": "tool", "tool_call_id": call.id, "content": content})
        usage = completion.usage
        return Turn(
            text=message.content,
            messages=appended,
            tool_calls=records,
            pending=pending,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            cost_usd=_cost(raw.headers.get(COST_HEADER)),
            call_id=raw.headers.get(CALL_ID_HEADER),
            finish_reason=choice.finish_reason,
        )

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        """Call a tool through the bridge; `(text for the model, succeeded)`.

        Failures are told to the model (it may try something else), not raised.
        """
        try:
            response = await self._http.post(
                f"/api/mcp/tools/{name}/call",
                json={"arguments": arguments},
                headers=_trace_headers(),
            )
        except httpx2.HTTPError as exc:
            return f"error: the MCP bridge did not answer: {exc}", False
        if response.status_code != 200:
            return f"error: {_message_of(response)}", False
        result = response.json()
        text = _text_of(result)
        if result.get("isError"):
            return f"error: {text}", False
        return text, True


async def run_agent(
    session: AgentSession,
    *,
    model: str,
    instructions: str,
    task: str,
    tools: Sequence[ToolSpec] = (),
    max_turns: int = 4,
) -> AgentResult:
    """An agent's whole loop in one go: turns until it answers or `max_turns` (the last
    turn offers no tools, so it must answer). Durable runs take each turn as its own
    activity instead (see `swarmdeck.workflows.swarm_run`)."""
    messages = initial_messages(instructions, task)
    input_tokens = output_tokens = 0
    cost = Decimal(0)
    text: str | None = None
    turns = 0
    for turns in range(1, max_turns + 1):
        final = turns == max_turns
        turn = await session.turn(model=model, messages=messages, tools=() if final else tools)
        messages.extend(turn.messages)
        input_tokens += turn.input_tokens
        output_tokens += turn.output_tokens
        cost += turn.cost_usd
        text = turn.text
        if turn.done:
            break
    return AgentResult(text or "", turns, input_tokens, output_tokens, cost, messages)


def _trace_headers() -> dict[str, str]:
    """W3C trace context of the current span, so the gateway's and bridge's spans join it."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def _arguments(raw: str | None) -> tuple[dict[str, Any], str | None]:
    if not raw:
        return {}, None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return {}, f"the arguments are not valid JSON: {exc}"
    if not isinstance(value, dict):
        return {}, "the arguments must be a JSON object"
    return value, None


def _cost(header: str | None) -> Decimal:
    if not header:
        return Decimal(0)
    try:
        return Decimal(header)
    except InvalidOperation:
        return Decimal(0)


def _text_of(result: Mapping[str, Any]) -> str:
    parts = [
        str(part.get("text", ""))
        for part in result.get("content") or ()
        if isinstance(part, dict) and part.get("type") == "text"
    ]
    text = "\n".join(parts)
    if not text and result.get("structuredContent") is not None:
        text = json.dumps(result["structuredContent"])
    return text[:_MAX_TOOL_RESULT_CHARS]


def _message_of(response: httpx2.Response) -> str:
    try:
        error = response.json().get("error") or {}
        return f"{response.status_code} {error.get('type', 'error')}: {error.get('message', '')}"
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"


def _http_error(what: str, response: httpx2.Response) -> AgentError:
    status = response.status_code
    return AgentError(
        f"{what}: {_message_of(response)}",
        retryable=status not in _NOT_RETRYABLE_STATUSES,
    )


def _status_error(exc: openai.APIStatusError) -> AgentError:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    kind = str(error.get("type") or "error") if isinstance(error, dict) else "error"
    message = str(error.get("message") or exc.message) if isinstance(error, dict) else exc.message
    # A spent budget does not come back within a retry's backoff.
    retryable = exc.status_code not in _NOT_RETRYABLE_STATUSES and kind != "budget_exceeded"
    return AgentError(
        f"the gateway refused the call ({exc.status_code} {kind}): {message}",
        retryable=retryable,
        type=kind,
    )
