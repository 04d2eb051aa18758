"""The team's own tables: corrections over extracted rows, events added by hand, and uploads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

``corrections``: one row per corrected event or document, found again after a re-extraction by its locator
(the document's content hash, the sentence and the time expression), ``changes`` a JSON object field -> value,
``version`` for optimistic locking. ``manual_events``: events an editor added, with their source.
``uploads``: who uploaded which file as which document, its status (stored, duplicate, removed, reverted), and
what an upload replaced or removed (document row and events as JSON; the texts and scans stay stored while an
upload references them), so it can be undone (extract/store/sql_uploads.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _who() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "corrections",
        _id(),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("doc_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("doc_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("sentence", sa.Text(), nullable=False, server_default=""),
        sa.Column("time_expression", sa.Text(), nullable=False, server_default=""),
        sa.Column("event_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("changes", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        *_who(),
        sa.CheckConstraint("target_kind IN ('event', 'document')", name="ck_corrections_kind"),
    )
    op.create_index(
        "uq_corrections_locator",
        "corrections",
        ["target_kind", "doc_sha256", "doc_id", "sentence", "time_expression"],
        unique=True,
    )
    op.create_table(
        "manual_events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("doc_id", sa.Text(), nullable=False, server_default=""),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("url", sa.Text(), nullable=False, server_default=""),
        sa.Column("date_start", sa.Date()),
        sa.Column("date_end", sa.Date()),
        sa.Column("granularity", sa.String(16), nullable=False, server_default=""),
        sa.Column("summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("event_type", sa.Text(), nullable=False, server_default=""),
        sa.Column("actors", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("locations", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("sentence", sa.Text(), nullable=False, server_default=""),
        sa.Column("event_group", sa.Text(), nullable=False, server_default=""),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        *_who(),
    )
    op.create_index("ix_manual_events_date_start", "manual_events", ["date_start"])
    op.create_table(
        "uploads",
        _id(),
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
    )
    op.create_index("ix_uploads_doc_id", "uploads", ["doc_id"])
    op.create_index("ix_uploads_sha256", "uploads", ["sha256"])


def downgrade() -> None:
    for name in ("uploads", "manual_events", "corrections"):
        op.drop_table(name)  # its indexes go with it
