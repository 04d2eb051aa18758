"""Storage: one interface between the engine and everything that reads or writes its tables.

    store = open_store("data/")                      # a folder: the files store
    summary = store.write(events, documents, texts)  # replace the run's documents, keep the others
    store.read_events(); store.read_documents(); store.read_text(doc_id); store.version()

``Store`` (extract.store.base) is the contract; ``FileStore`` (extract.store.files) keeps the tables as
Parquet/CSV files in a folder, with the texts and a manifest, and replaces them all at once through a journal
(extract.store.journal); ``SqlStore`` (extract.store.sql) keeps them in a SQLite file or a PostgreSQL database,
one transaction per write, its schema migrated by Alembic (extract.store.migrate). tests/test_store_contract.py
is the suite every implementation passes. ``default_store_location`` (extract.store.location) is where the
dashboard and the CLI look when told nothing; ``copy_store`` (extract.store.copy) imports a folder into a
database and exports a database to a folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from extract.store.base import (
    Corpus,
    CorpusTables,
    Derive,
    MergeError,
    Store,
    StoreError,
    WriteSummary,
    is_plan,
    merge_tables,
    read_snapshot,
)
from extract.store.copy import CopyReport, copy_store
from extract.store.files import MANIFEST, TEXTS, FileStore
from extract.store.formats import LIST_SEPARATOR, csv_frame
from extract.store.journal import LOCK_FILE
from extract.store.location import (
    configured_database_url,
    default_store_location,
    display_location,
    holds_files_store,
    sqlite_location,
)

__all__ = [
    "LIST_SEPARATOR",
    "LOCK_FILE",
    "MANIFEST",
    "TEXTS",
    "CopyReport",
    "Corpus",
    "CorpusTables",
    "Derive",
    "FileStore",
    "MergeError",
    "SqlStore",
    "Store",
    "StoreError",
    "WriteSummary",
    "configured_database_url",
    "copy_store",
    "csv_frame",
    "default_store_location",
    "display_location",
    "holds_files_store",
    "is_plan",
    "merge_tables",
    "open_store",
    "read_snapshot",
    "sqlite_location",
    "upgrade_store",
]

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", re.S)
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")


def open_store(location: str | Path) -> Store:
    """The store at ``location``: a folder path (or ``file://`` URL) -> FileStore; ``sqlite:///PATH``,
    ``postgresql://...`` (``postgres://``, ``postgresql+psycopg://``) -> SqlStore.

    Raises StoreError for a URL whose scheme no store handles or a database URL it cannot use. Opening reads
    and creates nothing (database engines are shared per URL, so a handle costs nothing); the first write
    creates the folder or the SQLite file, and a database's tables.
    """
    if isinstance(location, Path):
        return FileStore(location)
    text = str(location)
    if not text.strip():
        raise StoreError("no store location given (an empty folder name)")
    match = _URL.match(text)
    if match is None:
        return FileStore(Path(text), text)
    scheme = match.group(1).lower()
    if scheme == "file":
        return FileStore(Path(match.group(2) or "/"), text)
    base = scheme.split("+", 1)[0]  # postgresql+psycopg://...
    if base in DATABASE_SCHEMES:
        from extract.store.sql import SqlStore  # SQLAlchemy only for those who use a database

        return SqlStore(text)
    raise StoreError(
        f"unknown store location scheme {scheme!r} in {display_location(text)}; use a folder path, sqlite:///PATH or "
        "postgresql://..."
    )


def upgrade_store(store: Store) -> None:
    """Bring a database store's schema up to this code's, as its first write would (nothing for a folder).

    For a process that reads before it writes (the dashboard at start): a database a newer Dateline migrated
    is refused here, with a message saying so. Costs one small query when the schema is current already.
    """
    upgrade = getattr(store, "upgrade", None)
    if upgrade is not None:
        upgrade()


def __getattr__(name: str) -> object:
    """SqlStore on first use: SQLAlchemy is imported only by those who use a database."""
    if name == "SqlStore":
        from extract.store.sql import SqlStore

        return SqlStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
