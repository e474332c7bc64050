"""Agency, report year and publication-date claims from a document's title, metadata and text."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from monitor.parsing.cells import collapse, nfkc
from monitor.report import DateClaim

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_TITLE = re.compile(
    r"(?P<agency>[^\s，。:：《》“”_|]{0,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*"
    r"(?:的)?(?:政府信息公开|政务公开|信息公开).{0,8}?(?:年度报告|年报)"
)
# 「2024年度某某局政府信息公开工作年度报告」: the year first, the agency after it.
_TITLE_YEAR_FIRST = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<agency>[^\s，。:：《》“”_|]{2,60}?)\s*"
    r"(?:政府信息公开|政务公开).{0,8}?(?:年度报告|年报)"
)
_PERIOD = re.compile(r"统计期限?[^。]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_LEADING_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*年(?:度)?[，,]")
_VISIBLE_DATE = re.compile(
    r"(发布时间|发布日期|发文日期|公开日期|发布于)\s*[:：]?\s*"
    r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?)?"
)
_META_DATE = re.compile(
    r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:[\sT-]*(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?)?"
)
_URL_DATES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/content_"),
)
# Meta tags that carry a publication date (成文日期 and 更新时间 are not publication dates).
_DATE_METAS = ("pubdate", "firstpublishedtime", "publishdate", "publishtime", "article:published_time")
_TITLE_PREFIXES = re.compile(r"^(关于|关于印发|印发)")


def title_parts(title: str | None) -> tuple[str | None, int | None]:
    """(agency, year) from a report title such as 「平潭综合实验区2024年度政府信息公开工作年度报告」."""
    if not title:
        return None, None
    for part in re.split(r"[_|｜]|\s-\s", nfkc(title)):
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


def _datetime(parts: tuple[str | None, ...]) -> datetime | None:
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in parts + (None,) * (6 - len(parts)))
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)
    except ValueError:
        return None


def date_claims(meta: dict[str, str], page_text: str, location: str) -> list[DateClaim]:
    """Every publication date the document claims: metadata, visible text, the URL."""
    claims: list[DateClaim] = []
    for name in _DATE_METAS:
        raw = meta.get(name)
        if raw and (match := _META_DATE.search(raw)) and (value := _datetime(match.groups())):
            claims.append(DateClaim(f"meta:{name}", value, raw, has_time=match.group(4) is not None))
    match = _VISIBLE_DATE.search(page_text)
    if match and (value := _datetime(match.groups()[1:])):
        claims.append(DateClaim("text", value, collapse(match.group(0)), has_time=match.group(5) is not None))
    for pattern in _URL_DATES:
        match = pattern.search(location)
        if match and (value := _datetime(match.groups())):
            claims.append(DateClaim("url", value, match.group(0)))
            break
    return claims
