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


def test_users_and_keys_from_the_cli_are_real_and_audited(tmp_path: Path) -> None:
    env = {"SWARMDECK_DATA_DIR": str(tmp_path)}
    added = subprocess.run(
        [SWARMDECK, "users", "add", "vera", "--role", "viewer", "--password-stdin"],
        input="a-long-enough-password\n",
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}, **env},
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    assert "vera" in run("users", "list", env=env).stdout
    assert run("users", "set-role", "vera", "operator", env=env).returncode == 0
    assert "operator" in run("users", "list", env=env).stdout
    created = run("keys", "create", "--user", "vera", "--name", "laptop", env=env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("sdk-")
    listed = run("keys", "list", env=env)
    assert key not in listed.stdout
    assert key[-4:] in listed.stdout
    key_id = created.stdout.split("key ", 1)[1].split(" ", 1)[0]
    assert run("keys", "revoke", key_id, env=env).returncode == 0
    assert run("users", "disable", "vera", env=env).returncode == 0
    exported = run("audit", "export", "--format", "json", env=env)
    assert exported.returncode == 0, exported.stderr
    for action in ("user.create", "user.update", "key.create", "key.revoke"):
        assert action in exported.stdout
    assert key not in exported.stdout
    assert "a-long-enough-password" not in exported.stdout
    verified = run("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout


def test_cli_refusals_are_clear_not_tracebacks(tmp_path: Path) -> None:
    env = {"SWARMDECK_DATA_DIR": str(tmp_path)}
    missing = run("users", "set-role", "nobody", "viewer", env=env)
    assert missing.returncode == 1
    assert "not_found" in missing.stderr
    assert "Traceback" not in missing.stderr
    weak = subprocess.run(
        [SWARMDECK, "users", "add", "x", "--password-stdin"],
        input="short\n",
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("SWARMDECK_")}, **env},
        timeout=60,
    )
    assert weak.returncode == 1
    assert "12 characters" in weak.stderr
