"""DOCX reports to a Document: the package read within budgets (monitor.parsing.archive), the
WordprocessingML tree with lxml.

Only the parts the report needs are unpacked: the main document part (found through the package
relationships, else at word/document.xml) and the core properties (for the title); images and
the rest of the package are never inflated. The XML parser resolves no entity, loads no DTD and
touches no network (XXE, entity expansion), and keeps libxml2's limits (depth, text size).

Tables become aligned grids: `w:gridSpan` repeats a cell across columns and `w:vMerge` continues
the cell above, each position keeping the id of its source cell (as rowspan/colspan for HTML).
A table whose cells hold tables is a layout table and is walked into. Text boxes
(`w:txbxContent`) become paragraphs of their own; content controls (`w:sdt`) are walked into.
Every element is visited once; containers nested deeper than MAX_DOCX_NESTING are refused.
"""

from __future__ import annotations

import posixpath

from lxml import etree

from monitor.errors import InputError
from monitor.parsing.archive import Archive
from monitor.parsing.document import Block, Budget, Document, Paragraph, Table
from monitor.parsing.limits import MAX_DOCX_GRID_CELLS, MAX_DOCX_NESTING, MAX_DOCX_PART_BYTES
from monitor.parsing.sniff import DOCX_MEDIA_TYPE

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _SDT = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}sdt"
_T, _TAB, _BR, _TXBX = f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}txbxContent"
_SDT_CONTENT, _TC_PR, _GRID_SPAN, _V_MERGE = f"{_W}sdtContent", f"{_W}tcPr", f"{_W}gridSpan", f"{_W}vMerge"
_DOCUMENT, _BODY, _VAL = f"{_W}document", f"{_W}body", f"{_W}val"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# Relationship types (transitional and strict OOXML) of the package's main part and core properties.
_OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
                    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument")
_CORE_PROPERTIES = ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                    "http://schemas.openxmlformats.org/officedocument/2006/relationships/metadata/core-properties")
_MAIN_PART, _CORE_PART = "word/document.xml", "docProps/core.xml"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_docx(data: bytes) -> Document:
    with Archive(data, "DOCX") as archive:
        main, core = _part_names(archive)
        if main is None:
            raise InputError("DOCX 文件中没有正文部分（word/document.xml），无法读取")
        root = _xml(archive, main)
        core_title = _core_title(archive, core)
    if root.tag != _DOCUMENT:
        raise InputError(f"DOCX 正文部分不是 Word 文档（根元素为 {_local_name(root.tag)}），无法读取")
    body = root.find(_BODY)
    reader = _Reader()
    if body is not None:  # a document without a body has no text: not a report
        reader.walk(body, 0)
    blocks = reader.blocks
    title = next((b.text for b in blocks if isinstance(b, Paragraph) and "年度报告" in b.text), None)
    return Document(DOCX_MEDIA_TYPE, blocks, title=title or core_title or None,
                    meta={"articletitle": core_title} if core_title else {})


def _part_names(archive: Archive) -> tuple[str | None, str | None]:
    """The package's main document part and core-properties part, from the package relationships
    (_rels/.rels) where they are stated, else at their usual names when the package has them."""
    main = core = None
    if "_rels/.rels" in archive:
        try:
            relationships = etree.fromstring(archive.read("_rels/.rels", MAX_DOCX_PART_BYTES), _parser())
        except etree.XMLSyntaxError:
            relationships = None  # damaged relationships: the usual names below
        for rel in relationships.iter(_RELATIONSHIP) if relationships is not None else ():
            target = _part_name(rel.get("Target") or "")
            if target not in archive or rel.get("TargetMode") == "External":
                continue
            if rel.get("Type") in _OFFICE_DOCUMENT and main is None:
                main = target
            elif rel.get("Type") in _CORE_PROPERTIES and core is None:
                core = target
    main = main or (_MAIN_PART if _MAIN_PART in archive else None)
    core = core or (_CORE_PART if _CORE_PART in archive else None)
    return main, core


def _part_name(target: str) -> str:
    """A package-relationship target ("/word/document.xml", "word/./document.xml") as a zip name."""
    name = posixpath.normpath("/" + target.replace("\\", "/")).lstrip("/")
    return "" if name.startswith("..") else name


def _xml(archive: Archive, name: str) -> etree._Element:
    try:
        return etree.fromstring(archive.read(name, MAX_DOCX_PART_BYTES), _parser())
    except etree.XMLSyntaxError as exc:
        detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise InputError(f"DOCX 文件已损坏（{name} 不是有效的 XML：{detail}）") from None


def _core_title(archive: Archive, name: str | None) -> str:
    """The title of the core properties; "" when there is none or the part is unreadable XML."""
    if name is None:
        return ""
    try:
        core = etree.fromstring(archive.read(name, MAX_DOCX_PART_BYTES), _parser())
    except etree.XMLSyntaxError:
        return ""
    title = core.find(_DC_TITLE)
    return (title.text or "").strip() if title is not None else ""


def _local_name(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else type(tag).__name__


class _Reader:
    """The blocks of a body, each element visited once; `cells` counts the table grid positions
    and `budget` the cell text that spans and vertical merges copy into further positions."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.cells = 0
        self.budget = Budget()

    def walk(self, container: etree._Element, depth: int) -> None:
        """Paragraphs, tables and content controls of a container (the body, a text box, a cell of
        a layout table, a content control's content) at nesting `depth`."""
        if depth > MAX_DOCX_NESTING:
            raise InputError(f"DOCX 嵌套过深（文本框、表格或内容控件超过 {MAX_DOCX_NESTING} 层），拒绝读取")
        for child in container:
            if child.tag == _P:
                self.paragraph(child, depth)
            elif child.tag == _TBL:
                if next(child.iterdescendants(_TBL), None) is not None:
                    for row in child:  # a layout table: its cells hold the content
                        if row.tag == _TR:
                            for cell in row:
                                if cell.tag == _TC:
                                    self.walk(cell, depth + 1)
                else:
                    self.blocks.append(self.grid(child))
            elif child.tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self.walk(content, depth + 1)

    def paragraph(self, p: etree._Element, depth: int) -> None:
        """The paragraph's own text (text boxes left out), then each text box anchored in it as
        paragraphs of their own (those of a markup-compatibility Fallback are the same boxes again,
        in VML, and are skipped)."""
        parts: list[str] = []
        boxes: list[etree._Element] = []
        stack: list[tuple[etree._Element, bool]] = [(child, False) for child in reversed(p)]
        while stack:
            node, in_fallback = stack.pop()
            tag = node.tag
            if tag == _TXBX:
                if not in_fallback:
                    boxes.append(node)
                continue  # a box's text is its own paragraphs
            _add_text(node, parts)
            in_fallback = in_fallback or tag == _FALLBACK
            stack.extend((child, in_fallback) for child in reversed(node))
        text = " ".join("".join(parts).split())
        if text:
            self.blocks.append(Paragraph(text))
        for box in boxes:
            self.walk(box, depth + 1)

    def grid(self, tbl: etree._Element) -> Table:
        rows: list[list[str]] = []
        ids: list[list[int]] = []
        cell_id = 0
        for tr in tbl:
            if tr.tag != _TR:
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
                    self.budget.repeated(len(text) * span)  # the text a vertical merge repeats
                else:
                    text, ident = _text(tc), cell_id
                    cell_id += 1
                    self.budget.repeated(len(text) * (span - 1))  # the text a gridSpan repeats
                texts.extend([text] * span)
                idents.extend([ident] * span)
                self._count(span)
            rows.append(texts)
            ids.append(idents)
        width = max((len(texts) for texts in rows), default=0)
        self._count(sum(width - len(texts) for texts in rows))  # the padding of short rows
        return Table.aligned_grid(rows, ids)

    def _count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > MAX_DOCX_GRID_CELLS:
            raise InputError(f"DOCX 表格过大（超过 {MAX_DOCX_GRID_CELLS} 个单元格位置），拒绝读取")


def _add_text(node: etree._Element, parts: list[str]) -> None:
    """A run's text, a tab or break as white space, a paragraph start as a line break."""
    tag = node.tag
    if tag == _T:
        parts.append(node.text or "")
        parts.extend(child.tail or "" for child in node)  # after an unresolved entity reference
    elif parts and tag in (_TAB, _BR, _P):
        parts.append(" " if tag == _TAB else "\n")


def _text(element: etree._Element) -> str:
    """Run text of a cell (w:t, tabs, breaks; its paragraphs on separate lines, text boxes
    included), white space folded."""
    parts: list[str] = []
    for node in element.iter(_T, _TAB, _BR, _P):
        _add_text(node, parts)
    return " ".join("".join(parts).split())


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
