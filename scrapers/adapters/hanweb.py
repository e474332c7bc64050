"""大汉 Hanweb JCMS column pages (`/col/col{id}/index.html`) and their `dataproxy.jsp` XML answers.

The column page's list is embedded as `<script type="text/xml"><datastore>` whose `<record>`s hold the
`<li>` items (the visible `<ul>` is empty). Pagination rule: the records after the embedded ones, up to
`<totalrecord>`, are asked for in POSTs to `/module/web/jpage/dataproxy.jsp?startrecord=a&endrecord=b
&perpage=p` with the jpage form fields, b − a + 1 = 3 × perpage (the browser's group of three pages;
perpage from the page, else 15). A dataproxy answer continues the same sequence after its own
`endrecord` with the same form and headers, so both give identical requests. A datastore whose column
or unit cannot be found falls back to a GET of its `<nextgroup>` link.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

from scrapers.adapters import generic
from scrapers.model import Link, ListingPage, Method, Page, Request

NAME = "hanweb"

PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
_GROUP = 3  # pages asked for per request
_DEFAULT_PER_PAGE = 15
_MAX_STORES = 20
_START = re.compile(r"<datastore\b", re.I)
_END = re.compile(r"</datastore\s*>", re.I)
_COLUMN_URL = re.compile(r"/col/col(\d{1,12})/")
_FORM_ID = re.compile(r"jpageform_(\d{1,12})")
_ELEMENT_ID = re.compile(r"""\bid\s*=\s*["']?(\d{3,12})["'\s>]""")
_HREF = re.compile(r"""href\s*=\s*["']([^"'<>]{1,2000})["']""", re.I)
_HEADERS_KEY = "Referer"


def detect(page: Page) -> bool:
    return (
        _START.search(page.text) is not None
        or "dataproxy.jsp" in page.url
        or "/module/web/jpage/" in page.text
        or _COLUMN_URL.search(page.url) is not None
    )


def parse(page: Page) -> ListingPage:
    stores = _datastores(page.text)
    if _is_answer(page):
        referer = dict(page.request.headers).get(_HEADERS_KEY) or page.url
        links = tuple(link for _, store in stores for link in _record_links(store, referer))
        following = [request for _, store in stores[:1] for request in _following(page, store)]
        return ListingPage(NAME, links, generic.unique_requests(following, page))
    root = generic.html_root(page.text)
    if root is None:
        return ListingPage(NAME)
    base = generic.base_url(root, page.url)
    page_links = generic.extract_links(root, base)
    record_links = tuple(link for _, store in stores for link in _record_links(store, base))
    further: list[str | Request] = []
    for start, store in stores:
        further.extend(_proxy_requests(page, store, start) or _next_group(store, base))
    further.extend(generic.pager_urls(root, base, page.url))
    return ListingPage(NAME, record_links or page_links, generic.unique_requests(further, page),
                       generic.sublistings(page_links, page))


def _is_answer(page: Page) -> bool:
    return "dataproxy.jsp" in urlsplit(page.request.url).path or "dataproxy.jsp" in urlsplit(page.url).path


def _datastores(text: str) -> list[tuple[int, Any]]:
    """The page's datastore elements (at most _MAX_STORES), each with where it starts in the text."""
    stores: list[tuple[int, Any]] = []
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True)
    position = 0
    while len(stores) < _MAX_STORES:
        start = _START.search(text, position)
        if start is None:
            break
        end = _END.search(text, start.end())
        position = end.end() if end else len(text)
        try:
            store = etree.fromstring(text[start.start():position].encode("utf-8", "replace"), parser)
        except (etree.XMLSyntaxError, ValueError):
            continue
        if store is not None:
            stores.append((start.start(), store))
    return stores


def _record_links(store: Any, base: str) -> tuple[Link, ...]:
    """The links of a datastore's records (HTML fragments, usually one <li> each)."""
    fragments = [record.text or "" for record in store.iter("record")][: generic.MAX_LINKS]
    markup = "\n".join(fragments)
    if markup.lstrip()[:3].lower() == "<tr":
        markup = f"<table>{markup}</table>"
    root = generic.html_root(f"<html><body>{markup}</body></html>") if markup.strip() else None
    return generic.extract_links(root, base) if root is not None else ()


def _count(store: Any, tag: str) -> int | None:
    value = (store.findtext(tag) or "").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


def _param(texts: tuple[str, ...], name: str, value: str = r"\d{1,12}") -> str | None:
    """A jpage parameter as the first of `texts` that states it (`unitid=…`, `perPage: 15`)."""
    pattern = re.compile(rf"""\b{name}["']?\s*[:=]\s*["']?({value})""", re.I)
    for text in texts:
        found = pattern.search(text)
        if found:
            return found.group(1)
    return None


def _unit_id(text: str, start: int, group: str) -> str | None:
    """The jpage unit of the datastore at `start`: as its <nextgroup> link states it, else the numeric
    id of the element just around it, else the page's jpageform_ or unitid."""
    stated = _param((group,), "unitid")
    if stated:
        return stated
    ids = _ELEMENT_ID.findall(text, max(0, start - 300), start)
    if ids:
        return str(ids[-1])
    form = _FORM_ID.search(text)
    return form.group(1) if form else _param((text,), "unitid")


def _proxy_requests(page: Page, store: Any, start: int) -> list[Request]:
    """The POSTs for the records after the embedded ones."""
    group = store.findtext("nextgroup") or ""
    texts = (group, page.text)
    unit = _unit_id(page.text, start, group)
    column = _param(texts, "columnid")
    if column is None:
        in_url = _COLUMN_URL.search(page.url)
        column = in_url.group(1) if in_url else None
    total = _count(store, "totalrecord") or int(_param(texts, "totalRecord", r"\d{1,9}") or 0)
    if unit is None or column is None or not total:
        return []
    per_page = int(_param(texts, "perpage", r"\d{1,4}") or 0) or _DEFAULT_PER_PAGE
    form = (
        ("col", "1"), ("appid", "1"), ("webid", _param(texts, "webid") or ""), ("path", "/"), ("columnid", column),
        ("sourceContentType", "1"), ("unitid", unit),
        ("webname", unquote(_param(texts, "webname", r"[^&'\"<>\s]{1,100}") or "")), ("permissiontype", "0"),
    )
    headers = (("X-Requested-With", "XMLHttpRequest"), (_HEADERS_KEY, page.url.split("#", 1)[0]))
    proxy = generic.absolute(PROXY_PATH, page.url) or ""
    embedded = sum(1 for _ in store.iter("record"))
    return _chunks(proxy, embedded + 1, total, _GROUP * per_page, per_page, form, headers)


def _chunks(proxy: str, first: int, total: int, size: int, per_page: int, form: tuple[tuple[str, str], ...],
            headers: tuple[tuple[str, str], ...]) -> list[Request]:
    starts = range(first, total + 1, size)[: generic.MAX_PAGES]
    return [
        Request(f"{proxy}?startrecord={start}&endrecord={start + size - 1}&perpage={per_page}", Method.POST, form,
                headers)
        for start in starts
    ]


def _following(page: Page, store: Any) -> list[Request]:
    """From a dataproxy answer, the requests after it: the next record ranges (or pages) to the total."""
    request = page.request
    query = dict(parse_qsl(urlsplit(request.url).query))
    proxy = request.url.split("?", 1)[0]
    start, end = query.get("startrecord", ""), query.get("endrecord", "")
    total = _count(store, "totalrecord")
    if start.isdigit() and end.isdigit() and total and int(end) >= int(start):
        size, per_page = int(end) - int(start) + 1, query.get("perpage", "")
        return _chunks(proxy, int(end) + 1, total, size, int(per_page) if per_page.isdigit() else size,
                       request.form, request.headers)
    current, pages = query.get("page", ""), _count(store, "totalpage")
    if current.isdigit() and pages:
        pattern = re.compile(r"(?<=[?&])page=\d+")
        last = min(pages, int(current) + generic.MAX_PAGES)
        return [Request(pattern.sub(f"page={number}", request.url, count=1), request.method, request.form,
                        request.headers) for number in range(int(current) + 1, last + 1)]
    return []


def _next_group(store: Any, base: str) -> list[str]:
    """The GET link a datastore names for its next group of pages."""
    found = _HREF.search(store.findtext("nextgroup") or "")
    url = generic.absolute(html.unescape(found.group(1)), base) if found else None
    return [url] if url else []
