"""The catalog of the 12 templates, read from `blueprints/catalog.yaml`.

Each entry has names and descriptions in English and Arabic, a default stack and a default
blueprint preset.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from webnova.generator.blueprint import TEMPLATE_IDS, Blueprint, Stack, TemplateId
from webnova.generator.support import layout_for, unsupported
from webnova.i18n import negotiate
from webnova.resources import data_path

CATALOG_FILE = "catalog.yaml"


class LocalizedText(BaseModel):
    """The same text in English and Arabic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    ar: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        """The text in `locale` (negotiated: `ar-EG` -> Arabic, anything else -> English)."""
        return self.ar if negotiate(locale) == "ar" else self.en


class CatalogEntry(BaseModel):
    """One template: how it is presented and the blueprint it starts from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: TemplateId
    name: LocalizedText
    description: LocalizedText
    preset: dict[str, Any] = Field(description="Blueprint keys except name, slug and template.")

    def blueprint(self) -> Blueprint:
        """The preset as a valid blueprint (name from the English name, slug from the id)."""
        data = {"name": self.name.en, "slug": self.id, "template": self.id, **self.preset}
        return Blueprint.model_validate(data)

    @property
    def default_stack(self) -> Stack:
        """The stack the preset uses."""
        return self.blueprint().stack

    @property
    def generatable(self) -> bool:
        """Whether the generator renders the preset's stack today."""
        bp = self.blueprint()
        return layout_for(bp) is not None and not unsupported(bp)

    def summary(self, locale: str) -> dict[str, Any]:
        """A JSON-ready description of the entry in `locale`."""
        bp = self.blueprint()
        return {
            "id": self.id,
            "name": self.name.get(locale),
            "description": self.description.get(locale),
            "name_en": self.name.en,
            "name_ar": self.name.ar,
            "stack": bp.stack.model_dump(mode="json"),
            "entities": [e.name for e in bp.entities],
            "generatable": self.generatable,
        }


class Catalog(BaseModel):
    """All templates, in catalog order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    templates: list[CatalogEntry]

    def get(self, template_id: str) -> CatalogEntry | None:
        """The entry with `template_id`, or None."""
        return next((t for t in self.templates if t.id == template_id), None)


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate the catalog file (the shipped one by default).

    Raises:
        ValueError: the file lists a template twice or misses one of `TEMPLATE_IDS`.
        pydantic.ValidationError: an entry is malformed or a preset is not a valid blueprint.
    """
    if path is None:
        return _shipped_catalog()
    return _parse(path)


@cache
def _shipped_catalog() -> Catalog:
    return _parse(data_path("blueprints") / CATALOG_FILE)


def _parse(path: Path) -> Catalog:
    catalog = Catalog.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = [t.id for t in catalog.templates]
    if sorted(ids) != sorted(TEMPLATE_IDS):
        raise ValueError(f"catalog must list each template once: {ids}")
    for entry in catalog.templates:
        entry.blueprint()
    return catalog


def preset_yaml(entry: CatalogEntry) -> str:
    """The entry's preset as a blueprint YAML document, ready for `webnova generate`."""
    data = entry.blueprint().model_dump(mode="json", exclude_defaults=False)
    header = f"# {entry.name.en} / {entry.name.ar}\n# webnova generate this-file.yaml --out DIR\n"
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return header + body
