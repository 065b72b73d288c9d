"""Password hashing with scrypt from the standard library (memory-hard, per-user random salt).

Stored form: `scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`, so the cost can be raised later and old
hashes still verify. The password itself is never stored, logged or audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

SCHEME: Final = "scrypt"
N: Final = 2**14
R: Final = 8
P: Final = 1
SALT_BYTES: Final = 16
KEY_BYTES: Final = 32
MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 1024


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password` in the stored form."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P)
    return f"{SCHEME}${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`, in constant time; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        candidate = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=2 * 128 * n * r * p)


# Verified against when an e-mail is unknown, so a failed sign-in takes as long either way.
DUMMY_HASH: Final = f"{SCHEME}${N}${R}${P}${'00' * SALT_BYTES}${'00' * KEY_BYTES}"
