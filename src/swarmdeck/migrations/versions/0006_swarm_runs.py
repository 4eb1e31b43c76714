"""swarm runs and their steps (one row per agent turn)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import swarmdeck.core.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "swarm_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("swarm", sa.String(length=64), nullable=False),
        sa.Column("pattern", sa.String(length=16), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False),
        sa.Column("budget_usd", swarmdeck.core.models.Money(), nullable=True),
        sa.Column("started_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", swarmdeck.core.models.UTCDateTime(), nullable=False),
        sa.Column("finished_at", swarmdeck.core.models.UTCDateTime(), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", swarmdeck.core.models.Money(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swarm_runs")),
    )
    op.create_index(op.f("ix_swarm_runs_created_at"), "swarm_runs", ["created_at"])
    op.create_index(op.f("ix_swarm_runs_swarm_created_at"), "swarm_runs", ["swarm", "created_at"])
    op.create_table(
        "swarm_run_steps",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("instance", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("started_at", swarmdeck.core.models.UTCDateTime(), nullable=False),
        sa.Column("finished_at", swarmdeck.core.models.UTCDateTime(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", swarmdeck.core.models.Money(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("tool_calls", sa.JSON(), nullable=False),
        sa.Column("call_ids", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["swarm_runs.id"],
            name=op.f("fk_swarm_run_steps_run_id_swarm_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "seq", name=op.f("pk_swarm_run_steps")),
    )


def downgrade() -> None:
    op.drop_table("swarm_run_steps")
    op.drop_index(op.f("ix_swarm_runs_swarm_created_at"), table_name="swarm_runs")
    op.drop_index(op.f("ix_swarm_runs_created_at"), table_name="swarm_runs")
    op.drop_table("swarm_runs")
