"""Storing a report version and evaluating it against the agency's history, in one transaction.

The same bytes again change nothing; different content for the same agency-year is a new version
(and raises REVISED). Two processes storing the same report at once leave one version: the unique
(agency, year, sha256) constraint refuses the second, which then finds the stored one.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor import deadlines, findings
from monitor.db import models
from monitor.errors import InputError
from monitor.parsing import parse
from monitor.parsing.meta import BEIJING
from monitor.report import Report, Source
from monitor.template import all_cells
from rules import REGISTRY, Context, evaluate

INGEST_SCOPES = ("document", "history")


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
    agency = session.get(models.Agency, agency_id)
    if agency is None:
        raise InputError(f"登记册中没有机关 {agency_id}（先在 monitor.toml 中登记或用 monitor agencies import 导入）")
    year = report.year
    assert year is not None
    sha = report.source.sha256
    same = session.scalar(select(models.Report).where(
        models.Report.agency_id == agency_id, models.Report.year == year, models.Report.sha256 == sha))
    if same is not None:
        return Ingested("unchanged", agency_id, year, same.version, same.id, {})
    latest = session.scalar(select(func.max(models.Report.version)).where(
        models.Report.agency_id == agency_id, models.Report.year == year)) or 0
    if session.get(models.Blob, sha) is None:
        session.add(models.Blob(sha256=sha, size=len(data), data=zlib.compress(data, 6)))
        session.flush()
    document = models.Document(
        url=report.source.location, fetched_at=now, http_status=fetched.get("http_status"),
        etag=fetched.get("etag"), last_modified=fetched.get("last_modified"),
        media_type=report.source.media_type, sha256=sha, size=len(data),
    )
    session.add(document)
    session.flush()
    first = report.published_date
    stored = models.Report(
        agency_id=agency_id, year=year, version=latest + 1, document_id=document.id, sha256=sha,
        url=report.source.location, title=report.title, template=report.template, parse_status="ok",
        first_seen=now, published=first.value if first else None,
        published_day=first.value.astimezone(BEIJING).date() if first else None,
        published_source=first.source if first else None,
        deadline=deadlines.deadline(agency.kind, agency.level, year, agency.deadline),
    )
    stored.dates = [models.ReportDate(source=c.source, value=c.value, raw=c.raw) for c in report.published]
    stored.sections = [models.ReportSection(key=k, text=t) for k, t in report.sections.items()]
    session.add(stored)
    session.flush()
    session.execute(models.ReportValue.__table__.insert(), [
        {"report_id": stored.id, "table_key": t, "row_key": r, "field_key": f, "value": report.value(t, r, f)}
        for t, r, f in all_cells()
    ])
    context = Context(kind=agency.kind, level=agency.level,
                      previous_year=load(session, agency_id, year - 1),
                      previous_version=load(session, agency_id, year, version=latest) if latest else None)
    counts = findings.sync(session, agency_id, year, stored.id, evaluate(report, context, INGEST_SCOPES),
                           _rules(INGEST_SCOPES), now)
    following = load(session, agency_id, year + 1)
    if following is not None:  # next year's cross-year rules depend on this year's figures
        later_context = Context(kind=agency.kind, level=agency.level, previous_year=report)
        cross_year = [rule for rule in _rules(("history",)) if REGISTRY[rule].resolvable]
        following_id = session.scalar(select(func.max(models.Report.id)).where(
            models.Report.agency_id == agency_id, models.Report.year == year + 1))
        findings.sync(session, agency_id, year + 1, following_id,
                      [f for f in evaluate(following, later_context, ("history",)) if f.rule in cross_year],
                      cross_year, now)
    return Ingested("version" if latest else "new", agency_id, year, latest + 1, stored.id, counts)


def _rules(scopes: tuple[str, ...]) -> list[str]:
    return [rule_id for rule_id, item in REGISTRY.items() if item.scope in scopes]


def load(session: Session, agency_id: str, year: int, version: int | None = None) -> Report | None:
    """A stored report version (the latest when `version` is None) as a Report, for the rules.

    Cells and sections are read as plain rows (no ORM objects: this runs twice per ingest)."""
    query = select(models.Report.id, models.Report.url, models.Report.sha256, models.Report.title,
                   models.Report.template).where(models.Report.agency_id == agency_id, models.Report.year == year)
    query = query.where(models.Report.version == version) if version else query
    row = session.execute(query.order_by(models.Report.version.desc()).limit(1)).first()
    if row is None:
        return None
    sections = session.execute(
        select(models.ReportSection.key, models.ReportSection.text).where(models.ReportSection.report_id == row.id))
    report = Report(source=Source(row.url, row.sha256, ""), title=row.title, agency=agency_id, year=year,
                    template=row.template, sections={key: text for key, text in sections})
    cells = session.execute(select(models.ReportValue.table_key, models.ReportValue.row_key,
                                   models.ReportValue.field_key, models.ReportValue.value)
                            .where(models.ReportValue.report_id == row.id))
    for table, row_key, field, number in cells:
        if number is not None and float(number).is_integer() and row_key != "fees":
            number = int(number)
        report.tables[table][row_key][field] = number
    return report
