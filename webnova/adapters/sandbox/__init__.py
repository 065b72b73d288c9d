"""The code sandbox: one port, a local implementation (bubblewrap or rlimits) and E2B.

`make_sandbox(settings)` picks E2B only when an E2B key is configured; otherwise the local sandbox,
isolated as far as this host allows (`probe_isolation()` says how far).
"""

from __future__ import annotations

from webnova.adapters.sandbox.port import (
    AuditSink,
    ExecResult,
    FileEntry,
    IsolationReport,
    PrescanOverride,
    PrescanVerdict,
    Sandbox,
    SandboxError,
    SandboxLimits,
    SandboxSession,
)
from webnova.settings import Settings

__all__ = [
    "AuditSink",
    "ExecResult",
    "FileEntry",
    "IsolationReport",
    "PrescanOverride",
    "PrescanVerdict",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "SandboxSession",
    "make_sandbox",
]


def make_sandbox(settings: Settings, *, limits: SandboxLimits | None = None,
                 audit: AuditSink | None = None) -> Sandbox:
    """The configured sandbox provider: E2B when `settings.e2b_api_key` is set, else local."""
    if settings.e2b_api_key is not None and settings.e2b_api_key.get_secret_value():
        from webnova.adapters.sandbox.e2b import E2BSandbox

        return E2BSandbox(settings.e2b_api_key.get_secret_value(), limits=limits, audit=audit)
    from webnova.adapters.sandbox.local import LocalSandbox

    return LocalSandbox(limits, audit=audit)
