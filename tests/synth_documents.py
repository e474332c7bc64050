"""Synthetic annual reports as DOCX and PDF files, and the bad inputs a document reader must refuse.

Built on `synth` (the same `Doc`, values, narrative, injections and `GridRow` grid model of the three
tables), so a report rendered here parses back to `doc.values` exactly when the reader is right.

* `render_docx(doc, rng, **options)` — python-docx: title, six headings, narrative, the three tables
  with real merged cells (gridSpan / vMerge), "Table Grid" borders, labels broken over lines; options
  in `DOCX_OPTIONS` (nested layout table, text box (VML or mc:AlternateContent), 表三 split in two
  tables, narrow columns, a long report whose 表三 crosses a page break, repeated header rows, rows
  allowed to break across pages, page numbers 「- N -」).
* `render_pdf_via_libreoffice(docx_paths, outdir)` — many DOCX to PDF in ONE `soffice` call.
* `render_pdf_reportlab(doc, rng, **options)` — an independent PDF producer: platypus tables with
  GRID ruling and SPAN merges in the CID font STSong-Light (or an embedded TrueType subset of a font
  made here, `SYNTH_TTF`: no test PDF depends on the fonts installed on the machine); 表三
  continued on the next page either by reportlab itself (`splitByRow`, `repeatRows`) or split by
  hand inside the 办理结果 block, optionally through a row broken over the page.
* `corpus_documents(n, seed, outdir)` — (name, bytes, expected tables) mixing the three producers.
* bad inputs: `encrypted_pdf`, `truncated_pdf`, `scanned_pdf`, `many_pages_pdf`, `docx_zip_bomb`,
  `damaged_docx`, `truncated_docx`; `.doc` files come from `convert_with_libreoffice(..., "doc")`
  (a ready one is in tests/fixtures/documents/, see `write_fixtures`).

Run `python tests/synth_documents.py fixtures` to regenerate tests/fixtures/documents/, or
`python tests/synth_documents.py sample OUTDIR` to write a few documents to look at.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import CIDFontInfo, UnicodeCIDFont, structToPDF
from reportlab.pdfgen import canvas
from reportlab.platypus import LayoutError, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth
from synth import AD, T3, T4, UP, Doc, GridRow, Label, Span, Style, Tables, Val

from monitor.template import SECTION_KEYS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "documents"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
DOC_TYPE = "application/msword"
FONT = "STSong-Light"


class _CIDFont(UnicodeCIDFont):
    """reportlab's built-in CID font (no font file: the reader supplies the glyphs), whose
    CIDSystemInfo strings (Registry 「Adobe」, Ordering 「GB1」) are PDF strings. reportlab writes
    them as raw text, never encrypted, so in an encrypted PDF a reader decrypts them to garbage,
    can't find the character collection and reads the text as (cid:N)."""

    def addObjects(self, doc: Any) -> None:  # CIDFont.addObjects with the strings encryptable
        internal = f"F{len(doc.fontMapping) + 1}"
        info = copy.deepcopy(CIDFontInfo[self.face.name])
        info["Name"], info["Encoding"] = "/" + internal, "/" + self.encodingName
        for descendant in info["DescendantFonts"]:
            system = descendant["CIDSystemInfo"]
            for key in ("Registry", "Ordering"):
                system[key] = pdfdoc.PDFString(system[key].strip("()"))
        doc.idToObject["BasicFonts"].dict[internal] = doc.Reference(structToPDF(info), internal)
        doc.fontMapping[self.name] = "/" + internal


pdfmetrics.registerFont(_CIDFont(FONT))

# Filler sentences without figures (they can't trip a narrative rule), used to lengthen a report.
_PLAIN_FILLER = (
    "严格按照法定程序和时限办理依申请公开事项，进一步规范受理、登记、审核、答复等环节，做到依法依规答复。",
    "对复杂申请建立会商机制，加强与法律顾问的沟通，确保答复合法合规、程序规范、表述准确。",
    "动态更新政府信息公开指南和目录，严格落实信息发布三级审核制度，防止泄密和不当公开。",
    "坚持以公开为常态、不公开为例外原则，严格落实公开前保密审查机制，持续提升公开质量。",
)


# =============================================================================================
# The grid model: origin cells with their spans, and 表三 split in two parts
# =============================================================================================
def grids(values: Tables) -> dict[str, list[GridRow]]:
    return {AD: synth.grid_active(values),
            T3: synth.grid_applications_header() + synth.grid_applications_body(values),
            T4: synth.grid_review(values)}


def origins(rows: list[GridRow]) -> Iterator[tuple[int, int, int, int, Label | Val]]:
    """(row, column, rowspan, colspan, slot) of every cell that is not covered by a span."""
    for r, row in enumerate(rows):
        for c, slot in enumerate(row.slots):
            if not isinstance(slot, Span):
                rowspan, colspan = synth._spans(rows, r, c)
                yield r, c, rowspan, colspan, slot


def split_applications(values: Tables, at: int, *, repeat_header: bool, repeat_labels: bool,
                       break_row: float | None = None) -> tuple[list[GridRow], list[GridRow]]:
    """表三 cut after `at` data rows (1–24), as in a document whose table crosses a page: a group
    label cut by the split is repeated (`repeat_labels`) or left empty in the second part.

    `break_row` (a fraction, 0–1): the row at the cut is itself broken over the page, as Word and
    LibreOffice do by default (允许跨页断行) for a row whose label takes several lines: its values
    and the first part of its label end the first part; the rest of the label opens the second part
    in a row of otherwise empty cells. There `repeat_labels` means that the group labels flow over
    the page too (their first part above the break, the rest below), as LibreOffice prints them.
    """
    body = synth.grid_applications_body(values)
    first = synth.grid_applications_header() + body[:at]
    second = [GridRow(list(row.slots), row.key) for row in body[at:]]
    if break_row is not None:
        last = first[-1] = GridRow(list(first[-1].slots), first[-1].key)
        c = _label_column(last)
        text = last.slots[c].text  # type: ignore[union-attr]
        cut = min(len(text) - 1, max(1, round(len(text) * break_row)))
        last.slots[c] = Label(text[:cut])
        rest: list[synth.Slot] = [slot if isinstance(slot, Span) else Label("") for slot in last.slots]
        rest[c] = Label(text[cut:])
        for col, slot in enumerate(rest[:c]):
            if slot is UP:
                r0 = len(first) - 1
                while first[r0].slots[col] is UP:
                    r0 -= 1
                group = first[r0].slots[col].text  # type: ignore[union-attr]
                if repeat_labels and len(group) > 1:  # the merged cell's text flows over the page
                    head = max(1, round(len(group) * break_row))
                    first[r0] = GridRow(list(first[r0].slots), first[r0].key)
                    first[r0].slots[col] = Label(group[:head])
                    rest[col] = Label(group[head:])
                else:
                    rest[col] = Label("")
        second.insert(0, GridRow(rest))
    else:
        for c, slot in enumerate(second[0].slots):
            if slot is UP:
                origin = synth._origin(body, at, c)
                second[0].slots[c] = Label(origin.text if isinstance(origin, Label) and repeat_labels else "")
    if repeat_header:
        second = synth.grid_applications_header() + second
    return first, second


def _label_column(row: GridRow) -> int:
    """The column of a 表三 row's own label (the rightmost label slot of the three label columns)."""
    return max(i for i, slot in enumerate(row.slots[:3]) if isinstance(slot, Label))


# Split points inside a （三）–（六） group (below its first row): the cut goes through two merged cells.
MID_GROUP_SPLITS = tuple(i for i, row in enumerate(synth.grid_applications_body(synth.empty_tables()))
                         if row.slots[1] is UP)
# Split points whose last row has a label long enough to take several lines (a row can break there).
LONG_LABEL_SPLITS = tuple(i + 1 for i, row in enumerate(synth.grid_applications_body(synth.empty_tables()))
                          if i < 24 and len(row.slots[_label_column(row)].text) >= 10)  # type: ignore[union-attr]


# =============================================================================================
# DOCX
# =============================================================================================
# Option -> its possible values; `render_docx` draws every option not given from these.
DOCX_OPTIONS: dict[str, tuple[Any, ...]] = {
    "nested": (False, True),  # sections 二–四 (headings, tables) inside a one-cell layout table
    "textbox": (None, "vml", "mc"),  # one narrative paragraph in a text box (VML / Word 2010 mc:AlternateContent)
    "split_t3": (False, True),  # 表三 as two tables (a page break in the source)
    "narrow": (False, True),  # narrow label columns: labels wrap over several lines
    "long": (False, True),  # 表三 starts mid-page after a page break: it crosses the next page break
    "header_rows": (False, True),  # 表三's three header rows marked w:tblHeader (repeated on each page)
    "page_numbers": (False, True),  # footer 「- N -」 with a PAGE field
    "row_breaks": (False, True),  # rows may break across pages (Word's default); else w:cantSplit on every row
    "label_breaks": (False, True),  # line breaks inside some labels (「商业\n企业」)
    "para_breaks": (False, True),  # a label's line break as a new paragraph in the cell (else w:br)
    "headings_styled": (False, True),  # headings with the built-in "Heading 2" style (else bold runs)
}

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_NS_TEXTBOX = (
    f'{_W} xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
)


def _draw_options(rng: random.Random, given: dict[str, Any]) -> dict[str, Any]:
    unknown = set(given) - set(DOCX_OPTIONS) - {"split_at", "repeat_header", "repeat_labels", "textbox_at"}
    if unknown:
        raise TypeError(f"unknown DOCX options: {sorted(unknown)}")
    options = {key: rng.choice(choices) for key, choices in DOCX_OPTIONS.items()}
    options.update({"split_at": rng.randint(1, 24), "repeat_header": rng.random() < 0.5,
                    "repeat_labels": rng.random() < 0.5})
    options.update(given)
    return options


def render_docx(doc: Doc, rng: random.Random, **options: Any) -> bytes:
    """A whole report as DOCX bytes; options (see `DOCX_OPTIONS`, plus `split_at`, `repeat_header`,
    `repeat_labels` for `split_t3`, `textbox_at`: the index in `synth.narrative(...)["overview"]` of
    the paragraph put in the text box) not given are drawn at random."""
    return _DocxWriter(doc, rng, _draw_options(rng, options)).build()


class _DocxWriter:
    def __init__(self, doc: Doc, rng: random.Random, options: dict[str, Any]) -> None:
        self.doc, self.rng, self.o = doc, rng, options
        self.style = Style(ascii_brackets=0.1 if rng.random() < 0.3 else 0.0,
                           breaks=0.3 if options["label_breaks"] else 0, thousands=rng.random() < 0.2,
                           fee_zero_decimals=rng.random() < 0.3)
        self.table_pt = rng.choice((9, 10))
        self.d = docx.Document()

    # -- page and text ------------------------------------------------------------------------
    def build(self) -> bytes:
        d, rng, o = self.d, self.rng, self.o
        section = d.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        normal = d.styles["Normal"]
        normal.font.size = Pt(rng.choice((12, 14, 16)))
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), rng.choice(("仿宋_GB2312", "宋体")))
        if o["page_numbers"]:
            self._page_numbers(section)
        heads = synth.headings(rng)
        text = synth.narrative(self.doc, rng, ascii_brackets=rng.random() < 0.3)
        title = d.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(title, synth.title(self.doc, rng), bold=True, size=22, font="方正小标宋简体")
        self._items(d, text["intro"])
        textbox_at = None
        if o["textbox"]:
            paragraphs = [i for i, (kind, _) in enumerate(text["overview"]) if kind == "p"][1:]
            textbox_at = o.get("textbox_at") or rng.choice(paragraphs)
        container: Any = d
        for key in SECTION_KEYS:
            if o["nested"] and key == "active_disclosure":
                outer = d.add_table(rows=1, cols=1)
                container = outer.cell(0, 0)
            if o["nested"] and key == "problems":
                container = d
            self._heading(container, heads[key], page_break=o["long"] and key == "applications")
            if key == "applications" and o["long"]:
                for _ in range(rng.randint(5, 9)):
                    self._paragraph(container, rng.choice(_PLAIN_FILLER))
            if key in (AD, T3, T4):
                self._tables(container, key)
            self._items(container, text.get(key, []), textbox_at if key == "overview" else None)
        out = io.BytesIO()
        d.save(out)
        return out.getvalue()

    def _run(self, paragraph: Any, text: str, *, bold: bool = False, size: float | None = None,
             font: str | None = None) -> None:
        run = paragraph.add_run(text)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        if font:
            run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)

    def _paragraph(self, container: Any, text: str, *, bold: bool = False) -> Any:
        p = container.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        self._run(p, text, bold=bold)
        return p

    def _heading(self, container: Any, text: str, *, page_break: bool) -> None:
        if page_break:
            container.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if self.o["headings_styled"]:
            p = container.add_paragraph(text, style="Heading 2")
        else:
            p = container.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(32)
            self._run(p, text, bold=True, font="黑体")

    def _items(self, container: Any, items: list[synth.Item], textbox_at: int | None = None) -> None:
        for i, (kind, text) in enumerate(items):
            if i == textbox_at:
                self._textbox(container, text)
            else:
                self._paragraph(container, text, bold=kind == "sub")

    def _textbox(self, container: Any, text: str) -> None:
        """`text` in a text box anchored in an empty paragraph (Word: 插入 › 文本框)."""
        inner = (f'<w:txbxContent><w:p><w:pPr><w:ind w:firstLine="640"/></w:pPr><w:r><w:t>{escape(text)}</w:t>'
                 "</w:r></w:p></w:txbxContent>")
        height = 18 * (len(text) // 28 + 2)
        vml = (f'<w:pict><v:shape id="TextBox{self.rng.randint(1, 999)}" type="#_x0000_t202" '
               f'style="width:430pt;height:{height}pt;mso-fit-shape-to-text:t" strokeweight=".5pt">'
               f"<v:textbox>{inner}</v:textbox></v:shape></w:pict>")
        if self.o["textbox"] == "vml":
            run = f"<w:r {_NS_TEXTBOX}>{vml}</w:r>"
        else:
            emu_w, emu_h = 430 * 12700, height * 12700
            run = (f"<w:r {_NS_TEXTBOX}><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing>"
                   f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{emu_w}" cy="{emu_h}"/>'
                   f'<wp:docPr id="{self.rng.randint(1, 999)}" name="文本框 1"/><a:graphic>'
                   '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
                   f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
                   f'<a:ext cx="{emu_w}" cy="{emu_h}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
                   '<a:ln w="6350"><a:solidFill><a:srgbClr val="000000"/></a:solidFill></a:ln></wps:spPr>'
                   f'<wps:txbx>{inner}</wps:txbx><wps:bodyPr rot="0" wrap="square"><a:spAutoFit/></wps:bodyPr>'
                   "</wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>"
                   f"<mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>")
        p = container.add_paragraph()
        p._p.append(parse_xml(run))

    def _page_numbers(self, section: Any) -> None:
        p = section.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run("- ")
        p._p.append(parse_xml(f'<w:fldSimple {_W} w:instr=" PAGE \\* MERGEFORMAT "><w:r><w:t>1</w:t></w:r>'
                              "</w:fldSimple>"))
        p.add_run(" -")

    # -- tables -------------------------------------------------------------------------------
    def _widths(self, key: str, columns: int) -> list[float]:
        """Column widths in cm (text width 15.6 cm)."""
        narrow = self.o["narrow"]
        if key == AD:
            return [2.0, 4.5, 4.5, 4.5] if narrow else [4.8, 3.6, 3.6, 3.6]
        if key == T3:
            labels = [0.8, 1.1, 2.3] if narrow else [0.9, 1.5, 3.9]
            return labels + [(15.6 - sum(labels)) / 7] * 7
        return [15.6 / columns] * columns

    def _tables(self, container: Any, key: str) -> None:
        values = self.doc.values
        if key != T3 or not self.o["split_t3"]:
            self._table(container, key, grids(values)[key], header_rows=3 if key == T3 else 0)
            return
        first, second = split_applications(values, self.o["split_at"], repeat_header=self.o["repeat_header"],
                                           repeat_labels=self.o["repeat_labels"])
        self._table(container, key, first, header_rows=3)
        between = self.rng.choice(("", "（续表）", "page"))
        p = container.add_paragraph()
        if between == "page":
            p.add_run().add_break(WD_BREAK.PAGE)
        elif between:
            self._run(p, between)
        self._table(container, key, second, header_rows=3 if self.o["repeat_header"] else 0)

    def _table(self, container: Any, key: str, rows: list[GridRow], *, header_rows: int) -> None:
        columns = len(rows[0].slots)
        table = container.add_table(len(rows), columns)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        table._tbl.tblPr.insert_element_before(parse_xml(f'<w:tblCellMar {_W}><w:left w:w="57" w:type="dxa"/>'
                                          '<w:right w:w="57" w:type="dxa"/></w:tblCellMar>'), "w:tblLook")
        widths = self._widths(key, columns)
        for c, width in enumerate(widths):
            table.columns[c].width = Cm(width)
        for i, cell in enumerate(table._cells):
            cell.width = Cm(widths[i % columns])
        # python-docx's table.cell() walks the whole table: look cells up in one list instead (a merge
        # keeps the <w:tc> of every other region, so the list stays valid for the other merges).
        cells = table._cells
        for r, c, rowspan, colspan, _ in origins(rows):
            if rowspan > 1 or colspan > 1:
                cells[r * columns + c].merge(cells[(r + rowspan - 1) * columns + c + colspan - 1])
        cells = table._cells
        for r, c, _, _, slot in origins(rows):
            cell = cells[r * columns + c]
            if isinstance(slot, Val):
                self._cell_text(cell, self.style.number(slot.value, slot.ref, self.rng), center=True)
            else:
                self._cell_text(cell, self.style.label(slot.text, self.rng), center=key != T3 or c > 2)
        if not self.o["row_breaks"]:
            for row in table.rows:
                row._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {_W}/>"))
        if self.o["header_rows"] and header_rows:
            for row in table.rows[:header_rows]:
                row._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {_W}/>"))

    def _cell_text(self, cell: Any, text: str, *, center: bool) -> None:
        lines = text.split("\n")
        paragraph = cell.paragraphs[0]
        for i, line in enumerate(lines):
            if i and self.o["para_breaks"]:
                paragraph = cell.add_paragraph()
            elif i:
                paragraph.runs[-1].add_break()
            if center:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(line)
            run.font.size = Pt(self.table_pt)


# =============================================================================================
# LibreOffice
# =============================================================================================
def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class LibreOfficeJob:
    """One `soffice --headless --convert-to FMT` call over many files, running in the background
    with its own user profile (so it can run beside other soffice processes)."""

    def __init__(self, paths: Sequence[Path], outdir: Path, fmt: str = "pdf", timeout: float = 300) -> None:
        program = soffice()
        if program is None:
            raise FileNotFoundError("soffice (LibreOffice) is not on PATH")
        self.paths, self.outdir, self.fmt, self.timeout = [Path(p) for p in paths], Path(outdir), fmt, timeout
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.profile = Path(tempfile.gettempdir()) / f"synth-lo-{os.getpid()}-{uuid.uuid4().hex}"
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [program, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore",
             "--nolockcheck", "--convert-to", fmt, "--outdir", str(self.outdir), *map(str, self.paths)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def close(self) -> None:
        """Stop soffice if it still runs (the results were not waited for); remove its profile."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.communicate()
        shutil.rmtree(self.profile, ignore_errors=True)

    def wait(self) -> list[Path]:
        try:
            out, err = self.process.communicate(timeout=max(1.0, self.timeout - (time.monotonic() - self.started)))
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.communicate()
            raise
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
        results = [self.outdir / f"{p.stem}.{self.fmt}" for p in self.paths]
        missing = [p.name for p in results if not p.is_file()]
        if self.process.returncode or missing:
            raise RuntimeError(f"soffice failed (exit {self.process.returncode}), missing {missing}: "
                               f"{out.decode(errors='replace')[-500:]} {err.decode(errors='replace')[-500:]}")
        return results


def convert_with_libreoffice(paths: Sequence[Path], outdir: Path, fmt: str = "pdf",
                             timeout: float = 300) -> list[Path]:
    return LibreOfficeJob(paths, outdir, fmt, timeout).wait()


def render_pdf_via_libreoffice(docx_paths: Sequence[Path], outdir: Path, timeout: float = 300) -> list[Path]:
    """Every DOCX converted to PDF in ONE soffice call; the PDFs in `outdir`, in the order given."""
    return convert_with_libreoffice(docx_paths, outdir, "pdf", timeout)


# =============================================================================================
# reportlab
# =============================================================================================
PDF_OPTIONS: dict[str, tuple[Any, ...]] = {
    "t3_split": ("none", "auto", "manual"),  # 表三 on one page / split by reportlab / split by hand mid-block
    "repeat_header": (False, True),  # the continued 表三 repeats its three header rows
    "narrow": (False, True),
    "page_numbers": (False, True),
    "label_breaks": (False, True),
    "font": ("cid", "ttf"),  # the built-in CID font STSong-Light (not embedded) / an embedded subset of SYNTH_TTF
    "row_break": (False, True),  # manual split: the row at the cut is broken over the page (label in two parts)
}
# The TrueType font of the "ttf" variant: made here with fontTools (a test dependency), so the PDFs
# are the same on every machine. Every glyph is a box (the page shows the layout, not the text;
# the text layer is exact): full-width 1 em for CJK characters and punctuation, 0.5 em below
# U+2E80. A character outside these ranges would be lost from the text layer (reportlab draws
# glyph 0 for it, with no Unicode mapping), and the round-trip tests would fail.
SYNTH_TTF = "SynthCJK"
TTF_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x2100, 0x21FF), (0x2460, 0x24FF), (0x2500, 0x25FF),
              (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))


def synth_ttf() -> bytes:
    """The TrueType font file of the "ttf" variant (about 1.5 MB, made in about 2 s)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def box(width: int) -> Any:
        pen = TTGlyphPen(None)
        if width:
            left, right = width // 10, width - width // 10
            for x0, y0, x1, y1, clockwise in ((left, -60, right, 760, True), (left + 60, 0, right - 60, 700, False)):
                corners = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
                pen.moveTo(corners[0])
                for point in (corners[1:] if clockwise else corners[:0:-1]):
                    pen.lineTo(point)
                pen.closePath()
        return pen.glyph()

    empty, narrow, wide = box(0), box(500), box(1000)
    glyphs, widths, cmap = {".notdef": wide}, {".notdef": 1000}, {}
    for low, high in TTF_RANGES:
        for code in range(low, high + 1):
            name, width = f"uni{code:04X}", 500 if code < 0x2E80 else 1000
            blank = code in (0x20, 0xA0, 0x3000) or 0x2000 <= code <= 0x200F
            glyphs[name], widths[name], cmap[code] = empty if blank else narrow if width == 500 else wide, width, name
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(list(glyphs))
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (widths[name], getattr(glyph, "xMin", 0)) for name, glyph in glyphs.items()})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Synth CJK", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120, fsType=0)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


@functools.cache
def _ttf() -> str:
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(SYNTH_TTF, io.BytesIO(synth_ttf())))
    return SYNTH_TTF


def render_pdf_reportlab(doc: Doc, rng: random.Random, **options: Any) -> bytes:
    """A whole report as PDF bytes drawn by reportlab (options in `PDF_OPTIONS`, plus `split_at`
    and `repeat_labels` for a manual split; not given: drawn at random). `encrypt` (a reportlab
    StandardEncryption) makes an encrypted PDF."""
    return _pdf_bytes(doc, rng, **options)


def _pdf_bytes(doc: Doc, rng: random.Random, encrypt: StandardEncryption | None = None, **given: Any) -> bytes:
    unknown = set(given) - set(PDF_OPTIONS) - {"split_at", "repeat_labels", "break_at"}
    if unknown:
        raise TypeError(f"unknown PDF options: {sorted(unknown)}")
    o = {key: rng.choice(choices) for key, choices in PDF_OPTIONS.items()}
    o.update({"split_at": rng.choice(MID_GROUP_SPLITS) if rng.random() < 0.6 else rng.randint(1, 24),
              "repeat_labels": rng.random() < 0.5, "break_at": rng.uniform(0.2, 0.8)})
    o.update(given)
    if o["row_break"] and "split_at" not in given:
        o["split_at"] = rng.choice(LONG_LABEL_SPLITS)
    style = Style(ascii_brackets=0.1 if rng.random() < 0.3 else 0.0, breaks=0.3 if o["label_breaks"] else 0,
                  thousands=rng.random() < 0.2, fee_zero_decimals=rng.random() < 0.3)
    size = rng.choice((10.5, 12))
    font = _ttf() if o["font"] == "ttf" else FONT
    body = ParagraphStyle("body", fontName=font, fontSize=size, leading=size * 1.6, firstLineIndent=2 * size,
                          wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=size + 1)
    title_style = ParagraphStyle("title", fontName=font, fontSize=rng.choice((16, 18)), leading=28, alignment=1,
                                 spaceAfter=12)
    heads = synth.headings(rng)
    text = synth.narrative(doc, rng, ascii_brackets=rng.random() < 0.3)
    report_title = synth.title(doc, rng)
    meta_title = rng.choice(("", report_title, "Microsoft Word - 年报"))
    between = rng.random() < 0.5
    start = rng.uniform(0.3, 0.5) * A4[1]
    state = rng.getstate()
    for cell_pt in (rng.choice((7.5, 8, 9)), 7, 6):  # smaller type while 表三's 办理结果 block can't fit a page
        rng.setstate(state)
        cell = ParagraphStyle("cell", fontName=font, fontSize=cell_pt, leading=cell_pt * 1.2, wordWrap="CJK")
        try:
            return _pdf_build(doc, rng, o, style, cell, (body, head, title_style), (heads, text, report_title),
                              meta_title=meta_title, between=between, start=start, encrypt=encrypt)
        except LayoutError:
            if cell_pt == 6:
                raise
    raise AssertionError("unreachable")


def _pdf_build(doc: Doc, rng: random.Random, o: dict[str, Any], style: Style, cell: ParagraphStyle,
               styles: tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle],
               texts: tuple[dict[str, str], dict[str, list[synth.Item]], str], *, meta_title: str, between: bool,
               start: float, encrypt: StandardEncryption | None) -> bytes:
    body, head, title_style = styles
    heads, text, report_title = texts
    cell_c = ParagraphStyle("cell_c", parent=cell, alignment=1)

    def p(text: str, st: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), st)

    def table(key: str, rows: list[GridRow], repeat: int = 0) -> Table:
        data: list[list[Any]] = [[""] * len(rows[0].slots) for _ in rows]
        commands: list[tuple[Any, ...]] = [("GRID", (0, 0), (-1, -1), 0.6, "black"),
                                           ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                           ("FONTNAME", (0, 0), (-1, -1), cell.fontName),
                                           ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                           ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                                           ("LEFTPADDING", (0, 0), (-1, -1), 2),
                                           ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
        for r, c, rowspan, colspan, slot in origins(rows):
            if rowspan > 1 or colspan > 1:
                commands.append(("SPAN", (c, r), (c + colspan - 1, r + rowspan - 1)))
            if isinstance(slot, Val):
                data[r][c] = p(style.number(slot.value, slot.ref, rng), cell_c)
            else:
                data[r][c] = p(style.label(slot.text, rng), cell if key == T3 and c <= 2 else cell_c)
        width = 16 * cm
        if key == AD:
            widths = [w * cm for w in ((2.2, 4.6, 4.6, 4.6) if o["narrow"] else (4.9, 3.7, 3.7, 3.7))]
        elif key == T3:
            labels = [w * cm for w in ((1.0, 1.4, 3.0) if o["narrow"] else (1.1, 1.8, 4.8))]
            widths = labels + [(width - sum(labels)) / 7] * 7
        else:
            widths = [width / 15] * 15
        return Table(data, colWidths=widths, repeatRows=repeat, style=TableStyle(commands))

    story: list[Any] = [p(report_title, title_style)]

    def items(entries: list[synth.Item]) -> None:
        story.extend(p(line, head if kind == "sub" else body) for kind, line in entries)

    items(text["intro"])
    for key in SECTION_KEYS:
        if key == T3 and o["t3_split"] == "auto":
            story.append(PageBreak())  # then fill about half a page: 表三 can't fit below
            story.append(Spacer(1, start))
        story.append(p(heads[key], head))
        if key == T3 and o["t3_split"] == "manual":
            first, second = split_applications(doc.values, o["split_at"], repeat_header=o["repeat_header"],
                                               repeat_labels=o["repeat_labels"],
                                               break_row=o["break_at"] if o["row_break"] else None)
            story += [table(T3, first), PageBreak()]
            if between and not o["row_break"]:  # (a row broken by the page has nothing in between)
                story.append(p("（续表）", cell))
            story.append(table(T3, second))
        elif key in (AD, T3, T4):
            story.append(table(key, grids(doc.values)[key], repeat=3 if key == T3 and o["repeat_header"] else 0))
        items(text.get(key, []))

    def page(c: canvas.Canvas, _doc: Any) -> None:
        if o["page_numbers"]:
            c.setFont(body.fontName, 10)
            c.drawCentredString(A4[0] / 2, 1.5 * cm, f"- {c.getPageNumber()} -")

    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=2.5 * cm, rightMargin=2.5 * cm, topMargin=2.5 * cm,
                            bottomMargin=2.5 * cm,
                            title=meta_title,
                            encrypt=encrypt)
    pdf.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


# =============================================================================================
# A mixed corpus for benchmarks
# =============================================================================================
KINDS = ("docx", "pdf_libreoffice", "pdf_reportlab")


def location(kind: str, doc: Doc, name: str = "P020250120") -> str:
    ext = "docx" if kind == "docx" else "pdf"
    return f"https://www.example.gov.cn/zfxxgk/zfxxgknb/{doc.year + 1}01/{name}.{ext}"


def corpus_documents(n: int, seed: int, outdir: Path, *, libreoffice: bool | None = None
                     ) -> list[tuple[str, bytes, Tables]]:
    """n consistent reports cycling through KINDS: (file name, bytes, expected tables).

    All LibreOffice PDFs come from one soffice call (their DOCX stay in `outdir`); without soffice
    (or `libreoffice=False`) the corpus cycles through DOCX and reportlab PDF only. The same
    (n, seed) gives the same documents (LibreOffice PDFs: same content, not same bytes).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    use_lo = soffice() is not None if libreoffice is None else libreoffice
    kinds = KINDS if use_lo else ("docx", "pdf_reportlab")
    rng = random.Random(seed)
    items: list[tuple[str, bytes | Path, Tables]] = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        doc = synth.random_doc(rng)
        if kind == "pdf_reportlab":
            items.append((f"{i:05d}-{kind}.pdf", render_pdf_reportlab(doc, rng), doc.values))
            continue
        # (LibreOffice prints a nested layout table crossing a page without some of its text)
        data = render_docx(doc, rng, **({} if kind == "docx" else {"nested": False}))
        if kind == "docx":
            items.append((f"{i:05d}-{kind}.docx", data, doc.values))
        else:
            path = outdir / f"{i:05d}-{kind}.docx"
            path.write_bytes(data)
            items.append((f"{i:05d}-{kind}.pdf", path, doc.values))
    pending = [data for _, data, _ in items if isinstance(data, Path)]
    pdfs = dict(zip(pending, render_pdf_via_libreoffice(pending, outdir), strict=True)) if pending else {}
    return [(name, pdfs[data].read_bytes() if isinstance(data, Path) else data, values)
            for name, data, values in items]


# =============================================================================================
# Bad inputs
# =============================================================================================
def encrypted_pdf(rng: random.Random, user_password: str = "secret") -> bytes:
    """A full report PDF encrypted with a user password (it can't be opened without it). With
    `user_password=""` only the owner password is set: anyone can open it (a "protected" PDF)."""
    security = StandardEncryption(user_password, ownerPassword="owner-" + uuid.uuid4().hex[:8], canCopy=0,
                                  canModify=0)
    # The CID font: the one whose encryption needs _CIDFont's repair (see there).
    return _pdf_bytes(synth.random_doc(rng), rng, encrypt=security, font="cid")


def truncated_pdf(rng: random.Random) -> bytes:
    """A valid report PDF cut in half (a download that stopped)."""
    data = render_pdf_reportlab(synth.random_doc(rng), rng)
    return data[: len(data) // 2]


def scanned_pdf(rng: random.Random, pages: int = 3) -> bytes:
    """Pages that are only an image (a scanned report): lines and grey blocks like a scanned
    table, no text layer at all."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for _ in range(pages):
        image = Image.new("L", (620, 877), 255)
        draw = ImageDraw.Draw(image)
        for y in range(60, 800, 26):  # "text lines" and a ruled table
            if rng.random() < 0.5:
                x = 60
                while x < 560:
                    w = rng.randint(8, 14)
                    draw.rectangle((x, y, x + w, y + 12), fill=rng.randint(20, 90))
                    x += w + 3
            else:
                draw.line((50, y, 570, y), fill=0, width=1)
                for x in range(50, 571, 52):
                    draw.line((x, y, x, y + 26), fill=0, width=1)
        c.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return out.getvalue()


def many_pages_pdf(pages: int = 500) -> bytes:
    """A PDF of `pages` pages, one short line each (cheap to make, expensive to read in full)."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    for n in range(1, pages + 1):
        c.setFont(FONT, 12)
        c.drawString(2.5 * cm, A4[1] - 3 * cm, "某某局2024年政府信息公开工作年度报告" if n == 1 else f"第{n}页")
        c.showPage()
    c.save()
    return out.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_zip_bomb(path: Path, unpacked: int = 2**30) -> Path:
    """A valid-looking DOCX whose word/document.xml unpacks to `unpacked` bytes (1 GB: a title, then
    millions of identical paragraphs), written in 1 MB chunks; the file is about 3 MB."""
    para = "<w:p><w:r><w:t>政府信息公开工作年度报告</w:t></w:r></w:p>".encode()
    chunk = para * (2**20 // len(para))
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<w:document {_W}><w:body><w:p><w:r><w:t>某某局2024年政府信息公开工作年度报告</w:t></w:r></w:p>").encode()
    tail = b"</w:body></w:document>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(head)
            written = len(head)
            while written < unpacked - len(tail):
                piece = chunk[: unpacked - len(tail) - written]
                piece = piece[: len(piece) - len(piece) % len(para)] or piece
                f.write(piece)
                written += len(piece)
            f.write(tail)
    return path


def damaged_docx(rng: random.Random) -> bytes:
    """A zip local-file header for word/document.xml followed by random bytes."""
    name = b"word/document.xml"
    header = (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + rng.randbytes(12)
              + len(name).to_bytes(2, "little") + b"\x00\x00" + name)
    return header + rng.randbytes(rng.randint(2000, 20000))


def truncated_docx(rng: random.Random) -> bytes:
    """A real report DOCX with its second half (central directory included) replaced by random bytes."""
    data = render_docx(synth.random_doc(rng), rng)
    keep = len(data) // 2
    return data[:keep] + rng.randbytes(len(data) - keep)


# =============================================================================================
# Fixtures on disk (tests/fixtures/documents/) and samples
# =============================================================================================
DOC_FIXTURE = "report.doc"
DOC_FIXTURE_SEED = "fixture/doc/1"


def write_fixtures(directory: Path = FIXTURES) -> list[Path]:
    """report.doc: a DOCX report converted to Word 97 by LibreOffice, and its expected tables."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(DOC_FIXTURE_SEED)
    doc = synth.random_doc(rng)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.docx"
        source.write_bytes(render_docx(doc, rng, nested=False, textbox=None, split_t3=False, long=False))
        (converted,) = convert_with_libreoffice([source], Path(tmp), "doc")
        shutil.copyfile(converted, directory / DOC_FIXTURE)
    expected = {"agency": doc.agency, "year": doc.year, "tables": doc.values}
    target = directory / f"{DOC_FIXTURE}.expected.json"
    target.write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [directory / DOC_FIXTURE, target]


def _sample(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, options in enumerate(({"long": True, "header_rows": True, "page_numbers": True},
                                 {"narrow": True, "textbox": "mc", "nested": True},
                                 {"split_t3": True, "textbox": "vml"})):
        rng = random.Random(f"sample/{i}")
        path = outdir / f"sample-{i}.docx"
        path.write_bytes(render_docx(synth.random_doc(rng), rng, **options))
        paths.append(path)
    render_pdf_via_libreoffice(paths, outdir)
    for i, split in enumerate(PDF_OPTIONS["t3_split"]):
        rng = random.Random(f"sample/rl/{i}")
        (outdir / f"sample-rl-{split}.pdf").write_bytes(
            render_pdf_reportlab(synth.random_doc(rng), rng, t3_split=split, page_numbers=True))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "fixtures":
        print("\n".join(map(str, write_fixtures())))
    elif command == "sample" and len(sys.argv) == 3:
        _sample(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)

