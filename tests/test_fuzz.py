"""Fuzzing with hypothesis (issue 9): hostile documents, arguments and configuration files end in a
result or a one-line refusal, never a traceback.

* Documents. `check_document(data, location, content_type=…)` returns a CheckResult whose
  `to_json_dict()` serialises with `json.dumps(allow_nan=False)` (and encodes to UTF-8, as
  `monitor check --json` prints it), or raises InputError whose `str()` is one non-empty line; any
  other exception fails. Inputs, built structure-aware: HTML report pages (tables with huge, negative
  and garbage colspan/rowspan, nested tables, long cells and lines, odd numbers, charset declarations
  naming any codec — base64, rot13, zlib too — in <meta> and in the content type, control characters,
  truncation), the template page and the real reports mutated, plain text (flattened tables, digit
  runs, 共…其中 sentences), DOCX (python-docx reports and minimal packages, then truncated, flipped,
  parts replaced with garbage XML, nested text boxes, span storms) and PDF (written object by object,
  and reportlab reports, then truncated and flipped).
* The command line, run in-process with click's CliRunner: `check` with generated arguments, the
  database commands with generated ids, `--year`, `--since`, `--now` on a database made for this
  module, and generated monitor.toml files (random keys, values and nesting, BOM, not UTF-8). The exit
  status is 0, 1 or 2 for `check` and 0 or 2 for the database commands, no exception escapes, and
  stderr holds at most one line per problem (click's own usage message counts as one).
* Regression fixtures: every document of tests/fixtures/hostile/ (see its README.md) under the
  document property, and under `monitor check` (the command line shows what the libraries log on
  stderr: logging is left unconfigured there, as in a real run); every `*.cli.json` there under the
  command-line property. Files named `*.hang.*` or `*.oom.*` reproduce a hang or unbounded memory:
  `bench/fuzz.py --fixtures` checks them under time and memory limits; here there are no timing
  checks, so they are only required to be listed in the README.

The default profile ("fuzz") keeps the whole file to about a minute; for more examples:

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_fuzz.py

Hang-hunting, thousands of inputs and memory limits: bench/fuzz.py. The builders of hostile documents
(minimal DOCX packages, PDF objects, zip bombs, the odd numbers and charsets) live there too.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import random
import resource
import string
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import fuzz as hostile  # noqa: E402 — bench/fuzz.py: the builders of hostile documents

from monitor.errors import InputError  # noqa: E402
from monitor.pipeline import check_document  # noqa: E402

# --- profiles ----------------------------------------------------------------------------------
# Registered here, not in conftest.py (shared): "fuzz" is the default, "long" runs LONG_FACTOR times
# the examples of each test. Each test's example count is weighed by its cost (PDF examples are slow).
LONG_FACTOR = 20
settings.register_profile(
    "fuzz", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.large_base_example],
)
settings.register_profile("long", settings.get_profile("fuzz"), max_examples=100 * LONG_FACTOR)
PROFILE = "long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz"


def examples(n: int) -> settings:
    """The profile's settings with n examples (n × LONG_FACTOR in the long profile)."""
    return settings(settings.get_profile(PROFILE), max_examples=n * (LONG_FACTOR if PROFILE == "long" else 1))


HOSTILE_DIR = ROOT / "tests" / "fixtures" / "hostile"
SAMPLE = ROOT / "monitor" / "samples" / "weibin-office-2025.txt"


# =============================================================================================
# The document property
# =============================================================================================
# Reading one document may take this much address space above what the process holds already: an input
# that needs more is a defect (and must not take the machine's memory down with the test run).
MEMORY_BUDGET = 2 * 2**30


@contextlib.contextmanager
def memory_budget() -> Iterator[None]:
    """RLIMIT_AS (soft) at the current address space + MEMORY_BUDGET for the block, then as it was.
    A limit on memory, not on time: beyond it allocations fail with MemoryError."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    limit = used + MEMORY_BUDGET
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def assert_checked(data: bytes, location: str = "https://www.example.gov.cn/fuzz", content_type: str | None = None
                   ) -> None:
    """check_document returns JSON-serialisable output or refuses in one line; nothing else (and it
    stays within MEMORY_BUDGET)."""
    refusal = text = None
    try:
        with memory_budget():
            try:
                result = check_document(data, location, content_type=content_type)
            except InputError as exc:
                refusal = str(exc)
            else:
                text = json.dumps(result.to_json_dict(), allow_nan=False, ensure_ascii=False)
                del result
    except MemoryError:
        raise AssertionError(f"reading {len(data):,} bytes needed more than {MEMORY_BUDGET >> 20} MiB") from None
    if currently_in_test_context():  # pytest --hypothesis-show-statistics shows the mix
        event("refused" if refusal is not None else "read")
    if refusal is not None:
        assert refusal.strip(), "InputError with an empty message"
        assert len(refusal.splitlines()) == 1 and refusal == refusal.strip("\r\n"), \
            f"InputError message is not one line: {refusal!r}"
        return
    assert text is not None
    text.encode("utf-8")  # what `monitor check --json` prints: no lone surrogate


# --- pieces --------------------------------------------------------------------------------
def _full_width(text: str) -> str:
    return text.translate(hostile.FULL_WIDTH)


odd_numbers = st.one_of(
    st.sampled_from(hostile.ODD_NUMBERS),
    st.integers(-(10**30), 10**30).map(str),
    st.integers(0, 10**15).map(lambda n: f"{n:,}"),
    st.integers(0, 10**9).map(lambda n: _full_width(f"{n:,}")),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(300, 450).map(lambda n: "9" * n),
    st.from_regex(r"[0-9０-９,，.．eE+\-]{1,24}", fullmatch=True),
)
charsets = st.sampled_from(hostile.CHARSETS) | st.text(string.ascii_letters + string.digits + "-_", max_size=20)
controls = st.text(st.sampled_from(hostile.CONTROL), min_size=1, max_size=8)
LABELS = ("本年新收政府信息公开申请数量", "上年结转", "予以公开", "部分公开", "（七）总计", "结转下年度继续办理",
          "自然人", "法人或其他组织", "商业企业", "总计", "第二十条第（一）项", "规章", "行政规范性文件",
          "本年制发件数", "行政许可", "行政复议", "结果维持", "结果纠正", "尚未审结", "其他", "小计", "—", "/", "无",
          "")
cell_texts = st.one_of(st.sampled_from(LABELS), odd_numbers, st.text(max_size=30),
                       st.integers(1_000, 20_000).map(lambda n: "某" * n))
span_values = st.one_of(st.integers(-5, 5).map(str), st.integers(-(2**40), 2**40).map(str),
                        st.sampled_from(("", "abc", "1e9", "3.7", " 12abc", "١٢", "１０", "9" * 40, "0x10", "+2")))
headings = st.sampled_from(hostile.SECTION_HEADINGS) | st.sampled_from(
    ("一、", "二、主动公开", "三、依申请", "四、行政复议", "五、问题", "六、其他", "七、附件", "一 、总体情况"))


def _e(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """A narrative sentence with figures, often of the 「共N条，其中A、B、C」 form."""
    unit = draw(st.sampled_from("条件项个次"))
    parts = draw(st.lists(odd_numbers, min_size=0, max_size=6))
    listed = "、".join(f"类别{i}{n}{unit}" for i, n in enumerate(parts))
    verb = draw(st.sampled_from(("全年主动公开政府信息", "共受理申请", "本年度予以公开", "累计办理申请", "共收到", "")))
    tail = draw(st.sampled_from(("", "同比增长5%。", "全部公开3项。")))
    return f"{verb}{draw(odd_numbers)}{unit}，其中{listed}。{tail}"


@st.composite
def html_tables(draw: st.DrawFn, depth: int = 0) -> str:
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        cells = []
        for _ in range(draw(st.integers(0, 10))):
            attrs = "".join(f' {name}="{draw(span_values)}"' for name in ("rowspan", "colspan") if draw(st.booleans()))
            inner = _e(draw(cell_texts))
            if depth < 3 and draw(st.integers(0, 9)) == 0:
                inner += draw(html_tables(depth + 1))
            cells.append(f"<{draw(st.sampled_from(('td', 'th')))}{attrs}>{inner}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    repeat = draw(st.sampled_from((1, 1, 1, 20)))
    if sum(map(len, rows)) * repeat > 1_000_000:  # (the page stays below a few MB)
        repeat = 1
    return "<table border=1>" + "".join(rows * repeat) + "</table>"


@st.composite
def html_pages(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """A report page from scratch: title, headings, sentences and tables, a charset declaration,
    control characters; encoded in some charset, sometimes truncated."""
    year = draw(st.integers(1900, 2200) | st.sampled_from((2024, 2025)))
    title = draw(st.sampled_from(("", f"某某局{year}年度政府信息公开工作年度报告",
                                  "某" * 5000 + f"{year}年度政府信息公开工作年度报告",
                                  f"{year}年度某某镇人民政府政务公开年报")))
    parts = [f"<h1>{_e(title)}</h1>"]
    # Half the pages follow the template (the six headings in order, each dropped now and then), so
    # that they get past "not a report" to the tables and rules; the others are blocks in any order.
    plan = [heading for heading in hostile.SECTION_HEADINGS if draw(st.integers(0, 5))] \
        if draw(st.booleans()) else [None] * draw(st.integers(0, 8))
    for heading in plan:
        if heading is not None:
            parts.append(f"<p><strong>{_e(heading)}</strong></p>")
        block = draw(st.sampled_from(("heading", "sentence", "table", "table", "control", "nest", "long")))
        if block == "heading":
            parts.append(f"<p><strong>{_e(draw(headings))}</strong></p>")
        elif block == "sentence":
            parts.append(f"<p>{_e(draw(sentences()))}</p>")
        elif block == "table":
            parts.append(draw(html_tables()))
        elif block == "control":
            parts.append(draw(controls))
        elif block == "nest":
            tag, depth = draw(st.sampled_from(("div", "span", "table", "p", "b"))), draw(st.integers(1, 300))
            parts.append(f"<{tag}>{_e(draw(headings))}" * depth + f"</{tag}>" * draw(st.sampled_from((0, depth))))
        else:
            piece = draw(st.sampled_from(("某", "1", " ", "&nbsp;", "<br>", "，其中")))
            parts.append(piece * draw(st.integers(1, 100_000)))
    charset = draw(st.none() | charsets)
    meta = "" if charset is None else draw(st.sampled_from((
        f'<meta charset="{charset}">', f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">',
        f"<meta charset={charset}>")))
    body = "".join(parts)
    page = f"<html><head>{meta}<title>{_e(title)}</title></head><body><div id='zoom'>{body}</div></body></html>"
    encoding = draw(st.sampled_from(("utf-8", "utf-8", "utf-8", "gb18030", "utf-16", "utf-16-le", "big5", "latin-1",
                                     "utf-8-sig")))
    data = page.encode(encoding, "replace")
    if draw(st.integers(0, 4)) == 0:
        data = data[: len(data) - draw(st.integers(0, len(data)))]
    content_type = draw(st.none() | charsets.map(lambda c: f"text/html; charset={c}"))
    return data, content_type


HTML_SNIPPETS = ('<td colspan="99999999">', '<td rowspan="-7">', '<td colspan="x">', "<table>", "</table>", "<tr>",
                 "</td></tr>", "<!--", "&#0;", "&#xD800;", "&#99999999999;", "\x00", "<meta charset=rot13>",
                 "<meta charset=base64>", "<?xml version='1.0' encoding='zlib'?>", "一、总体情况", "其中", "共",
                 "</body></html>", "<html>", "<table><tr><td>" * 50, "<div>" * 300)


@st.composite
def mutated_pages(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """A real report page, a quirk fixture or the template page, edited: snippets inserted at drawn
    places, span attributes added to cells, numbers replaced by odd ones, then truncated or flipped."""
    sources = {name: data for name, data in hostile.real_reports().items() if name.endswith(".html")}
    sources["template"] = hostile.template_page().encode()
    name = draw(st.sampled_from(sorted(sources)))
    text = sources[name].decode("gb18030" if b"charset=gb" in sources[name][:4096].lower() else "utf-8", "replace")
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(("snippet", "span", "number", "controls")))
        if edit == "snippet":
            text = text[:at] + draw(st.sampled_from(HTML_SNIPPETS)) + text[at:]
        elif edit == "span":
            found = text.find("<td", at)
            if found >= 0:
                attr = f' {draw(st.sampled_from(("rowspan", "colspan")))}="{draw(span_values)}"'
                text = text[:found + 3] + attr + text[found + 3:]
        elif edit == "number":
            found = next((i for i in range(at, min(len(text), at + 2000)) if text[i].isdigit()), None)
            if found is not None:
                text = text[:found] + draw(odd_numbers) + text[found + 1:]
        else:
            text = text[:at] + draw(controls) + text[at:]
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = data[: len(data) - draw(st.integers(0, len(data)))]
    content_type = draw(st.none() | charsets.map(lambda c: f"text/html; charset={c}"))
    return data, content_type


@st.composite
def text_reports(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """The seed report (flattened tab-separated tables) or one from scratch, with odd numbers in table
    lines, separators changed, digit runs, 共…其中 sentences and long lines."""
    if draw(st.booleans()):
        lines = hostile.seed_text().split("\n")
    else:
        lines = [draw(st.sampled_from(("某某局2024年度政府信息公开工作年度报告", "")))]
        for _ in range(draw(st.integers(1, 30))):
            kind = draw(st.sampled_from(("heading", "sentence", "row")))
            if kind == "heading":
                lines.append(draw(headings))
            elif kind == "sentence":
                lines.append(draw(sentences()))
            else:
                lines.append("\t".join(draw(st.lists(cell_texts, min_size=1, max_size=9))))
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(("number", "sentence", "digits", "long", "separator", "controls")))
        if edit == "number" and "\t" in lines[i]:
            cells = lines[i].split("\t")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(odd_numbers)
            lines[i] = "\t".join(cells)
        elif edit == "sentence":
            lines.insert(i, draw(sentences()))
        elif edit == "digits":  # moderate: the reader's time on long runs is bench/fuzz.py's business
            lines[i] += "1" * draw(st.integers(1, 1500)) + draw(st.sampled_from(("条", "", "\t", "件，其中2件")))
        elif edit == "long":
            lines[i] += draw(st.sampled_from(("某", " ", "\t", "1 ", "一、"))) * draw(st.integers(1, 50_000))
        elif edit == "separator":
            sep = draw(st.sampled_from(("  ", " ", "|", "\u3000", "\t\t", "\x0b", "\x0c", "\r")))
            lines = [line.replace("\t", sep) for line in lines]
        else:
            lines[i] = draw(controls) + lines[i]
    text = draw(st.sampled_from(("\n", "\r\n", "\r"))).join(lines)
    encoding = draw(st.sampled_from(("utf-8", "gb18030", "utf-16", "utf-8-sig", "big5", "utf-32")))
    data = text.encode(encoding, "replace")
    if draw(st.integers(0, 4)) == 0:
        data = data[: len(data) - draw(st.integers(0, len(data)))]
    content_type = draw(st.none() | charsets.map(lambda c: f"text/plain; charset={c}"))
    return data, content_type


# --- DOCX ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def docx_bases() -> list[bytes]:
    """Two python-docx reports (one with a nested layout table and a VML text box, one with a Word
    2010 text box and 表三 split in two) and a minimal package written here."""
    import synth
    import synth_documents as sd

    out = []
    for i, options in enumerate(({"nested": True, "textbox": "vml"}, {"textbox": "mc", "split_t3": True})):
        rng = random.Random(f"test_fuzz/docx/{i}")
        out.append(sd.render_docx(synth.random_doc(rng), rng, **options))
    out.append(hostile.docx_package(hostile.report_body_xml()))
    return out


GARBAGE_XML = (
    b"", b"<", b"\xff\xfe<\x00a\x00", b"<?xml version='1.0'?><w:document/>", b"<a>" * 2000,
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><d>&c;&c;</d>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    b'<?xml version="1.0" encoding="rot13"?><a/>', b'<?xml version="1.0" encoding="utf-16"?><a/>',
)
spans = st.integers(-3, 5) | st.sampled_from((0, 100, 10**6, 2**31, -(2**31)))
merges = st.sampled_from((None, "restart", "continue", "bogus", ""))


def docx_edit(draw: st.DrawFn, base: bytes) -> bytes:
    """One structural edit of a DOCX package: zip, parts, or the document's XML. (A function of
    `data.draw`, not a strategy: a strategy's repr would carry the whole package.)"""
    edit = draw(st.sampled_from(("truncate", "flip", "garbage", "remove", "textboxes", "table", "nest", "numbers")))
    if edit == "truncate":
        return base[: len(base) - draw(st.integers(0, len(base)))]
    if edit == "flip":
        data = bytearray(base)
        for _ in range(draw(st.integers(1, 16))):
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    members = hostile.zip_members(base)
    document = members["word/document.xml"].decode("utf-8")
    if edit == "garbage":
        part = draw(st.sampled_from(sorted(members)))
        return hostile.rezip(base, {part: draw(st.sampled_from(GARBAGE_XML) | st.binary(max_size=200))})
    if edit == "remove":
        return hostile.rezip(base, {draw(st.sampled_from(sorted(members))): None})
    if edit == "textboxes":  # (nested text boxes cost exponential time: depth stays small here)
        extra = hostile.nested_textboxes(draw(st.integers(1, 6)), draw(sentences()))
    elif edit == "table":
        cells = st.tuples(cell_texts.map(lambda t: t[:200]), spans, merges)
        extra = hostile.w_table(draw(st.lists(st.lists(cells, max_size=10), min_size=1, max_size=10)))
    elif edit == "nest":
        depth = draw(st.integers(1, 60))
        tag = draw(st.sampled_from(("tbl", "sdt")))
        opener, closer = ("<w:tbl><w:tr><w:tc>", "</w:tc></w:tr></w:tbl>") if tag == "tbl" else (
            "<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>")
        extra = opener * depth + hostile.w_paragraph(draw(headings)) + closer * depth
    else:
        extra = "".join(hostile.w_paragraph(draw(sentences())) for _ in range(draw(st.integers(1, 5))))
    at = document.index("<w:body>") + len("<w:body>")
    return hostile.rezip(base, {"word/document.xml": (document[:at] + extra + document[at:]).encode("utf-8")})


# --- PDF -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pdf_report() -> bytes:
    """A report drawn by reportlab (synth_documents: ruled tables, CID font STSong-Light)."""
    import synth
    import synth_documents as sd

    rng = random.Random("test_fuzz/pdf")
    return sd.render_pdf_reportlab(synth.random_doc(rng), rng, font="cid", t3_split="none")


def reportlab_page(lines: list[str], grid: tuple[int, int]) -> bytes:
    """A small uncompressed PDF drawn with reportlab's canvas: text lines and a ruled grid."""
    import synth_documents as sd  # registers the CID font
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pageCompression=0)
    c.setFont(sd.FONT, 10)
    for i, line in enumerate(lines):
        c.drawString(50, 800 - 14 * i, line)
    rows, cols = grid
    for r in range(rows + 1):
        c.line(50, 400 - 12 * r, 50 + 40 * cols, 400 - 12 * r)
    for col in range(cols + 1):
        c.line(50 + 40 * col, 400, 50 + 40 * col, 400 - 12 * rows)
    c.showPage()
    c.save()
    return out.getvalue()


@st.composite
def pdf_files(draw: st.DrawFn) -> bytes:
    """PDFs written object by object or drawn by reportlab's canvas, with hostile structure or text."""
    lines = draw(st.lists(st.one_of(headings, sentences(), st.text(max_size=40)), max_size=16))
    kind = draw(st.sampled_from(("canvas", "raw", "kids", "bomb", "count", "length", "nested", "operators")))
    content = hostile.pdf_report_lines(lines or None)
    if kind == "canvas":
        data = reportlab_page(lines, (draw(st.integers(0, 12)), draw(st.integers(0, 10))))
    elif kind == "raw":
        data = hostile.pdf_document([content] * draw(st.integers(1, 4)), compress=draw(st.booleans()))
    elif kind == "kids":
        repeat = draw(st.sampled_from((b"4 0 R " * 1000, b"2 0 R 4 0 R", b"4 0 R 99 0 R", b"", b"1 0 R")))
        data = hostile.pdf_document([content], kids=repeat, count=draw(st.integers(-2, 10**6)))
    elif kind == "bomb":
        data = hostile.pdf_flate_bomb(draw(st.sampled_from((2**10, 2**20, 2**24))))
    elif kind == "count":
        data = hostile.pdf_document([content], count=draw(st.integers(-(2**63), 2**63)))
    elif kind == "length":
        doc = hostile.pdf_document([content])
        data = doc.replace(b"/Length", b"/Length %d %%" % draw(st.integers(-(10**12), 10**12)), 1)
    elif kind == "nested":
        depth = draw(st.integers(1, 3000))
        nested = b"/X " + b"[" * depth + b"]" * depth + b" /MediaBox"
        data = hostile.pdf_document([content]).replace(b"/MediaBox", nested)
    else:
        data = hostile.family_pdf_operators(draw(st.integers(1, 400))).data
    return data


def flipped_or_cut(draw: st.DrawFn, data: bytes) -> bytes:
    edit = draw(st.sampled_from(("none", "truncate", "flip", "both")))
    if edit in ("flip", "both"):
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            out[draw(st.integers(0, len(out) - 1))] ^= 1 << draw(st.integers(0, 7))
        data = bytes(out)
    if edit in ("truncate", "both"):  # (the cut shrinks towards the whole file)
        data = data[: len(data) - draw(st.integers(0, len(data)))]
    return data


# --- the document tests --------------------------------------------------------------------------
@examples(150)
@given(page=html_pages())
def test_html_pages(page: tuple[bytes, str | None]) -> None:
    data, content_type = page
    assert_checked(data, "https://www.example.gov.cn/zfxxgk/t20250120_1.html", content_type)


@examples(100)
@given(page=mutated_pages())
def test_mutated_real_pages(page: tuple[bytes, str | None]) -> None:
    data, content_type = page
    assert_checked(data, "https://www.example.gov.cn/zfxxgk/t20250120_1.html", content_type)


@examples(150)
@given(report=text_reports())
def test_text_reports(report: tuple[bytes, str | None]) -> None:
    data, content_type = report
    assert_checked(data, "report.txt", content_type)


@examples(80)
@given(data=st.data())
def test_docx(docx_bases: list[bytes], data: st.DataObject) -> None:
    document = docx_bases[data.draw(st.integers(0, len(docx_bases) - 1), label="base")]
    for _ in range(data.draw(st.integers(1, 2), label="edits")):
        try:
            document = docx_edit(data.draw, document)
        except Exception:  # a package already broken past editing (zipfile, zlib errors): check it as it is
            break
    assert_checked(document, "report.docx")


@examples(40)
@given(data=st.data())
def test_pdf_files(data: st.DataObject) -> None:
    pdf = data.draw(pdf_files())
    assert_checked(flipped_or_cut(data.draw, pdf), "report.pdf")


@examples(20)
@given(data=st.data())
def test_pdf_report_damaged(pdf_report: bytes, data: st.DataObject) -> None:
    assert_checked(flipped_or_cut(data.draw, pdf_report), "report.pdf")


@examples(100)
@given(data=st.binary(max_size=3000),
       head=st.sampled_from((b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html>", b"\xef\xbb\xbf", b"\xff\xfe")))
def test_bytes(data: bytes, head: bytes) -> None:
    """Any bytes (behind the magic numbers the sniffer looks for; not DOC's, whose conversion by
    LibreOffice takes seconds: bench/fuzz.py tries those)."""
    assert_checked(head + data, "anything")


# =============================================================================================
# The command line
# =============================================================================================
@contextlib.contextmanager
def unconfigured_logging() -> Iterator[None]:
    """Logging as in a real `monitor` process: no handler on the root logger (pytest installs its
    own), so a library's warning goes to stderr through logging's last-resort handler."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []
    try:
        yield
    finally:
        root.handlers = saved


class _Logged(logging.Handler):
    """Keeps the tracebacks the command line logs (its internal-error handler logs them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


def invoke(args: list[str]) -> Result:
    """`monitor ARGS` in this process; the tracebacks logged meanwhile as `result.logged`."""
    from monitor.cli import main

    logged = _Logged()
    logger = logging.getLogger("monitor")
    logger.addHandler(logged)
    try:
        with unconfigured_logging(), memory_budget():
            result = CliRunner().invoke(main, args, catch_exceptions=True)
    finally:
        logger.removeHandler(logged)
    result.logged = "\n".join(logged.texts)  # type: ignore[attr-defined]
    return result


def problems(stderr: str) -> list[str]:
    """stderr's lines, click's usage message (Usage… / Try… / blank / Error: …) counted as one."""
    lines = stderr.splitlines()
    if lines and lines[0].startswith("Usage:"):
        rest = [line for line in lines[1:] if line.strip() and not line.startswith(("Try '", "Error:"))]
        return ["(usage)", *rest]
    return lines


def strict_json(text: str) -> Any:
    """JSON as RFC 8259 has it: Python's json would take NaN and Infinity."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"not JSON: {name} in the output")

    return json.loads(text, parse_constant=refuse)


def assert_cli(result: Result, args: list[str], allowed: set[int], most: int = 1) -> None:
    """Exit status in `allowed`, no exception but SystemExit, at most `most` problems on stderr, each
    a non-empty line that is not part of a traceback."""
    shown = (f"monitor {' '.join(map(repr, args))}\nexit {result.exit_code}\nstderr: {result.stderr!r}"
             + (f"\nlogged:\n{result.logged}" if getattr(result, "logged", "") else ""))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"{shown}\nunhandled {type(result.exception).__name__}:\n{trace}")
    assert result.exit_code in allowed, shown
    said = problems(result.stderr)
    assert len(said) <= most, shown
    assert all(line.strip() and not line.startswith(("Traceback", "  File ")) for line in said), shown


# What a real command line can carry: any text but NUL, and bytes that are not UTF-8 (Python decodes
# argv with surrogateescape: b"\xff" arrives as "\udcff").
arg_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
    st.binary(max_size=12).map(lambda b: b.replace(b"\x00", b"").decode("utf-8", "surrogateescape")),
)
years = st.integers(-(2**70), 2**70).map(str) | st.integers(1990, 2110).map(str) | arg_text
timezones = st.sampled_from(("", "Z", "+08:00", "-12:00", "+14:00", "+23:59", "-23:59"))
instants = st.one_of(
    st.datetimes().flatmap(lambda d: timezones.map(lambda z: d.isoformat() + z)),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(("0001-01-01", "9999-12-31", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00",
                     "2024-13-45", "2026-02-01", "now", "")),
    arg_text,
)


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with monitor.toml (SQLite database, two agencies), initialised, the sample stored;
    and a few hostile files to check."""
    folder = tmp_path_factory.mktemp("fuzz-cli")
    config = folder / "monitor.toml"
    config.write_text('[database]\nurl = "sqlite:///monitor.db"\n\n[[agency]]\nid = "weibin"\nname = "卫滨区人民政府"\n'
                      'kind = "government"\nlevel = "county"\n\n[[agency]]\nid = "weibin-office"\n'
                      'name = "卫滨区人民政府办公室"\nkind = "department"\nparent = "weibin"\n', encoding="utf-8")
    for args in (["init"], ["ingest", str(SAMPLE), "--agency", "weibin-office", "--now", "2026-02-01T09:00:00+08:00"]):
        result = invoke([*args, "--config", str(config)])
        assert result.exit_code == 0, result.output + result.stderr
    (folder / "empty.txt").write_bytes(b"")
    (folder / "damaged.pdf").write_bytes(hostile.pdf_document([hostile.pdf_report_lines()], compress=True)
                                         .replace(b"/FlateDecode", b"/FlateDecode ", 1)[:-300])
    (folder / "a directory").mkdir()
    return folder


def locations(folder: Path) -> st.SearchStrategy[str]:
    fixtures = [str(path) for path, _, _ in hostile.fixture_documents(HOSTILE_DIR)
                if ".hang." not in path.name and ".oom." not in path.name]
    return st.sampled_from([str(SAMPLE), str(folder / "empty.txt"), str(folder / "damaged.pdf"),
                            str(folder / "a directory"), str(folder / "missing.html"), "x" * 5000, "http://127.0.0.1:9/",
                            *fixtures]) | arg_text


@examples(80)
@given(data=st.data())
def test_cli_check(cli_dir: Path, data: st.DataObject) -> None:
    args = ["check", data.draw(locations(cli_dir))]
    for option, values in (("--year", years), ("--agency", arg_text),
                           ("--kind", st.sampled_from(("department", "government", "township")) | arg_text)):
        if data.draw(st.booleans()):
            args += [option, data.draw(values)]
    if data.draw(st.booleans()):
        args.append("--json")
    result = invoke(args)
    assert_cli(result, args, {0, 1, 2})
    if "--json" in args and result.exit_code in (0, 1):
        strict_json(result.stdout)


@st.composite
def database_commands(draw: st.DrawFn) -> list[str]:
    agency = st.sampled_from(("weibin", "weibin-office")) | arg_text
    ids = st.integers(-(2**70), 2**70).map(str) | st.integers(0, 5).map(str) | arg_text
    formats = st.sampled_from(("table", "csv", "json")) | arg_text

    def maybe(option: str, values: st.SearchStrategy[str]) -> list[str]:
        return [option, draw(values)] if draw(st.booleans()) else []

    command = draw(st.sampled_from(("reports", "findings", "triage", "history", "export", "agencies", "ingest")))
    if command == "reports":
        args = ["reports", *maybe("--agency", agency), *maybe("--year", years), *maybe("--since", instants),
                *maybe("--format", formats)] + (["--latest"] if draw(st.booleans()) else [])
    elif command == "findings":
        args = ["findings", *maybe("--agency", agency), *maybe("--year", years), *maybe("--since", instants),
                *maybe("--rule", st.sampled_from(("T3-BALANCE", "narrative-sum")) | arg_text),
                *maybe("--status", st.sampled_from(("open", "dismissed")) | arg_text),
                *maybe("--severity", st.sampled_from(("error", "warning")) | arg_text),
                *maybe("--format", formats), *maybe("--now", instants)]
    elif command == "triage":
        action = draw(st.sampled_from(("confirm", "dismiss")))
        args = ["findings", action, draw(ids), "--reason", draw(arg_text | st.just("误报")),
                *maybe("--by", arg_text), *maybe("--now", instants)]
        if action == "dismiss":
            args += maybe("--until", instants)
    elif command == "history":
        args = ["history", *([draw(agency)] if draw(st.booleans()) else []), *maybe("--agency", agency),
                *maybe("--year", years), *maybe("--since", instants), *maybe("--format", formats),
                *maybe("--now", instants)]
    elif command == "export":
        args = ["export", *maybe("--format", st.sampled_from(("csv", "xlsx")) | arg_text), "--force"]
    elif command == "agencies":
        args = ["agencies", "export"]
    else:
        args = ["ingest", str(SAMPLE), "--agency", draw(agency), *maybe("--year", years), *maybe("--now", instants)]
    return args


@examples(60)
@given(args=database_commands())
def test_cli_database_commands(cli_dir: Path, args: list[str]) -> None:
    if args[0] == "export":
        args = [*args, "-o", str(cli_dir / "export.out")]
    args = [*args, "--config", str(cli_dir / "monitor.toml")]
    assert_cli(invoke(args), args, {0, 2}, most=1 + sum(arg.startswith("--") for arg in args))


# --- configuration files ---------------------------------------------------------------------
KNOWN_KEYS = {
    "database": ("url",),
    "mail": ("smtp_host", "smtp_port", "starttls", "username", "sender", "outbox_dir", "repeat_after_days",
             "password"),
    "schedule": ("timezone", "crawl", "deadlines"),
    "crawl": ("user_agent", "per_host_interval_s", "timeout_s", "max_document_mb", "allow_private_addresses"),
    "agency": ("id", "name", "kind", "level", "region", "parent", "listing", "supervisors", "deadline"),
}
toml_keys = st.sampled_from(sorted({k for keys in KNOWN_KEYS.values() for k in keys} | set(KNOWN_KEYS))) | st.text(
    max_size=12)
toml_scalars = st.one_of(
    st.text(max_size=30), st.integers(-(2**70), 2**70), st.floats(), st.booleans(), st.datetimes(), st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.sampled_from(("sqlite:///monitor.db", "sqlite://", "sqlite:///", "postgresql+psycopg://u@127.0.0.1:9/x",
                     "mysql://x", "sqlite+aiosqlite:///x.db", "sqlite:///%00", "postgres://x", "department",
                     "county", "01-28", "02-30", "Asia/Shanghai", "Mars/Olympus", "0 7 * * *", "* * * * * * *")),
)
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(toml_keys, inner, max_size=4), max_leaves=12)


def toml_key(key: str) -> str:
    return key if key and all(ch in string.ascii_letters + string.digits + "_-" for ch in key) else toml_string(key)


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if value != value else "inf" if value == float("inf") else "-inf" if value == float("-inf") \
            else repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in dict(value).items()) + "}"
    return toml_string(value)


def _leaves(value: Any) -> int:
    """The values in a value: a table or array counts its members' (and itself: a wrong type)."""
    if isinstance(value, dict):
        return 1 + sum(_leaves(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_leaves(v) for v in value)
    return 1


@st.composite
def config_files(draw: st.DrawFn, database: Path) -> tuple[bytes, int]:
    """(monitor.toml bytes, the most problems it can hold): the real sections and keys mixed with
    random ones, values of any TOML type and nesting; a BOM, another encoding, NULs or a cut. Each
    value can be a problem, and each table three more (an [[agency]] lacking id, name and kind)."""
    lines: list[str] = []
    budget = 2
    if draw(st.booleans()):
        url = draw(st.sampled_from((f"sqlite:///{database}", "sqlite:///missing/monitor.db")) | toml_scalars)
        lines += ["[database]", f"url = {toml_value(url)}"]
        budget += 4
    for _ in range(draw(st.integers(0, 4))):
        section = draw(st.sampled_from(sorted(KNOWN_KEYS)) | st.text(max_size=8))
        keys = KNOWN_KEYS.get(section, ())
        entries = draw(st.dictionaries(st.sampled_from(keys) | toml_keys if keys else toml_keys, toml_values,
                                       max_size=5))
        header = f"[[{toml_key(section)}]]" if section == "agency" or draw(st.integers(0, 9)) == 0 else \
            f"[{toml_key(section)}]"
        lines.append(header)
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in entries.items()]
        budget += 4 + sum(_leaves(v) for v in entries.values())
    text = "\n".join(lines) + "\n"
    form = draw(st.sampled_from(("utf-8", "bom", "utf-16", "gbk", "latin-1", "nul", "cut", "garbage")))
    if form == "garbage":
        return draw(st.binary(max_size=300)), budget
    encodings = {"bom": "utf-8-sig", "utf-16": "utf-16", "gbk": "gbk", "latin-1": "latin-1"}
    data = text.encode(encodings.get(form, "utf-8"), "replace")
    if form == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    elif form == "cut":
        data = data[: len(data) - draw(st.integers(0, len(data)))]
    return data, budget


@pytest.fixture(scope="module")
def config_db(cli_dir: Path) -> Path:
    return cli_dir / "monitor.db"


@examples(80)
@given(data=st.data())
def test_cli_configuration_files(cli_dir: Path, config_db: Path, data: st.DataObject) -> None:
    content, budget = data.draw(config_files(config_db))
    folder = cli_dir / "configs"
    folder.mkdir(exist_ok=True)
    path = folder / "monitor.toml"
    path.write_bytes(content)
    command = data.draw(st.sampled_from((["reports"], ["agencies", "sync"], ["agencies", "export"], ["findings"])))
    args = [*command, "--config", str(path)]
    result = invoke(args)
    assert_cli(result, args, {0, 2}, most=budget)
    lines = result.stderr.splitlines()
    assert len(set(lines)) == len(lines), f"a problem said twice: {result.stderr!r}"


# =============================================================================================
# Regression fixtures (tests/fixtures/hostile/)
# =============================================================================================
def _readme() -> str:
    path = HOSTILE_DIR / "README.md"
    return path.read_text("utf-8") if path.exists() else ""


def _documents() -> list[tuple[Path, str | None, str]]:
    return hostile.fixture_documents(HOSTILE_DIR) if HOSTILE_DIR.is_dir() else []


def _limited(path: Path) -> bool:
    return ".hang." in path.name or ".oom." in path.name


DOCUMENTS = [item for item in _documents() if not _limited(item[0])]
CLI_CASES = [path for path in sorted(HOSTILE_DIR.glob("*.cli.json")) if not _limited(path)] if HOSTILE_DIR.is_dir() \
    else []


def test_every_fixture_is_described() -> None:
    """Each fixture file (documents, *.cli.json and the configuration files they name) has its line
    in README.md; hang and memory reproducers too (they run under bench/fuzz.py --fixtures)."""
    readme = _readme()
    files = [path for path in HOSTILE_DIR.iterdir() if path.name != "README.md" and not path.name.endswith(
        tuple(f".{suffix}.json" for suffix in ("html", "txt", "pdf", "docx", "bin")))]
    assert files, "tests/fixtures/hostile/ holds no fixture"
    missing = [path.name for path in files if f"`{path.name}`" not in readme]
    assert not missing, f"not described in tests/fixtures/hostile/README.md: {missing}"


@pytest.mark.parametrize(("path", "content_type", "location"), DOCUMENTS, ids=[p.name for p, _, _ in DOCUMENTS])
def test_fixture_document(path: Path, content_type: str | None, location: str) -> None:
    """The document property; a fixture whose `<file>.json` says "must_read": true is a report that
    must be read (a refusal there is the defect)."""
    assert_checked(path.read_bytes(), location, content_type)
    sidecar = path.with_name(path.name + ".json")
    if sidecar.exists() and json.loads(sidecar.read_text("utf-8")).get("must_read"):
        try:
            check_document(path.read_bytes(), location, content_type=content_type)
        except InputError as exc:
            raise AssertionError(f"{path.name} is a report, but it is refused: {exc}") from None


# (a fixture with a content type, the HTTP header, is no file `monitor check` could be given as such)
FILES = [path for path, content_type, _ in DOCUMENTS if content_type is None]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_document_on_the_command_line(path: Path) -> None:
    args = ["check", str(path), "--json"]
    result = invoke(args)
    assert_cli(result, args, {0, 1, 2})
    if result.exit_code in (0, 1):
        strict_json(result.stdout)


@pytest.mark.parametrize("path", CLI_CASES, ids=[p.name for p in CLI_CASES])
def test_fixture_command_line(cli_dir: Path, path: Path) -> None:
    """{"argv": [...], "database": true | false, "config": "<file in this folder>" | null, "exit": [0, 2]}:
    `--config` is the module's database's monitor.toml when "database" is true, else the named file."""
    case = json.loads(path.read_text("utf-8"))
    args = [arg.replace("{SAMPLE}", str(SAMPLE)) for arg in case["argv"]]  # (JSON keeps lone surrogates: \\udcff)
    if case.get("database"):
        args += ["--config", str(cli_dir / "monitor.toml")]
    elif case.get("config"):
        args += ["--config", str(HOSTILE_DIR / case["config"])]
    assert_cli(invoke(args), args, set(case.get("exit", [0, 2])), most=case.get("most", 1))
