"""Mapping table grids onto the template's canonical cells.

Rows are recognised by their labels and columns by their header labels. Where the grid is
aligned (HTML spans expanded) a value is read from the column its header names; where it is not
(flattened text) or a row is ragged, the row is read only when its count of values equals the
template's, or when the missing cells are forced to zero by the row's own total. Anything else
is left null with a CellIssue: a missing or extra number never shifts values into a neighbour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from monitor.parsing.cells import Cell, label_key, read_cell
from monitor.parsing.document import Block, Document, Paragraph
from monitor.parsing.sections import is_heading
from monitor.report import CellIssue, Tables
from monitor.template import (
    APPLICANT_KEYS,
    APPLICANT_PARTS,
    APPLICATION_ROW_KEYS,
    OUTCOME_FIELDS,
    RESULT_ROW_KEYS,
    TABLE_ROWS,
    empty_tables,
)

# --- which table a row belongs to -----------------------------------------------------------
_TABLE_MARKERS: dict[str, tuple[str, ...]] = {
    "active_disclosure": (
        "第二十条", "本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "规范性文件",
        "行政许可", "行政处罚", "行政强制", "行政事业性收费", "本年收费金额", "本年新制作数量",
        "对外公开总数量", "政府集中采购", "其他对外管理服务事项",
    ),
    "applications": (
        "勾稽关系", "申请人情况", "自然人", "法人或其他组织", "本年新收", "上年结转", "本年度办理结果",
        "予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理", "结转下年",
    ),
    "review_litigation": ("行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "复议后起诉"),
}
_TABLE_PATTERNS = {table: re.compile("|".join(map(re.escape, markers))) for table, markers in _TABLE_MARKERS.items()}
LEGACY_TABLE_MARKERS = (
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "其他对外管理服务事项",
    "第二十条第(九)项", "政府集中采购", "采购总金额", "采购项目数量",
)
_2021_TABLE_MARKERS = ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额", "本年处理决定数量")

# --- row labels ------------------------------------------------------------------------------
_APPLICATION_NEEDLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("withheld_state_secret", ("国家秘密",)),
    ("withheld_prohibited", ("禁止公开",)),
    ("withheld_security", ("三安全一稳定", "危及")),
    ("withheld_third_party", ("第三方",)),
    ("withheld_internal", ("内部事务",)),
    ("withheld_process", ("过程性",)),
    ("withheld_enforcement", ("执法案卷",)),
    ("withheld_query", ("查询事项",)),
    ("unable_not_held", ("不掌握",)),
    ("unable_needs_creation", ("另行制作", "没有现成")),
    ("unable_unclear", ("仍不明确", "补正后")),
    ("rejected_petition", ("信访", "举报投诉")),
    ("rejected_duplicate", ("重复申请",)),
    ("rejected_publication", ("出版物",)),
    ("rejected_excessive", ("大量反复",)),
    ("rejected_confirmation", ("重新出具", "确认或")),
    ("other_no_correction", ("逾期不补正",)),
    ("other_no_fee", ("缴纳费用", "收费通知")),
    ("partially_disclosed", ("部分公开",)),
    ("disclosed", ("予以公开",)),
    ("new_received", ("本年新收",)),
    ("carried_over", ("上年结转",)),
    ("carried_forward", ("结转下年",)),
)
_ACTIVE_NEEDLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("normative_documents", ("规范性文件",)),
    ("regulations", ("规章",)),
    ("licensing", ("行政许可",)),
    ("punishment", ("行政处罚",)),
    ("coercion", ("行政强制",)),
    ("fees", ("行政事业性收费", "事业性收费")),
)
_APPLICANT_LABELS = {
    "自然人": "natural_person",
    "商业企业": "commercial",
    "科研机构": "research",
    "社会公益组织": "social_welfare",
    "法律服务机构": "legal_service",
    "其他": "other_org",
    "小计": "subtotal",
    "总计": "total",
    "合计": "total",
}
_DOCUMENT_FIELD_LABELS = (("制发", "made"), ("废止", "repealed"), ("现行有效", "in_force"))
_OUTCOME_LABELS = (("维持", "upheld"), ("纠正", "corrected"), ("其他", "other"), ("尚未", "pending"),
                   ("审结", "pending"), ("总计", "total"), ("合计", "total"))
_OTHER_OTHER = re.compile(r"^(?:3[.、,．]?)?其他$")


@dataclass
class Line:
    """One table row split into its label cells and its value cells (with grid columns)."""

    labels: list[str]
    values: list[tuple[int, str]]  # (grid column or ordinal, raw text)
    aligned: bool
    cells: list[str]
    block: int = 0  # which table block the row came from: header columns apply within one block
    label: str = ""  # the label cells joined and reduced for matching
    last_label: str = ""

    def __post_init__(self) -> None:
        self.label = label_key("".join(self.labels))
        self.last_label = label_key(self.labels[-1]) if self.labels else ""


@dataclass
class TableReading:
    tables: Tables = field(default_factory=empty_tables)
    found: set[str] = field(default_factory=set)
    issues: list[CellIssue] = field(default_factory=list)
    legacy_markers: list[str] = field(default_factory=list)
    is_2021: bool = False
    # 表三 rows read from fewer values than columns (missing cells forced to 0 by the row total).
    deduced: set[str] = field(default_factory=set)


def read_tables(document: Document) -> TableReading:
    reading = TableReading()
    grouped = _group_rows(document.blocks)
    all_text = label_key("".join("".join(line.cells) for lines in grouped.values() for line in lines))
    reading.legacy_markers = [m for m in LEGACY_TABLE_MARKERS if label_key(m) in all_text]
    reading.is_2021 = any(m in all_text for m in _2021_TABLE_MARKERS)
    for table, lines in grouped.items():
        reading.found.add(table)
        raw = _READERS[table](lines, reading)
        _store(reading, table, raw)
    _confirm_deduced(reading)
    return reading


def _group_rows(blocks: Iterable[Block]) -> dict[str, list[Line]]:
    """Rows of every table block, assigned to 表二/三/四 by their own labels. A row without a
    table's label inherits the table of the row above, so a table split over several blocks
    stays whole; a section heading between blocks ends the inheritance."""
    grouped: dict[str, list[Line]] = {}
    current: str | None = None
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            if is_heading(block.text):
                current = None
            continue
        for r, cells in enumerate(block.rows):
            line = _split(cells, block.ids[r] if block.ids else None, index)
            scores = {t: len(pattern.findall(line.label)) for t, pattern in _TABLE_PATTERNS.items()}
            best = max(scores, key=lambda t: scores[t])
            if scores[best]:
                current = best
            if current is not None:
                grouped.setdefault(current, []).append(line)
    return grouped


def _split(cells: list[str], ids: list[int] | None, block: int) -> Line:
    """Label cells are the text cells up to the last one; the cells after it are values."""
    kinds = [read_cell(cell).kind for cell in cells]
    last_text = max((i for i, kind in enumerate(kinds) if kind == "text"), default=-1)
    labels: list[str] = []
    seen: set[int | str] = set()
    for i in range(last_text + 1):
        if kinds[i] != "text":
            continue
        ident: int | str = ids[i] if ids else f"{i}"
        if ident in seen or (labels and labels[-1] == cells[i]):
            continue
        seen.add(ident)
        labels.append(cells[i])
    values: list[tuple[int, str]] = []
    if ids is not None:
        used: set[int] = set()
        for col in range(last_text + 1, len(cells)):
            ident = ids[col]
            if ident < 0 or ident in used:  # absent position, or the same cell spanning columns
                continue
            used.add(ident)
            values.append((col, cells[col]))
    else:
        tail = cells[last_text + 1 :]
        while tail and not tail[-1].strip():
            tail.pop()
        while tail and not tail[0].strip():
            tail.pop(0)
        values = list(enumerate(tail))
    return Line(labels, values, ids is not None, cells, block)


class _Needles:
    """Row keys recognised by words in a label; where several match, the earlier key wins."""

    def __init__(self, needles: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        self.rank = {word: (i, key) for i, (key, words) in enumerate(needles) for word in words}
        self.pattern = re.compile("|".join(map(re.escape, self.rank)))

    def match(self, label: str) -> str | None:
        found = [self.rank[word] for word in self.pattern.findall(label)]
        return min(found)[1] if found else None


_APPLICATION_MATCHER = _Needles(_APPLICATION_NEEDLES)
_ACTIVE_MATCHER = _Needles(_ACTIVE_NEEDLES)


# --- 表三 ------------------------------------------------------------------------------------
def _read_applications(lines: list[Line], reading: TableReading) -> dict[str, dict[str, str | None]]:
    header_cols: dict[int, dict[int, str]] = {}  # block -> grid column -> applicant column
    header_order: list[str] = []
    rows: dict[str, Line] = {}
    previous: str | None = None
    for line in lines:
        key = _application_key(line, previous)
        if key == "legacy_other":
            reading.legacy_markers.append("（六）其他处理为单行（2019年格式）")
            continue
        if key is None:
            if not rows:
                _collect_header(line, header_cols.setdefault(line.block, {}), header_order)
            continue
        previous = key
        rows.setdefault(key, line)
    by_block: dict[int, list[Line]] = {}
    for line in lines:
        by_block.setdefault(line.block, []).append(line)
    columns = {block: _applicant_columns(cols, by_block[block]) for block, cols in header_cols.items()}
    order = _text_column_order(header_order)
    raw: dict[str, dict[str, str | None]] = {}
    for key, line in rows.items():
        values = _aligned_values(line, columns.get(line.block)) or _positional_values(line, order)
        if values is None:
            values = _short_row(line)
            if any(text and not text.startswith("?") for text in values.values()):
                reading.deduced.add(key)
        raw[key] = values
    return raw


def _application_key(line: Line, previous: str | None) -> str | None:
    label = line.label
    if not label:
        return None
    key = _APPLICATION_MATCHER.match(label)
    if key:
        return key
    last = line.last_label
    if _OTHER_OTHER.match(last) and ("其他处理" in label or previous in ("other_no_correction", "other_no_fee")):
        return "other_other"
    if "总计" in label and ("七" in label or last in ("总计", "合计")) and _header_labels(line) <= {"total"}:
        return "total_processed"
    if last.endswith("其他处理") and any(read_cell(v).kind == "number" for _, v in line.values):
        return "legacy_other"
    return None


def _header_labels(line: Line) -> set[str]:
    return {_APPLICANT_LABELS[k] for k in map(label_key, line.labels) if k in _APPLICANT_LABELS}


def _applicant_label(text: str) -> str | None:
    key = label_key(text)
    if key in _APPLICANT_LABELS:
        return _APPLICANT_LABELS[key]
    for label, column in _APPLICANT_LABELS.items():
        if len(label) > 2 and label in key and "或" not in key:
            return column
    return None


def _collect_header(line: Line, header_cols: dict[int, str], header_order: list[str]) -> None:
    for col, cell in enumerate(line.cells):
        column = _applicant_label(cell)
        if column is None:
            continue
        if line.aligned:
            header_cols[col] = column
        if column not in header_order:
            header_order.append(column)


def _applicant_columns(header_cols: dict[int, str], lines: list[Line]) -> dict[str, int] | None:
    """Canonical column -> grid column, from the header; one unlabeled value column is taken as
    the one template column the header lacks (reports drop the 其他 header cell)."""
    if not header_cols:
        return None
    columns: dict[str, int] = {}
    for col in sorted(header_cols):
        columns.setdefault(header_cols[col], col)
    value_cols = {col for line in lines if line.aligned for col, _ in line.values}
    missing = [key for key in APPLICANT_KEYS if key not in columns]
    if len(missing) == 1:
        low = min(columns.values())
        spare = sorted(col for col in value_cols - set(header_cols) if col > low)
        if len(spare) == 1:
            columns[missing[0]] = spare[0]
    return columns if all(key in columns for key in APPLICANT_KEYS) else None


def _text_column_order(header_order: list[str]) -> list[str]:
    """The order of value columns in a flattened row (the template's, plus 小计 where present)."""
    order = list(APPLICANT_KEYS)
    if "subtotal" in header_order:
        at = header_order.index("subtotal")
        before_orgs = "commercial" in header_order and at < header_order.index("commercial")
        order.insert(2 if before_orgs else 6, "subtotal")
    return order


def _aligned_values(line: Line, columns: dict[str, int] | None) -> dict[str, str | None] | None:
    if not line.aligned or columns is None:
        return None
    by_col = _columns_of(line, set(columns.values()))
    if by_col is None:
        return None
    return {key: by_col[columns[key]] for key in APPLICANT_KEYS}


def _columns_of(line: Line, wanted: set[int]) -> dict[int, str] | None:
    """The row's cells in the header's columns, when the row is aligned with the header: a cell in
    every wanted column, and nothing but blanks elsewhere (a filled cell outside them means the
    row is shifted against its header)."""
    by_col = dict(line.values)
    if not wanted <= by_col.keys():
        return None
    if any(raw.strip() for col, raw in by_col.items() if col not in wanted):
        return None
    return {col: by_col[col] for col in wanted}


def _positional_values(line: Line, order: list[str]) -> dict[str, str | None] | None:
    values = _trim_blanks(line.values, leading=True)
    if len(values) != len(order):
        return None
    by_name = dict(zip(order, values, strict=True))
    return {key: by_name[key] for key in APPLICANT_KEYS}


def _short_row(line: Line) -> dict[str, str | None]:
    """A row with fewer values than columns (cells lost when the table was flattened).

    The first value is 自然人 and the last is 总计; when every other value shown is 0 and 自然人
    equals 总计, the row's own total forces each organisation column to 0. Otherwise nothing in
    the row can be placed with confidence and all its cells stay unread.
    """
    cells = [read_cell(raw) for raw in _trim_blanks(line.values, leading=True)]
    if not cells or cells == [read_cell("")]:
        return dict.fromkeys(APPLICANT_KEYS, "")
    forced = (
        len(cells) >= 2
        and cells[0].kind == cells[-1].kind == "number"
        and cells[0].value == cells[-1].value
        and all(c.kind == "number" and c.value == 0 for c in cells[1:-1])
    )
    if not forced:
        return dict.fromkeys(APPLICANT_KEYS, "?" + " ".join(c.raw for c in cells))
    first, last = cells[0], cells[-1]
    row: dict[str, str | None] = dict.fromkeys(APPLICANT_PARTS, "0")
    row["natural_person"] = first.raw
    row["total"] = last.raw
    return row


# --- 表二 ------------------------------------------------------------------------------------
def _read_active(lines: list[Line], reading: TableReading) -> dict[str, dict[str, str | None]]:
    raw: dict[str, dict[str, str | None]] = {}
    field_cols: dict[int, str] = {}
    field_block = -1
    for line in lines:
        fields = {col: f for col, cell in enumerate(line.cells) for word, f in _DOCUMENT_FIELD_LABELS
                  if word in label_key(cell)}
        if fields and not line.values:
            field_cols, field_block = fields, line.block
            continue
        if line.block != field_block:
            field_cols = {}
        key = _ACTIVE_MATCHER.match(line.label)
        if key is None or key in raw:
            continue
        if key in ("regulations", "normative_documents"):
            raw[key] = _document_row(line, field_cols)
        else:
            raw[key] = _single_value(line, next(iter(TABLE_ROWS["active_disclosure"][_ROW_INDEX[key]].field_keys)))
    if reading.legacy_markers:
        return {}  # the 2019 表二 has other columns: none of them is a 2021 cell
    return raw


_ROW_INDEX = {row.key: i for i, row in enumerate(TABLE_ROWS["active_disclosure"])}


def _document_row(line: Line, field_cols: dict[int, str]) -> dict[str, str | None]:
    names = ("made", "repealed", "in_force")
    if line.aligned and field_cols and sorted(field_cols.values()) == sorted(names):
        by_col = _columns_of(line, set(field_cols))
        if by_col is not None:
            return {field_cols[col]: raw for col, raw in by_col.items()}
    values = _trim_blanks(line.values)
    if len(values) == 3:
        return dict(zip(names, values, strict=True))
    return dict.fromkeys(names, "?" + " ".join(values))


def _single_value(line: Line, name: str) -> dict[str, str | None]:
    values = _trim_blanks(line.values)
    if len(values) == 1:
        return {name: values[0]}
    if not values:
        return {name: ""}
    return {name: "?" + " ".join(values)}


def _trim_blanks(values: list[tuple[int, str]], leading: bool = False) -> list[str]:
    """Values without trailing (and, when asked, leading) empty cells: padding, not blank values."""
    raws = [raw for _, raw in values]
    while len(raws) > 1 and not raws[-1].strip():
        raws.pop()
    while leading and len(raws) > 1 and not raws[0].strip():
        raws.pop(0)
    return raws


# --- 表四 ------------------------------------------------------------------------------------
_GROUP_ORDER = ("review", "litigation_direct", "litigation_after_review")


def _read_review(lines: list[Line], reading: TableReading) -> dict[str, dict[str, str | None]]:
    data = next((line for line in lines if sum(read_cell(v).kind != "text" for _, v in line.values) >= 5
                 and any(read_cell(v).kind == "number" for _, v in line.values)), None)
    if data is None:
        return {}
    fields = [key for key, _ in OUTCOME_FIELDS]
    headers = [line for line in lines[: lines.index(data)] if line.block == data.block]
    mapped = _review_columns(headers) if data.aligned else None
    by_col = _columns_of(data, set(mapped)) if mapped else None
    if mapped and by_col is not None:
        raw: dict[str, dict[str, str | None]] = {g: {} for g in _GROUP_ORDER}
        for col, (group, name) in mapped.items():
            raw[group][name] = by_col[col]
        return raw
    values = _trim_blanks(data.values, leading=True)
    if len(values) == 15:
        return {g: dict(zip(fields, values[i * 5 : i * 5 + 5], strict=True)) for i, g in enumerate(_GROUP_ORDER)}
    shown = "?" + " ".join(values)
    return {g: dict.fromkeys(fields, shown) for g in _GROUP_ORDER}


def _review_columns(headers: list[Line]) -> dict[int, tuple[str, str]] | None:
    groups: dict[int, str] = {}
    leaves: dict[int, str] = {}
    for line in headers:
        for col, cell in enumerate(line.cells):
            key = label_key(cell)
            if "复议后" in key:
                groups[col] = "litigation_after_review"
            elif "未经复议" in key or "直接起诉" in key:
                groups[col] = "litigation_direct"
            elif "行政复议" in key:
                groups.setdefault(col, "review")
            leaf = next((name for word, name in _OUTCOME_LABELS if word in key), None)
            if leaf and len(key) <= 6:
                leaves[col] = leaf
    mapped = {col: (groups[col], leaves[col]) for col in leaves if col in groups}
    if len(mapped) != 15 or len(set(mapped.values())) != 15:
        return None
    return mapped


_READERS = {
    "active_disclosure": _read_active,
    "applications": _read_applications,
    "review_litigation": _read_review,
}


def _confirm_deduced(reading: TableReading) -> None:
    """Keep a short row's deduced values only when every 表三 identity involving the row holds.

    A row that lost a cell reads a,0,…,0,a whether the lost cell was an organisation's 0 (then
    the deduction is right), its 总计 or a 0 自然人 (then a neighbour's value would be read). The
    table's own columns tell these apart: a wrong reading breaks the 勾稽关系 or the result sum of
    some column, and the row is then left unread rather than guessed.
    """
    t3 = reading.tables["applications"]
    balance_rows = ("new_received", "carried_over", "total_processed", "carried_forward")
    result_rows = (*RESULT_ROW_KEYS, "total_processed")

    def holds(row: str) -> bool:
        for column in APPLICANT_KEYS:
            flows = [value for key in balance_rows if (value := t3[key][column]) is not None]
            results = [value for key in result_rows if (value := t3[key][column]) is not None]
            whole_flows, whole_results = len(flows) == len(balance_rows), len(results) == len(result_rows)
            if row in balance_rows and whole_flows and flows[0] + flows[1] != flows[2] + flows[3]:
                return False
            if row in result_rows and whole_results and sum(results[:-1]) != results[-1]:
                return False
        return True

    for row in sorted(reading.deduced, key=APPLICATION_ROW_KEYS.index):
        if holds(row):
            continue
        shown = " ".join(f"{t3[row][c]:g}" for c in ("natural_person", "total") if t3[row][c] is not None)
        for column in APPLICANT_KEYS:
            t3[row][column] = None
            reading.issues.append(CellIssue("applications", row, column, shown, _SHORT_ROW_REASON))


_SHORT_ROW_REASON = "数字个数与表头不符，无法确定所在列"


# --- values ----------------------------------------------------------------------------------
def _store(reading: TableReading, table: str, raw: dict[str, dict[str, str | None]]) -> None:
    """Read the raw cell texts into values; every cell not read becomes a CellIssue."""
    legacy = bool(reading.legacy_markers)
    for row in TABLE_ROWS[table]:
        cells = raw.get(row.key)
        for name in row.field_keys:
            text = cells.get(name) if cells else None
            if text is None:
                if legacy and (table == "active_disclosure" or row.key.startswith("other_")):
                    continue  # the 2019 template has no such cell
                reason = "表格中没有这一行" if cells is None else "表格中没有这一列"
                reading.issues.append(CellIssue(table, row.key, name, "", reason))
                continue
            if text.startswith("?"):
                reading.issues.append(CellIssue(table, row.key, name, text[1:], _SHORT_ROW_REASON))
                continue
            cell: Cell = read_cell(text)
            if cell.kind == "number":
                reading.tables[table][row.key][name] = cell.value
            elif cell.kind == "blank":
                reading.issues.append(CellIssue(table, row.key, name, text, "空白或「—」「/」"))
            else:
                reading.issues.append(CellIssue(table, row.key, name, text, "不是数字"))
