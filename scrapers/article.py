"""Reading a fetched report page for what the crawl needs besides the report: its attachments, whether
the page is only a link to one, and whether a URL stays on the agency's site."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

from scrapers.adapters import generic
from scrapers.model import Link, Page

EXTENSIONS = frozenset(("pdf", "doc", "docx", "wps", "zip", "ofd", "rtf", "xls", "xlsx"))
# Download scripts whose URL names no file (VSB download.jsp?…wbfileid=, Hanweb downfile.jsp).
_DOWNLOAD_SCRIPTS = ("download.jsp", "downfile.jsp")
_NAMED_FILE = re.compile(r"\.(" + "|".join(sorted(EXTENSIONS)) + r")(?![a-z])", re.I)
_VIEWER_PARAMS = ("file", "url", "src")
_PAGE_EXTENSIONS = frozenset(("html", "htm", "shtml", "xhtml"))
# The report body's containers in the CMS templates, most specific first.
_CONTAINERS = (
    ("class", "trs_editor_view"), ("class", "TRS_Editor"), ("class", "TRS_UEDITOR"), ("id", "UCAP-CONTENT"),
    ("class", "v_news_content"), ("id", "vsb_content"), ("id", "zoom"), ("id", "fontzoom"),
    ("class", "pages_content"), ("class", "xxgk_content"), ("class", "article-content"),
    ("class", "article_content"), ("class", "article"), ("id", "content"), ("class", "content"),
)
# Page chrome, by tag or by a word in an element's id or class.
_CHROME_TAGS = ("header", "footer", "nav", "aside")
_CHROME_WORDS = (
    "header", "foot", "nav", "menu", "banner", "crumb", "position", "location", "sidebar", "share", "copyright",
    "friend",
)
_LOWER = "translate(concat(@id, ' ', @class), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_CHROME_TESTS = [f"self::{tag}" for tag in _CHROME_TAGS] + [f"contains({_LOWER}, '{word}')" for word in _CHROME_WORDS]
_CHROME = etree.XPath(f".//*[{' or '.join(_CHROME_TESTS)}]")
# The report's numbered section headings (国办公开办函〔2021〕30号 format and the older ones), and the
# words of its sections (looked for in the body only: a site's menu may name 依申请公开, 行政复议).
_HEADINGS = re.compile(
    r"[一二三四五六七]\s{0,3}[、.．]\s{0,3}(?:总体情况|概述|主动公开|收到和处理|政府信息公开行政复议|"
    r"因政府信息公开|存在的?主要问题|其他需要报告)"
)
_SECTION_WORDS = (
    "总体情况", "主动公开政府信息", "收到和处理政府信息公开申请", "行政复议", "存在的主要问题", "其他需要报告",
    "概述", "依申请公开",
)
# A table cell that is a figure (123, 1,234, 12.5%).
_FIGURE = re.compile(r"^[\d,，.%％\s]{1,20}$")
_FIGURE_CELLS = 8
_LABELS = re.compile(r"附件\d*|相关附件|下载|点击|查看|详见|全文|请|文件|[\W_]")
_MAX_TEXT = 200_000
_MAX_BODY_CHARS = 400  # what is left of a content container that holds only a link
_MAX_PAGE_CHARS = 1500  # the same for a whole page without a recognisable container (chrome remains)


def attachments(page: Page) -> tuple[Link, ...]:
    """The page's links to documents (PDF, DOC(X), WPS, ZIP, OFD, RTF, XLS(X)), anywhere on it, once each:
    by the extension of the URL's path or of a file it names, by a link text naming such a file, or by
    a known download script; also documents shown in an <iframe>/<embed>/<object>."""
    root = generic.html_root(page.text)
    if root is None:
        return ()
    base = generic.base_url(root, page.url)
    found: dict[str, Link] = {}
    query = "(//a[@href] | //iframe[@src] | //embed[@src] | //object[@data])[position() <= $n]"
    for element in root.xpath(query, n=generic.MAX_LINKS):
        href = element.get("href") or element.get("src") or element.get("data") or ""
        url = generic.absolute(href, base)
        if url is None:
            continue
        text = generic.fold(generic.element_text(element, 300))
        title = text or generic.fold(element.get("title") or "")
        document = _document_url(url, title if element.tag == "a" else "")
        if document is not None and document not in found:
            found[document] = Link(document, title[:500] or unquote(urlsplit(document).path.rsplit("/", 1)[-1]))
    return tuple(found.values())


def _document_url(url: str, text: str) -> str | None:
    """The document a link leads to: the URL itself, or the file a viewer page is given."""
    parts = urlsplit(url)
    path = parts.path.lower()
    if _extension(path) in EXTENSIONS:
        return url
    params = parse_qsl(parts.query)
    if _extension(path) in _PAGE_EXTENSIONS:
        for name, value in params:
            if name.lower() in _VIEWER_PARAMS and _extension(urlsplit(value).path.lower()) in EXTENSIONS:
                return generic.absolute(value, url)
    named = any(_extension(value.lower()) in EXTENSIONS for _, value in params)
    if named or path.endswith(_DOWNLOAD_SCRIPTS) or "downloadattachurl" in parts.query.lower():
        return url
    return url if _extension(path) not in _PAGE_EXTENSIONS and _NAMED_FILE.search(text) else None


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else ""


def link_only(page: Page) -> bool:
    """Whether the page's body is essentially only a link to an attachment: it has an attachment, no
    report sections (一、总体情况 …) and no table of figures anywhere, and little text besides the
    attachments' names (judged in the content container, else in the page without its chrome)."""
    links = attachments(page)
    root = generic.html_root(page.text)
    if not links or root is None:
        return False
    body = root.find("body")
    page_text = generic.element_text(body if body is not None else root, _MAX_TEXT)
    if len(_HEADINGS.findall(page_text)) >= 2:
        return False
    container = _container(root)
    limit = _MAX_BODY_CHARS
    if container is None:
        container, limit = _without_chrome(body if body is not None else root), _MAX_PAGE_CHARS
    text = generic.element_text(container, _MAX_TEXT)
    if sum(word in text for word in _SECTION_WORDS) >= 2 or _has_figures(container):
        return False
    for link in links[:100]:
        text = text.replace(link.title, " ")
    return len(_LABELS.sub("", text)) <= limit


def _container(root: Any) -> Any | None:
    for attribute, value in _CONTAINERS:
        if attribute == "id":
            found = root.xpath("(//*[@id=$v])[1]", v=value)
        else:
            found = root.xpath("(//*[contains(concat(' ', normalize-space(@class), ' '), $v)])[1]", v=f" {value} ")
        if found:
            return found[0]
    vsb = root.xpath("(//*[starts-with(@id, 'vsb_content')])[1]")
    return vsb[0] if vsb else None


def _without_chrome(body: Any) -> Any:
    """The body without header, footer, navigation and similar blocks (removed in place)."""
    for element in _CHROME(body):
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return body


def _has_figures(element: Any) -> bool:
    """Whether a table in `element` holds figures (at least _FIGURE_CELLS cells that are numbers)."""
    figures = 0
    for cell in element.xpath("(.//table//td)[position() <= 2000]"):
        if _FIGURE.match(generic.element_text(cell, 30)):
            figures += 1
            if figures >= _FIGURE_CELLS:
                return True
    return False


def same_site(url: str, site: str) -> bool:
    """Whether `url` is on the same site as `site` (a URL or a host): the same host; under gov.cn (and
    the other Chinese second-level domains) the same registrable name (www.xxq.gov.cn and
    xxgk.xxq.gov.cn); an IP address only with the same port."""
    key = generic.site_key(url)
    return key is not None and key == generic.site_key(site if "//" in site else f"http://{site}")
