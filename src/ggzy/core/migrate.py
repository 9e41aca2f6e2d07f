"""Running Alembic from code: ``ggzy migrate`` and the test fixtures use the same path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def unapplied(url: str) -> str | None:
    """None when the database stands at the migrations' head; else why not, in Chinese, for ``ggzy serve``
    to refuse to start with (a server on an unmigrated database would answer 500 to every request)."""

    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    if current == heads:
        return None
    have = "、".join(sorted(current)) or "未迁移"
    return f"数据库尚未迁移到最新版本（当前：{have}；最新：{'、'.join(sorted(heads))}），请先运行 ggzy migrate"
