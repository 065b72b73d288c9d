"""A small TypeScript/JavaScript tokenizer and expression splitter for structural checks.

Not a full parser: it drops comments, keeps string and template literals as single tokens, tells
regular expressions from division well enough for route and schema files, and matches brackets,
so a check can find `router.get("/x", auth, handler)` or `pgTable("t", { a: text("a") })` as
calls with separated arguments. Code inside template literals is not looked into.
"""

from __future__ import annotations

import bisect
import hashlib
import operator
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate, chain, compress, count, islice, repeat
from typing import Final, NamedTuple

_PUNCT: Final = sorted(
    ["=>", "...", "?.", "??", "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=",
     "-=", "*=", "/=", "{", "}", "(", ")", "[", "]", ";", ",", ".", ":", "?", "=", "<", ">", "+",
     "-", "*", "/", "%", "!", "&", "|", "^", "~", "@", "#"], key=len, reverse=True)
_PUNCT_RE: Final = re.compile("|".join(re.escape(p) for p in _PUNCT))
# After these tokens a `/` starts a regular expression rather than a division.
_REGEX_BEFORE: Final = frozenset({"(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";",
                                  "=>", "&&", "||", "??", "return", "typeof", "case", "+", "-"})
_OPEN: Final = {"(": ")", "[": "]", "{": "}"}
_BRACKETS: Final = frozenset("()[]{}")
_SPLITTERS: Final = frozenset("()[]{},")
_VALUE: Final = operator.itemgetter(1)
_DOTS: Final = frozenset({".", "?."})
_NONE: Final[list[int]] = []  # what `Module.find` answers for a value no token has


class Token(NamedTuple):
    """One token: kind is ident, string, number, regex or punct; strings keep their quotes off.

    A tuple, so tokens are immutable and cheap to build (a tokenised file is cached and shared
    between evaluations, see `tokenize`).
    """

    kind: str
    value: str
    line: int


# Whitespace and comments are skipped by the same match as the token after them, which halves the
# number of matches (and of Python iterations) per file; the whitespace run is matched first, as
# most tokens follow one and no comment. The quantifiers are possessive: a token always follows
# (the punctuation group ends in `.`, any character, and `end` takes the end), so nothing is
# ever given back.
# Token kinds start with distinct characters, so their order is free; the groups are named after
# the kinds they produce (`.` closes the punctuation group: any other character is one).
_SKIP: Final = r"""\s*+(?:(?://[^\n]*+|/\*.*?(?:\*/|\Z))\s*+)*+"""
_MASTER: Final = re.compile(
    _SKIP + r"""(?:(?P<ident>[A-Za-z_$][\w$]*)"""
    r"""|(?P<string>"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`(?:\\.|[^`\\])*`?)"""
    r"""|(?P<number>0[xXbBoO][\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?)"""
    rf"""|(?P<punct>{_PUNCT_RE.pattern}|.)|(?P<end>\Z))""",
    re.DOTALL)
_NEWLINE: Final = re.compile("\n")
_LASTGROUP: Final = operator.attrgetter("lastgroup")
_GROUP: Final = re.Match.group
_START: Final = re.Match.start
# Matches taken at a time: small after a regular expression literal, doubling up to the most.
_MIN_BATCH: Final = 32
_MAX_BATCH: Final = 16384
# The cache keeps the most recently used modules up to this much source (tokens take about 30
# bytes of memory per source character, so ~120 MB at most).
_CACHE_CHARS: Final = 4_000_000
_cache: OrderedDict[bytes, tuple[Module, int]] = OrderedDict()
_cached_chars = 0
_lock = threading.Lock()  # the chat server may evaluate projects on several threads


def tokenize(source: str) -> tuple[Token, ...]:
    """Split TypeScript source into tokens (comments and whitespace dropped).

    One master regular expression per token keeps this fast enough for whole projects; a `/`
    after an operator-like token starts a regular expression literal instead of a division.
    """
    return parse(source).tokens


def content_key(source: str) -> bytes:
    """The hash a source is cached under (here, by the secret scan and by the tree cache)."""
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=20).digest()


def parse(source: str, key: bytes | None = None) -> Module:
    """The tokens, calls and name index of a module, cached by the source's content hash.

    The cache (an LRU bounded by the amount of source) serves the evaluations that look at the
    same files again: the code review, the deploy review and `govern report` of one project, and
    unchanged files after a revision. Everything cached is immutable.
    """
    global _cached_chars
    key = content_key(source) if key is None else key  # `key`: the caller hashed it already
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached[0]
    tokens, kinds, values, strings = _tokenize(source)
    module = Module.build(tokens, kinds, values, strings)
    if len(source) <= _CACHE_CHARS:
        with _lock:
            if key not in _cache:
                _cache[key] = (module, len(source))
                _cached_chars += len(source)
            while _cached_chars > _CACHE_CHARS:
                _cached_chars -= _cache.popitem(last=False)[1][1]
    return module


def clear_cache() -> None:
    """Forget every cached module (benchmarks measure a cold start with it)."""
    global _cached_chars
    with _lock:
        _cache.clear()
        _cached_chars = 0


def _tokenize(source: str) -> tuple[tuple[Token, ...], list[str], list[str], list[int]]:
    """Tokens of `source` and their columns (kinds, values, string literal indices).

    Most modules have no regular expression literal: they are read by one `findall` (see
    `_columns_at_once`); the others match by match (see `_columns_in_batches`).
    """
    columns = _columns_at_once(source)
    kinds, values, lines = columns if columns is not None else _columns_in_batches(source)
    strings = list(compress(count(), map("string".__eq__, kinds)))
    for i in strings:
        values[i] = _unquote(values[i])
    tokens = tuple(map(tuple.__new__, repeat(Token), zip(kinds, values, lines, strict=False)))
    return tokens, kinds, values, strings


class _FirstKind(dict[str, str]):
    """The kind of a token by its first character (the master expression's alternatives)."""

    def __missing__(self, char: str) -> str:
        kind = "number" if char.isdecimal() else "punct"  # `\d` is any decimal digit
        self[char] = kind
        return kind


_FIRST_KIND: Final = _FirstKind({
    **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$", "ident"),
    **dict.fromkeys("\"'`", "string"), **dict.fromkeys("0123456789", "number"), "\n": "\n"})
_FIRST_CHAR: Final = operator.itemgetter(0)
_STARTS_COMMENT: Final = operator.methodcaller("startswith", "/*")
# `_MASTER` for `findall`: one group, the token, whose kind is told by its first character. A
# newline is a token of its own (the lines are counted from them), and so is a comment running
# over lines (dropped with the newlines); whitespace within a line and the other comments are
# skipped. The end matches too (an empty token): otherwise `findall` would retry a failed match
# one character further, inside a comment ending the source.
_HSPACE: Final = r"[^\S\n]*+"
_AT_ONCE: Final = re.compile(
    _HSPACE + r"(?:(?://[^\n]*+|/\*[^\n]*?\*/)" + _HSPACE + r")*+"
    r"""(\n|/\*.*?(?:\*/|\Z)|[A-Za-z_$][\w$]*"""
    r"""|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`(?:\\.|[^`\\])*`?"""
    r"""|0[xXbBoO][\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?"""
    rf"""|{_PUNCT_RE.pattern}|.|\Z)""",
    re.DOTALL)


def _columns_at_once(source: str) -> tuple[list[str], list[str], list[int]] | None:
    """Kinds, values (quoted) and lines of the tokens; None when a regex literal is among them.

    One `findall` and a few C-level `map`s: no match object, no offset. A line is one plus the
    newlines of the tokens before (newline tokens, and the rare token spanning lines).
    """
    raw: list[str] = _AT_ONCE.findall(source)
    while raw and not raw[-1]:  # the end (matched once after the last token, once at it)
        raw.pop()
    kinds = list(map(_FIRST_KIND.__getitem__, map(_FIRST_CHAR, raw)))
    keep = list(map("\n".__ne__, kinds))
    weights: Iterator[int] = map(operator.not_, keep)  # the newline tokens
    if raw and (kinds.count("\n") != source.count("\n") or _STARTS_COMMENT(raw[-1])):
        # Some token spans lines (a template, a continued string, a comment), or an
        # unterminated comment ends the source: comments are dropped, the others counted.
        weights = map(str.count, raw, repeat("\n"))
        for i in compress(count(), map(_STARTS_COMMENT, raw)):
            if kinds[i] == "punct":
                keep[i] = False
    lines = list(compress(accumulate(weights, initial=1), keep))
    kinds = list(compress(kinds, keep))
    values = list(compress(raw, keep))
    if _regex_start(kinds, values, 0) is not None:
        return None
    return kinds, values, lines


def _columns_in_batches(source: str) -> tuple[list[str], list[str], list[int]]:
    """Kinds, values (quoted) and lines of the tokens, regular expression literals included.

    Matches are taken in batches and turned into token columns by C-level `map`s (kind, text,
    and the line by bisecting the token offsets at each newline). A `/` that starts a regular
    expression literal ends the batch: the literal is cut by hand and matching resumes after
    it, with a small batch that doubles while no literal turns up, so files full of literals
    (minified code) never rescan much.
    """
    kinds: list[str] = []
    values: list[str] = []
    starts: list[int] = []
    pos, size, done = 0, _MIN_BATCH, False
    while not done:
        found = _MASTER.finditer(source, pos)
        while True:
            matches = list(islice(found, size))
            if len(matches) < size:
                done = True
            while matches and matches[-1].lastgroup == "end":  # trailing whitespace, comments
                matches.pop()
            names = list(map(_LASTGROUP, matches))
            first = len(kinds)
            kinds += names
            values += map(_GROUP, matches, names)
            starts += map(_START, matches, names)
            at = _regex_start(kinds, values, first)
            if at is not None:
                pos, size, done = _regex_at(source, at, kinds, values, starts), _MIN_BATCH, False
                break
            if done:
                break
            size = min(size * 2, _MAX_BATCH)
    return kinds, values, _lines(source, starts)


def _lines(source: str, starts: list[int]) -> list[int]:
    """The line of each token start: one bisection per line rather than one per token."""
    cuts = list(map(bisect.bisect_left, repeat(starts),
                    map(_START, _NEWLINE.finditer(source))))
    cuts.append(len(starts))
    return list(chain.from_iterable(map(repeat, count(1), map(operator.sub, cuts,
                                                              [0, *cuts[:-1]]))))


def _unquote(text: str) -> str:
    closed = len(text) > 1 and text[-1] == text[0]
    return text[1:-1] if closed else text[1:]


def _regex_start(kinds: list[str], values: list[str], first: int) -> int | None:
    """Index of the first `/` from `first` on that starts a regular expression literal."""
    i = first
    while True:
        try:
            i = values.index("/", i)
        except ValueError:
            return None
        if kinds[i] == "punct":
            before = "" if i == 0 else values[i - 1] if kinds[i - 1] != "string" else \
                _unquote(values[i - 1])
            if i == 0 or before in _REGEX_BEFORE:
                return i
        i += 1


def _regex_at(source: str, at: int, kinds: list[str], values: list[str],
              starts: list[int]) -> int:
    """Replace everything from token `at` by the regular expression literal; its end offset."""
    start = starts[at]
    end = _regex_end(source, start)
    del kinds[at:], values[at:], starts[at:]
    kinds.append("regex")
    values.append(source[start:end])
    starts.append(start)
    return end


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


def bracket_pairs(tokens: Sequence[Token]) -> dict[int, int]:
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


def matching(tokens: Sequence[Token], index: int) -> int:
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


def split_top(tokens: Sequence[Token]) -> list[list[Token]]:
    """Split a bracket's contents at its top-level commas (empty parts dropped).

    Only brackets and commas are stepped through (found by C-level maps); the parts are slices.
    """
    values = list(map(_VALUE, tokens))
    parts: list[list[Token]] = []
    depth = begin = 0
    for i in compress(count(), map(_SPLITTERS.__contains__, values)):
        if tokens[i].kind != "punct":
            continue
        value = values[i]
        if value in _OPEN:
            depth += 1
        elif value != ",":
            depth -= 1
        elif depth == 0:
            if i > begin:
                parts.append(list(tokens[begin:i]))
            begin = i + 1
    if len(values) > begin:
        parts.append(list(tokens[begin:]))
    return parts


class Call:
    """A call expression `callee(args)`; `callee` is the dotted name right before `(`.

    `tokens[start]` is the opening and `tokens[end]` the closing parenthesis. The arguments are
    split on first use: most calls of a module are never looked into. Treated as immutable (calls
    are cached with their module).
    """

    __slots__ = ("_args", "_pairs", "callee", "end", "line", "start", "tokens")

    def __init__(self, callee: str, line: int, start: int, end: int,
                 tokens: Sequence[Token], pairs: dict[int, int]) -> None:
        self.callee = callee
        self.line = line
        self.start = start
        self.end = end
        self.tokens = tokens
        self._pairs = pairs
        self._args: list[list[Token]] | None = None

    @property
    def args(self) -> list[list[Token]]:
        """The arguments, each as its tokens."""
        if self._args is None:
            self._args = _split_args(self.tokens, self.start, self.end, self._pairs)
        return self._args

    def arg_ranges(self) -> list[tuple[int, int]]:
        """The token index range (first, last) of each argument."""
        ranges: list[tuple[int, int]] = []
        begin = j = self.start + 1
        while j < self.end:
            value = self.tokens[j].value if self.tokens[j].kind == "punct" else ""
            if value in _OPEN:
                j = self._pairs.get(j, self.end)
            elif value == ",":
                if j > begin:
                    ranges.append((begin, j - 1))
                begin = j + 1
            j += 1
        if self.end > begin:
            ranges.append((begin, self.end - 1))
        return ranges

    def __repr__(self) -> str:
        return f"Call({self.callee!r}, line={self.line}, start={self.start}, end={self.end})"


def _split_args(tokens: Sequence[Token], start: int, end: int,
                pairs: dict[int, int]) -> list[list[Token]]:
    """`split_top(tokens[start + 1:end])`, jumping over nested brackets by their pairs.

    Only the top level of the arguments is stepped through; a handler's body is sliced whole.
    """
    parts: list[list[Token]] = []
    begin = j = start + 1
    while j < end:
        kind, value, _line = tokens[j]
        if kind == "punct":
            if value in _OPEN:
                j = pairs.get(j, end)
            elif value == ",":
                if j > begin:
                    parts.append(list(tokens[begin:j]))
                begin = j + 1
        j += 1
    if end > begin:
        parts.append(list(tokens[begin:end]))
    return parts


def calls(tokens: Sequence[Token], pairs: dict[int, int] | None = None) -> Iterator[Call]:
    """Every call whose callee is a (dotted) name, in source order, nested ones included."""
    pairs = bracket_pairs(tokens) if pairs is None else pairs
    for i, token in enumerate(tokens):
        if token.value == "(" and token.kind == "punct":
            call = _call_at(tokens, i, pairs)
            if call is not None:
                yield call


def _call_at(tokens: Sequence[Token], i: int, pairs: dict[int, int]) -> Call | None:
    if i == 0 or (tokens[i - 1].kind != "ident" and tokens[i - 1].value != ">"):
        return None
    callee = dotted_before(tokens, i)
    if not callee:
        return None
    return Call(callee=callee, line=tokens[i].line, start=i,
                end=pairs.get(i, len(tokens) - 1), tokens=tokens, pairs=pairs)


@dataclass(frozen=True, eq=False)
class Module:
    """A tokenised module with its calls; finds identifiers and strings without a token loop."""

    tokens: tuple[Token, ...]
    kinds: list[str]
    values: list[str]
    calls: tuple[Call, ...]
    # Calls by the last part of their callee (`router.get(...)` under "get"), in source order.
    by_name: dict[str, list[Call]]
    call_starts: list[int]
    # The closing bracket of every opening one, by token index.
    pairs: dict[int, int] = field(default_factory=dict, repr=False)
    # What a reader derived from a token range of this module alone (its calls, how it reads
    # a table), kept with the module so later evaluations of unchanged files reuse it.
    derived: dict[tuple[str, int, int], object] = field(default_factory=dict, repr=False)
    # Lookups already answered (a cached module is read again by every evaluation).
    _matching: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, tokens: tuple[Token, ...], kinds: list[str], values: list[str],
              strings: list[int] | None = None) -> Module:
        """Find the calls of `tokens` (`kinds` and `values` are its columns).

        `strings` are the indices of the string literals, when the tokenizer has them already.
        """
        brackets = compress(count(), map(_BRACKETS.__contains__, values))
        stack: list[int] = []
        opening: list[int] = []
        pairs: dict[int, int] = {}
        for i in brackets:
            if kinds[i] != "punct":
                continue
            if values[i] in _OPEN:
                stack.append(i)
                if values[i] == "(":
                    opening.append(i)
            elif stack:
                pairs[stack.pop()] = i
        for unclosed in stack:
            pairs[unclosed] = len(tokens) - 1
        found: list[Call] = []
        by_name: dict[str, list[Call]] = {}
        last = len(tokens) - 1
        for i in opening:
            # `_call_at`, on the columns: most callees are `f(` or `a.b(` (no generic arguments)
            if i == 0:
                continue
            if kinds[i - 1] == "ident":
                j, last_part = i - 1, values[i - 1]
                parts = [last_part]
                while j >= 2 and values[j - 1] in _DOTS and kinds[j - 2] == "ident":
                    j -= 2
                    parts.append(values[j])
                callee = last_part if len(parts) == 1 else ".".join(reversed(parts))
            elif values[i - 1] == ">":
                callee = dotted_before(tokens, i)
                if not callee:
                    continue
                last_part = callee.rpartition(".")[2]
            else:
                continue
            call = Call(callee, tokens[i].line, i, pairs.get(i, last), tokens, pairs)
            found.append(call)
            known = by_name.get(last_part)
            if known is None:
                by_name[last_part] = [call]
            else:
                known.append(call)
        module = cls(tokens=tokens, kinds=kinds, values=values, calls=tuple(found),
                     by_name=by_name, call_starts=[c.start for c in found], pairs=pairs)
        if strings is not None:  # what the `strings` cached property would compute
            module.__dict__["strings"] = strings
        return module

    def find(self, value: str) -> list[int]:
        """Indices of every token with this value, of any kind, in source order."""
        return self._index.get(value, _NONE)

    @cached_property
    def _index(self) -> dict[str, list[int]]:
        """The indices of each distinct token value, built in one pass on first use.

        `list.append` returns None, so `any` drives both maps to the end without a Python-level
        loop (a module is looked up a dozen times; scanning the values once per lookup cost a
        tenth of a cold evaluation).
        """
        index: defaultdict[str, list[int]] = defaultdict(list)
        any(map(list.append, map(index.__getitem__, self.values), count()))
        return dict(index)

    def positions(self, *names: str) -> list[int]:
        """Indices of the identifiers `names`, in source order."""
        kinds = self.kinds
        found = [i for name in names for i in self.find(name) if kinds[i] == "ident"]
        return sorted(found) if len(names) > 1 else found

    def positions_matching(self, pattern: re.Pattern[str]) -> list[int]:
        """Indices of the identifiers whose name `pattern` finds, in source order."""
        return self.positions(*self.names_matching(pattern))

    def names_matching(self, pattern: re.Pattern[str]) -> list[str]:
        """The distinct token values (one line each) in which `pattern` finds something."""
        key = f"{pattern.flags}:{pattern.pattern}"
        known = self._matching.get(key)
        if known is None:
            lines = "\n".join(v for v in set(self.values) if "\n" not in v)
            whole = re.compile(rf"^.*?(?:{pattern.pattern}).*$", pattern.flags | re.MULTILINE)
            known = self._matching[key] = [m.group(0) for m in whole.finditer(lines)]
        return known

    @cached_property
    def strings(self) -> list[int]:
        """Indices of the string literals."""
        return list(compress(count(), map("string".__eq__, self.kinds)))

    @cached_property
    def definitions(self) -> dict[str, Definition]:
        """Top-level `function NAME` and `const/let/var NAME = ...` declarations, by name.

        Declarations nested in another one (locals of a function) are left out: a name found
        here is what the module's other code and its importers refer to.
        """
        found: dict[str, Definition] = {}
        last_end = -1
        for i in self.positions("function", "const", "let", "var"):
            if i <= last_end:
                continue
            definition = self._definition_at(i)
            if definition is not None:
                found.setdefault(definition.name, definition)
                last_end = definition.end
        return found

    def _definition_at(self, i: int) -> Definition | None:
        tokens = self.tokens
        if i + 2 >= len(tokens) or tokens[i + 1].kind != "ident":
            return None
        name = tokens[i + 1].value
        if tokens[i].value == "function":
            fn = function_at(self, i, len(tokens))
            return Definition(name, i, i, fn.end, fn) if fn is not None else None
        j = i + 2
        while j < len(tokens) and tokens[j].value not in ("=", ";"):
            j = self.pairs.get(j, j) + 1 if tokens[j].value in _OPEN else j + 1
        if j >= len(tokens) - 1 or tokens[j].value != "=":
            return None
        end = expression_end(self, j + 1)
        return Definition(name, i, j + 1, end, function_at(self, j + 1, end + 1))

    @cached_property
    def functions(self) -> tuple[Function, ...]:
        """Every function (declared, expression or arrow), in source order of their start."""
        tokens = self.tokens
        found = [fn for i in self.positions("function") if (fn := function_at(self, i,
                                                                               len(tokens)))]
        opening = {close: open_ for open_, close in self.pairs.items()}
        for arrow in self.find("=>"):
            start = _arrow_start(self, arrow, opening)
            fn = function_at(self, start, len(tokens)) if start is not None else None
            if fn is not None:
                found.append(fn)
        return tuple(sorted(found, key=lambda f: f.start))

    def calls_between(self, start: int, end: int) -> tuple[tuple[Call, ...], tuple[str, ...]]:
        """The calls starting in tokens `start..end` and their distinct callees, in order."""
        key = ("calls", start, end)
        known = self.derived.get(key)
        if known is None:
            found = self.calls[bisect.bisect_left(self.call_starts, start):
                               bisect.bisect_right(self.call_starts, end)]
            known = self.derived[key] = (found, tuple(dict.fromkeys(c.callee for c in found)))
        return known  # type: ignore[return-value]  # stored by this method only

    def calls_named(self, *names: str) -> list[Call]:
        """Calls whose callee ends in one of `names` (`pgTable`, `db.pgTable`), in source order."""
        if len(names) == 1:
            return self.by_name.get(names[0], [])
        return sorted((c for name in names for c in self.by_name.get(name, [])),
                      key=lambda c: c.start)


def dotted_before(tokens: Sequence[Token], index: int) -> str:
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


def object_entries(tokens: Sequence[Token]) -> dict[str, Sequence[Token]]:
    """Keys and value tokens of an object literal given with or without its braces."""
    if tokens and tokens[0].value == "{":
        tokens = tokens[1:matching(tokens, 0)]
    entries: dict[str, Sequence[Token]] = {}
    for part in split_top(tokens):
        if len(part) >= 2 and part[0].kind in ("ident", "string") and part[1].value == ":":
            entries[part[0].value] = part[2:]
        elif len(part) == 1 and part[0].kind == "ident":  # shorthand `{ id }`
            entries[part[0].value] = part
    return entries


def first_string(tokens: Sequence[Token]) -> str | None:
    """The value of the first string token, if any."""
    return next((t.value for t in tokens if t.kind == "string"), None)


def is_function(tokens: Sequence[Token]) -> bool:
    """Whether the tokens are an inline function (arrow or `function`)."""
    return any(t.value == "=>" for t in tokens) or (bool(tokens) and tokens[0].value in
                                                      ("function", "async"))


class Function(NamedTuple):
    """A function: its parameter names, its first token and its body's token range."""

    params: tuple[str, ...]
    start: int
    body: int  # the body's first token (`{`, or the expression of an arrow)
    end: int  # the body's last token


class Definition(NamedTuple):
    """A top-level declaration.

    Tokens `start..end`, its value from `value`, and the function it declares or is assigned
    (None for other values).
    """

    name: str
    start: int
    value: int
    end: int
    function: Function | None


_STATEMENT_START: Final = frozenset({"export", "import", "const", "let", "var", "function",
                                     "class", "interface", "type"})


def expression_end(module: Module, start: int) -> int:
    """The last token of the expression starting at `start`.

    It ends before `;`, `,` or a closing bracket at its own depth, or before a statement keyword
    that starts a new line.
    """
    tokens, pairs = module.tokens, module.pairs
    j = start
    while j < len(tokens):
        kind, value, line = tokens[j]
        if kind == "punct":
            if value in _OPEN:
                j = pairs.get(j, len(tokens) - 1) + 1
                continue
            if value in (";", ",", ")", "]", "}"):
                return max(start, j - 1)
        elif kind == "ident" and j > start and value in _STATEMENT_START and \
                line > tokens[j - 1].line:
            return j - 1
        j += 1
    return len(tokens) - 1


def function_at(module: Module, start: int, limit: int) -> Function | None:
    """The function whose tokens begin at `start` (`async`, `function`, arrow), if one does."""
    tokens, pairs = module.tokens, module.pairs
    i = start + 1 if start < limit and tokens[start].value == "async" else start
    if i >= limit:
        return None
    if tokens[i].value == "function":
        i += 1 + (i + 1 < limit and tokens[i + 1].kind == "ident")
        if i >= limit or tokens[i].value != "(":
            return None
        close = pairs.get(i, limit)
        body = _body_after(module, close + 1, limit)
        if body is None:
            return None
        return Function(_param_names(tokens[i + 1:close]), start, body, pairs.get(body, limit))
    params: tuple[str, ...]
    if tokens[i].kind == "ident" and i + 1 < limit and tokens[i + 1].value == "=>":
        params, arrow = (tokens[i].value,), i + 1
    elif tokens[i].value == "(":
        close = pairs.get(i, limit)
        arrow = next((j for j in range(close + 1, min(close + 40, limit))
                      if tokens[j].value in ("=>", "{", ";")), limit)
        if arrow >= limit or tokens[arrow].value != "=>" or \
                (arrow > close + 1 and tokens[close + 1].value != ":"):
            return None
        params = _param_names(tokens[i + 1:close])
    else:
        return None
    body = arrow + 1
    if body >= limit:
        return None
    end = pairs.get(body, limit) if tokens[body].value == "{" else expression_end(module, body)
    return Function(params, start, body, end)


_TYPE_BEFORE: Final = frozenset({":", "|", "&", "<", ",", "=>"})


def _body_after(module: Module, j: int, limit: int) -> int | None:
    """The `{` opening a function body at or after `j`, past a return type annotation."""
    tokens, pairs = module.tokens, module.pairs
    angles = 0
    for _ in range(200):  # a return type is short; give up on anything else
        if j >= limit:
            return None
        value = tokens[j].value if tokens[j].kind == "punct" else ""
        if value == "{" and angles == 0 and tokens[j - 1].value not in _TYPE_BEFORE:
            return j
        if value in _OPEN:
            j = pairs.get(j, limit)
        elif value in ("<", ">"):
            angles += 1 if value == "<" else -1
        elif value == ";":
            return None
        j += 1
    return None


def _param_names(tokens: Sequence[Token]) -> tuple[str, ...]:
    return tuple(part[0].value if part[0].kind == "ident" else ""
                 for part in split_top(tokens))


def _arrow_start(module: Module, arrow: int, opening: dict[int, int]) -> int | None:
    """The first token of the arrow function whose `=>` is at `arrow`.

    `opening` is the opening bracket of every closing one.
    """
    tokens = module.tokens
    j = arrow - 1
    if j >= 0 and tokens[j].kind == "ident":
        start = j
    else:
        close = next((k for k in range(j, max(j - 40, -1), -1) if tokens[k].value == ")"), None)
        if close is None:
            return None
        if close not in opening:
            return None
        start = opening[close]
    return start - 1 if start >= 1 and tokens[start - 1].value == "async" else start
