"""The fallback adapter, and the page reading every adapter shares.

Any link on the page is a link (with the date printed in its row); further pages are the pager's links
(下一页, 尾页, page numbers) that stay in the same listing; sub-listings are year folders and annual-report
sub-columns. The other adapters reuse these helpers and add what their CMS knows.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

from scrapers.discovery import classify, excluded
from scrapers.model import Link, ListingPage, Page, Request

NAME = "generic"

MAX_LINKS = 5000  # links read per page
MAX_PAGES = 1000  # further pages computed per page
_ROW_CHARS = 1000  # characters of a row read when looking for its date
_ROW_LEVELS = 4  # ancestors of a link searched for its row
_TITLE_CHARS = 500

# A date as lists print it: 2025-01-24, 2025/1/24, 2025.01.24, 2025年1月24日 (full-width digits mapped first).
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s{0,2}[-/.年]\s{0,2}(\d{1,2})\s{0,2}[-/.月]\s{0,2}(\d{1,2})(?:\s{0,2}日)?(?!\d)"
)
# Full-width digits and separators to ASCII, one character for one (positions stay valid).
_NARROW = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")
_SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "file:", "ftp:")
# A quoted URL-like string in an onclick or javascript: href (jumpToDetail('./…'), window.open("…")).
_QUOTED = re.compile(r"""['"]([^'"\s<>]{1,500})['"]""")
_URLISH = re.compile(r"^(?:https?://|\.{0,2}/)|\.(?:s?html?|jsp|php|aspx?)(?:$|[?#])", re.I)
_PAGER_WORDS = frozenset(
    ("下一页", "下页", "后页", "后一页", "尾页", "末页", "最后一页", "上一页", "上页", "前页", "前一页")
)
_ARROWS = frozenset("<>«»‹›")
_PAGER_STRIP = "[]【】()（）<>«»‹› "
# Year sub-listings: the link text is a year; or the href's last folder is a year slug (nb_2024n/, gknb2024/).
_YEAR_TEXT = re.compile(r"^(?:19|20)\d{2}\s?年?度?$")
# (A report year is 2008 or later: a folder such as a1921/ is no year.)
_YEAR_SLUG = re.compile(r"^[a-z_-]{0,12}20(?:0[89]|[1-9]\d)[a-z_-]{0,12}$", re.I)
_INDEX_FILE = re.compile(r"^(?:index|default|list)\w{0,10}\.s?html?$", re.I)
_COLUMN_WORDS = ("年报", "年度报告")
# Paths of articles and files, never sub-listings (TRS t-date, Hanweb art_, VSB info/, gkmlpt post_).
_NOT_LISTING = re.compile(
    r"/t\d{8}_\d+|/art/\d{4}/|/info/\d+/\d+\.htm|/post_\d+|content_|"
    r"\.(?:pdf|docx?|wps|ofd|rtf|xlsx?|zip|rar|7z|jpe?g|png|gif)$",
    re.I,
)
_INDEX_SUFFIX = re.compile(r"/(?:index|default)\.s?html?$", re.I)
_TWO_LABEL_SUFFIXES = ("gov.cn", "edu.cn", "org.cn", "com.cn", "net.cn", "ac.cn")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,200}\?>")


def detect(page: Page) -> bool:
    """Any page can be read this way."""
    return True


def parse(page: Page) -> ListingPage:
    root = html_root(page.text)
    if root is None:
        return ListingPage(NAME)
    base = base_url(root, page.url)
    links = extract_links(root, base)
    return ListingPage(NAME, links, unique_requests(pager_urls(root, base, page.url), page), sublistings(links, page))


# --- parsing --------------------------------------------------------------------------------------------
def html_root(text: str) -> Any | None:
    """The page's element tree (scripts and styles removed), None for an empty page. huge_tree: else
    libxml2 drops what nests deeper than 256 elements (real chrome may); it still stops at 2048."""
    text = _XML_DECLARATION.sub("", text, count=1)
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                              huge_tree=True)
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if root is not None:
        etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return root


def base_url(root: Any, url: str) -> str:
    """The URL relative links resolve against: the page's <base href> when it has one."""
    for href in root.xpath("(//base[@href])[1]/@href"):
        joined = absolute(href, url)
        if joined:
            return joined
    return url


def fold(text: str) -> str:
    """White space folded to single spaces."""
    return " ".join(text.split())


def element_text(element: Any, limit: int, separator: str = "") -> str:
    """About the first `limit` characters of an element's text (more if one text node is longer), its
    text nodes joined with `separator`."""
    parts: list[str] = []
    size = 0
    for piece in element.itertext():
        parts.append(piece)
        size += len(piece)
        if size >= limit:
            break
    return separator.join(parts)


def find_date(text: str, last: bool = False) -> tuple[date, str] | None:
    """The first (or last) valid calendar date printed in `text`, with its printed form."""
    found: tuple[date, str] | None = None
    for match in _DATE.finditer(text.translate(_NARROW)):
        year, month, day = (int(group) for group in match.groups())
        try:
            found = (date(year, month, day), text[match.start():match.end()])
        except ValueError:
            continue
        if not last:
            return found
    return found


def absolute(href: str, base: str) -> str | None:
    """`href` resolved against `base`; None for what is no http(s) page (javascript:, mailto:, '#…')."""
    href = "".join(href.split())
    if not href or href.startswith("#") or href.lower().startswith(_SKIPPED_SCHEMES):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url if parts.fragment else urldefrag(url).url


def script_url(script: str, base: str) -> str | None:
    """The URL an onclick handler or javascript: href opens (the first quoted URL-like string)."""
    for match in _QUOTED.finditer(script[:2000]):
        if _URLISH.search(match.group(1)):
            return absolute(match.group(1), base)
    return None


# --- links ----------------------------------------------------------------------------------------------
def extract_links(root: Any, base: str) -> tuple[Link, ...]:
    """Every link on the page (at most MAX_LINKS), with the date printed in its row; one per URL (an
    <a> before an element with an onclick around it, whose text is the whole row)."""
    elements = root.xpath("(//a | //*[@onclick])[position() <= $n]", n=MAX_LINKS)
    anchors = [element for element in elements if element.tag == "a"]
    counts: dict[Any, int] = {}
    for anchor in anchors:
        for ancestor in _ancestors(anchor):
            counts[ancestor] = counts.get(ancestor, 0) + 1
    rows: dict[Any, str] = {}
    found: dict[str, Link] = {}
    for element in anchors + [element for element in elements if element.tag != "a"]:
        url = _target(element, base)
        if url is None:
            continue
        dated = _row_date(element, counts, rows) if element.tag == "a" else _own_date(element)
        link = Link(url, _title(element), *(dated or (None, "")))
        old = found.get(url)
        if old is None:
            found[url] = link
        elif (not old.title and link.title) or (old.listed is None and link.listed is not None):
            found[url] = Link(url, old.title or link.title, *((old.listed, old.listed_raw) if old.listed
                                                              else (link.listed, link.listed_raw)))
    return tuple(found.values())


def _target(element: Any, base: str) -> str | None:
    href = element.get("href") if element.tag == "a" else None
    if href:
        url = absolute(href, base)
        if url is not None:
            return url
        if href.strip().lower().startswith("javascript:"):
            url = script_url(href, base)
            if url is not None:
                return url
    onclick = element.get("onclick")
    return script_url(onclick, base) if onclick else None


def _title(element: Any) -> str:
    title = fold(element.get("title") or "")
    if not title:
        title = fold(element_text(element, _TITLE_CHARS))
    if not title:
        title = fold(" ".join(element.xpath("(.//img/@alt)[1]")))
    return title[:_TITLE_CHARS]


def _ancestors(element: Any) -> Iterable[Any]:
    parent = element.getparent()
    for _ in range(_ROW_LEVELS):
        if parent is None or parent.tag in ("body", "html"):
            return
        yield parent
        parent = parent.getparent()


def _row_date(anchor: Any, counts: dict[Any, int], rows: dict[Any, str]) -> tuple[date, str] | None:
    """The date printed beside a link: in its <li>/<tr>, or in the nearest ancestor that holds no other
    link; the last date of the row (list tables print 成文日期 before 发布日期)."""
    own = element_text(anchor, _ROW_CHARS, " ")
    for ancestor in _ancestors(anchor):
        row_tag = ancestor.tag in ("li", "tr")
        if not row_tag and counts.get(ancestor, 0) > 1:
            break
        text = rows.get(ancestor)
        if text is None:
            text = rows[ancestor] = element_text(ancestor, _ROW_CHARS, " ")
        found = find_date(text.replace(own, " ", 1) if own else text, last=True)
        if found is not None or row_tag:
            return found or _inner_date(anchor)
    return _inner_date(anchor)


def _own_date(element: Any) -> tuple[date, str] | None:
    """The date in a clickable row's own text (the row is the link)."""
    return find_date(element_text(element, _ROW_CHARS, " "), last=True)


def _inner_date(anchor: Any) -> tuple[date, str] | None:
    """A date in an element of its own inside the link (<a><span>title</span><span>date</span></a>)."""
    for child in anchor.xpath("(.//*)[position() <= 20]"):
        text = element_text(child, 40).strip()
        if len(text) <= 24:
            found = find_date(text)
            if found is not None:
                return found
    return None


# --- further pages and sub-listings ---------------------------------------------------------------------
def is_pager_text(text: str) -> bool:
    """Whether a link's text is a pager's: 下一页, 尾页, », a page number (1 to 3 digits)."""
    text = fold(text)
    core = text.strip(_PAGER_STRIP)
    if core in _PAGER_WORDS or (core.isdigit() and len(core) <= 3):
        return True
    return not core and bool(text) and set(text.replace(" ", "")) <= _ARROWS


def pager_urls(root: Any, base: str, page_url: str) -> list[str]:
    """The URLs of the pager's links that stay in the same listing."""
    urls = []
    for anchor in root.xpath("(//a[@href])[position() <= $n]", n=MAX_LINKS):
        if is_pager_text(element_text(anchor, 40)):
            url = absolute(anchor.get("href"), base)
            if url is not None and same_listing(url, page_url):
                urls.append(url)
    return urls


def same_listing(url: str, page_url: str) -> bool:
    """Whether `url` can be another page of the listing at `page_url`: same host, and the same folder,
    or the folder named after the page (VSB: zfxxgknb.htm → zfxxgknb/2.htm), or the other way round."""
    target, page = urlsplit(url), urlsplit(page_url)
    if target.netloc.lower() != page.netloc.lower() or (target.path, target.query) == (page.path, page.query):
        return False
    return bool({_folder(target.path), _stem(target.path)} & {_folder(page.path), _stem(page.path)})


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/"


def _stem(path: str) -> str:
    folder, _, name = path.rpartition("/")
    return f"{folder}/{name.rsplit('.', 1)[0]}/" if "." in name else "\0"


def unique_requests(urls: Iterable[str | Request], page: Page) -> tuple[Request, ...]:
    """Requests for `urls` (GET for a string), in order, once each, without the page itself (however
    spelt: folder/ or folder/index.html), at most MAX_PAGES."""
    own = {_canonical(page.url), _canonical(page.request.url)}
    found: dict[Request, None] = {}
    for item in urls:
        request = item if isinstance(item, Request) else Request(item)
        if (request.form or _canonical(request.url) not in own) and request not in found:
            found[request] = None
            if len(found) >= MAX_PAGES:
                break
    return tuple(found)


def _canonical(url: str) -> str:
    return _INDEX_SUFFIX.sub("/", urldefrag(url).url, count=1)


def sublistings(links: Iterable[Link], page: Page) -> tuple[Request, ...]:
    """Year folders and annual-report sub-columns among the page's links (not report titles), on the
    page's site."""
    site = site_key(page.url)
    return unique_requests((link.url for link in links if site_key(link.url) == site and _is_sublisting(link)),
                           page)


def _is_sublisting(link: Link) -> bool:
    title = fold(link.title).translate(_NARROW)
    if _NOT_LISTING.search(urlsplit(link.url).path):
        return False
    if classify(title) is not None or excluded(title):
        return False
    if _YEAR_TEXT.match(title):
        return True
    if len(title) <= 20 and any(word in title for word in _COLUMN_WORDS):
        return True
    segments = urlsplit(link.url).path.split("/")
    if len(segments) >= 2 and _INDEX_FILE.match(segments[-1]):
        segments.pop()
    return len(segments) >= 2 and segments[-1] == "" and bool(_YEAR_SLUG.match(segments[-2]))


# --- sites ----------------------------------------------------------------------------------------------
def site_key(url: str) -> tuple[str, int | None] | None:
    """What two URLs of one site share: for an IP address, the address and port; under gov.cn (and
    the other Chinese second-level domains) the registrable name (xxq.gov.cn for www.xxq.gov.cn and
    xxgk.xxq.gov.cn); else the host. None for a URL without a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        if len(labels) >= 3 and ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES:
            host = ".".join(labels[-3:])
        return host, None
    return host, port or {"http": 80, "https": 443}.get(parts.scheme)
