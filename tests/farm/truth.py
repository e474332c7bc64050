"""Ground truth of the fixture farm: what a correct crawler stores, and what `deadlines` raises.

URLs hold `@@host:NAME@@` until `resolve(value, farm)` puts the real loopback hosts in (the farm's
`expected` and `registry()` do). Deadlines follow SPEC §1, written out here independently of
monitor/deadlines.py.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

FIRST_YEAR = 2021
# (month, day) in year Y+1 for report year Y: the default deadline, and the statutory outer limit.
_DEFAULT = {("department", None): (1, 31), ("township", None): (1, 31), ("government", "county"): (2, 20),
            ("government", "prefecture"): (3, 10), ("government", "province"): (3, 31)}
_OUTER = {"department": (1, 31), "township": (1, 31), "government": (3, 31)}


def deadline(kind: str, level: str | None, year: int, override: str | None = None) -> date:
    """The last on-time day for report year `year` (SPEC §1; `override` "MM-DD")."""
    if override:
        month, day = map(int, override.split("-"))
    else:
        month, day = _DEFAULT[(kind, level if kind == "government" else None)]
    return date(year + 1, month, day)


def outer_limit(kind: str, year: int) -> date:
    month, day = _OUTER[kind]
    return date(year + 1, month, day)


@dataclass
class Version:
    """A later version of an agency-year (更正版, 修订版): a new version, never a new date."""

    url: str
    published: date
    title: str
    findings: tuple[str, ...] = ()


@dataclass
class YearTruth:
    """One agency-year.

    status: "published"; "missing" (nothing listed); "error" (listed, but the document can't be
    fetched: a fault; tests must not assert LATE/MISSING for it); "pending" (appears only after
    `farm.publish_pending`). `url` is the document to store (the preferred twin; the attachment
    when the page body is only a link to it, `page` then being the article). `published` is the
    earliest credible publication day (Beijing) of the first version; `claims` every date shown
    (listing, meta, text, url, api); `findings` the document rules the first version raises.
    """

    year: int
    status: str
    title: str = ""
    url: str | None = None
    page: str | None = None
    media_type: str = "text/html"
    published: date | None = None
    deadline: date | None = None
    late: bool = False
    outer_late: bool = False
    claims: dict[str, date] = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)
    twins: list[str] = field(default_factory=list)
    corrections: list[Version] = field(default_factory=list)
    findings: tuple[str, ...] = ()
    listed_on: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class AgencyTruth:
    """One registered agency: its registry entry, where it lives on the farm and what a crawl must
    find. `listing_pages`: every request that reads its whole listing (page 1 first; Hanweb
    dataproxy pages as "POST url"). `not_reports`: URLs listed beside its reports that must not be
    stored for it (url -> why). `never_requested`: URLs on other hosts that must never be fetched.
    `blocked`: the BlockKind value; `down`: why its listing never reads (no MISSING then)."""

    id: str
    name: str
    kind: str
    level: str | None = None
    region: str = ""
    parent: str | None = None
    listing: list[str] = field(default_factory=list)
    supervisors: list[str] = field(default_factory=list)
    deadline: str | None = None
    site: str = ""
    cms: str = ""
    listing_pages: list[str] = field(default_factory=list)
    years: dict[int, YearTruth] = field(default_factory=dict)
    not_reports: dict[str, str] = field(default_factory=dict)
    never_requested: list[str] = field(default_factory=list)
    old_reports: list[str] = field(default_factory=list)
    blocked: str | None = None
    down: str | None = None
    pending: YearTruth | None = None
    traps: list[str] = field(default_factory=list)

    def registry_entry(self) -> dict[str, Any]:
        """The `[[agency]]` entry (SPEC §6): keys without a value left out."""
        entry: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind}
        if self.level:
            entry["level"] = self.level
        entry["region"] = self.region
        if self.parent:
            entry["parent"] = self.parent
        entry["listing"] = list(self.listing)
        if self.supervisors:
            entry["supervisors"] = list(self.supervisors)
        if self.deadline:
            entry["deadline"] = self.deadline
        return entry

    def stored(self) -> dict[int, YearTruth]:
        """The years a correct crawl stores (first year 2021 on)."""
        return {y: t for y, t in self.years.items() if t.status == "published" and y >= FIRST_YEAR}

    def deadline_of(self, year: int) -> date:
        return deadline(self.kind, self.level, year, self.deadline)


@dataclass
class Timeliness:
    """What `monitor deadlines --now` must raise: (agency id, year) pairs, and agencies."""

    late: set[tuple[str, int]] = field(default_factory=set)
    missing: set[tuple[str, int]] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    down: set[str] = field(default_factory=set)
    unsure: set[tuple[str, int]] = field(default_factory=set)  # a fault hides the answer: assert nothing


def timeliness(agencies: dict[str, AgencyTruth], now: datetime | date, *, pending_published: bool = False
               ) -> Timeliness:
    """The expected LATE / MISSING / SOURCE-BLOCKED at `now` after a full crawl (with the pending
    reports published when `pending_published`). Down agencies raise SOURCE-DOWN after N crawls
    and never MISSING."""
    today = now.date() if isinstance(now, datetime) else now
    out = Timeliness()
    for agency in agencies.values():
        if agency.blocked:
            out.blocked.add(agency.id)
            continue
        if agency.down:
            out.down.add(agency.id)
            continue
        for year in range(FIRST_YEAR, today.year):
            truth = agency.years.get(year)
            if pending_published and agency.pending is not None and agency.pending.year == year:
                truth = agency.pending
            if truth is None or truth.status in ("missing", "pending"):
                if today > agency.deadline_of(year):
                    out.missing.add((agency.id, year))
            elif truth.status == "error":
                out.unsure.add((agency.id, year))
            elif truth.late:
                out.late.add((agency.id, year))
    return out


def registry_toml(entries: list[dict[str, Any]]) -> str:
    """`[[agency]]` tables (SPEC §6) for a monitor.toml: strings and lists of strings only."""
    blocks = []
    for entry in entries:
        lines = ["[[agency]]"] + [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in entry.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


class _Resolver(Protocol):
    def resolve(self, text: str) -> str: ...


def resolve(value: Any, farm: _Resolver) -> Any:
    """A copy of `value` with every @@host:NAME@@ replaced (dataclasses, dicts, lists, strings)."""
    if isinstance(value, str):
        return farm.resolve(value) if "@@" in value else value
    if isinstance(value, list):
        return [resolve(v, farm) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v, farm) for v in value)
    if isinstance(value, dict):
        return {resolve(k, farm): resolve(v, farm) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: resolve(getattr(value, f.name), farm)
                                             for f in dataclasses.fields(value) if f.init})
    return value
