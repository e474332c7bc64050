"""report_values: no index on the cell keys; on SQLite a WITHOUT ROWID table clustered on its key

The index (table_key, row_key, field_key) had 200 distinct keys for millions of rows: every stored
version wrote into 200 scattered index pages (on SQLite a quarter of each ingest went to writing them
back), and no auditor query needs it, since they all reach the cells through a report (the primary
key begins with report_id). On SQLite the table also stored every cell twice (the rowid table and the
primary-key index); WITHOUT ROWID keeps one B-tree ordered by the primary key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The view as migration 0002 created it (it names report_values, so it is dropped and made again).
REPORTS_WIDE_SQL = (Path(__file__).parent / "0002_v_reports_wide.sql").read_text(encoding="utf-8")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_report_values_cell", table_name="report_values")
        return
    # SQLite rebuilds the table (copy, drop, rename); the rename refuses while a view names the table.
    op.execute("DROP VIEW v_reports_wide")
    with op.batch_alter_table("report_values", recreate="always", table_kwargs={"sqlite_with_rowid": False}) as batch:
        batch.drop_index("ix_report_values_cell")
    op.execute(REPORTS_WIDE_SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_index("ix_report_values_cell", "report_values", ["table_key", "row_key", "field_key"])
        return
    op.execute("DROP VIEW v_reports_wide")
    with op.batch_alter_table("report_values", recreate="always", table_kwargs={"sqlite_with_rowid": True}) as batch:
        batch.create_index("ix_report_values_cell", ["table_key", "row_key", "field_key"])
    op.execute(REPORTS_WIDE_SQL)
