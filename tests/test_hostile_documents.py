"""Hostile documents (issue 9): no traceback, no hang, bounded memory — one minimal reproducer each.

Each test builds its hostile input here (zip archives and PDF objects written byte by byte, DOCX
packages by hand) and asserts an outcome, never a duration: a one-line InputError in Chinese that
names the limit, or the document read right. A case that used to hang or exhaust memory runs in a
child process under resource limits (address space, CPU seconds), so that a regression fails the
test instead of taking the machine; a refusal that must come before any inflating is recognised by
its reason. The limits are those of monitor/parsing/limits.py.

* DOCX (monitor/parsing/word.py): a main part that is not a Word document, no body, no package
  relationships; text boxes nested past MAX_DOCX_NESTING, and each box read once; zip bombs whose
  headers lie; entities (XXE, parameter entities, an external DTD, billion laughs); the main part
  beyond the first 64 KB of the zip; table spans past MAX_DOCX_GRID_CELLS.
* Archives (monitor/parsing/archive.py): the unpacked budget over all members, too many members,
  encrypted and bzip2 members.
* PDF (monitor/parsing/pdf.py): FlateDecode and RunLength bombs, a page listed a million times in
  /Kids and other repeats in the page tree, 200,000 text operators on one page, a form drawn over
  and over, an inline image full of 「E」, a grid of ruling lines, an absurd page size, font widths
  and character maps over billions of codes, text far off the page, pdfminer's warnings (on the
  logger, never on stderr), cell texts the same as pdfplumber's.
* Fetching (monitor/fetch.py): a device, a FIFO, a sparse file over the limit; a server that drips
  its headers or its body (a total deadline), a body over the size limit.
* LibreOffice (monitor/parsing/convert.py): a conversion that does not end (its whole process group
  is killed), an output over the limit, nothing on stderr.
"""

from __future__ import annotations

import contextlib
import http.server as http_server
import io
import json
import logging
import os
import random
import stat
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pdfplumber
import pytest

from monitor.errors import InputError, NotAReport
from monitor.fetch import read_location
from monitor.parsing import convert, parse
from monitor.parsing import pdf as pdf_reader
from monitor.parsing.archive import Archive
from monitor.parsing.document import Table
from monitor.parsing.limits import (
    MAX_ARCHIVE_MEMBERS,
    MAX_DOCUMENT_BYTES,
    MAX_DOCX_GRID_CELLS,
    MAX_DOCX_NESTING,
    MAX_PDF_PAGE_CROSSINGS,
    MAX_PDF_PAGE_OBJECTS,
    MAX_PDF_PAGES,
    MAX_PDF_STREAM_BYTES,
    MAX_REPEATED_TEXT,
    MAX_UNPACKED_BYTES,
)
from monitor.parsing.pdf import parse_pdf
from monitor.parsing.sniff import DOCX_MEDIA_TYPE
from monitor.parsing.word import parse_docx

ROOT = Path(__file__).resolve().parents[1]
MB = 2**20


# --- outcomes ------------------------------------------------------------------------------------
def refused(call: Callable[[], object], *phrases: str) -> str:
    """The one-line reason `call` is refused with; it must contain every phrase."""
    with pytest.raises(InputError) as caught:
        call()
    reason = str(caught.value)
    assert reason.strip() and "\n" not in reason, reason
    for phrase in phrases:
        assert phrase in reason, reason
    return reason


_CHILD = """
import json, resource, sys
memory, cpu = int(sys.argv[2]), int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
from monitor.errors import InputError
from monitor.parsing import parse
with open(sys.argv[1], "rb") as f:
    data = f.read()
try:
    report = parse(data, "hostile")
    outcome = {"read": True, "text": report.text[:2000]}
except InputError as exc:
    outcome = {"refused": str(exc)}
except BaseException as exc:
    outcome = {"crashed": type(exc).__name__ + ": " + str(exc)[:200]}
print(json.dumps(outcome, ensure_ascii=False))
"""


def parse_in_child(data: bytes, tmp_path: Path, memory: int = 1024 * MB, cpu: int = 60) -> dict[str, str]:
    """monitor.parsing.parse(data) in a child process with at most `memory` bytes of address space
    and `cpu` CPU seconds: what came out ({"read", "text"}, {"refused"} or {"crashed"})."""
    path = tmp_path / "hostile.bin"
    path.write_bytes(data)
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(memory), str(cpu)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.stdout.strip(), f"the child died (status {proc.returncode}): {proc.stderr[-1000:]}"
    return json.loads(proc.stdout)


# --- DOCX packages by hand -------------------------------------------------------------------------
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = f'xmlns:w="{W_NS}" xmlns:v="urn:schemas-microsoft-com:vml"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="/word/document.xml"/></Relationships>'
)


def document_xml(body: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
            f"<w:document {NS}><w:body>{body}</w:body></w:document>").encode()


def docx_package(document: bytes | None, rels: str | None = RELS, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        if rels is not None:
            z.writestr("_rels/.rels", rels)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
        if document is not None:
            z.writestr("word/document.xml", document)
    return out.getvalue()


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def nested_boxes(depth: int) -> str:
    """A paragraph holding a (VML) text box holding a paragraph holding a text box… `depth` boxes;
    each level's paragraph says 「第N层」."""
    inner = para(f"第{depth}层")
    for level in reversed(range(depth)):
        inner = (f"<w:p><w:r><w:t>第{level}层</w:t></w:r><w:r><w:pict><v:shape><v:textbox><w:txbxContent>"
                 f"{inner}</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>")
    return inner


def raw_zip(entries: list[tuple[str, bytes, int, int, int]], flags: int = 0) -> bytes:
    """A zip written by hand: (name, payload as stored, method, declared size, declared CRC) — the
    sizes and CRC are whatever the caller claims."""
    out, central = bytearray(), bytearray()
    for name, payload, method, size, crc in entries:
        encoded = name.encode()
        fields = struct.pack("<HHHHHIII", 20, flags, method, 0, 0x21, crc, len(payload), size)
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, len(out)) + encoded)
        out += b"PK\x03\x04" + fields + struct.pack("<HH", len(encoded), 0) + encoded + payload
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def stored(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    return name, data, zipfile.ZIP_STORED, len(data), zlib.crc32(data)


def deflate_bomb(size: int, raw: bool = False) -> bytes:
    """`size` bytes of spaces deflated (raw deflate, or zlib with header and checksum) in about
    size/1000 bytes, made without deflating them: blocks ending in a full flush can be repeated."""
    chunk = b" " * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * (size // MB) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    if raw:
        return stream
    checksum = 1
    for _ in range(size // MB):
        checksum = zlib.adler32(chunk, checksum)
    return b"\x78\xda" + stream + checksum.to_bytes(4, "big")


# --- PDF objects by hand ----------------------------------------------------------------------------
def raw_pdf(objects: dict[int, bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def pdf_stream(data: bytes, attributes: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), attributes) + data + b"\nendstream"


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def one_page_pdf(content: bytes, content_attributes: bytes = b"", kids: bytes = b"[3 0 R]",
                 media_box: bytes = b"[0 0 595 842]", resources: bytes = b"/Font << /F1 5 0 R >>",
                 more: dict[int, bytes] | None = None) -> bytes:
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids " + kids + b" /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox " + media_box + b" /Contents 4 0 R /Resources << "
           + resources + b" >> >>",
        4: pdf_stream(content, content_attributes),
        5: HELVETICA,
        **(more or {}),
    })


TEXT = b"BT /F1 12 Tf 72 720 Td (Annual report of the office, read as text) Tj ET"


def ruled_tables_pdf(pages: int, rows: int = 30) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import PageBreak, SimpleDocTemplate, TableStyle
    from reportlab.platypus import Table as RLTable

    out = io.BytesIO()
    story: list[object] = []
    for page in range(pages):
        cells = [[f"r{page}-{r}c{c}" for c in range(6)] for r in range(rows)]
        cells[0][0] = "merged header"
        story.append(RLTable(cells, style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, (0, 0, 0)),
                                                      ("SPAN", (0, 0), (1, 1))])))
        story.append(PageBreak())
    SimpleDocTemplate(out, pagesize=A4).build(story)
    return out.getvalue()


# === DOCX ===========================================================================================
@pytest.mark.parametrize("root", [
    f"<w:body {NS}>{para('正文')}</w:body>",  # a body, not a document: was AttributeError
    "<html><body><p>一、总体情况</p></body></html>",
    f'<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main">{para("x")}</w:document>',
])
def test_docx_whose_main_part_is_not_a_word_document_is_refused(root: str) -> None:
    data = docx_package(f'<?xml version="1.0"?>{root}'.encode())
    refused(lambda: parse_docx(data), "不是 Word 文档", "根元素")
    refused(lambda: parse(data, "x.docx"), "不是 Word 文档")


def test_docx_without_a_body_reads_as_empty() -> None:
    data = docx_package(f'<?xml version="1.0"?><w:document {NS}/>'.encode())
    assert parse_docx(data).blocks == []
    with pytest.raises(NotAReport):
        parse(data, "x.docx")


def test_docx_without_package_relationships_reads_the_usual_main_part() -> None:
    document = parse_docx(docx_package(document_xml(para("某某局2024年政府信息公开工作年度报告")), rels=None))
    assert [block.text for block in document.blocks] == ["某某局2024年政府信息公开工作年度报告"]  # type: ignore[union-attr]
    assert document.title == "某某局2024年政府信息公开工作年度报告"
    broken = "<Relationships><Relationship Type='officeDocument' Target='../../etc/passwd'/>"  # not XML, outside
    assert parse_docx(docx_package(document_xml(para("正文")), rels=broken)).blocks


def test_docx_without_a_main_part_is_refused() -> None:
    refused(lambda: parse_docx(docx_package(None)), "没有正文部分")


def test_docx_relationship_to_another_main_part_is_followed() -> None:
    rels = RELS.replace("/word/document.xml", "word/main.xml")
    data = docx_package(None, rels=rels, extra={"word/main.xml": document_xml(para("另一个正文部分"))})
    assert [block.text for block in parse_docx(data).blocks] == ["另一个正文部分"]  # type: ignore[union-attr]


def test_nested_text_boxes_are_read_once_each_up_to_the_limit() -> None:
    """Each box was walked again for every box around it: depth 20 took 31 s, 22 over 120 s."""
    document = parse_docx(docx_package(document_xml(nested_boxes(MAX_DOCX_NESTING))))
    texts = [block.text for block in document.blocks]  # type: ignore[union-attr]
    assert texts == [f"第{level}层" for level in range(MAX_DOCX_NESTING + 1)]


def test_text_boxes_nested_too_deep_are_refused(tmp_path: Path) -> None:
    data = docx_package(document_xml(nested_boxes(MAX_DOCX_NESTING + 1)))
    refused(lambda: parse_docx(data), "嵌套过深", str(MAX_DOCX_NESTING))
    outcome = parse_in_child(docx_package(document_xml(nested_boxes(40))), tmp_path, cpu=30)  # 40: never ended
    assert "嵌套过深" in outcome.get("refused", ""), outcome


def test_many_text_boxes_are_each_read_once() -> None:
    box = "<w:r><w:pict><v:shape><v:textbox><w:txbxContent>{}</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    body = "".join(f"<w:p><w:r><w:t>段{i}</w:t></w:r>{box.format(nested_boxes(2).replace('层', f'层{i}'))}</w:p>"
                   for i in range(300))
    texts = [block.text for block in parse_docx(docx_package(document_xml(body))).blocks]  # type: ignore[union-attr]
    assert len(texts) == len(set(texts)) == 300 * 4


def test_docx_table_spans_past_the_grid_budget_are_refused() -> None:
    span = "<w:tc><w:tcPr><w:gridSpan w:val='100'/></w:tcPr>" + para("x") + "</w:tc>"
    rows = MAX_DOCX_GRID_CELLS // (100 * 50) + 1
    table = "<w:tbl>" + ("<w:tr>" + span * 50 + "</w:tr>") * rows + "</w:tbl>"
    refused(lambda: parse_docx(docx_package(document_xml(table))), "表格过大", str(MAX_DOCX_GRID_CELLS))


def test_docx_text_repeated_by_grid_spans_is_bounded() -> None:
    """A 300,000-character cell spanning 100 columns in 10 rows: 300 M characters to normalise
    as row labels (1.8 GB and a MemoryError) before the cap; the fixture
    docx-span-label-amplification.oom.docx."""
    text = "".join(random.Random(9).choices("长宽高低多少大小上下左右", k=300_000))  # not a zip bomb
    cell = "<w:tc><w:tcPr><w:gridSpan w:val='100'/></w:tcPr>" + para(text) + "</w:tc>"
    table = "<w:tbl>" + ("<w:tr>" + cell + "</w:tr>") * 10 + "</w:tbl>"
    refused(lambda: parse_docx(docx_package(document_xml(table))), "重复的文字过多", str(MAX_REPEATED_TEXT))


def test_docx_text_repeated_by_vertical_merges_is_bounded() -> None:
    text = "".join(random.Random(9).choices("长宽高低多少大小上下左右", k=100_000))
    first = "<w:tc><w:tcPr><w:vMerge w:val='restart'/></w:tcPr>" + para(text) + "</w:tc>"
    below = "<w:tc><w:tcPr><w:vMerge/></w:tcPr>" + para("") + "</w:tc>"
    table = "<w:tbl><w:tr>" + first + "</w:tr>" + ("<w:tr>" + below + "</w:tr>") * 30 + "</w:tbl>"
    refused(lambda: parse_docx(docx_package(document_xml(table))), "重复的文字过多")


def test_docx_spans_and_merges_of_ordinary_labels_are_read() -> None:
    span = "<w:tc><w:tcPr><w:gridSpan w:val='3'/></w:tcPr>" + para("本年新收政府信息公开申请数量") + "</w:tc>"
    first = "<w:tc><w:tcPr><w:vMerge w:val='restart'/></w:tcPr>" + para("三、本年度办理结果") + "</w:tc>"
    below = "<w:tc><w:tcPr><w:vMerge/></w:tcPr>" + para("") + "</w:tc>"
    value = "<w:tc>" + para("5") + "</w:tc>"
    table = ("<w:tbl><w:tr>" + span + value + "</w:tr><w:tr>" + first + value * 3 + "</w:tr>"
             + ("<w:tr>" + below + value * 3 + "</w:tr>") * 20 + "</w:tbl>")
    grid = parse_docx(docx_package(document_xml(table))).blocks[0]
    assert isinstance(grid, Table)
    assert grid.rows[0] == ["本年新收政府信息公开申请数量"] * 3 + ["5"]
    assert [row[0] for row in grid.rows[1:]] == ["三、本年度办理结果"] * 21


def test_zip_bomb_with_lying_headers_is_stopped(tmp_path: Path) -> None:
    """word/document.xml inflates to 2 GiB, its headers say 1 KB: zipfile's read() inflated it all
    (2.1 GB) before finding the sizes wrong. Read in chunks, it stops at the declared size."""
    head = f'<?xml version="1.0"?><w:document {NS}><w:body>'.encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH) + deflate_bomb(2048 * MB, raw=True)
    data = raw_zip([stored("[Content_Types].xml", CONTENT_TYPES.encode()), stored("_rels/.rels", RELS.encode()),
                    ("word/document.xml", bomb, zipfile.ZIP_DEFLATED, 1024, 0)])
    assert len(data) < 3 * MB
    outcome = parse_in_child(data, tmp_path, memory=512 * MB)
    assert "DOCX 文件已损坏（word/document.xml" in outcome.get("refused", ""), outcome


def test_zip_bomb_declaring_its_size_is_refused_before_inflating() -> None:
    data = raw_zip([stored("_rels/.rels", RELS.encode()),
                    ("word/document.xml", deflate_bomb(64 * MB, raw=True), zipfile.ZIP_DEFLATED, 64 * MB, 0)])
    reason = refused(lambda: parse_docx(data), "解压后过大")
    assert "MB" in reason
    # Not inflated at all: the CRC, which is wrong, is never checked.
    assert "损坏" not in reason


def test_archive_budget_counts_every_member() -> None:
    """The unpacked budget holds for all members together: at most MAX_COMPRESSION_RATIO times the
    archive's size (here far below MAX_UNPACKED_BYTES)."""
    member = b" " * (2 * MB)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("a.txt", "b.txt", "c.txt"):
            z.writestr(name, member)
    data = out.getvalue()
    with Archive(data, "ZIP 压缩包") as archive:
        assert archive.budget == min(MAX_UNPACKED_BYTES, 200 * len(data)) and archive.budget < 6 * MB
        reads = 0
        with pytest.raises(InputError, match="ZIP 压缩包 解压后过大") as caught:
            for name in archive.names():
                assert archive.read(name) == member
                reads += 1
        assert reads == archive.budget // len(member) and "\n" not in str(caught.value)
        refused(lambda: archive.read("a.txt", limit=MB), "a.txt", "解压后过大", "1 MB")


def test_archive_of_too_many_members_is_refused_before_listing() -> None:
    data = raw_zip([stored(f"{i}", b"") for i in range(MAX_ARCHIVE_MEMBERS + 1)])
    refused(lambda: Archive(data), "文件过多", str(MAX_ARCHIVE_MEMBERS))
    refused(lambda: parse_docx(data), "DOCX", "文件过多")


def test_archive_members_zipfile_cannot_bound_are_refused() -> None:
    import bz2

    payload = bz2.compress(b"x" * 1000)
    bzip2 = raw_zip([("word/document.xml", payload, zipfile.ZIP_BZIP2, 1000, zlib.crc32(b"x" * 1000))])
    refused(lambda: parse_docx(bzip2), "不支持的压缩方式")
    encrypted = raw_zip([stored("word/document.xml", document_xml(para("x")))], flags=1)
    refused(lambda: parse_docx(encrypted), "已加密")
    refused(lambda: parse_docx(b"PK\x03\x04" + b"\0" * 100), "DOCX 文件已损坏（不是有效的压缩包）")


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容XYZ", encoding="utf-8")
    prolog = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    document = parse_docx(docx_package(document_xml(para("前&xxe;后"), prolog)))
    assert [block.text for block in document.blocks] == ["前后"]  # type: ignore[union-attr]
    prolog = f'<!DOCTYPE w:document [<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;]>'
    assert "XYZ" not in parse_docx(docx_package(document_xml(para("正文"), prolog))).text


def test_external_dtd_is_not_fetched() -> None:
    hits: list[str] = []

    class Handler(http_server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY remote "REMOTE">')

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as url:
        prolog = f'<!DOCTYPE w:document SYSTEM "{url}/evil.dtd">'
        try:
            text = parse_docx(docx_package(document_xml(para("正文&remote;"), prolog))).text
        except InputError as exc:  # an undeclared entity: refused as damaged XML is fine too
            text = str(exc)
    assert hits == [] and "REMOTE" not in text


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
    prolog = f'<!DOCTYPE w:document [<!ENTITY l0 "哈哈哈哈">{levels}]>'
    data = docx_package(document_xml(para("笑&l11;"), prolog))
    outcome = parse_in_child(data, tmp_path, memory=512 * MB)
    assert "哈哈" not in json.dumps(outcome, ensure_ascii=False) and "crashed" not in outcome, outcome
    assert "DOCX" in outcome.get("refused", ""), outcome


def test_docx_whose_main_part_starts_after_64_kb_is_read() -> None:
    """Attachments put a thumbnail or fonts first: the main part starts far into the zip. The reader
    finds it through the relationships; end to end, the sniffer must see a DOCX too."""
    import synth
    import synth_documents as sd

    rng = random.Random("after-64-kb")
    original = sd.render_docx(synth.random_doc(rng), rng)
    members = zipfile.ZipFile(io.BytesIO(original))
    first = ["[Content_Types].xml", "_rels/.rels"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in first:
            z.writestr(members.getinfo(name), members.read(name))
        z.writestr("customXml/padding.bin", random.Random(1).randbytes(100_000), zipfile.ZIP_STORED)
        for info in members.infolist():
            if info.filename not in first:
                z.writestr(info, members.read(info.filename))
    data = out.getvalue()
    assert b"word/" not in data[:65536]
    expected = parse(original, "report.docx")
    assert parse_docx(data).blocks == parse_docx(original).blocks
    report = parse(data, "https://www.example.gov.cn/attachment")  # no extension: sniffed
    assert report.source.media_type == DOCX_MEDIA_TYPE
    assert report.tables == expected.tables and report.year == expected.year


# === PDF ============================================================================================
def test_flate_bomb_is_stopped_at_the_stream_limit(tmp_path: Path) -> None:
    """0.6 MB of FlateDecode inflated to 1.3 GB in 8 s: now decoding stops past MAX_PDF_STREAM_BYTES."""
    data = one_page_pdf(deflate_bomb(2048 * MB), b"/Filter /FlateDecode ")
    assert len(data) < 3 * MB
    outcome = parse_in_child(data, tmp_path, memory=768 * MB)
    assert "数据流解压后过大" in outcome.get("refused", ""), outcome
    assert f"{MAX_PDF_STREAM_BYTES // MB} MB" in outcome["refused"]


def test_flate_bomb_behind_two_filters_is_stopped(tmp_path: Path) -> None:
    inner = deflate_bomb(1024 * MB)
    outer = zlib.compress(inner, 9)
    data = one_page_pdf(outer, b"/Filter [/FlateDecode /FlateDecode] ")
    outcome = parse_in_child(data, tmp_path, memory=768 * MB)
    assert "数据流解压后过大" in outcome.get("refused", ""), outcome


def test_run_length_bomb_is_stopped() -> None:
    data = one_page_pdf(b"\x81 " * (MAX_PDF_STREAM_BYTES // 128 + 1) + b"\x80", b"/Filter /RunLengthDecode ")
    refused(lambda: parse_pdf(data), "数据流解压后过大")


def test_corrupted_flate_stream_is_read_within_the_budget() -> None:
    """A damaged checksum: pdfminer inflated it again one byte at a time, copying the output each time."""
    content = zlib.compress(TEXT)
    data = one_page_pdf(content[:-4] + b"\0\0" + content[-2:], b"/Filter /FlateDecode ")  # checksum damaged
    refused(lambda: parse_pdf(data), "文字过少")  # read: one line of Latin text, not a report


def test_corrupted_flate_bomb_is_stopped(tmp_path: Path) -> None:
    bomb = deflate_bomb(128 * MB)
    outcome = parse_in_child(one_page_pdf(bomb[:-1] + b"\0", b"/Filter /FlateDecode "), tmp_path, cpu=30)
    assert "数据流解压后过大" in outcome.get("refused", ""), outcome


def test_page_listed_a_million_times_is_refused_from_the_bytes() -> None:
    """One page object listed 1,000,000 times in /Kids: 15 s before rejection (pdfminer parses the
    array and copies the page for every entry); the array is now counted in the file's bytes."""
    data = one_page_pdf(TEXT, kids=b"[" + b"3 0 R " * 1_000_000 + b"]")
    refused(lambda: parse_pdf(data), "页数过多", "1000000", str(MAX_PDF_PAGES))


@pytest.mark.parametrize("kids,more", [
    (b"[3 0 R 3 0 R]", {}),  # the same page twice
    (b"[3 0 R 2 0 R]", {}),  # a loop: the tree lists itself
    (b"6 0 R", {6: b"[3 0 R 3 0 R]"}),  # an indirect array: seen by the walk, not in the bytes
])
def test_page_tree_repeats_are_refused(kids: bytes, more: dict[int, bytes]) -> None:
    refused(lambda: parse_pdf(one_page_pdf(TEXT, kids=kids, more=more)), "页面树损坏", "多次")


def test_pages_are_counted_before_any_is_opened() -> None:
    kids = b"[" + b" ".join(b"%d 0 R" % (10 + i) for i in range(MAX_PDF_PAGES + 1)) + b"]"
    pages = {10 + i: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1e400 842] >>" for i in range(MAX_PDF_PAGES + 1)}
    data = one_page_pdf(TEXT, kids=kids, more=pages)  # every page unreadable: none may be opened
    refused(lambda: parse_pdf(data), "页数过多", str(MAX_PDF_PAGES))


def test_text_operators_past_the_page_limit_are_refused() -> None:
    """200,000 text operators on one page took over 20 s: the page stops at MAX_PDF_PAGE_OBJECTS."""
    data = one_page_pdf(b"BT /F1 1 Tf 10 10 Td " + b"(a) Tj " * 200_000 + b"ET")
    refused(lambda: parse_pdf(data), "对象过多", str(MAX_PDF_PAGE_OBJECTS))


def test_form_drawn_over_and_over_counts_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A form of 100,000 no-op operators drawn 1,000 times (tiny file, 10⁸ operators): the content
    budget counts the form each time it is drawn (a small budget here, to keep the test short)."""
    monkeypatch.setattr(pdf_reader, "MAX_PDF_TOKENS", 300_000)
    form = pdf_stream(zlib.compress(b"q Q " * 50_000), b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
                                                        b"/Filter /FlateDecode ")
    data = one_page_pdf(b"/X1 Do\n" * 1000, resources=b"/XObject << /X1 6 0 R >>", more={6: form})
    refused(lambda: parse_pdf(data), "内容过于复杂", "300000")


def test_inline_image_full_of_the_end_marker_letter_is_read_in_linear_time(tmp_path: Path) -> None:
    """pdfminer copied the image data gathered so far for every byte after an 「E」: quadratic."""
    content = b"q BI /W 1 /H 1 /BPC 8 /CS /G ID " + b"E" * 1_500_000 + b" EI Q\n" + TEXT + TEXT
    outcome = parse_in_child(one_page_pdf(content), tmp_path, cpu=30)
    assert "不是政府信息公开工作年度报告" in outcome.get("refused", ""), outcome  # read to the end: not a report


def test_grid_of_ruling_lines_past_the_crossing_limit_is_refused() -> None:
    def grid(lines: int) -> bytes:
        step = 800 / lines
        ops = [b"0.1 w"] + [b"10 %.3f m 810 %.3f l S %.3f 10 m %.3f 810 l S" % ((10 + i * step,) * 4)
                            for i in range(lines)]
        return one_page_pdf(b"\n".join([*ops, TEXT]), media_box=b"[0 0 820 820]")

    refused(lambda: parse_pdf(grid(40)), "文字过少")  # 1,600 crossings: read
    refused(lambda: parse_pdf(grid(100)), "表格线过多", str(MAX_PDF_PAGE_CROSSINGS))  # 10,000 crossings


def test_page_of_absurd_size_is_refused() -> None:
    data = one_page_pdf(TEXT, media_box=b"[0 0 100000000000000000000 842]")
    refused(lambda: parse_pdf(data), "页面尺寸异常")


def test_font_width_range_of_two_billion_codes_is_refused(tmp_path: Path) -> None:
    """/W [1 2147483647 1000]: pdfminer made a dict entry for every code (1.3 GB, then MemoryError)."""
    data = one_page_pdf(b"BT /F1 12 Tf 72 720 Td <0001> Tj ET", more={
        5: b"<< /Type /Font /Subtype /Type0 /BaseFont /Odd /Encoding /Identity-H /DescendantFonts [7 0 R] >>",
        7: b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Odd /CIDSystemInfo << /Registry (Adobe) "
           b"/Ordering (Identity) /Supplement 0 >> /W [1 2147483647 1000] >>"})
    outcome = parse_in_child(data, tmp_path, memory=768 * MB)
    assert "内容过于复杂" in outcome.get("refused", ""), outcome


def test_character_map_range_of_four_billion_codes_is_refused(tmp_path: Path) -> None:
    to_unicode = pdf_stream(b"1 begincodespacerange <00000000> <FFFFFFFF> endcodespacerange\n"
                            b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange\n")
    data = one_page_pdf(TEXT, more={5: HELVETICA[:-2] + b"/ToUnicode 8 0 R >>", 8: to_unicode})
    outcome = parse_in_child(data, tmp_path, memory=768 * MB, cpu=60)
    assert "内容过于复杂" in outcome.get("refused", ""), outcome


def test_text_far_off_the_page_is_left_out(tmp_path: Path) -> None:
    """Lines drawn at x = 99,999,999: the laid-out text padded each with ten million spaces."""
    far = b"".join(b"BT /F1 12 Tf 99999999 %d Td (far away) Tj ET\n" % (800 - 14 * line) for line in range(50))
    outcome = parse_in_child(one_page_pdf(far + TEXT + TEXT), tmp_path, memory=512 * MB, cpu=30)
    assert "不是政府信息公开工作年度报告" in outcome.get("refused", ""), outcome  # read: not a report


def test_cell_texts_are_pdfplumbers() -> None:
    data = ruled_tables_pdf(2)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            tables = page.find_tables()
            assert tables
            for table in tables:
                assert pdf_reader._cell_texts(table) == table.extract()


def test_ruled_tables_are_read_page_after_page() -> None:
    document = parse_pdf(ruled_tables_pdf(3, rows=10))
    grids = [block.rows for block in document.blocks if hasattr(block, "rows")]
    assert len(grids) == 3 and grids[2][9][5] == "r2-9c5" and grids[0][0][:2] == ["merged header"] * 2


FONT_WITHOUT_BBOX = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Odd /FirstChar 32 /LastChar 126 "
                     b"/Widths [" + b"500 " * 95 + b"] /FontDescriptor 6 0 R >>")


def library_warning_pdf() -> bytes:
    """pdfminer warns: a font descriptor without FontBBox."""
    return one_page_pdf(TEXT, more={
        5: FONT_WITHOUT_BBOX, 6: b"<< /Type /FontDescriptor /FontName /Odd /Flags 32 >>"})


def test_library_warnings_go_to_the_monitor_logger() -> None:
    records: list[logging.LogRecord] = []
    keep = logging.Handler()
    keep.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("monitor")
    logger.addHandler(keep)
    try:
        refused(lambda: parse_pdf(library_warning_pdf()), "文字过少")
    finally:
        logger.removeHandler(keep)
    assert [record.name for record in records if "FontBBox" in record.getMessage()] == [
        "monitor.parsing.pdf.library.pdfminer.pdffont"]
    assert not logging.getLogger("pdfminer").propagate  # not to the root logger (Python's last resort: stderr)


def test_monitor_check_prints_one_line_when_a_library_warns(tmp_path: Path) -> None:
    path = tmp_path / "warns.pdf"
    path.write_bytes(library_warning_pdf())
    proc = run_monitor_check(path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "文字过少" in proc.stderr, proc.stderr


def run_monitor_check(location: Path | str, memory: int = 1024 * MB) -> subprocess.CompletedProcess[str]:
    def limits() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (60, 60))

    return subprocess.run([sys.executable, "-m", "monitor.cli", "check", str(location)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, preexec_fn=limits,
                          env={"PYTHONIOENCODING": "utf-8", "PATH": os.environ.get("PATH", "")})


# === Fetching ========================================================================================
def test_device_is_refused_not_read() -> None:
    """`monitor check /dev/zero`: MemoryError (the size check trusted st_size, 0 for a device)."""
    proc = run_monitor_check("/dev/zero")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "不是普通文件" in proc.stderr, proc.stderr


def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = run_monitor_check(fifo)  # a regression blocks until the subprocess timeout fails the test
    assert proc.returncode == 2 and "不是普通文件" in proc.stderr, proc.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_file_over_the_limit_is_refused_whatever_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "sparse.pdf"
    with path.open("wb") as f:
        f.truncate(MAX_DOCUMENT_BYTES + 1)
    refused(lambda: read_location(str(path)), "文件过大")
    refused(lambda: read_location(str(tmp_path)), "目录")


@contextlib.contextmanager
def serving(handler: type[http_server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 in a thread; yields its URL."""
    server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http_server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class DripHeaders(_Quiet):
    """A status line, then a header line every 0.2 s (100 of them, the most http.client takes)."""

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for i in range(100):
                self.wfile.write(b"X-Drip-%d: 1\r\n" % i)
                self.wfile.flush()
                time.sleep(0.2)
            self.wfile.write(b"\r\n")


class DripBody(_Quiet):
    """Headers, then one line every 0.2 s for 20 s: without a deadline, a complete small body."""

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(100):
                self.wfile.write("一、总体情况\n".encode())
                self.wfile.flush()
                time.sleep(0.2)


class Endless(_Quiet):
    """A body without a length, past the size limit, sent at once."""

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * MB
            for _ in range(MAX_DOCUMENT_BYTES // MB + 2):
                self.wfile.write(chunk)


class HugeLength(_Quiet):
    """A Content-Length over the limit, then nothing (the body never comes)."""

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            self.send_response(200)
            self.send_header("Content-Length", str(MAX_DOCUMENT_BYTES + 1))
            self.end_headers()
            self.wfile.flush()
            time.sleep(5)


@pytest.mark.parametrize("handler", [DripHeaders, DripBody])
def test_download_has_a_total_deadline(handler: type[http_server.BaseHTTPRequestHandler]) -> None:
    """A server that drips a line every 5 s kept `monitor check URL` busy past 120 s: each read
    came before the read timeout. Here the deadline is 1 s (a parameter; the default is
    FETCH_DEADLINE_S); the drip would end after 20 s with a complete, small response."""
    with serving(handler) as url:
        refused(lambda: read_location(f"{url}/report.txt", timeout=10, deadline=1), "下载超时", "1 秒")


def test_download_keeps_the_size_limit_while_streaming() -> None:
    with serving(Endless) as url:
        refused(lambda: read_location(f"{url}/big", deadline=60), "文件过大", str(MAX_DOCUMENT_BYTES // MB))
    with serving(HugeLength) as url:
        refused(lambda: read_location(f"{url}/big", deadline=3), "文件过大")


# === LibreOffice =======================================================================================
FAKE_SOFFICE = """#!/bin/sh
echo "convert noise on stdout"; echo "javaldx noise on stderr" >&2
out=.
while [ $# -gt 0 ]; do [ "$1" = "--outdir" ] && out="$2"; shift; done
case "$FAKE_SOFFICE_MODE" in
  hang) sleep 60 & echo $! > "$FAKE_SOFFICE_PIDS"; sleep 60 ;;
  huge) head -c 2000000 /dev/zero > "$out/report.docx" ;;
esac
"""


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    program = tmp_path / "soffice"
    program.write_text(FAKE_SOFFICE)
    program.chmod(0o755)
    monkeypatch.setattr(convert, "soffice", lambda: str(program))
    monkeypatch.setenv("FAKE_SOFFICE_PIDS", str(tmp_path / "pids"))
    return tmp_path / "pids"


def test_conversion_that_does_not_end_is_killed_with_its_children(
        fake_soffice: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "hang")
    refused(lambda: convert.to_docx(b"\xd0\xcf\x11\xe0", timeout=1), "LibreOffice 转换超时", "1 秒")
    child = int(fake_soffice.read_text())
    for _ in range(100):  # killed at once; reaped by init a moment later
        if not _running(child):
            break
        time.sleep(0.1)
    assert not _running(child)
    captured = capfd.readouterr()
    assert "noise" not in captured.out + captured.err


def test_conversion_output_over_the_limit_is_refused(fake_soffice: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "huge")
    refused(lambda: convert.to_docx(b"\xd0\xcf\x11\xe0", max_bytes=MB), "转换结果过大", "1 MB")
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "nothing")
    refused(lambda: convert.to_docx(b"\xd0\xcf\x11\xe0"), "无法转换")


def _running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return "\nState:\tZ" not in status


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if not name.isascii():  # as zip tools on Chinese Windows write it: GBK, no UTF-8 flag
                info = zipfile.ZipInfo(name.encode("gbk").decode("cp437"))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def test_a_zip_attachment_is_read_through_its_report(corpus_dir: Path) -> None:
    report = (corpus_dir / "weibin-office-2025.txt").read_bytes()
    data = zip_of({"附件1 说明.txt": "这是说明文字，不是报告。".encode(), "2025年政府信息公开工作年度报告.txt": report})
    read = parse(data, "http://127.0.0.2/P020260120.zip")
    assert read.year == 2025 and read.value("applications", "new_received", "total") is not None
    assert read.source.location == "http://127.0.0.2/P020260120.zip" and read.source.media_type == "text/plain"


def test_a_zip_without_a_report_is_refused_in_one_line() -> None:
    refused(lambda: parse(zip_of({"a.txt": "说明".encode(), "b.png": b"\x89PNG"}), "x.zip"), "没有可读的年度报告")
    refused(lambda: parse(zip_of({"b.png": b"\x89PNG"}), "x.zip"), "没有网页、PDF 或 Word 文件")


def test_a_zip_attachment_bomb_is_stopped_by_the_archive_budget(tmp_path: Path) -> None:
    data = raw_zip([("report.txt", deflate_bomb(1024 * MB, raw=True), zipfile.ZIP_DEFLATED, 1024, 0)])
    outcome = parse_in_child(data, tmp_path, memory=512 * MB)
    assert "ZIP 压缩包" in outcome.get("refused", ""), outcome
