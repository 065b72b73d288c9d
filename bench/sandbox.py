"""`webnova bench sandbox`: start-to-exit of a trivial program through LocalSandbox.

Each available isolation level is measured next to a bare `subprocess.run` of the same
interpreter and file, interleaved in one loop so machine noise hits all of them alike. The target
is at most 1.5x the bare time with bubblewrap (ratio = bare / sandboxed >= 0.67).

A session that runs code repeatedly pre-starts the next run's bubblewrap sandbox (held before
the program starts, same isolation). "bubblewrap" is that steady state; "bubblewrap cold" has
pre-starting switched off, so every run pays the namespace and mount setup and the drop of
root. After each sandboxed run the loop waits for that background work (`settle`, which
returns once the pre-started program waits at its gate), so it never overlaps a timed run.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from webnova.adapters.sandbox.local import LocalLevel, LocalSandbox, LocalSession
from webnova.adapters.sandbox.port import IsolationReport, SandboxLimits
from webnova.adapters.sandbox.probe import probe_isolation
from webnova.benchkit import BenchReport, BenchRow, percentile
from webnova.settings import Settings

PROGRAM = "pass\n"
# 80 samples put p95 between the 4th and 5th slowest run instead of the 2nd and 3rd, so one
# hiccup of a shared machine no longer decides it; a run of the bench stays around 20 s.
REPEATS = 80
WARMUP = 3
TARGET_RATIO = 1 / 1.5


def run(settings: Settings) -> BenchReport:
    """Measure bare vs. each sandbox level; `settings` is unused (the sandbox needs none)."""
    del settings
    report = probe_isolation()
    levels: list[str] = (["bubblewrap", "bubblewrap cold", "rlimits-only"]
                         if report.level == "bubblewrap" else ["rlimits-only"])
    samples: dict[str, list[float]] = {name: [] for name in ["bare", *levels]}
    peak_child_mb: dict[str, float] = {}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "main.py"
        script.write_text(PROGRAM, encoding="utf-8")
        sessions: dict[str, LocalSession] = {
            level: stack.enter_context(_sandbox(level, report).create()) for level in levels}
        bare = ["/usr/bin/python3", "-E", "-s", "-B", "-u", str(script)]
        for index in range(WARMUP + REPEATS):
            keep = index >= WARMUP
            start = time.perf_counter()
            subprocess.run(bare, check=True)
            _keep(samples["bare"], keep, start)
            for level, session in sessions.items():
                start = time.perf_counter()
                result = session.run_code(PROGRAM, "python")
                _keep(samples[level], keep, start)
                session.settle()
                if result.peak_memory_mb is not None:
                    peak_child_mb[level] = max(peak_child_mb.get(level, 0.0),
                                               result.peak_memory_mb)
    return _report(samples, levels, peak_child_mb, report.warnings)


def _sandbox(level: str, report: IsolationReport) -> LocalSandbox:
    forced: LocalLevel = "rlimits-only" if level == "rlimits-only" else "bubblewrap"
    return LocalSandbox(SandboxLimits(prewarm=level != "bubblewrap cold"), report=report,
                        force_level=forced)


def _keep(bucket: list[float], keep: bool, start: float) -> None:
    if keep:
        bucket.append((time.perf_counter() - start) * 1000)


def _report(samples: dict[str, list[float]], levels: list[str],
            peak_child_mb: dict[str, float],
            warnings: tuple[str, ...]) -> BenchReport:
    out = BenchReport(name="sandbox")
    bare = samples["bare"]
    for pct in (50, 95):
        base = percentile(bare, pct)
        out.rows.append(BenchRow(case=f"python start-to-exit p{pct}", backend="bare subprocess",
                                 value=round(base, 2), unit="ms", higher_is_better=False))
        for level in levels:
            value = percentile(samples[level], pct)
            out.rows.append(BenchRow(
                case=f"python start-to-exit p{pct}", backend=f"LocalSandbox {level}",
                value=round(value, 2), unit="ms", baseline=round(base, 2), higher_is_better=False,
                target=round(TARGET_RATIO, 3) if level.startswith("bubblewrap") else None,
                extra={"x_bare": round(value / base, 2),
                       "child_peak_rss_mb": peak_child_mb.get(level)}))
    out.notes.append(f"{REPEATS} interleaved runs per backend after {WARMUP} warm-ups; "
                     "ratio = bare / sandboxed (>= 0.667 means at most 1.5x bare).")
    out.notes.extend(warnings)
    return out
