"""search: full-text index over notices.search_text (SQLite FTS5 table kept by triggers; PostgreSQL GIN index)

Revision ID: 0012
Revises: 0011

Neither object is in the models (an FTS5 virtual table and an expression index cannot be expressed portably);
tests/integration/core/test_migrations.py leaves them out of the models-equal-schema comparison.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# External-content FTS5 table: the text lives once, in notices.search_text; the index holds only postings.
# remove_diacritics 0: PostgreSQL's 'simple' configuration keeps accents, so neither engine folds them.
_SQLITE_UP = [
    "CREATE VIRTUAL TABLE notices_fts USING fts5("
    "search_text, content='notices', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    # Notices are write-once; the delete and update triggers keep the index right if rows are ever removed
    # (test resets), because an external-content index must be told the old text to forget it.
    "CREATE TRIGGER notices_fts_insert AFTER INSERT ON notices BEGIN "
    "INSERT INTO notices_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER notices_fts_delete AFTER DELETE ON notices BEGIN "
    "INSERT INTO notices_fts (notices_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER notices_fts_update AFTER UPDATE OF search_text ON notices BEGIN "
    "INSERT INTO notices_fts (notices_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO notices_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO notices_fts (notices_fts) VALUES ('rebuild')",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS notices_fts_update",
    "DROP TRIGGER IF EXISTS notices_fts_delete",
    "DROP TRIGGER IF EXISTS notices_fts_insert",
    "DROP TABLE IF EXISTS notices_fts",
]
# The expression must be written exactly like this in queries for the planner to use the index.
_PG_UP = ["CREATE INDEX ix_notices_search ON notices USING gin (to_tsvector('simple'::regconfig, search_text))"]
_PG_DOWN = ["DROP INDEX IF EXISTS ix_notices_search"]


def upgrade() -> None:
    for sql in _SQLITE_UP if op.get_bind().dialect.name == "sqlite" else _PG_UP:
        op.execute(sql)


def downgrade() -> None:
    for sql in _SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _PG_DOWN:
        op.execute(sql)
