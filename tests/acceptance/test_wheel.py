"""The wheel carries its data (blueprints, catalogs, the Chainlit app) and works anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_ships_its_data_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(dist), str(ROOT)], check=True)
    wheel = next(dist.glob("webnova-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("webnova/_data/blueprints/blueprint.schema.json",
                    "webnova/_data/locales/ar/LC_MESSAGES/webnova.po",
                    "webnova/_data/locales/en/LC_MESSAGES/webnova.po",
                    "webnova/_data/app/app.py", "webnova/_data/app/chainlit_ar.md",
                    "webnova/_data/bench/eventstore.py",
                    "webnova/core/migrations/versions/0001_core.py"):
        assert shipped in names, shipped

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(site), str(wheel)], check=True)
    blueprint = tmp_path / "bad.yaml"
    blueprint.write_text("name: x\n", encoding="utf-8")
    # The child must import the installed copy, not the checkout: PYTHONPATH first, cwd elsewhere.
    extra = {"PYTHONPATH": str(site), "WEBNOVA_HOME": str(tmp_path / "home")}
    env = os.environ | extra  # noqa: TID251 - the child needs PATH and friends
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys, webnova; assert webnova.__file__.startswith(sys.argv[1]);"
         "from webnova.cli import main; sys.argv = ['webnova', '--lang', 'ar', 'blueprint', "
         "'validate', sys.argv[2]]; main()", str(site), str(blueprint)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "slug" in result.stdout + result.stderr
    assert any("\u0600" <= ch <= "\u06ff" for ch in result.stdout + result.stderr)
