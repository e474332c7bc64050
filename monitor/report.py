"""The parsed report: one typed value that every later stage (rules, storage, JSON) reads, and the
small readings of it that parsing and rules share (numbers, title year, Beijing time)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from monitor.template import SECTION_KEYS, empty_tables

Value = int | float | None

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
# Report years the monitor accepts: the 条例 took effect in 2008.
MIN_YEAR, MAX_YEAR = 2008, 2100
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


# --- readings shared by the parsers and the rules -------------------------------------------------

def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_PIECE = 1 << 16


def replace_runs(run: re.Pattern[str], replacement: str, text: str) -> str:
    """run.sub(replacement, text) for a pattern matching runs of one character class (「[…]+」, 「\\s+」),
    done in pieces of about 64K characters.

    re.sub holds every replacement and every stretch between two matches as a string of its own
    until it joins them, some 50 bytes each: on a text of millions of short words that is many
    times the text's size. A piece always ends after a whole run, so the result is the same.
    """
    if len(text) <= _PIECE:
        return run.sub(replacement, text)
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = start + _PIECE
        if end < len(text) and (rest := run.match(text, end)):
            end = rest.end()  # a run going on past the cut ends in this piece
        pieces.append(run.sub(replacement, text[start:end]))
        start = end
    return "".join(pieces)


# The largest count or amount a report can state: a numeral of more significant digits, or of
# 10**15 or more, is no figure of a report (and no float would hold it exactly, or at all: 309
# digits make float("inf")).
MAX_SIGNIFICANT_DIGITS = 15
_NUMERAL = re.compile(r"[+-]?(\d*)(?:\.(\d*))?")


def to_number(text: str) -> int | float:
    """'1,234' -> 1234; '18651.06' -> 18651.06; '5.00' -> 5 (integral values stay integers).

    Raises ValueError for text that is no numeral, and for a numeral beyond any count or amount
    (more than MAX_SIGNIFICANT_DIGITS significant digits, or 10**15 or more): never inf or nan.
    """
    match = _NUMERAL.fullmatch(text.replace(",", ""))
    if match is None or not (match.group(1) or match.group(2)):
        raise ValueError(f"not a numeral: {text[:40]!r}")
    whole, fraction = match.group(1).lstrip("0"), (match.group(2) or "").rstrip("0")
    significant = len(whole) + len(fraction) if whole else len(fraction.lstrip("0"))
    if len(whole) > MAX_SIGNIFICANT_DIGITS or significant > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(f"not a plausible figure ({len(whole)} digits): {text[:40]!r}")
    value = float(match.group(0))
    return int(value) if value.is_integer() else value


_TITLE = re.compile(
    r"(?P<agency>[^\s，。:：《》“”_|]{0,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*"
    r"(?:的)?(?:政府信息公开|政务公开|信息公开).{0,8}?(?:年度报告|年报)"
)
# 「2024年度某某局政府信息公开工作年度报告」: the year first, the agency after it.
_TITLE_YEAR_FIRST = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<agency>[^\s，。:：《》“”_|]{2,60}?)\s*"
    r"(?:政府信息公开|政务公开).{0,8}?(?:年度报告|年报)"
)
_PERIOD = re.compile(r"统计期限?[^。]{0,12}?((?:19|20)\d{2})\s*+年\s*+1\s*+月\s*+1\s*+日")
_LEADING_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*年(?:度)?[，,]")
_TITLE_PREFIXES = re.compile(r"^(关于|关于印发|印发)")
# A report title is under 200 characters; a "title" that is a whole page of text (a <title> or a
# first paragraph of megabytes) is read for its first characters only.
_TITLE_WINDOW = 500


def title_parts(title: str | None) -> tuple[str | None, int | None]:
    """(agency, year) from a report title such as 「平潭综合实验区2024年度政府信息公开工作年度报告」."""
    if not title:
        return None, None
    for part in re.split(r"[_|｜]|\s-\s", nfkc(title[:_TITLE_WINDOW])):
        match = _TITLE.search(part)
        year_first = _TITLE_YEAR_FIRST.search(part)
        if match:
            agency = _TITLE_PREFIXES.sub("", match.group("agency")).strip(" 《“\"") or None
            if agency is None and year_first:
                agency = year_first.group("agency")
            return agency, int(match.group("year"))
        if year_first:
            return year_first.group("agency"), int(year_first.group("year"))
    return None, None


def period_year(text: str) -> int | None:
    """The year of the statistics period (「统计期限为2024年1月1日至…」)."""
    match = _PERIOD.search(text)
    return int(match.group(1)) if match else None


def leading_year(text: str) -> int | None:
    """The year a section opens with (「2024年，平潭综合实验区坚持…」)."""
    match = _LEADING_YEAR.match(nfkc(text))
    return int(match.group(1)) if match else None


_AGENCY_SPELLINGS = (("人民政府", "政府"), ("管理委员会", "管委会"))
_SPACES = re.compile(r"\s+")


def same_agency(a: str, b: str) -> bool:
    """Whether two names denote the same agency: equal once spaces, width and the usual short forms
    (政府 for 人民政府, 管委会 for 管理委员会) are folded, or one is the other with a region in front
    (「新乡市卫滨区人民政府办公室」 and 「卫滨区人民政府办公室」)."""
    def fold(name: str) -> str:
        name = replace_runs(_SPACES, "", nfkc(name))
        for long, short in _AGENCY_SPELLINGS:
            name = name.replace(long, short)
        return name

    a, b = fold(a), fold(b)
    return bool(a) and bool(b) and (a.endswith(b) or b.endswith(a))
