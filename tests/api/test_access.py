"""Users, keys and roles through the API as a team would use them, and who may do what."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from swarmdeck.config import FileConfig, RoleConfig

from .conftest import Server

PASSWORD = "correct-horse-battery"


async def create_user(admin: httpx.AsyncClient, name: str, role: str = "viewer") -> None:
    response = await admin.post(
        "/api/users", json={"name": name, "password": PASSWORD, "role": role}
    )
    assert response.status_code == 201, response.text


@contextlib.asynccontextmanager
async def login(
    server: Server, name: str, password: str = PASSWORD
) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in with a password, sending the session's CSRF token."""
    async with server.client() as client:
        response = await client.post("/api/login", json={"name": name, "password": password})
        assert response.status_code == 200, response.text
        client.headers["x-csrf-token"] = client.cookies["swarmdeck_csrf"]
        yield client


async def test_admin_creates_a_viewer_who_logs_in_and_is_refused_admin_work(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
        listed = (await admin.get("/api/users")).json()
        assert [u["name"] for u in listed] == ["vera"]
        assert "password" not in str(listed) and "hash" not in str(listed)
    async with login(server, "vera") as vera:
        me = (await vera.get("/api/me")).json()
        assert (me["name"], me["role"], me["kind"]) == ("vera", "viewer", "user")
        for method, path, body in [
            ("GET", "/api/users", None),
            ("POST", "/api/users", {"name": "mallory", "password": PASSWORD, "role": "admin"}),
            ("POST", "/api/roles", {"name": "mine", "permissions": ["user:write"]}),
            ("DELETE", "/api/users/vera", None),
        ]:
            response = await vera.request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"]["type"] == "permission_denied"


async def test_a_key_is_shown_once_works_and_stops_when_revoked(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "ops", role="operator")
        created = await admin.post("/api/keys", json={"user": "ops", "name": "ci runner"})
        assert created.status_code == 201, created.text
        body = created.json()
        key = body["key"]
        assert key.startswith("sdk-")
        assert body["last4"] == key[-4:]
        assert body["role"] == "operator"
        listed = await admin.get("/api/keys")
        assert key not in listed.text
        assert [k["last4"] for k in listed.json()] == [key[-4:]]
    async with server.client(token=key) as agent:
        me = (await agent.get("/api/me")).json()
        assert (me["name"], me["role"], me["kind"]) == ("ops", "operator", "key")
    async with server.admin() as admin:
        assert (await admin.delete(f"/api/keys/{body['id']}")).status_code == 204
        listed = (await admin.get("/api/keys")).json()
        assert listed[0]["revoked_at"] is not None
    async with server.client(token=key) as agent:
        assert (await agent.get("/api/me")).status_code == 401


async def test_a_viewer_may_hold_keys_only_of_its_own_role_for_itself(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
        await create_user(admin, "olga", role="operator")
    async with login(server, "vera") as vera:
        own = await vera.post("/api/keys", json={"user": "vera", "name": "laptop"})
        assert own.status_code == 201, own.text
        above = await vera.post("/api/keys", json={"user": "vera", "name": "x", "role": "admin"})
        assert above.status_code == 403
        other = await vera.post("/api/keys", json={"user": "olga", "name": "x"})
        assert other.status_code == 403
        mine = (await vera.get("/api/keys")).json()
        assert [k["user"] for k in mine] == ["vera"]


async def test_a_key_cannot_exceed_its_owner(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
        response = await admin.post(
            "/api/keys", json={"user": "vera", "name": "x", "role": "admin"}
        )
    assert response.status_code == 403
    assert "exceed" in response.json()["error"]["message"]


async def test_bad_user_input_is_a_clear_4xx(server: Server) -> None:
    async with server.admin() as admin:
        short = await admin.post(
            "/api/users", json={"name": "a", "password": "short", "role": "viewer"}
        )
        assert short.status_code == 422
        assert "password" in short.json()["error"]["message"]
        unknown = await admin.post(
            "/api/users", json={"name": "a", "password": PASSWORD, "role": "wizard"}
        )
        assert unknown.status_code == 422
        await create_user(admin, "dup")
        dup = await admin.post(
            "/api/users", json={"name": "dup", "password": PASSWORD, "role": "viewer"}
        )
        assert dup.status_code == 409
        bad_name = await admin.post(
            "/api/users", json={"name": "a b/c", "password": PASSWORD, "role": "viewer"}
        )
        assert bad_name.status_code == 422
        missing = await admin.patch("/api/users/nobody", json={"disabled": True})
        assert missing.status_code == 404


async def test_disabling_a_user_ends_their_sessions_and_keys(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
        key = (await admin.post("/api/keys", json={"user": "vera", "name": "k"})).json()["key"]
    async with login(server, "vera") as vera:
        assert (await vera.get("/api/me")).status_code == 200
        async with server.admin() as admin:
            assert (
                await admin.patch("/api/users/vera", json={"disabled": True})
            ).status_code == 200
        assert (await vera.get("/api/me")).status_code == 401
    async with server.client(token=key) as agent:
        assert (await agent.get("/api/me")).status_code == 401
    async with server.client() as again:
        refused = await again.post("/api/login", json={"name": "vera", "password": PASSWORD})
        assert refused.status_code == 401


async def test_a_role_change_applies_to_a_live_session(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
        async with login(server, "vera") as vera:
            assert (await vera.get("/api/users")).status_code == 403
            await admin.patch("/api/users/vera", json={"role": "admin"})
            assert (await vera.get("/api/users")).status_code == 200


async def test_wrong_password_is_401_and_names_nothing(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
    async with server.client() as client:
        wrong = await client.post(
            "/api/login", json={"name": "vera", "password": "not-the-password"}
        )
        nobody = await client.post(
            "/api/login", json={"name": "nobody", "password": "not-the-password"}
        )
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()


async def test_custom_roles_grant_what_they_say_and_no_more(server: Server) -> None:
    async with server.admin() as admin:
        created = await admin.post(
            "/api/roles",
            json={
                "name": "auditor",
                "permissions": ["audit:read", "user:read"],
                "inherits": ["viewer"],
            },
        )
        assert created.status_code == 201, created.text
        assert "dashboard:read" in created.json()["effective"]
        await create_user(admin, "ada", role="auditor")
        async with login(server, "ada") as ada:
            assert (await ada.get("/api/users")).status_code == 200
            assert (
                await ada.post(
                    "/api/users", json={"name": "x", "password": PASSWORD, "role": "viewer"}
                )
            ).status_code == 403
        builtin = await admin.put("/api/roles/viewer", json={"permissions": ["user:write"]})
        assert builtin.status_code == 409
        in_use = await admin.delete("/api/roles/auditor")
        assert in_use.status_code == 409
        bad = await admin.post("/api/roles", json={"name": "bad", "permissions": ["nothing:read"]})
        assert bad.status_code == 422
        assert (await admin.delete("/api/users/ada")).status_code == 204
        assert (await admin.delete("/api/roles/auditor")).status_code == 204
        names = [r["name"] for r in (await admin.get("/api/roles")).json()]
        assert "auditor" not in names and {"admin", "operator", "viewer"} <= set(names)


async def test_nobody_grants_more_than_they_hold(server: Server) -> None:
    async with server.admin() as admin:
        await admin.post(
            "/api/roles", json={"name": "usermgr", "permissions": ["user:read", "user:write"]}
        )
        await create_user(admin, "uma", role="usermgr")
    async with login(server, "uma") as uma:
        escalate = await uma.post(
            "/api/users", json={"name": "evil", "password": PASSWORD, "role": "admin"}
        )
        assert escalate.status_code == 403
        peer = await uma.post(
            "/api/users", json={"name": "peer", "password": PASSWORD, "role": "usermgr"}
        )
        assert peer.status_code == 201


async def test_an_expired_key_stops_working(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
        key = (
            await admin.post("/api/keys", json={"user": "vera", "name": "k", "expires_in": 1})
        ).json()["key"]
    async with server.client(token=key) as agent:
        assert (await agent.get("/api/me")).status_code == 200
        await asyncio.sleep(1.2)
        assert (await agent.get("/api/me")).status_code == 401


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_every_change_and_every_refusal_is_audited(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "vera")
        key_id = (await admin.post("/api/keys", json={"user": "vera", "name": "k"})).json()["id"]
        await admin.delete(f"/api/keys/{key_id}")
        async with login(server, "vera") as vera:
            await vera.post(
                "/api/users", json={"name": "x", "password": PASSWORD, "role": "viewer"}
            )
        async with server.client() as anonymous:
            await anonymous.get("/api/users")
        records = (await admin.get("/api/audit?limit=100")).json()["records"]
    actions = [(r["action"], r["result"], r["actor"]["name"]) for r in reversed(records)]
    assert ("user.create", "success", "admin-token") in actions
    assert ("key.create", "success", "admin-token") in actions
    assert ("key.revoke", "success", "admin-token") in actions
    assert ("login", "success", "vera") in actions
    assert ("access.denied", "denied", "vera") in actions
    assert ("access.denied", "denied", "anonymous") in actions


@pytest.fixture
def file_config() -> FileConfig:
    return FileConfig(
        roles={"compliance": RoleConfig(permissions=["audit:read"], inherits=["viewer"])}
    )


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_roles_from_the_config_file_are_in_force_and_read_only(server: Server) -> None:
    async with server.admin() as admin:
        roles = {r["name"]: r for r in (await admin.get("/api/roles")).json()}
        assert roles["compliance"]["source"] == "config"
        assert "dashboard:read" in roles["compliance"]["effective"]
        changed = await admin.put("/api/roles/compliance", json={"permissions": ["user:write"]})
        assert changed.status_code == 409
        await create_user(admin, "ada", role="compliance")
    async with login(server, "ada") as ada:
        assert (await ada.get("/api/audit")).status_code == 200
        assert (await ada.get("/api/users")).status_code == 403


@pytest.mark.parametrize("shape", ["embedded"], indirect=True)
async def test_nobody_locks_the_team_out(server: Server) -> None:
    async with server.admin() as admin:
        await create_user(admin, "root", role="admin")
        async with login(server, "root") as root:
            myself = await root.patch("/api/users/root", json={"disabled": True})
            assert myself.status_code == 409
            assert (await root.delete("/api/users/root")).status_code == 409
        last = await admin.patch("/api/users/root", json={"role": "viewer"})
        assert last.status_code == 409
        assert "last enabled admin" in last.json()["error"]["message"]
        await create_user(admin, "second", role="admin")
        demoted = await admin.patch("/api/users/root", json={"role": "viewer"})
        assert demoted.status_code == 200
