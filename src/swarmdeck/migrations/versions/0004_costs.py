"""the cost ledger: one row per LLM call

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import swarmdeck.core.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_llm_calls_at": ["at"],
    "ix_llm_calls_swarm_at": ["swarm", "at"],
    "ix_llm_calls_user_at": ["user", "at"],
    "ix_llm_calls_key_id_at": ["key_id", "at"],
    "ix_llm_calls_alias_at": ["alias", "at"],
}


def upgrade() -> None:
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", swarmdeck.core.models.UTCDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=True),
        sa.Column("user", sa.String(length=255), nullable=True),
        sa.Column("swarm", sa.String(length=255), nullable=True),
        sa.Column("agent", sa.String(length=255), nullable=True),
        sa.Column("provider", sa.String(length=128), nullable=True),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cached_input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cache_write_tokens", sa.BigInteger(), nullable=False),
        sa.Column("reasoning_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", swarmdeck.core.models.Money(), nullable=False),
        sa.Column("saved_usd", swarmdeck.core.models.Money(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("error_type", sa.String(length=128), nullable=True),
        sa.Column("cache", sa.String(length=16), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("streamed", sa.Boolean(), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
    )
    for name, columns in _INDEXES.items():
        op.create_index(op.f(name), "llm_calls", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(op.f(name), table_name="llm_calls")
    op.drop_table("llm_calls")
