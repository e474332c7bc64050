"""Storing a report version and evaluating it against the agency's history, in one transaction.

The same bytes again change nothing; different content for the same agency-year is a new version
(and raises REVISED). Two processes storing the same report at once leave one version: the unique
(agency, year, sha256) constraint refuses the second, which then finds the stored one.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor import deadlines, findings
from monitor.db import models
from monitor.errors import InputError
from monitor.parsing import parse
from monitor.report import BEIJING, Report, Source
from monitor.template import all_cells
from rules import REGISTRY, Context, evaluate

INGEST_SCOPES = ("document", "history")

# The statements of an ingest, built once: Core on the session's connection, because this runs once
# per stored report and the ORM's flushes and statement building cost more than the SQL itself.
AGENCIES, BLOBS, DOCUMENTS, REPORTS = (models.Agency.__table__, models.Blob.__table__, models.Document.__table__,
                                       models.Report.__table__)
DATES, SECTIONS, VALUES = models.ReportDate.__table__, models.ReportSection.__table__, models.ReportValue.__table__
_AGENCY, _YEAR = REPORTS.c.agency_id == bindparam("agency"), REPORTS.c.year == bindparam("year")
# The agency (none: not registered) with its stored versions of the year and of the years either side
# (none: one row of nulls), so that one round trip tells what to compare with.
AGENCY_VERSIONS = select(AGENCIES.c.kind, AGENCIES.c.level, AGENCIES.c.deadline, REPORTS.c.id, REPORTS.c.year,
                         REPORTS.c.version, REPORTS.c.sha256, REPORTS.c.url, REPORTS.c.title,
                         REPORTS.c.template).select_from(
    AGENCIES.outerjoin(REPORTS, (REPORTS.c.agency_id == AGENCIES.c.id)
                       & REPORTS.c.year.in_(bindparam("years", expanding=True)))).where(
    AGENCIES.c.id == bindparam("agency"))
NEW_BLOB = {  # another process may store the same bytes at once
    "postgresql": postgresql.insert(BLOBS).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(BLOBS).on_conflict_do_nothing(),
}
NEW_DOCUMENT = insert(DOCUMENTS).returning(DOCUMENTS.c.id)
NEW_REPORT = insert(REPORTS).returning(REPORTS.c.id)
_STORED = select(REPORTS.c.id, REPORTS.c.year, REPORTS.c.url, REPORTS.c.sha256, REPORTS.c.title,
                 REPORTS.c.template).where(_AGENCY, _YEAR)
LATEST = _STORED.order_by(REPORTS.c.version.desc()).limit(1)
VERSION = _STORED.where(REPORTS.c.version == bindparam("version"))
SECTIONS_OF = select(SECTIONS.c.key, SECTIONS.c.text).where(SECTIONS.c.report_id == bindparam("report"))
CELLS_OF = select(VALUES.c.table_key, VALUES.c.row_key, VALUES.c.field_key, VALUES.c.value).where(
    VALUES.c.report_id == bindparam("report"))
CELL_COLUMNS = "report_values (report_id, table_key, row_key, field_key, value)"


@dataclass(frozen=True)
class Ingested:
    status: str  # new | version | unchanged
    agency_id: str
    year: int
    version: int
    report_id: int
    counts: dict[str, int]


def ingest(factory: sessionmaker[Session], agency_id: str, data: bytes, location: str, *, now: datetime,
           year: int | None = None, content_type: str | None = None, fetched: dict | None = None) -> Ingested:
    """Parse and store one document for an agency (see the module docstring). Raises InputError."""
    report = parse(data, location, content_type)
    if year is not None:
        report.year = year
    if report.year is None:
        raise InputError("无法从文件中读出报告年度，请用 --year 指定")
    for attempt in range(3):
        try:
            with factory.begin() as session:
                return _store(session, agency_id, report, data, now, fetched or {})
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(session: Session, agency_id: str, report: Report, data: bytes, now: datetime,
           fetched: dict) -> Ingested:
    db = session.connection()
    year = report.year
    assert year is not None
    rows = db.execute(AGENCY_VERSIONS, {"agency": agency_id, "years": [year - 1, year, year + 1]}).all()
    if not rows:
        raise InputError(f"登记册中没有机关 {agency_id}（先在 monitor.toml 中登记或用 monitor agencies import 导入）")
    agency, sha = rows[0], report.source.sha256
    stored = [row for row in rows if row.year == year]
    same = next((row for row in stored if row.sha256 == sha), None)
    if same is not None:
        return Ingested("unchanged", agency_id, year, same.version, same.id, {})
    previous, last_version, following = (
        max((row for row in rows if row.year == y), key=lambda row: row.version, default=None)
        for y in (year - 1, year, year + 1))
    latest = last_version.version if last_version else 0
    db.execute(NEW_BLOB[db.dialect.name], {"sha256": sha, "size": len(data), "data": zlib.compress(data, 6)})
    document_id = db.scalar(NEW_DOCUMENT, {
        "url": report.source.location, "fetched_at": now, "http_status": fetched.get("http_status"),
        "etag": fetched.get("etag"), "last_modified": fetched.get("last_modified"),
        "media_type": report.source.media_type, "sha256": sha, "size": len(data),
    })
    first = report.published_date
    report_id = db.scalar(NEW_REPORT, {
        "agency_id": agency_id, "year": year, "version": latest + 1, "document_id": document_id, "sha256": sha,
        "url": report.source.location, "title": report.title, "template": report.template, "parse_status": "ok",
        "first_seen": now, "published": first.value if first else None,
        "published_day": first.value.astimezone(BEIJING).date() if first else None,
        "published_source": first.source if first else None,
        "deadline": deadlines.deadline(agency.kind, agency.level, year, agency.deadline),
    })
    if report.published:
        db.execute(insert(DATES), [{"report_id": report_id, "source": c.source, "value": c.value, "raw": c.raw}
                                   for c in report.published])
    if report.sections:
        db.execute(insert(SECTIONS), [{"report_id": report_id, "key": k, "text": t}
                                      for k, t in report.sections.items()])
    _insert_cells(db, [(report_id, t, r, f, report.value(t, r, f)) for t, r, f in all_cells()])
    context = Context(kind=agency.kind, level=agency.level,
                      previous_year=_report(db, previous, agency_id) if previous else None,
                      previous_version=_report(db, last_version, agency_id) if last_version else None)
    counts = findings.sync(session, agency_id, year, report_id, evaluate(report, context, INGEST_SCOPES),
                           _rules(INGEST_SCOPES), now)
    if following is not None:  # next year's cross-year rules depend on this year's figures
        later_context = Context(kind=agency.kind, level=agency.level, previous_year=report)
        cross_year = [rule for rule in _rules(("history",)) if REGISTRY[rule].resolvable]
        findings.sync(session, agency_id, year + 1, following.id,
                      [f for f in evaluate(_report(db, following, agency_id), later_context, ("history",))
                       if f.rule in cross_year], cross_year, now)
    return Ingested("version" if latest else "new", agency_id, year, latest + 1, report_id, counts)


def _insert_cells(db: Connection, rows: list[tuple]) -> None:
    """The ~200 cells of a version, the largest write of an ingest: COPY on PostgreSQL (one round
    trip instead of a pipelined statement per row), the driver's executemany on SQLite."""
    if db.dialect.name == "postgresql":
        cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f"COPY {CELL_COLUMNS} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        db.exec_driver_sql(f"INSERT INTO {CELL_COLUMNS} VALUES (?, ?, ?, ?, ?)", rows)


def _rules(scopes: tuple[str, ...]) -> list[str]:
    return [rule_id for rule_id, item in REGISTRY.items() if item.scope in scopes]


def load(session: Session, agency_id: str, year: int, version: int | None = None) -> Report | None:
    """A stored report version (the latest when `version` is None) as a Report, for the rules."""
    db = session.connection()
    params = {"agency": agency_id, "year": year}
    row = db.execute(VERSION, {**params, "version": version}).first() if version else db.execute(LATEST, params).first()
    return None if row is None else _report(db, row, agency_id)


def _report(db: Connection, row: Row, agency_id: str) -> Report:
    """The Report of a stored version's row (id, year, url, sha256, title, template): cells and sections
    are read as plain rows, no ORM objects."""
    sections = db.execute(SECTIONS_OF, {"report": row.id})
    report = Report(source=Source(row.url, row.sha256, ""), title=row.title, agency=agency_id, year=row.year,
                    template=row.template, sections={key: text for key, text in sections})
    for table, row_key, field, number in db.execute(CELLS_OF, {"report": row.id}).all():
        if number is not None and float(number).is_integer() and row_key != "fees":
            number = int(number)
        report.tables[table][row_key][field] = number
    return report
