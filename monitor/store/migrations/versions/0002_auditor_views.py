"""auditor views: one wide row per report, open findings, compliance per agency and year

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# The wide view: one column per template cell (`<table>__<row>__<field>`), written out once in the file
# beside this one, which migration 0004 reads too. Frozen: a later change of the template is a new revision.
REPORTS_WIDE_SQL = (Path(__file__).parent / "0002_v_reports_wide.sql").read_text(encoding="utf-8")

OPEN_FINDINGS_SQL = """CREATE VIEW v_open_findings AS
SELECT f.id, f.agency_id, a.name AS agency_name, a.region, f.year, f.rule, f.severity, f.message,
  f.first_seen, f.last_seen, f.confirmed, r.version AS report_version, r.url AS report_url
FROM findings f
JOIN agencies a ON a.id = f.agency_id
LEFT JOIN reports r ON r.id = f.report_id
WHERE f.status = 'open'"""

COMPLIANCE_SQL = """CREATE VIEW v_compliance AS
SELECT a.id AS agency_id, a.name AS agency_name, a.region, a.kind, y.year,
  y.versions, first.published_day AS first_published_day, first.deadline,
  CASE WHEN first.published_day IS NULL OR first.deadline IS NULL THEN NULL
       WHEN first.published_day <= first.deadline THEN 1 ELSE 0 END AS on_time,
  (SELECT COUNT(*) FROM findings f WHERE f.agency_id = a.id AND f.year = y.year
     AND f.status = 'open' AND f.severity = 'error') AS open_errors,
  (SELECT COUNT(*) FROM findings f WHERE f.agency_id = a.id AND f.year = y.year
     AND f.status = 'open' AND f.severity = 'warning') AS open_warnings,
  (SELECT COUNT(*) FROM findings f WHERE f.agency_id = a.id AND f.year = y.year
     AND f.status = 'dismissed') AS dismissed
FROM (SELECT agency_id, year, COUNT(*) AS versions FROM reports GROUP BY agency_id, year) y
JOIN agencies a ON a.id = y.agency_id
JOIN reports first ON first.agency_id = y.agency_id AND first.year = y.year AND first.version = 1"""

VIEWS = ("v_reports_wide", "v_open_findings", "v_compliance")


def upgrade() -> None:
    for statement in (REPORTS_WIDE_SQL, OPEN_FINDINGS_SQL, COMPLIANCE_SQL):
        op.execute(statement)


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view}")
