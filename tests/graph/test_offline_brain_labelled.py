"""The offline brain against a labelled set of descriptions, half of them Arabic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from webnova.adapters.brains.offline import OfflineBrain, language_of

LABELS = ("template", "domain", "compliance", "entities")
ITEMS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "labelled_descriptions.yaml").read_text(encoding="utf-8"))


def _score(item: dict[str, Any]) -> dict[str, bool]:
    analysis = OfflineBrain().analyze(item["text"])
    found = {e.name for e in analysis.entities}
    return {
        "template": analysis.template == item["template"],
        "domain": analysis.domain == item["domain"],
        "compliance": sorted(analysis.compliance) == sorted(item["compliance"]),
        "entities": set(item["entities"]) <= found,
    }


def test_labelled_set_has_forty_descriptions_half_arabic() -> None:
    arabic = sum(language_of(item["text"]) == "ar" for item in ITEMS)
    assert len(ITEMS) >= 40
    assert arabic >= len(ITEMS) / 2


def test_offline_brain_gets_ninety_percent_of_labels_right(
        capsys: pytest.CaptureFixture[str]) -> None:
    results = [_score(item) for item in ITEMS]
    per_label = {label: sum(r[label] for r in results) / len(results) for label in LABELS}
    overall = sum(sum(r.values()) for r in results) / (len(results) * len(LABELS))
    with capsys.disabled():
        print(f"\noffline brain labelled score: {overall:.1%} over {len(results)} descriptions "
              + " ".join(f"{k}={v:.0%}" for k, v in per_label.items()))
    assert overall >= 0.9
    assert all(v >= 0.85 for v in per_label.values()), per_label
