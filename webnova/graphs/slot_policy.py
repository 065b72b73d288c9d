"""What model-written slot code may do: business rules over the values it is given, nothing more.

The sandbox pre-scan guards programs that run inside the sandbox. Slot code also runs in the
deployed application, next to its secrets and its database, so it gets a narrower rule on top:
no module loading (in Python, a few pure standard modules excepted), no process, environment,
file or network access, no code evaluated at run time, and no reflection that could reach them.
It is a list of refused constructs, checked before anything is written; the project's tests in
the sandbox are the next line of defence, and a person reviews the commit.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Final

from webnova.i18n import N_, _

_Rules = tuple[tuple[re.Pattern[str], str], ...]

# `(?<![.\w])`: a name of its own, not a field such as `input.process`.
_TYPESCRIPT: Final[_Rules] = tuple((re.compile(p, re.MULTILINE), m) for p, m in (
    (r"(?<![.\w])process\s*[.\[]", N_("reads the process (its environment holds secrets)")),
    (r"(?<![.\w])(?:import|require)\s*\(", N_("loads a module at run time")),
    (r"(?<![.\w])(?:eval|Function)\s*\(|\bconstructor\b|\b__proto__\b",
     N_("evaluates code at run time or reaches it through prototypes")),
    (r"(?<![.\w])(?:fetch|XMLHttpRequest|WebSocket|EventSource|navigator)\b",
     N_("makes network calls")),
    (r"(?<![.\w])(?:globalThis|global|window|self|Deno|Bun)\s*[.\[]",
     N_("reaches the runtime's global objects")),
    (r"(?<![.\w])(?:setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(",
     N_("schedules work outside the request")),
))
_PURE_MODULES: Final = "datetime|decimal|re|math|statistics|string|zoneinfo"
_PYTHON: Final[_Rules] = tuple((re.compile(p, re.MULTILINE), m) for p, m in (
    (r"\b__\w+__\b", N_("uses Python internals (double-underscore names)")),
    (rf"^\s*(?:import|from)\s+(?!(?:{_PURE_MODULES})\b)",
     N_("imports a module other than datetime, decimal, re, math, statistics, string or "
        "zoneinfo")),
    (r"(?<![.\w])(?:eval|exec|compile|getattr|setattr|delattr|globals|locals|vars|open|input|"
     r"breakpoint|memoryview)\s*\(", N_("evaluates code, reflects on objects or opens files")),
    (r"(?<![.\w])(?:os|sys|subprocess|socket|shutil|pathlib|importlib|ctypes|signal|requests|"
     r"httpx|urllib|asyncio)\b", N_("reaches the system, files or the network")),
))
_BY_SUFFIX: Final = {".py": _PYTHON}


def refusals(file: str, code: str) -> list[str]:
    """Why `code` may not go into a slot of `file` (translated; empty: it may)."""
    rules = _BY_SUFFIX.get(PurePosixPath(file).suffix, _TYPESCRIPT)
    found: list[str] = []
    for pattern, message in rules:
        match = pattern.search(code)
        if match is not None:
            line = code.count("\n", 0, match.start()) + 1
            found.append(_("line {line}: {reason} ({text})").format(
                line=line, reason=_(message), text=match.group(0).strip()))
    return found
