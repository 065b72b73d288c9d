"""The TypeScript tokenizer behind the compliance scan: kinds, values and lines.

Lines are computed per newline rather than per token, and the token kinds come straight from the
master expression's group names: tokens spanning lines (template literals, continued strings),
comments between them, regular expression literals and odd characters must keep their kind,
value and line.
"""

from __future__ import annotations

from webnova.governance.compliance import tsscan

SOURCE = (
    "const a = `x\n"
    "y`; // c\n"
    "/* multi\n"
    "line */ let b = \"s\\\n"
    "t\";\r\n"
    "c(/re\\/x/g, 1 / 2) ٣ é\n"
    "\n"
    "// trailing comment\n"
)


def test_every_token_keeps_its_kind_value_and_line() -> None:
    assert [tuple(t) for t in tsscan.tokenize(SOURCE)] == [
        ("ident", "const", 1), ("ident", "a", 1), ("punct", "=", 1), ("string", "x\ny", 1),
        ("punct", ";", 2), ("ident", "let", 4), ("ident", "b", 4), ("punct", "=", 4),
        ("string", "s\\\nt", 4), ("punct", ";", 5), ("ident", "c", 6), ("punct", "(", 6),
        ("regex", "/re\\/x/g", 6), ("punct", ",", 6), ("number", "1", 6), ("punct", "/", 6),
        ("number", "2", 6), ("punct", ")", 6), ("number", "٣", 6), ("punct", "é", 6),
    ]


def test_empty_and_blank_sources_have_no_tokens() -> None:
    assert tsscan.tokenize("") == ()
    assert tsscan.tokenize("\n\n  // only a comment\n/* and another */") == ()


def test_calls_are_found_with_dotted_optional_and_generic_callees() -> None:
    module = tsscan.parse("a.b?.c(1); f<T>(x); (g)(y); router.get('/p', h(z));\n")
    assert [(c.callee, c.start, c.end) for c in module.calls] == [
        ("a.b.c", 5, 7), ("f", 13, 15), ("router.get", 27, 34), ("h", 31, 33)]
    assert [c.callee for c in module.calls_named("get", "c")] == ["a.b.c", "router.get"]
