"""Databases for the tests: a SQLite file per test, and a PostgreSQL schema per test that is dropped after it.

PostgreSQL: ``DATELINE_TEST_POSTGRES_URL`` (default: the local server, database ``test``, as the OS user).
A test that needs it skips, saying why, when no server answers; with ``DATELINE_REQUIRE_POSTGRES=1`` (what
.ci/run sets after starting the server) it fails instead, so CI never passes without having run them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from extract.store import sql_engine

POSTGRES_URL = os.environ.get("DATELINE_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("DATELINE_REQUIRE_POSTGRES") == "1"


@functools.cache
def _admin() -> sa.Engine:
    return sa.create_engine(
        sql_engine.Database(POSTGRES_URL).url, poolclass=sa.NullPool, connect_args={"connect_timeout": 5}
    )


@functools.cache
def postgres_missing() -> str | None:
    """Why PostgreSQL cannot be used (None: it answers)."""
    try:
        with _admin().connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
        return f"no PostgreSQL server answers at {sql_engine.redacted(POSTGRES_URL)}: {first[0] if first else exc}"
    return None


def need_postgres() -> None:
    """Skip (or, when it is required, fail) the calling test if PostgreSQL does not answer."""
    reason = postgres_missing()
    if reason is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"DATELINE_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


def with_search_path(url: str, schema: str) -> str:
    """The URL with libpq's options choosing the schema tables live in."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A store URL on a fresh, empty schema of its own; the schema is dropped afterwards."""
    need_postgres()
    name = f"dateline_test_{uuid.uuid4().hex[:12]}"
    with _admin().begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    url = with_search_path(POSTGRES_URL, name)
    try:
        yield url
    finally:
        sql_engine.dispose(url)
        with _admin().begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')


def sqlite_url(folder: Path) -> str:
    """A store URL on a SQLite file (not created yet) in the folder."""
    return f"sqlite:///{folder / 'dateline.db'}"


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A store URL on a fresh database of the kind ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        url = sqlite_url(folder)
        try:
            yield url
        finally:
            sql_engine.dispose(url)
    else:
        with postgres_schema() as url:
            yield url


# --------------------------------------------------------------------------- writers in other processes


def merge_in_process(url: str, name: str, start_at: float, hold_s: float) -> None:
    """Merge one document into the store from another process, starting at ``start_at`` (time.time()), holding
    the write open ``hold_s`` seconds inside the corpus step, after the stored set was read."""
    import time

    from extract.store import CorpusTables, open_store
    from tests.test_store_contract import run

    def slow(corpus):
        time.sleep(hold_s)
        return CorpusTables(corpus.events, corpus.documents)

    time.sleep(max(0.0, start_at - time.time()))
    open_store(url).write(*run(name), derive=slow)


def die_while_writing(url: str, name: str) -> None:
    """Start a merge and kill the process inside it (the transaction open, the lock held)."""
    import os

    from extract.store import open_store
    from tests.test_store_contract import run

    def die(corpus):
        os._exit(3)

    open_store(url).write(*run(name), derive=die)
