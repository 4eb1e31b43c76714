"""Settings from env and the YAML file: validation messages, defaults, secrets masked."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from swarmdeck.config import (
    MASK,
    ConfigError,
    Settings,
    effective_settings,
    load_file_config,
    load_settings,
    mask_url,
    normalise_database_url,
    resolve_secret_key,
)


def test_env_settings_use_the_swarmdeck_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMDECK_PORT", "9001")
    monkeypatch.setenv("SWARMDECK_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.port == 9001
    assert settings.log_level == "DEBUG"
    assert settings.host == "127.0.0.1"


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWARMDECK_PORT", "not-a-port")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "SWARMDECK_PORT" in str(caught.value)


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert (
        settings.effective_database_url()
        == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'swarmdeck.db'}"
    )
    assert settings.embedded


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_yaml_error_names_the_key_path(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text("events:\n  buffer_size: -3\n")
    with pytest.raises(ConfigError) as caught:
        load_file_config(path)
    message = str(caught.value)
    assert "events.buffer_size" in message
    assert "greater than or equal to 10" in message


def test_yaml_unknown_key_is_an_error_not_ignored(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text("telemetry:\n  servce_name: typo\n")
    with pytest.raises(ConfigError, match=r"telemetry\.servce_name"):
        load_file_config(path)


def test_yaml_bad_regex_is_named(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text("telemetry:\n  redact_patterns: ['ok', '(unclosed']\n")
    with pytest.raises(ConfigError, match=r"telemetry\.redact_patterns.*unclosed"):
        load_file_config(path)


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text("events:\n  buffer_size: [1, 2\n")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+"):
        load_file_config(path)


def test_yaml_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_file_config(path)


def test_config_file_defaults_to_the_data_dir(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).config_path() is None
    (tmp_path / "swarmdeck.yaml").write_text("events: {buffer_size: 50}\n")
    path = Settings(data_dir=tmp_path).config_path()
    assert path == tmp_path / "swarmdeck.yaml"
    assert load_file_config(path).events.buffer_size == 50


def test_secret_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = resolve_secret_key(settings)
    second = resolve_secret_key(settings)
    assert first == second
    assert len(first) >= 32
    mode = stat.S_IMODE(os.stat(tmp_path / "data" / "secret_key").st_mode)
    assert mode == 0o600


def test_configured_secret_key_wins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=SecretStr("configured-secret"))
    assert resolve_secret_key(settings) == b"configured-secret"
    assert not (tmp_path / "secret_key").exists()


def test_effective_settings_mask_every_secret(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        admin_token=SecretStr("tok-very-secret"),
        secret_key=SecretStr("key-very-secret"),
        database_url="postgresql://app:db-very-secret@db.internal:5432/swarmdeck",
        redis_url="redis://:redis-very-secret@cache:6379/0",
    )
    shown = effective_settings(settings)
    text = repr(shown)
    for secret in ("tok-very-secret", "key-very-secret", "db-very-secret", "redis-very-secret"):
        assert secret not in text
    assert shown["admin_token"] == MASK
    assert shown["database_url"] == f"postgresql+asyncpg://app:{MASK}@db.internal:5432/swarmdeck"


def test_mask_url_leaves_passwordless_urls_alone() -> None:
    assert mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
