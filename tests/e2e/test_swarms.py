"""The Swarms, run and Workflows pages in Chromium against a server that runs swarms for real:
its embedded Temporal dev server (with its Web UI), agents whose model is the fake provider
(a second per answer, so a turn in flight can be seen), and an MCP tool the workers call
(slow too, so a call in flight can be seen). A run started from the page lights its graph up
live and ends with a timeline row per turn and per tool call."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.e2e.conftest import ARTIFACTS, LiveServer, admin, browsing, serve

pytestmark = pytest.mark.e2e

FAKE_KEY = "sk-e2e-swarms-fake"
LATENCY_S = 1.0
"""The fake provider's delay before each answer: how long a turn reads `thinking`."""
TOOL_S = 1.5
"""How long `notes__lookup` takes: how long its caller reads `calling tool`."""
WANDA_PASSWORD = "wanda-correct-horse-42"
SCREENSHOT_DIRS = (ARTIFACTS, Path(tempfile.gettempdir()) / "swarms-shots")
TASK = "Survey agent frameworks; call notes__lookup for sources."
"""The fake model asks for a tool it is offered when the text says `call <tool>`."""

NOTES_SERVER = f'''
import asyncio

from mcp.server.mcpserver import MCPServer

server = MCPServer("notes")


@server.tool()
async def lookup(topic: str = "agent swarms") -> str:
    """The team's notes on a topic (they take a while to find)."""
    await asyncio.sleep({TOOL_S})
    return f"notes on {{topic}}: three sources"


server.run()
'''
COUNCIL_TASK = "Weigh the options; call delegate first, then call notes__lookup."
"""The chair is offered `delegate` only, its members `notes__lookup` only: each calls its own."""

# Every state each graph node takes from now on, in order, keyed `instance/role`; a state
# that lasts less than a poll is still seen. And a marker a reload would wipe out.
WATCH_NODES = """() => {
  window.__noReload = true;
  window.__nodeStates = {};
  const record = () => {
    for (const node of document.querySelectorAll('[data-testid="swarm-node"]')) {
      const key = `${node.dataset.instance}/${node.dataset.role}`;
      const seen = (window.__nodeStates[key] ??= []);
      if (seen.at(-1) !== node.dataset.state) seen.push(node.dataset.state);
    }
  };
  record();
  new MutationObserver(record).observe(document.querySelector('[data-testid="swarm-graph"]'), {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"],
  });
}"""


# The same for the timeline's rows on a run's page, keyed by step number.
WATCH_STEPS = """() => {
  window.__noReload = true;
  window.__stepStates = {};
  const record = () => {
    for (const row of document.querySelectorAll('[data-testid="timeline-step"]')) {
      const seen = (window.__stepStates[row.dataset.seq] ??= []);
      if (seen.at(-1) !== row.dataset.status) seen.push(row.dataset.status);
    }
  };
  record();
  new MutationObserver(record).observe(document.querySelector('[data-testid="run-view"]'), {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"],
  });
}"""


def swarms_yaml(provider_url: str, notes_server: Path) -> str:
    """Alias `gpt` on the fake provider; the `notes` MCP server; three swarms, one per
    pattern. `research`'s workers and `council`'s members may call `notes__lookup`, and
    answer on their last turn. And `broken`, whose model has no price: the gateway refuses
    its first turn (422), which fails the run at once."""
    config: dict[str, Any] = {
        "providers": {
            "oai": {"type": "openai", "base_url": f"{provider_url}/v1", "api_key": FAKE_KEY}
        },
        "models": [
            {
                "name": "gpt",
                "deployments": [{"provider": "oai", "model": "gpt-4o"}],
                "price": {"input_per_mtok": "2.5", "output_per_mtok": "10"},
            },
            {"name": "unpriced", "deployments": [{"provider": "oai", "model": "no-such-model"}]},
        ],
        "cache": {"exact": {"enabled": False}, "semantic": {"enabled": False}},
        "mcp_servers": {"notes": {"command": sys.executable, "args": [str(notes_server)]}},
        "swarms": {
            "research": {
                "pattern": "parallel",
                "budget_usd": "0.5",
                "agents": [
                    {"name": "planner", "model": "gpt"},
                    {
                        "name": "researcher",
                        "model": "gpt",
                        "replicas": 2,
                        "tools": ["notes"],
                        "max_turns": 2,
                    },
                ],
            },
            "pipeline": {
                "pattern": "sequential",
                "agents": [
                    {"name": name, "model": "gpt"}
                    for name in ("drafter", "critic", "editor", "publisher")
                ],
            },
            "broken": {"agents": [{"name": "lonely", "model": "unpriced"}]},
            "council": {
                "pattern": "supervisor",
                "agents": [
                    {"name": "chair", "model": "gpt", "max_turns": 2},
                    {
                        "name": "member",
                        "model": "gpt",
                        "replicas": 3,
                        "tools": ["notes"],
                        "max_turns": 2,
                    },
                ],
            },
        },
    }
    return yaml.safe_dump(config, sort_keys=False)


@pytest.fixture(scope="module")
def fake_provider() -> Iterator[str]:
    """The fake provider as its own process, a second per answer."""
    command = [sys.executable, "-m", "swarmdeck.testing.fake_provider", "--key", FAKE_KEY]
    process = subprocess.Popen(
        [*command, "--port", "0", "--latency", str(LATENCY_S)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if not match:
            pytest.fail(f"the fake provider did not start: {line!r}")
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="module")
def swarm_server(
    tmp_path_factory: pytest.TempPathFactory, fake_provider: str
) -> Iterator[LiveServer]:
    """`swarmdeck serve` with Temporal on (the embedded dev server, its Web UI too)."""
    root = tmp_path_factory.mktemp("e2e-swarms")
    notes = root / "notes_server.py"
    notes.write_text(NOTES_SERVER)
    env = {"SWARMDECK_TEMPORAL_ENABLED": "true", "SWARMDECK_TEMPORAL_UI": "true"}
    with serve(root, swarms_yaml(fake_provider, notes), env) as server:
        wait_for_tools(server)
        yield server


@pytest.fixture
def swarm_page(browser: Browser, swarm_server: LiveServer) -> Iterator[Page]:
    with browsing(browser, swarm_server) as context:
        yield context.new_page()


def wait_for_tools(server: LiveServer) -> None:
    """The workers' tool is listed (the notes server is up) before any run starts."""
    deadline = time.monotonic() + 30
    with admin(server) as client:
        while time.monotonic() < deadline:
            tools = client.get("/api/mcp/tools")
            if tools.status_code == 200 and any(t["name"] == "notes__lookup" for t in tools.json()):
                return
            time.sleep(0.2)
    pytest.fail("the notes MCP server did not come up:\n" + server.log_tail())


def start_run(server: LiveServer, swarm: str, task: str) -> str:
    with admin(server) as client:
        started = client.post(f"/api/swarms/{swarm}/runs", json={"task": task})
    assert started.status_code == 201, started.text
    run_id: str = started.json()["id"]
    return run_id


def wait_for_run(server: LiveServer, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    with admin(server) as client:
        while time.monotonic() < deadline:
            run: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
            if run["status"] != "running":
                return run
            time.sleep(0.2)
    pytest.fail(f"run {run_id} still running after 60s:\n" + server.log_tail())


def wait_for_step(server: LiveServer, run_id: str, seq: int) -> None:
    """Step `seq` of the run is written (its turn has ended)."""
    deadline = time.monotonic() + 30
    with admin(server) as client:
        while time.monotonic() < deadline:
            run = client.get(f"/api/runs/{run_id}").json()
            if any(step["seq"] == seq for step in run["steps"]):
                return
            time.sleep(0.1)
    pytest.fail(f"run {run_id} wrote no step {seq} within 30s:\n" + server.log_tail())


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
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(900, height)})
    page.wait_for_timeout(150)
    for folder in SCREENSHOT_DIRS:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / name)
    page.set_viewport_size({"width": 1440, "height": 900})


def node(page: Page, instance: str, role: str) -> Locator:
    return page.locator(
        f'[data-testid="swarm-node"][data-instance="{instance}"][data-role="{role}"]'
    )


# Each tool call's bar on the timeline, with the bar of the turn it belongs to (the turn row
# above it): [turn left, turn right, call left, call right] in px.
TOOL_BARS = """() => {
  const out = [];
  let turn = null;
  for (const row of document.querySelectorAll('[data-testid="run-timeline"] ol > li')) {
    if (row.dataset.testid === "timeline-step") {
      turn = row.querySelector('[data-testid="timeline-bar"]').getBoundingClientRect();
    } else if (row.dataset.testid === "timeline-tool") {
      const call = row.querySelector('[data-testid="timeline-tool-bar"]').getBoundingClientRect();
      out.push([turn.left, turn.right, call.left, call.right]);
    }
  }
  return out;
}"""


def assert_tool_calls_sit_inside_their_turns(page: Page) -> None:
    """A tool call starts once the model has answered (a second into its turn) and ends before
    the turn does: placed by its own start, not laid against the turn's end."""
    bars: list[list[float]] = page.evaluate(TOOL_BARS)
    assert bars, "no tool calls on the timeline"
    for turn_left, turn_right, call_left, call_right in bars:
        assert turn_left + 5 < call_left < call_right <= turn_right + 1, bars


def test_a_run_started_from_the_swarms_page_lights_its_graph_up_live_and_times_every_turn(
    swarm_page: Page, swarm_server: LiveServer
) -> None:
    page = swarm_page
    log_in_with_token(page, swarm_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Swarms").click()
    page.get_by_test_id("swarm-item").filter(has_text="research").click()
    expect(page).to_have_url(re.compile(r"/swarms\?swarm=research$"))

    # Parallel: the planner, a node per worker instance, and the planner again to merge.
    nodes = page.get_by_test_id("swarm-node")
    expect(nodes).to_have_count(4)
    for instance, role in (
        ("planner", "planner"),
        ("researcher.1", "worker"),
        ("researcher.2", "worker"),
        ("planner", "merge"),
    ):
        expect(node(page, instance, role)).to_contain_text("gpt")
    expect(page.get_by_test_id("swarm-agent-count")).to_contain_text("3 instances")
    page.evaluate(WATCH_NODES)

    page.get_by_label("Task").fill(TASK)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_test_id("swarm-focus-status")).to_have_attribute("data-status", "running")
    worker = node(page, "researcher.1", "worker")
    expect(worker).to_have_attribute("data-state", "thinking")
    # Its first turn calls the (slow) tool: the node says which while the call is in flight.
    expect(worker).to_have_attribute("data-state", "calling-tool")
    expect(worker).to_have_attribute("data-tool", "notes__lookup")
    expect(worker.get_by_test_id("swarm-node-state")).to_have_text("Calling tool notes__lookup")
    expect(page.get_by_role("list", name="Node states")).to_contain_text("Calling tool")
    screenshot(page, "swarms-mid-run.png")
    expect(page.get_by_test_id("swarm-focus-status")).to_have_attribute(
        "data-status", "completed", timeout=45_000
    )
    for instance, role in (("planner", "planner"), ("researcher.2", "worker")):
        expect(node(page, instance, role)).to_have_attribute("data-state", "done")
    expect(node(page, "planner", "merge")).to_have_attribute("data-state", "done")

    # Every node went from idle through thinking to done, without a reload.
    states: dict[str, list[str]] = page.evaluate("window.__nodeStates")
    assert page.evaluate("window.__noReload") is True
    assert set(states) == {
        "planner/planner",
        "researcher.1/worker",
        "researcher.2/worker",
        "planner/merge",
    }, states
    for key, seen in states.items():
        assert seen[0] == "idle" and seen[-1] == "done", (key, seen)
        assert "thinking" in seen and seen.index("thinking") < seen.index("done"), (key, seen)
        assert "failed" not in seen, (key, seen)
    # The workers thought, called the tool, and thought again with its result.
    for key in ("researcher.1/worker", "researcher.2/worker"):
        seen = states[key]
        assert "calling-tool" in seen, (key, seen)
        calling = seen.index("calling-tool")
        assert "thinking" in seen[:calling] and "thinking" in seen[calling:], (key, seen)
    expect(page.get_by_test_id("run-row").first).to_have_attribute("data-status", "completed")
    screenshot(page, "swarms-after-run.png")

    # The run view: totals, and a timeline row per turn (planner, two turns per worker, merge)
    # with the workers' tool calls under their first turn.
    page.get_by_test_id("run-row").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/swarms/research/runs/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed")
    steps = page.get_by_test_id("timeline-step")
    expect(steps).to_have_count(6)
    for index in range(6):
        expect(steps.nth(index)).to_have_attribute("data-status", "completed")
        expect(steps.nth(index)).to_have_attribute("data-seq", str(index + 1))
    expect(steps.first).to_have_attribute("data-instance", "planner")
    expect(steps.last).to_have_attribute("data-instance", "planner")
    tools = page.get_by_test_id("timeline-tool")
    expect(tools).to_have_count(2)
    expect(tools.first).to_have_attribute("data-tool", "notes__lookup")
    expect(tools.first).to_have_attribute("data-ok", "true")
    assert_tool_calls_sit_inside_their_turns(page)
    expect(page.get_by_test_id("run-tile-cost").get_by_test_id("stat-value")).to_have_text(
        re.compile(r"^\$0\.00\d*[1-9]")
    )
    expect(page.get_by_test_id("run-output")).to_contain_text("echo:")
    steps.last.get_by_role("button").click()
    expect(page.get_by_test_id("timeline-step-output")).to_contain_text("echo: Your workers")
    screenshot(page, "run-view.png")


def test_the_run_view_follows_a_run_live_and_its_cancel_button_stops_it(
    swarm_page: Page, swarm_server: LiveServer
) -> None:
    page = swarm_page
    log_in_with_token(page, swarm_server)
    run_id = start_run(swarm_server, "pipeline", "Write a short note on durable workflows.")
    page.goto(f"/swarms/pipeline/runs/{run_id}")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running")
    page.evaluate(WATCH_STEPS)

    # Turns show as they start (the API has no row for one until it ends) and end live.
    steps = page.get_by_test_id("timeline-step")
    expect(steps.first).to_have_attribute("data-instance", "drafter")
    expect(steps.first).to_have_attribute("data-status", "completed")
    expect(page.locator('[data-testid="timeline-step"][data-status="running"]')).to_have_count(1)
    expect(page.locator('[data-testid="swarm-node"][data-state="thinking"]')).to_have_count(1)
    expect(node(page, "drafter", "agent")).to_have_attribute("data-state", "done")

    page.get_by_role("button", name="Cancel run").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-status", "cancelled", timeout=15_000
    )
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)
    # No turn starts after the cancel: the last agent never got its turn.
    expect(page.locator('[data-testid="timeline-step"][data-instance="publisher"]')).to_have_count(
        0
    )
    expect(node(page, "publisher", "agent")).to_have_attribute("data-state", "idle")
    seen: dict[str, list[str]] = page.evaluate("window.__stepStates")
    assert page.evaluate("window.__noReload") is True
    assert any("running" in states and states[-1] != "running" for states in seen.values()), seen
    assert wait_for_run(swarm_server, run_id)["status"] == "cancelled"


def test_a_run_view_opened_mid_run_shows_who_waits_and_which_tool_is_in_flight(
    swarm_page: Page, swarm_server: LiveServer
) -> None:
    page = swarm_page
    log_in_with_token(page, swarm_server)

    # The ended turns' `done` and `delegations` must come from the API: the event history the
    # page starts from loses its `step.completed` events (as an evicted history would).
    def without_ended_turns(route: Route) -> None:
        response = route.fetch()
        events = [e for e in response.json() if e.get("type") != "step.completed"]
        route.fulfill(response=response, json=events)

    page.route("**/api/events/recent?*", without_ended_turns)
    run_id = start_run(swarm_server, "council", COUNCIL_TASK)
    wait_for_step(swarm_server, run_id, 1)  # the chair has delegated to every member
    page.goto(f"/swarms/council/runs/{run_id}")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running")
    chair = node(page, "chair", "supervisor")
    expect(chair).to_have_attribute("data-state", "waiting")
    expect(chair).to_have_attribute("data-waiting-for", "member.1 member.2 member.3")
    calling = page.locator('[data-testid="swarm-node"][data-state="calling-tool"]')
    expect(calling.first).to_have_attribute("data-tool", "notes__lookup")
    in_flight = page.locator('[data-testid="timeline-tool"][data-state="running"]')
    expect(in_flight.first).to_have_attribute("data-tool", "notes__lookup")
    screenshot(page, "run-view-mid-run.png")

    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-status", "completed", timeout=30_000
    )
    expect(chair).to_have_attribute("data-state", "done")
    # The chair's two turns around two turns per member: the tool call, then the answer.
    steps = page.get_by_test_id("timeline-step")
    expect(steps).to_have_count(8)
    expect(page.locator('[data-testid="timeline-tool"][data-state="ok"]')).to_have_count(3)
    assert_tool_calls_sit_inside_their_turns(page)
    steps.first.get_by_role("button").click()
    expect(page.get_by_test_id("timeline-step-details")).to_contain_text(
        "Delegated to every worker"
    )


def test_the_workflows_page_lists_temporal_executions_with_their_run_and_temporal_ui_links(
    swarm_page: Page, swarm_server: LiveServer
) -> None:
    run_id = start_run(swarm_server, "council", COUNCIL_TASK)
    run = wait_for_run(swarm_server, run_id)
    assert run["status"] == "completed", run["error"]
    page = swarm_page
    log_in_with_token(page, swarm_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workflows").click()
    expect(page).to_have_url(re.compile(r"/workflows$"))

    # Its execution as Temporal reports it, with our side of it: the swarm and the task.
    row = page.locator(f'[data-testid="execution-row"][data-run="{run_id}"]')
    expect(row).to_have_attribute("data-workflow", f"swarm-run-{run_id}")
    expect(row).to_have_attribute("data-status", "completed")
    expect(row).to_contain_text("SwarmRun")
    expect(row).to_contain_text("council")
    expect(row).to_contain_text("Weigh the options")

    # Its page in the embedded dev server's Web UI, in a new tab; it answers.
    deep_link = row.get_by_test_id("execution-ui-link")
    expect(deep_link).to_have_attribute("target", "_blank")
    href = deep_link.get_attribute("href")
    assert href is not None and re.fullmatch(
        rf"http://127\.0\.0\.1:\d+/namespaces/[\w.-]+/workflows/swarm-run-{run_id}/[0-9a-f-]+/history",
        href,
    ), href
    assert httpx.get(href, timeout=10.0, follow_redirects=True).status_code == 200
    # And the Web UI itself from the Temporal card.
    ui = page.get_by_test_id("temporal-ui-link")
    expect(ui).to_have_attribute("target", "_blank")
    ui_href = ui.get_attribute("href")
    assert ui_href is not None and re.fullmatch(r"http://127\.0\.0\.1:\d+/?", ui_href), ui_href
    assert href.startswith(ui_href.rstrip("/") + "/"), (href, ui_href)
    assert httpx.get(ui_href, timeout=10.0, follow_redirects=True).status_code == 200
    expect(page.get_by_test_id("temporal-ui-hint")).to_have_count(0)

    page.get_by_role("radio", name="Cancelled").click()
    expect(row).to_have_count(0)
    page.get_by_role("radio", name="Completed").click()
    expect(row).to_be_visible()
    screenshot(page, "workflows.png")

    row.get_by_test_id("execution-run-link").click()
    expect(page).to_have_url(re.compile(rf"/swarms/council/runs/{run_id}$"))
    expect(page.get_by_test_id("timeline-step")).to_have_count(8)
    expect(node(page, "chair", "supervisor")).to_have_attribute("data-state", "done")
    # A link that knows the run but not its swarm lands there too.
    page.goto(f"/runs/{run_id}")
    expect(page).to_have_url(re.compile(rf"/swarms/council/runs/{run_id}$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed")


def test_scaling_from_the_page_adds_a_worker_to_the_graph(
    swarm_page: Page, swarm_server: LiveServer
) -> None:
    page = swarm_page
    log_in_with_token(page, swarm_server)
    page.goto("/swarms?swarm=council")
    expect(page.get_by_test_id("swarm-node")).to_have_count(4)
    scale = page.get_by_test_id("swarm-scale")
    scale.get_by_label("Agent instances").fill("5")
    scale.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("swarm-node")).to_have_count(5)
    expect(node(page, "member.4", "worker")).to_have_attribute("data-state", "idle")
    expect(page.get_by_test_id("swarm-agent-count")).to_contain_text("5 instances")
    with admin(swarm_server) as client:
        assert client.get("/api/swarms/council").json()["agent_count"] == 5
        restored = client.post("/api/swarms/council/scale", json={"agents": 4})
    assert restored.status_code == 200, restored.text
    # Another's scaling arrives over the `swarms` topic.
    expect(page.get_by_test_id("swarm-node")).to_have_count(4)


def test_who_may_only_watch_sees_swarms_and_runs_but_no_run_scale_or_cancel(
    swarm_page: Page, swarm_server: LiveServer
) -> None:
    with admin(swarm_server) as client:
        role = client.post(
            "/api/roles",
            json={
                "name": "swarm-watcher",
                "permissions": ["swarm:read", "run:read"],
                "inherits": ["viewer"],
            },
        )
        assert role.status_code == 201, role.text
        for name, role_name in (("wanda", "swarm-watcher"), ("vince", "viewer")):
            created = client.post(
                "/api/users", json={"name": name, "password": WANDA_PASSWORD, "role": role_name}
            )
            assert created.status_code == 201, created.text
    page = swarm_page

    log_in_as(page, "wanda", WANDA_PASSWORD)
    page.goto("/swarms?swarm=pipeline")
    expect(page.get_by_test_id("swarm-node")).to_have_count(4)
    expect(page.get_by_test_id("swarm-run-form")).to_have_count(0)
    expect(page.get_by_test_id("swarm-scale")).to_have_count(0)
    run_id = start_run(swarm_server, "pipeline", "Draft, then stop.")
    expect(page.locator(f'[data-testid="run-row"][data-run="{run_id}"]')).to_be_visible()
    page.goto(f"/swarms/pipeline/runs/{run_id}")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running")
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)
    # Runs but not Temporal's executions (no workflow:read): the Workflows page lists runs.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workflows").click()
    expect(page.locator(f'[data-testid="run-row"][data-run="{run_id}"]')).to_be_visible()
    expect(page.get_by_test_id("workflow-executions")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    # A viewer holds neither swarm:read nor run:read: no menu entries, and the pages say why.
    log_in_as(page, "vince", WANDA_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    expect(nav.get_by_role("link", name="Swarms")).to_have_count(0)
    expect(nav.get_by_role("link", name="Workflows")).to_have_count(0)
    page.goto("/swarms")
    expect(page.get_by_test_id("not-allowed")).to_contain_text("swarm:read")
    page.goto("/workflows")
    expect(page.get_by_test_id("not-allowed")).to_contain_text("workflow:read or run:read")
    wait_for_run(swarm_server, run_id)


def test_a_turn_that_failed_shows_its_failed_attempt_in_the_timeline(
    swarm_page: Page, swarm_server: LiveServer
) -> None:
    run_id = start_run(swarm_server, "broken", "Use the model nobody priced.")
    assert wait_for_run(swarm_server, run_id)["status"] == "failed"
    page = swarm_page
    log_in_with_token(page, swarm_server)
    page.goto(f"/swarms/broken/runs/{run_id}")
    # No step was written: the row is the failed attempt's, from the API (not only events).
    attempt = page.locator('[data-testid="timeline-step"][data-status="failed"]').get_by_test_id(
        "timeline-attempt"
    )
    expect(attempt).to_have_attribute("title", re.compile(r"^Attempt 1 failed .*no price is known"))
