"""Keys derived from the server's secret: AES-GCM for details at rest, Ed25519 for checkpoints.

Both come from the secret key through HKDF-SHA256 with their own `info`, so one secret
serves every replica and nothing else has to be stored. Each key has a short id (the
first 8 hex digits of SHA-256 of the key, or of the public key for signing) stored next
to what it sealed or signed, so that after the secret is rotated the old secrets can be
kept in the keyring and old records stay readable and old checkpoints verifiable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DETAILS_INFO = b"swarmdeck-audit-details"
CHECKPOINT_INFO = b"swarmdeck-audit-checkpoint"
_NONCE_BYTES = 12
_AAD_PREFIX = b"swarmdeck-audit-record:"


class DetailsUnreadable(Exception):
    """Sealed details that this keyring cannot open: unknown key, or not this record's."""


def derive(secret_key: bytes, info: bytes) -> bytes:
    """32 bytes for one purpose from the server's secret key (HKDF-SHA256, no salt)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_key)


def key_id(material: bytes) -> str:
    """The short public name of a key: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(material).hexdigest()[:8]


def _aad(record_id: str) -> bytes:
    # Binds a ciphertext to its record: moved to another row it no longer opens.
    return _AAD_PREFIX + record_id.encode()


@dataclass(frozen=True)
class _KeySet:
    """What one secret key derives to."""

    details_id: str
    aead: AESGCM
    signing_id: str
    signer: Ed25519PrivateKey
    verifier: Ed25519PublicKey

    @classmethod
    def from_secret(cls, secret_key: bytes) -> _KeySet:
        details = derive(secret_key, DETAILS_INFO)
        signer = Ed25519PrivateKey.from_private_bytes(derive(secret_key, CHECKPOINT_INFO))
        verifier = signer.public_key()
        return cls(
            details_id=key_id(details),
            aead=AESGCM(details),
            signing_id=key_id(verifier.public_bytes_raw()),
            signer=signer,
            verifier=verifier,
        )


class Keyring:
    """The current audit keys and, for reading old records, those of previous secrets."""

    def __init__(self, secret_key: bytes, *, previous: Iterable[bytes] = ()) -> None:
        if not secret_key:
            raise ValueError("the audit keyring needs a non-empty secret key")
        self._current = _KeySet.from_secret(secret_key)
        sets = [self._current, *(_KeySet.from_secret(old) for old in previous if old)]
        self._details = {s.details_id: s.aead for s in reversed(sets)}
        self._verifiers = {s.signing_id: s.verifier for s in reversed(sets)}

    @property
    def details_key_id(self) -> str:
        return self._current.details_id

    @property
    def signing_key_id(self) -> str:
        return self._current.signing_id

    def public_key(self) -> bytes:
        """The raw Ed25519 public key checkpoints are signed for (to publish elsewhere)."""
        return self._current.verifier.public_bytes_raw()

    def knows(self, details_key_id: str) -> bool:
        return details_key_id in self._details

    def seal(self, plaintext: bytes, *, record_id: str) -> tuple[str, str]:
        """Encrypt details for one record: `(key id, base64(nonce || ciphertext || tag))`."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current.aead.encrypt(nonce, plaintext, _aad(record_id))
        return self._current.details_id, base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, details_key_id: str, sealed: str, *, record_id: str) -> bytes:
        """Decrypt what `seal` made for this record; `DetailsUnreadable` says why it cannot."""
        aead = self._details.get(details_key_id)
        if aead is None:
            raise DetailsUnreadable(f"sealed with unknown key {details_key_id!r}")
        try:
            raw = base64.b64decode(sealed, validate=True)
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(record_id))
        except (InvalidTag, ValueError, binascii.Error):
            raise DetailsUnreadable("ciphertext does not belong to this record") from None

    def sign(self, message: bytes) -> tuple[str, bytes]:
        """Sign with the current checkpoint key: `(signing key id, signature)`."""
        return self._current.signing_id, self._current.signer.sign(message)

    def signature_valid(self, signing_key_id: str, message: bytes, signature: bytes) -> bool:
        """Whether a known checkpoint key (current or previous) signed `message`."""
        verifier = self._verifiers.get(signing_key_id)
        if verifier is None:
            return False
        try:
            verifier.verify(signature, message)
        except InvalidSignature:
            return False
        return True
