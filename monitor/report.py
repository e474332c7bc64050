"""The parsed report: one typed value that every later stage (rules, storage, JSON) reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.template import SECTION_KEYS, empty_tables

Value = int | float | None
Tables = dict[str, dict[str, dict[str, Value]]]


@dataclass(frozen=True)
class Source:
    location: str
    sha256: str
    media_type: str


@dataclass(frozen=True)
class DateClaim:
    """One claimed publication date and where it came from (meta, text, url, listing)."""

    source: str
    value: datetime
    raw: str
    has_time: bool = False


UNREAD_TABLE = "正文有此部分标题，但没有可读的表格（可能是图片或附件）"


@dataclass(frozen=True)
class CellIssue:
    """A template cell the parser could not fill: blank, a dash, unreadable or absent."""

    table: str
    row: str
    field: str
    raw: str
    reason: str

    @property
    def ref(self) -> str:
        return f"{self.table}.{self.row}.{self.field}"


@dataclass
class Report:
    source: Source
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    template: str = "unknown"  # "2021" | "legacy" | "unknown"
    # Section key -> its text (headings removed); only sections found in the document.
    sections: dict[str, str] = field(default_factory=dict)
    tables: Tables = field(default_factory=empty_tables)
    # Tables whose structure was found at all (a table not found is reported by SECTION-MISSING).
    tables_found: set[str] = field(default_factory=set)
    cell_issues: list[CellIssue] = field(default_factory=list)
    published: list[DateClaim] = field(default_factory=list)
    # The whole readable text, tables included, for markers and year checks.
    text: str = ""
    legacy_markers: list[str] = field(default_factory=list)

    def value(self, table: str, row: str, field_: str) -> Value:
        return self.tables[table][row][field_]

    @property
    def present_sections(self) -> list[str]:
        return [key for key in SECTION_KEYS if key in self.sections or key in self.tables_found]

    @property
    def published_date(self) -> DateClaim | None:
        """The earliest claimed publication day; on that day, a claim with a time of day wins."""
        return min(self.published, key=lambda c: (c.value.date(), not c.has_time, c.value), default=None)
