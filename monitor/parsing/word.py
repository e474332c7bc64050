"""DOCX reports to a Document, with python-docx for the package and the WordprocessingML tree.

Tables become aligned grids: `w:gridSpan` repeats a cell across columns and `w:vMerge` continues
the cell above, each position keeping the id of its source cell (as rowspan/colspan for HTML).
A table whose cells hold tables is a layout table and is walked into. Text boxes
(`w:txbxContent`) become paragraphs of their own; content controls (`w:sdt`) are walked into.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn
from lxml import etree

from monitor.errors import InputError
from monitor.parsing.document import Block, Document, Paragraph, Table
from monitor.parsing.sniff import DOCX_MEDIA_TYPE

# A DOCX is a zip: refuse archives that unpack to more than this (zip bombs) before opening.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

_P, _TBL, _TR, _TC, _SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
_T, _TAB, _BR, _TXBX = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:txbxContent")
_SDT_CONTENT, _TC_PR, _GRID_SPAN, _V_MERGE = qn("w:sdtContent"), qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge")
_VAL = qn("w:val")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def parse_docx(data: bytes) -> Document:
    _check_archive(data)
    try:
        package = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for damaged packages
        raise InputError(f"DOCX 文件已损坏，无法读取（{type(exc).__name__}）") from None
    blocks: list[Block] = []
    _walk(package.element.body, blocks)
    core_title = (package.core_properties.title or "").strip()
    title = next((b.text for b in blocks if isinstance(b, Paragraph) and "年度报告" in b.text), None)
    return Document(DOCX_MEDIA_TYPE, blocks, title=title or core_title or None,
                    meta={"articletitle": core_title} if core_title else {})


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise InputError("DOCX 文件已损坏（不是有效的压缩包）") from None
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise InputError(f"DOCX 解压后过大（{unpacked / 2**20:.0f} MB，压缩比 {unpacked / packed:.0f}），拒绝读取")


def _walk(container: etree._Element, blocks: list[Block]) -> None:
    for child in container:
        if child.tag == _P:
            _paragraph(child, blocks)
        elif child.tag == _TBL:
            if any(True for _ in child.iter(_TBL) if _ is not child):
                for cell in child.iter(_TC):  # a layout table: its cells hold the content
                    if cell.getparent().getparent() is child:
                        _walk(cell, blocks)
            else:
                blocks.append(_grid(child))
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _walk(content, blocks)


def _paragraph(p: etree._Element, blocks: list[Block]) -> None:
    boxes = [box for box in p.iter(_TXBX) if not any(a.tag == _FALLBACK for a in box.iterancestors())]
    text = _text(p, skip_boxes=bool(boxes))
    if text:
        blocks.append(Paragraph(text))
    for box in boxes:
        _walk(box, blocks)


def _text(element: etree._Element, skip_boxes: bool = False) -> str:
    """Run text of a paragraph or cell (w:t, tabs, breaks; a cell's paragraphs on separate lines),
    white space folded; with skip_boxes, text inside text boxes is left out."""
    parts: list[str] = []
    for node in element.iter(_T, _TAB, _BR, _P):
        if skip_boxes and any(a.tag == _TXBX for a in node.iterancestors()):
            continue
        if node.tag == _T:
            parts.append(node.text or "")
        elif parts:
            parts.append(" " if node.tag == _TAB else "\n")
    return " ".join("".join(parts).split())


def _grid(tbl: etree._Element) -> Table:
    rows: list[list[str]] = []
    ids: list[list[int]] = []
    cell_id = 0
    for tr in tbl.iter(_TR):
        if tr.getparent() is not tbl:
            continue
        texts: list[str] = []
        idents: list[int] = []
        for tc in tr:
            if tc.tag != _TC:
                continue
            span, merge = _cell_properties(tc)
            c = len(texts)
            above = rows[-1] if rows else None
            if merge == "continue" and above is not None and c < len(above):
                text, ident = above[c], ids[-1][c]
            else:
                text, ident = _text(tc), cell_id
                cell_id += 1
            texts.extend([text] * span)
            idents.extend([ident] * span)
        rows.append(texts)
        ids.append(idents)
    return Table.aligned_grid(rows, ids)


def _cell_properties(tc: etree._Element) -> tuple[int, str | None]:
    """(gridSpan, vMerge state) of a cell: vMerge without a value means "continue"."""
    props = tc.find(_TC_PR)
    if props is None:
        return 1, None
    span_el = props.find(_GRID_SPAN)
    try:
        span = max(1, min(int(span_el.get(_VAL, "1")), 100)) if span_el is not None else 1
    except ValueError:
        span = 1
    merge_el = props.find(_V_MERGE)
    merge = None if merge_el is None else (merge_el.get(_VAL) or "continue")
    return span, merge
