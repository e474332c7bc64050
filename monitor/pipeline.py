"""The one path of a report through the monitor: fetch → read → evaluate → store.

`monitor check`, `monitor ingest` and the crawler all go through here, so a report given by hand and
one found by the crawler are treated alike. Each stage is a plain function; the network (fetch) and
the database (store) sit at the two ends.
"""

from __future__ import annotations

from monitor.check import CheckResult
from monitor.fetch import read_location
from monitor.parsing import parse
from monitor.report import Report
from rules import Context, evaluate


def read(data: bytes, location: str, content_type: str | None = None) -> Report:
    """Bytes to a Report. Raises InputError (unreadable) or NotAReport."""
    return parse(data, location, content_type)


def check_document(data: bytes, location: str, *, kind: str | None = None, agency: str | None = None,
                   year: int | None = None, content_type: str | None = None) -> CheckResult:
    """Read one document and run the document rules. Raises monitor.errors.InputError."""
    report = read(data, location, content_type)
    if agency:
        report.agency = agency
    if year:
        report.year = year
    return CheckResult(report, evaluate(report, Context(kind=kind)))


def check(location: str, *, kind: str | None = None, agency: str | None = None,
          year: int | None = None) -> CheckResult:
    """Fetch (a path or URL), read and evaluate one document. Raises InputError."""
    data, content_type = read_location(location)
    return check_document(data, location, kind=kind, agency=agency, year=year, content_type=content_type)
