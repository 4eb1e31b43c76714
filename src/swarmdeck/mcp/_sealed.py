"""Server configs stored through the API hold credentials (env, headers): seal them at rest.

AES-GCM under a key derived from the server's secret for this purpose alone; the server
name is the associated data, so a sealed config moved to another name does not open.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from swarmdeck.core.audit._crypto import derive

_INFO = b"swarmdeck-mcp-server-config"


class ConfigSealer:
    def __init__(self, secret_key: bytes) -> None:
        self._aead = AESGCM(derive(secret_key, _INFO))

    def seal(self, name: str, config: dict[str, Any]) -> dict[str, str]:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, json.dumps(config).encode(), name.encode())
        return {
            "nonce": base64.b64encode(nonce).decode(),
            "sealed": base64.b64encode(sealed).decode(),
        }

    def open(self, name: str, stored: dict[str, str]) -> dict[str, Any]:
        nonce = base64.b64decode(stored["nonce"])
        plain = self._aead.decrypt(nonce, base64.b64decode(stored["sealed"]), name.encode())
        config: dict[str, Any] = json.loads(plain)
        return config
