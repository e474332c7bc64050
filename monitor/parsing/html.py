"""HTML pages to a Document: find the article body inside the CMS chrome, expand table spans."""

from __future__ import annotations

import bisect
import re

from lxml import etree

from monitor.errors import InputError
from monitor.parsing.cells import collapse
from monitor.parsing.decode import decode
from monitor.parsing.document import Block, Budget, Document, Paragraph, Table
from monitor.parsing.limits import MAX_HTML_TAGS, MAX_NESTING, MAX_TABLE_CELLS, MAX_TABLES
from monitor.parsing.sections import NUMERALS
from monitor.report import replace_runs

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
# The text nodes that may state a publication date: the first thousand (a page has a few; the
# date claim read from them is the first one, so a page of a million 「发布」 needs no more).
_DATE_NODES = etree.XPath('(//text()[contains(., "发布") or contains(., "日期")])[position() <= 1000]')
# The first $n characters of a table's text content, cut in C (tables nest at most MAX_NESTING deep,
# so no text is read more than that many times).
_TABLE_HEAD = etree.XPath("substring(string(.), 1, $n)")
_CELL_TAGS = frozenset(("td", "th"))
_TABLE_MARKERS = ("本年新收", "第二十条", "结果维持", "予以公开", "本年制发")
# The HTML standard's bounds on spans (the rules for parsing non-negative integers, capped).
_MAX_COLSPAN, _MAX_ROWSPAN = 1000, 65534
_HTML_SPACE = " \t\n\f\r"
_WHITE_SPACE = re.compile(r"\s+")


def parse_html(data: bytes, content_type: str | None = None) -> Document:
    # The parsed tree costs a few hundred bytes per tag: a page made of tiny tags is refused before
    # it is parsed (a real page, chrome included, has a few tens of thousands).
    if (tags := data.count(b"<")) > MAX_HTML_TAGS:
        raise InputError(f"网页标签过多（{tags} 个，上限 {MAX_HTML_TAGS} 个）")
    text = decode(data, content_type)
    # lxml rejects str input that carries an XML encoding declaration; drop it (already decoded).
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise InputError("文件为空")
    # A plain etree parser: lxml.html's element classes cost a Python lookup per element visited.
    # huge_tree: without it libxml2 drops what is nested deeper than 256 elements (a page whose chrome
    # nests 300 <div> lost its report) and text nodes over 10 MB; the input is bounded already
    # (MAX_DOCUMENT_BYTES, MAX_HTML_TAGS), and nothing below walks the tree recursively.
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False, huge_tree=True)
    try:
        root = etree.fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"无法解析 HTML：{exc}") from exc
    if root is None:
        raise InputError("无法解析 HTML：没有内容")
    del text
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    _check_tables(root)
    meta = _meta(root)
    title_el = root.find(".//title")
    title = collapse(_text(title_el)) if title_el is not None else None
    body = _article_body(root)
    blocks = _blocks(body, Budget())
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


def _text_head(el: etree._Element, limit: int) -> str:
    """The first `limit` characters of an element's text content, read no further: a heading inside
    a thousand others, or each of a thousand 「一」 in one container, would otherwise read the whole
    container once each."""
    pieces: list[str] = []
    size = 0
    for piece in el.itertext():
        pieces.append(piece[: limit - size])
        size += len(pieces[-1])
        if size >= limit:
            break
    return "".join(pieces)


def _check_tables(root: etree._Element) -> None:
    """Refuse a page with more tables, or tables nested deeper, than any real page has."""
    count = depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end"), tag="table"):
        if event == "end":
            depth -= 1
            continue
        count += 1
        depth += 1
        if count > MAX_TABLES:
            raise InputError(f"网页中的表格过多（超过 {MAX_TABLES} 个）")
        if depth > MAX_NESTING:
            raise InputError(f"网页中的表格嵌套过深（超过 {MAX_NESTING} 层）")


def _date_text(root: etree._Element) -> str:
    """The page's lines that may state a publication date (「发布时间：…」 sits outside the body):
    the text of each element that carries a text node with 发布 or 日期 (as its text, or as its
    tail), in document order. An element inside another such element is read with it, not again."""
    # (The nodes XPath goes through are fewer than twice the tags: MAX_HTML_TAGS keeps them below
    # libxml2's limit of ten million.)
    carriers = dict.fromkeys(node.getparent() for node in _DATE_NODES(root))
    carriers.pop(None, None)
    return "\n".join(_text(el) for el in _outermost(carriers))


def _outermost(elements: dict[etree._Element, None]) -> list[etree._Element]:
    """The elements (in their order) that have none of the others above them. Each element above
    them is looked at once, however many of them it holds and however deep they sit."""
    covered: dict[etree._Element, bool] = {}  # an element above: is it, or one above it, one of them?
    found: list[etree._Element] = []
    for el in elements:
        path: list[etree._Element] = []
        up = el.getparent()
        while up is not None and up not in elements and up not in covered:
            path.append(up)
            up = up.getparent()
        inside = up is not None and (up in elements or covered[up])
        covered.update(dict.fromkeys(path, inside))
        if not inside:
            found.append(el)
    return found


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
    heads: dict[etree._Element, str] = {}  # a container's head, read once for all its 「一、」 children
    for node in root.iter("table", *_HEADING_TAGS):
        if node.tag == "table":
            head = str(_TABLE_HEAD(node, n=4000))
            if any(marker in head for marker in _TABLE_MARKERS):
                markers.append(node)
        else:
            own = (node.text or "").lstrip()
            if not own or own[0] not in NUMERALS:
                continue  # a heading's text starts with its numeral (in this element or a child)
            if _is_short(node) and node.getparent() is not None:  # 「一、」 alone: words follow
                node = node.getparent()
                if node not in heads:
                    heads[node] = _text_head(node, 60)
                head = heads[node]
            else:
                head = _text_head(node, 60)
            if _HEADING_TEXT.match(head):
                markers.append(node)
    body = root.find("body")
    fallback = body if body is not None else root
    if len(markers) < 2:
        return fallback
    candidate = _lowest_common_ancestor(markers)
    if candidate is None:
        return fallback
    return candidate if candidate.tag != "html" else fallback


def _lowest_common_ancestor(elements: list[etree._Element]) -> etree._Element | None:
    """The nearest element above all the given ones (above each: a marker inside another marker
    counts the one above it). Each element on the way up is looked at once, however many markers
    sit below it."""
    chain = list(elements[0].iterancestors())  # nearest first
    joins: dict[etree._Element, int] = {el: i for i, el in enumerate(chain)}  # where its way up meets the chain
    lowest = 0
    for el in elements[1:]:
        path: list[etree._Element] = []
        up = el.getparent()
        while up is not None and up not in joins:
            path.append(up)
            up = up.getparent()
        if up is None:
            return None
        joins.update(dict.fromkeys(path, joins[up]))
        lowest = max(lowest, joins[up])
    return chain[lowest] if chain else None


def _is_short(el: etree._Element) -> bool:
    """Whether the element's text, stripped, is at most 3 characters (「一、」 alone)."""
    head = _text_head(el, 64)
    if len(head.strip()) > 3:
        return False
    return len(head) < 64 or len(_text(el).strip()) <= 3  # (only white space follows: read it all)


def _first_heading(root: etree._Element) -> str | None:
    """A report title printed on the page itself (h1–h3), if any."""
    for el in root.iter("h1", "h2", "h3"):
        head = _text_head(el, 2000)
        text = collapse(head)
        if len(text) >= 80:
            continue  # (the whole text is no shorter than its head)
        if len(head) == 2000:  # a head of white space: read it all
            text = collapse(_text(el))
        if "年度报告" in text and len(text) < 80:
            return text
    return None


def _blocks(body: etree._Element, budget: Budget) -> list[Block]:
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            text = collapse("".join(buffer))
            if text:
                budget.paragraph()
                blocks.append(Paragraph(text))
            buffer.clear()

    walker = etree.iterwalk(body, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "table" and el.find(".//table") is None:
                flush()
                blocks.append(_grid(el, budget))
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


def _span(value: str | None, cap: int) -> int:
    """A colspan or rowspan by the HTML standard's rules for parsing non-negative integers: leading
    white space, an optional +, ASCII digits (anything after them ignored), capped at `cap`.

    A value that fails to parse, a negative one and 0 all give 1. (For rowspan, the standard reads 0
    as "to the end of the row group"; report tables never use it, and 1 is what this reader always
    did.) The digits are never converted whole: a span of thousands of digits is just over the cap.
    """
    if not value:
        return 1
    text = value.lstrip(_HTML_SPACE)
    if text[:1] == "+":
        text = text[1:]
    end = 0
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    digits = text[:end].lstrip("0")
    if not end or not digits:
        return 1  # not a number, or 0
    return cap if len(digits) > len(str(cap)) else max(1, min(int(digits), cap))


def _squeeze(text: str) -> str:
    """" ".join(text.split()), without the list of words for a long text."""
    return " ".join(text.split()) if len(text) <= 4096 else replace_runs(_WHITE_SPACE, " ", text).strip()


def _rows(table: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(tr for tr in child if tr.tag == "tr")
    return rows


class _Spans:
    """Columns still covered by rowspan cells of the rows above, as runs of columns.

    Each run is [start, end, rows it still covers, text, id]; runs are disjoint and sorted (`starts`
    and `ends` hold their bounds, for bisection). A run stands for the columns start..end-1 at
    once, so a span of 1000 columns costs one step, not 1000.
    """

    def __init__(self) -> None:
        self.runs: list[list] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def at(self, c: int) -> int:
        """The index of the run covering column c, or -1 - (index of the first run after c)."""
        i = bisect.bisect_right(self.starts, c) - 1
        if i >= 0 and c < self.ends[i]:
            return i
        return -2 - i

    def take(self, i: int, c: int) -> tuple[int, int, str, int]:
        """Columns c..end-1 of run i fill this row: they cover one row less from now on."""
        start, end, left, text, ident = self.runs[i]
        if start < c:  # columns before c were covered by a cell of this row: they stay as they are
            self._replace(i, i + 1, [[start, c, left, text, ident], [c, end, left, text, ident]])
            i += 1
        self._replace(i, i + 1, [[c, end, left - 1, text, ident]] if left > 1 else [])
        return c, end, text, ident

    def cover(self, start: int, end: int, rows: int, text: str, ident: int) -> None:
        """A rowspan cell covers columns start..end-1 of the next `rows` rows (replacing what was there)."""
        lo = bisect.bisect_right(self.ends, start)  # the first run ending after start
        hi = bisect.bisect_left(self.starts, end)  # the first run starting at end or later
        pieces: list[list] = []
        if lo < hi and self.starts[lo] < start:
            pieces.append([self.starts[lo], start, *self.runs[lo][2:]])
        pieces.append([start, end, rows, text, ident])
        if lo < hi and self.ends[hi - 1] > end:
            pieces.append([end, self.ends[hi - 1], *self.runs[hi - 1][2:]])
        self._replace(lo, hi, pieces)

    def _replace(self, lo: int, hi: int, runs: list[list]) -> None:
        self.runs[lo:hi] = runs
        self.starts[lo:hi] = [run[0] for run in runs]
        self.ends[lo:hi] = [run[1] for run in runs]

    @property
    def end(self) -> int:
        """One past the last covered column."""
        return self.ends[-1] if self.ends else 0


def _grid(table: etree._Element, budget: Budget) -> Table:
    """Expand rowspan/colspan into a rectangular grid of cell texts and source-cell ids.

    A cell is placed at the first column of its row not covered by a rowspan cell from above, and
    covers the columns of its span (a cell overlapping a rowspan cell from above takes the overlapped
    columns in its row; the covering goes on below). The grid ends at the last column in which some
    cell begins: columns after it only repeat spanning cells (a title row's colspan="100" over an
    8-column table), and are clipped. The grid is first laid out as stretches of columns (one per
    cell or per covered stretch), so that its size is known, and refused if over the limits, before
    a single position is filled.
    """
    trs = _rows(table)
    spans = _Spans()
    # Per row: stretches (start, end, text, id, placed here) where id -1 is padding and "placed
    # here" is 1 for a cell beginning in this row, 0 for a cell covering it from above.
    layout: list[list[tuple[int, int, str, int, int]]] = []
    width = 0  # the last column in which a cell begins, plus one
    stretches = 0
    cell_id = 0
    too_large = f"表格过大（展开合并单元格后超过 {MAX_TABLE_CELLS} 格）"

    def covered(i: int, c: int) -> tuple[int, int, str, int, int]:
        return (*spans.take(i, c), 0)

    for r, tr in enumerate(trs):
        row: list[tuple[int, int, str, int, int]] = []
        c = 0
        for td in tr:
            if td.tag not in _CELL_TAGS:
                continue
            while spans.runs and (i := spans.at(c)) >= 0:  # columns covered from above come first
                row.append(covered(i, c))
                c = row[-1][1]
            text = _squeeze(_text(td))
            colspan = _span(value, _MAX_COLSPAN) if (value := td.get("colspan")) else 1
            row.append((c, c + colspan, text, cell_id, 1))
            if (value := td.get("rowspan")) and (rowspan := min(_span(value, _MAX_ROWSPAN), len(trs) - r)) > 1:
                spans.cover(c, c + colspan, rowspan - 1, text, cell_id)
            if c >= width:
                width = c + 1
            cell_id += 1
            c += colspan
            if (r + 1) * width > MAX_TABLE_CELLS or stretches + len(row) > MAX_TABLE_CELLS:
                raise InputError(too_large)
        while c < spans.end:  # the rest of the row: covered columns, and the gaps between them
            if (i := spans.at(c)) >= 0:
                row.append(covered(i, c))
            else:
                row.append((c, spans.runs[-1 - i][0], "", -1, 0))
            c = row[-1][1]
        stretches += len(row)
        if (r + 1) * max(width, 1) > MAX_TABLE_CELLS or stretches > MAX_TABLE_CELLS:
            raise InputError(too_large)
        layout.append(row)
    rows: list[list[str]] = []
    ids: list[list[int]] = []
    for stretch in layout:
        texts: list[str] = []
        idents: list[int] = []
        for start, end, text, ident, placed in stretch:
            if end - start == placed == 1:  # a cell of one column (most of them)
                texts.append(text)
                idents.append(ident)
                continue
            end = min(end, width)  # clipped to the real width
            if start >= end:
                break
            if ident < 0:
                texts.extend([""] * (end - start))
                idents.extend(range(-1 - start, -1 - end, -1))
            else:
                texts.extend([text] * (end - start))
                idents.extend([ident] * (end - start))
                budget.repeated(len(text) * (end - start - placed))  # the text a span repeats
        rows.append(texts)
        ids.append(idents)
    grid = Table.aligned_grid(rows, ids)
    budget.cells(len(grid.rows) * len(grid.rows[0]) if grid.rows else 0)
    return grid
