"""Errors of the platform core. Each carries the facts a person needs to act on it."""

from __future__ import annotations


class WebNovaError(Exception):
    """Base class of WebNova's expected, user-facing failures."""


class DatabaseConfigError(WebNovaError):
    """The database URL or role cannot be used (bad scheme, superuser role, schema not migrated)."""


class TenantError(WebNovaError):
    """A tenant id is missing or malformed; nothing was read or written."""


class ConcurrencyError(WebNovaError):
    """An append expected another stream version than the stored one; nothing was appended."""

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"stream {stream_id!r}: expected version {expected}, actual version {actual}"
        )


class UnknownEventTypeError(WebNovaError):
    """A stored event names a type/schema version no contract is registered for."""


class AuditTamperedError(WebNovaError):
    """The audit chain does not verify."""
