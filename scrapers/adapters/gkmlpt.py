"""广东 政府信息公开目录平台 (gkmlpt): the SPA shell `/gkmlpt/index#{catId}` and its JSON API.

The shell holds no list: its one further page is `GET {prefix}/gkmlpt/api/all/{catId}?page=1&sid={SID}`
(SID from the shell's script, catId from the URL fragment or the script). An API answer
`{"total": T, "articles": [{"url"|"post_url", "title", "create_time": unix seconds}, …]}` gives the
links, dated in Beijing time. Pagination rule: the answer to page 0 or 1 gives pages 0…ceil(T / n)
(n = its number of articles; sites number from 0 or from 1, so both ends are asked for and the surplus
page answers empty); later pages add none, and without a total each page asks for the next one.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from monitor.report import BEIJING
from scrapers.adapters import generic
from scrapers.model import Link, ListingPage, Page

NAME = "gkmlpt"

_SID = re.compile(r"""\bSID["']?\s*[:=]\s*["']?(\d{1,12})""", re.I)
_SHELL = re.compile(r"""\bSID["']?\s*:\s*["']?\d""")  # the shell's script (SID: '755031'), not any sid=
_CATEGORY = re.compile(r"""\b(?:catId|cat_id|CATID|categoryId)["']?\s*[:=]\s*["']?(\d{1,12})""")
_FRAGMENT = re.compile(r"#/?(\d{1,12})$")
_PAGE_PARAM = re.compile(r"(?<=[?&])page=\d+")
_MAX_JSON_CHARS = 20_000_000
_DATE_FIELDS = ("create_time", "created_at", "publish_time", "first_publish_time", "pub_time", "date")


def detect(page: Page) -> bool:
    return (
        "/gkmlpt/" in urlsplit(page.url).path
        or (_is_json(page) and '"articles"' in page.text)
        or ("gkmlpt" in page.text and _SHELL.search(page.text) is not None)
    )


def parse(page: Page) -> ListingPage:
    if _is_json(page):
        return _answer(page)
    root = generic.html_root(page.text)
    if root is None:
        return ListingPage(NAME)
    base = generic.base_url(root, page.url)
    links = generic.extract_links(root, base)
    api = _api_url(page)
    return ListingPage(NAME, links, generic.unique_requests([api] if api else [], page),
                       generic.sublistings(links, page))


def _is_json(page: Page) -> bool:
    return "json" in (page.content_type or "").lower() or page.text.lstrip()[:1] == "{"


def _api_url(page: Page) -> str | None:
    """The API request for the shell's first page, when its SID and category are known."""
    sid = _SID.search(page.text)
    category = _FRAGMENT.search(page.url) or _FRAGMENT.search(page.request.url) or _CATEGORY.search(page.text)
    if sid is None or category is None:
        return None
    path = urlsplit(page.url).path
    prefix = path[: path.index("/gkmlpt/")] if "/gkmlpt/" in path else ""
    return generic.absolute(f"{prefix}/gkmlpt/api/all/{category.group(1)}?page=1&sid={sid.group(1)}", page.url)


def _answer(page: Page) -> ListingPage:
    data = _load(page.text)
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        return ListingPage(NAME)
    links = tuple(link for item in articles[: generic.MAX_LINKS] if (link := _link(item, page.url)))
    total = data.get("total") if isinstance(data, dict) else None
    return ListingPage(NAME, links, generic.unique_requests(_pages(page.request.url, len(articles), total), page))


def _load(text: str) -> Any:
    if len(text) > _MAX_JSON_CHARS:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _link(item: object, base: str) -> Link | None:
    if not isinstance(item, dict):
        return None
    href = item.get("url") or item.get("post_url")
    url = generic.absolute(href, base) if isinstance(href, str) else None
    if url is None:
        return None
    title = item.get("title")
    listed, raw = _listed(item)
    return Link(url, generic.fold(title)[:500] if isinstance(title, str) else "", listed, raw)


def _listed(item: dict[str, Any]) -> tuple[date | None, str]:
    """The article's date in Beijing time: unix seconds (or milliseconds), or a printed date."""
    for field in _DATE_FIELDS:
        value = item.get(field)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            seconds = value / 1000 if value > 100_000_000_000 else value
            try:
                return datetime.fromtimestamp(seconds, BEIJING).date(), str(item.get(field))
            except (OverflowError, OSError, ValueError):
                continue
        if isinstance(value, str):
            found = generic.find_date(value[:100])
            if found:
                return found
    return None, ""


def _pages(url: str, count: int, total: object) -> list[str]:
    """The API pages after an answer of `count` articles out of `total`."""
    current = dict(parse_qsl(urlsplit(url).query)).get("page", "")
    if not current.isdigit() or not _PAGE_PARAM.search(url) or count == 0:
        return []
    number = int(current)
    if isinstance(total, str) and total.strip().isdigit():
        total = int(total)
    if not isinstance(total, int) or isinstance(total, bool):
        last = number + 1
    elif number <= 1:
        last = min(math.ceil(total / count), generic.MAX_PAGES)
    else:
        return []
    return [_PAGE_PARAM.sub(f"page={page}", url, count=1) for page in range(0 if number <= 1 else number, last + 1)]
