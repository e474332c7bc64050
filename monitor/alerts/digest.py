"""One recipient's digest: what its queued alerts say, in a supervisor's words, rendered by the Jinja2
templates (HTML autoescaped, plain text) into one MIME message.

Agency-supplied text (names, titles, sentences, URLs) is data: it is stripped of terminal escapes,
control and bidirectional-override characters, HTML-escaped in the HTML part, and only an http(s) URL
becomes a link.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from monitor.deadlines import deadline
from monitor.store.models import Agency, Alert, AlertKind, Finding, Report
from monitor.template import SECTION_TITLES, TABLE_ROWS, cell_label
from monitor.text import printable
from rules import REGISTRY

TEMPLATES = Path(__file__).parent / "templates"
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
KIND_NAMES = {AlertKind.NEW: "新发现", AlertKind.REPEAT: "再次提醒", AlertKind.RESOLVED: "已纠正"}
MAX_CELLS = 8  # cells listed per finding (BLANK-CELL may name a whole table)
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def clean(text: object) -> str:
    """Agency-supplied text made harmless to show: no escapes, controls or bidi overrides."""
    return _BIDI.sub("", printable(str(text)))


def one_line(text: object) -> str:
    return " ".join(clean(text).split())


def cn_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def shown(value: Any) -> str:
    """An evidence value as a supervisor reads it: 3351, 2.5, 2026年1月31日, 无."""
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}" if not value.is_integer() else str(int(value))
    if isinstance(value, list | tuple):
        return "、".join(shown(item) for item in value) or "无"
    if isinstance(value, dict):
        return one_line(json.dumps(value, ensure_ascii=False))
    match = _ISO_DAY.match(str(value))
    if match:
        return cn_day(date(*(int(part) for part in match.groups())))
    return one_line(value)


def _cell_names(cells: list[str]) -> list[str]:
    names = []
    for ref in cells:
        parts = str(ref).split(".")
        if parts[0] == "section" and len(parts) == 2 and parts[1] in SECTION_TITLES:
            names.append(f"第{SECTION_TITLES[parts[1]]}")
        elif len(parts) == 3 and parts[0] in TABLE_ROWS:
            try:
                names.append(cell_label(*parts))
            except (KeyError, StopIteration):
                continue
    if len(names) > MAX_CELLS:
        names = [*names[:MAX_CELLS], f"等共 {len(names)} 处"]
    return names


@dataclass
class Item:
    """One finding as mailed."""

    kind: str
    kind_name: str
    number: int  # the finding's id (monitor findings dismiss NUMBER)
    rule: str
    title: str
    severity: str
    severity_name: str
    year: int
    message: str
    expected: str | None
    actual: str | None
    cells: list[str]
    sentence: str | None
    url: str | None
    linkable: bool
    stored: str | None  # the stored copy: version and report id

    @property
    def order(self) -> tuple[int, int, int, str, int]:
        return SEVERITY_RANK.get(self.severity, 3), self.kind != AlertKind.NEW, -self.year, self.rule, self.number


@dataclass
class Group:
    """The items of one agency."""

    agency_id: str
    name: str
    region: str
    items: list[Item] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(item.severity == severity for item in self.items)

    @property
    def order(self) -> tuple[int, int, str]:
        worst = min((SEVERITY_RANK.get(item.severity, 3) for item in self.items), default=3)
        return worst, -len(self.items), self.name


@dataclass
class Reminder:
    agency_id: str
    name: str
    region: str
    year: int
    deadline: str
    days_left: int


@dataclass
class Digest:
    recipient: str
    day: date  # in the configured time zone
    problems: list[Group]
    resolved: list[Group]
    reminders: list[Reminder]
    repeat_after_days: int

    @property
    def agencies(self) -> int:
        return len({g.agency_id for g in self.problems + self.resolved} | {r.agency_id for r in self.reminders})

    @property
    def problem_count(self) -> int:
        return sum(len(group.items) for group in self.problems)

    @property
    def resolved_count(self) -> int:
        return sum(len(group.items) for group in self.resolved)

    def severity_count(self, severity: str) -> int:
        return sum(group.count(severity) for group in self.problems)

    @property
    def subject(self) -> str:
        """「【年报监测】3个单位 5项问题 2026-02-01」, with the resolved and reminders when there are some."""
        parts = [f"{self.agencies}个单位"]
        if self.problem_count:
            parts.append(f"{self.problem_count}项问题")
        if self.resolved_count:
            parts.append(f"{self.resolved_count}项已纠正")
        if self.reminders:
            parts.append(f"{len(self.reminders)}份年报即将到期")
        return f"【年报监测】{' '.join(parts)} {self.day.isoformat()}"


def _item(alert: Alert, finding: Finding, report: Report | None) -> Item:
    evidence = finding.evidence or {}
    url = report.url if report is not None else evidence.get("url") or next(iter(evidence.get("listings") or []), None)
    url = one_line(url) if url else None
    rule = REGISTRY.get(finding.rule)
    judged = "expected" in evidence or "actual" in evidence
    stored = f"第{report.version}版（报告编号 {report.id}）" if report is not None else None
    return Item(
        kind=alert.kind, kind_name=KIND_NAMES.get(AlertKind(alert.kind), alert.kind), number=finding.id,
        rule=finding.rule, title=rule.title if rule else finding.rule, severity=finding.severity,
        severity_name=SEVERITY_NAMES.get(finding.severity, finding.severity), year=finding.year,
        message=clean(finding.message).strip(), expected=shown(evidence.get("expected")) if judged else None,
        actual=shown(evidence.get("actual")) if judged else None, cells=_cell_names(evidence.get("cells") or []),
        sentence=clean(evidence["text"]).strip() if evidence.get("text") else None, url=url,
        linkable=bool(url and re.match(r"https?://", url, re.IGNORECASE)), stored=stored,
    )


def build(recipient: str, rows: list[tuple[Alert, Finding | None, Report | None]], agencies: dict[str, Agency],
          day: date, repeat_after_days: int) -> Digest:
    """The digest of one recipient's alerts (a finding's with its finding and the report version it was
    last seen in; a reminder's without), grouped by agency, errors first."""
    problems: dict[str, Group] = {}
    resolved: dict[str, Group] = {}
    reminders: list[Reminder] = []

    def group(groups: dict[str, Group], agency_id: str) -> Group:
        if agency_id not in groups:
            agency = agencies.get(agency_id)
            groups[agency_id] = Group(agency_id, one_line(agency.name if agency else agency_id),
                                      one_line(agency.region if agency else ""))
        return groups[agency_id]

    for alert, finding, report in rows:
        if finding is None:
            agency = agencies.get(alert.agency_id or "")
            if agency is None or alert.year is None:
                continue
            due = deadline(agency.kind, agency.level, alert.year, agency.deadline)
            reminders.append(Reminder(agency.id, one_line(agency.name), one_line(agency.region), alert.year,
                                      cn_day(due), max((due - day).days, 0)))
            continue
        target = resolved if alert.kind == AlertKind.RESOLVED else problems
        group(target, finding.agency_id).items.append(_item(alert, finding, report))
    for groups in (problems, resolved):
        for item_group in groups.values():
            item_group.items.sort(key=lambda item: item.order)
    return Digest(recipient, day, sorted(problems.values(), key=lambda g: g.order),
                  sorted(resolved.values(), key=lambda g: g.name),
                  sorted(reminders, key=lambda r: (r.days_left, r.name, r.year)), repeat_after_days)


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"], default=False),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(digest: Digest) -> tuple[str, str]:
    """(plain text, HTML) bodies of the digest."""
    context = {"d": digest, "day": cn_day(digest.day), "severity_names": SEVERITY_NAMES}
    environment = _environment()
    return (environment.get_template("digest.txt").render(context),
            environment.get_template("digest.html").render(context))


def message(digest: Digest, *, sender: str, message_id: str, date_header: datetime) -> bytes:
    """The digest as a MIME multipart/alternative message (UTF-8, base64 bodies, CRLF line ends).
    ValueError when the recipient or the sender cannot be a header (a line break in it)."""
    text, html = render(digest)
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = digest.recipient
    mail["Subject"] = digest.subject
    mail["Date"] = format_datetime(date_header)
    mail["Message-ID"] = message_id
    mail["Auto-Submitted"] = "auto-generated"
    mail["Content-Language"] = "zh-CN"
    mail.set_content(text, charset="utf-8", cte="base64")
    mail.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return mail.as_bytes()


def grouped_by_recipient(alerts: list[tuple[Alert, Finding | None, Report | None]]
                         ) -> dict[str, list[tuple[Alert, Finding | None, Report | None]]]:
    out: dict[str, list[tuple[Alert, Finding | None, Report | None]]] = defaultdict(list)
    for row in alerts:
        out[row[0].recipient].append(row)
    return out
