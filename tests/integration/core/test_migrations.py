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


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.write_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
