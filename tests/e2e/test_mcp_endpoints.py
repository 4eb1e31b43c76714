"""The MCP page's stateful servers and its Connect card in Chromium, against a server running
our stateful `counter` (a process per client), `mcp-server-time`, our `flaky` server (many
tools) and three virtual servers: the session count follows a REST call live, and each
virtual server is listed with its URL and the tools it serves."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.conftest import LiveServer, admin, browsing, serve
from tests.e2e.test_mcp import OLGA_PASSWORD, log_in_as, log_in_with_token, screenshot

pytestmark = pytest.mark.e2e

SERVERS = Path(__file__).resolve().parents[1] / "mcp" / "servers"
INCREMENT = "counter__increment"
CLOCK = "time__get_current_time"
FLAKY_TOOLS = 11
SHOWN_BEFORE_FOLD = 8


def endpoints_yaml() -> str:
    """`counter` stateful, `time` and `flaky` shared; virtual servers by tool name, by
    pattern and by whole server. Health checks twice a second."""
    config: dict[str, Any] = {
        "mcp": {
            "health_interval": 0.5,
            "restart_backoff_min": "100ms",
            "restart_backoff_max": 1,
            "virtual_servers": {
                "clock": {"description": "Just the time", "tools": [CLOCK]},
                "counting": {"description": "A counter of your own", "tools": ["counter__*"]},
                "ops": {"servers": ["flaky"]},
            },
        },
        "mcp_servers": {
            "counter": {
                "command": sys.executable,
                "args": [str(SERVERS / "counter.py")],
                "stateful": True,
            },
            "time": {
                "command": sys.executable,
                "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
            },
            "flaky": {"command": sys.executable, "args": [str(SERVERS / "flaky.py")]},
        },
    }
    return yaml.safe_dump(config, sort_keys=False)


@pytest.fixture(scope="module")
def endpoints_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("e2e-mcp-endpoints"), endpoints_yaml()) as server:
        yield server


@pytest.fixture
def endpoints_page(browser: Browser, endpoints_server: LiveServer) -> Iterator[Page]:
    with browsing(
        browser, endpoints_server, permissions=("clipboard-read", "clipboard-write")
    ) as context:
        yield context.new_page()


def make_key(server: LiveServer, role: str, permissions: list[str]) -> str:
    """An API key of a new user in a new role holding `permissions`."""
    with admin(server) as client:
        created = client.post("/api/roles", json={"name": role, "permissions": permissions})
        assert created.status_code == 201, created.text
        user = client.post(
            "/api/users",
            json={"name": f"u-{role}", "password": "a-long-enough-password", "role": role},
        )
        assert user.status_code == 201, user.text
        key = client.post("/api/keys", json={"user": f"u-{role}", "name": "e2e"})
        assert key.status_code == 201, key.text
        secret: str = key.json()["key"]
        return secret


def stall(route: Route) -> None:
    """Leave the request unanswered: the page's data can then only change through events."""


def test_a_stateful_server_shows_its_client_sessions_live(
    endpoints_page: Page, endpoints_server: LiveServer
) -> None:
    page = endpoints_page
    log_in_with_token(page, endpoints_server)
    page.goto("/tool-servers")
    servers = page.get_by_test_id("mcp-servers")
    counter = servers.locator('[data-testid="mcp-server"][data-server="counter"]')
    expect(counter).to_have_attribute("data-state", "healthy", timeout=20_000)
    badge = counter.get_by_test_id("mcp-stateful")
    expect(badge).to_have_text("stateful")
    # What it means is on hover, and read out to screen readers.
    expect(badge.locator("xpath=..")).to_have_attribute(
        "title", re.compile("each client gets its own upstream session")
    )
    expect(counter).to_contain_text("each client gets its own upstream session")
    sessions = counter.get_by_test_id("mcp-sessions")
    expect(sessions).to_have_text("0 of 20 client sessions")
    # A shared server has neither.
    time_row = servers.locator('[data-testid="mcp-server"][data-server="time"]')
    expect(time_row).to_have_attribute("data-state", "healthy", timeout=20_000)
    expect(time_row.get_by_test_id("mcp-stateful")).to_have_count(0)
    expect(time_row.get_by_test_id("mcp-sessions")).to_have_count(0)

    # From here the servers list is never answered again: only the `server.state` event can
    # bring the new count; and a reload would wipe out the marker.
    page.route("**/api/mcp/servers", stall)
    page.evaluate("window.__noReload = true")
    key = make_key(endpoints_server, "count-caller", ["mcp-tool:execute"])
    called = httpx.post(
        f"{endpoints_server.base_url}/api/mcp/tools/{INCREMENT}/call",
        headers={"authorization": f"Bearer {key}"},
        json={"arguments": {}},
        timeout=20.0,
    )
    assert called.status_code == 200, called.text
    assert called.json()["structuredContent"]["count"] == 1

    expect(sessions).to_have_text("1 of 20 client sessions")
    expect(sessions).to_have_attribute("data-sessions", "1")
    assert page.evaluate("window.__noReload") is True
    page.unroute("**/api/mcp/servers", stall)


def test_the_connect_card_shows_the_bridge_and_each_virtual_server_with_its_tools(
    endpoints_page: Page, endpoints_server: LiveServer
) -> None:
    page = endpoints_page
    base = endpoints_server.base_url
    log_in_with_token(page, endpoints_server)
    page.goto("/tool-servers")
    card = page.get_by_test_id("mcp-endpoints")
    expect(card.get_by_role("heading", name="Connect")).to_be_visible()
    expect(card.get_by_test_id("mcp-endpoint-url")).to_have_text(f"{base}/mcp")
    expect(card.get_by_test_id("mcp-stdio-command")).to_have_text(
        f"swarmdeck mcp stdio --url {base}"
    )
    expect(card.get_by_test_id("mcp-stdio-hint")).to_contain_text("SWARMDECK_API_KEY")

    # The copy button puts the full URL on the clipboard.
    card.get_by_role("group", name="Bridge URL").get_by_role("button", name="Copy").click()
    expect(card.get_by_role("group", name="Bridge URL")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{base}/mcp"

    listed = card.get_by_test_id("mcp-virtual-server")
    expect(listed).to_have_count(3)
    clock = card.locator('[data-testid="mcp-virtual-server"][data-name="clock"]')
    expect(clock.get_by_test_id("mcp-virtual-url")).to_have_text(f"{base}/mcp/clock")
    expect(clock).to_contain_text("Just the time")
    # Tools are listed once their servers are up: the card follows `tools.changed`.
    expect(clock.get_by_test_id("mcp-virtual-tool")).to_have_text([CLOCK], timeout=20_000)
    expect(clock).to_contain_text(f"tools matching {CLOCK}")

    counting = card.locator('[data-testid="mcp-virtual-server"][data-name="counting"]')
    expect(counting.get_by_test_id("mcp-virtual-url")).to_have_text(f"{base}/mcp/counting")
    expect(counting.get_by_test_id("mcp-virtual-tool")).to_have_text([INCREMENT], timeout=20_000)

    # A whole server's many tools fold behind "+N more".
    ops = card.locator('[data-testid="mcp-virtual-server"][data-name="ops"]')
    expect(ops).to_contain_text("every tool of flaky")
    expect(ops.get_by_test_id("mcp-virtual-tool-count")).to_have_text(
        f"{FLAKY_TOOLS} tools", timeout=20_000
    )
    chips = ops.get_by_test_id("mcp-virtual-tool")
    expect(chips).to_have_count(SHOWN_BEFORE_FOLD)
    more = ops.get_by_role("button", name=f"+{FLAKY_TOOLS - SHOWN_BEFORE_FOLD} more")
    expect(more).to_have_attribute("aria-expanded", "false")
    screenshot(page, "mcp-endpoints.png")
    more.click()
    expect(chips).to_have_count(FLAKY_TOOLS)
    expect(ops.get_by_text("flaky__wait_for_cancel", exact=True)).to_be_visible()
    ops.get_by_role("button", name="Show fewer").click()
    expect(chips).to_have_count(SHOWN_BEFORE_FOLD)


def test_a_role_without_tool_grants_sees_the_endpoints_but_no_tools(
    endpoints_page: Page, endpoints_server: LiveServer
) -> None:
    with admin(endpoints_server) as client:
        created = client.post(
            "/api/users", json={"name": "olga", "password": OLGA_PASSWORD, "role": "operator"}
        )
        assert created.status_code == 201, created.text
    page = endpoints_page
    log_in_as(page, "olga", OLGA_PASSWORD)
    page.goto("/tool-servers")
    card = page.get_by_test_id("mcp-endpoints")
    expect(card.get_by_test_id("mcp-endpoint-url")).to_have_text(f"{endpoints_server.base_url}/mcp")
    ops = card.locator('[data-testid="mcp-virtual-server"][data-name="ops"]')
    expect(ops.get_by_test_id("mcp-virtual-url")).to_have_text(
        f"{endpoints_server.base_url}/mcp/ops"
    )
    expect(ops).to_contain_text("listed to roles with an mcp-tool grant")
    expect(card.get_by_test_id("mcp-virtual-tool")).to_have_count(0)
    expect(card.get_by_test_id("mcp-virtual-tool-count")).to_have_count(0)
