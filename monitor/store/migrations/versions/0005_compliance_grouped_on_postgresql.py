"""v_compliance on PostgreSQL: the findings counted in one grouped pass instead of three probes per row

PostgreSQL pushes the view's year filter into the grouped subquery; for 10,000 agencies it answered in
40–55 ms instead of 74–103 ms (bench/history_bench.py). SQLite keeps the probes: it does not push the
year into the grouped subquery and would count every finding of every year.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

from monitor.db.views import COMPLIANCE_GROUPED_SQL, COMPLIANCE_SQL

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW v_compliance")
        op.execute(COMPLIANCE_GROUPED_SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW v_compliance")
        op.execute(COMPLIANCE_SQL)
