"""Safe YAML loading that remembers where every value came from and refuses duplicate keys.

Problems in owner-written files (constitution, budgets) are reported with the line they are on,
so the loader returns the data together with a map from value paths to 1-based line numbers.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]


class YamlProblem(ValueError):
    """The text is not YAML we accept; `line` is 1-based (None when unknown)."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise YamlProblem(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse one YAML document; returns (data, {path: line}). Raises YamlProblem."""
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        if node is None:
            return None, {}
        loader = _StrictLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise YamlProblem(reason or "invalid YAML", mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(str(exc), None) from exc
    lines: dict[Path, int] = {}
    _walk(node, (), lines)
    return data, lines


def _walk(node: Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
