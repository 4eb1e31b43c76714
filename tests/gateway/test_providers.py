"""Each provider adapter builds the request its API expects, with its own credentials."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from swarmdeck.gateway.config import ProviderConfig
from swarmdeck.gateway.providers import ProviderKeyMissing, build_provider


def test_openai_wire_providers_get_a_bearer_key_and_the_path_appended() -> None:
    provider = build_provider(
        "openrouter",
        ProviderConfig(
            type="openai",
            base_url="https://openrouter.ai/api/v1/",
            api_key=SecretStr("sk-or"),
            headers={"x-title": "swarmdeck"},
        ),
    )
    request = provider.request("chat", b"{}")
    assert request.url == "https://openrouter.ai/api/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-or"
    assert request.headers["x-title"] == "swarmdeck"


def test_azure_style_urls_keep_their_api_version_and_send_an_api_key_header() -> None:
    provider = build_provider(
        "azure",
        ProviderConfig(
            type="openai",
            base_url="https://acme.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21",
            api_key=SecretStr("azure-key"),
        ),
    )
    request = provider.request("chat", b"{}")
    assert request.url == (
        "https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions"
        "?api-version=2024-10-21"
    )
    assert request.headers["api-key"] == "azure-key"
    assert "authorization" not in request.headers


def test_anthropic_gets_its_version_header_and_x_api_key() -> None:
    for base in ("https://api.anthropic.com", "https://api.anthropic.com/v1"):
        provider = build_provider(
            "claude", ProviderConfig(type="anthropic", base_url=base, api_key=SecretStr("sk-ant"))
        )
        request = provider.request("chat", b"{}")
        assert request.url == "https://api.anthropic.com/v1/messages"
        assert request.headers["x-api-key"] == "sk-ant"
        assert request.headers["anthropic-version"] == "2023-06-01"


def test_keyless_local_servers_send_no_credentials() -> None:
    provider = build_provider(
        "ollama", ProviderConfig(type="openai", base_url="http://127.0.0.1:11434/v1")
    )
    request = provider.request("embeddings", b"{}")
    assert request.url == "http://127.0.0.1:11434/v1/embeddings"
    assert "authorization" not in request.headers


def test_a_key_named_by_an_unset_environment_variable_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOT_SET_KEY", raising=False)
    with pytest.raises(ProviderKeyMissing, match="NOT_SET_KEY is not set"):
        build_provider(
            "openai",
            ProviderConfig(type="openai", base_url="https://x/v1", api_key_env="NOT_SET_KEY"),
        )
    monkeypatch.setenv("NOT_SET_KEY", "sk-env")
    provider = build_provider(
        "openai", ProviderConfig(type="openai", base_url="https://x/v1", api_key_env="NOT_SET_KEY")
    )
    assert provider.request("models", None).headers["authorization"] == "Bearer sk-env"
