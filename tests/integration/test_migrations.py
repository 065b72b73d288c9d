"""One set of migrations for both backends, matching the SQLAlchemy models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from webnova.core import db
from webnova.core.models import Base
from webnova.core.platform import Platform


def test_the_models_match_the_migrated_schema(platform: Platform) -> None:
    with platform.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Server-side details the models do not describe (RLS functions, triggers) are not compared;
    # tables, columns, types, keys and indexes are.
    relevant = [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table"
                                        and d[1].name == "alembic_version")]
    assert relevant == []


def test_the_database_is_at_the_newest_revision(platform: Platform) -> None:
    assert db.current_revision(platform.engine) == db.head_revision()


def test_upgrading_twice_changes_nothing(settings) -> None:  # type: ignore[no-untyped-def]
    url = settings.effective_database_url
    assert db.upgrade(url) == db.upgrade(url) == db.head_revision()
