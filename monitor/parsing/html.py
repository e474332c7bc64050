"""HTML pages to a Document: find the article body inside the CMS chrome, expand table spans."""

from __future__ import annotations

import re

from lxml import etree

from monitor.errors import InputError
from monitor.parsing.cells import collapse
from monitor.parsing.decode import decode
from monitor.parsing.document import Block, Document, Paragraph, Table
from monitor.parsing.sections import NUMERALS

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
_DATE_NODES = etree.XPath('//text()[contains(., "发布") or contains(., "日期")]')
_CELL_TAGS = frozenset(("td", "th"))
_TABLE_MARKERS = ("本年新收", "第二十条", "结果维持", "予以公开", "本年制发")
_MAX_SPAN = 1000


def parse_html(data: bytes, content_type: str | None = None) -> Document:
    text = decode(data, content_type)
    # lxml rejects str input that carries an XML encoding declaration; drop it (already decoded).
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise InputError("文件为空")
    # A plain etree parser: lxml.html's element classes cost a Python lookup per element visited.
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
    try:
        root = etree.fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"无法解析 HTML：{exc}") from exc
    if root is None:
        raise InputError("无法解析 HTML：没有内容")
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    meta = _meta(root)
    title_el = root.find(".//title")
    title = collapse(_text(title_el)) if title_el is not None else None
    body = _article_body(root)
    blocks = _blocks(body)
    heading = _first_heading(root)
    return Document(
        "text/html",
        blocks,
        title=heading or meta.get("articletitle") or title,
        meta=meta | {"html_title": title or ""},
        page_text=_date_text(root),
    )


def _text(el: etree._Element) -> str:
    """An element's text content (serialised in C: several times faster than joining itertext)."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _date_text(root: etree._Element) -> str:
    """The page's lines that may state a publication date (「发布时间：…」 sits outside the body)."""
    parents = {node.getparent() for node in _DATE_NODES(root)}
    return "\n".join(_text(el) for el in parents if el is not None)


def _meta(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        attrs = {k.lower(): v for k, v in el.attrib.items()}
        name = attrs.get("name") or attrs.get("http-equiv") or attrs.get("property")
        if name and "content" in attrs:
            found.setdefault(name.strip().lower(), attrs["content"].strip())
    return found


def _article_body(root: etree._Element) -> etree._Element:
    """The lowest element holding every section heading and report table of the page."""
    markers: list[etree._Element] = []
    for node in root.iter("table", *_HEADING_TAGS):
        if node.tag == "table":
            head = _text(node)[:4000]
            if any(marker in head for marker in _TABLE_MARKERS):
                markers.append(node)
        else:
            own = (node.text or "").lstrip()
            if not own or own[0] not in NUMERALS:
                continue  # a heading's text starts with its numeral (in this element or a child)
            text = _text(node)
            if len(text.strip()) <= 3 and node.getparent() is not None:  # 「一、」 alone: words follow
                node = node.getparent()
                text = _text(node)
            if _HEADING_TEXT.match(text[:60]):
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


def _first_heading(root: etree._Element) -> str | None:
    """A report title printed on the page itself (h1–h3), if any."""
    for el in root.iter("h1", "h2", "h3"):
        text = collapse(_text(el))
        if "年度报告" in text and len(text) < 80:
            return text
    return None


def _blocks(body: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            text = collapse("".join(buffer))
            if text:
                blocks.append(Paragraph(text))
            buffer.clear()

    walker = etree.iterwalk(body, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "table" and el.find(".//table") is None:
                flush()
                blocks.append(_grid(el))
                walker.skip_subtree()  # the next event is this table's "end"
                continue
            if tag in _BLOCK_TAGS or tag in _CELL_TAGS or tag == "br":
                flush()
            if el.text and tag != "table":
                buffer.append(el.text)
        else:
            if tag in _BLOCK_TAGS or tag in _CELL_TAGS:
                flush()
            if el.tail and el is not body:
                buffer.append(el.tail)
    flush()
    return blocks


def _span(el: etree._Element, name: str, value: str) -> int:
    match = re.match(r"\s*(\d+)", value)
    return max(1, min(int(match.group(1)), _MAX_SPAN)) if match else 1


def _rows(table: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(tr for tr in child if tr.tag == "tr")
    return rows


def _grid(table: etree._Element) -> Table:
    """Expand rowspan/colspan into a rectangular grid of cell texts and source-cell ids."""
    trs = _rows(table)
    pending: dict[int, list] = {}  # column -> [rows it still covers, text, id] of a rowspan cell above
    rows: list[list[str]] = []
    ids: list[list[int]] = []
    cell_id = 0

    def fill_pending(c: int, texts: list[str], idents: list[int]) -> None:
        left = pending[c]
        texts.append(left[1])
        idents.append(left[2])
        left[0] -= 1
        if not left[0]:
            del pending[c]

    for r, tr in enumerate(trs):
        texts: list[str] = []
        idents: list[int] = []
        c = 0
        for td in tr:
            if td.tag not in _CELL_TAGS:
                continue
            while c in pending:
                fill_pending(c, texts, idents)
                c += 1
            text = " ".join(_text(td).split())
            colspan = _span(td, "colspan", value) if (value := td.get("colspan")) else 1
            rowspan = min(_span(td, "rowspan", value), len(trs) - r) if (value := td.get("rowspan")) else 1
            for dc in range(colspan):
                texts.append(text)
                idents.append(cell_id)
                if rowspan > 1:
                    pending[c + dc] = [rowspan - 1, text, cell_id]
            cell_id += 1
            c += colspan
        while pending and c <= max(pending):
            if c in pending:
                fill_pending(c, texts, idents)
            else:
                texts.append("")
                idents.append(-1 - c)
            c += 1
        rows.append(texts)
        ids.append(idents)
    return Table.aligned_grid(rows, ids)
