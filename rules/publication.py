"""Rules on publication itself (SPEC §1, §3, §5): late, missing, undated, removed, and sources the
monitor could not read. They judge what the crawls recorded of one agency-year (a Publication), not a
report's content, and run in `monitor deadlines` and after every crawl."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from monitor.report import BEIJING
from rules.engine import Context, Finding, Problem, Severity, evaluate, rule

BLOCK_NAMES = {
    "challenge": "反爬虫验证（需执行脚本或设置 Cookie）",
    "waf": "防火墙拒绝访问",
    "captcha": "要求输入验证码",
    "soft-404": "返回“页面不存在”",
    "home-redirect": "被重定向到网站首页",
    "robots": "robots.txt 禁止访问",
}


@dataclass(frozen=True)
class FirstVersion:
    """The agency-year's first stored version: its earliest credible publication date (None: undated)
    and when the monitor first saw it."""

    url: str
    first_seen: datetime
    published: datetime | None = None
    source: str | None = None  # where the date comes from (meta:pubdate, listing, url, text)
    report_id: int | None = None


@dataclass(frozen=True)
class Listing:
    """One listing page of the agency as the last crawls left it."""

    url: str
    first_ok: datetime | None = None  # the first crawl that read it
    last_ok: datetime | None = None  # the last crawl that read it
    block_kind: str | None = None  # a BlockKind while the last crawl was blocked
    failures: int = 0  # consecutive crawls that failed
    error: str | None = None


@dataclass(frozen=True)
class Removed:
    """A stored report whose link went away."""

    url: str
    title: str
    gone_at: datetime
    reason: str


@dataclass(frozen=True)
class Publication:
    """What is known of one agency's report for one year, as of `now`."""

    agency_name: str
    kind: str
    year: int
    deadline: date  # the agency's deadline (its override, or SPEC §1 by kind and level)
    statutory: date  # the outer limit of the 条例: 31 January, or 31 March for governments
    now: datetime
    first: FirstVersion | None = None
    listed: bool = False  # a link to a report of the year was found (even if unreadable or unfetched)
    listings: tuple[Listing, ...] = ()
    removed: tuple[Removed, ...] = ()
    down_after: int = 3  # consecutive failed crawls that make a listing SOURCE-DOWN
    current: bool = field(default=True)  # the year whose reports are awaited now (source rules)

    @property
    def today(self) -> date:
        return self.now.astimezone(BEIJING).date()

    @property
    def watched_since(self) -> datetime | None:
        return min((item.first_ok for item in self.listings if item.first_ok), default=None)


def _day(value: datetime) -> date:
    return value.astimezone(BEIJING).date()


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@rule("LATE", Severity.ERROR, "年度报告逾期发布", scope="publication")
def late(subject: Publication, context: Context) -> Iterator[Problem]:
    """The first publication of the report is after the agency's deadline (SPEC §1; published on the
    deadline day is on time).

    The day is the earliest credible date of the first version: the listing date, the page's
    PubDate or 发布时间, the date in its URL, none later than the day the monitor first saw it; a
    correction never resets it. An undated report is judged on the day the monitor first saw it, but
    only if the monitor was already reading the agency's listing before the deadline (otherwise that
    day says nothing about when it was published). The message says whether the statutory outer
    limit (31 January, for governments 31 March) was missed too.
    """
    first = subject.first
    if first is None:
        return
    if first.published is not None:
        day, source = _day(first.published), first.source or ""
    else:
        watched = subject.watched_since
        if watched is None or _day(watched) > subject.deadline:
            return
        day, source = _day(first.first_seen), "first_seen"
    if day <= subject.deadline:
        return
    days = (day - subject.deadline).days
    outer = (f"，也超过了《条例》规定的最迟期限{_cn(subject.statutory)}" if day > subject.statutory
             else f"，未超过《条例》规定的最迟期限{_cn(subject.statutory)}")
    basis = "（未标注发布日期，按监测首次发现的日期计）" if source == "first_seen" else ""
    yield Problem(
        f"{subject.year}年度报告于{_cn(day)}发布{basis}，晚于{_cn(subject.deadline)}的发布期限{days}天{outer}。",
        ("publication.date",), expected=subject.deadline.isoformat(), actual=day.isoformat(),
        extra={"url": first.url, "date_source": source, "days_late": days,
               "statutory": subject.statutory.isoformat(), "past_statutory": day > subject.statutory},
    )


@rule("MISSING", Severity.ERROR, "期限已过仍未发布年度报告", scope="publication")
def missing(subject: Publication, context: Context) -> Iterator[Problem]:
    """No report for the year was found for a registered agency after its deadline.

    Raised only when a listing of the agency was read successfully after the deadline day and showed
    no report of the year: a listing that failed or was blocked says nothing about publication
    (SOURCE-DOWN, SOURCE-BLOCKED), and while any listing is blocked MISSING is not raised at all. A
    report link that was found but could not be fetched or read counts as published.
    """
    if subject.first is not None or subject.listed or subject.today <= subject.deadline:
        return
    if any(item.block_kind for item in subject.listings):
        return
    read = [item for item in subject.listings if item.last_ok and _day(item.last_ok) > subject.deadline]
    if not read:
        return
    last = max(item.last_ok for item in read if item.last_ok)
    yield Problem(
        f"{subject.year}年度报告的发布期限{_cn(subject.deadline)}已过，截至{_cn(_day(last))}在其公开栏目中仍未找到该报告。",
        ("publication.report",), expected=subject.deadline.isoformat(), actual=None,
        extra={"listings": [item.url for item in read], "checked": last.isoformat()},
    )


@rule("UNDATED", Severity.WARNING, "报告没有标注发布日期", scope="publication")
def undated(subject: Publication, context: Context) -> Iterator[Problem]:
    """Neither the report's page, its metadata, its URL nor the listing carries a publication date;
    the day the monitor first saw it stands in for one."""
    first = subject.first
    if first is None or first.published is not None:
        return
    yield Problem(
        f"{subject.year}年度报告的页面、元数据和栏目列表中都没有发布日期，按监测首次发现的日期"
        f"{_cn(_day(first.first_seen))}计。",
        ("publication.date",), extra={"url": first.url, "first_seen": first.first_seen.isoformat()},
    )


@rule("REMOVED", Severity.WARNING, "已发布的报告被撤下", scope="publication")
def removed(subject: Publication, context: Context) -> Iterator[Problem]:
    """A captured report disappeared from its site: its page answers 404/410, or its link is gone
    from the listing that showed it. The stored copy stays; the finding is resolved if it returns."""
    for item in subject.removed:
        yield Problem(
            f"{subject.year}年度报告「{item.title}」已从网站撤下（{item.reason}，{_cn(_day(item.gone_at))}发现），"
            "监测系统保存的副本仍可查阅。",
            (f"publication.link:{item.url}",), extra={"url": item.url, "gone_at": item.gone_at.isoformat(),
                                                      "reason": item.reason},
        )


@rule("SOURCE-BLOCKED", Severity.WARNING, "网站阻止访问，无法检查是否发布", scope="publication")
def source_blocked(subject: Publication, context: Context) -> Iterator[Problem]:
    """The site answered the last crawl of a listing with an anti-bot challenge (HTTP 412 with a
    `$_ts` script, 521 with a `__jsl_clearance` cookie script), a firewall's 488 or 403, a CAPTCHA, a
    soft 404 (HTTP 200 「页面不存在」), a redirect to its home page, or robots.txt forbids it.

    The monitor could not look, which is not the same as "not published": MISSING is not raised for
    the agency while it lasts. No challenge is ever solved or bypassed. Raised for the year whose
    reports are awaited now.
    """
    if not subject.current:
        return
    for item in subject.listings:
        if item.block_kind:
            how = BLOCK_NAMES.get(item.block_kind, item.block_kind)
            yield Problem(
                f"无法检查{subject.year}年度报告是否发布：网站{how}，公开栏目 {item.url} 无法读取。请人工核实，"
                "或请网站为监测程序放行。",
                (f"publication.listing:{item.url}",), extra={"url": item.url, "block": item.block_kind,
                                                             "detail": item.error},
            )


@rule("SOURCE-DOWN", Severity.WARNING, "公开栏目多次无法访问", scope="publication")
def source_down(subject: Publication, context: Context) -> Iterator[Problem]:
    """A listing page failed on every attempt (no answer, an error status, no listing in the answer)
    for N consecutive crawls (`[crawl] down_after`, default 3). Its address may have moved: listing
    paths drift often. Raised for the year whose reports are awaited now."""
    if not subject.current:
        return
    for item in subject.listings:
        if item.failures >= subject.down_after and not item.block_kind:
            yield Problem(
                f"公开栏目 {item.url} 已连续{item.failures}次无法访问（最近一次：{item.error or '原因不明'}），"
                f"无法检查{subject.year}年度报告是否发布；栏目地址可能已变更，请核实并更新登记册。",
                (f"publication.listing:{item.url}",), expected=0, actual=item.failures,
                extra={"url": item.url, "detail": item.error},
            )


def evaluate_publication(subject: Publication) -> list[Finding]:
    """Every publication rule over one agency-year."""
    return evaluate(subject, Context(kind=subject.kind, agency_name=subject.agency_name), ("publication",))
