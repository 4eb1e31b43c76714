"""The tamper-evident audit trail: every state change, hash-chained, signed, verifiable.

Records are appended to one linear SHA-256 chain (`_chain`), their details sealed with
AES-GCM under a key derived from the server's secret (`_crypto`), and the chain head is
periodically signed with Ed25519 into a checkpoint file outside the database
(`_checkpoints`). `AuditLog.verify()` names the first record that was edited, deleted,
reordered, swapped or cut off.

The names below load on first use (PEP 562): verification workers import only the
modules they need (`_segment`, `_chain`) and start in milliseconds instead of a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swarmdeck.core.audit._chain import GENESIS
    from swarmdeck.core.audit._checkpoints import CHECKPOINT_FILE, Checkpoint
    from swarmdeck.core.audit._crypto import Keyring
    from swarmdeck.core.audit._export import CSV_COLUMNS, CSV_VERIFICATION_PREFIX
    from swarmdeck.core.audit._log import EVENT_TYPE, TOPIC, AuditLog
    from swarmdeck.core.audit._model import AuditRow
    from swarmdeck.core.audit._query import MAX_LIMIT
    from swarmdeck.core.audit._records import (
        SYSTEM_ACTOR,
        Actor,
        AuditRecord,
        AuditResult,
        VerifyResult,
    )

_HOME = {
    "GENESIS": "_chain",
    "CHECKPOINT_FILE": "_checkpoints",
    "Checkpoint": "_checkpoints",
    "Keyring": "_crypto",
    "CSV_COLUMNS": "_export",
    "CSV_VERIFICATION_PREFIX": "_export",
    "EVENT_TYPE": "_log",
    "MAX_LIMIT": "_query",
    "TOPIC": "_log",
    "AuditLog": "_log",
    "AuditRow": "_model",
    "SYSTEM_ACTOR": "_records",
    "Actor": "_records",
    "AuditRecord": "_records",
    "AuditResult": "_records",
    "VerifyResult": "_records",
}

__all__ = [
    "CHECKPOINT_FILE",
    "CSV_COLUMNS",
    "CSV_VERIFICATION_PREFIX",
    "EVENT_TYPE",
    "GENESIS",
    "MAX_LIMIT",
    "SYSTEM_ACTOR",
    "TOPIC",
    "Actor",
    "AuditLog",
    "AuditRecord",
    "AuditResult",
    "AuditRow",
    "Checkpoint",
    "Keyring",
    "VerifyResult",
]

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        home = _HOME.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *__all__])
