"""HTML pages to a Document: find the article body inside the CMS chrome, expand table spans."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from monitor.errors import InputError
from monitor.parsing.cells import collapse
from monitor.parsing.decode import decode
from monitor.parsing.document import Block, Document, Paragraph, Table

_BLOCK_TAGS = frozenset(
    (
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
        "article", "blockquote", "center", "pre", "form", "header", "footer", "nav", "aside", "main",
        "address", "figure", "figcaption", "hr", "caption", "tr",
    )
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg", "select", "button")
# Section headings and table labels that mark the report body inside the page chrome.
_HEADING_TEXT = re.compile(
    r"^\s*[一二三四五六]\s*[、.．]\s*(总体情况|概述|主动公开|收到和处理|依申请|政府信息公开行政复议|"
    r"因政府信息公开|.{0,6}行政复议|存在的?主要问题|存在问题|政府信息公开工作存在|其他需要报告)"
)
# Elements a heading's text may sit in (their text is short; big containers are not read whole).
_HEADING_TAGS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "font", "span"))
_TABLE_MARKERS = ("本年新收", "第二十条", "结果维持", "予以公开", "本年制发")
_MAX_SPAN = 1000


def parse_html(data: bytes, content_type: str | None = None) -> Document:
    text = decode(data, content_type)
    # lxml rejects str input that carries an XML encoding declaration; drop it (already decoded).
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise InputError("文件为空")
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"无法解析 HTML：{exc}") from exc
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    meta = _meta(root)
    title_el = root.find(".//title")
    title = collapse(title_el.text_content()) if title_el is not None else None
    body = _article_body(root)
    blocks = _blocks(body)
    heading = _first_heading(root)
    return Document(
        "text/html",
        blocks,
        title=heading or meta.get("articletitle") or title,
        meta=meta | {"html_title": title or ""},
        page_text=collapse(root.text_content()),
    )


def _meta(root: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        attrs = {k.lower(): v for k, v in el.attrib.items()}
        name = attrs.get("name") or attrs.get("http-equiv") or attrs.get("property")
        if name and "content" in attrs:
            found.setdefault(name.strip().lower(), attrs["content"].strip())
    return found


def _article_body(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The lowest element holding every section heading and report table of the page."""
    markers: list[etree._Element] = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag == "table":
            head = " ".join(node.itertext())[:4000]
            if any(marker in head for marker in _TABLE_MARKERS):
                markers.append(node)
        elif node.tag in _HEADING_TAGS and _HEADING_TEXT.match(node.text_content()[:60]):
            markers.append(node)
    body = root.find("body")
    fallback = body if body is not None else root
    if len(markers) < 2:
        return fallback
    ancestors = [list(m.iterancestors()) for m in markers]
    common = set(ancestors[0])
    for chain in ancestors[1:]:
        common.intersection_update(chain)
    for candidate in ancestors[0]:  # nearest first
        if candidate in common:
            return candidate if candidate.tag != "html" else fallback
    return fallback


def _first_heading(root: lxml.html.HtmlElement) -> str | None:
    """A report title printed on the page itself (h1–h3), if any."""
    for el in root.iter("h1", "h2", "h3"):
        text = collapse(el.text_content())
        if "年度报告" in text and len(text) < 80:
            return text
    return None


def _blocks(body: lxml.html.HtmlElement) -> list[Block]:
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            text = collapse("".join(buffer))
            if text:
                blocks.append(Paragraph(text))
            buffer.clear()

    walker = etree.iterwalk(body, events=("start", "end"))
    skipping: etree._Element | None = None
    for event, el in walker:
        if skipping is not None:
            if event == "end" and el is skipping:
                skipping = None
                if el.tail:
                    buffer.append(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "table" and el.find(".//table") is None:
                flush()
                blocks.append(_grid(el))
                skipping = el
                continue
            if tag in _BLOCK_TAGS or tag == "br" or tag in ("td", "th"):
                flush()
            if el.text:
                buffer.append(el.text)
        else:
            if tag in _BLOCK_TAGS or tag in ("td", "th"):
                flush()
            if el.tail and el is not body:
                buffer.append(el.tail)
    flush()
    return blocks


def _span(el: etree._Element, name: str) -> int:
    match = re.match(r"\s*(\d+)", el.get(name) or "")
    return max(1, min(int(match.group(1)), _MAX_SPAN)) if match else 1


def _grid(table: etree._Element) -> Table:
    """Expand rowspan/colspan into a rectangular grid of cell texts and source-cell ids."""
    trs = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    taken: dict[tuple[int, int], tuple[str, int]] = {}
    width = 0
    cell_id = 0
    for r, tr in enumerate(trs):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in taken:
                c += 1
            text = collapse(" ".join(td.itertext()))
            rowspan = min(_span(td, "rowspan"), len(trs) - r)
            colspan = _span(td, "colspan")
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = (text, cell_id)
            cell_id += 1
            c += colspan
        width = max(width, c)
    rows: list[list[str]] = []
    ids: list[list[int]] = []
    for r in range(len(trs)):
        cells = [taken.get((r, c), ("", -1 - c)) for c in range(width)]
        rows.append([text for text, _ in cells])
        ids.append([ident for _, ident in cells])
    return Table(rows, ids)
