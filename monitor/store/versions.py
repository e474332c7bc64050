"""Report versions: what is stored of an agency-year, storing a parsed report as a new version, and
reading stored versions back as Reports for the history rules.

The same bytes again change nothing; different content for the same agency-year is a new version.
Two processes storing the same report at once leave one version: the unique (agency, year, sha256)
constraint refuses the second (IntegrityError), whose caller retries and finds the stored one.
Nothing here parses or judges: the pipeline does that and hands over a Report.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor import deadlines
from monitor.report import BEIJING, Report, Source
from monitor.store import models
from monitor.template import all_cells

# The statements of a store, built once: Core on the session's connection, because this runs once
# per stored report and the ORM's flushes and statement building cost more than the SQL itself.
AGENCIES, BLOBS, DOCUMENTS, REPORTS, DATES, SECTIONS, VALUES = (
    cast(Table, model.__table__) for model in (models.Agency, models.Blob, models.Document, models.Report,
                                               models.ReportDate, models.ReportSection, models.ReportValue))
# A stored version's row: id, year, version, sha256, url, title, template (and the agency's columns).
StoredRow = Row[*tuple[Any, ...]]
_AGENCY, _YEAR = REPORTS.c.agency_id == bindparam("agency"), REPORTS.c.year == bindparam("year")
# The agency (none: not registered) with its stored versions of the year and of the years either side
# (none: one row of nulls), so that one round trip tells what to compare with.
AGENCY_VERSIONS = select(AGENCIES.c.name, AGENCIES.c.kind, AGENCIES.c.level, AGENCIES.c.deadline, REPORTS.c.id,
                         REPORTS.c.year, REPORTS.c.version, REPORTS.c.sha256, REPORTS.c.url, REPORTS.c.title,
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
class Stored:
    """One stored version of an agency-year."""

    report_id: int
    version: int


@dataclass(frozen=True)
class AgencyYear:
    """What is stored for one agency and year, read before a new version is stored: the registry entry,
    the version with the same bytes (if any), and the latest versions of the year and the years either
    side. `row`s are the stored versions' rows (id, year, version, sha256, url, title, template)."""

    agency_id: str
    name: str
    kind: str
    level: str | None
    deadline_override: str | None
    year: int
    same: StoredRow | None
    previous_year: StoredRow | None
    latest: StoredRow | None
    following_year: StoredRow | None

    @property
    def next_version(self) -> int:
        return self.latest.version + 1 if self.latest is not None else 1


def agency_year(session: Session, agency_id: str, year: int, sha256: str) -> AgencyYear | None:
    """What is stored for the agency and year (None: the agency is not registered)."""
    rows = session.connection().execute(AGENCY_VERSIONS, {"agency": agency_id, "years": [year - 1, year, year + 1]}
                                        ).all()
    if not rows:
        return None
    agency = rows[0]
    previous, latest, following = (
        max((row for row in rows if row.year == y), key=lambda row: row.version, default=None)
        for y in (year - 1, year, year + 1))
    same = next((row for row in rows if row.year == year and row.sha256 == sha256), None)
    return AgencyYear(agency_id, agency.name, agency.kind, agency.level, agency.deadline, year, same, previous,
                      latest, following)


def save(session: Session, stored: AgencyYear, report: Report, data: bytes, now: datetime,
         fetched: dict[str, Any] | None = None) -> Stored:
    """Store a report as the agency-year's next version: its bytes (once per content), the fetch, the
    version with its publication-date claims, sections and every template cell."""
    db = session.connection()
    fetched = fetched or {}
    sha = report.source.sha256
    db.execute(NEW_BLOB[db.dialect.name], {"sha256": sha, "size": len(data), "data": zlib.compress(data, 6)})
    document_id = db.scalar(NEW_DOCUMENT, {
        "url": report.source.location, "fetched_at": now, "http_status": fetched.get("http_status"),
        "etag": fetched.get("etag"), "last_modified": fetched.get("last_modified"),
        "media_type": report.source.media_type, "sha256": sha, "size": len(data), "agency_id": stored.agency_id,
    })
    first = report.published_date
    version = stored.next_version
    report_id = db.scalar(NEW_REPORT, {
        "agency_id": stored.agency_id, "year": stored.year, "version": version, "document_id": document_id,
        "sha256": sha, "url": report.source.location, "title": report.title, "template": report.template,
        "parse_status": "ok", "first_seen": now, "published": first.value if first else None,
        "published_day": first.value.astimezone(BEIJING).date() if first else None,
        "published_source": first.source if first else None,
        "deadline": deadlines.deadline(stored.kind, stored.level, stored.year, stored.deadline_override),
    })
    if report.published:
        db.execute(insert(DATES), [{"report_id": report_id, "source": c.source, "value": c.value, "raw": c.raw}
                                   for c in report.published])
    if report.sections:
        db.execute(insert(SECTIONS), [{"report_id": report_id, "key": k, "text": t}
                                      for k, t in report.sections.items()])
    _insert_cells(db, [(report_id, t, r, f, report.value(t, r, f)) for t, r, f in all_cells()])
    return Stored(report_id, version)


def save_unreadable(session: Session, agency_id: str, location: str, data: bytes, media_type: str, reason: str,
                    now: datetime, fetched: dict[str, Any] | None = None) -> int | None:
    """Keep a document that could not be read: its bytes, the fetch and the reason, for an auditor.
    Returns the document's id (None: the agency is not registered, so nothing is kept)."""
    db = session.connection()
    if db.execute(select(AGENCIES.c.id).where(AGENCIES.c.id == agency_id)).first() is None:
        return None
    fetched = fetched or {}
    sha = hashlib.sha256(data).hexdigest()
    db.execute(NEW_BLOB[db.dialect.name], {"sha256": sha, "size": len(data), "data": zlib.compress(data, 6)})
    return db.scalar(NEW_DOCUMENT, {
        "url": location, "fetched_at": now, "http_status": fetched.get("http_status"), "etag": fetched.get("etag"),
        "last_modified": fetched.get("last_modified"), "media_type": media_type, "sha256": sha, "size": len(data),
        "agency_id": agency_id, "read_error": reason,
    })


def _insert_cells(db: Connection, rows: list[tuple[Any, ...]]) -> None:
    """The ~200 cells of a version, the largest write of a store: COPY on PostgreSQL (one round
    trip instead of a pipelined statement per row), the driver's executemany on SQLite."""
    if db.dialect.name == "postgresql":
        cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f"COPY {CELL_COLUMNS} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        db.exec_driver_sql(f"INSERT INTO {CELL_COLUMNS} VALUES (?, ?, ?, ?, ?)", rows)


def load(session: Session, agency_id: str, year: int, version: int | None = None) -> Report | None:
    """A stored report version (the latest when `version` is None) as a Report, for the rules."""
    db = session.connection()
    params = {"agency": agency_id, "year": year}
    row = db.execute(VERSION, {**params, "version": version}).first() if version else db.execute(LATEST, params).first()
    return None if row is None else as_report(session, row, agency_id)


def as_report(session: Session, row: StoredRow, agency_id: str) -> Report:
    """The Report of a stored version's row (id, year, url, sha256, title, template): cells and sections
    are read as plain rows, no ORM objects."""
    db = session.connection()
    sections = db.execute(SECTIONS_OF, {"report": row.id})
    report = Report(source=Source(row.url, row.sha256, ""), title=row.title, agency=agency_id, year=row.year,
                    template=row.template, sections={key: text for key, text in sections})
    for table, row_key, field, number in db.execute(CELLS_OF, {"report": row.id}).all():
        if number is not None and float(number).is_integer() and row_key != "fees":
            number = int(number)
        report.tables[table][row_key][field] = number
    return report
