"""Publication-date claims from a document's metadata, visible text and URL."""

from __future__ import annotations

import re
from datetime import datetime

from monitor.parsing.cells import collapse
from monitor.report import BEIJING, DateClaim

# White space is taken whole (possessively) and never twice in a row: 「\s*[:：]?\s*」 would try every
# way of splitting a run of spaces between its two halves, each time the colon is absent.
_VISIBLE_DATE = re.compile(
    r"(发布时间|发布日期|发文日期|公开日期|发布于)\s*+(?:[:：]\s*+)?"
    r"((?:19|20)\d{2})\s*+[-/年.]\s*+(\d{1,2})\s*+[-/月.]\s*+(\d{1,2})(?:\s*+日)?"
    r"(?:\s*+(\d{1,2})\s*+[:：]\s*+(\d{2})(?:\s*+[:：]\s*+(\d{2}))?)?"
)
_META_DATE = re.compile(
    r"((?:19|20)\d{2})\s*+[-/年.]\s*+(\d{1,2})\s*+[-/月.]\s*+(\d{1,2})(?:\s*+日)?"
    r"(?:[\sT-]*+(\d{1,2})\s*+:\s*+(\d{2})(?:\s*+:\s*+(\d{2}))?)?"
)
_URL_DATES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/content_"),
)
# Meta tags that carry a publication date (成文日期 and 更新时间 are not publication dates).
_DATE_METAS = ("pubdate", "firstpublishedtime", "publishdate", "publishtime", "article:published_time")


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
