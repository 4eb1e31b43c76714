"""Swarm agents' credentials: short-lived tokens signed with the server's secret key, that
only its holders (the server and its workers) can mint, and that expire."""

from __future__ import annotations

import base64
import json
import secrets
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from swarmdeck.config import FileConfig, Settings, resolve_secret_key
from swarmdeck.core.auth import (
    AGENT_ROLE,
    BUILTIN_ROLES,
    Permission,
    Principal,
    RoleBook,
    SessionSigner,
)
from tests.api.conftest import free_port, serving

KEY = b"the-server-secret-key-" + b"x" * 16


def forge(token: str, **claims: object) -> str:
    """The token with its claims changed and its signature kept."""
    body, signature = token.removeprefix("sda-").split(".", 1)
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(claims)
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return f"sda-{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}.{signature}"


def test_a_minted_token_is_an_agent_principal_of_the_agent_role() -> None:
    signer = SessionSigner(KEY)
    token = signer.issue_agent_token("agent:research/planner", ttl=60)
    assert token.startswith("sda-")
    principal = signer.verify_agent_token(token)
    assert principal == Principal(name="agent:research/planner", role=AGENT_ROLE, kind="agent")


def test_the_agent_role_may_call_models_and_tools_and_nothing_else() -> None:
    book = RoleBook()
    assert book.allows(AGENT_ROLE, Permission("model", "execute", "gpt"))
    assert book.allows(AGENT_ROLE, Permission("mcp-tool", "execute", "time"))
    for needed in (
        Permission("swarm", "read"),
        Permission("run", "read"),
        Permission("mcp-server", "write"),
        Permission("audit", "read", "records"),
        Permission("costs", "read"),
    ):
        assert not book.allows(AGENT_ROLE, needed), needed
    assert BUILTIN_ROLES[AGENT_ROLE].builtin


def test_another_servers_key_a_forged_claim_or_a_bad_shape_is_refused() -> None:
    signer = SessionSigner(KEY)
    token = signer.issue_agent_token("agent:s/a", ttl=60)
    assert SessionSigner(b"another-key" * 4).verify_agent_token(token) is None
    assert signer.verify_agent_token(forge(token, role="admin")) is None
    assert signer.verify_agent_token(forge(token, sub="admin-token")) is None
    for garbage in ("sda-", "sda-abc", "sda-!!.??", token[:-3], "sdk-" + token[4:]):
        assert signer.verify_agent_token(garbage) is None


def test_an_expired_token_or_one_claiming_too_long_a_life_is_refused() -> None:
    signer = SessionSigner(KEY)
    now = time.time()
    old = signer.issue_agent_token("agent:s/a", ttl=60, now=now - 120)
    assert signer.verify_agent_token(old, now=now) is None
    assert signer.verify_agent_token(signer.issue_agent_token("agent:s/a", ttl=60), now=now)
    with pytest.raises(ValueError, match="0-3600"):
        signer.issue_agent_token("agent:s/a", ttl=7200)
    # Even with the right key, a token living past the maximum is not one we issued.
    far = signer.issue_agent_token("agent:s/a", ttl=3600, now=now + 3600)
    assert signer.verify_agent_token(far, now=now) is None


def test_session_cookies_and_agent_tokens_cannot_pass_for_each_other() -> None:
    signer = SessionSigner(KEY)
    cookie, _ = signer.issue(Principal(name="vera", role="admin", kind="user"))
    assert signer.verify_agent_token("sda-" + cookie) is None
    token = signer.issue_agent_token("agent:s/a", ttl=60)
    assert signer.verify(token.removeprefix("sda-")) is None


async def test_a_server_takes_its_workers_tokens_and_refuses_forged_or_expired_ones(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        port=free_port(),
        admin_token=SecretStr("sdt-test-" + secrets.token_urlsafe(16)),
        temporal_enabled=False,
    )
    async with serving(settings, FileConfig()) as server:
        # A worker has the same settings, hence the same secret key.
        signer = SessionSigner(resolve_secret_key(settings))
        token = signer.issue_agent_token("agent:research/planner", ttl=60)
        async with server.client(token=token) as agent:
            me = (await agent.get("/api/me")).json()
            assert (me["name"], me["role"], me["kind"]) == (
                "agent:research/planner", "agent", "agent",
            )  # fmt: skip
            assert (await agent.get("/api/audit")).status_code == 403
        stale = signer.issue_agent_token("agent:s/a", ttl=60, now=time.time() - 300)
        forged = SessionSigner(b"not-the-key" * 4).issue_agent_token("agent:s/a", ttl=60)
        for bad in (stale, forged, forge(token, role="admin")):
            async with server.client(token=bad) as agent:
                response = await agent.get("/api/me")
            assert response.status_code == 401
            assert response.json()["error"]["type"] == "unauthenticated"
