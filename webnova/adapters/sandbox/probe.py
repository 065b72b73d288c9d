"""The start-up probe: which isolation this host really gives, and what it costs.

It does not trust `which bwrap`: it runs `true` through the complete launcher (uid switch, rlimits,
namespaces, binds) and falls back, with a visible warning, to "rlimits-only" when that fails, as
it does under Docker's default seccomp profile. `webnova health` shows the report.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from functools import cache
from typing import Literal

from webnova.adapters.sandbox.local import (
    SYSTEM_PYTHON,
    LocalLevel,
    LocalSandbox,
    network_filter_available,
)
from webnova.adapters.sandbox.netproxy import INSIDE_PROXY_PORT
from webnova.adapters.sandbox.port import IsolationReport, NetworkLevel, SandboxError, SandboxLimits
from webnova.i18n import _

_TRUE = "/usr/bin/true" if os.path.exists("/usr/bin/true") else "/bin/true"  # noqa: PTH110


@cache
def probe_isolation(e2b: bool = False,
                    network_mode: Literal["registry", "host"] = "registry") -> IsolationReport:
    """The isolation level of this host (cached for the process); `e2b=True` when a key is set.

    Args:
        e2b: Whether the E2B sandbox is configured; it is then the level, and nothing local runs.
        network_mode: The configured network of package-manager sessions
            (`Settings.sandbox_network`).
    """
    if e2b:
        return IsolationReport(level="e2b", latency_ms=None, uid_separation=False, network="remote",
                               features=("microvm", "network-policy", "remote"))
    return probe_local(SandboxLimits(network_mode=network_mode))


def probe_local(limits: SandboxLimits) -> IsolationReport:
    """Try bubblewrap through the real launcher; report the level, latency and what is missing."""
    root = os.geteuid() == 0
    warnings: list[str] = []
    if not root:
        warnings.append(_("WebNova is not running as root: sandboxed programs keep its uid, so "
                          "the process limit is shared and daemons may outlive a run."))
    bare = _median_ms(lambda: subprocess.run([_TRUE], check=False), 3)
    bwrap = shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")
    level: LocalLevel = "rlimits-only"
    if bwrap is None:
        warnings.append(_("bubblewrap is not installed: no namespaces, so the network and the "
                          "host's files are only protected by the sandbox uid. Run "
                          "scripts/ensure-sandbox-tools.sh."))
    else:
        problem = _try_bubblewrap(limits, bwrap)
        if problem is None:
            level = "bubblewrap"
        else:
            warnings.append(_("bubblewrap is installed but cannot create namespaces here "
                              "({error}); falling back to rlimits and timeouts only.").format(
                error=problem))
    latency = _level_latency(limits, bwrap, level)
    network: NetworkLevel = "off"
    if level == "bubblewrap":
        assert bwrap is not None
        network, problem = _try_registry_network(limits, bwrap)
        if problem is not None:
            warnings.append(_("Registry-only networking does not work here ({error}); "
                              "sandboxed package managers get no network.").format(error=problem))
    else:
        warnings.append(_("Without bubblewrap there is no network namespace: sandboxed package "
                          "managers get no network."))
    if limits.network_mode == "host":
        network = "host"
        warnings.append(_("Network sessions use the host's network without any filter."))
    return IsolationReport(level=level, latency_ms=latency, bare_latency_ms=bare,
                           bwrap=bwrap if level == "bubblewrap" else None,
                           uid_separation=root, network=network,
                           features=_features(level, root, network), warnings=tuple(warnings))


def _try_bubblewrap(limits: SandboxLimits, bwrap: str) -> str | None:
    report = _provisional("bubblewrap", bwrap)
    try:
        with LocalSandbox(limits, report=report).create(timeout=30) as session:
            result = session.run_command([_TRUE], timeout=10)
    except (SandboxError, OSError) as exc:
        return str(exc)[:200]
    if result.exit_code == 0:
        return None
    return (result.stderr.strip().splitlines() or [result.detail])[0][:200]


# Through the forwarder and the proxy, a ping the proxy answers itself with 204: proves the path
# from inside the sandbox works, and nothing leaves this machine.
_REGISTRY_CHECK = f"""
import socket
s = socket.create_connection(("127.0.0.1", {INSIDE_PROXY_PORT}), timeout=5)
s.sendall(b"OPTIONS * HTTP/1.1\\r\\n\\r\\n")
print(s.recv(64).split(b"\\r\\n")[0].decode())
"""


def _try_registry_network(limits: SandboxLimits, bwrap: str) -> tuple[NetworkLevel, str | None]:
    """Run a network session behind the proxy; "registry" when its refusal comes back."""
    report = _provisional("bubblewrap", bwrap).model_copy(update={"network": "registry"})
    try:
        with LocalSandbox(limits, report=report).create(timeout=30, network=True) as session:
            if session.network != "registry":
                return session.network, None
            result = session.run_command([SYSTEM_PYTHON, "-I", "-S", "-c", _REGISTRY_CHECK],
                                         timeout=10)
    except (SandboxError, OSError) as exc:
        return "off", str(exc)[:200]
    if result.stdout.startswith("HTTP/1.1 204"):
        return "registry", None
    return "off", (result.stderr.strip().splitlines() or [result.detail])[-1][:200]


def _level_latency(limits: SandboxLimits, bwrap: str | None, level: LocalLevel) -> float | None:
    report = _provisional(level, bwrap)
    try:
        with LocalSandbox(limits, report=report).create(timeout=30) as session:
            return _median_ms(lambda: session.run_command([_TRUE], timeout=10), 3)
    except (SandboxError, OSError):
        return None


def _provisional(level: LocalLevel, bwrap: str | None) -> IsolationReport:
    return IsolationReport(level=level, latency_ms=None, bwrap=bwrap,
                           uid_separation=os.geteuid() == 0)


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    samples = []
    for _round in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def _features(level: str, root: bool, network: NetworkLevel) -> tuple[str, ...]:
    features = ["rlimits", "wall-timeout", "output-cap", "disk-quota", "scrubbed-env", "prescan"]
    if root:
        features += ["uid-per-session", "process-limit"]
    if level == "bubblewrap":
        features += ["network-namespace", "pid-namespace", "mount-namespace", "read-only-system",
                     "private-tmp"]
    elif network_filter_available():
        features.append("seccomp-network-filter")
    if network == "registry":
        features.append("registry-only-network")
    return tuple(features)
