"""Session fixtures for the browser tests: the real server on a free port, and Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = REPO_ROOT / "src" / "swarmdeck" / "web_dist"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    admin_token: str
    data_dir: Path
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_env(data_dir: Path, token: str, extra: Mapping[str, str]) -> dict[str, str]:
    # Only this run's settings: a developer's SWARMDECK_* variables must not leak into the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    env.update(extra)
    env["SWARMDECK_DATA_DIR"] = str(data_dir)
    env["SWARMDECK_ADMIN_TOKEN"] = token
    return env


def _wait_ready(process: subprocess.Popen[bytes], server: LiveServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"swarmdeck serve exited with {process.returncode} before it was ready:\n"
                    + server.log_tail()
                )
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    pytest.fail(f"swarmdeck serve not ready within {READY_TIMEOUT_S:.0f}s:\n" + server.log_tail())


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def serve(
    root: Path, config_yaml: str | None = None, env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """Run `swarmdeck serve` under `root` (with `config_yaml` as its YAML file and `env`'s
    settings, e.g. `SWARMDECK_TEMPORAL_UI`) until exit."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(
            f"The dashboard is not built ({WEB_DIST / 'index.html'} is missing). "
            "Run `make install` (it builds web/ into src/swarmdeck/web_dist/) and try again."
        )
    swarmdeck = Path(sys.executable).with_name("swarmdeck")
    if not swarmdeck.is_file():
        pytest.fail(f"{swarmdeck} not found: install the package into this environment first.")

    data_dir = root / "data"
    data_dir.mkdir()
    if config_yaml is not None:
        (data_dir / "swarmdeck.yaml").write_text(config_yaml)
    port = _free_port()
    server = LiveServer(
        base_url=f"http://127.0.0.1:{port}",
        admin_token=f"sd-e2e-{secrets.token_urlsafe(24)}",
        data_dir=data_dir,
        log_path=root / "server.log",
    )
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(swarmdeck), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_server_env(data_dir, server.admin_token, env or {}),
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            _wait_ready(process, server)
            yield server
        finally:
            _stop(process)


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`swarmdeck serve` as a real subprocess with its own data dir and admin token."""
    with serve(tmp_path_factory.mktemp("e2e-server")) as server:
        yield server


# Package-scoped, not session-scoped: Playwright's sync API keeps an event loop running
# in this thread while it lives, and the async tests collected after tests/e2e need it gone.
@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Debian's Chromium: Playwright never downloads a browser of its own here."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium`.")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@contextlib.contextmanager
def browsing(
    browser: Browser, server: LiveServer, *, permissions: Sequence[str] = ()
) -> Iterator[BrowserContext]:
    """A fresh cookie jar on `server`, at the dashboard's usual size, closed after."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    if permissions:
        context.grant_permissions(list(permissions))
    try:
        yield context
    finally:
        context.close()


def admin(server: LiveServer, timeout: float = 10.0) -> httpx.Client:
    """An HTTP client with the server's admin token."""
    return httpx.Client(
        base_url=server.base_url,
        headers={"authorization": f"Bearer {server.admin_token}"},
        timeout=timeout,
    )


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh cookie jar per test, so tests do not depend on each other's logins."""
    with browsing(browser, live_server) as context:
        yield context


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="package")
def artifacts() -> Path:
    """Where screenshots go (git-ignored), for a person or CI to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
