"""fired alerts, deduplicated by a unique key while open

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import swarmdeck.core.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXED = ("fired_at", "rule")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fired_at", swarmdeck.core.models.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", swarmdeck.core.models.UTCDateTime(), nullable=True),
        sa.Column("open_key", sa.String(length=512), nullable=True),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("window", sa.String(length=16), nullable=True),
        sa.Column("threshold", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("value_usd", swarmdeck.core.models.Money(), nullable=True),
        sa.Column("limit_usd", swarmdeck.core.models.Money(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("delivered", sa.JSON(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("open_key", name=op.f("uq_alerts_open_key")),
    )
    for column in _INDEXED:
        op.create_index(op.f(f"ix_alerts_{column}"), "alerts", [column])


def downgrade() -> None:
    for column in _INDEXED:
        op.drop_index(op.f(f"ix_alerts_{column}"), table_name="alerts")
    op.drop_table("alerts")
