"""documents: the agency a document was fetched for, and why it could not be read

A document that cannot be read (refused, over a reading limit, or killing its reader) is kept with its
bytes and the reason, so that an auditor can look at what the agency published and the monitor could
not read. `read_error` is NULL for a document that was read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("agency_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("read_error", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_documents_agency_id_agencies", "agencies", ["agency_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index("ix_documents_agency_id", ["agency_id"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_agency_id")
        batch.drop_constraint("fk_documents_agency_id_agencies", type_="foreignkey")
        batch.drop_column("read_error")
        batch.drop_column("agency_id")
