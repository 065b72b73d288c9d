"""Shared helpers for the benchmarks behind `webnova bench` (modules in the top-level `bench/`).

A benchmark module exposes `run(settings: Settings) -> BenchReport`. Every measured figure sits next
to a baseline measured in the same run, so the ratios mean something on a shared, noisy machine.
"""

from __future__ import annotations

import importlib.util
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

from webnova.resources import data_path


@dataclass
class BenchRow:
    """One measured case: a rate or latency next to its same-run baseline."""

    case: str
    backend: str
    value: float
    unit: str
    baseline: float | None = None
    target: float | None = None
    higher_is_better: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Value over baseline (for rates) or baseline over value (for times): >1 means faster."""
        if not self.baseline or not self.value:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value

    @property
    def meets_target(self) -> bool | None:
        """Whether the ratio reaches the target, when one is set."""
        if self.target is None or self.ratio is None:
            return None
        return self.ratio >= self.target


@dataclass
class BenchReport:
    """The rows of one benchmark plus the process's peak resident memory."""

    name: str
    rows: list[BenchRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, ratios included."""
        rows = [asdict(r) | {"ratio": r.ratio, "meets_target": r.meets_target} for r in self.rows]
        return {"name": self.name, "peak_rss_mb": peak_rss_mb(), "rows": rows, "notes": self.notes}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(samples: list[float], pct: float) -> float:
    """The `pct` percentile (0-100) of `samples`, by the inclusive method."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(pct) - 1]


def time_each(fn: Callable[[], object], repeats: int) -> list[float]:
    """Call `fn` `repeats` times; return each call's duration in seconds."""
    out: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def load_bench_module(name: str) -> ModuleType:
    """Import `bench/<name>.py` by path (it ships as data, not as a top-level package)."""
    path = data_path("bench") / f"{name}.py"
    if not path.exists():
        raise LookupError(name)
    spec = importlib.util.spec_from_file_location(f"webnova_bench_{name}", path)
    if spec is None or spec.loader is None:
        raise LookupError(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def available_benchmarks() -> list[str]:
    """Names of the benchmark modules shipped in `bench/`."""
    return sorted(p.stem for p in data_path("bench").glob("*.py") if not p.stem.startswith("_"))


def print_report(console: Console, report: BenchReport) -> None:
    """Render a report as a table: value, baseline, ratio and whether the target is met."""
    table = Table("case", "backend", "value", "baseline", "ratio", "target", title=report.name)
    for row in report.rows:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        verdict = {True: "[green]met[/green]", False: "[red]missed[/red]", None: ""}[
            row.meets_target]
        target = f">= {row.target:.2f}x {verdict}" if row.target is not None else ""
        baseline = f"{row.baseline:,.1f}" if row.baseline is not None else "-"
        table.add_row(row.case, row.backend, f"{row.value:,.1f} {row.unit}", baseline, ratio,
                      target)
    console.print(table)
    for note in report.notes:
        console.print(f"- {note}")
    console.print(f"peak RSS: {peak_rss_mb():.1f} MiB")
