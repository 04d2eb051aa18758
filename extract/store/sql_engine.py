"""A database the store uses: its URL, one shared engine per URL, and the transactions reads and writes run in.

URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``postgresql://user:pass@host/db`` (also
``postgres://`` and ``postgresql+psycopg://``; the driver is psycopg 3). A PostgreSQL schema other than
``public`` is chosen with libpq's options: ``...?options=-csearch_path%3DNAME``.

Engines are made once per URL and process (``open_store`` is called on every dashboard rerun, so a handle must
cost nothing) and forgotten in a forked child, which must not share its parent's connections.

Writes (see :meth:`Database.writing`) are one transaction holding the store's lock from before it reads to
its commit: SQLite's ``BEGIN IMMEDIATE`` (the database's single writer lock; WAL mode, so readers go on
reading the last commit meanwhile, and a busy timeout, so a second writer waits instead of failing);
PostgreSQL's ``pg_advisory_xact_lock`` on a key made of Dateline's and the schema's name (released by commit
or rollback, so a killed writer never leaves it held). The schema is upgraded inside that transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from extract.store import migrate
from extract.store.base import StoreError
from extract.store.location import display_location

BUSY_TIMEOUT_S = 600  # how long a SQLite writer waits for another's write to end (a corpus step can take minutes)
CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "dateline"  # how PostgreSQL lists the store's connections (unless the URL names another)
LOCK_KEY = 0x44544C4E  # "DTLN": the advisory lock's first key; the second is the schema's name, hashed
_DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg"}
_DRIVERS.update({"postgres": "postgresql+psycopg", "postgresql+psycopg": "postgresql+psycopg"})

_ENGINES: dict[str, sa.Engine] = {}
_CURRENT: set[str] = set()  # URLs whose schema was seen at head by this process (reads check once)
_LOCK = threading.Lock()


def _forget_engines_in_child() -> None:
    """A forked child gets its own connections: the parent's stay the parent's (closing them would break it)."""
    for engine in _ENGINES.values():
        engine.dispose(close=False)
    _ENGINES.clear()
    _CURRENT.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_engines_in_child)


def dispose(url: str | None = None) -> None:
    """Close the pooled connections (SQLAlchemy's and the bulk readers') of one database (by URL as given to
    Database) or of all, and forget what was checked about its schema."""
    from extract.store import sql_arrow  # it imports this module

    key = None if url is None else Database(url).url
    with _LOCK:
        for found in [k for k in _ENGINES if key is None or k == key]:
            _ENGINES.pop(found).dispose()
        _CURRENT.difference_update([k for k in _CURRENT if key is None or k == key])
    sql_arrow.dispose(key)


redacted = display_location  # the URL without its password, for messages


class Database:
    """One SQLite file or PostgreSQL database (or schema), by URL."""

    def __init__(self, location: str) -> None:
        self.location = location
        try:
            url = sa.make_url(location)
        except (sa.exc.ArgumentError, ValueError) as exc:
            raise StoreError(f"not a database URL: {redacted(location)} ({exc})") from None
        driver = _DRIVERS.get(url.drivername.lower())
        if driver is None:
            raise StoreError(
                f"database driver {url.drivername!r} is not supported in {redacted(location)}: use sqlite:///PATH "
                "or postgresql://..."
            )
        url = url.set(drivername=driver)
        self.kind = "sqlite" if driver == "sqlite" else "postgresql"
        self.path: Path | None = None
        if self.kind == "sqlite":
            if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
                raise StoreError(
                    f"{redacted(location)}: an in-memory SQLite database vanishes with its connection; give a file, "
                    "e.g. sqlite:///data/dateline.db"
                )
            self.path = Path(url.database)
        elif not url.database:
            raise StoreError(f"{redacted(location)}: name the database, e.g. postgresql://host/dateline")
        self.url = url.render_as_string(hide_password=False)
        self.display = url.render_as_string(hide_password=True)

    @property
    def escape_nul(self) -> bool:
        """Whether strings are stored with NUL escaped (PostgreSQL's TEXT refuses NUL; see sql_rows)."""
        return self.kind == "postgresql"

    def engine(self) -> sa.Engine:
        """The process's engine for this database (made on first use)."""
        with _LOCK:
            engine = _ENGINES.get(self.url)
            if engine is None:
                engine = _ENGINES[self.url] = self._make_engine()
            return engine

    def _make_engine(self) -> sa.Engine:
        if self.kind == "sqlite":
            engine = sa.create_engine(
                self.url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}, poolclass=sa.QueuePool
            )
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        url = sa.make_url(self.url)
        options = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": APPLICATION_NAME}
        return sa.create_engine(url, connect_args={k: v for k, v in options.items() if k not in url.query})

    def exists(self) -> bool:
        """False for a SQLite file not created yet (reading it must not create it); True for PostgreSQL."""
        return self.path is None or self.path.exists()

    # ------------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def reading(self, older: bool = False) -> Iterator[sa.Connection | None]:
        """A connection for reading (in one transaction: one snapshot for everything read through it), or None
        when nothing is stored yet (no file, no tables). StoreError for a schema this code cannot read: newer
        than this code's, or older unless ``older`` (the version, in a table every revision has)."""
        if not self.exists():
            yield None
            return
        with self.errors(), self.engine().connect() as conn, conn.begin():
            if self.url not in _CURRENT:
                found = migrate.state(conn, self.display)
                if found == "empty":
                    yield None
                    return
                if found == "older" and not older:
                    raise StoreError(
                        f"{self.display}: the database's schema is older than this Dateline's; the next write "
                        "upgrades it, or run: python -m extract migrate --db URL"
                    )
                if found == "current":
                    _CURRENT.add(self.url)
            yield conn

    def at_head(self) -> bool:
        """Whether this process has seen the database's schema at head (after a read or a write through it)."""
        return self.url in _CURRENT

    def readable(self) -> bool:
        """Whether there is anything to read (False: no file, no tables yet); StoreError for a schema this code
        cannot read. Checked once per process, then free."""
        if self.url in _CURRENT:
            return True
        with self.reading() as conn:
            return conn is not None

    def has_table(self, name: str) -> bool:
        """Whether the database has the table (a declared table may still wait for its migration)."""
        if not self.exists():
            return False
        with self.errors(), self.engine().connect() as conn:
            return sa.inspect(conn).has_table(name)

    @contextlib.contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One transaction holding the store's lock, the schema upgraded to head inside it; committed when the
        block ends, rolled back (schema upgrade included) when it raises."""
        self._make_folder()
        with self.errors(), self.engine().connect() as conn:
            conn.execution_options(dateline_write=True)
            with conn.begin():
                self._lock(conn)
                if migrate.state(conn, self.display) != "current":
                    migrate.upgrade(conn)
                yield conn
            _CURRENT.add(self.url)

    def migrate(self, revision: str = "head", down: bool = False) -> tuple[str | None, str | None]:
        """Upgrade (or with ``down``, downgrade) the schema to ``revision`` under the store's lock; returns the
        revisions (before, after). Up to head when there already: one query, no lock."""
        if not down and revision == "head":
            if self.url in _CURRENT:
                return migrate.head(), migrate.head()
            if self.exists():
                with self.errors(), self.engine().connect() as conn, conn.begin():
                    if migrate.state(conn, self.display) == "current":
                        _CURRENT.add(self.url)
                        return migrate.head(), migrate.head()
        self._make_folder()
        with self.errors(), self.engine().connect() as conn:
            conn.execution_options(dateline_write=True)
            with conn.begin():
                self._lock(conn)
                before = migrate.current(conn)
                if not down:
                    migrate.state(conn, self.display)  # refuses a newer database
                (migrate.downgrade if down else migrate.upgrade)(conn, revision)
                after = migrate.current(conn)
        with _LOCK:
            _CURRENT.discard(self.url)
            if after == migrate.head():
                _CURRENT.add(self.url)
        return before, after

    def _make_folder(self) -> None:
        """The SQLite file's folder, before the file is first written."""
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.display}: cannot create its folder: {exc.strerror or exc}") from exc

    def _lock(self, conn: sa.Connection) -> None:
        """Take the store's lock for the rest of the transaction (SQLite: BEGIN IMMEDIATE took it already)."""
        if self.kind == "postgresql":
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))"),
                {"key": LOCK_KEY},
            )

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Database and driver errors as StoreError naming the database (password hidden)."""
        try:
            yield
        except StoreError:
            raise
        except sa.exc.DBAPIError as exc:
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
            raise StoreError(f"{self.display}: {detail}") from exc
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
            raise StoreError(f"{self.display}: {exc}") from exc


def driver_connection(conn: sa.Connection) -> Any:
    """The driver's own connection under a SQLAlchemy one (same transaction), for bulk reads and writes."""
    return conn.connection.driver_connection


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # The transactions are ours (BEGIN / BEGIN IMMEDIATE below), not the sqlite3 module's.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        with contextlib.suppress(sqlite3.OperationalError):  # a read-only file keeps the mode it has
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # A writer takes SQLite's write lock before it reads, so two writers' read-merge-write never interleave.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("dateline_write") else "BEGIN")
