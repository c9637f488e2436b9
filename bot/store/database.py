"""The database connection: engine, schema creation and migration, shared SQL helpers.

SQLite by default, PostgreSQL (in production, for several instances) through
`DATABASE_URL`. The schema is created, or migrated, when the database opens.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import Insert

from bot.store import migrations
from bot.store.schema import (
    SCHEMA_LOCK,
    SCHEMA_VERSION,
    book_changes,
    database_origin,
    metadata,
    schema_info,
)

log = logging.getLogger(__name__)

# The creation time of a database migrated from before it was recorded: it holds its
# history. (Not datetime.min: a PostgreSQL server west of UTC cannot read year 1 back.)
LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


class StoreError(RuntimeError):
    """The database cannot be used by this quotebot (a newer schema, say)."""


class Database:
    """One engine per process, with the schema checked when it opens."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or utcnow  # when a new database is made; tests pass their time
        self.engine = _engine(url)
        self.created_at: datetime = LONG_AGO  # set by _migrate
        try:
            self._migrate()
        except Exception:
            self.engine.dispose()  # leave no connection open behind a refused database
            raise

    def close(self) -> None:
        self.engine.dispose()

    def begin(self) -> AbstractContextManager[Connection]:
        """A transaction, committed when the block ends."""
        return self.engine.begin()

    def connect(self) -> AbstractContextManager[Connection]:
        return self.engine.connect()

    def create_tables(self, tables: MetaData) -> None:
        """Create missing tables, one process at a time.

        Several instances starting together would otherwise race on CREATE TABLE
        ("table already exists"). On PostgreSQL a transaction-scoped advisory lock
        queues them; on SQLite, whose driver runs DDL outside any transaction, an
        explicit BEGIN IMMEDIATE takes the write lock first.
        """
        with self.engine.begin() as db:
            self._lock_schema(db)
            tables.create_all(db)

    def insert_ignore(self, db: Connection, table: Table, values: dict, keys: list[str]) -> bool:
        """INSERT … ON CONFLICT DO NOTHING; True when the row was inserted."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=keys)
            # RETURNING says whether a row went in; rowcount is not reliable across drivers.
            .returning(table.c[keys[0]])
        )
        return db.execute(statement).first() is not None

    def insert_or_skip(self, table: Table) -> Insert:
        """INSERT … ON CONFLICT DO NOTHING for many rows: any unique key skips a row."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    def lock_for_writing(self, db: Connection) -> None:
        """Take SQLite's write lock now, not at the first write (PostgreSQL locks rows)."""
        if self.engine.dialect.name == "sqlite":
            db.exec_driver_sql("BEGIN IMMEDIATE")

    def _lock_schema(self, db: Connection) -> None:
        if self.engine.dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        elif self.engine.dialect.name == "sqlite":
            db.exec_driver_sql("BEGIN IMMEDIATE")

    def _migrate(self) -> None:
        """Create missing tables, then apply the migrations newer than the stored version."""
        with self.engine.begin() as db:
            self._lock_schema(db)
            schema_info.create(db, checkfirst=True)
            version = db.scalar(select(schema_info.c.version).where(schema_info.c.id == 1))
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(
                    f"database schema is version {version}, newer than this quotebot "
                    f"({SCHEMA_VERSION}): upgrade quotebot"
                )
            metadata.create_all(db)
            # A database with a schema already holds the history of what it posted; a
            # new one knows nothing of what was posted before it was made.
            made = self._clock() if version is None else LONG_AGO
            self.insert_ignore(db, database_origin, {"id": 1, "created_at": made}, ["id"])
            self.insert_ignore(db, book_changes, {"id": 1, "seq": 0}, ["id"])  # the feed's counter
            self.created_at = from_db(
                db.scalar(select(database_origin.c.created_at).where(database_origin.c.id == 1))
            )
            if version is None:
                self.insert_ignore(db, schema_info, {"id": 1, "version": SCHEMA_VERSION}, ["id"])
                return
            if version < SCHEMA_VERSION:
                migrations.upgrade(db, version)
                db.execute(
                    schema_info.update().where(schema_info.c.id == 1).values(version=SCHEMA_VERSION)
                )
                log.info("database schema migrated from version %d to %d", version, SCHEMA_VERSION)


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Several processes may share one SQLite file (a web and a worker process, or
        # two by mistake): wait for each other's locks instead of failing at once.
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:
            connection.execute("PRAGMA busy_timeout=30000")
            _write_ahead_log(connection)

        return engine
    return create_engine(url, pool_pre_ping=True)


def _write_ahead_log(connection: sqlite3.Connection) -> None:
    """Switch a SQLite file to WAL (readers and the writer stop blocking each other).

    The switch needs the file to itself and SQLite answers "locked" at once, without
    waiting, when another process opens the new file at the same moment; the mode is
    kept in the file, so waiting a little until one of them has switched it is enough.
    """
    for attempt in range(50):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 49:
                raise
            time.sleep(0.05)


def utcnow() -> datetime:
    return datetime.now(UTC)


def from_db(moment: datetime) -> datetime:
    """A time read back from the database: SQLite returns it without its (UTC) zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_db(moment: datetime) -> datetime:
    """Store every time in UTC: SQLite keeps no zone, so mixed zones would mis-compare."""
    if moment.tzinfo is None:
        raise ValueError("times given to the store must carry a time zone")
    return moment.astimezone(UTC)
