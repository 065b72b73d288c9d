"""Locate the data directories (blueprints, locales, bench, the Chainlit app) in any install."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_path(name: str) -> Path:
    """Return the directory or file `name` shipped with WebNova.

    A wheel carries the top-level data under `webnova/_data/` (see pyproject's force-include); a
    checkout or an editable install keeps it beside the package, where Chainlit and Babel expect it.
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR / "_data" / "app" / name,
                      _PACKAGE_DIR.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"WebNova data {name!r} is missing from this installation")


def app_dir() -> Path:
    """Directory holding app.py, the welcome pages and `.chainlit/` (Chainlit's app root)."""
    return data_path("app.py").parent
