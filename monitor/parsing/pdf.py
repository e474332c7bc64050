"""PDF reports (text layer) to a Document, with pdfplumber.

Ruled tables become aligned grids: pdfplumber reports a merged cell once, at its top-left grid
position, and the positions it covers as None; each covered position is given the id and text of
the cell that covers it, as rowspan/colspan are expanded for HTML. Lines outside tables become
paragraphs, rejoined where a sentence wraps. A table row broken by a page break is rejoined, and
page numbers (「- 4 -」) are dropped. A PDF without ruled tables is read as laid-out text.

A PDF is read within the budgets of monitor.parsing.limits, each refused with one line naming it:
the pages are counted from the page tree before any page is opened (a node listed twice, a loop,
more than MAX_PDF_PAGES; a huge /Kids array is counted in the file's bytes, before pdfminer parses
it); the objects drawn on a page and in the document are counted by the device as pdfminer draws
them; the tokens pdfminer parses (objects, page content, a form each time it is drawn) and the bytes
each stream decodes to are counted as they come. pdfminer decodes streams with module-level
functions of pdfminer.pdftypes (zlib, LZW, run-length) and tokenizes in PSBaseParser.nexttoken;
this module replaces them, once, at import, with counting equivalents that apply a budget only
inside parse_pdf (a context variable) and are the library's own behaviour everywhere else. So are
pdfplumber's search of ruling-line crossings (pdfplumber.table.edges_to_intersections: inside
parse_pdf it stops at MAX_PDF_PAGE_CROSSINGS), pdfminer's reading of inline images (quadratic
there), and the entries pdfminer makes of font widths and character-map ranges (counted like
tokens: a range may span billions of codes). pdfminer's and pdfplumber's log records go to the
logger `monitor.parsing.pdf.library`, warnings to `monitor.parsing.pdf`: never to the user's
stderr unless logging is set up to show them.
"""

from __future__ import annotations

import bisect
import contextvars
import copy
import io
import logging
import re
import warnings
import zlib
from collections.abc import Iterator, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any

import pdfplumber
import pdfplumber.table
from pdfminer import pdffont, pdfinterp, pdftypes
from pdfminer.cmapdb import FileCMap, FileUnicodeMap
from pdfminer.layout import LTPage
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFContentParser, PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfminer.psparser import LIT, PSBaseParser
from pdfplumber.page import Page as PlumberPage
from pdfplumber.page import PDFPageAggregatorWithMarkedContent
from pdfplumber.table import Table as PlumberTable
from pdfplumber.utils.exceptions import PdfminerException

from monitor.errors import InputError
from monitor.parsing.cells import label_key, read_cell
from monitor.parsing.document import Block, Document, Paragraph, Table
from monitor.parsing.limits import (
    MAX_PDF_DECODED_BYTES,
    MAX_PDF_OBJECTS,
    MAX_PDF_PAGE_CROSSINGS,
    MAX_PDF_PAGE_OBJECTS,
    MAX_PDF_PAGES,
    MAX_PDF_STREAM_BYTES,
    MAX_PDF_TOKENS,
)
from monitor.parsing.sections import is_heading
from monitor.parsing.text import parse_text

# Fewer characters than this over the whole file: no usable text layer.
_MIN_TEXT_CHARS = 50
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|\d+)\s*$"
)
_SENTENCE_END = ("。", "；", "！", "？", "：", ":", ";")
_PARAGRAPH_START = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+是|\d+[.、．])")
# Words of header rows, and of rows that open a table (「总计」 alone is not one: it also ends the
# row 「（七）总计」). Such a row is never the rest of a row broken by a page break.
_HEADER_WORDS = ("自然人", "结果维持", "信息内容", "申请人情况", "勾稽关系", "行政复议", "行政诉讼", "第二十条")
_LITERAL_PAGES, _LITERAL_PAGE = LIT("Pages"), LIT("Page")
# The largest page the PDF specification allows (14 400 units, 200 inches): a bigger page makes
# laid-out text (a line of spaces per unit of width) take memory without bound.
_MAX_PAGE_SIDE = 14_400

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # not shown on stderr unless logging is configured
_library_log = logging.getLogger(f"{__name__}.library")


class _Forward(logging.Handler):
    """Hands pdfminer's and pdfplumber's log records to `monitor.parsing.pdf.library`, named after
    it («monitor.parsing.pdf.library.pdfminer.pdffont»)."""

    def emit(self, record: logging.LogRecord) -> None:
        forwarded = copy.copy(record)
        forwarded.name = f"{_library_log.name}.{record.name}"
        _library_log.handle(forwarded)


for _name in ("pdfminer", "pdfplumber"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(handler, _Forward) for handler in _logger.handlers):
        _logger.addHandler(_Forward())
    _logger.propagate = False


class _OverBudget(InputError):
    """A budget of monitor.parsing.limits exceeded while pdfminer or pdfplumber reads."""


class _Budget:
    """What one PDF may still spend. The first refusal is kept: it is the reason even when a library
    turns the exception into another one."""

    def __init__(self) -> None:
        self.decoded = 0
        self.tokens = 0
        self.objects = 0
        self.page_objects = 0
        self.refusal: _OverBudget | None = None

    def refuse(self, reason: str) -> _OverBudget:
        if self.refusal is None:
            self.refusal = _OverBudget(reason)
        return self.refusal

    def stream_room(self, stream_size: int = 0) -> int:
        """How many more bytes a stream that has decoded to `stream_size` bytes so far may add."""
        return max(0, min(MAX_PDF_STREAM_BYTES - stream_size, MAX_PDF_DECODED_BYTES - self.decoded))

    def decode(self, size: int, stream_size: int) -> None:
        """`size` more bytes decoded, `stream_size` of them so far by this stream."""
        self.decoded += size
        if stream_size > MAX_PDF_STREAM_BYTES:
            limit = MAX_PDF_STREAM_BYTES // 2**20
            raise self.refuse(f"PDF 中的数据流解压后过大（单个数据流上限 {limit} MB），拒绝读取")
        if self.decoded > MAX_PDF_DECODED_BYTES:
            raise self.refuse(f"PDF 中的数据流解压后总计过大（上限 {MAX_PDF_DECODED_BYTES // 2**20} MB），拒绝读取")

    def interpret(self, steps: int = 1) -> None:
        """`steps` more units of parsing: tokens, steps through an inline image's data, entries of
        font widths and character maps."""
        self.tokens += steps
        if self.tokens > MAX_PDF_TOKENS:
            raise self.refuse(f"PDF 内容过于复杂（超过 {MAX_PDF_TOKENS} 个语法单元的上限），拒绝读取")

    def draw(self, count: int = 1) -> None:
        self.objects += count
        self.page_objects += count
        if self.page_objects > MAX_PDF_PAGE_OBJECTS:
            raise self.refuse(f"PDF 页面上的对象过多（超过每页 {MAX_PDF_PAGE_OBJECTS} 个字符或图形的上限），拒绝读取")
        if self.objects > MAX_PDF_OBJECTS:
            raise self.refuse(f"PDF 中的对象过多（超过 {MAX_PDF_OBJECTS} 个字符或图形的上限），拒绝读取")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("monitor_pdf_budget", default=None)


# --- bounded decoding: pdfminer.pdftypes' decoders, replaced once at import -----------------------
_original_decompress_corrupted = pdftypes.decompress_corrupted
_original_lzwdecode = pdftypes.lzwdecode
_original_rldecode = pdftypes.rldecode


class _BoundedZlib:
    """The `zlib` pdfminer.pdftypes sees: inside parse_pdf, decompress() stops past the budget."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes) -> bytes:
        budget = _BUDGET.get()
        if budget is None:
            return zlib.decompress(data)
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, budget.stream_room() + 1)
        budget.decode(len(out), len(out))
        if not inflater.eof:  # as zlib.decompress: pdfminer then tries decompress_corrupted
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj(*args: Any, **kwargs: Any) -> Any:
        return zlib.decompressobj(*args, **kwargs)


def _decompress_corrupted(data: bytes) -> bytes:
    """pdfminer's decompress_corrupted (a stream whose checksum is damaged: its last three bytes may
    fail), in one bounded call instead of one call and one copy of the output per input byte."""
    budget = _BUDGET.get()
    if budget is None:
        return _original_decompress_corrupted(data)
    inflater = zlib.decompressobj()
    body, tail = data[: max(0, len(data) - 3)], data[max(0, len(data) - 3):]
    parts = [inflater.decompress(body, budget.stream_room() + 1)]  # an error here is raised, as there
    size = len(parts[0])
    budget.decode(size, size)
    for byte in (tail[i:i + 1] for i in range(len(tail))):
        try:
            parts.append(inflater.decompress(byte, budget.stream_room(size) + 1))
        except zlib.error:
            _library_log.warning("Data-loss while decompressing corrupted data")
            break
        size += len(parts[-1])
        budget.decode(len(parts[-1]), size)
    return b"".join(parts)


def _lzwdecode(data: bytes) -> bytes:
    budget = _BUDGET.get()
    if budget is None:
        return _original_lzwdecode(data)
    parts: list[bytes] = []
    size = 0
    for part in LZWDecoder(io.BytesIO(data)).run():
        size += len(part)
        budget.decode(len(part), size)
        parts.append(part)
    return b"".join(parts)


def _rldecode(data: bytes) -> bytes:
    """RunLength (PDF Reference 3.3.4): a length byte 0–127 copies the next 1–128 bytes, 129–255
    repeats the next byte 2–128 times, 128 ends; counted against the budget as it grows."""
    budget = _BUDGET.get()
    if budget is None:
        return _original_rldecode(data)
    out = bytearray()
    i = 0
    while i < len(data) and data[i] != 128:
        length = data[i]
        if length < 128:
            piece = data[i + 1:i + 2 + length]
            i += 2 + length
        else:
            piece = data[i + 1:i + 2] * (257 - length)
            i += 2
        out += piece
        budget.decode(len(piece), len(out))
    return bytes(out)


_original_edges_to_intersections = pdfplumber.table.edges_to_intersections


def _edges_to_intersections(edges: list[dict[str, Any]], x_tolerance: float = 1,
                            y_tolerance: float = 1) -> dict[tuple[float, float], dict[str, list[Any]]]:
    """pdfplumber's edges_to_intersections, the same crossings in the same order; inside parse_pdf
    the horizontal edges near each vertical one are found by bisection (pdfplumber sorts and scans
    them all for each vertical edge), and more than MAX_PDF_PAGE_CROSSINGS crossings (or 500 times
    as many pairs of edges compared) are refused: the cell search after it grows with their square."""
    budget = _BUDGET.get()
    if budget is None:
        return _original_edges_to_intersections(edges, x_tolerance, y_tolerance)
    intersections: dict[tuple[float, float], dict[str, list[Any]]] = {}
    v_edges = sorted((e for e in edges if e["orientation"] == "v"), key=itemgetter("x0", "top"))
    h_edges = sorted((e for e in edges if e["orientation"] == "h"), key=itemgetter("top", "x0"))
    tops = [h["top"] for h in h_edges]
    pairs = 0
    for v in v_edges:
        slack = abs(y_tolerance) + 1e-6 * (1 + abs(v["top"]) + abs(v["bottom"]))  # the exact test is below
        low = bisect.bisect_left(tops, v["top"] - slack)
        high = bisect.bisect_right(tops, v["bottom"] + slack)
        pairs += high - low
        if pairs > 500 * MAX_PDF_PAGE_CROSSINGS:
            raise budget.refuse(f"PDF 页面上的表格线过多（超过 {MAX_PDF_PAGE_CROSSINGS} 个交点的上限），拒绝读取")
        for h in h_edges[low:high]:
            if (v["top"] <= h["top"] + y_tolerance and v["bottom"] >= h["top"] - y_tolerance
                    and v["x0"] >= h["x0"] - x_tolerance and v["x0"] <= h["x1"] + x_tolerance):
                vertex = (v["x0"], h["top"])
                if vertex not in intersections:
                    if len(intersections) >= MAX_PDF_PAGE_CROSSINGS:
                        raise budget.refuse(
                            f"PDF 页面上的表格线过多（超过 {MAX_PDF_PAGE_CROSSINGS} 个交点的上限），拒绝读取")
                    intersections[vertex] = {"v": [], "h": []}
                intersections[vertex]["v"].append(v)
                intersections[vertex]["h"].append(h)
    return intersections


_original_get_widths = pdffont.get_widths
_original_get_widths2 = pdffont.get_widths2


def _width_entries(seq: list[Any], group: int, resolve: bool) -> int:
    """How many entries pdfminer's get_widths (group 3) or get_widths2 (group 5) makes of a /W or
    /W2 array: a list after a first code gives one per width, `first last width…` one per code."""
    entries = 0
    numbers: list[Any] = []
    for value in seq:
        value = resolve1(value) if resolve else value
        if isinstance(value, list):
            if numbers:
                entries += len(value) // (1 if group == 3 else 3)
                numbers = []
        elif isinstance(value, int | float):
            numbers.append(value)
            if len(numbers) == group:
                first, last = numbers[0], numbers[1]
                if isinstance(first, int) and isinstance(last, int):
                    entries += max(0, last - first + 1)
                numbers = []
    return entries


def _get_widths(seq: Any) -> Any:
    """pdfminer's get_widths; inside parse_pdf the widths it would make are counted against the
    budget first (`/W [1 2147483647 1000]` is two billion of them)."""
    budget = _BUDGET.get()
    if budget is not None:
        seq = list(seq)
        budget.interpret(_width_entries(seq, 3, resolve=True))
    return _original_get_widths(seq)


def _get_widths2(seq: Any) -> Any:
    budget = _BUDGET.get()
    if budget is not None:
        seq = list(seq)
        budget.interpret(_width_entries(seq, 5, resolve=False))
    return _original_get_widths2(seq)


_original_add_cid2unichr = FileUnicodeMap.add_cid2unichr
_original_add_code2cid = FileCMap.add_code2cid


def _add_cid2unichr(self: FileUnicodeMap, cid: int, code: Any) -> None:
    """A character map's entry (a bfrange or cidrange may span four billion codes), counted."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.interpret()
    _original_add_cid2unichr(self, cid, code)


def _add_code2cid(self: FileCMap, code: str, cid: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.interpret()
    _original_add_code2cid(self, code, cid)


pdffont.get_widths = _get_widths
pdffont.get_widths2 = _get_widths2
FileUnicodeMap.add_cid2unichr = _add_cid2unichr  # type: ignore[method-assign]
FileCMap.add_code2cid = _add_code2cid  # type: ignore[method-assign]
pdftypes.zlib = _BoundedZlib  # type: ignore[assignment]
pdftypes.decompress_corrupted = _decompress_corrupted
pdftypes.lzwdecode = _lzwdecode
pdftypes.rldecode = _rldecode
pdfplumber.table.edges_to_intersections = _edges_to_intersections


# --- budgeted interpretation: a device that counts what is drawn, a parser the content read ------
class _Device(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's device, counting every character, image, path and form against the budget
    before the object is made."""

    budget: _Budget
    _in_path = False

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        self.budget.draw()
        return super().render_char(*args, **kwargs)

    def render_image(self, *args: Any, **kwargs: Any) -> None:
        self.budget.draw()
        super().render_image(*args, **kwargs)

    def begin_figure(self, *args: Any, **kwargs: Any) -> None:
        self.budget.draw()
        super().begin_figure(*args, **kwargs)

    def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Sequence[Any]) -> None:
        if self._in_path:  # pdfminer paints each subpath of a path by calling this again
            super().paint_path(gstate, stroke, fill, evenodd, path)
            return
        self.budget.draw(max(1, sum(1 for segment in path if segment[0] == "m")))
        self._in_path = True
        try:
            super().paint_path(gstate, stroke, fill, evenodd, path)
        finally:
            self._in_path = False


_original_nexttoken = PSBaseParser.nexttoken


def _nexttoken(self: PSBaseParser) -> Any:
    """pdfminer's tokenizer (of objects and of page content), each token counted inside parse_pdf."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.interpret()
    return _original_nexttoken(self)


PSBaseParser.nexttoken = _nexttoken  # type: ignore[method-assign]


class _ContentParser(PDFContentParser):
    """pdfminer's parser of page content, the data of inline images read in linear time; installed
    in pdfminer.pdfinterp at import."""

    def get_inline_data(self, pos: int, target: bytes = b"EI") -> tuple[int, bytes]:
        """pdfminer's, the data of an inline image up to `target` and a white-space byte, gathered in
        a bytearray (pdfminer copies the data gathered so far for each byte after a first byte of
        `target`: quadratic), each step counted against the budget."""
        budget = _BUDGET.get()
        self.seek(pos)
        i = 0
        data = bytearray()
        while i <= len(target):
            if budget is not None:
                budget.interpret()
            self.fillbuf()
            if i:
                c = self.buf[self.charpos:self.charpos + 1]
                data += c
                self.charpos += 1
                if (len(target) <= i and c.isspace()) or (i < len(target) and c == target[i:i + 1]):
                    i += 1
                else:
                    i = 0
            else:
                j = self.buf.find(target[:1], self.charpos)
                if j < 0:
                    data += self.buf[self.charpos:]
                    self.charpos = len(self.buf)
                else:
                    data += self.buf[self.charpos:j + 1]
                    self.charpos = j + 1
                    i = 1
        found = bytes(data[: -(len(target) + 1)])  # strip the last part
        return (pos, re.sub(rb"(\x0d\x0a|[\x0d\x0a])$", b"", found))


pdfinterp.PDFContentParser = _ContentParser  # type: ignore[misc]


class _Page(PlumberPage):
    """A pdfplumber page laid out by the budgeted device and interpreter."""

    budget: _Budget

    @property
    def layout(self) -> LTPage:
        if hasattr(self, "_layout"):
            return self._layout
        device = _Device(self.pdf.rsrcmgr, pageno=self.page_number, laparams=self.pdf.laparams)
        device.budget = self.budget
        self.budget.page_objects = 0
        PDFPageInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
        self._layout: LTPage = device.get_result()
        return self._layout


# --- reading ---------------------------------------------------------------------------------------
def parse_pdf(data: bytes) -> Document:
    budget = _Budget()
    token = _BUDGET.set(budget)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return _parse(data, budget)
            except InputError:
                raise
            except Exception as exc:  # pdfminer raises many kinds for damaged files
                if budget.refusal is not None:  # a budget exceeded, the exception wrapped or replaced
                    raise budget.refusal from None
                raise InputError(_damaged(exc)) from None
            finally:
                for warning in caught:
                    log.warning("%s: %s", warning.category.__name__, warning.message)
    finally:
        _BUDGET.reset(token)


def _parse(data: bytes, budget: _Budget) -> Document:
    pdf = pdfplumber.open(io.BytesIO(data))
    count = _page_count(pdf.doc, data)
    pages = _open_pages(pdf, budget)
    if len(pages) > MAX_PDF_PAGES or count > MAX_PDF_PAGES:
        raise InputError(f"PDF 页数过多（超过{MAX_PDF_PAGES}页的上限），不像是一份年度报告")
    try:
        blocks, chars, images, layout_text = _read_pages(pages)
    finally:
        for page in pages:
            page.close()
        pdf.flush_cache()
    if budget.refusal is not None:  # refused inside a library that went on
        raise budget.refusal
    if chars < _MIN_TEXT_CHARS:
        if images or not chars:
            raise InputError("扫描件，无文字层（PDF 中只有图片，需要文字识别）")
        raise InputError(f"PDF 中文字过少（{chars}个字符），不是一份年度报告")
    if layout_text is not None:  # no ruled table: laid-out text
        document = parse_text("\n".join(layout_text))
        document.media_type = "application/pdf"
        return document
    title = next((b.text for b in blocks if isinstance(b, Paragraph) and "年度报告" in b.text), None)
    return Document("application/pdf", blocks, title=title)


def _page_count(doc: PDFDocument, data: bytes) -> int:
    """The pages of the page tree, counted without opening them (as pdfminer walks the tree), up to
    one more than MAX_PDF_PAGES. A node listed twice (a page in /Kids a million times, a loop) is
    refused, and so is a /Kids array longer than MAX_PDF_PAGES, seen in the file's bytes before
    pdfminer parses it. 0 when the catalog has no page tree (pdfminer then looks for page objects)."""
    if "Pages" not in doc.catalog:
        return 0
    seen: set[int] = set()
    count = 0
    stack: list[object] = [doc.catalog["Pages"]]
    while stack and count <= MAX_PDF_PAGES:
        ref = stack.pop()
        if isinstance(ref, PDFObjRef):
            if ref.objid in seen:
                raise InputError(_TREE_REPEATS)
            seen.add(ref.objid)
            _check_raw_kids(doc, data, ref.objid)
        node = resolve1(ref)
        if not isinstance(node, dict):
            continue
        kind = node.get("Type", node.get("type"))
        if kind is _LITERAL_PAGES and "Kids" in node:
            kids = resolve1(node["Kids"])
            if isinstance(kids, list):
                stack.extend(reversed(kids))
        elif kind is _LITERAL_PAGE:
            count += 1
    return count


_TREE_REPEATS = "PDF 页面树损坏（同一页面或节点被列出多次），拒绝读取"
_RAW_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_RAW_REF = re.compile(rb"(\d+)\s+\d+\s+R\b")


def _check_raw_kids(doc: PDFDocument, data: bytes, objid: int) -> None:
    """A page-tree node stored as such in the file (not in an object stream): its /Kids array read
    from the bytes with a regular expression, refused when it lists more than MAX_PDF_PAGES
    children or one twice (pdfminer would take seconds to parse a million references)."""
    for xref in doc.xrefs:
        try:
            stream_id, position, _ = xref.get_pos(objid)
        except KeyError:
            continue
        if stream_id is not None or not isinstance(position, int):
            return
        end = data.find(b"endobj", position)
        kids = _RAW_KIDS.search(data, position, end if end >= 0 else len(data))
        if kids is None:
            return
        refs = _RAW_REF.findall(kids.group(1))
        if len(refs) > MAX_PDF_PAGES:
            raise InputError(f"PDF 页数过多（页面树的一个节点列出{len(refs)}项，上限{MAX_PDF_PAGES}页），"
                             "不像是一份年度报告")
        if len(set(refs)) < len(refs):
            raise InputError(_TREE_REPEATS)
        return


def _open_pages(pdf: pdfplumber.PDF, budget: _Budget) -> list[_Page]:
    """Up to MAX_PDF_PAGES + 1 pages, as pdfplumber makes them (pdf.pages would make them all)."""
    pages: list[_Page] = []
    doctop: float = 0
    for number, page_obj in enumerate(islice(PDFPage.create_pages(pdf.doc), MAX_PDF_PAGES + 1), start=1):
        page = _Page(pdf, page_obj, page_number=number, initial_doctop=doctop)
        if max(page.width, page.height) > _MAX_PAGE_SIDE:
            raise InputError(f"PDF 页面尺寸异常（第{number}页超过 {_MAX_PAGE_SIDE} 单位），拒绝读取")
        page.budget = budget
        pages.append(page)
        doctop += page.height
    return pages


def _damaged(exc: Exception) -> str:
    """A one-line reason for a PDF pdfminer could not open (pdfplumber wraps its exceptions)."""
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
        return "PDF 已加密，需要密码才能打开"
    detail = str(cause).splitlines()[0][:80] if str(cause) else type(cause).__name__
    return f"PDF 文件已损坏，无法读取（{detail}）"


def _read_pages(pages: Sequence[PlumberPage]) -> tuple[list[Block], int, int, list[str] | None]:
    """The document's blocks, its count of characters and of images, and its pages as laid-out
    text while no ruled table has been found (None once one is: the blocks are the reading)."""
    blocks: list[Block] = []
    lines: list[str] = []
    layout_text: list[str] | None = []
    chars = images = 0
    last_table: Table | None = None
    for page in pages:
        chars += len(page.chars)
        images += len(page.images)
        first_on_page = True
        for item in _page_items(page):
            if isinstance(item, str):
                if not _PAGE_NUMBER.match(item):
                    lines.append(item)
                continue
            if first_on_page and last_table is not None and not lines:
                _rejoin_broken_row(last_table, item)
            blocks.extend(_paragraphs(lines))
            lines.clear()
            if item.rows:
                blocks.append(item)
                last_table = item
                layout_text = None
            first_on_page = False
        if layout_text is not None:  # read now, while the page's layout is at hand
            layout_text.append(_layout_text(page))
        page.close()  # prose lines carry over: a paragraph may continue on the next page
    blocks.extend(_paragraphs(lines))
    return blocks, chars, images, layout_text


_SPACES_LINE = re.compile(r"^ +$", re.MULTILINE)


def _layout_text(page: PlumberPage) -> str:
    """The page as laid-out text. Characters whose middle is off the page are left out: pdfplumber
    pads a line with spaces up to each character (one drawn at x = 10⁸ made a line of ten million
    spaces). Lines of spaces only are left empty: they are a page's width of spaces each, and text
    reading skips them."""
    x0, top, x1, bottom = page.bbox

    def on_page(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        return x0 <= (obj["x0"] + obj["x1"]) / 2 <= x1 and top <= (obj["top"] + obj["bottom"]) / 2 <= bottom

    text = page.filter(on_page).extract_text(layout=True) or ""
    return _SPACES_LINE.sub("", text)


def _page_items(page: PlumberPage) -> list[str | Table]:
    """The page's text lines and tables, top to bottom."""
    tables = page.find_tables()
    items: list[tuple[float, int, str | Table]] = [(t.bbox[1], 1, _grid(t)) for t in tables]
    boxes = [table.bbox for table in tables]

    def outside(obj: dict) -> bool:  # judged by the object's centre: table borders touch nearby lines
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    prose = page.filter(outside) if boxes else page
    items.extend((line["top"], 0, line["text"]) for line in prose.extract_text_lines(return_chars=False))
    items.sort(key=lambda item: (item[0], item[1]))
    return [item for _, _, item in items]


def _grid(table: PlumberTable) -> Table:
    """An aligned grid: every position covered by a merged cell gets that cell's id and text."""
    rows = table.rows
    texts = _cell_texts(table)
    width = max((len(row.cells) for row in rows), default=0)
    grid: list[list[str]] = []
    ids: list[list[int]] = []
    boxes: list[tuple[tuple[float, float, float, float], int, str]] = []
    next_id = 0
    for r, row in enumerate(rows):
        grid.append([])
        ids.append([])
        for c in range(width):
            box = row.cells[c] if c < len(row.cells) else None
            if box is not None:
                text = " ".join((texts[r][c] or "").split())
                boxes.append((box, next_id, text))
                grid[r].append(text)
                ids[r].append(next_id)
                next_id += 1
            else:
                grid[r].append("")
                ids[r].append(-1)
    xs = sorted({box[0] for box, _, _ in boxes})
    for r, row in enumerate(rows):
        top = row.bbox[1]
        for c in range(width):
            if ids[r][c] >= 0 or c >= len(xs):
                continue
            covering = _covering(boxes, xs[c] + 0.5, top + 0.5)
            if covering is not None:
                ids[r][c], grid[r][c] = covering
            else:
                ids[r][c] = -1 - c  # an absent position, as in a ragged HTML row
    return Table(grid, ids)


def _cell_texts(table: PlumberTable) -> list[list[str | None]]:
    """What table.extract() returns, each row's characters found by bisection among the page's
    characters sorted by their vertical middle (pdfplumber scans every character of the page for
    every row). A character belongs to the row and cell its middle is in, as there."""
    chars = table.page.chars
    middles = sorted(((char["top"] + char["bottom"]) / 2, i) for i, char in enumerate(chars))
    keys = [middle for middle, _ in middles]
    texts: list[list[str | None]] = []
    for row in table.rows:
        top, bottom = row.bbox[1], row.bbox[3]
        band = sorted(i for _, i in middles[bisect.bisect_left(keys, top):bisect.bisect_left(keys, bottom)])
        row_chars = [chars[i] for i in band if _in_box(chars[i], row.bbox)]
        line: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                line.append(None)
                continue
            cell_chars = [char for char in row_chars if _in_box(char, cell)]
            line.append(pdfplumber.utils.extract_text(cell_chars) if cell_chars else "")
        texts.append(line)
    return texts


def _in_box(char: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    """pdfplumber's test of a character in a table cell or row: its middle, right and bottom edges open."""
    v_mid = (char["top"] + char["bottom"]) / 2
    h_mid = (char["x0"] + char["x1"]) / 2
    x0, top, x1, bottom = box
    return bool(h_mid >= x0 and h_mid < x1 and v_mid >= top and v_mid < bottom)


def _covering(boxes: list[tuple[tuple[float, float, float, float], int, str]], x: float,
              y: float) -> tuple[int, str] | None:
    for (x0, top, x1, bottom), ident, text in boxes:
        if x0 <= x < x1 and top <= y < bottom:
            return ident, text
    return None


def _rejoin_broken_row(previous: Table, table: Table) -> None:
    """A page break inside a table row leaves its label split over two pages, the values on one of
    them. When the previous page's last row and the next page's first row (after any repeated
    header rows) are such halves, one with values and one without, they become one row: each
    cell's text continued in its own column where both pages have the same columns, else the
    label text joined to the label of the half with the values."""
    index = next((i for i, row in enumerate(table.rows) if not _is_header(row)), None)
    if index is None or not previous.rows or not previous.ids or not table.ids:
        return
    upper, lower = previous.rows[-1], table.rows[index]
    if _is_header(upper) or not any(upper) or not any(lower) or _has_number(upper) == _has_number(lower):
        return
    if len(upper) == len(lower):
        merged = [a if not b or b in a else b if not a else a + b for a, b in zip(upper, lower, strict=True)]
    elif _has_number(upper):
        merged = _with_label(upper, previous.ids[-1], _label_text(lower), at_end=True)
    else:
        merged = _with_label(lower, table.ids[index], _label_text(upper), at_end=False)
    if _has_number(upper):  # the values stayed above: the rest of the label moves up
        previous.rows[-1] = merged
        del table.rows[index], table.ids[index]
    else:  # the values went below: the start of the label moves down
        table.rows[index] = merged
        del previous.rows[-1], previous.ids[-1]


def _is_header(row: list[str]) -> bool:
    text = label_key("".join(row))  # wrapped labels read 「结果维 持」
    return any(word in text for word in _HEADER_WORDS) and not _has_number(row)


def _has_number(row: list[str]) -> bool:
    return any(read_cell(cell).kind == "number" for cell in row if cell)


def _label_text(row: list[str]) -> str:
    return "".join(dict.fromkeys(cell for cell in row if cell and read_cell(cell).kind == "text"))


def _with_label(row: list[str], ids: list[int], text: str, at_end: bool) -> list[str]:
    """The row with `text` added to its last label (at_end) or its first, in every grid position
    of that (possibly merged) cell."""
    cols = [c for c, cell in enumerate(row) if cell and read_cell(cell).kind == "text"]
    if not cols:
        return row
    target = ids[cols[-1] if at_end else cols[0]]
    return [(cell + text if at_end else text + cell) if ident == target else cell
            for cell, ident in zip(row, ids, strict=True)]


def _paragraphs(lines: list[str]) -> Iterator[Paragraph]:
    """Visual lines rejoined into paragraphs: a paragraph ends at sentence-final punctuation, and
    a heading or a numbered item starts a new one."""
    current = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        starts = is_heading(line) or bool(_PARAGRAPH_START.match(line))
        if current and (starts or current.endswith(_SENTENCE_END)):
            yield Paragraph(current)
            current = ""
        current += line
        if is_heading(current):
            yield Paragraph(current)
            current = ""
    if current:
        yield Paragraph(current)
