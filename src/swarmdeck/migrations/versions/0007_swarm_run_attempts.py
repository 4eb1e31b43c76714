"""failed attempts at swarm run turns (one row per attempt Temporal retried or gave up on)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import swarmdeck.core.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "swarm_run_attempts",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("instance", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("started_at", swarmdeck.core.models.UTCDateTime(), nullable=False),
        sa.Column("finished_at", swarmdeck.core.models.UTCDateTime(), nullable=False),
        sa.Column("error_type", sa.String(length=128), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("retryable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["swarm_runs.id"],
            name=op.f("fk_swarm_run_attempts_run_id_swarm_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", "attempt", name=op.f("pk_swarm_run_attempts")),
    )


def downgrade() -> None:
    op.drop_table("swarm_run_attempts")
