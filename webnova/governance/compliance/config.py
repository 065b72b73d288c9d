"""Configuration files: dependencies and deploy regions.

Dependencies from package.json, pyproject.toml and requirements.txt; regions from fly.toml,
render.yaml and vercel.json.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

from webnova.governance.compliance.facts import (
    Located,
    ProjectFacts,
)


def read_config(root: Path, facts: ProjectFacts) -> None:
    """Dependencies (package.json, pyproject.toml, requirements.txt) and deploy regions."""
    package = root / "package.json"
    if package.exists():
        data = json.loads(package.read_text(encoding="utf-8"))
        for key in ("dependencies", "devDependencies"):
            facts.dependencies.update((data.get(key) or {}).keys())
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        facts.dependencies.update(_requirement_name(d) for d in project.get("dependencies", []))
    requirements = root / "requirements.txt"
    if requirements.exists():
        facts.dependencies.update(
            _requirement_name(line) for line in requirements.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-")))
    _deploy_regions(root, facts)


def _requirement_name(spec: str) -> str:
    return re.split(r"[\s\[<>=!~;@]", spec.strip(), maxsplit=1)[0].lower()


def _deploy_regions(root: Path, facts: ProjectFacts) -> None:
    fly = root / "fly.toml"
    if fly.exists():
        region = tomllib.loads(fly.read_text(encoding="utf-8")).get("primary_region")
        if isinstance(region, str):
            facts.deploy_regions.append(Located(region, "fly.toml", _line_of(fly, region)))
    render = root / "render.yaml"
    if render.exists():
        data = yaml.safe_load(render.read_text(encoding="utf-8")) or {}
        for group in ("services", "databases"):
            for item in data.get(group) or []:
                if isinstance(item, dict) and isinstance(item.get("region"), str):
                    facts.deploy_regions.append(Located(item["region"], "render.yaml",
                                                        _line_of(render, item["region"])))
    vercel = root / "vercel.json"
    if vercel.exists():
        for region in json.loads(vercel.read_text(encoding="utf-8")).get("regions") or []:
            facts.deploy_regions.append(Located(str(region), "vercel.json",
                                                _line_of(vercel, str(region))))


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return 1
