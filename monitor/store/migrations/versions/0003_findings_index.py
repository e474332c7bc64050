"""findings: index (agency_id, year, status, severity) in place of (agency_id, year)

Without table statistics SQLite answered the per-agency counts of v_compliance through the
`status` index, scanning every open finding for each agency-year (133 s for 5,000 agencies in
bench/history_bench.py); the wider index makes the lookup direct on both databases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_index("ix_findings_agency_year")
        batch.create_index("ix_findings_agency_year_status", ["agency_id", "year", "status", "severity"])


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_index("ix_findings_agency_year_status")
        batch.create_index("ix_findings_agency_year", ["agency_id", "year"])
