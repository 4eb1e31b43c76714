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


GATEWAY_YAML = """
providers:
  openai: {type: openai, base_url: https://api.openai.com/v1, api_key_env: OPENAI_API_KEY}
  claude: {type: anthropic, base_url: https://api.anthropic.com, api_key: sk-ant-secret}
models:
  - name: gpt-4o
    deployments: [{provider: openai, model: gpt-4o, weight: 1, rpm: 500}]
    fallbacks: [claude-3-5-sonnet]
    price: {input_per_mtok: 2.5, output_per_mtok: 10}
  - name: claude-3-5-sonnet
    deployments: [{provider: claude, model: claude-3-5-sonnet-latest}]
budgets:
  global: {alert_per_hour: 500, limit_per_hour: 1000}
  swarms: {research: {limit_per_day: 50}}
  users: {vera: {alert_per_day: 5, limit_per_day: 10}}
rate_limits: {keys: {default: {rpm: 100, tokens_per_hour: 1000000}}}
cache: {exact: {ttl: 24h}, semantic: {enabled: true, threshold: 0.95, ttl: 24h}}
alerts:
  channels:
    - {type: slack, webhook_url: "https://hooks.slack.com/services/T/B/X"}
    - {type: email, smtp_host: mail.local, to: [ops@example.com]}
    - {type: webhook, url: "https://hooks.example.com/spend", secret: s3cret}
"""


def test_the_gateway_example_config_validates(tmp_path: Path) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text(GATEWAY_YAML)
    config = load_file_config(path)
    assert [model.name for model in config.models] == ["gpt-4o", "claude-3-5-sonnet"]
    assert config.cache.exact.ttl == 86400.0
    assert config.budgets.global_.limits() == {"hour": 1000}
    assert config.budgets.users["vera"].alerts() == {"day": 5}
    assert config.alerts.channels[2].type == "webhook"


def test_budgets_default_to_alert_at_500_and_limit_at_1000_an_hour() -> None:
    from swarmdeck.config import FileConfig

    budgets = FileConfig().budgets.global_
    assert budgets.alerts() == {"hour": 500}
    assert budgets.limits() == {"hour": 1000}


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        (
            "models: [{name: a, deployments: [{provider: nope, model: m}]}]",
            "unknown provider 'nope'",
        ),
        (
            "providers: {p: {type: openai, base_url: 'http://x'}}\n"
            "models: [{name: a, deployments: [{provider: p, model: m}], fallbacks: [b]}]",
            "unknown model 'b'",
        ),
        ("providers: {p: {type: cohere, base_url: 'http://x'}}", "providers.p.type"),
        ("providers: {p: {type: openai, base_url: 'ftp://x'}}", "not an http(s) URL"),
        ("cache: {exact: {ttl: soon}}", "not a duration"),
        ("gateway: {unpriced: default}", "needs a default_price"),
        ("alerts: {channels: [{type: pager}]}", "alerts.channels[0]"),
    ],
)
def test_bad_gateway_config_names_the_problem(tmp_path: Path, fragment: str, message: str) -> None:
    path = tmp_path / "swarmdeck.yaml"
    path.write_text(fragment)
    with pytest.raises(ConfigError) as caught:
        load_file_config(path)
    assert message in str(caught.value)


def test_config_show_masks_provider_keys(tmp_path: Path) -> None:
    from swarmdeck.config import masked

    path = tmp_path / "swarmdeck.yaml"
    path.write_text(GATEWAY_YAML)
    shown = str(masked(load_file_config(path)))
    assert "OPENAI_API_KEY" in shown  # the name of the variable is no secret
    assert "sk-ant-secret" not in shown
    assert "s3cret" not in shown
    assert "hooks.slack.com/services/T/B/X" not in shown


def test_mcp_server_headers_and_env_are_masked(tmp_path: Path) -> None:
    from swarmdeck.config import masked

    path = tmp_path / "swarmdeck.yaml"
    path.write_text(
        "mcp_servers:\n"
        "  git: {command: uvx, args: [mcp-server-git], env: {GIT_PAT: ghp_secretvalue}}\n"
        "  remote: {url: 'https://tools.example.com/mcp', headers: {X-Team: abc-secret}}\n"
    )
    config = load_file_config(path)
    assert config.mcp_servers["git"].replicas == 1
    shown = str(masked(config))
    assert "ghp_secretvalue" not in shown and "abc-secret" not in shown
    assert "GIT_PAT" in shown and "mcp-server-git" in shown
