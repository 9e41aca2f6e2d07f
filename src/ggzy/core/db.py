"""Database engines, the declarative base, portable column types and the unit of work.

SQLite and PostgreSQL behave differently under concurrent writers. On SQLite every writing transaction
starts with ``BEGIN IMMEDIATE`` so that two writers queue on the database lock instead of failing with
a stale WAL snapshot; reads use a separate engine with plain ``BEGIN`` so they never wait. On PostgreSQL
one engine serves both and rows are locked explicitly (``SELECT ... FOR UPDATE``) in a fixed order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, Numeric, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from ggzy.core.errors import AppError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite has no time zones; we store naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Money in yuan with fen precision, always Decimal.
Money = Numeric(18, 2, asdecimal=True)
JSONType = JSON()


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@dataclass
class Database:
    """The engines for one database URL and the session factories bound to them."""

    url: str
    write_engine: Engine
    read_engine: Engine
    # The platform's signing key (a ggzy.ledger.signing.SigningKey), set by whoever opens the database for
    # work (app, CLI, tests): writing sessions carry it so that a notice is signed in its own transaction.
    signer: Any = None

    def __post_init__(self) -> None:
        self._write = sessionmaker(self.write_engine, expire_on_commit=False, autoflush=True)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False, autoflush=True)

    @property
    def is_sqlite(self) -> bool:
        return self.write_engine.dialect.name == "sqlite"

    def session(self, *, write: bool = True) -> Session:
        session = (self._write if write else self._read)()
        session.info["write"] = write
        session.info["signer"] = self.signer
        return session

    @contextmanager
    def transaction(self, *, flush_wal_at_commit: bool = True) -> Iterator[Session]:
        """A job boundary outside requests (CLI, scheduler, tests): commit on success, roll back on error.

        ``flush_wal_at_commit=False`` (PostgreSQL: ``synchronous_commit = off`` for this transaction only) is
        for records a client re-derives after a database crash, never for one it is given as proof: the commit
        returns before its WAL reaches the disk, and a crash of PostgreSQL itself (not of the platform) may
        undo the last fraction of a second of such commits. SQLite's WAL commits never wait for the disk."""
        from ggzy.core.events import dispatch_after_commit

        session = self.session(write=True)
        if not flush_wal_at_commit and not self.is_sqlite:
            session.execute(text("SET LOCAL synchronous_commit = off"))
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        dispatch_after_commit(self, session)

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


WRITE_WAIT_SECONDS = 30  # how long a SQLite writer waits for the write lock before giving up


class DatabaseBusy(AppError):
    status_code = 503
    default_code = "DATABASE_BUSY"

    def __init__(self) -> None:
        super().__init__(f"系统繁忙：等待数据库写入超过 {WRITE_WAIT_SECONDS} 秒，本次操作未保存任何更改，请稍后重试")


def _sqlite_engine(url: str, *, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": WRITE_WAIT_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN is emitted by us (see SQLAlchemy's pysqlite notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={WRITE_WAIT_SECONDS * 1000}")
        cursor.close()

    if begin != "BEGIN IMMEDIATE":

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql(begin)

        return engine

    # Writers of this process queue on a lock of their own before asking SQLite for its write lock. SQLite's
    # busy handler only polls (sleeping up to 100 ms between tries, in no order), so under many concurrent
    # writers the database lock sat free between polls and unlucky writers starved until their timeout; a
    # blocked thread is woken the moment the lock is given back. Other processes still queue via busy_timeout.
    gate = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin_write(conn: Any) -> None:
        if not gate.acquire(timeout=WRITE_WAIT_SECONDS):
            raise DatabaseBusy()
        try:
            conn.exec_driver_sql(begin)
        except BaseException:
            gate.release()
            raise
        conn.info["holds_write_gate"] = True

    def _on_end(conn: Any) -> None:
        if conn.info.pop("holds_write_gate", False):
            gate.release()

    event.listen(engine, "commit", _on_end)
    event.listen(engine, "rollback", _on_end)
    return engine


def create_database(url: str) -> Database:
    if url.startswith("sqlite"):
        return Database(
            url=url,
            write_engine=_sqlite_engine(url, begin="BEGIN IMMEDIATE"),
            read_engine=_sqlite_engine(url, begin="BEGIN"),
        )
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return Database(url=url, write_engine=engine, read_engine=engine)


def for_update(session: Session) -> bool:
    """Whether ``SELECT ... FOR UPDATE`` means anything here (SQLite already holds the write lock)."""
    bind = session.get_bind()
    return bind.dialect.name != "sqlite"
