"""mail outbox: digest mails stored before delivery; alerts point at their mail, and reminders

`mails` holds each digest with its exact MIME bytes, its delivery state (queued, sent, given-up), the
attempts, the last error and when it is tried next. An alert points at the mail that carries it (NULL
while queued); a deadline reminder is an alert without a finding, naming its agency-year instead.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("given_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_mails_due", "mails", ["status", "next_attempt_at"])
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("finding_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("agency_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("mail_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_alerts_agency_id_agencies", "agencies", ["agency_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_foreign_key("fk_alerts_mail_id_mails", "mails", ["mail_id"], ["id"])
        batch.create_index("ix_alerts_mail_id", ["mail_id"])


def downgrade() -> None:
    op.execute("DELETE FROM alerts WHERE finding_id IS NULL")  # reminders: the old schema has no place for them
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_mail_id")
        batch.drop_constraint("fk_alerts_mail_id_mails", type_="foreignkey")
        batch.drop_constraint("fk_alerts_agency_id_agencies", type_="foreignkey")
        batch.drop_column("mail_id")
        batch.drop_column("year")
        batch.drop_column("agency_id")
        batch.alter_column("finding_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_mails_due", table_name="mails")
    op.drop_table("mails")
