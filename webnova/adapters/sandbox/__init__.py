"""The code sandbox: one port, a local implementation (bubblewrap or rlimits) and E2B.

`make_sandbox(settings)` picks E2B only when an E2B key is configured; otherwise the local sandbox,
isolated as far as this host allows (`probe_isolation()` says how far).
"""

from __future__ import annotations

import dataclasses

from webnova.adapters.sandbox.port import (
    DEFAULT_REGISTRY_HOSTS,
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
    "sandbox_limits",
    "with_network_settings",
]


def with_network_settings(limits: SandboxLimits, settings: Settings) -> SandboxLimits:
    """`limits` with the operator's network choice and extra registries."""
    hosts = tuple(dict.fromkeys([*DEFAULT_REGISTRY_HOSTS, *settings.sandbox_registry_hosts]))
    return dataclasses.replace(limits, network_mode=settings.sandbox_network,
                               registry_hosts=hosts)


def sandbox_limits(settings: Settings) -> SandboxLimits:
    """The limits of one code run as configured (time, memory, CPU, network)."""
    base = SandboxLimits(wall_timeout_s=settings.sandbox_timeout_seconds,
                         memory_mb=settings.sandbox_memory_mb,
                         cpu_seconds=settings.sandbox_cpu_seconds)
    return with_network_settings(base, settings)


def make_sandbox(settings: Settings, *, limits: SandboxLimits | None = None,
                 audit: AuditSink | None = None) -> Sandbox:
    """The configured sandbox provider: E2B when `settings.e2b_api_key` is set, else local.

    Without explicit `limits` a run gets the configured ones (`sandbox_limits`).
    """
    limits = limits or sandbox_limits(settings)
    if settings.e2b_api_key is not None and settings.e2b_api_key.get_secret_value():
        from webnova.adapters.sandbox.e2b import E2BSandbox

        return E2BSandbox(settings.e2b_api_key.get_secret_value(), limits=limits, audit=audit)
    from webnova.adapters.sandbox.local import LocalSandbox

    return LocalSandbox(limits, audit=audit)
