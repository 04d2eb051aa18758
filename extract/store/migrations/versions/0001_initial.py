"""The first schema: events (plans included), documents, event groups, key dates, texts and scans, the store's
state, users and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-02

A migration is a snapshot: it lists the columns as they were when it was written, never reads
extract/schema.py, so a database built step by step and one built at head end up alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


def _list(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False, server_default="[]")


def _int(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")


def _order(primary: bool = True) -> sa.Column:
    return sa.Column("row_order", sa.BigInteger(), nullable=False, primary_key=primary, autoincrement=False)


EVENT_INDEXES = ("date_start", "date_end", "doc_id", "source", "event_type", "event_group", "modality")


def upgrade() -> None:
    op.create_table(
        "events",
        _order(),
        _text("event_id"),
        _text("doc_id"),
        _text("source"),
        sa.Column("date_start", sa.Date()),
        sa.Column("date_end", sa.Date()),
        _text("granularity"),
        _text("date_basis"),
        _text("time_expression"),
        _text("summary"),
        _text("sentence"),
        _int("char_start"),
        _int("char_end"),
        _list("actors"),
        _list("locations"),
        _text("event_type"),
        _text("modality"),
        sa.Column("confidence", sa.Double()),
        _text("event_group"),
    )
    for column in EVENT_INDEXES:
        op.create_index(f"ix_events_{column}", "events", [column])

    op.create_table(
        "documents",
        _order(primary=False),
        sa.Column("doc_id", sa.Text(), nullable=False, primary_key=True, server_default=""),
        _text("title"),
        _text("outlet"),
        _text("url"),
        sa.Column("published", sa.Date()),
        _text("published_granularity"),
        _text("published_basis"),
        _text("path"),
        _text("sha256"),
        _text("scan_sha256"),
        _int("n_events"),
    )
    op.create_index("ix_documents_row_order", "documents", ["row_order"], unique=True)

    op.create_table(
        "event_groups",
        _order(),
        _text("event_group"),
        sa.Column("date_start", sa.Date()),
        sa.Column("date_end", sa.Date()),
        _text("granularity"),
        _text("date_basis"),
        _text("summary"),
        _list("actors"),
        _list("locations"),
        _text("event_type"),
        _int("n_sources"),
        _int("n_documents"),
        _int("n_reports"),
        _list("sources"),
        sa.Column("first_reported", sa.Date()),
        _list("reported_dates"),
        _text("date_agreement"),
    )
    op.create_index("ix_event_groups_date_start", "event_groups", ["date_start"])
    op.create_index("ix_event_groups_event_group", "event_groups", ["event_group"])

    op.create_table(
        "key_dates",
        _order(),
        sa.Column("date", sa.Date()),
        _int("rank"),
        sa.Column("score", sa.Double()),
        _int("n_sources"),
        _int("n_groups"),
        _text("summary"),
    )
    op.create_index("ix_key_dates_date", "key_dates", ["date"])

    for name, column in (("document_texts", "text"), ("document_scans", "scan")):
        op.create_table(
            name,
            sa.Column("sha256", sa.String(64), primary_key=True),
            sa.Column(column, sa.LargeBinary(), nullable=False),
        )

    state = op.create_table(
        "store_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("id = 1", name="ck_store_state_one_row"),
    )
    op.bulk_insert(state, [{"id": 1, "version": 0, "written_at": None}])

    op.create_table(
        "users",
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False, server_default="viewer"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False, server_default=""),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_kind", sa.String(64), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("before", sa.Text()),
        sa.Column("after", sa.Text()),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target_kind", "target_id"])


def downgrade() -> None:
    for name in (
        "audit_log",
        "users",
        "store_state",
        "document_scans",
        "document_texts",
        "key_dates",
        "event_groups",
        "documents",
        "events",
    ):
        op.drop_table(name)  # its indexes go with it
