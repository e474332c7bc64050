"""Hostile documents against the reader: thousands of mutated reports, each checked in a child process.

    .venv/bin/python bench/fuzz.py [--count 10000] [--seed 1] [--jobs 2] [--timeout 30] [--memory-mb 2048]
                                   [--save-failures DIR] [--no-growth] [--only INDEX] [--json FILE]
    .venv/bin/python bench/fuzz.py --fixtures [DIR]     # every file of tests/fixtures/hostile/, same checks

The inputs are derived from real and generated reports: the two real reports of tests/fixtures/corpus/,
tests/fixtures/quirks/*.html and *.txt, synthetic HTML and text reports (tests/synth.py), DOCX and PDF
reports (tests/synth_documents.py: python-docx and reportlab), and documents built here byte by byte
(minimal DOCX packages, PDF files written object by object). Each is then mutated: byte flips,
truncation, charset games (declared, sent as the content type, re-encoded; non-text codecs such as
base64, rot13, zlib), odd numbers (thousands separators, full-width digits, 400-digit numbers,
exponents), table explosions (huge, negative and garbage rowspan/colspan, many rows and columns),
nested tables, deep nesting, long lines and digit runs, control characters, broken and bombed DOCX
packages (truncated zips, garbage parts, nested text boxes, zip bombs), broken PDF files (truncated,
flipped, page trees whose /Kids repeat or loop, FlateDecode bombs, thousands of operators).
Input i is made from `random.Random(f"{seed}/{i}")` alone: `--only i` makes it again.

Every input runs `monitor.pipeline.check_document` in a child forked for it (fork per input: its CPU
time and peak RSS come from `os.wait4` exactly, with nothing carried over from other inputs; `--jobs`
children at a time), with `RLIMIT_AS` at `--memory-mb`; a child is killed after `--timeout` CPU
seconds, or 4 × that in wall time (CPU time, because the machine may be shared: wall time measures the
neighbours too). The outcome classes:

* `read`: a CheckResult whose `to_json_dict()` serialises with `json.dumps(allow_nan=False)` (and
  encodes to UTF-8, as `monitor check --json` prints it);
* `refused`: `InputError` whose message is one non-empty line;
* `refused-not-one-line`, `non-json`, `traceback` (any other exception: its type and the innermost
  frame in monitor/ or rules/), `timeout` (`--timeout` CPU seconds used, or 4 × that in wall time),
  `out-of-memory` (MemoryError, or a peak RSS more than half of `--memory-mb` above the child's
  starting RSS, whatever the outcome), `worker-died` (a signal).

The last six are failures. Then a time-growth check: for each pathological family the same input at
size N and 2N, each in a fresh child; the CPU-time ratio should be about 2 when the reader is linear.

`measure(count=…, seed=…)` returns the figures as a dict (see `measure`); `main()` prints them.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import random
import re
import resource
import selectors
import signal
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common

ROOT = common.ROOT
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
QUIRKS = ROOT / "tests" / "fixtures" / "quirks"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"

FAILURES = ("refused-not-one-line", "non-json", "traceback", "timeout", "out-of-memory", "worker-died")
OUTCOMES = ("read", "refused", *FAILURES)


# =============================================================================================
# Hostile pieces: numbers, charsets, characters
# =============================================================================================
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
# Numbers as reports never should write them, and as hostile ones do.
ODD_NUMBERS = (
    "0", "-0", "-1", "-12", "+7", "007", "0" * 60 + "7", "3.", ".5", "1.2.3", "1,23,4", "12 345", "12\u2009345",
    "1,234", "1,234,567", "１２３", "１，２３４", "٣٤٥", "৪২", "①", "²", "〇", "一百二十", "1_000", "0x1F",
    "1e5", "1E-5", "1e308", "1e309", "9e999", "-1e400", "NaN", "nan", "inf", "-Infinity", "∞", "1/0",
    "9" * 20, "9" * 309, "9" * 400, "1" + "0" * 400, "9" * 400 + ".5", "0." + "0" * 400 + "1", "1" * 4400,
    "18446744073709551616", "-9223372036854775809", "99999999999999999999.99", "1,000,000,000,000,000,000,000",
)
# Charset names: real text codecs, Python codecs that are not text codecs, and garbage.
CHARSETS = (
    "utf-8", "gbk", "gb2312", "gb18030", "big5", "utf-16", "utf-16le", "utf-16-be", "utf-32", "latin-1", "ascii",
    "shift_jis", "euc-kr", "koi8-r", "utf-7", "cp037", "utf_8_sig", "hz", "iso2022_jp", "unicode_escape",
    "raw_unicode_escape", "idna", "punycode", "base64", "rot13", "rot_13", "zlib", "zip", "bz2", "hex", "uu",
    "quopri", "undefined", "mbcs", "x-user-defined", "utf--8", "", "utf-8\x00", "a" * 300, "-", "_",
)
CONTROL = "".join(map(chr, (*range(0, 9), 11, 12, *range(14, 32), 127))) + "\u0085\u2028\u2029\ufeff\u200b\ufffe\uffff"


def odd_number(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(ODD_NUMBERS)
    n = rng.randint(0, 10 ** rng.randint(1, 12))
    if roll < 0.7:
        return f"{n:,}"
    if roll < 0.85:
        return str(n).translate(FULL_WIDTH)
    return f"{n}e{rng.randint(-400, 400)}"


# =============================================================================================
# Builders: whole documents from parts (used here and by tests/test_fuzz.py)
# =============================================================================================
@functools.cache
def real_reports() -> dict[str, bytes]:
    """The real and hand-made reports of the repository, by file name."""
    files = [*sorted(CORPUS.glob("*.html")), *sorted(CORPUS.glob("*.txt")), *sorted(QUIRKS.glob("*.html")),
             *sorted(QUIRKS.glob("*.txt"))]
    return {path.name: path.read_bytes() for path in files if path.stat().st_size}


@functools.cache
def seed_text() -> str:
    """The seed report of the project (tab-separated tables, the 3351 vs 3652 sentence)."""
    return (CORPUS / "weibin-office-2025.txt").read_text("utf-8")


@functools.cache
def template_page() -> str:
    """A synthetic report page with the template's tables (rowspan/colspan), in CMS chrome."""
    import synth

    rng = random.Random("fuzz/template-page")
    return synth.render_html_template(synth.random_doc(rng), rng).decode("utf-8")


_BODY_START = 'trs_word">'


def report_html(extra: str, *, at_start: bool = True, page: str | None = None) -> str:
    """The template page with `extra` HTML inside its article body (before or after the report)."""
    page = page or template_page()
    i = page.index(_BODY_START) + len(_BODY_START) if at_start else page.index('<div id="appendix-list">')
    return page[:i] + extra + page[i:]


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f'xmlns:w="{W_NS}"'
_NS_BOX = (f'{_W} xmlns:v="urn:schemas-microsoft-com:vml" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
SECTION_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")


def w_paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t xml:space=\"preserve\">{_xml_text(text)}</w:t></w:r></w:p>"


def _xml_text(text: str) -> str:
    text = "".join(ch for ch in text if ch in "\t\n\r" or (ch >= " " and ch not in "\ufffe\uffff"))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def w_table(rows: list[list[tuple[str, int, str | None]]]) -> str:
    """A w:tbl from rows of (text, gridSpan, vMerge or None) cells."""
    out = ["<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr>"]
    for row in rows:
        out.append("<w:tr>")
        for text, span, merge in row:
            props = (f'<w:gridSpan w:val="{span}"/>' if span != 1 else "") + (
                "<w:vMerge/>" if merge == "continue" else f'<w:vMerge w:val="{merge}"/>' if merge else "")
            out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{w_paragraph(text)}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def nested_textboxes(depth: int, text: str = "全年主动公开政府信息100条，其中政策文件40条、工作动态30条。") -> str:
    """A paragraph holding a text box holding a paragraph holding a text box… `depth` levels (VML)."""
    inner = w_paragraph(text)
    for level in range(depth):
        inner = (f'<w:p><w:r><w:t>第{level}层</w:t></w:r><w:r><w:pict><v:shape id="b{level}" type="#_x0000_t202">'
                 f"<v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>")
    return inner


def report_body_xml(extra: str = "", *, text: str | None = None) -> str:
    """The six headings with a sentence each, then `extra` (WordprocessingML) in section 二."""
    parts = [w_paragraph("某某局2024年政府信息公开工作年度报告")]
    for i, heading in enumerate(SECTION_HEADINGS):
        parts.append(w_paragraph(heading))
        parts.append(w_paragraph(text or "全年主动公开政府信息3351条，其中政策文件2121条、工作动态779条。"))
        if i == 1:
            parts.append(extra)
    return "".join(parts)


@functools.cache
def _blank_docx() -> bytes:
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def docx_package(body_xml: str) -> bytes:
    """A DOCX (python-docx's default package) whose word/document.xml body is `body_xml`."""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f"<w:document {_NS_BOX}><w:body>{body_xml}<w:sectPr/></w:body></w:document>")
    return rezip(_blank_docx(), {"word/document.xml": document.encode("utf-8")})


def rezip(data: bytes, replace: dict[str, bytes | None], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The zip `data` with members replaced (None: removed) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            if info.filename in replace:
                continue
            target.writestr(info.filename, source.read(info.filename))
        for name, content in replace.items():
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


@functools.cache
def many_members_zip(n: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(n):
            archive.writestr(f"word/m{i}.xml", b"")
    return out.getvalue()


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


@functools.cache
def docx_zip_bomb(size: int, *, declared: int | None = None) -> bytes:
    """A DOCX whose word/document.xml inflates to about `size` bytes (a title, then the same paragraph
    over and over; size < 2 GiB). With `declared`, the zip says the part unpacks to `declared` bytes."""
    paragraph = "<w:p><w:r><w:t>政府信息公开工作年度报告</w:t></w:r></w:p>".encode()
    chunk = paragraph * (2**20 // len(paragraph))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in zip_members(_blank_docx()).items():
            if name != "word/document.xml":
                archive.writestr(name, content)
        with archive.open("word/document.xml", "w") as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>'.encode())
            written = 0
            while written < size:
                part.write(chunk)
                written += len(chunk)
            part.write(b"</w:body></w:document>")
    data = bytearray(out.getvalue())
    if declared is not None:  # the uncompressed-size fields of the local header and the central directory
        name = b"word/document.xml"
        local = data.rfind(b"PK\x03\x04", 0, data.find(name))
        central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
        data[local + 22:local + 26] = declared.to_bytes(4, "little")
        data[central + 24:central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


# --- PDF, object by object -------------------------------------------------------------------
# The CID font STSong-Light (no font file: readers know its metrics, pdfminer maps its codes to text).
PDF_FONT = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
            b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 "
            b"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
            b"/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >> >>] >>")


def pdf_stream(content: bytes, *, compress: bool = False, declared: int | None = None) -> bytes:
    extra = b""
    if compress:
        content = zlib.compress(content, 9)
        extra = b" /Filter /FlateDecode"
    length = len(content) if declared is None else declared
    return b"<< /Length %d%s >>\nstream\n" % (length, extra) + content + b"\nendstream"


def pdf_text(x: float, y: float, text: str, size: int = 11) -> bytes:
    """A text-showing operator sequence for one line (UCS-2 hex codes for the UniGB-UCS2-H CMap)."""
    codes = "".join(f"{min(ord(ch), 0xFFFF):04X}" for ch in text)
    return b"BT /F1 %d Tf %.1f %.1f Td <%s> Tj ET\n" % (size, x, y, codes.encode())


def pdf_report_lines(lines: list[str] | None = None) -> bytes:
    """A page's content: a report title, the six headings, a sentence under each."""
    lines = lines or ["某某局2024年政府信息公开工作年度报告"] + [
        line for heading in SECTION_HEADINGS
        for line in (heading, "全年主动公开政府信息3351条，其中政策文件2121条、工作动态779条。")]
    return b"".join(pdf_text(60, 780 - 20 * i, line) for i, line in enumerate(lines))


def raw_pdf(objects: list[bytes], *, root: int = 1, xref: bool = True) -> bytes:
    """PDF bytes from object bodies (object i+1 is objects[i]); the catalogue is object `root`."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, start)
    return bytes(out)


def pdf_document(contents: list[bytes], *, compress: bool = False, kids: bytes | None = None,
                 count: int | None = None, size: tuple[int, int] = (595, 842)) -> bytes:
    """One page per content stream (1 catalogue, 2 page tree, 3 font, then page/content pairs), pages
    of `size` points. `kids` and `count` override the page tree's /Kids array and /Count."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", PDF_FONT]
    refs = []
    for content in contents:
        page = len(objects) + 1
        refs.append(b"%d 0 R" % page)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % (*size, page + 1))
        objects.append(pdf_stream(content, compress=compress))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids if kids is not None else b" ".join(refs),
                                                                count if count is not None else len(refs))
    return raw_pdf(objects)


@functools.cache
def pdf_flate_bomb(size: int) -> bytes:
    """A one-page report PDF with a second content stream that inflates to `size` bytes of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * min(size, 2**20)
    parts, left = [], size
    while left > 0:
        parts.append(compressor.compress(chunk[:left]))
        left -= len(chunk)
    bomb = b"".join(parts) + compressor.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>", PDF_FONT,
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
               b"/Contents [5 0 R 6 0 R] >>", pdf_stream(pdf_report_lines()),
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"]
    return raw_pdf(objects)


# =============================================================================================
# Pathological families, each at a size n (the time-growth check runs n and 2n)
# =============================================================================================
@dataclass(frozen=True)
class Doc:
    data: bytes
    content_type: str | None = None
    location: str = "https://www.example.gov.cn/zfxxgk/fuzz.html"


def family_spans(n: int) -> Doc:
    """n rows under a cell with rowspan=n and colspan=1000 (the grid is n × 1001)."""
    rows = [f'<tr><td rowspan="{n}" colspan="1000">本年新收</td><td>1</td></tr>']
    rows += ['<tr><td colspan="99999">第二十条</td></tr>'] * (n - 1)
    return Doc(report_html(f"<table>{''.join(rows)}</table>").encode())


def family_table_cells(n: int) -> Doc:
    """A table of n rows × 60 cells of numbers, labelled like 表三 rows."""
    row = "<tr><td>予以公开</td>" + "<td>1,234</td>" * 59 + "</tr>"
    return Doc(report_html(f"<table>{row * n}</table>").encode())


def family_digits(n: int) -> Doc:
    """The seed report with a run of n digits (no unit after it) in its 共…其中 sentence."""
    text = seed_text().replace("全年主动公开各类政务信息", "全年主动公开各类政务信息" + "1" * n + "份，", 1)
    return Doc(text.encode(), location="https://www.example.gov.cn/fuzz.txt")


def family_title(n: int) -> Doc:
    """The seed report under a title line of n characters without a space."""
    return Doc((("某" * n) + "2024年度政府信息公开工作年度报告\n" + seed_text()).encode(),
               location="https://www.example.gov.cn/fuzz.txt")


def family_textboxes(n: int) -> Doc:
    """A DOCX report with text boxes nested n deep."""
    return Doc(docx_package(report_body_xml(nested_textboxes(n))), location="https://www.example.gov.cn/fuzz.docx")


def family_deep_html(n: int) -> Doc:
    """Report page with n nested <span> (libxml2 stops at depth 255), each starting with a section
    numeral (「一、」) and 200 more characters."""
    return Doc(report_html(("<span>一、总体情况" + "某" * 200) * n + "</span>" * n).encode())


def family_nested_tables(n: int) -> Doc:
    """Tables nested n deep, each cell starting with a 表三 label."""
    return Doc(report_html("<table><tr><td>本年新收" * n + "</td></tr></table>" * n).encode())


def family_pdf_pages(n: int) -> Doc:
    """A PDF report of n pages, each with the report's lines."""
    return Doc(pdf_document([pdf_report_lines()] * n), location="https://www.example.gov.cn/fuzz.pdf")


def family_pdf_operators(n: int) -> Doc:
    """A one-page PDF report with n more text-showing operators (one character each)."""
    extra = b"".join(pdf_text(60 + (i % 40) * 12, 100 + (i // 40) % 50 * 10, "1", 8) for i in range(n))
    return Doc(pdf_document([pdf_report_lines() + extra]), location="https://www.example.gov.cn/fuzz.pdf")


def family_pdf_rulings(n: int) -> Doc:
    """A PDF report page with a ruled grid of n horizontal and n vertical lines 6 points apart (n²
    crossings), below the report's lines (the page grows with the grid)."""
    side = 6 * n
    lines = b"".join(b"50 %d m %d %d l S\n" % (50 + 6 * i, 50 + side, 50 + 6 * i) for i in range(n + 1))
    lines += b"".join(b"%d 50 m %d %d l S\n" % (50 + 6 * i, 50 + 6 * i, 50 + side) for i in range(n + 1))
    width, height = max(595, side + 100), side + 842
    body = b"1 0 0 1 0 %d cm\n" % side + pdf_report_lines() + b"1 0 0 1 0 %d cm\n" % -side + lines
    return Doc(pdf_document([body], size=(width, height)), location="https://www.example.gov.cn/fuzz.pdf")


@dataclass(frozen=True)
class Family:
    unit: str
    build: Callable[[int], Doc]
    first: int  # the first size the growth check tries (then doubles)
    largest: int  # the growth check never builds more than this
    fuzz_max: int  # the largest size among the fuzzed inputs (powers of 2 from `first`)


GROWTH_FAMILIES: dict[str, Family] = {
    "large spans": Family("rows", family_spans, 32, 2**16, 256),
    "many table cells": Family("rows", family_table_cells, 64, 2**16, 512),
    "long digit runs": Family("digits", family_digits, 256, 2**20, 2048),
    "long title line": Family("characters", family_title, 4096, 2**24, 2**16),
    "nested text boxes": Family("levels", family_textboxes, 2, 2**12, 8),
    "deep HTML nesting": Family("levels", family_deep_html, 8, 250, 128),
    "nested tables": Family("levels", family_nested_tables, 8, 250, 64),
    "many PDF pages": Family("pages", family_pdf_pages, 2, 75, 32),
    "many PDF operators": Family("operators", family_pdf_operators, 256, 2**18, 2048),
    "PDF ruling grid": Family("lines each way", family_pdf_rulings, 4, 2**10, 32),
}


# =============================================================================================
# Mutations
# =============================================================================================
@dataclass
class Case:
    index: int
    family: str
    steps: list[str]
    data: bytes
    content_type: str | None = None
    location: str = "https://www.example.gov.cn/zfxxgk/zfxxgknb/202501/t20250120_1.html"

    @property
    def description(self) -> str:
        return f"{self.family}: " + "; ".join(self.steps)


def _spot(rng: random.Random, size: int) -> int:
    return rng.randrange(size) if size else 0


def flip_bytes(data: bytes, rng: random.Random, steps: list[str]) -> bytes:
    out = bytearray(data)
    k = rng.choice((1, 2, 8, 64))
    for _ in range(k):
        if out:
            out[_spot(rng, len(out))] ^= 1 << rng.randrange(8)
    steps.append(f"flip {k} bits")
    return bytes(out)


def truncate(data: bytes, rng: random.Random, steps: list[str]) -> bytes:
    at = _spot(rng, len(data))
    steps.append(f"truncate at {at}/{len(data)}")
    return data[:at]


def splice(data: bytes, rng: random.Random, steps: list[str]) -> bytes:
    """Insert random or control bytes, or repeat or delete a chunk."""
    at, roll = _spot(rng, len(data)), rng.random()
    if roll < 0.3:
        chunk = rng.randbytes(rng.randint(1, 64))
        steps.append(f"insert {len(chunk)} random bytes at {at}")
        return data[:at] + chunk + data[at:]
    if roll < 0.5:
        chunk = "".join(rng.choice(CONTROL) for _ in range(rng.randint(1, 32))).encode("utf-8", "surrogatepass")
        steps.append(f"insert control characters at {at}")
        return data[:at] + chunk + data[at:]
    end = min(len(data), at + rng.randint(1, 4096))
    if roll < 0.75:
        times = rng.choice((2, 10, 100))
        steps.append(f"repeat bytes {at}:{end} ×{times}")
        return data[:at] + data[at:end] * times + data[end:]
    steps.append(f"delete bytes {at}:{end}")
    return data[:at] + data[end:]


_TD = re.compile(r"<td\b", re.I)
_NUMBER_CELL = re.compile(r"(<td[^>]*>(?:\s*<[^>]+>)*\s*)(\d[\d,.]*)")


def html_mutation(text: str, rng: random.Random, steps: list[str]) -> str:
    """One structure-aware mutation of an HTML page."""
    roll = rng.randrange(12)
    if roll == 0:  # spans: huge, negative, garbage
        values = ("0", "-1", "-99999", "99999", "2147483648", "1e9", "3.7", "abc", "", " 12abc", "٣", "１０", "9" * 50)
        hits = list(_TD.finditer(text))
        for _ in range(rng.randint(1, 6)):
            if not hits:
                break
            hit = rng.choice(hits)
            attr = f' {rng.choice(("rowspan", "colspan"))}="{rng.choice(values)}"'
            text = text[:hit.end()] + attr + text[hit.end():]
        steps.append("garbage rowspan/colspan")
    elif roll == 1:  # odd numbers in cells
        count = 0

        def swap(match: re.Match[str]) -> str:
            nonlocal count
            if rng.random() < 0.3:
                count += 1
                return match.group(1) + odd_number(rng)
            return match.group(0)

        text = _NUMBER_CELL.sub(swap, text)
        steps.append(f"odd numbers in {count} cells")
    elif roll == 2:  # charset games
        charset = rng.choice(CHARSETS)
        text = re.sub(r"<meta[^>]*charset[^>]*>", "", text, flags=re.I)
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        text = text.replace("<head>", "<head>" + meta, 1)
        steps.append(f"meta charset={charset!r}")
    elif roll == 3:  # rows repeated, columns added
        rows = re.findall(r"<tr\b.*?</tr>", text, flags=re.S | re.I)
        if rows:
            row = rng.choice(rows)
            times = rng.choice((10, 100, 1000))
            text = text.replace(row, row * times, 1)
            steps.append(f"a table row ×{times}")
        cells = rng.choice((0, 50, 500))
        if cells:
            text = re.sub(r"</tr>", "<td>1</td>" * cells + "</tr>", text, count=3, flags=re.I)
            steps.append(f"{cells} more cells in 3 rows")
    elif roll == 4:  # nested tables
        depth = rng.choice((2, 5, 30, 200))
        text = report_html("<table><tr><td>本年新收 5" * depth + "</td></tr></table>" * depth, page=text) \
            if _BODY_START in text else text.replace("<td>", "<td><table><tr><td>" * depth, 1)
        steps.append(f"tables nested {depth} deep")
    elif roll == 5:  # deep nesting
        depth = rng.choice((100, 1000, 5000))
        tag = rng.choice(("div", "span", "p", "font", "b"))
        at = _spot(rng, len(text))
        text = text[:at] + f"<{tag}>一、总体情况" * depth + f"</{tag}>" * rng.choice((0, depth)) + text[at:]
        steps.append(f"<{tag}> nested {depth} deep")
    elif roll == 11 and rng.random() < 0.5:  # a long cell repeated by its spans
        cell = rng.choice(("第二十条", "某", "1")) * rng.choices((100, 1000, 10_000), (6, 3, 1))[0]
        rows = rng.choices((10, 100, 1000), (6, 3, 1))[0]
        span = rng.choices((10, 100, 1000), (6, 3, 1))[0]
        table = (f'<table><tr><td rowspan="{rows}" colspan="{span}">{cell}</td></tr>'
                 + "<tr><td>1</td></tr>" * (rows - 1) + "</table>")
        text = report_html(table, page=text) if _BODY_START in text else table + text
        steps.append(f"a {len(cell)}-character cell spanning {rows} rows × {span} columns")
    elif roll == 6:  # long lines and cells
        n = rng.choice((10_000, 100_000, 1_000_000))
        piece = rng.choice(("某", "1", "a", " ", "一、", "，其中", "&nbsp;", "<br>"))
        at = _spot(rng, len(text))
        text = text[:at] + piece * (n // len(piece)) + text[at:]
        steps.append(f"{piece!r} × {n // len(piece)} at {at}")
    elif roll == 7:  # narrative sentences with odd figures
        parts = "、".join(f"类别{i}{odd_number(rng)}条" for i in range(rng.randint(2, 6)))
        sentence = f"<p>全年共主动公开政府信息{odd_number(rng)}条，其中{parts}。本年度受理申请{odd_number(rng)}件。</p>"
        text = report_html(sentence * rng.choice((1, 20)), page=text) if _BODY_START in text else sentence + text
        steps.append("共…其中 sentence with odd figures")
    elif roll == 8:  # control characters and character references
        refs = ("&#0;", "&#xD800;", "&#x110000;", "&#99999999999;", "&#x1F600;", "&#xFFFE;", "\x00", "\x1b[31m",
                "\u202e", "&bogus;", "&#", "<![CDATA[", "<!--", "]]>")
        for _ in range(rng.randint(1, 20)):
            at = _spot(rng, len(text))
            text = text[:at] + rng.choice(refs) + text[at:]
        steps.append("control characters and character references")
    elif roll == 9:  # broken markup
        at = _spot(rng, len(text))
        junk = rng.choice(("<", "</", "<table", "<td colspan=", "<!DOCTYPE", "<?xml", "<html><html>", "</body>",
                           "<meta charset=", "<title>", "<tr>" * 100, "</table>" * 50))
        text = text[:at] + junk + text[at:]
        steps.append(f"markup {junk[:20]!r} at {at}")
    elif roll == 10:  # headings everywhere
        n = rng.choice((10, 1000))
        text = report_html("".join(f"<p>{rng.choice(SECTION_HEADINGS)}</p>" for _ in range(n)), page=text) \
            if _BODY_START in text else text
        steps.append(f"{n} section headings")
    else:  # the title
        title = rng.choice(("", "2024年度", "9999年度政府信息公开工作年度报告", "0000年度政府信息公开工作年度报告",
                            "某" * 100_000 + "2024年度政府信息公开工作年度报告", "1900年政府信息公开工作年度报告"))
        text = re.sub(r"<title>.*?</title>", f"<title>{title}</title>", text, count=1, flags=re.S)
        text = re.sub(r"<h1([^>]*)>.*?</h1>", f"<h1>{title}</h1>", text, count=1, flags=re.S)
        steps.append(f"title {title[:40]!r}")
    return text


def text_mutation(text: str, rng: random.Random, steps: list[str]) -> str:
    """One structure-aware mutation of a plain-text report."""
    roll = rng.randrange(7)
    lines = text.split("\n")
    if roll == 0:  # odd numbers in table lines
        count = 0
        for i, line in enumerate(lines):
            if "\t" in line and rng.random() < 0.3:
                cells = line.split("\t")
                j = rng.randrange(len(cells))
                cells[j] = odd_number(rng)
                lines[i] = "\t".join(cells)
                count += 1
        steps.append(f"odd numbers in {count} table lines")
    elif roll == 1:  # separators
        sep = rng.choice(("  ", " ", "|", "\u3000\u3000", "\t\t", " \t ", "\x0b", "\x0c"))
        lines = [line.replace("\t", sep) for line in lines]
        steps.append(f"tabs → {sep!r}")
    elif roll == 2:  # digit runs (moderate: the long ones are the growth family)
        n = rng.choice((50, 400, 2000))
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + "1" * n + rng.choice(("条", "", "件，其中", "\t"))
        steps.append(f"{n}-digit run on line {i}")
    elif roll == 3:  # 共…其中 sentences
        parts = "、".join(f"项目{i}{odd_number(rng)}{rng.choice('条件项')}" for i in range(rng.randint(2, 8)))
        sentence = f"全年共公开政府信息{odd_number(rng)}条，其中{parts}。共受理申请{odd_number(rng)}件，其中{parts}。"
        i = rng.randrange(len(lines))
        lines[i:i] = [sentence] * rng.choice((1, 50))
        steps.append("共…其中 sentences with odd figures")
    elif roll == 4:  # long lines
        n = rng.choice((10_000, 200_000))
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + rng.choice(("某", "a", "\t", " ", "1 ", "一、")) * n
        steps.append(f"line {i} lengthened by {n}")
    elif roll == 5:  # table lines multiplied
        table = [line for line in lines if "\t" in line]
        if table:
            times = rng.choice((10, 300))
            lines += table * times
            steps.append(f"table lines ×{times}")
    else:  # headings shuffled, duplicated, removed
        headings = [i for i, line in enumerate(lines) if line.strip()[:2] in {h[:2] for h in SECTION_HEADINGS}]
        for i in headings:
            if rng.random() < 0.5:
                lines[i] = rng.choice(SECTION_HEADINGS) * rng.choice((1, 2, 50))
        steps.append("headings changed")
    return "\n".join(lines)


def encode(text: str, rng: random.Random, steps: list[str], *, html: bool) -> tuple[bytes, str | None]:
    """Text to bytes, in a charset that may or may not be the one declared or sent."""
    encoding = rng.choice(("utf-8", "utf-8", "utf-8", "gb18030", "big5", "utf-16", "utf-16-le", "utf-8-sig",
                           "utf-32", "latin-1"))
    data = text.encode(encoding, "replace")
    steps.append(f"encoded {encoding}")
    content_type = None
    if rng.random() < 0.3:
        charset = rng.choice(CHARSETS)
        content_type = f"{'text/html' if html else 'text/plain'}; charset={charset}"
        steps.append(f"content type charset={charset!r}")
    return data, content_type


def docx_mutation(data: bytes, rng: random.Random, steps: list[str]) -> bytes:
    """One mutation of a DOCX package: of the zip, of a part's XML, or of the document's structure."""
    roll = rng.randrange(10)
    members = zip_members(data)
    document = members.get("word/document.xml", b"").decode("utf-8", "replace")
    if roll == 0:
        return truncate(data, rng, steps)
    if roll == 1:
        return flip_bytes(data, rng, steps)
    if roll == 2:  # a part replaced with garbage XML
        part = rng.choice([*members, "word/document.xml", "[Content_Types].xml", "_rels/.rels"])
        garbage = rng.choice((
            b"", b"<", b"<?xml version='1.0'?><w:document/>", rng.randbytes(200), b"<a>" * 10_000,
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><d>&c;&c;&c;</d>',
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
            ("<w:document " + _W + "><w:body>" + "<w:p>" * 3000 + "</w:body></w:document>").encode(),
        ))
        steps.append(f"{part} replaced with {len(garbage)} bytes of garbage")
        return rezip(data, {part: garbage})
    if roll == 3:  # a part removed
        part = rng.choice(list(members))
        steps.append(f"{part} removed")
        return rezip(data, {part: None})
    if roll == 4:  # nested text boxes
        depth = rng.choice((2, 4, 8))
        steps.append(f"text boxes nested {depth} deep")
        return rezip(data, {"word/document.xml": _into_body(document, nested_textboxes(depth)).encode()})
    if roll == 5:  # spans and merges
        cells = [(rng.choice(("本年新收", "1", "", odd_number(rng))), rng.choice((1, 0, -5, 100, 10**6, 2**31)),
                  rng.choice((None, "restart", "continue", "bogus"))) for _ in range(rng.randint(1, 40))]
        long = ""
        if rng.random() < 0.1:  # a long text repeated by its span (costly to read: a few of these only)
            cells[0] = ("本年新收" + "某" * rng.choice((1000, 10_000, 100_000)), 100, None)
            long = f", a {len(cells[0][0])}-character cell spanning 100 columns"
        rows = [cells[i::3] for i in range(3)] * rng.choice((1, 100))
        steps.append(f"a table with gridSpan/vMerge storms ({len(rows)} rows{long})")
        return rezip(data, {"word/document.xml": _into_body(document, w_table(rows)).encode()})
    if roll == 6:  # tables nested in cells
        depth = rng.choice((2, 10, 50))
        nested = "<w:tbl><w:tr><w:tc>" * depth + w_paragraph("本年新收 5") + "</w:tc></w:tr></w:tbl>" * depth
        steps.append(f"tables nested {depth} deep")
        return rezip(data, {"word/document.xml": _into_body(document, nested).encode()})
    if roll == 7:  # odd numbers in the text
        count = 0

        def swap(match: re.Match[str]) -> str:
            nonlocal count
            if rng.random() < 0.3:
                count += 1
                return match.group(1) + _xml_text(odd_number(rng)) + "<"
            return match.group(0)

        document = re.sub(r"(<w:t(?: [^>]*)?>)\d[\d,.]*<", swap, document)
        steps.append(f"odd numbers in {count} runs")
        return rezip(data, {"word/document.xml": document.encode()})
    if roll == 8:  # content controls and deep nesting
        depth = rng.choice((10, 200, 2000))
        nested = "<w:sdt><w:sdtContent>" * depth + w_paragraph("一、总体情况") + "</w:sdtContent></w:sdt>" * depth
        steps.append(f"content controls nested {depth} deep")
        return rezip(data, {"word/document.xml": _into_body(document, nested).encode()})
    # byte flips inside the document XML (the zip stays valid)
    xml = flip_bytes(document.encode(), rng, steps)
    steps[-1] += " of word/document.xml"
    return rezip(data, {"word/document.xml": xml})


def _into_body(document: str, extra: str) -> str:
    at = document.find("<w:body>")
    return document[:at + 8] + extra + document[at + 8:] if at >= 0 else document + extra


def pdf_mutation(data: bytes, rng: random.Random, steps: list[str]) -> bytes:
    roll = rng.randrange(6)
    if roll == 0:
        return truncate(data, rng, steps)
    if roll == 1:
        return flip_bytes(data, rng, steps)
    if roll == 2:  # flips in the structure (around "obj", "/Length", "xref", "/Kids")
        out = bytearray(data)
        for token in (b"obj", b"/Length", b"xref", b"/Kids", b"/Count", b"/Root", b"stream"):
            for match in re.finditer(re.escape(token), data):
                if rng.random() < 0.05:
                    at = min(len(out) - 1, match.end() + rng.randint(0, 8))
                    out[at] = rng.randrange(256)
        steps.append("bytes changed after PDF keywords")
        return bytes(out)
    if roll == 3:  # numbers in the structure changed
        def swap(match: re.Match[bytes]) -> bytes:
            return rng.choice((b"0", b"-1", b"99999999", b"2147483648", b"1e308", b"9" * 40, match.group(0)))

        steps.append("numbers in the PDF structure changed")
        return re.sub(rb"(?<=[ /\[])\d+(?= 0 R|\b)", lambda m: swap(m) if rng.random() < 0.05 else m.group(0), data)
    if roll == 4:  # xref dropped or trailer broken
        cut = data.rfind(b"xref")
        steps.append("xref table removed")
        return data[:cut] + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n" if cut > 0 else data
    return splice(data, rng, steps)


def pdf_structure(rng: random.Random, steps: list[str]) -> bytes:
    """A PDF written object by object with a hostile structure."""
    roll = rng.randrange(9)
    lines = pdf_report_lines()
    if roll == 0:
        n = rng.choice((10, 1000, 100_000))
        steps.append(f"page tree /Kids repeats one page {n} times")
        return pdf_document([lines], kids=b" ".join([b"4 0 R"] * n), count=n)
    if roll == 1:
        steps.append("page tree /Kids loops back to itself")
        return pdf_document([lines], kids=b"2 0 R 4 0 R")
    if roll == 2:
        size = rng.choices((2**20, 2**24, 2**26, 2**30), (8, 8, 3, 1))[0]
        steps.append(f"FlateDecode bomb of {size >> 20} MB")
        return pdf_flate_bomb(size)
    if roll == 3:
        n = rng.choice((151, 500))
        steps.append(f"{n} pages (over the limit)")
        return pdf_document([b""] * n)
    if roll == 4:
        n = rng.choice((10, 100, 5000))
        steps.append(f"array nested {n} deep in a page")
        return pdf_document([lines]).replace(b"/MediaBox", b"/Junk " + b"[" * n + b"]" * n + b" /MediaBox", 1)
    if roll == 5:
        steps.append("/Count lies")
        return pdf_document([lines], count=rng.choice((0, -1, 2**31, 10**12)))
    if roll == 6:
        declared = rng.choice((0, 5, 10**9, -4))
        steps.append(f"content /Length {declared}")
        doc = pdf_document([lines])
        return re.sub(rb"/Length \d+", b"/Length %d" % declared, doc, count=1)
    if roll == 7:
        n = rng.choice((500, 4000))
        if rng.random() < 0.5:
            steps.append(f"{n} text operators")
            return family_pdf_operators(n).data
        n = rng.choice((10, 40, 100))
        steps.append(f"a ruled grid of {n} × {n} lines")
        return family_pdf_rulings(n).data
    n = rng.choices((5, 40, 120), (12, 4, 1))[0]
    steps.append(f"{n} pages of report lines")
    return pdf_document([lines] * n, compress=rng.random() < 0.5)


# =============================================================================================
# The inputs
# =============================================================================================
@functools.cache
def synthetic_html_text(seed: int, n: int = 24) -> tuple[tuple[str, bytes], ...]:
    import synth

    return tuple((name, data) for name, data, _ in synth.corpus(n, seed))


@functools.cache
def synthetic_documents(seed: int) -> tuple[tuple[str, bytes], ...]:
    """A few DOCX and reportlab PDF reports (the two PDF fonts, the table split options)."""
    import synth
    import synth_documents as sd

    out = []
    for i in range(6):
        rng = random.Random(f"fuzz/{seed}/docx/{i}")
        doc = synth.random_doc(rng)
        options = ({"textbox": "vml", "nested": True}, {"textbox": "mc"}, {"split_t3": True}, {}, {}, {})[i]
        out.append((f"docx-{i}", sd.render_docx(doc, rng, **options)))
    for i, options in enumerate(({"font": "cid"}, {"font": "cid", "t3_split": "manual"}, {"font": "ttf"})):
        rng = random.Random(f"fuzz/{seed}/pdf/{i}")
        out.append((f"pdf-{i}", sd.render_pdf_reportlab(synth.random_doc(rng), rng, **options)))
    out.append(("pdf-raw", pdf_document([pdf_report_lines()])))
    out.append(("docx-raw", docx_package(report_body_xml())))
    return tuple(out)


def make_case(index: int, seed: int) -> Case:
    """Input `index` of the run with `seed` (the same pair always gives the same bytes)."""
    rng = random.Random(f"{seed}/{index}")
    roll = rng.random()
    steps: list[str] = []
    if roll < 0.34:  # HTML pages
        sources = [(n, d) for n, d in real_reports().items() if n.endswith(".html")]
        sources += [(n, d) for n, d in synthetic_html_text(seed) if "html" in n]
        name, data = rng.choice(sources)
        text = data.decode("gb18030" if re.search(rb"charset=.?gb", data[:4096], re.I) else "utf-8", "replace")
        for _ in range(rng.choice((1, 1, 2, 3))):
            text = html_mutation(text, rng, steps)
        data, content_type = encode(text, rng, steps, html=True)
        data = _byte_level(data, rng, steps, 0.3)
        return Case(index, f"html/{name}", steps, data, content_type)
    if roll < 0.50:  # plain text
        sources = [(n, d) for n, d in real_reports().items() if n.endswith(".txt")]
        sources += [(n, d) for n, d in synthetic_html_text(seed) if "text" in n]
        name, data = rng.choice(sources)
        text = data.decode("utf-8", "replace")
        for _ in range(rng.choice((1, 1, 2, 3))):
            text = text_mutation(text, rng, steps)
        data, content_type = encode(text, rng, steps, html=False)
        data = _byte_level(data, rng, steps, 0.3)
        return Case(index, f"text/{name}", steps, data, content_type, "https://www.example.gov.cn/fuzz.txt")
    if roll < 0.70:  # DOCX
        name, data = rng.choice([item for item in synthetic_documents(seed) if item[0].startswith("docx")])
        for _ in range(rng.choice((1, 1, 2))):
            try:
                data = docx_mutation(data, rng, steps)
            except Exception:  # already broken past reading as a zip: keep breaking bytes
                data = flip_bytes(data, rng, steps)
        return Case(index, f"docx/{name}", steps, data, None, "https://www.example.gov.cn/fuzz.docx")
    if roll < 0.88:  # PDF
        if rng.random() < 0.5:
            name, data = "pdf-structure", pdf_structure(rng, steps)
        else:
            name, data = rng.choice([item for item in synthetic_documents(seed) if item[0].startswith("pdf")])
            for _ in range(rng.choice((1, 1, 2))):
                data = pdf_mutation(data, rng, steps)
        return Case(index, f"pdf/{name}", steps, data, None, "https://www.example.gov.cn/fuzz.pdf")
    if roll < 0.92:  # zip bombs and archives that are not DOCX
        kind = rng.randrange(4)
        if kind == 0:
            size = rng.choice((2**24, 2**28, 2**30))
            steps.append(f"DOCX zip bomb, {size >> 20} MB unpacked")
            data = docx_zip_bomb(size)
        elif kind == 1:
            size, declared = rng.choice((2**24, 2**28)), rng.choice((1000, 10**6))
            steps.append(f"DOCX zip bomb, {size >> 20} MB unpacked, directory says {declared} bytes")
            data = docx_zip_bomb(size, declared=declared)
        elif kind == 2:
            steps.append("a zip with word/ entries that is not a DOCX")
            data = rezip(_blank_docx(), {"[Content_Types].xml": None, "word/document.xml": b"<x/>"})
        else:
            steps.append("a zip of 10,000 empty members")
            data = many_members_zip(10_000)
        return Case(index, "zip", steps, data, None, "https://www.example.gov.cn/fuzz.docx")
    if roll < 0.923:  # Word 97 (DOC): converted by LibreOffice, seconds each, so a few only
        doc = (ROOT / "tests" / "fixtures" / "documents" / "report.doc").read_bytes()
        if rng.random() < 0.5:
            steps.append("DOC header and random bytes")
            data = doc[:8] + rng.randbytes(rng.randint(100, 20_000))
        else:
            data = rng.choice((flip_bytes, truncate))(doc, rng, steps)
        return Case(index, "doc", steps, data, None, "https://www.example.gov.cn/fuzz.doc")
    # the pathological families at moderate sizes (their growth is measured separately)
    family = rng.choice(list(GROWTH_FAMILIES))
    spec = GROWTH_FAMILIES[family]
    n = spec.first
    while n * 2 <= spec.fuzz_max and rng.random() < 0.6:
        n *= 2
    steps.append(f"n={n}")
    doc = spec.build(n)
    return Case(index, f"family/{family}", steps, _byte_level(doc.data, rng, steps, 0.2), doc.content_type,
                doc.location)


def _byte_level(data: bytes, rng: random.Random, steps: list[str], p: float) -> bytes:
    if rng.random() < p:
        data = rng.choice((flip_bytes, truncate, splice))(data, rng, steps)
    return data


# =============================================================================================
# Checking one input in a child process
# =============================================================================================
def classify(data: bytes, location: str, content_type: str | None) -> dict[str, Any]:
    """Run check_document once and classify what happened (in the process that calls it)."""
    from monitor.errors import InputError
    from monitor.pipeline import check_document

    try:
        result = check_document(data, location, content_type=content_type)
    except MemoryError:
        return {"outcome": "out-of-memory"}
    except InputError as exc:
        message = str(exc)
        one_line = bool(message.strip()) and len(message.splitlines()) == 1 and message == message.strip("\r\n")
        return {"outcome": "refused" if one_line else "refused-not-one-line", "message": message[:300]}
    except BaseException as exc:
        return {"outcome": "traceback", **describe_exception(exc)}
    try:
        json.dumps(result.to_json_dict(), allow_nan=False, ensure_ascii=False).encode("utf-8")
    except MemoryError:
        return {"outcome": "out-of-memory"}
    except BaseException as exc:
        return {"outcome": "non-json", **describe_exception(exc)}
    return {"outcome": "read"}


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """The exception's type, its message's first line, and where it was raised: the innermost frame
    in the project (monitor/, rules/) and the innermost frame of all."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith((str(ROOT / "monitor"), str(ROOT / "rules")))]

    def where(frame: traceback.FrameSummary) -> str:
        path = Path(frame.filename)
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else "/".join(path.parts[-2:])
        return f"{name}:{frame.lineno} ({frame.name})"

    message = str(exc).splitlines()[0][:200] if str(exc) else ""
    return {"type": type(exc).__name__, "message": message,
            "where": where(ours[-1]) if ours else where(frames[-1]) if frames else "?",
            "innermost": where(frames[-1]) if frames else "?",
            "traceback": "".join(traceback.format_exception(exc))[-4000:]}


def _rss_kib() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass
class Outcome:
    index: int
    family: str
    description: str
    outcome: str
    cpu_s: float
    wall_s: float
    peak_rss_kib: int
    baseline_rss_kib: int
    detail: dict[str, Any] = field(default_factory=dict)
    size: int = 0


def run_children(cases: Iterator[Case], *, jobs: int, timeout: float, memory_mb: int,
                 on_done: Callable[[Case, Outcome], None]) -> None:
    """Check each case in a child forked for it, at most `jobs` at a time. A child is killed when it
    has used `timeout` CPU seconds, or after 4 × `timeout` wall seconds (a child that waits, or a
    machine shared with other work: CPU time is what an input costs, wall time what it waited)."""
    preload()
    selector = selectors.DefaultSelector()
    running: dict[int, _Running] = {}  # read fd -> the child
    pending = iter(cases)
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < jobs:
            case = next(pending, None)
            if case is None:
                exhausted = True
                break
            baseline = _rss_kib()
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child
                os.close(read_fd)
                _child(case, write_fd, memory_mb)
            os.close(write_fd)
            os.set_blocking(read_fd, False)
            selector.register(read_fd, selectors.EVENT_READ)
            running[read_fd] = _Running(case, read_fd, pid, time.perf_counter(), baseline, memory_mb)
        if not running:
            break
        for key, _ in selector.select(_POLL_S):
            child = running[key.fd]
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if chunk:
                child.output.extend(chunk)
            else:  # end of file: the child is done
                _finish(running.pop(key.fd), selector, on_done, killed=False)
        now = time.perf_counter()
        for fd, child in list(running.items()):
            if now - child.start > 4 * timeout or _cpu_of(child.pid) > timeout:
                os.kill(child.pid, signal.SIGKILL)
                _finish(running.pop(fd), selector, on_done, killed=True)


_POLL_S = 0.25  # how often running children's CPU time is looked at
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a running child has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass
class _Running:
    case: Case
    fd: int
    pid: int
    start: float
    baseline: int
    memory_mb: int
    output: bytearray = field(default_factory=bytearray)


def _finish(child: _Running, selector: selectors.BaseSelector, on_done: Callable[[Case, Outcome], None], *,
            killed: bool) -> None:
    selector.unregister(child.fd)
    os.close(child.fd)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - child.start
    cpu = usage.ru_utime + usage.ru_stime
    detail: dict[str, Any] = {}
    if killed:
        outcome = "timeout"
    elif child.output:
        try:
            detail = json.loads(child.output.decode("utf-8"))
            outcome = detail.pop("outcome")
        except (ValueError, KeyError):
            outcome, detail = "worker-died", {"output": child.output[:200].decode("utf-8", "replace")}
    else:
        outcome = "worker-died"
        if os.WIFSIGNALED(status):
            detail = {"signal": signal.Signals(os.WTERMSIG(status)).name}
        else:
            detail = {"exit": os.waitstatus_to_exitcode(status)}
    grown_mib = (usage.ru_maxrss - child.baseline) / 1024
    if outcome in ("read", "refused", "refused-not-one-line", "non-json", "traceback") \
            and grown_mib > child.memory_mb / 2:  # it got through, but only by taking half the limit or more
        detail = {**detail, "observed": outcome, "grown_mib": round(grown_mib)}
        outcome = "out-of-memory"
    case = child.case
    on_done(case, Outcome(case.index, case.family, case.description, outcome, cpu, wall, usage.ru_maxrss,
                          child.baseline, detail, len(case.data)))


def _child(case: Case, write_fd: int, memory_mb: int) -> None:
    """The forked child: limit memory, send stderr to a file (libraries that print there are
    counted: `monitor check` would show their lines), check, write the outcome as JSON, exit."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        with tempfile.TemporaryFile() as err:
            sys.stderr.flush()
            os.dup2(err.fileno(), 2)
            result = classify(case.data, case.location, case.content_type)
            sys.stderr.flush()
            err.seek(0)
            said = err.read(4096).decode("utf-8", "replace")
        if said.strip():
            result["stderr_lines"] = len(said.strip().splitlines())
            result["stderr"] = said.strip().splitlines()[0][:200]
        payload = json.dumps(result, ensure_ascii=False).encode("utf-8", "replace")
        view = memoryview(payload)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
    except BaseException:
        pass
    finally:
        os._exit(0)


@functools.cache
def preload() -> None:
    """Import every reader before forking, so that children share them instead of importing."""
    import monitor.parsing.html
    import monitor.parsing.pdf
    import monitor.parsing.word
    import monitor.pipeline  # noqa: F401
    from monitor.pipeline import check_document

    for data in (seed_text().encode(), template_page().encode()):  # warm the caches of the first read
        check_document(data, "warm-up")


# =============================================================================================
# The run, the growth check, the report
# =============================================================================================
def growth(*, timeout: float, memory_mb: int, budget_s: float = 0.4) -> list[dict[str, Any]]:
    """For each family: the size n at which one check takes about `budget_s` of CPU (doubling from the
    family's first size), then n and 2n measured, each best of two runs in fresh children. When the
    reader refuses there (a limit of the reader), also the largest pair m, 2m it still reads
    ("scope": "largest read"), since a ratio of refusals says how fast it refuses, not how it reads."""
    rows = []
    for family, spec in GROWTH_FAMILIES.items():
        outcomes: dict[int, str] = {}
        n = spec.first
        while True:
            (cpu, outcome), = _measure_sizes(spec.build, [n], timeout, memory_mb)
            outcomes[n] = outcome
            if cpu >= budget_s or n * 2 > spec.largest or outcome == "timeout":
                break
            n *= 2
        if outcome == "timeout" and n > spec.first:
            n //= 2
        n = min(n, spec.largest // 2)
        row = _growth_pair(family, spec, n, timeout, memory_mb, "budget")
        rows.append(row)
        if row["outcome_n"] != "read" or row["outcome_2n"] != "read":
            read = [m for m, out in outcomes.items() if out == "read" and m // 2 >= spec.first
                    and outcomes.get(m // 2) == "read" and m // 2 != n]
            if read:
                rows.append(_growth_pair(family, spec, max(read) // 2, timeout, memory_mb, "largest read"))
    return rows


def _growth_pair(family: str, spec: Family, n: int, timeout: float, memory_mb: int, scope: str) -> dict[str, Any]:
    best: dict[int, tuple[float, str]] = {}
    for attempt in range(2):  # best of two, unless the first pass was slow already
        for size, measured in zip((n, 2 * n), _measure_sizes(spec.build, [n, 2 * n], timeout, memory_mb),
                                  strict=True):
            if size not in best or measured[0] < best[size][0]:
                best[size] = measured
        if attempt == 0 and best[2 * n][0] > 5:
            break
    (cpu_n, out_n), (cpu_2n, out_2n) = best[n], best[2 * n]
    print(f"fuzz: growth {family} ({scope}): n={n} {cpu_n:.2f}s, 2n {cpu_2n:.2f}s ({out_n}/{out_2n})",
          file=sys.stderr, flush=True)
    return {"family": family, "scope": scope, "unit": spec.unit, "n": n, "cpu_s_n": cpu_n, "cpu_s_2n": cpu_2n,
            "ratio": cpu_2n / cpu_n if cpu_n > 0 else None, "outcome_n": out_n, "outcome_2n": out_2n,
            "bytes_n": len(spec.build(n).data), "bytes_2n": len(spec.build(2 * n).data)}


def _measure_sizes(build: Callable[[int], Doc], sizes: list[int], timeout: float,
                   memory_mb: int) -> list[tuple[float, str]]:
    results: dict[int, tuple[float, str]] = {}
    cases = []
    for i, n in enumerate(sizes):
        doc = build(n)
        cases.append(Case(i, "growth", [f"n={n}"], doc.data, doc.content_type, doc.location))

    def done(case: Case, outcome: Outcome) -> None:
        results[case.index] = (outcome.cpu_s, outcome.outcome)

    run_children(iter(cases), jobs=1, timeout=timeout, memory_mb=memory_mb, on_done=done)
    return [results[i] for i in range(len(sizes))]


def save_failure(directory: Path, case: Case, outcome: Outcome) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{case.index:06d}-{outcome.outcome}"
    (directory / f"{stem}.bin").write_bytes(case.data)
    lines = [f"input {case.index} ({case.description})", f"outcome: {outcome.outcome}",
             f"content_type: {case.content_type!r}", f"location: {case.location}",
             f"cpu {outcome.cpu_s:.2f} s, wall {outcome.wall_s:.2f} s, peak RSS {outcome.peak_rss_kib // 1024} MiB",
             *(f"{key}: {value}" for key, value in outcome.detail.items() if key != "traceback")]
    if "traceback" in outcome.detail:
        lines += ["", outcome.detail["traceback"]]
    (directory / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def measure(count: int = 10_000, seed: int = 1, jobs: int | None = None, *, timeout: float = 30.0,
            memory_mb: int = 2048, save_failures: Path | None = None, with_growth: bool = True,
            only: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Check `count` hostile inputs (then the time-growth check); the figures as a dict:

    {"count", "seed", "jobs", "timeout_s", "memory_mb", "wall_s", "cpu_s" (all children),
     "outcomes": {class: n} (every class of OUTCOMES, in that order), "failures": n (the FAILURES classes),
     "over_10s": n (over 10 CPU seconds, or timed out), "over_10s_wall": n,
     "stderr": n (inputs during which a library wrote to stderr), "stderr_example": str | None,
     "families": {source: {"n", "cpu_s", "max_cpu_s", "outcomes": {class: n}}} (html, text, docx, pdf, zip,
                 doc, and "family/<name>" for the pathological families),
     "tracebacks": [{"type", "where", "innermost", "message", "outcome" ("traceback" | "non-json"), "count",
                     "example": {"index", "description"}}] (grouped by type and place, most frequent first),
     "slowest": [{"index", "family", "description", "outcome", "cpu_s", "wall_s", "peak_rss_mib", "growth_mib",
                  "bytes"}] (10, by CPU time),
     "heaviest": the same, 5, by RSS growth over the child's start,
     "peak_rss_mib", "baseline_rss_mib",
     "growth": [{"family", "scope" ("budget" | "largest read"), "unit", "n", "cpu_s_n", "cpu_s_2n", "ratio",
                 "outcome_n", "outcome_2n", "bytes_n", "bytes_2n"}] (empty with with_growth=False)}
    """
    jobs = jobs or os.cpu_count() or 1
    results: list[Outcome] = []
    started, cpu_before = time.perf_counter(), _children_cpu()
    last_print = [started]

    def done(case: Case, outcome: Outcome) -> None:
        results.append(outcome)
        if save_failures is not None and outcome.outcome in FAILURES:
            save_failure(save_failures, case, outcome)
        now = time.perf_counter()
        if progress and (now - last_print[0] > 15 or len(results) == count):
            last_print[0] = now
            tally = Counter(r.outcome for r in results)
            print(f"fuzz: {len(results)}/{count} in {now - started:.0f}s: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())), file=sys.stderr, flush=True)

    print("fuzz: building the base documents …", file=sys.stderr, flush=True)
    synthetic_documents(seed)
    synthetic_html_text(seed)
    indices = [only] if only is not None else range(count)
    run_children((make_case(i, seed) for i in indices), jobs=jobs, timeout=timeout, memory_mb=memory_mb,
                 on_done=done)
    wall = time.perf_counter() - started
    return summarise(results, count=len(indices), seed=seed, jobs=jobs, timeout=timeout, memory_mb=memory_mb,
                     wall=wall, cpu=_children_cpu() - cpu_before,
                     growth_rows=growth(timeout=timeout, memory_mb=memory_mb) if with_growth else [])


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summarise(results: list[Outcome], *, count: int, seed: int, jobs: int, timeout: float, memory_mb: int,
              wall: float, cpu: float, growth_rows: list[dict[str, Any]]) -> dict[str, Any]:
    outcomes = Counter(r.outcome for r in results)
    families: dict[str, dict[str, Any]] = {}
    for r in results:
        name = r.family if r.family.startswith("family/") else r.family.split("/")[0]
        entry = families.setdefault(name, {"n": 0, "cpu_s": 0.0, "max_cpu_s": 0.0, "outcomes": Counter()})
        entry["n"] += 1
        entry["cpu_s"] += r.cpu_s
        entry["max_cpu_s"] = max(entry["max_cpu_s"], r.cpu_s)
        entry["outcomes"][r.outcome] += 1
    for entry in families.values():
        entry["cpu_s"], entry["max_cpu_s"] = round(entry["cpu_s"], 2), round(entry["max_cpu_s"], 2)
        entry["outcomes"] = dict(entry["outcomes"])
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for r in results:
        if r.outcome in ("traceback", "non-json"):
            groups.setdefault((r.detail.get("type", "?"), r.detail.get("where", "?")), []).append(r)
    tracebacks = [{"type": kind, "where": where, "innermost": rs[0].detail.get("innermost"),
                   "message": rs[0].detail.get("message"), "outcome": rs[0].outcome, "count": len(rs),
                   "example": {"index": rs[0].index, "description": rs[0].description}}
                  for (kind, where), rs in sorted(groups.items(), key=lambda item: -len(item[1]))]

    def row(r: Outcome) -> dict[str, Any]:
        return {"index": r.index, "family": r.family, "description": r.description, "outcome": r.outcome,
                "cpu_s": round(r.cpu_s, 3), "wall_s": round(r.wall_s, 3), "peak_rss_mib": round(r.peak_rss_kib / 1024),
                "growth_mib": round(max(0, r.peak_rss_kib - r.baseline_rss_kib) / 1024), "bytes": r.size}

    peak = max(results, key=lambda r: r.peak_rss_kib, default=None)
    return {
        "count": count, "seed": seed, "jobs": jobs, "timeout_s": timeout, "memory_mb": memory_mb,
        "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "failures": sum(outcomes.get(name, 0) for name in FAILURES),
        "over_10s": sum(r.cpu_s > 10 or r.outcome == "timeout" for r in results),
        "over_10s_wall": sum(r.wall_s > 10 for r in results),
        "stderr": sum(bool(r.detail.get("stderr_lines")) for r in results),
        "stderr_example": next((r.detail["stderr"] for r in results if r.detail.get("stderr")), None),
        "families": dict(sorted(families.items())),
        "tracebacks": tracebacks,
        "slowest": [row(r) for r in sorted(results, key=lambda r: (-r.cpu_s, -r.wall_s))[:10]],
        "peak_rss_mib": round(peak.peak_rss_kib / 1024) if peak else 0,
        "baseline_rss_mib": round(peak.baseline_rss_kib / 1024) if peak else 0,
        "heaviest": [row(r) for r in sorted(results, key=lambda r: -(r.peak_rss_kib - r.baseline_rss_kib))[:5]],
        "growth": growth_rows,
    }


def _flag(outcome: str) -> str:
    """How the input of a growth measurement ended, unless it was read (a ratio of refusals says how
    fast the reader refuses, not how fast it reads)."""
    return "" if outcome == "read" else f" ({outcome})"


def to_markdown(result: dict[str, Any]) -> str:
    """The figures as Markdown: outcomes, the failures grouped by where they were raised, the inputs
    per source, the slowest and the heaviest inputs, the time growth."""
    out = [common.markdown(["outcome", "inputs"], [[name, f"{n:,}"] for name, n in result["outcomes"].items()])]
    out.append(f"\n{result['count']:,} inputs (seed {result['seed']}), {result['jobs']} at a time, "
               f"{result['wall_s']:.0f} s wall, {result['cpu_s']:.0f} s CPU; {result['over_10s']} inputs over 10 s "
               f"of CPU ({result['over_10s_wall']} over 10 s of wall time); limits {result['timeout_s']:.0f} CPU s and "
               f"{result['memory_mb']} MiB per input; peak RSS {result['peak_rss_mib']} MiB (a child starts at about "
               f"{result['baseline_rss_mib']} MiB); {result['stderr']} inputs made a library write to stderr"
               + (f" (e.g. 「{result['stderr_example']}」)" if result["stderr_example"] else "") + ".")
    if result["tracebacks"]:
        out.append("\n" + common.markdown(
            ["exception", "raised at", "inputs", "example"],
            [[f"`{t['type']}`" + (" (non-JSON)" if t["outcome"] == "non-json" else ""), f"`{t['where']}`",
              t["count"], f"#{t['example']['index']} {t['example']['description'][:120]}"]
             for t in result["tracebacks"]]))
    out.append("\n" + common.markdown(
        ["inputs from", "n", "CPU s", "max CPU s", "outcomes"],
        [[name, f["n"], f"{f['cpu_s']:.1f}", f"{f['max_cpu_s']:.2f}",
          ", ".join(f"{k} {v}" for k, v in sorted(f["outcomes"].items()))] for name, f in result["families"].items()]))

    def rows(items: list[dict[str, Any]]) -> list[list[Any]]:
        return [[f"#{r['index']} {r['description'][:110]}", r["outcome"], f"{r['cpu_s']:.2f}", f"{r['wall_s']:.2f}",
                 r["peak_rss_mib"]] for r in items]

    out.append("\n" + common.markdown(["slowest inputs (CPU)", "outcome", "CPU s", "wall s", "peak RSS MiB"],
                                       rows(result["slowest"])))
    out.append("\n" + common.markdown(["heaviest inputs (RSS growth)", "outcome", "CPU s", "wall s", "peak RSS MiB"],
                                       rows(result["heaviest"])))
    if result["growth"]:
        out.append("\n" + common.markdown(
            ["family", "n", "CPU s at n", "CPU s at 2n", "ratio (≈2 if linear)"],
            [[g["family"] + (" (largest read)" if g.get("scope") == "largest read" else ""),
              f"{g['n']:,} {g['unit']}", f"{g['cpu_s_n']:.3f}{_flag(g['outcome_n'])}",
              f"{g['cpu_s_2n']:.3f}{_flag(g['outcome_2n'])}",
              (f"{'≥ ' if g['outcome_2n'] == 'timeout' else ''}{g['ratio']:.1f}" if g["ratio"] else "—")]
             for g in result["growth"]]))
    return "\n".join(out)


# =============================================================================================
# The regression fixtures of tests/fixtures/hostile/
# =============================================================================================
def fixture_documents(directory: Path = HOSTILE) -> list[tuple[Path, str | None, str]]:
    """(file, content type, location) of every document fixture: every file but README.md, *.json and
    *.toml; a document's `<file>.json` beside it may give {"content_type", "location"}."""
    out = []
    for path in sorted(directory.iterdir()):
        if path.name == "README.md" or path.suffix in (".json", ".toml") or not path.is_file():
            continue
        sidecar = path.with_name(path.name + ".json")
        meta = json.loads(sidecar.read_text("utf-8")) if sidecar.exists() else {}
        out.append((path, meta.get("content_type"), meta.get("location", f"fixtures/hostile/{path.name}")))
    return out


def run_fixtures(directory: Path, *, timeout: float, memory_mb: int) -> int:
    """Every document fixture through check_document, every *.cli.json through the command line, each
    in a child under the limits; one line each. Exit status 1 when any fails."""
    documents = fixture_documents(directory)
    cases = [Case(i, path.name, [], path.read_bytes(), content_type, location)
             for i, (path, content_type, location) in enumerate(documents)]
    failures = 0

    def done(case: Case, outcome: Outcome) -> None:
        nonlocal failures
        failures += outcome.outcome in FAILURES
        detail = outcome.detail.get("where") or outcome.detail.get("message") or outcome.detail.get("signal") or ""
        print(f"{case.family:40} {outcome.outcome:22} {outcome.cpu_s:7.2f} s {outcome.peak_rss_kib // 1024:6} MiB  "
              f"{outcome.detail.get('type', '')} {detail}"[:220], flush=True)

    run_children(iter(cases), jobs=1, timeout=timeout, memory_mb=memory_mb, on_done=done)
    for path in sorted(directory.glob("*.cli.json")):
        failures += not run_cli_fixture(path, timeout=timeout, memory_mb=memory_mb)
    return 1 if failures else 0


CLI_REGISTRY = """[database]
url = "sqlite:///monitor.db"

[[agency]]
id = "weibin"
name = "卫滨区人民政府"
kind = "government"
level = "county"

[[agency]]
id = "weibin-office"
name = "卫滨区人民政府办公室"
kind = "department"
parent = "weibin"
"""


def run_cli_fixture(path: Path, *, timeout: float, memory_mb: int) -> bool:
    """{"argv", "database", "config", "exit", "most"} (as tests/test_fuzz.py reads it): `monitor ARGV` in
    a child process with RLIMIT_AS, killed after `timeout` wall seconds. True when it passes."""
    import subprocess

    case = json.loads(path.read_text("utf-8"))
    sample = ROOT / "monitor" / "samples" / "weibin-office-2025.txt"
    argv = [arg.replace("{SAMPLE}", str(sample)) for arg in case["argv"]]
    with tempfile.TemporaryDirectory(prefix="fuzz-cli-") as tmp:
        config = Path(tmp) / "monitor.toml"
        if case.get("database"):
            config.write_text(CLI_REGISTRY, encoding="utf-8")
            for setup in (["init"], ["ingest", str(sample), "--agency", "weibin-office"]):
                subprocess.run([sys.executable, "-m", "monitor.cli", *setup, "--config", str(config)], cwd=tmp,
                               capture_output=True, check=True)
            argv += ["--config", str(config)]
        elif case.get("config"):
            argv += ["--config", str(path.parent / case["config"])]
        limit = memory_mb * 2**20

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        encoded = [os.fsencode(arg) for arg in argv]  # lone surrogates: the bytes a real command line has
        started = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "monitor.cli", *map(os.fsdecode, encoded)], cwd=tmp,
                                  capture_output=True, timeout=timeout, preexec_fn=limits)
        except subprocess.TimeoutExpired:
            print(f"{path.name:40} {'timeout':22} {time.perf_counter() - started:7.2f} s (wall)", flush=True)
            return False
    stderr = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    problems = 1 if stderr and stderr[0].startswith("Usage:") else len(stderr)
    passed = proc.returncode in case.get("exit", [0, 2]) and problems <= case.get("most", 1)
    print(f"{path.name:40} {'passes' if passed else 'FAILS':22} exit {proc.returncode}, {len(stderr)} stderr lines: "
          f"{(stderr or [''])[-1][:120]}", flush=True)
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the run (default 1)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes at a time (default: CPUs)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="CPU seconds per input (default 30; wall: 4 × that)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per input (default 2048)")
    parser.add_argument("--save-failures", type=Path, metavar="DIR",
                        help="write each failing input (NNNNNN-outcome.bin) and what happened (.txt) to DIR")
    parser.add_argument("--only", type=int, metavar="INDEX", help="only input INDEX of the run (to reproduce it)")
    parser.add_argument("--no-growth", action="store_true", help="skip the time-growth check")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--fixtures", nargs="?", const=HOSTILE, type=Path, metavar="DIR",
                        help="check the regression fixtures of DIR (default tests/fixtures/hostile) instead")
    args = parser.parse_args(argv)
    if args.fixtures:
        return run_fixtures(args.fixtures, timeout=args.timeout, memory_mb=args.memory_mb)
    result = measure(args.count, args.seed, args.jobs, timeout=args.timeout, memory_mb=args.memory_mb,
                     save_failures=args.save_failures, with_growth=not args.no_growth, only=args.only)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(to_markdown(result))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
