"""Two versions beside the store's: the extraction data's and the corrections'.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

``store_state.version`` still grows on every write (the Store contract). ``data_version`` is the version of the
last write of the extracted tables (an extraction, an upload, an import); ``corrections_version`` the version of
the last write of a correction or an event added by hand. Every write sets ``version`` and one of the two to the
same new number, so ``version`` is the larger of them. The dashboard caches the uncorrected dataset by
``data_version`` and patches the corrections over it by ``corrections_version`` (README "Corrections").
A store written before this revision: both start at its ``version`` (its corrections are as new as its data).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("store_state") as batch:
        batch.add_column(sa.Column("data_version", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("corrections_version", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE store_state SET data_version = version, corrections_version = version")


def downgrade() -> None:
    with op.batch_alter_table("store_state") as batch:
        batch.drop_column("corrections_version")
        batch.drop_column("data_version")
