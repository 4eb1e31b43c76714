"""The Costs and Gateway pages in Chromium against a server whose gateway calls a fake provider:
spend tiles that move within a second of an SDK call, without a reload, and the playground."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, LiveServer, browsing, serve

pytestmark = pytest.mark.e2e

FAKE_KEY = "sk-e2e-fake-provider"
VERA_PASSWORD = "vera-correct-horse-42"
# Screenshots go to the git-ignored artifacts folder, and to the temp dir for a quick look.
SCREENSHOT_DIRS = (ARTIFACTS, Path(tempfile.gettempdir()))

# Resolves with the browser's wall clock (ms) when the hour tile's number is no longer `before`;
# the page is not reloaded, so only the live stream can change it.
WATCH_TILE = """(before) => {
  window.__tileChangedAt = new Promise((resolve) => {
    const tile = document.querySelector('[data-testid="spend-tile-1h"]');
    const changed = () => {
      const value = tile.querySelector('[data-testid="stat-value"]');
      return value !== null && value.textContent !== before;
    };
    if (changed()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (changed()) { observer.disconnect(); resolve(Date.now()); }
    });
    observer.observe(tile, { subtree: true, childList: true, characterData: true });
  });
}"""


def gateway_yaml(provider_url: str) -> str:
    """Aliases `gpt` and `claude` on the fake provider at hand-checkable prices, a swarm budget
    with a low alert, the exact cache on, and alerts evaluated twice a second."""
    price_gpt = {"input_per_mtok": "2.5", "output_per_mtok": "10"}
    price_claude = {"input_per_mtok": "3", "output_per_mtok": "15"}
    config: dict[str, Any] = {
        "providers": {
            "oai": {"type": "openai", "base_url": f"{provider_url}/v1", "api_key": FAKE_KEY},
            "ant": {"type": "anthropic", "base_url": provider_url, "api_key": FAKE_KEY},
        },
        "models": [
            {
                "name": "gpt",
                "deployments": [{"provider": "oai", "model": "gpt-4o"}],
                "price": price_gpt,
            },
            {
                "name": "claude",
                "deployments": [{"provider": "ant", "model": "claude-sonnet-4"}],
                "price": price_claude,
            },
            {
                "name": "flaky",
                "deployments": [{"provider": "oai", "model": "flaky-model"}],
                "fallbacks": ["claude"],
                "price": price_gpt,
            },
        ],
        "budgets": {"swarms": {"research": {"alert_per_day": "0.0001", "limit_per_day": "0.05"}}},
        "cache": {"exact": {"enabled": True}, "semantic": {"enabled": False}},
        "alerts": {"check_seconds": 0.5},
    }
    return yaml.safe_dump(config, sort_keys=False)


@pytest.fixture(scope="module")
def fake_provider() -> Iterator[str]:
    """The fake provider as its own process (both wire formats), answering `echo: <text>`."""
    command = [sys.executable, "-m", "swarmdeck.testing.fake_provider", "--key", FAKE_KEY]
    process = subprocess.Popen(
        [*command, "--port", "0", "--latency", "0.02"],
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


@dataclass(frozen=True)
class Caller:
    """A user with an API key, as an agent's SDK would hold it."""

    name: str
    key_id: str
    key: str


@pytest.fixture(scope="module")
def gateway_server(
    tmp_path_factory: pytest.TempPathFactory, fake_provider: str
) -> Iterator[LiveServer]:
    """`swarmdeck serve` whose gateway routes to the fake provider."""
    with serve(tmp_path_factory.mktemp("e2e-gateway"), gateway_yaml(fake_provider)) as server:
        yield server


@pytest.fixture(scope="module")
def vera(gateway_server: LiveServer) -> Caller:
    """An operator with a key of her own, so calls are charged to a user and a key."""
    with httpx.Client(
        base_url=gateway_server.base_url,
        headers={"authorization": f"Bearer {gateway_server.admin_token}"},
        timeout=5.0,
    ) as admin:
        created = admin.post(
            "/api/users", json={"name": "vera", "password": VERA_PASSWORD, "role": "operator"}
        )
        assert created.status_code == 201, created.text
        key = admin.post("/api/keys", json={"user": "vera", "name": "research-bot"})
        assert key.status_code == 201, key.text
        body = key.json()
    return Caller(name="vera", key_id=body["id"], key=body["key"])


@pytest.fixture
def gw_page(browser: Browser, gateway_server: LiveServer) -> Iterator[Page]:
    with browsing(browser, gateway_server) as context:
        yield context.new_page()


def sdk(server: LiveServer, api_key: str, **headers: str) -> openai.OpenAI:
    """The official OpenAI SDK, unchanged, pointed at SwarmDeck's /v1."""
    return openai.OpenAI(
        base_url=f"{server.base_url}/v1", api_key=api_key, default_headers=headers, max_retries=0
    )


def log_in(page: Page, server: LiveServer) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Use an admin token instead").click()
    page.get_by_label("Admin token").fill(server.admin_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    expect(page.get_by_test_id("connection-indicator")).to_have_text("connected", timeout=15_000)


def screenshot(page: Page, name: str) -> None:
    """The whole page at once: a viewport as tall as the page keeps the sticky sidebar in place."""
    page.wait_for_timeout(400)  # let the last refetch settle before the picture
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(900, height)})
    page.wait_for_timeout(200)
    ARTIFACTS.mkdir(exist_ok=True)
    for folder in SCREENSHOT_DIRS:
        page.screenshot(path=folder / name)


def hour_total(server: LiveServer) -> str:
    response = httpx.get(
        f"{server.base_url}/api/costs/summary",
        params={"window": "1h", "group_by": "model"},
        headers={"authorization": f"Bearer {server.admin_token}"},
        timeout=5.0,
    )
    assert response.status_code == 200, response.text
    total: str = response.json()["total_usd"]
    return total


def test_hour_spend_tile_moves_within_a_second_of_an_sdk_call(
    gw_page: Page, gateway_server: LiveServer, vera: Caller
) -> None:
    page = gw_page
    log_in(page, gateway_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Costs").click()
    expect(page.get_by_role("heading", name="Costs", exact=True)).to_be_visible()
    tile = page.get_by_test_id("spend-tile-1h")
    value = tile.get_by_test_id("stat-value")
    expect(value).to_be_visible()
    before = value.inner_text()

    page.evaluate(WATCH_TILE, before)
    planner = {"x-swarmdeck-swarm": "research", "x-swarmdeck-agent": "planner"}
    with sdk(gateway_server, vera.key, **planner) as agent:
        answer = agent.chat.completions.create(
            model="gpt",
            messages=[
                {"role": "user", "content": "Summarise the quarterly spend report in one line"}
            ],
            max_tokens=64,
        )
    returned = time.time()
    assert answer.choices[0].message.content == (
        "echo: Summarise the quarterly spend report in one line"
    )
    expect(value).not_to_have_text(before, timeout=1_000)
    changed_at_ms: float = page.evaluate("window.__tileChangedAt")
    latency_ms = changed_at_ms - returned * 1000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "costs-latency.json").write_text(
        json.dumps({"call_returned_to_hour_tile_changed_ms": round(latency_ms, 1)}, indent=2)
    )
    assert latency_ms < 1_000

    # More traffic from other swarms, agents, models and callers; the page keeps up, exactly.
    writer = {"x-swarmdeck-swarm": "support", "x-swarmdeck-agent": "writer"}
    with sdk(gateway_server, vera.key, **writer) as agent:
        for i in range(3):
            agent.chat.completions.create(
                model="claude",
                messages=[{"role": "user", "content": f"Draft reply number {i} to the customer"}],
                max_tokens=64,
            )
    with sdk(
        gateway_server, gateway_server.admin_token, **{"x-swarmdeck-swarm": "research"}
    ) as admin:
        admin.chat.completions.create(
            model="gpt",
            messages=[{"role": "user", "content": "Plan the next research sprint"}],
            max_tokens=64,
        )
    expect(tile).to_have_attribute("data-usd", hour_total(gateway_server), timeout=2_000)
    swarms = page.get_by_test_id("spend-by-swarm").get_by_test_id("swarm-row")
    for swarm in ("research", "support"):
        expect(swarms.filter(has_text=swarm)).to_be_visible()
    expect(page.get_by_test_id("top-users")).to_contain_text("vera")
    expect(page.get_by_test_id("top-keys").get_by_title(vera.key_id)).to_be_visible()
    expect(page.get_by_test_id("spend-chart")).to_contain_text("claude")
    research = (
        page.get_by_test_id("budgets").get_by_test_id("budget-row").filter(has_text="research")
    )
    expect(research).to_be_visible()
    # The research swarm crossed its $0.0001/day alert: the alert arrives on the stream.
    expect(page.get_by_test_id("alerts").get_by_test_id("alert-row").first).to_be_visible(
        timeout=5_000
    )
    screenshot(page, "costs.png")


def test_gateway_page_shows_deployments_requests_and_a_playground_chat(
    gw_page: Page, gateway_server: LiveServer, vera: Caller
) -> None:
    page = gw_page
    log_in(page, gateway_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Gateway").click()
    expect(page.get_by_role("heading", name="Gateway", exact=True)).to_be_visible()
    models = page.get_by_test_id("gateway-models")
    for alias in ("gpt", "claude", "flaky"):
        expect(
            models.locator(f'[data-testid="gateway-model"][data-model="{alias}"]')
        ).to_be_visible()
    expect(models.get_by_test_id("gateway-deployment").first).to_contain_text("Closed")

    # A call from an agent appears in the recent requests without a reload.
    requests = page.get_by_test_id("recent-requests")
    with sdk(gateway_server, vera.key, **{"x-swarmdeck-agent": "e2e-probe"}) as agent:
        agent.chat.completions.create(
            model="gpt", messages=[{"role": "user", "content": "probe the request table"}]
        )
    expect(requests.get_by_test_id("request-row").first).to_contain_text("e2e-probe", timeout=1_000)

    playground = page.get_by_test_id("playground")
    playground.get_by_label("Model").select_option("claude")
    playground.get_by_label("Cache").select_option("exact")
    message = f"What is the capital of France? ({time.time_ns()})"
    playground.get_by_label("Message").fill(message)
    playground.get_by_role("button", name="Send").click()
    expect(playground.get_by_test_id("playground-answer")).to_have_text(f"echo: {message}")
    expect(playground.get_by_test_id("playground-cache")).to_have_text("miss")
    expect(playground.get_by_test_id("playground-tokens")).to_have_text(re.compile(r"^\d+ / \d+$"))
    expect(playground.get_by_test_id("playground-cost")).to_have_text(re.compile(r"^\$0\.0\d+$"))
    expect(playground.get_by_test_id("playground-latency")).to_have_text(re.compile(r"\d.* ms"))

    # The same question again is answered from the exact cache, at no cost.
    playground.get_by_role("button", name="Send").click()
    expect(playground.get_by_test_id("playground-cache")).to_have_text("hit")
    expect(playground.get_by_test_id("playground-cost")).to_have_text("$0.00")
    expect(requests.get_by_test_id("request-row").first).to_contain_text("hit")
    screenshot(page, "gateway.png")


def test_a_role_without_cost_permissions_sees_neither_page(
    gw_page: Page, gateway_server: LiveServer
) -> None:
    # Built-in roles all read costs; an agents-only role does not.
    with httpx.Client(
        base_url=gateway_server.base_url,
        headers={"authorization": f"Bearer {gateway_server.admin_token}"},
        timeout=5.0,
    ) as admin:
        role = admin.post(
            "/api/roles",
            json={"name": "agent-runner", "permissions": ["dashboard:read", "model:execute"]},
        )
        assert role.status_code == 201, role.text
        user = admin.post(
            "/api/users", json={"name": "otto", "password": VERA_PASSWORD, "role": "agent-runner"}
        )
        assert user.status_code == 201, user.text
    page = gw_page
    page.goto("/login")
    page.get_by_label("Name").fill("otto")
    page.get_by_label("Password", exact=True).fill(VERA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_contain_text("otto")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    expect(nav.get_by_role("link", name="Costs")).to_have_count(0)
    expect(nav.get_by_role("link", name="Gateway")).to_have_count(0)
    page.goto("/costs")
    expect(page.get_by_test_id("not-allowed")).to_contain_text("costs:read")
    page.goto("/gateway")
    expect(page.get_by_test_id("not-allowed")).to_contain_text("gateway:read")
