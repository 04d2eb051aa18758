"""The database store's tables, built from ``extract.schema.TABLES`` (the columns are declared once, there).

Each declared table becomes one SQL table with the same columns plus ``row_order`` (the order rows are read
back in). Two declarations are mapped: ``plans`` share the ``events`` table (a plan is an event whose
``modality`` is planned or hypothetical, so ``read_table("plans")`` filters on it), and ``groups`` is stored as
``event_groups``. Besides them: the documents' texts and scans (``document_texts``, ``document_scans``: keyed
by SHA-256, so a text shared by two documents is stored once), ``store_state`` (the version), and the team
tables a later step fills (``users``, ``audit_log``).

A column added to schema.py changes what this module builds; the database gets it from a migration
(extract/store/migrations/versions/), and tests/test_migrations.py fails until one exists.

Column types: string -> TEXT (not null, default ''), datetime -> DATE (null when unknown), int -> BIGINT (not
null, default 0), float -> DOUBLE PRECISION (null when unknown), list -> TEXT holding a JSON array of strings.
The columns' descriptions stay in schema.py and the README (not SQL comments: editing one needs no migration).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import sqlalchemy as sa

from extract.schema import PLAN_MODALITIES, TABLES, Column, Table

ROW_ORDER = "row_order"  # the column that keeps each table's rows in the order they were written

# schema.TABLES name -> SQL table name, where they differ
SQL_NAMES: dict[str, str] = {"plans": "events", "groups": "event_groups"}
# Columns the dashboard filters and joins on get an index.
INDEXED: dict[str, tuple[str, ...]] = {
    "events": ("date_start", "date_end", "doc_id", "source", "event_type", "event_group", "modality"),
    "event_groups": ("date_start", "event_group"),
    "key_dates": ("date",),
}
PRIMARY_KEYS: dict[str, str] = {"documents": "doc_id"}  # the others: row_order

FIRST_TABLES = ("events", "plans", "documents", "groups", "key_dates")  # declared tables the first migration makes
TEXTS = "document_texts"
SCANS = "document_scans"
STATE = "store_state"
USERS = "users"
AUDIT_LOG = "audit_log"
CORRECTIONS = "corrections"
MANUAL_EVENTS = "manual_events"
UPLOADS = "uploads"
ROLES = ("viewer", "editor", "admin")


def sql_name(name: str) -> str:
    """The SQL table holding a declared table's rows."""
    return SQL_NAMES.get(name, name)


def plan_clause(table: sa.Table, plans: bool) -> sa.ColumnElement[bool]:
    """WHERE clause selecting the plans (``plans``) or the asserted events of the events table."""
    test = table.c.modality.in_(PLAN_MODALITIES)
    return test if plans else sa.not_(test)


def _sql_type(column: Column) -> tuple[sa.types.TypeEngine, bool, str | None]:
    """(type, nullable, server default) for a declared column."""
    if column.dtype == "string":
        return sa.Text(), False, ""
    if column.dtype == "datetime":
        return sa.Date(), True, None
    if column.dtype == "int":
        return sa.BigInteger(), False, "0"
    if column.dtype == "float":
        return sa.Double(), True, None
    if column.dtype == "list":
        return sa.Text(), False, "[]"
    raise ValueError(f"column {column.name!r}: no SQL type for dtype {column.dtype!r}")


def _declared_table(metadata: sa.MetaData, table: Table) -> sa.Table:
    name = sql_name(table.name)
    key = PRIMARY_KEYS.get(name, ROW_ORDER)
    if any(c.name == ROW_ORDER for c in table.columns):
        raise ValueError(f"table {table.name!r}: {ROW_ORDER!r} is the store's own column name")
    columns: list[sa.Column] = [
        sa.Column(ROW_ORDER, sa.BigInteger(), primary_key=key == ROW_ORDER, nullable=False, autoincrement=False)
    ]
    for column in table.columns:
        kind, nullable, default = _sql_type(column)
        columns.append(
            sa.Column(
                column.name,
                kind,
                primary_key=column.name == key,
                nullable=nullable and column.name != key,
                server_default=default,
            )
        )
    indexes = [sa.Index(f"ix_{name}_{col}", col) for col in INDEXED.get(name, ())]
    if key != ROW_ORDER:
        indexes.append(sa.Index(f"ix_{name}_{ROW_ORDER}", ROW_ORDER, unique=True))
    return sa.Table(name, metadata, *columns, *indexes)


def _fixed_tables(metadata: sa.MetaData) -> None:
    """The tables not declared in schema.TABLES: contents, the store's state, the team tables."""
    for name, column in ((TEXTS, "text"), (SCANS, "scan")):
        sa.Table(
            name,
            metadata,
            sa.Column("sha256", sa.String(64), primary_key=True),
            # bytes (UTF-8, lone surrogates passed through): a text may hold NUL, which PostgreSQL's TEXT refuses
            sa.Column(column, sa.LargeBinary(), nullable=False),
        )
    sa.Table(
        STATE,
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True)),
        # migration 0003: the last write of the extracted tables, and of the corrections (version: the larger)
        sa.Column("data_version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("corrections_version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name="ck_store_state_one_row"),
    )
    sa.Table(
        USERS,
        metadata,
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False, server_default="viewer"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False, server_default=""),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_users_role"),
    )
    sa.Table(
        AUDIT_LOG,
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_kind", sa.String(64), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("before", sa.Text()),  # JSON
        sa.Column("after", sa.Text()),  # JSON
        sa.Index("ix_audit_log_at", "at"),
        sa.Index("ix_audit_log_target", "target_kind", "target_id"),
    )
    _team_tables(metadata)


def _who() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _team_tables(metadata: sa.MetaData) -> None:
    """Corrections, events added by hand, uploads (migration 0002 says what each holds)."""
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    sa.Table(
        CORRECTIONS,
        metadata,
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("doc_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("doc_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("sentence", sa.Text(), nullable=False, server_default=""),
        sa.Column("time_expression", sa.Text(), nullable=False, server_default=""),
        sa.Column("event_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("changes", sa.Text(), nullable=False, server_default="{}"),  # JSON object
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        *_who(),
        sa.CheckConstraint("target_kind IN ('event', 'document')", name="ck_corrections_kind"),
        sa.Index(
            "uq_corrections_locator", "target_kind", "doc_sha256", "doc_id", "sentence", "time_expression", unique=True
        ),
    )
    sa.Table(
        MANUAL_EVENTS,
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("doc_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("url", sa.Text(), nullable=False, server_default=""),
        sa.Column("date_start", sa.Date()),
        sa.Column("date_end", sa.Date()),
        sa.Column("granularity", sa.String(16), nullable=False, server_default=""),
        sa.Column("summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("event_type", sa.Text(), nullable=False, server_default=""),
        sa.Column("actors", sa.Text(), nullable=False, server_default="[]"),  # JSON array
        sa.Column("locations", sa.Text(), nullable=False, server_default="[]"),  # JSON array
        sa.Column("sentence", sa.Text(), nullable=False, server_default=""),
        sa.Column("event_group", sa.Text(), nullable=False, server_default=""),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        *_who(),
        sa.Index("ix_manual_events_date_start", "date_start"),
    )
    sa.Table(
        UPLOADS,
        metadata,
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("filename", sa.Text(), nullable=False, server_default=""),
        sa.Column("uploaded_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="stored"),
        sa.Column("scan_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("duplicate_of", sa.Text(), nullable=False, server_default=""),  # status duplicate: the stored doc
        sa.Column("replaces_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("replaces_scan_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("previous", sa.Text()),  # JSON: what the upload replaced, enough to restore it
        sa.Column("removed", sa.Text()),  # JSON: the document and events an editor removed, to restore them
        sa.Column("updated_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Index("ix_uploads_doc_id", "doc_id"),
        sa.Index("ix_uploads_sha256", "sha256"),
    )


@cache
def _metadata(tables: tuple[Table, ...]) -> sa.MetaData:
    metadata = sa.MetaData()
    for table in tables:
        if sql_name(table.name) in metadata.tables:
            continue  # plans: the events table holds them
        _declared_table(metadata, table)
    _fixed_tables(metadata)
    return metadata


def metadata(tables: Mapping[str, Table] | None = None) -> sa.MetaData:
    """Every table the database holds, for the declarations in ``tables`` (default: schema.TABLES as it is now).

    Built once per set of declarations (a test may declare one more table).
    """
    declared = TABLES if tables is None else tables
    if declared.get("plans") and declared.get("events") and declared["plans"].columns != declared["events"].columns:
        raise ValueError("plans are stored in the events table: the two must declare the same columns")
    return _metadata(tuple(declared.values()))


def table(name: str) -> sa.Table:
    """The SQL table holding a declared table's rows (``plans``: the events table), or a fixed table by name."""
    return metadata().tables[sql_name(name)]
