"""The cost sections of the YAML file: budgets and alert channels."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

WINDOW_SECONDS: dict[str, float] = {
    "hour": 3600.0,
    "day": 86400.0,
    "week": 604800.0,
    "month": 2592000.0,  # 30 days, sliding
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Usd = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=9)]


class BudgetConfig(_Section):
    """Spend thresholds in USD over sliding windows: alert_* warns, limit_* refuses calls."""

    alert_per_hour: Usd | None = None
    alert_per_day: Usd | None = None
    alert_per_week: Usd | None = None
    limit_per_hour: Usd | None = None
    limit_per_day: Usd | None = None
    limit_per_week: Usd | None = None
    limit_per_month: Usd | None = None

    def limits(self) -> dict[str, Decimal]:
        """`{window: usd}` for each limit set."""
        return {
            window: value
            for window in WINDOW_SECONDS
            if (value := getattr(self, f"limit_per_{window}", None)) is not None
        }

    def alerts(self) -> dict[str, Decimal]:
        """`{window: usd}` for each alert threshold set."""
        return {
            window: value
            for window in WINDOW_SECONDS
            if (value := getattr(self, f"alert_per_{window}", None)) is not None
        }


DEFAULT_GLOBAL_BUDGET = BudgetConfig(alert_per_hour=Decimal(500), limit_per_hour=Decimal(1000))


class BudgetsConfig(_Section):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    global_: BudgetConfig = Field(default=DEFAULT_GLOBAL_BUDGET, alias="global")
    swarms: dict[str, BudgetConfig] = Field(default_factory=dict)
    users: dict[str, BudgetConfig] = Field(default_factory=dict)
    keys: dict[str, BudgetConfig] = Field(default_factory=dict, description="by key id")
    models: dict[str, BudgetConfig] = Field(default_factory=dict, description="by alias")


class SlackChannel(_Section):
    type: Literal["slack"]
    webhook_url: SecretStr


class EmailChannel(_Section):
    type: Literal["email"]
    smtp_host: str
    smtp_port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    use_tls: bool = False
    sender: str = "swarmdeck@localhost"
    to: list[str] = Field(min_length=1)


class WebhookChannel(_Section):
    type: Literal["webhook"]
    url: str
    secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 signs each body")


AlertChannel = Annotated[SlackChannel | EmailChannel | WebhookChannel, Field(discriminator="type")]


class AlertsConfig(_Section):
    channels: list[AlertChannel] = Field(default_factory=list)
    budget_percentages: list[int] = Field(
        default_factory=lambda: [50, 80, 100], description="alert when a limit is this % spent"
    )
    check_seconds: float = Field(default=5.0, gt=0, le=3600, description="evaluation period")
