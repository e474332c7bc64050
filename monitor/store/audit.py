"""Auditors' queries over the history database (SPEC §6): reports, findings, one agency's history,
and the whole-history export. Pure of the command line: `monitor.cli_audit` formats what these return.
Nothing here writes: a dismissal whose expiry has passed reads as open (`findings.effective_status`).

Every time returned is ISO 8601 in Beijing time (+08:00); the database keeps UTC.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, aliased

from monitor.report import BEIJING
from monitor.store.findings import effective_status
from monitor.store.models import Agency, Document, Finding, FindingEvent, FindingStatus, Report, ReportDate, ReportValue
from monitor.template import all_cells, cell_label
from monitor.text import FORMULA_START, csv_cell, printable

# The keys SPEC §6 requires, first in every element, in this order.
REPORT_KEYS = ("agency", "year", "version", "url", "published", "first_seen", "template", "sha256")
FINDING_KEYS = ("id", "agency", "year", "rule", "severity", "status", "message", "evidence", "first_seen",
                "last_seen")
STATUSES = tuple(status.value for status in FindingStatus)
SEVERITIES = ("error", "warning", "info")

EXPORT_HEADER = ("机关编号", "机关名称", "地区", "年度", "版本", "发布时间", "表", "行", "栏", "单元格", "数值")
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included; more rows continue on a new sheet
EXPORT_BATCH = 5_000

_CELL_ORDER = {cell: index for index, cell in enumerate(all_cells())}
_LABELS = {cell: cell_label(*cell) for cell in all_cells()}


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601: a time in Beijing with its offset, a date as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).isoformat()
    return value.isoformat()


def beijing_today(now: datetime) -> date:
    return now.astimezone(BEIJING).date()


def parse_since(text: str) -> datetime:
    """`--since`: a day (YYYY-MM-DD, from midnight Beijing time) or an ISO 8601 time (Beijing when no
    offset is given). Raises ValueError."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    year: int | None = None
    rule: str | None = None
    since: datetime | None = None
    status: str | None = None
    severity: str | None = None
    latest: bool = False
    today: date | None = None  # the day dismissals expire against (Beijing); None: today


# --- reports ---------------------------------------------------------------------------------------

def reports(session: Session, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """One element per stored report version, oldest agency-year first.

    `since` keeps versions first seen at or after that time. `on_time` is the agency-year's timeliness,
    judged on the first version's publication day (SPEC §5; a correction never resets it); `null` when
    the first version carries no publication date.
    """
    first = aliased(Report)
    query = (
        select(Report, Agency.name, first.published_day, first.deadline)
        .join(Agency, Agency.id == Report.agency_id)
        .outerjoin(first, and_(first.agency_id == Report.agency_id, first.year == Report.year, first.version == 1))
        .order_by(Report.agency_id, Report.year, Report.version)
    )
    if filters.agency:
        query = query.where(Report.agency_id == filters.agency)
    if filters.year is not None:
        query = query.where(Report.year == filters.year)
    if filters.since is not None:
        query = query.where(Report.first_seen >= filters.since)
    rows = session.execute(query).all()
    latest: dict[tuple[str, int], int] = {}
    for report, *_ in rows:
        key = (report.agency_id, report.year)
        latest[key] = max(latest.get(key, 0), report.version)
    if filters.latest:
        rows = [row for row in rows if row[0].version == latest[(row[0].agency_id, row[0].year)]]
    return [_report_dict(report, name, first_day, deadline, report.version == latest[(report.agency_id, report.year)])
            for report, name, first_day, deadline in rows]


def _report_dict(report: Report, agency_name: str, first_day: date | None, deadline: date | None,
                 is_latest: bool) -> dict[str, Any]:
    on_time = None if first_day is None or deadline is None else first_day <= deadline
    return {
        "agency": report.agency_id, "year": report.year, "version": report.version, "url": report.url,
        "published": iso(report.published), "first_seen": iso(report.first_seen), "template": report.template,
        "sha256": report.sha256,
        "agency_name": agency_name, "title": report.title, "published_source": report.published_source,
        "deadline": iso(report.deadline), "on_time": on_time, "is_latest": is_latest,
    }


# --- findings --------------------------------------------------------------------------------------

def _findings_query(filters: Filters) -> Select[*tuple[Any, ...]]:
    status = effective_status(filters.today or beijing_today(datetime.now(BEIJING)))
    query = (
        select(Finding, status, Agency.name, Report.version)
        .join(Agency, Agency.id == Finding.agency_id)
        .outerjoin(Report, Report.id == Finding.report_id)
        .order_by(Finding.agency_id, Finding.year, Finding.id)
    )
    if filters.agency:
        query = query.where(Finding.agency_id == filters.agency)
    if filters.year is not None:
        query = query.where(Finding.year == filters.year)
    if filters.rule:
        query = query.where(Finding.rule == filters.rule.upper())
    if filters.since is not None:
        query = query.where(Finding.first_seen >= filters.since)
    if filters.status:
        query = query.where(status == filters.status)
    if filters.severity:
        query = query.where(Finding.severity == filters.severity)
    return query


def findings(session: Session, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """One element per finding, with its status as of `filters.today`. `since` keeps findings first
    seen at or after that time."""
    rows = session.execute(_findings_query(filters))
    return [finding_dict(finding, status, name, version) for finding, status, name, version in rows]


def finding_dict(finding: Finding, status: str, agency_name: str, report_version: int | None) -> dict[str, Any]:
    expired = status != finding.status
    return {
        "id": finding.id, "agency": finding.agency_id, "year": finding.year, "rule": finding.rule,
        "severity": finding.severity, "status": status, "message": finding.message,
        "evidence": finding.evidence, "first_seen": iso(finding.first_seen), "last_seen": iso(finding.last_seen),
        "agency_name": agency_name, "report_version": report_version, "resolved_at": iso(finding.resolved_at),
        "confirmed": bool(finding.confirmed), "triaged_by": finding.triaged_by,
        "triaged_at": iso(finding.triaged_at), "triage_reason": finding.triage_reason,
        "dismissed_until": iso(finding.dismissed_until), "dismissal_expired": expired,
    }


# --- one agency's history --------------------------------------------------------------------------

def history(session: Session, agency_id: str, filters: Filters = Filters()) -> dict[str, Any]:
    """Everything about one agency, per year: each version with every publication-date claim, the
    findings with their status and triage, and the event trail; and the documents that could not be read.
    `filters` narrow it by year, rule and `since` (versions first seen, findings first seen, events and
    unreadable documents at or after it). Raises LookupError
    for an unknown id."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise LookupError(f"登记册中没有机关 {agency_id}")
    filters = replace(filters, agency=agency_id)
    year, rule = filters.year, filters.rule
    versions = reports(session, filters)
    report_ids = {(r.year, r.version): r.id for r in session.scalars(
        select(Report).where(Report.agency_id == agency_id, *([Report.year == year] if year is not None else [])))}
    dates: dict[int, list[dict[str, Any]]] = {}
    if report_ids:
        for claim in session.scalars(select(ReportDate).where(ReportDate.report_id.in_(report_ids.values()))
                                     .order_by(ReportDate.report_id, ReportDate.value, ReportDate.id)):
            dates.setdefault(claim.report_id, []).append(
                {"source": claim.source, "value": iso(claim.value), "raw": claim.raw})
    found = findings(session, filters)
    versions_by_report_id = {report_id: version for (_, version), report_id in report_ids.items()}
    events_query = (
        select(FindingEvent, Finding.rule, Finding.year)
        .join(Finding, Finding.id == FindingEvent.finding_id)
        .where(Finding.agency_id == agency_id)
        .order_by(FindingEvent.at, FindingEvent.id)
    )
    if year is not None:
        events_query = events_query.where(Finding.year == year)
    if rule:
        events_query = events_query.where(Finding.rule == rule.upper())
    if filters.since is not None:
        events_query = events_query.where(FindingEvent.at >= filters.since)
    events: dict[int, list[dict[str, Any]]] = {}
    for event, event_rule, event_year in session.execute(events_query):
        events.setdefault(event_year, []).append({
            "at": iso(event.at), "finding_id": event.finding_id, "rule": event_rule, "action": event.action,
            "actor": event.actor, "reason": event.reason,
            "report_version": versions_by_report_id.get(event.report_id) if event.report_id else None,
        })
    years: dict[int, dict[str, Any]] = {}

    def year_entry(number: int) -> dict[str, Any]:
        return years.setdefault(number, {"year": number, "deadline": None, "on_time": None, "first_published": None,
                                         "versions": [], "findings": [], "events": events.get(number, [])})

    for version in versions:
        entry = year_entry(version["year"])
        version["dates"] = dates.get(report_ids[(version["year"], version["version"])], [])
        entry["versions"].append(version)
        if version["version"] == 1:
            entry["first_published"] = version["published"]
        entry["deadline"], entry["on_time"] = version["deadline"], version["on_time"]
    for item in found:
        year_entry(item["year"])["findings"].append(item)
    for number in events:
        year_entry(number)
    unreadable = select(Document).where(Document.agency_id == agency_id, Document.read_error.is_not(None))
    if filters.since is not None:
        unreadable = unreadable.where(Document.fetched_at >= filters.since)
    return {
        "agency": {"id": agency.id, "name": agency.name, "kind": agency.kind, "level": agency.level,
                   "region": agency.region, "parent": agency.parent_id, "supervisors": list(agency.supervisors),
                   "deadline_override": agency.deadline},
        "years": [years[number] for number in sorted(years)],
        "unreadable": [{"url": d.url, "fetched_at": iso(d.fetched_at), "media_type": d.media_type, "size": d.size,
                        "sha256": d.sha256, "reason": d.read_error}
                       for d in session.scalars(unreadable.order_by(Document.fetched_at, Document.id))],
    }


TIMELINE_KEYS = ("at", "year", "event", "version", "finding_id", "rule", "actor", "reason", "detail")


def timeline(history_data: dict[str, Any]) -> list[dict[str, Any]]:
    """A `history()` as one row per happening, oldest first: each version stored (event `stored`, detail
    its address) and each event of a finding (detail the finding's message)."""
    rows: list[dict[str, Any]] = []
    for entry in history_data["years"]:
        messages = {f["id"]: f["message"] for f in entry["findings"]}
        rows += [{"at": v["first_seen"], "year": entry["year"], "event": "stored", "version": v["version"],
                  "finding_id": None, "rule": None, "actor": None, "reason": None, "detail": v["url"]}
                 for v in entry["versions"]]
        rows += [{"at": e["at"], "year": entry["year"], "event": e["action"], "version": e["report_version"],
                  "finding_id": e["finding_id"], "rule": e["rule"], "actor": e["actor"], "reason": e["reason"],
                  "detail": messages.get(e["finding_id"])} for e in entry["events"]]
    return sorted(rows, key=lambda row: (row["at"], row["event"] != "stored", row["finding_id"] or 0))


# --- the whole-history export ----------------------------------------------------------------------

def export_rows(session: Session, agency: str | None = None, year: int | None = None,
                batch: int = EXPORT_BATCH) -> Iterator[tuple[Any, ...]]:
    """One tuple per agency-year-version-cell (EXPORT_HEADER), streamed from the database `batch`
    rows at a time (a server-side cursor on PostgreSQL), cells in template order within a version.
    `value` is the stored float (None for a blank cell). Only the versions' metadata is held in memory."""
    where = []
    if agency:
        where.append(Report.agency_id == agency)
    if year is not None:
        where.append(Report.year == year)
    versions = {
        row.id: (row.agency_id, row.name, row.region, row.year, row.version, iso(row.published))
        for row in session.execute(
            select(Report.id, Report.agency_id, Agency.name, Agency.region, Report.year, Report.version,
                   Report.published).join(Agency, Agency.id == Report.agency_id).where(*where))
    }
    query = (
        select(ReportValue.report_id, ReportValue.table_key, ReportValue.row_key, ReportValue.field_key,
               ReportValue.value)
        .join(Report, Report.id == ReportValue.report_id)
        .where(*where)
        .order_by(Report.agency_id, Report.year, Report.version)
        .execution_options(yield_per=batch)
    )
    pending: list[Any] = []
    current: int | None = None
    for row in session.connection().execute(query):
        if row[0] != current and pending:
            yield from _version_rows(versions[current], pending)
            pending = []
        current = row[0]
        pending.append(row)
    if pending:
        yield from _version_rows(versions[current], pending)


def _version_rows(version: tuple[Any, ...], rows: list[Any]) -> Iterator[tuple[Any, ...]]:
    """The cells of one version in template order (unknown cells last), with their Chinese label."""
    rows.sort(key=lambda r: (_CELL_ORDER.get((r[1], r[2], r[3]), len(_CELL_ORDER)), r[1], r[2], r[3]))
    for _id, table, row, field, value in rows:
        yield (*version, table, row, field, _label(table, row, field), value)


def _label(table: str, row: str, field: str) -> str:
    label = _LABELS.get((table, row, field))
    if label is None:
        try:
            label = cell_label(table, row, field)
        except (KeyError, StopIteration):
            label = ""
    return label


def number(value: float | None) -> int | float | None:
    """A stored cell value as the document states it: whole numbers as int."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `path`, then move it into place: no half-written file is
    left behind when the export fails, and what was at `path` is replaced, never written into (the
    caller refuses to replace anything but a regular file: `monitor.cli_data.check_output`)."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
    os.close(handle)
    try:
        write(Path(temporary))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # mkstemp makes it private; give it an ordinary file's mode
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_csv(rows: Iterable[tuple[Any, ...]], path: Path) -> int:
    """CSV with a UTF-8 BOM (so Excel and WPS read the Chinese), CRLF line ends; returns the row count.
    Text cells are made printable and formula-safe (`monitor.text.csv_cell`: a name beginning with 「=」
    gets a leading single quote); the value column stays a number."""
    count = 0

    def write(target: Path) -> None:
        nonlocal count
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_HEADER)
            for row in rows:
                value = number(row[-1])
                writer.writerow((*(csv_cell(v) for v in row[:-1]), "" if value is None else repr(value)))
                count += 1

    atomic_write(path, write)
    return count


def export_xlsx(rows: Iterable[tuple[Any, ...]], path: Path, max_rows: int | None = None) -> int:
    """XLSX in openpyxl's write-only mode (rows go to disk as they come; memory stays flat). A sheet
    holds at most `max_rows` rows including its header; the rest continue on 历史数据 (2), (3), …
    Text is written without control characters (which XML cannot hold), and text that begins like a
    formula (「=」, 「+」, 「-」, 「@」) as an explicit string cell, unchanged: never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    count = 0
    max_rows = max_rows or XLSX_MAX_ROWS

    def clean(sheet: Any, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = printable(value)
        if not value.startswith(FORMULA_START):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would store 「=…」 as a formula
        return cell

    def write(target: Path) -> None:
        nonlocal count
        workbook = Workbook(write_only=True)
        sheets = 0
        sheet = None
        used = max_rows
        for row in rows:
            if used >= max_rows:
                sheets += 1
                sheet = workbook.create_sheet("历史数据" if sheets == 1 else f"历史数据 ({sheets})")
                sheet.append(EXPORT_HEADER)
                used = 1
            assert sheet is not None
            sheet.append([clean(sheet, v) for v in row[:-1]] + [number(row[-1])])
            used += 1
            count += 1
        if sheet is None:
            workbook.create_sheet("历史数据").append(EXPORT_HEADER)
        workbook.save(target)

    atomic_write(path, write)
    return count
