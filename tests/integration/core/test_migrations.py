"""The migrations are the schema: one linear history whose result matches the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import uvicorn
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ggzy import cli
from ggzy.core.db import Base, Database
from ggzy.core.migrate import alembic_config, unapplied, upgrade


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


def test_the_test_database_stands_at_the_head(database_url: str) -> None:
    assert unapplied(database_url) is None


def test_serve_refuses_to_start_on_a_database_not_migrated_to_the_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Instead of a server answering 500 ("no such table") to every request."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("GGZY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GGZY_DATABASE_URL", url)

    def no_server(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server must not start")

    monkeypatch.setattr(uvicorn, "run", no_server)
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_revision(script.get_current_head())
    assert head is not None and isinstance(head.down_revision, str)
    assert cli.main(["serve", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "未迁移" in err and f"最新：{head.revision}" in err and "ggzy migrate" in err

    upgrade(url, head.down_revision)  # one migration behind
    assert cli.main(["serve", "--workers", "2"]) == 2
    assert f"当前：{head.down_revision}；最新：{head.revision}" in capsys.readouterr().err

    upgrade(url)
    assert unapplied(url) is None
