"""`webnova bench pipeline`: offline description -> running deployment, seconds per stage.

Three descriptions (three templates) run through the real factory with approvals="auto": offline
brain, generator, npm install/typecheck/build/test, local runtime with its health check. Each
row is one stage of one template; the whole-run row carries the peak RSS. Servers are stopped at
the end. Slow (minutes): npm dominates.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path

from webnova.adapters.runtime import ProjectRuntime
from webnova.agents.tester import default_tester
from webnova.benchkit import BenchReport, BenchRow, peak_rss_mb
from webnova.factory import Factory
from webnova.settings import Settings, load_settings

DESCRIPTIONS = {
    "saas-starter": "منصة لحجز المواعيد في عيادة، يحجز المرضى مواعيدهم مع الأطباء.",
    "landing-page": "A landing page for our new fitness app with a waitlist.",
    "api-only": "A REST API for warehouse inventory and suppliers.",
}


def _one(factory: Factory, template: str, text: str, report: BenchReport) -> None:
    started: dict[str, float] = {}
    seconds: dict[str, float] = defaultdict(float)
    begin = time.perf_counter()
    status = "?"
    for event in factory.stream(text, approvals="auto"):
        if event.kind == "stage_started" and event.stage:
            started[event.stage] = time.perf_counter()
        elif event.kind == "stage_finished" and event.stage in started:
            seconds[event.stage] += time.perf_counter() - started.pop(event.stage)
        elif event.kind in ("run_finished", "run_failed") and event.run is not None:
            status = event.run.status
    for stage, value in seconds.items():
        report.rows.append(BenchRow(case=f"{template}: {stage}", backend="local", value=value,
                                    unit="s", higher_is_better=False))
    report.rows.append(BenchRow(case=f"{template}: whole run ({status})", backend="local",
                                value=time.perf_counter() - begin, unit="s",
                                higher_is_better=False, extra={"peak_rss_mb": peak_rss_mb()}))


def run(settings: Settings) -> BenchReport:
    """Build and deploy the three descriptions in a throwaway home."""
    report = BenchReport(name="pipeline")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        # The npm cache of the real home is reused so the bench measures builds, not downloads.
        local = load_settings(home=home)
        try:
            tester = default_tester(settings)
            with Factory(local, tester=tester, projects_dir=home / "projects") as factory:
                for template, text in DESCRIPTIONS.items():
                    _one(factory, template, text, report)
        finally:
            ProjectRuntime(home).stop_all()
    report.notes.append("offline brain; npm install uses the cache under the configured home")
    return report
