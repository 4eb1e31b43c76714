"""The built dashboard in Chromium against the real server: login, live feed, settings."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.e2e

# The promise resolves with the browser's wall clock (ms) when the needle shows up in the feed.
WATCH_FEED = """(needle) => {
  window.__feedSeenAt = new Promise((resolve) => {
    const feed = document.querySelector('[data-testid="event-feed"]');
    const seen = () => feed.textContent.includes(needle);
    if (seen()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (seen()) { observer.disconnect(); resolve(Date.now()); }
    });
    observer.observe(feed, { subtree: true, childList: true, characterData: true });
  });
}"""


def log_in(page: Page, token: str) -> None:
    # Password login is the default; the admin token is one click away.
    page.get_by_role("button", name="Use an admin token instead").click()
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_login_live_feed_and_masked_settings(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in to SwarmDeck")).to_be_visible()
    expect(page).to_have_url(f"{live_server.base_url}/login")
    page.screenshot(path=artifacts / "login.png")

    log_in(page, live_server.admin_token)
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    expect(page).to_have_url(f"{live_server.base_url}/")
    indicator = page.get_by_test_id("connection-indicator")
    expect(indicator).to_have_text("connected", timeout=15_000)
    expect(indicator).to_have_attribute("data-state", "connected")
    expect(page.get_by_test_id("component-card").first).to_be_visible()

    marker = f"e2e-{uuid.uuid4().hex}"
    page.evaluate(WATCH_FEED, marker)
    sent = time.time()
    response = httpx.post(
        f"{live_server.base_url}/api/events",
        json={"topic": "system", "type": "e2e.probe", "data": {"marker": marker}},
        headers={"authorization": f"Bearer {live_server.admin_token}"},
        timeout=5.0,
    )
    returned = time.time()
    assert response.status_code == 202, response.text
    feed = page.get_by_test_id("event-feed")
    expect(feed.get_by_text(marker)).to_be_visible(timeout=1_000)
    seen_at_ms: float = page.evaluate("window.__feedSeenAt")
    latency_ms = seen_at_ms - returned * 1000
    (artifacts / "e2e-latency.json").write_text(
        json.dumps(
            {
                "post_round_trip_ms": round((returned - sent) * 1000, 1),
                "post_returned_to_visible_ms": round(latency_ms, 1),
                "post_sent_to_visible_ms": round(seen_at_ms - sent * 1000, 1),
            },
            indent=2,
        )
    )
    print(f"\nevent visible {latency_ms:.0f} ms after POST /api/events returned")
    assert latency_ms < 1_000
    row = feed.get_by_test_id("feed-row").filter(has_text=marker)
    expect(row).to_contain_text("system")
    expect(row).to_contain_text("e2e.probe")
    page.screenshot(path=artifacts / "overview.png")

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(page).to_have_url(f"{live_server.base_url}/settings")
    settings = page.get_by_test_id("effective-settings")
    expect(settings.get_by_text("********").first).to_be_visible()
    expect(page.get_by_test_id("file-config")).to_be_visible()
    assert live_server.admin_token not in page.content()
    assert live_server.admin_token not in page.locator("body").inner_text()
    page.screenshot(path=artifacts / "settings.png", full_page=True)


def test_wrong_token_shows_error_on_login_page(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/")
    log_in(page, "not-the-admin-token")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("not accepted")
    expect(page).to_have_url(f"{live_server.base_url}/login")
    expect(page.get_by_test_id("connection-indicator")).to_have_count(0)
    page.screenshot(path=artifacts / "login-error.png")


def test_deep_link_returns_to_its_page_after_login(page: Page, live_server: LiveServer) -> None:
    page.goto("/settings")
    expect(page).to_have_url(f"{live_server.base_url}/login?next=%2Fsettings")
    log_in(page, live_server.admin_token)
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    expect(page).to_have_url(f"{live_server.base_url}/settings")


def test_logout_ends_the_session(page: Page, live_server: LiveServer) -> None:
    page.goto("/")
    log_in(page, live_server.admin_token)
    expect(page.get_by_test_id("current-user")).to_be_visible()

    # Logout is a POST: it only succeeds when the client sends the CSRF header.
    with page.expect_response("**/api/logout") as logout:
        page.get_by_role("button", name="Log out").click()
    assert logout.value.status == 204
    expect(page.get_by_role("heading", name="Sign in to SwarmDeck")).to_be_visible()
    assert page.request.get("/api/me").status == 401
    page.reload()
    expect(page.get_by_role("heading", name="Sign in to SwarmDeck")).to_be_visible()
