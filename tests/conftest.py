"""Shared fixtures: one migrated database per test run (SQLite by default, PostgreSQL when
GGZY_TEST_DATABASE_URL says so), emptied between tests; a frozen clock; an app and client on top.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Base, Database, create_database
from ggzy.core.migrate import upgrade
from ggzy.core.models_registry import import_all_models
from ggzy.core.settings import Settings
from ggzy.ledger.signing import SigningKey
from ggzy.regions.service import load_regions

import_all_models()

# Reference data loaded once per run and kept between tests.
KEEP_TABLES = {"regions", "alembic_version"}


def _test_url(tmp_root: Path) -> str:
    url = os.environ.get("GGZY_TEST_DATABASE_URL", "")
    return url or f"sqlite:///{tmp_root / 'test.db'}"


def _drop_everything(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _test_url(tmp_path_factory.mktemp("db"))
    _drop_everything(url)
    upgrade(url)
    db = create_database(url)
    with db.transaction() as session:
        load_regions(session)
    db.dispose()
    return url


@pytest.fixture(scope="session")
def db(database_url: str) -> Iterator[Database]:
    database = create_database(database_url)
    database.signer = SigningKey.generate()
    yield database
    database.dispose()


def reset_database(db: Database) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with db.transaction() as session:
        if db.is_sqlite:
            for table in tables:
                session.execute(table.delete())
        else:
            names = ", ".join(f'"{t.name}"' for t in tables)
            session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        session.execute(text("INSERT INTO ledger_state (id, size, integrated_size) VALUES (1, 0, 0)"))


@pytest.fixture
def clean_db(db: Database) -> Database:
    reset_database(db)
    return db


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 9, 25, 2, 0, tzinfo=UTC))  # 10:00 Beijing time


@pytest.fixture
def session(clean_db: Database) -> Iterator[Session]:
    """A write session for service tests; the test decides when to commit."""
    s = clean_db.session(write=True)
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="x" * 48,
        tree_head_interval_seconds=0,
        scheduler_interval_seconds=0,
    )


@pytest.fixture
def app(settings: Settings, clean_db: Database, clock: FrozenClock):  # type: ignore[no-untyped-def]
    from ggzy.web.app import create_app

    return create_app(settings, clock=clock, db=clean_db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


DEFAULT_PASSWORD = "Test-password-2026"


@pytest.fixture
def make_user(clean_db: Database, clock: FrozenClock):  # type: ignore[no-untyped-def]
    """Create a user with roles directly (bypassing registration), returning its id."""
    from ggzy.core.security import hash_password
    from ggzy.entities.models import User, UserRole

    hashed = hash_password(DEFAULT_PASSWORD)

    def create(
        username: str,
        *roles: str,
        entity_id: int | None = None,
        admin: bool = False,
        trade: str | None = None,
        region_code: str | None = None,
    ) -> int:
        with clean_db.transaction() as s:
            user = User(
                username=username,
                display_name=username,
                password_hash=hashed,
                entity_id=entity_id,
                is_entity_admin=admin,
                created_at=clock.now(),
                roles=[UserRole(role=r, trade=trade, region_code=region_code, granted_at=clock.now()) for r in roles],
            )
            s.add(user)
            s.flush()
            return user.id

    return create


@pytest.fixture
def login_token(client):  # type: ignore[no-untyped-def]
    """Bearer headers for a user, via the real token endpoint."""

    def headers(username: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
        r = client.post("/api/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return headers
