"""Access and Audit in Chromium against the real server: users, show-once keys, a viewer kept
out, and the audit log updating live."""

from __future__ import annotations

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

VERA_PASSWORD = "vera-correct-horse-42"

# Resolves with the browser's wall clock (ms) when an audit row for `name` with an action other
# than `skip` appears; the page is not reloaded, so only the live stream can put it there.
WATCH_AUDIT = """([name, skip]) => {
  window.__auditSeenAt = new Promise((resolve) => {
    const table = document.querySelector('[data-testid="audit-log"]');
    const seen = () => [...table.querySelectorAll('[data-testid="audit-row"]')].some(
      (row) => row.textContent.includes(name) && !skip.includes(row.dataset.action));
    if (seen()) return resolve(Date.now());
    const observer = new MutationObserver(() => {
      if (seen()) { observer.disconnect(); resolve(Date.now()); }
    });
    observer.observe(table, { subtree: true, childList: true, characterData: true });
  });
}"""


def log_in_with_token(page: Page, token: str) -> None:
    page.get_by_role("button", name="Use an admin token instead").click()
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def log_in_with_password(page: Page, name: str, password: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(name)


def admin_api(server: LiveServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url,
        headers={"authorization": f"Bearer {server.admin_token}"},
        timeout=5.0,
    )


def test_admin_creates_viewer_whose_key_shows_once_and_who_is_kept_out(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/")
    log_in_with_token(page, live_server.admin_token)
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Access").click()
    expect(page).to_have_url(f"{live_server.base_url}/access/users")

    # A user through the Add user dialog.
    page.get_by_role("button", name="Add user").click()
    dialog = page.get_by_role("dialog", name="Add user")
    dialog.get_by_label("Name").fill("vera")
    dialog.get_by_label("Password", exact=True).fill(VERA_PASSWORD)
    dialog.get_by_label("Role").select_option("viewer")
    dialog.get_by_role("button", name="Add user").click()
    expect(dialog).to_have_count(0)
    vera_row = page.get_by_test_id("user-row").filter(has_text="vera")
    expect(vera_row).to_contain_text("viewer")
    expect(vera_row).to_contain_text("active")

    # A key for her: the secret is shown once, in its own dialog.
    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Create key").click()
    dialog = page.get_by_role("dialog", name="Create API key")
    dialog.get_by_label("Owner").select_option("vera")
    dialog.get_by_label("Key name").fill("vera-laptop")
    dialog.get_by_label("Expires").select_option(label="In 30 days")
    dialog.get_by_role("button", name="Create key").click()
    shown = page.get_by_role("dialog", name="Your new API key")
    expect(shown).to_contain_text("will not be shown again")
    key = shown.get_by_test_id("new-key").inner_text().strip()
    assert key.startswith("sdk-"), key
    shown.get_by_role("button", name="I have stored it").click()
    expect(shown).to_have_count(0)

    # Afterwards only the last four characters are anywhere in the page.
    key_row = page.get_by_test_id("key-row").filter(has_text="vera-laptop")
    expect(key_row.get_by_test_id("key-last4")).to_have_text(key[-4:])
    expect(key_row).to_contain_text("vera")
    expect(key_row).to_contain_text("active")
    assert key not in page.content()
    assert key not in page.locator("body").inner_text()
    page.screenshot(path=artifacts / "access.png")

    # The key works, as vera.
    me = httpx.get(
        f"{live_server.base_url}/api/me", headers={"authorization": f"Bearer {key}"}, timeout=5.0
    )
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "vera"

    # Vera, a viewer, signs in with her password and sees neither Access nor Audit.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in to SwarmDeck")).to_be_visible()
    log_in_with_password(page, "vera", VERA_PASSWORD)
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Overview")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Access")).to_have_count(0)
    expect(main_nav.get_by_role("link", name="Audit")).to_have_count(0)

    page.goto("/access")
    not_allowed = page.get_by_test_id("not-allowed")
    expect(not_allowed).to_contain_text("You are not allowed to view Access")
    expect(not_allowed).to_contain_text("viewer")
    expect(page.get_by_role("button", name="Add user")).to_have_count(0)
    page.screenshot(path=artifacts / "viewer.png")

    page.goto("/audit")
    expect(page.get_by_test_id("not-allowed")).to_contain_text("not allowed to view the audit log")
    assert page.request.get("/api/audit").status == 403


def test_audit_log_shows_changes_live_and_verifies(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    name = f"aud-{uuid.uuid4().hex[:8]}"
    with admin_api(live_server) as api:
        created = api.post(
            "/api/users", json={"name": name, "password": "audit-password-123", "role": "viewer"}
        )
        assert created.status_code == 201, created.text
        key = api.post("/api/keys", json={"user": name, "name": f"{name}-ci"})
        assert key.status_code == 201, key.text

    page.goto("/")
    log_in_with_token(page, live_server.admin_token)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    expect(page).to_have_url(f"{live_server.base_url}/audit")
    log = page.get_by_test_id("audit-log")
    rows = log.get_by_test_id("audit-row")
    expect(log.locator('[data-action="user.create"]').filter(has_text=name)).to_be_visible()
    expect(log.locator('[data-action="key.create"]').first).to_be_visible()
    expect(page.get_by_role("switch", name="Live tail")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("connection-indicator")).to_have_text("connected", timeout=15_000)

    # A change made elsewhere shows up without a reload.
    page.evaluate("window.__notReloaded = true")
    page.evaluate(WATCH_AUDIT, [name, ["user.create", "key.create"]])
    with admin_api(live_server) as api:
        disabled = api.patch(f"/api/users/{name}", json={"disabled": True})
    returned = time.time()
    assert disabled.status_code == 200, disabled.text
    change = rows.filter(has_text=name).first
    expect(change).to_be_visible(timeout=2_000)
    seen_at_ms: float = page.evaluate("window.__auditSeenAt")
    latency_ms = seen_at_ms - returned * 1000
    print(f"\naudit record visible {latency_ms:.0f} ms after the PATCH returned")
    assert latency_ms < 2_000
    assert page.evaluate("window.__notReloaded") is True
    assert change.get_attribute("data-action") not in ("user.create", "key.create")

    # Expanding the live row fetches the server's copy, details included.
    change.click()
    expect(log.get_by_test_id("audit-details").first).to_be_visible()

    page.get_by_role("button", name="Verify chain").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_have_attribute("data-ok", "true")
    expect(result).to_contain_text("Chain intact")

    export = page.get_by_role("link", name="Export CSV")
    expect(export).to_have_attribute("href", "/api/audit/export?format=csv")
    with page.expect_download() as download:
        export.click()
    assert download.value.suggested_filename.endswith(".csv")
    page.screenshot(path=artifacts / "audit.png")
