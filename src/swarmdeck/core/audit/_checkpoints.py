"""Signed checkpoints: `(seq, hash, time)` of the chain head, kept outside the database.

A checkpoint is one JSON line appended to `audit-checkpoints.jsonl` in the data dir (and
optionally POSTed to a webhook). Whoever rewrites the database cannot rewrite these
without the signing key, so deleting the newest records, which leaves a perfectly valid
shorter chain, still shows: a checkpoint names a seq the log no longer reaches.

Each line is signed on its own (a webhook receiver can check any one), and also carries
`prev`, the SHA-256 of the line before it, so the file is a chain too: one signature
check on the last line, plus a hash per line, authenticates the whole file. That keeps
verification fast when a million records have left ten thousand checkpoints behind
(an Ed25519 check costs ~150 us here).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fcntl
import hashlib
import json
import logging
import os
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from swarmdeck.core.audit._chain import GENESIS, ts_text
from swarmdeck.core.audit._crypto import Keyring

log = logging.getLogger(__name__)

CHECKPOINT_FILE: Final = "audit-checkpoints.jsonl"
WEBHOOK_TIMEOUT_SECONDS: Final = 5.0
_TAIL_BYTES: Final = 8192  # enough to hold the last line


@dataclass(frozen=True)
class Checkpoint:
    """The chain head at one moment, signed with the checkpoint key named by `key_id`."""

    seq: int
    hash: str
    ts: datetime
    prev: str  # SHA-256 of the previous line of the file (64 zeros for the first)
    key_id: str
    signature: str  # base64 Ed25519 signature over `signed_bytes`

    @staticmethod
    def signed_bytes(seq: int, hash: str, ts: datetime, prev: str) -> bytes:
        """What is signed: `{"hash","prev","seq","ts"}` as sorted, compact JSON."""
        body = {"hash": hash, "prev": prev, "seq": seq, "ts": ts_text(ts)}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "ts": ts_text(self.ts),
            "prev": self.prev,
            "key_id": self.key_id,
            "sig": self.signature,
        }

    def line(self) -> str:
        """The checkpoint as a line of the file, without the newline."""
        return json.dumps(self.to_dict(), separators=(",", ":"))


def sign_checkpoint(keyring: Keyring, seq: int, hash: str, ts: datetime, prev: str) -> Checkpoint:
    key_id, signature = keyring.sign(Checkpoint.signed_bytes(seq, hash, ts, prev))
    return Checkpoint(seq, hash, ts, prev, key_id, base64.b64encode(signature).decode("ascii"))


def line_hash(line: str) -> str:
    """What the next line's `prev` holds."""
    return hashlib.sha256(line.encode()).hexdigest()


def _parse(line: str) -> Checkpoint | str:
    """The checkpoint a line claims to be (signature not checked), or why it is not one."""
    try:
        raw = json.loads(line)
        seq, hash_, ts_raw, prev = raw["seq"], raw["hash"], raw["ts"], raw["prev"]
        key_id, signature = raw["key_id"], raw["sig"]
        if type(seq) is not int or not all(
            isinstance(v, str) for v in (hash_, ts_raw, prev, key_id, signature)
        ):
            return "malformed checkpoint (wrong field types)"
        ts = datetime.fromisoformat(ts_raw)
        if ts.tzinfo is None:
            return "malformed checkpoint (timestamp without a zone)"
    except (ValueError, KeyError, TypeError):
        return "malformed checkpoint line"
    return Checkpoint(seq, hash_, ts, prev, key_id, signature)


def _signed(checkpoint: Checkpoint, keyring: Keyring) -> bool:
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except (ValueError, binascii.Error):
        return False
    message = Checkpoint.signed_bytes(
        checkpoint.seq, checkpoint.hash, checkpoint.ts, checkpoint.prev
    )
    return keyring.signature_valid(checkpoint.key_id, message, signature)


@dataclass
class CheckpointScan:
    """The checkpoint file as read: the authenticated checkpoints and the first bad line."""

    valid: list[Checkpoint] = field(default_factory=list)
    bad_line: int | None = None
    bad_reason: str | None = None

    @property
    def latest(self) -> Checkpoint | None:
        return max(self.valid, key=lambda c: c.seq, default=None)

    def expected_hashes(self) -> dict[int, frozenset[str]]:
        """seq -> every hash a valid checkpoint signed for it (more than one is a fork)."""
        out: dict[int, set[str]] = {}
        for checkpoint in self.valid:
            out.setdefault(checkpoint.seq, set()).add(checkpoint.hash)
        return {seq: frozenset(hashes) for seq, hashes in out.items()}


def scan_lines(lines: list[str], keyring: Keyring) -> CheckpointScan:
    """Authenticate the lines of a checkpoint file (see the module docstring)."""
    scan = CheckpointScan()
    claimed: list[tuple[int, Checkpoint]] = []
    prev = GENESIS
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = _parse(line)
        if isinstance(parsed, str):
            scan.bad_line, scan.bad_reason = number, parsed
            break
        if parsed.prev != prev:
            scan.bad_line, scan.bad_reason = _blame(claimed, number, parsed, keyring)
            break
        claimed.append((number, parsed))
        prev = line_hash(line)
    # Each good signature vouches for its line and, through `prev`, for every line before.
    while claimed and not _signed(claimed[-1][1], keyring):
        number, _ = claimed.pop()
        if scan.bad_line is None or number < scan.bad_line:
            scan.bad_line, scan.bad_reason = number, "bad signature (forged or edited checkpoint)"
    scan.valid = [checkpoint for _, checkpoint in claimed]
    return scan


def _blame(
    claimed: list[tuple[int, Checkpoint]], number: int, parsed: Checkpoint, keyring: Keyring
) -> tuple[int, str]:
    """Which line to name when line `number` does not follow the one before it."""
    if claimed and not _signed(claimed[-1][1], keyring):
        return claimed[-1][0], "bad signature (forged or edited checkpoint)"
    if not _signed(parsed, keyring):
        return number, "bad signature (forged or edited checkpoint)"
    return number, "does not follow the line before it (a checkpoint was removed or inserted)"


def _last_line(fd: int) -> str | None:
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    tail = os.pread(fd, min(size, _TAIL_BYTES), max(0, size - _TAIL_BYTES))
    lines = [line for line in tail.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else None


class CheckpointStore:
    """The append-only checkpoint file, and the webhook each checkpoint is also sent to."""

    def __init__(self, path: Path, keyring: Keyring, *, webhook_url: str | None = None) -> None:
        if webhook_url is not None and urlsplit(webhook_url).scheme not in ("http", "https"):
            raise ValueError(f"audit webhook must be an http(s) URL, not {webhook_url!r}")
        self.path = path
        self.keyring = keyring
        self.webhook_url = webhook_url

    async def append(self, seq: int, hash: str, ts: datetime) -> Checkpoint:
        """Sign a checkpoint chained to the file's last line, and append it."""
        return await asyncio.to_thread(self._append, seq, hash, ts)

    def _append(self, seq: int, hash: str, ts: datetime) -> Checkpoint:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # Several processes may checkpoint one file: each links to the line really last.
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            prev = GENESIS if last is None else line_hash(last)
            checkpoint = sign_checkpoint(self.keyring, seq, hash, ts, prev)
            os.write(fd, (checkpoint.line() + "\n").encode())
            os.fsync(fd)
            return checkpoint
        finally:
            os.close(fd)  # closing releases the lock

    async def read(self) -> CheckpointScan:
        return await asyncio.to_thread(self._read)

    def _read(self) -> CheckpointScan:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return CheckpointScan()
        return scan_lines(text.splitlines(), self.keyring)

    async def post(self, checkpoint: Checkpoint) -> bool:
        """Send a checkpoint to the webhook; a failure is logged, never raised."""
        if self.webhook_url is None:
            return False
        try:
            await asyncio.to_thread(self._post, self.webhook_url, checkpoint.line().encode())
        except Exception as exc:
            log.warning("audit checkpoint webhook failed: %s", exc)
            return False
        return True

    @staticmethod
    def _post(url: str, body: bytes) -> None:
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            url, data=body, method="POST", headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read()
