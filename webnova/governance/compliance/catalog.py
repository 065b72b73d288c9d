"""Control definitions and evidence messages, loaded from `blueprints/compliance/*.yaml`.

Each control has a stable id (`hipaa.phi-encryption`), a regulation reference, and a title and a
fix suggestion in English and Arabic; evidence messages are bilingual templates with named
placeholders. The data ships with the wheel (see `webnova.resources.data_path`).
"""

from __future__ import annotations

from functools import cache
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from webnova.governance.yamlmap import load_with_lines
from webnova.resources import data_path

PackId = Literal["pci-dss", "hipaa", "gdpr"]
PACKS: Final[tuple[PackId, ...]] = ("pci-dss", "hipaa", "gdpr")
_STRICT = ConfigDict(extra="forbid", frozen=True)


class Text(BaseModel):
    """The same text in English and Arabic."""

    model_config = _STRICT
    en: str = Field(min_length=1)
    ar: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        """The text in `locale` (Arabic for `ar*`, English otherwise)."""
        return self.ar if locale.startswith("ar") else self.en

    def format(self, **params: object) -> Text:
        """Both languages with the placeholders filled."""
        return Text(en=self.en.format(**params), ar=self.ar.format(**params))


class Control(BaseModel):
    """One control of a pack."""

    model_config = _STRICT
    id: str = Field(pattern=r"^[a-z-]+\.[a-z0-9-]+$")
    ref: str
    title: Text
    fix: Text


class Pack(BaseModel):
    """A compliance pack: a named set of controls."""

    model_config = _STRICT
    pack: PackId
    name: Text
    controls: list[Control]


@cache
def packs() -> dict[PackId, Pack]:
    """Every pack, by id."""
    directory = data_path("blueprints") / "compliance"
    out: dict[PackId, Pack] = {}
    for pack_id in PACKS:
        data = yaml.safe_load((directory / f"{pack_id}.yaml").read_text(encoding="utf-8"))
        out[pack_id] = Pack.model_validate(data)
    return out


@cache
def messages() -> dict[str, Text]:
    """Every evidence message, by key (a key written twice is refused, not overridden)."""
    path = data_path("blueprints") / "compliance" / "messages.yaml"
    data, _lines = load_with_lines(path.read_text(encoding="utf-8"))
    return {key: Text.model_validate(value) for key, value in data.items()}


def message(key: str, **params: object) -> Text:
    """The evidence message `key` with its placeholders filled, in both languages."""
    return messages()[key].format(**params)


def control(control_id: str) -> Control:
    """The control with this id (KeyError when there is none)."""
    for pack in packs().values():
        for item in pack.controls:
            if item.id == control_id:
                return item
    raise KeyError(control_id)


def all_control_ids() -> list[str]:
    """Every control id, pack by pack."""
    return [c.id for pack in packs().values() for c in pack.controls]
