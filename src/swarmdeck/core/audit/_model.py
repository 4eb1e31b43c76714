"""The `audit_records` table: one row per recorded action, linked into one hash chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from swarmdeck.core.models import Base, UTCDateTime


class AuditRow(Base):
    """A stored audit record. `details` is AES-GCM ciphertext (base64), never plaintext."""

    __tablename__ = "audit_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # 1, 2, 3, ... with no gaps: the chain's order, and the pagination key.
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    actor_type: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    actor_role: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    credential_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    resource_type: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    resource_id: Mapped[str | None] = mapped_column(String(255))
    result: Mapped[str] = mapped_column(String(16), nullable=False)
    # Which key of the keyring sealed `details`; None when there are no details.
    key_id: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
