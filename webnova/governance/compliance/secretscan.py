"""Committed secrets, cached by file content hash.

Key patterns, hard-coded credentials and .env files that .gitignore does not cover.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Final

from webnova.governance.compliance.facts import (
    Located,
    ProjectFacts,
    rel_path,
)

SECRET_PATTERNS: Final = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "Stripe secret key": re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{30,}\b"),
    "Slack token": re.compile(r"\bxox[abpors]-[0-9A-Za-z-]{10,}\b"),
}
# A literal every match of each pattern contains: a plain substring test skips the regex on almost
# every file (a leading \b defeats the regex engine's own literal search; measured 25x faster).
SECRET_HINTS: Final = {
    "private key": ("PRIVATE KEY",),
    "AWS access key": ("AKIA",),
    "Stripe secret key": ("_live_",),
    "GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "Slack token": ("xox",),
}
# Any of the hints: most files have none, and then one scan of them is enough.
_ANY_HINT: Final = re.compile("|".join(re.escape(h) for hints in SECRET_HINTS.values()
                                       for h in hints))
SECRET_NAME: Final = re.compile(r"(secret|passw(or)?d|api_?key|private_?key|access_?token|"
                                r"auth_?token|client_?secret)", re.IGNORECASE)
# The same names matched in lower-cased text: case-insensitive matching is ~9x slower.
_SECRET_NAME_LOWER: Final = re.compile(SECRET_NAME.pattern)
_ENV_LINE: Final = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
PLACEHOLDER: Final = re.compile(r"^(|change[-_ ]?me.*|x+|\*+|<.*>|\$\{.*\}|your[-_].*|example.*|"
                                r"dummy.*|test.*|placeholder.*|replace[-_ ]?me.*)$",
                                re.IGNORECASE)


def scan_secrets(root: Path, files: list[Path], texts: dict[Path, str],
                 facts: ProjectFacts, keys: dict[Path, bytes]) -> None:
    """Committed secrets of every file, and .env files that .gitignore does not cover.

    `keys` holds each text's `content_key`, computed once per read.
    """
    ignored = _gitignored_names(root)
    for path in files:
        rel = rel_path(root, path)
        if path.name == ".env" or (path.name.startswith(".env.") and
                                   not path.name.endswith((".example", ".sample", ".template"))):
            if path.name not in ignored:
                facts.secrets.append(Located(f"{path.name} file is committed", rel, 1))
            continue
        text = texts.get(path)
        if text is not None:
            facts.secrets.extend(Located(value, rel, line)
                                 for value, line in _file_secrets(path.name, text, keys[path]))


_SECRETS_CACHE_LIMIT: Final = 2048
_secrets_cache: OrderedDict[tuple[str, bytes], tuple[tuple[str, int], ...]] = OrderedDict()
_secrets_lock = threading.Lock()


def clear_secrets_cache() -> None:
    """Forget every cached scan (benchmarks measure a cold start)."""
    with _secrets_lock:
        _secrets_cache.clear()


def _file_secrets(name: str, text: str, content: bytes) -> tuple[tuple[str, int], ...]:
    """(kind, line) of every secret in one file, cached by the file's name and content hash.

    Every file is scanned (a secret can hide anywhere); the cache spares unchanged files, such
    as a large generated openapi.json, the scan on the next evaluation of the same tree.
    """
    key = (name, content)
    with _secrets_lock:
        cached = _secrets_cache.get(key)
        if cached is not None:
            _secrets_cache.move_to_end(key)
            return cached
    found: list[tuple[str, int]] = []
    hinted = _ANY_HINT.search(text) is not None  # one pass instead of one per hint
    for kind, pattern in SECRET_PATTERNS.items():
        if not hinted or not any(hint in text for hint in SECRET_HINTS[kind]):
            continue
        found.extend((kind, text.count("\n", 0, match.start()) + 1)
                     for match in pattern.finditer(text))
    if PurePosixPath(name).suffix in (".ts", ".js", ".py", ".json", ".yaml", ".yml", ".toml") \
            and not name.endswith((".example", ".sample")):
        found.extend(_hardcoded_secrets(text))
    result = tuple(found)
    with _secrets_lock:
        _secrets_cache[key] = result
        if len(_secrets_cache) > _SECRETS_CACHE_LIMIT:
            _secrets_cache.popitem(last=False)
    return result


_IDENT_TAIL: Final = re.compile(r"[A-Za-z0-9_]*")
_ASSIGNED_AFTER: Final = re.compile(r"""["']?[ \t]*[:=][ \t]*["']([^"'\s]{12,})["']""")


def _secret_names(text: str) -> Iterator[re.Match[str]]:
    lowered = text.lower()
    if len(lowered) == len(text):  # offsets line up (true unless exotic case mappings occur)
        return _SECRET_NAME_LOWER.finditer(lowered)
    return SECRET_NAME.finditer(text)


def _hardcoded_secrets(text: str) -> Iterator[tuple[str, int]]:
    for found in _secret_names(text):
        tail = _IDENT_TAIL.match(text, found.end())
        end = tail.end() if tail else found.end()
        match = _ASSIGNED_AFTER.match(text, end)
        if match is None:
            continue
        start = found.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        name, value = text[start:end], match.group(1)
        if not PLACEHOLDER.match(value) and \
                not value.startswith(("process.env", "os.environ", "http://", "https://")):
            yield f"hard-coded value for {name}", text.count("\n", 0, match.start()) + 1


def _gitignored_names(root: Path) -> set[str]:
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        return set()
    names: set[str] = set()
    for line in gitignore.read_text(encoding="utf-8").splitlines():
        entry = line.strip().lstrip("/")
        if entry in (".env", ".env*", ".env.*", "*.env"):
            names.update({".env", *(f".env.{s}" for s in ("local", "production", "development"))})
        elif entry and not entry.startswith("#"):
            names.add(entry)
    return names
