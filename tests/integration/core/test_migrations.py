"""The migrations are the schema: one linear history whose result matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ggzy.core.db import Base, Database
from ggzy.core.migrate import alembic_config


def test_one_linear_history(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1, f"migration history has several heads: {script.get_heads()}"
    assert all(len(rev._all_down_revisions) <= 1 for rev in script.walk_revisions())


def _in_models(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # The full-text index of migrations 0012, 0014 and 0016 is not expressible in the models: SQLite's FTS5 table
    # with its shadow tables and the generated column of filter words it indexes, PostgreSQL's stored tsvector
    # column and its GIN and covering indexes.
    return not (name or "").startswith(("notices_fts", "ix_notices_search", "search_facets", "search_tsv"))


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.write_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _in_models})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
