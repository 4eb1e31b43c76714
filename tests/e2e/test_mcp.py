"""The MCP page in Chromium against a server running the real `mcp-server-time` from PyPI:
servers and tools, a call from the form generated from the tool's schema, the live call log,
and a SIGKILLed replica going down and coming back on screen without a reload."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, LiveServer, admin, browsing, serve

pytestmark = pytest.mark.e2e

OLGA_PASSWORD = "olga-correct-horse-42"
VIKTOR_PASSWORD = "viktor-correct-horse-42"
SCREENSHOT_DIRS = (ARTIFACTS, Path(tempfile.gettempdir()))

# Every value the time server's row takes from now on, so a state that lasts less than a
# poll (down, then starting, for well under a second) is still seen; and a marker a reload
# would wipe out.
WATCH_STATES = """() => {
  window.__noReload = true;
  window.__mcpStates = [];
  const row = () => document.querySelector('[data-testid="mcp-server"][data-server="time"]');
  const observer = new MutationObserver(() => {
    const state = row()?.getAttribute("data-state");
    if (state && window.__mcpStates.at(-1) !== state) window.__mcpStates.push(state);
  });
  observer.observe(document.querySelector('[data-testid="mcp-servers"]'), {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"],
  });
}"""


FORMS_SERVER = Path(__file__).with_name("mcp_forms_server.py")


def mcp_yaml() -> str:
    """`time` (mcp-server-time, from PyPI), `forms` (one tool taking every kind of argument)
    and `broken`, a server that exits at start; health checks twice a second, restarts
    after 100 ms to 1 s, and this interpreter allowed for servers added through the API."""
    config: dict[str, Any] = {
        "mcp": {
            "health_interval": 0.5,
            "restart_backoff_min": "100ms",
            "restart_backoff_max": 1,
            # Stdio servers added from the page may run this interpreter, and nothing else.
            "api_commands": [sys.executable],
        },
        "mcp_servers": {
            "time": {
                "command": sys.executable,
                "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
            },
            "forms": {"command": sys.executable, "args": [str(FORMS_SERVER)]},
            "broken": {
                "command": sys.executable,
                "args": [
                    "-c",
                    "import sys; sys.stderr.write('boom: no credentials\\n'); sys.exit(3)",
                ],
            },
        },
    }
    return yaml.safe_dump(config, sort_keys=False)


@pytest.fixture(scope="module")
def mcp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("e2e-mcp"), mcp_yaml()) as server:
        yield server


@pytest.fixture
def mcp_page(browser: Browser, mcp_server: LiveServer) -> Iterator[Page]:
    with browsing(browser, mcp_server) as context:
        yield context.new_page()


def log_in_with_token(page: Page, server: LiveServer) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Use an admin token instead").click()
    page.get_by_label("Admin token").fill(server.admin_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    expect(page.get_by_test_id("connection-indicator")).to_have_text("connected", timeout=15_000)


def log_in_as(page: Page, name: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(name)


def screenshot(page: Page, name: str) -> None:
    """The whole page at once: a viewport as tall as the page keeps the sticky sidebar in place."""
    page.wait_for_timeout(400)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(900, height)})
    page.wait_for_timeout(200)
    ARTIFACTS.mkdir(exist_ok=True)
    for folder in SCREENSHOT_DIRS:
        page.screenshot(path=folder / name)
    page.set_viewport_size({"width": 1440, "height": 900})


def time_process(server: LiveServer) -> tuple[int, int]:
    """The time server's replica process id and its restarts so far."""
    with admin(server) as client:
        servers = client.get("/api/mcp/servers")
    assert servers.status_code == 200, servers.text
    (time_server,) = [s for s in servers.json() if s["name"] == "time"]
    assert time_server["state"] == "healthy", time_server
    replica = time_server["replicas"][0]
    return replica["pid"], replica["restarts"]


def restarts(count: int) -> str:
    return f"{count} restart" if count == 1 else f"{count} restarts"


def test_mcp_page_calls_a_tool_from_its_schema_and_follows_a_killed_server_live(
    mcp_page: Page, mcp_server: LiveServer
) -> None:
    page = mcp_page
    log_in_with_token(page, mcp_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="MCP").click()
    expect(page.get_by_role("heading", name="MCP", exact=True)).to_be_visible()
    # A reload stays on the page: its address is not one the server keeps for the /mcp door.
    page.reload()
    expect(page.get_by_role("heading", name="MCP", exact=True)).to_be_visible()

    servers = page.get_by_test_id("mcp-servers")
    time_row = servers.locator('[data-testid="mcp-server"][data-server="time"]')
    expect(time_row).to_have_attribute("data-state", "healthy", timeout=20_000)
    expect(time_row).to_contain_text("2 tools")
    time_replica = servers.locator('[data-testid="mcp-replica"][data-server="time"]')
    # Pings send no event: their latency comes with the page's poll, every 5 s.
    expect(time_replica.get_by_test_id("mcp-ping")).to_have_text(
        re.compile(r"\d.* ms"), timeout=12_000
    )
    expect(time_replica.get_by_test_id("mcp-uptime")).to_have_text(re.compile(r"^\d+(s|m \d\ds)$"))
    # A server that cannot start is shown down, with its error, and its tools are not listed.
    broken = servers.locator('[data-testid="mcp-server"][data-server="broken"]')
    expect(broken).to_have_attribute("data-state", re.compile("down|starting"))
    expect(servers.locator('[data-testid="mcp-replica"][data-server="broken"]')).to_contain_text(
        "boom: no credentials"
    )

    # How clients connect: the whole bridge; no virtual server is configured here.
    endpoints = page.get_by_test_id("mcp-endpoints")
    expect(endpoints.get_by_test_id("mcp-endpoint-url")).to_have_text(f"{mcp_server.base_url}/mcp")
    expect(endpoints).to_contain_text("No virtual servers")
    expect(endpoints).to_contain_text("mcp.virtual_servers")

    tools = page.get_by_test_id("mcp-tools")
    current_time = tools.locator('[data-testid="mcp-tool"][data-tool="time__get_current_time"]')
    expect(current_time).to_contain_text("Get current time in a specific timezone")
    expect(
        tools.locator('[data-testid="mcp-tool"][data-tool="time__convert_time"]')
    ).to_be_visible()
    expect(tools.locator('[data-testid="mcp-tool"][data-server="broken"]')).to_have_count(0)
    current_time.get_by_text("Input schema").click()
    expect(current_time.get_by_test_id("mcp-tool-schema")).to_contain_text('"timezone"')

    # The playground's form comes from the schema: one required text field, `timezone`.
    current_time.get_by_role("button", name="Try time__get_current_time").click()
    playground = page.get_by_test_id("mcp-playground")
    expect(playground.get_by_test_id("mcp-playground-tool")).to_have_value("time__get_current_time")
    timezone = playground.get_by_label("Timezone *", exact=True)
    expect(timezone).to_have_attribute("aria-required", "true")
    playground.get_by_role("button", name="Call tool").click()
    expect(playground.get_by_text("Required.")).to_be_visible()  # nothing was sent
    timezone.fill("Europe/Paris")
    playground.get_by_role("button", name="Call tool").click()
    result = playground.get_by_test_id("mcp-result")
    expect(result).to_have_attribute("data-is-error", "false")
    expect(result.get_by_test_id("mcp-result-structured")).to_contain_text('"Europe/Paris"')
    expect(result.get_by_test_id("mcp-result-structured")).to_contain_text("+01:00")
    expect(result.get_by_test_id("mcp-result-latency")).to_have_text(re.compile(r"\d.* (ms|s)$"))

    # The call shows up in the live log, as every client's calls do.
    log = page.get_by_test_id("mcp-call-log")
    call = log.locator('[data-testid="mcp-call"][data-tool="time__get_current_time"]').first
    expect(call).to_have_attribute("data-outcome", "ok")
    expect(call).to_contain_text("admin")
    expect(call).to_contain_text(re.compile(r"\d ms"))
    screenshot(page, "mcp.png")

    # A tool's own failure is a result marked isError, styled as such, and logged as tool_error.
    timezone.fill("Mars/Olympus_Mons")
    playground.get_by_role("button", name="Call tool").click()
    expect(result).to_have_attribute("data-is-error", "true")
    expect(result.get_by_test_id("mcp-result-text")).to_contain_text("Invalid timezone")
    expect(log.get_by_test_id("mcp-call").first).to_have_attribute("data-outcome", "tool_error")
    screenshot(page, "mcp-tool-error.png")

    # SIGKILL the replica: the row goes down (or straight to starting) and comes back healthy,
    # with a new process and a restart counted, all without a reload.
    page.evaluate(WATCH_STATES)
    pid, restarted = time_process(mcp_server)
    expect(time_replica.get_by_test_id("mcp-pid")).to_have_text(f"pid {pid}")
    os.kill(pid, signal.SIGKILL)
    expect(time_row).not_to_have_attribute("data-state", "healthy", timeout=5_000)
    expect(time_row).to_have_attribute("data-state", "healthy", timeout=10_000)
    expect(time_replica.get_by_test_id("mcp-pid")).not_to_have_text(f"pid {pid}")
    expect(time_row.get_by_test_id("mcp-restarts")).to_have_text(restarts(restarted + 1))
    states: list[str] = page.evaluate("window.__mcpStates")
    assert states[-1] == "healthy", states
    assert {"down", "starting"} & set(states), states
    assert page.evaluate("window.__noReload") is True
    # Its tools were hidden while it was down and are back.
    expect(current_time).to_be_visible()
    screenshot(page, "mcp-recovered.png")

    # A restart from the page, confirmed first, goes the same way.
    time_row.get_by_role("button", name="Restart time").click()
    dialog = page.get_by_role("dialog", name="Restart time?")
    dialog.get_by_role("button", name="Restart server").click()
    expect(dialog).to_be_hidden()
    expect(time_row.get_by_test_id("mcp-restarts")).to_have_text(
        restarts(restarted + 2), timeout=10_000
    )
    expect(time_row).to_have_attribute("data-state", "healthy", timeout=10_000)


def test_playground_form_follows_the_tool_schema_and_sends_typed_arguments(
    mcp_page: Page, mcp_server: LiveServer
) -> None:
    page = mcp_page
    log_in_with_token(page, mcp_server)
    # The address names the tool, so a link opens it ready to call.
    page.goto("/tool-servers?tool=forms__search")
    playground = page.get_by_test_id("mcp-playground")
    form = playground.get_by_test_id("mcp-schema-form")
    query = form.get_by_label("Query *", exact=True)
    expect(query).to_have_attribute("aria-required", "true")
    expect(form).to_contain_text("What to look for")
    kind = form.get_by_label("Kind", exact=True)
    expect(kind.locator("option")).to_have_text(["(not set)", "issue", "pull", "commit"])
    expect(kind).to_have_value("issue")
    limit = form.get_by_label("Limit", exact=True)
    expect(limit).to_have_attribute("type", "number")
    expect(limit).to_have_value("10")
    expect(form.get_by_label("Score", exact=True)).to_have_attribute("type", "number")
    include_closed = form.get_by_role("switch", name="Include Closed")
    expect(include_closed).to_have_attribute("aria-checked", "false")
    labels = form.get_by_label("Labels", exact=True)
    match = form.get_by_label("Match", exact=True)
    expect(labels).to_have_js_property("tagName", "TEXTAREA")
    expect(match).to_have_js_property("tagName", "TEXTAREA")

    # Out of bounds and malformed JSON are caught before anything is sent.
    query.fill("flaky test")
    kind.select_option("pull")
    limit.fill("500")
    match.fill("{not json")
    playground.get_by_role("button", name="Call tool").click()
    expect(form).to_contain_text("At most 100.")
    expect(form).to_contain_text("Not valid JSON.")
    expect(playground.get_by_test_id("mcp-result")).to_have_count(0)

    limit.fill("5")
    form.get_by_label("Score", exact=True).fill("0.5")
    include_closed.click()
    labels.fill('["bug", "ci"]')
    match.fill('{"field": "author", "value": "olga"}')
    playground.get_by_role("button", name="Call tool").click()
    structured = playground.get_by_test_id("mcp-result-structured")
    expect(structured).to_be_visible()
    assert json.loads(structured.inner_text()) == {
        "query": "flaky test",
        "kind": "pull",
        "limit": 5,
        "score": 0.5,
        "include_closed": True,
        "labels": ["bug", "ci"],
        "match": {"field": "author", "value": "olga"},
    }

    # The same arguments as JSON, edited there, and back in the form.
    playground.get_by_role("radio", name="JSON").click()
    arguments = playground.get_by_label("Arguments (JSON)")
    assert json.loads(arguments.input_value())["labels"] == ["bug", "ci"]
    arguments.fill('{"query": "release", "kind": "commit"}')
    playground.get_by_role("radio", name="Form").click()
    expect(query).to_have_value("release")
    expect(kind).to_have_value("commit")
    expect(limit).to_have_value("")  # left to the tool's default
    expect(include_closed).to_have_attribute("aria-checked", "false")
    screenshot(page, "mcp-form.png")


def test_a_server_added_from_the_page_starts_serves_tools_and_is_removed(
    mcp_page: Page, mcp_server: LiveServer
) -> None:
    page = mcp_page
    log_in_with_token(page, mcp_server)
    page.goto("/tool-servers")
    servers = page.get_by_test_id("mcp-servers")
    servers.get_by_role("button", name="Add server").click()
    dialog = page.get_by_role("dialog", name="Add MCP server")
    dialog.get_by_label("Name").fill("clock")
    dialog.get_by_label("Command").fill(sys.executable)
    dialog.get_by_label("Arguments").fill("-m\nmcp_server_time\n--local-timezone\nUTC")
    dialog.get_by_label("Idempotent tools").fill("get_current_time")
    dialog.get_by_role("switch", name="Stateful").click()
    dialog.get_by_role("button", name="Add server").click()
    expect(dialog).to_be_hidden()

    clock = servers.locator('[data-testid="mcp-server"][data-server="clock"]')
    expect(clock).to_have_attribute("data-state", "healthy", timeout=20_000)
    expect(clock.get_by_test_id("mcp-stateful")).to_be_visible()
    expect(clock.get_by_test_id("mcp-sessions")).to_have_text("0 of 20 client sessions")
    tool = page.get_by_test_id("mcp-tools").locator('[data-tool="clock__get_current_time"]')
    expect(tool).to_be_visible()

    # A server from the config file says so, and cannot be removed here.
    time_row = servers.locator('[data-testid="mcp-server"][data-server="time"]')
    expect(time_row).to_contain_text("config file")
    expect(servers.get_by_role("button", name="Remove time")).to_have_count(0)

    servers.get_by_role("button", name="Remove clock").click()
    page.get_by_role("dialog", name="Remove clock?").get_by_role(
        "button", name="Remove server"
    ).click()
    expect(clock).to_have_count(0)
    expect(tool).to_have_count(0)
    with admin(mcp_server) as client:
        names = [s["name"] for s in client.get("/api/mcp/servers").json()]
    assert "clock" not in names


def test_mcp_page_is_for_mcp_server_readers_and_tools_for_their_grants(
    mcp_page: Page, mcp_server: LiveServer
) -> None:
    with admin(mcp_server) as client:
        for name, password, role in (
            ("olga", OLGA_PASSWORD, "operator"),
            ("viktor", VIKTOR_PASSWORD, "viewer"),
        ):
            created = client.post(
                "/api/users", json={"name": name, "password": password, "role": role}
            )
            assert created.status_code == 201, created.text
    page = mcp_page

    # An operator reads servers and may restart them, but holds no mcp-tool grant.
    log_in_as(page, "olga", OLGA_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="MCP").click()
    time_row = page.locator('[data-testid="mcp-server"][data-server="time"]')
    expect(time_row).to_have_attribute("data-state", "healthy", timeout=20_000)
    expect(time_row.get_by_role("button", name="Restart time")).to_be_visible()
    # ...but may neither add nor remove one (mcp-server:write, mcp-server:delete).
    expect(page.get_by_role("button", name="Add server")).to_have_count(0)
    expect(time_row.get_by_role("button", name="Remove time")).to_have_count(0)
    expect(page.get_by_test_id("mcp-no-tools")).to_contain_text("mcp-tool:execute")
    expect(page.get_by_test_id("mcp-tools")).to_have_count(0)
    expect(page.get_by_test_id("mcp-playground")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    # A viewer has no mcp-server:read: no entry in the menu, and the page says why.
    log_in_as(page, "viktor", VIKTOR_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    expect(nav.get_by_role("link", name="MCP")).to_have_count(0)
    page.goto("/tool-servers")
    expect(page.get_by_test_id("not-allowed")).to_contain_text("mcp-server:read")
