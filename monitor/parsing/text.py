"""Plain-text reports to a Document.

Tables arrive flattened: tab-, pipe- or space-separated rows, or one cell per line (text copied out
of a PDF viewer). Runs of table-like lines become Table blocks (without column alignment); other
lines are paragraphs.
"""

from __future__ import annotations

import re

from monitor.errors import InputError
from monitor.parsing.cells import collapse, is_value_like, read_cell
from monitor.parsing.document import Block, Budget, Document, Paragraph, Table
from monitor.parsing.limits import MAX_PARAGRAPHS, MAX_TABLE_CELLS
from monitor.parsing.sections import is_heading
from monitor.report import nfkc, replace_runs

_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
# White space is never matched by two neighbouring parts (「\s*\|?\s*」 splits a run of spaces
# every possible way when the bar is absent).
_PIPE_SEPARATOR = re.compile(r"^\s*+(?:\|\s*+)?:?-{2,}:?\s*+(?:\|\s*+:?-{2,}:?\s*+)*(?:\|\s*+)?$")
_MULTI_SPACE = re.compile(r"[ \u3000\u00a0]{2,}")
_SENTENCE_END = re.compile(r"[。；;！？]")
# A line with something other than white space in it (blank lines are skipped without a copy).
_LINE = re.compile(r"^[^\S\n]*+\S[^\n]*", re.MULTILINE)
_WHITE_SPACE = re.compile(r"\s+")
_ROW_TOO_LONG = f"表格过大（一行超过 {MAX_TABLE_CELLS} 格）"


def parse_text(text: str) -> Document:
    if not text.strip():
        raise InputError("文件为空")
    blocks: list[Block] = []
    budget = Budget()
    run: list[list[str]] = []
    run_cells = run_rows_with_values = 0

    def end_run() -> None:
        nonlocal run_cells, run_rows_with_values
        if run_rows_with_values >= 2:
            single = sum(1 for cells in run if len(cells) == 1)
            table = Table(_regroup(run) if single > len(run) * 0.6 else list(run))
            count = sum(len(row) for row in table.rows)
            if count > MAX_TABLE_CELLS:
                raise InputError(f"表格过大（超过 {MAX_TABLE_CELLS} 格）")
            budget.cells(count)
            blocks.append(table)
        else:
            for cells in run:
                budget.paragraph()
                blocks.append(Paragraph(collapse(" ".join(cells))))
        run.clear()
        run_cells = run_rows_with_values = 0

    for match in _LINE.finditer(text):
        line = _MARKDOWN_HEADING.sub("", match.group(0).rstrip("\r"))
        if not line.strip():
            continue
        if _PIPE_SEPARATOR.match(line) and "-" in line:
            continue
        cells = None if is_heading(line) else _row_cells(line)
        if cells is None:
            end_run()
            budget.paragraph()
            blocks.append(Paragraph(collapse(line)))
            continue
        run.append(cells)
        # A run becomes a table once two of its rows hold values; until then it may still become
        # paragraphs. Either way, a run past these bounds is over a limit: refused now, not at its end.
        run_cells += len(cells)
        run_rows_with_values += len(cells) > 1 or is_value_like(cells[0])
        if run_rows_with_values >= 2 and run_cells > MAX_TABLE_CELLS:
            raise InputError(f"表格过大（超过 {MAX_TABLE_CELLS} 格）")
        if len(run) > MAX_PARAGRAPHS:
            raise InputError(f"段落过多（超过 {MAX_PARAGRAPHS} 段）")
    end_run()
    title = next((b.text for b in blocks if isinstance(b, Paragraph) and "报告" in b.text), None)
    return Document("text/plain", blocks, title=title)


def _row_cells(line: str) -> list[str] | None:
    """The cells of a table-like line, or None for prose."""
    stripped = line.strip()
    if "\t" in line:
        if line.count("\t") >= MAX_TABLE_CELLS:
            raise InputError(_ROW_TOO_LONG)
        return [cell.strip() for cell in line.split("\t")]
    if stripped.startswith("|"):
        inner = stripped.strip("|")
        if inner.count("|") >= MAX_TABLE_CELLS:
            raise InputError(_ROW_TOO_LONG)
        return [cell.strip() for cell in inner.split("|")]
    if _MULTI_SPACE.search(stripped):
        # (at most MAX_TABLE_CELLS + 1 pieces, the last holding the rest of the line)
        cells = [cell.strip() for cell in _MULTI_SPACE.split(stripped, MAX_TABLE_CELLS)]
        if not any(_SENTENCE_END.search(cell) for cell in cells):
            if len(cells) > MAX_TABLE_CELLS:
                raise InputError(_ROW_TOO_LONG)
            return cells
    # The words from the end: the values are the last ones. Past MAX_TABLE_CELLS words, the first
    # piece holds the rest of the line unsplit (a long line of prose is not cut into a word list).
    tokens = stripped.rsplit(None, MAX_TABLE_CELLS)
    overflow = len(tokens) > MAX_TABLE_CELLS
    values = 0
    while values < len(tokens) - overflow and is_value_like(tokens[-1 - values]):
        values += 1
    if overflow and values == len(tokens) - 1:
        raise InputError(_ROW_TOO_LONG)  # more values in one line than a table may hold
    if values:  # a label (of at most 80 characters) and values
        if overflow:
            tokens[0] = replace_runs(_WHITE_SPACE, " ", tokens[0])
        label = " ".join(tokens[: len(tokens) - values])
        if not label or (len(nfkc(label)) <= 80 and not _SENTENCE_END.search(label)):
            return [label, *tokens[len(tokens) - values :]] if label else tokens
    # One cell per line: a lone short label (no sentence punctuation) can be a table cell.
    if len(stripped) <= 60 and not _SENTENCE_END.search(stripped) and read_cell(stripped).kind == "text":
        return [stripped]
    return None


def _regroup(lines: list[list[str]]) -> list[list[str]]:
    """Rebuild rows from one-cell-per-line text: label cells, then the values that follow them."""
    rows: list[list[str]] = []
    current: list[str] = []
    in_values = False
    for cells in lines:
        for cell in cells:
            value = is_value_like(cell)
            if not value and in_values:
                rows.append(current)
                current = []
            current.append(cell)
            in_values = value
    if current:
        rows.append(current)
    return rows
