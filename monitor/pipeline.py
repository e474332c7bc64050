"""The one path of a report through the monitor: fetch → read → evaluate → store.

`monitor check`, `monitor ingest` and the crawler all go through here, so a report given by hand and
one found by the crawler are treated alike. Each stage is a plain function; the network (fetch) and
the database (store) sit at the two ends. The document is the witness of its own year and agency: a
year given by the caller only fills in what the document does not say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from monitor.check import CheckResult
from monitor.errors import InputError
from monitor.fetch import read_location
from monitor.parsing import parse
from monitor.report import MAX_YEAR, MIN_YEAR, Report
from rules import REGISTRY, Context, evaluate

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.store import Store
    from monitor.store.versions import AgencyYear

# The rules run when a version is stored: the document's own, and those that compare it with the
# agency's stored reports.
STORE_SCOPES = ("document", "history")


def read(data: bytes, location: str, content_type: str | None = None, year: int | None = None) -> Report:
    """Bytes to a Report. `year` fills in a report year the document does not state; a document that
    states another year is refused. Raises InputError (unreadable, or the years contradict) or NotAReport."""
    report = parse(data, location, content_type)
    if year is not None:
        check_year(year, "指定的年度")
        if report.year is not None and report.year != year:
            raise InputError(f"文件中的报告年度为 {report.year} 年，与指定的 {year} 年不符："
                             "以文件为准，请去掉或改正指定的年度")
        report.year = year
    if report.year is not None:
        check_year(report.year, "文件中的报告年度")
    return report


def check_year(year: int, what: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(f"{what} {year} 年不在 {MIN_YEAR}–{MAX_YEAR} 年之间")


def check_document(data: bytes, location: str, *, kind: str | None = None, agency: str | None = None,
                   year: int | None = None, content_type: str | None = None) -> CheckResult:
    """Read one document and run the document rules. `agency` is the name the report should carry: it
    fills in a name the document lacks, and a different name raises AGENCY-MISMATCH. Raises InputError."""
    report = read(data, location, content_type, year)
    if agency and not report.agency:
        report.agency = agency
    return CheckResult(report, evaluate(report, Context(kind=kind, agency_name=agency)))


def check(location: str, *, kind: str | None = None, agency: str | None = None,
          year: int | None = None) -> CheckResult:
    """Fetch (a path or URL), read and evaluate one document. Raises InputError."""
    data, content_type = read_location(location)
    return check_document(data, location, kind=kind, agency=agency, year=year, content_type=content_type)


class IngestStatus(StrEnum):
    NEW = "new"  # the agency-year's first version
    VERSION = "version"  # new content for a stored agency-year
    UNCHANGED = "unchanged"  # the same bytes again: nothing stored


@dataclass(frozen=True)
class Ingested:
    """What storing one document did: the agency-year and version, the findings counted by what
    happened to them (opened, seen, reopened, resolved), and the rules the stored version breaks."""

    status: IngestStatus
    agency_id: str
    year: int
    version: int
    report_id: int
    counts: dict[str, int] = field(default_factory=dict)
    rules: tuple[str, ...] = ()


def ingest(store: Store, agency_id: str, location: str, *, now: datetime, year: int | None = None,
           data: bytes | None = None, content_type: str | None = None,
           fetched: dict[str, Any] | None = None) -> Ingested:
    """Fetch (unless `data` is given), read, evaluate and store one document of an agency. A document
    that cannot be read is kept as unreadable (its bytes and the reason) before InputError is raised."""
    if data is None:
        data, content_type = read_location(location)
    try:
        report = read(data, location, content_type, year)
        if report.year is None:
            raise InputError("文件中读不出报告年度，请指定年度（--year，或清单的 year 列）")
    except InputError as exc:
        record_unreadable(store, agency_id, location, data, str(exc), now=now, fetched=fetched)
        raise
    return store_report(store, agency_id, report, data, now=now, fetched=fetched)


def record_unreadable(store: Store, agency_id: str, location: str, data: bytes, reason: str, *, now: datetime,
                      fetched: dict[str, Any] | None = None) -> int | None:
    """Keep a document that could not be read (refused, over a reading limit, or fatal to its reader)
    with its bytes and the reason; returns its id (None: the agency is not registered)."""
    from monitor.parsing.sniff import sniff
    from monitor.store import versions

    with store.transaction() as session:
        return versions.save_unreadable(session, agency_id, location, data, sniff(data), reason, now, fetched)


def store_report(store: Store, agency_id: str, report: Report, data: bytes, *, now: datetime,
                 fetched: dict[str, Any] | None = None) -> Ingested:
    """Evaluate a read report against the agency's stored history and store it as a version, with its
    findings, in one transaction. Raises InputError for an agency that is not registered."""
    from sqlalchemy.exc import IntegrityError

    for attempt in range(3):
        try:
            with store.transaction() as session:
                return _store(session, agency_id, report, data, now, fetched)
        except IntegrityError:  # another process stored the same version first: look again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(session: Session, agency_id: str, report: Report, data: bytes, now: datetime,
           fetched: dict[str, Any] | None) -> Ingested:
    from monitor.store import findings, versions

    assert report.year is not None
    stored = versions.agency_year(session, agency_id, report.year, report.source.sha256)
    if stored is None:
        raise InputError(f"登记册中没有机关 {agency_id}（先在 monitor.toml 中登记后运行 monitor agencies sync，"
                         "或用 monitor agencies import 导入）")
    if stored.same is not None:
        return Ingested(IngestStatus.UNCHANGED, agency_id, report.year, stored.same.version, stored.same.id)
    found = evaluate(report, _context(session, stored), STORE_SCOPES)
    version = versions.save(session, stored, report, data, now, fetched)
    counts = findings.sync(session, agency_id, report.year, version.report_id, found, rule_ids(STORE_SCOPES), now)
    if stored.following_year is not None:  # next year's cross-year rules depend on this year's figures
        following = versions.as_report(session, stored.following_year, agency_id)
        later = Context(kind=stored.kind, level=stored.level, previous_year=report)
        cross_year = [rule for rule in rule_ids(("history",)) if REGISTRY[rule].resolvable]
        findings.sync(session, agency_id, report.year + 1, stored.following_year.id,
                      [f for f in evaluate(following, later, ("history",)) if f.rule in cross_year], cross_year, now)
    status = IngestStatus.VERSION if version.version > 1 else IngestStatus.NEW
    return Ingested(status, agency_id, report.year, version.version, version.report_id, counts,
                    tuple(dict.fromkeys(f.rule for f in found)))


def _context(session: Session, stored: AgencyYear) -> Context:
    from monitor.store import versions

    def as_report(row: Any) -> Report | None:
        return versions.as_report(session, row, stored.agency_id) if row is not None else None

    return Context(kind=stored.kind, level=stored.level, agency_name=stored.name,
                   previous_year=as_report(stored.previous_year), previous_version=as_report(stored.latest))


def rule_ids(scopes: tuple[str, ...]) -> list[str]:
    return [rule_id for rule_id, item in REGISTRY.items() if item.scope in scopes]
