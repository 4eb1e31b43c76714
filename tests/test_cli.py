"""The `swarmdeck` command as a user runs it: a real process, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SWARMDECK = str(Path(sys.executable).with_name("swarmdeck"))


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}
    return subprocess.run(
        [SWARMDECK, *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=60,
    )


def test_config_show_never_prints_a_secret(tmp_path: Path) -> None:
    result = run(
        "config",
        "show",
        env={
            "SWARMDECK_DATA_DIR": str(tmp_path),
            "SWARMDECK_ADMIN_TOKEN": "admin-token-value-123",
            "SWARMDECK_SECRET_KEY": "secret-key-value-456",
            "SWARMDECK_DATABASE_URL": "postgresql://u:pg-password-789@127.0.0.1/db",
        },
    )
    assert result.returncode == 0, result.stderr
    for secret in ("admin-token-value-123", "secret-key-value-456", "pg-password-789"):
        assert secret not in result.stdout + result.stderr
    assert "********" in result.stdout
    assert "port: 8005" in result.stdout


def test_config_check_reports_key_path_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("events:\n  heartbeat_seconds: nope\n")
    result = run("config", "check", str(bad))
    assert result.returncode == 2
    assert "events.heartbeat_seconds" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("telemetry:\n  redact_patterns: ['ACME-[0-9]+']\n")
    result = run("config", "check", str(good))
    assert result.returncode == 0, result.stderr


def test_serve_with_invalid_config_exits_nonzero_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "swarmdeck.yaml").write_text("no_such_section: {}\n")
    result = run("serve", "--port", "1", env={"SWARMDECK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "no_such_section" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = run("migrate", env={"SWARMDECK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "swarmdeck.db").exists()
