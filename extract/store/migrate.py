"""Schema migrations of the database store (Alembic; the scripts are in extract/store/migrations/).

The store upgrades a database to the newest revision (``head``) inside the transaction of its first write, under
the store's lock (so two writers never migrate at once, and a failed write leaves the schema as it was); a
database at a revision this code does not know (written by a newer Dateline) is refused. ``python -m extract
migrate`` upgrades (or downgrades) one explicitly.

A new column in extract/schema.py (or a new table there) needs a new script in migrations/versions/ that adds
it; tests/test_migrations.py compares the upgraded database with the tables extract/store/tables_sql.py builds
and fails until the script exists. To write one: ``alembic -c extract/store/migrations/alembic.ini revision
--autogenerate -m "what changes"`` against a database at head (DATELINE_DATABASE_URL), then read and edit it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from extract.store.base import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
State = Literal["empty", "current", "older"]


def config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for the store's scripts; with ``connection``, migrations run on it (in its
    transaction, which the caller commits)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def scripts() -> ScriptDirectory:
    """The migration scripts (read once per process)."""
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision: what this code's tables are."""
    found = scripts().get_heads()
    if len(found) != 1:
        raise StoreError(f"the migration scripts have {len(found)} heads; merge them (alembic merge)")
    return found[0]


def current(connection: sa.Connection) -> str | None:
    """The database's revision (None: no Dateline tables yet)."""
    return MigrationContext.configure(connection).get_current_revision()


def state(connection: sa.Connection, where: str) -> State:
    """Whether the database is empty, at head, or at an older revision; StoreError for one this code does not
    know (a newer Dateline wrote it)."""
    revision = current(connection)
    if revision is None:
        return "empty"
    if revision == head():
        return "current"
    try:
        scripts().get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown id
        raise StoreError(
            f"{where}: the database's schema (revision {revision}) is newer than this Dateline's ({head()}); "
            "upgrade Dateline to use it"
        ) from None
    return "older"


def upgrade(connection: sa.Connection, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on the connection, in its transaction."""
    command.upgrade(config(connection), revision)


def downgrade(connection: sa.Connection, revision: str) -> None:
    """Run the migrations down to ``revision`` ("base": no Dateline table left) in the connection's transaction."""
    command.downgrade(config(connection), revision)
