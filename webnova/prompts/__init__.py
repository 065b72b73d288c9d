"""Model prompts as files, loaded by one strict function."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def _text(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def load_prompt(name: str, **values: str) -> str:
    """The prompt `name` (a file `<name>.md` here) with `$variables` filled in.

    Raises:
        FileNotFoundError: there is no such prompt.
        KeyError: a variable the prompt uses is missing (`Template.substitute` is strict).
    """
    return Template(_text(name)).substitute(values)
