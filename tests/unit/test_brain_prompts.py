"""Prompts are files rendered by one strict loader."""

from __future__ import annotations

import pytest

from webnova.prompts import load_prompt


def test_every_prompt_renders_with_its_variables() -> None:
    system = load_prompt("system", catalog="- saas-starter: SaaS")
    intent = load_prompt("intent", text="A clinic", locale="ar", language="Arabic")
    architect = load_prompt("architect", analysis="{}", previous="none", feedback="none",
                            generatable="react+express")
    assert "- saas-starter: SaaS" in system and "approvals" in system
    assert "<description>\nA clinic\n</description>" in intent and "in Arabic" in intent
    assert "react+express" in architect
    assert "$" not in system + intent + architect


def test_a_missing_variable_is_an_error() -> None:
    with pytest.raises(KeyError, match="language"):
        load_prompt("intent", text="A clinic", locale="en")


def test_an_unknown_prompt_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        load_prompt("nope")
