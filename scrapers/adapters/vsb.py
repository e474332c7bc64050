"""博达 VSB (Visual SiteBuilder) list pages: page numbers that count down.

Pagination rule. The entry `{path}/{column}.htm` is page 1; page 2 is `{column}/{N-1}.htm` and the last
page `{column}/1.htm`. The largest number among the pager's links to `{column}/k.htm` (下页 on page 1,
or the page's own number on a numbered page) gives every page: `{column}/{top}.htm` down to `1.htm`,
newest first, plus the entry page when reading a numbered page. Old `list.jsp?totalpage=T&PAGENUM=k`
pagers give PAGENUM=2…T.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapers.adapters import generic
from scrapers.model import ListingPage, Page

NAME = "vsb"

_MARKERS = (
    "Visual SiteBuilder", "vsbscreen", "_sitegray", "_showDynClick", "vsb_content", "/system/_content/download.jsp",
    "pb_sys_common",
)
_NUMBERED_PAGE = re.compile(r"^(.*)/(\d{1,6})\.(html?)$")
_PAGE_NUMBER = re.compile(r"(?<![\w])PAGENUM=(\d{1,6})", re.I)
_TOTAL_PAGES = re.compile(r"(?<![\w])totalpage=(\d{1,6})", re.I)


def detect(page: Page) -> bool:
    return any(marker in page.text for marker in _MARKERS)


def parse(page: Page) -> ListingPage:
    root = generic.html_root(page.text)
    if root is None:
        return ListingPage(NAME)
    base = generic.base_url(root, page.url)
    links = generic.extract_links(root, base)
    pager = generic.pager_urls(root, base, page.url)
    computed = _descending(page.url, pager) + _list_jsp(pager)
    return ListingPage(NAME, links, generic.unique_requests(computed + pager, page),
                       generic.sublistings(links, page))


def _descending(page_url: str, pager: list[str]) -> list[str]:
    """Every page of a column whose pages count down, from the highest number known."""
    parts = urlsplit(page_url)
    numbered = _NUMBERED_PAGE.match(parts.path)
    if numbered:
        column, current, ext = numbered.group(1), int(numbered.group(2)), numbered.group(3)
        entry = [f"{parts.scheme}://{parts.netloc}{column}.{ext}"]
    else:
        column, dot, ext = parts.path.rpartition(".")
        if not dot or "/" in ext or not re.fullmatch(r"html?", ext):
            return []
        current, entry = 0, []
    folder = f"{column}/"
    numbers = [current]
    for url in pager:
        path = urlsplit(url).path
        if path.startswith(folder) and path.endswith(f".{ext}") and path[len(folder): -len(ext) - 1].isdigit():
            numbers.append(int(path[len(folder): -len(ext) - 1]))
    top = min(max(numbers), generic.MAX_PAGES)
    return [f"{parts.scheme}://{parts.netloc}{folder}{number}.{ext}" for number in range(top, 0, -1)] + entry


def _list_jsp(pager: list[str]) -> list[str]:
    """PAGENUM=2…totalpage from an old list.jsp pager link that states both."""
    for url in pager:
        total = _TOTAL_PAGES.search(url)
        if total and _PAGE_NUMBER.search(url):
            last = min(int(total.group(1)), generic.MAX_PAGES + 1)
            return [_PAGE_NUMBER.sub(f"PAGENUM={number}", url, count=1) for number in range(2, last + 1)]
    return []
