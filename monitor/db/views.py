"""SQL views for auditors using any SQL client (migrations 0002 and 0005; docs/schema.md).

The wide view's ~200 cell columns are generated from the template's key lists, named
`<table>__<row>__<field>` (e.g. `applications__new_received__total`).
"""

from __future__ import annotations

from monitor.template import all_cells


def cell_column(table: str, row: str, field: str) -> str:
    return f"{table}__{row}__{field}"


def reports_wide_sql() -> str:
    cells = ",\n".join(
        f"  MAX(CASE WHEN v.table_key = '{t}' AND v.row_key = '{r}' AND v.field_key = '{f}' THEN v.value END)"
        f" AS {cell_column(t, r, f)}"
        for t, r, f in all_cells()
    )
    return f"""CREATE VIEW v_reports_wide AS
SELECT r.id AS report_id, r.agency_id, a.name AS agency_name, a.region, r.year, r.version,
  CASE WHEN r.version = (SELECT MAX(r2.version) FROM reports r2
                         WHERE r2.agency_id = r.agency_id AND r2.year = r.year) THEN 1 ELSE 0 END AS is_latest,
  r.template, r.published, r.published_day, r.first_seen, r.deadline, r.url, r.sha256,
{cells}
FROM reports r
JOIN agencies a ON a.id = r.agency_id
LEFT JOIN report_values v ON v.report_id = r.id
GROUP BY r.id, r.agency_id, a.name, a.region, r.year, r.version, r.template, r.published, r.published_day,
  r.first_seen, r.deadline, r.url, r.sha256"""


OPEN_FINDINGS_SQL = """CREATE VIEW v_open_findings AS
SELECT f.id, f.agency_id, a.name AS agency_name, a.region, f.year, f.rule, f.severity, f.message,
  f.first_seen, f.last_seen, f.confirmed, r.version AS report_version, r.url AS report_url
FROM findings f
JOIN agencies a ON a.id = f.agency_id
LEFT JOIN reports r ON r.id = f.report_id
WHERE f.status = 'open'"""

# Timeliness is judged on the first version's publication day (a correction never resets it).
_COMPLIANCE_HEAD = """CREATE VIEW v_compliance AS
SELECT a.id AS agency_id, a.name AS agency_name, a.region, a.kind, y.year,
  y.versions, first.published_day AS first_published_day, first.deadline,
  CASE WHEN first.published_day IS NULL OR first.deadline IS NULL THEN NULL
       WHEN first.published_day <= first.deadline THEN 1 ELSE 0 END AS on_time,"""
_COMPLIANCE_FROM = """FROM (SELECT agency_id, year, COUNT(*) AS versions FROM reports GROUP BY agency_id, year) y
JOIN agencies a ON a.id = y.agency_id
JOIN reports first ON first.agency_id = y.agency_id AND first.year = y.year AND first.version = 1"""

# The findings of each row counted by three index probes (ix_findings_agency_year_status). SQLite's
# body: it cannot push the year into a grouped subquery on the right of a LEFT JOIN, so the grouped
# body below would count every finding of every year there.
COMPLIANCE_SQL = f"""{_COMPLIANCE_HEAD}
  (SELECT COUNT(*) FROM findings f WHERE f.agency_id = a.id AND f.year = y.year
     AND f.status = 'open' AND f.severity = 'error') AS open_errors,
  (SELECT COUNT(*) FROM findings f WHERE f.agency_id = a.id AND f.year = y.year
     AND f.status = 'open' AND f.severity = 'warning') AS open_warnings,
  (SELECT COUNT(*) FROM findings f WHERE f.agency_id = a.id AND f.year = y.year
     AND f.status = 'dismissed') AS dismissed
{_COMPLIANCE_FROM}"""

# The findings counted in one grouped pass. PostgreSQL's body since migration 0005: its planner pushes
# the year into the grouped subquery (about half the time of the probes for 10,000 agencies,
# docs/performance.md). Both bodies give the same rows (tests/test_audit.py).
COMPLIANCE_GROUPED_SQL = f"""{_COMPLIANCE_HEAD}
  COALESCE(f.open_errors, 0) AS open_errors, COALESCE(f.open_warnings, 0) AS open_warnings,
  COALESCE(f.dismissed, 0) AS dismissed
{_COMPLIANCE_FROM}
LEFT JOIN (SELECT agency_id, year,
    SUM(CASE WHEN status = 'open' AND severity = 'error' THEN 1 ELSE 0 END) AS open_errors,
    SUM(CASE WHEN status = 'open' AND severity = 'warning' THEN 1 ELSE 0 END) AS open_warnings,
    SUM(CASE WHEN status = 'dismissed' THEN 1 ELSE 0 END) AS dismissed
  FROM findings GROUP BY agency_id, year) f ON f.agency_id = y.agency_id AND f.year = y.year"""


VIEWS = ("v_reports_wide", "v_open_findings", "v_compliance")


def create_statements() -> list[str]:
    return [reports_wide_sql(), OPEN_FINDINGS_SQL, COMPLIANCE_SQL]
