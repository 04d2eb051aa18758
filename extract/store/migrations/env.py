"""Alembic's entry point for the store's migrations.

The store runs them on its own connection, inside its write transaction (``config.attributes["connection"]``).
Alembic's command line gets the database from ``-x url=...``, else DATELINE_DATABASE_URL.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from extract.store import tables_sql

config = context.config
target_metadata = tables_sql.metadata()


def _configure(**options: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters a table by copying it; batch mode writes that for us
        compare_type=True,
        **options,
    )


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("DATELINE_DATABASE_URL", "")
    if not url:
        raise SystemExit("give the database: alembic -x url=postgresql://... or DATELINE_DATABASE_URL")
    from extract.store.sql_engine import Database

    return Database(url).url


def _run(connection: sa.Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():  # a no-op inside the store's own transaction
        context.run_migrations()


if context.is_offline_mode():
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    _run(config.attributes["connection"])
else:
    from extract.store.sql_engine import Database

    with Database(_url()).engine().connect() as conn:
        _run(conn)
        conn.commit()
