"""A small TypeScript/JavaScript tokenizer and expression splitter for structural checks.

Not a full parser: it drops comments, keeps string and template literals as single tokens, tells
regular expressions from division well enough for route and schema files, and matches brackets,
so a check can find `router.get("/x", auth, handler)` or `pgTable("t", { a: text("a") })` as
calls with separated arguments. Code inside template literals is not looked into.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

_PUNCT: Final = sorted(
    ["=>", "...", "?.", "??", "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=",
     "-=", "*=", "/=", "{", "}", "(", ")", "[", "]", ";", ",", ".", ":", "?", "=", "<", ">", "+",
     "-", "*", "/", "%", "!", "&", "|", "^", "~", "@", "#"], key=len, reverse=True)
_PUNCT_RE: Final = re.compile("|".join(re.escape(p) for p in _PUNCT))
# After these tokens a `/` starts a regular expression rather than a division.
_REGEX_BEFORE: Final = frozenset({"(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";",
                                  "=>", "&&", "||", "??", "return", "typeof", "case", "+", "-"})
_OPEN: Final = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Token:
    """One token: kind is ident, string, number, regex or punct; strings keep their quotes off."""

    kind: str
    value: str
    line: int


_MASTER: Final = re.compile(
    r"""(?P<ws>\s+)|(?P<lc>//[^\n]*)|(?P<bc>/\*.*?(?:\*/|\Z))"""
    r"""|(?P<str>"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)|(?P<tpl>`(?:\\.|[^`\\])*`?)"""
    r"""|(?P<ident>[A-Za-z_$][\w$]*)"""
    r"""|(?P<num>0[xXbBoO][\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?)"""
    rf"""|(?P<punct>{_PUNCT_RE.pattern})|(?P<other>.)""",
    re.DOTALL)


def tokenize(source: str) -> list[Token]:
    """Split TypeScript source into tokens (comments and whitespace dropped).

    One master regular expression per token keeps this fast enough for whole projects; a `/`
    after an operator-like token starts a regular expression literal instead of a division.
    """
    tokens: list[Token] = []
    i, line, n = 0, 1, len(source)
    while i < n:
        match = _MASTER.match(source, i)
        assert match is not None  # `other` matches any character
        kind, text = match.lastgroup, match.group()
        if kind == "ws":
            line += text.count("\n")
        elif kind in ("str", "tpl"):
            closed = len(text) > 1 and text[-1] == text[0]
            tokens.append(Token("string", text[1:-1] if closed else text[1:], line))
            line += text.count("\n")
        elif kind == "bc":
            line += text.count("\n")
        elif kind == "punct" and text == "/" and (not tokens or tokens[-1].value in
                                                 _REGEX_BEFORE):
            end = _regex_end(source, i)
            tokens.append(Token("regex", source[i:end], line))
            i = end
            continue
        elif kind == "ident":
            tokens.append(Token("ident", text, line))
        elif kind == "num":
            tokens.append(Token("number", text, line))
        elif kind in ("punct", "other"):
            tokens.append(Token("punct", text, line))
        i = match.end()
    return tokens


def _regex_end(source: str, start: int) -> int:
    i, in_class = start + 1, False
    while i < len(source) and source[i] != "\n":
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            i += 1
            while i < len(source) and source[i].isalpha():
                i += 1
            return i
        i += 1
    return i


def bracket_pairs(tokens: list[Token]) -> dict[int, int]:
    """Index of the closing bracket for every opening one, in one pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, token in enumerate(tokens):
        if token.kind != "punct":
            continue
        if token.value in _OPEN:
            stack.append(i)
        elif token.value in (")", "]", "}") and stack:
            pairs[stack.pop()] = i
    for unclosed in stack:
        pairs[unclosed] = len(tokens) - 1
    return pairs


def matching(tokens: list[Token], index: int) -> int:
    """Index of the bracket closing the one at `index` (or the last token when unbalanced)."""
    depth = 0
    for j in range(index, len(tokens)):
        value = tokens[j].value if tokens[j].kind == "punct" else ""
        if value in _OPEN:
            depth += 1
        elif value in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def split_top(tokens: list[Token]) -> list[list[Token]]:
    """Split a bracket's contents at its top-level commas (empty trailing parts dropped)."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        value = token.value if token.kind == "punct" else ""
        if value in _OPEN:
            depth += 1
        elif value in (")", "]", "}"):
            depth -= 1
        if value == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return [p for p in parts if p]


@dataclass(frozen=True)
class Call:
    """A call expression `callee(args)`; `callee` is the dotted name right before `(`."""

    callee: str
    args: list[list[Token]]
    line: int
    start: int
    end: int


def calls(tokens: list[Token], pairs: dict[int, int] | None = None) -> Iterator[Call]:
    """Every call whose callee is a (dotted) name, in source order, nested ones included."""
    pairs = bracket_pairs(tokens) if pairs is None else pairs
    for i, token in enumerate(tokens):
        if token.value != "(" or token.kind != "punct" or i == 0:
            continue
        callee = dotted_before(tokens, i)
        if not callee:
            continue
        end = pairs.get(i, len(tokens) - 1)
        yield Call(callee=callee, args=split_top(tokens[i + 1:end]), line=token.line,
                   start=i, end=end)


def dotted_before(tokens: list[Token], index: int) -> str:
    """The dotted name ending right before `index` (`a.b.c`), skipping generic arguments."""
    j = index - 1
    if j >= 0 and tokens[j].value == ">":  # foo<Bar>(...): skip the type arguments
        depth = 0
        while j >= 0:
            if tokens[j].value == ">":
                depth += 1
            elif tokens[j].value == "<":
                depth -= 1
                if depth == 0:
                    j -= 1
                    break
            j -= 1
    parts: list[str] = []
    while j >= 0 and tokens[j].kind == "ident":
        parts.append(tokens[j].value)
        if j >= 1 and tokens[j - 1].value in (".", "?."):
            j -= 2
        else:
            break
    return ".".join(reversed(parts))


def object_entries(tokens: list[Token]) -> dict[str, list[Token]]:
    """Keys and value tokens of an object literal given with or without its braces."""
    if tokens and tokens[0].value == "{":
        tokens = tokens[1:matching(tokens, 0)]
    entries: dict[str, list[Token]] = {}
    for part in split_top(tokens):
        if len(part) >= 2 and part[0].kind in ("ident", "string") and part[1].value == ":":
            entries[part[0].value] = part[2:]
        elif len(part) == 1 and part[0].kind == "ident":  # shorthand `{ id }`
            entries[part[0].value] = part
    return entries


def first_string(tokens: list[Token]) -> str | None:
    """The value of the first string token, if any."""
    return next((t.value for t in tokens if t.kind == "string"), None)


def is_function(tokens: list[Token]) -> bool:
    """Whether the tokens are an inline function (arrow or `function`)."""
    return any(t.value == "=>" for t in tokens) or (bool(tokens) and tokens[0].value in
                                                      ("function", "async"))
