"""Field-level encryption at rest (AES-256-GCM) for fields flagged encrypted, PHI or PCI.

The key comes from DATA_ENCRYPTION_KEY (64 hex characters); without it a development key is
derived, which production refuses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from app.config import production

PREFIX = "enc:v1:"


def encryption_key() -> bytes:
    configured = os.environ.get("DATA_ENCRYPTION_KEY", "")
    if re.fullmatch(r"[0-9a-fA-F]{64}", configured):
        return bytes.fromhex(configured)
    if production():
        raise RuntimeError("DATA_ENCRYPTION_KEY must be 64 hex characters in production")
    return hashlib.sha256(b"development-only-key").digest()


def encrypt_value(value: Any) -> str | None:
    if value is None:
        return None
    nonce = os.urandom(12)
    data = AESGCM(encryption_key()).encrypt(nonce, json.dumps(value).encode("utf-8"), None)
    return PREFIX + base64.b64encode(nonce + data).decode("ascii")


def decrypt_value(stored: str | None) -> Any:
    if stored is None or not stored.startswith(PREFIX):
        return stored
    raw = base64.b64decode(stored[len(PREFIX):])
    return json.loads(AESGCM(encryption_key()).decrypt(raw[:12], raw[12:], None))


class EncryptedText(TypeDecorator[Any]):
    """A text column holding the ciphertext of a JSON value."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return encrypt_value(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return decrypt_value(value)
