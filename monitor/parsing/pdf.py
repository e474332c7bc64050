"""PDF reports (text layer) to a Document, with pdfplumber.

Ruled tables become aligned grids: pdfplumber reports a merged cell once, at its top-left grid
position, and the positions it covers as None; each covered position is given the id and text of
the cell that covers it, as rowspan/colspan are expanded for HTML. Lines outside tables become
paragraphs, rejoined where a sentence wraps. A table row broken by a page break is rejoined, and
page numbers (「- 4 -」) are dropped. A PDF without ruled tables is read as laid-out text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.table import Table as PlumberTable
from pdfplumber.utils.exceptions import PdfminerException

from monitor.errors import InputError
from monitor.parsing.cells import label_key, read_cell
from monitor.parsing.document import Block, Document, Paragraph, Table
from monitor.parsing.sections import is_heading
from monitor.parsing.text import parse_text

MAX_PDF_PAGES = 150
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


def parse_pdf(data: bytes) -> Document:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = pdf.pages
    except Exception as exc:  # pdfminer raises many kinds for damaged files
        raise InputError(_damaged(exc)) from None
    with pdf:
        if len(pages) > MAX_PDF_PAGES:
            raise InputError(f"PDF 页数过多（{len(pages)}页，上限{MAX_PDF_PAGES}页），不像是一份年度报告")
        try:
            blocks, chars, images = _read_pages(pages)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(_damaged(exc)) from None
        if chars < _MIN_TEXT_CHARS:
            if images or not chars:
                raise InputError("扫描件，无文字层（PDF 中只有图片，需要文字识别）")
            raise InputError(f"PDF 中文字过少（{chars}个字符），不是一份年度报告")
        if not any(isinstance(block, Table) for block in blocks):
            text = "\n".join(page.extract_text(layout=True) or "" for page in pages)
            document = parse_text(text)
            document.media_type = "application/pdf"
            return document
    title = next((b.text for b in blocks if isinstance(b, Paragraph) and "年度报告" in b.text), None)
    return Document("application/pdf", blocks, title=title)


def _damaged(exc: Exception) -> str:
    """A one-line reason for a PDF pdfminer could not open (pdfplumber wraps its exceptions)."""
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
        return "PDF 已加密，需要密码才能打开"
    detail = str(cause).splitlines()[0][:80] if str(cause) else type(cause).__name__
    return f"PDF 文件已损坏，无法读取（{detail}）"


def _read_pages(pages: list[pdfplumber.page.Page]) -> tuple[list[Block], int, int]:
    """The document's blocks, its count of characters and of images."""
    blocks: list[Block] = []
    lines: list[str] = []
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
            first_on_page = False
        page.close()  # prose lines carry over: a paragraph may continue on the next page
    blocks.extend(_paragraphs(lines))
    return blocks, chars, images


def _page_items(page: pdfplumber.page.Page) -> list[str | Table]:
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
    texts = table.extract()
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
