"""拓尔思 TRS WCM list pages: static links, pages computed from the `createPageHTML` script.

Pagination rule. Page 1 is `{stem}.{ext}` (or the folder); page k ≥ 2 is `{stem}_{k + offset}.{ext}`.
The offset comes, in this order, from a real pager link on the page (a link whose text is page number
t ≥ 2 to `{stem}_n.{ext}` gives offset n − t; on page 1 a 下一页 link to `{stem}_n` gives n − 2), else
from the script's style: classic `createPageHTML(countPage, currentPage, "index", "html")` (0-based
current page) numbers page 2 `index_1` (offset −1); the newer `createPageHTML('page_div', total,
current, 'index', 'shtml', records)` numbers page 2 `index_2` (offset 0). A bare `var countPage = N`
is classic. Every page of the listing is produced from any of its pages (the crawl dedups).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from scrapers.adapters import generic
from scrapers.model import ListingPage, Page

NAME = "trs"

_MARKERS = ("createPageHTML(", "countPage", "trs_editor", "TRS_Editor", "TRS_UEDITOR")
_ARTICLE_URL = re.compile(r"/\d{6}/t\d{8}_\d+\.s?html?")
_CALL = re.compile(r"createPageHTML\s*\(([^()]{0,300})\)")
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d{1,6})")
_PAGE_FILE = re.compile(r"^(\w{1,40})\.(s?html?)$")
_NUMBERED = re.compile(r"^(\w{1,40})_(\d{1,6})\.(s?html?)$")
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]{0,40}$")


def detect(page: Page) -> bool:
    text = page.text
    return any(marker in text for marker in _MARKERS) or _ARTICLE_URL.search(text) is not None


def parse(page: Page) -> ListingPage:
    root = generic.html_root(page.text)
    if root is None:
        return ListingPage(NAME)
    base = generic.base_url(root, page.url)
    links = generic.extract_links(root, base)
    pager = generic.pager_urls(root, base, page.url)
    computed = _computed_pages(page, root, base)
    return ListingPage(NAME, links, generic.unique_requests(pager + computed, page),
                       generic.sublistings(links, page))


def _computed_pages(page: Page, root: Any, base: str) -> list[str]:
    script = _script(page.text, page.url)
    if script is None:
        return []
    total, stem, ext, offset = script
    offset = _link_offset(root, base, page.url, stem, ext, offset)
    total = min(total, generic.MAX_PAGES + 1)
    pages = [generic.absolute(f"{stem}_{number + offset}.{ext}", base) for number in range(2, total + 1)]
    return [url for url in pages if url]


def _script(text: str, url: str) -> tuple[int, str, str, int] | None:
    """(page count, file stem, extension, offset) from the pager script."""
    for call in _CALL.finditer(text):
        args = [arg.strip() for arg in call.group(1).split(",")]
        new_style = bool(args) and args[0][:1] in "'\""
        if new_style:
            args = args[1:]
        if len(args) < 4:
            continue
        total = _number(args[0], text)
        stem, ext = args[2].strip("'\" "), args[3].strip("'\" ")
        if total is not None and re.fullmatch(r"\w{1,40}", stem) and re.fullmatch(r"s?html?", ext):
            return total, stem, ext, 0 if new_style else -1
    count = _COUNT_PAGE.search(text)
    if count is None:
        return None
    own = _PAGE_FILE.match(urlsplit(url).path.rsplit("/", 1)[-1])
    ext = own.group(2) if own else "html"
    return int(count.group(1)), "index", ext, -1


def _number(arg: str, text: str) -> int | None:
    """An argument's value: a number, or a variable the script sets to a number."""
    if arg.isdigit():
        return int(arg)
    if _IDENTIFIER.match(arg):
        found = re.search(rf"\b{re.escape(arg)}\s*=\s*(\d{{1,6}})\b", text)
        if found:
            return int(found.group(1))
    return None


def _link_offset(root: Any, base: str, page_url: str, stem: str, ext: str, default: int) -> int:
    """The numbering offset the page's own pager links show, else `default`."""
    own = urlsplit(page_url).path.rsplit("/", 1)[-1]
    first_page = own.split(".", 1)[0] in ("", stem)
    for anchor in root.xpath("(//a[@href])[position() <= $n]", n=generic.MAX_LINKS):
        name = urlsplit(generic.absolute(anchor.get("href"), base) or "").path.rsplit("/", 1)[-1]
        numbered = _NUMBERED.match(name)
        if numbered is None or numbered.group(1) != stem or numbered.group(3) != ext:
            continue
        text = generic.fold(generic.element_text(anchor, 20)).strip("[]【】 ")
        if text.isdigit() and 2 <= int(text) <= 999:
            return int(numbered.group(2)) - int(text)
        if first_page and text in ("下一页", "下页"):
            return int(numbered.group(2)) - 2
    return default
