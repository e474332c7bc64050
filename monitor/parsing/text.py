"""Plain-text reports to a Document.

Tables arrive flattened: tab-, pipe- or space-separated rows, or one cell per line (text copied out
of a PDF viewer). Runs of table-like lines become Table blocks (without column alignment); other
lines are paragraphs.
"""

from __future__ import annotations

import re

from monitor.errors import InputError
from monitor.parsing.cells import collapse, is_value_like, read_cell
from monitor.parsing.document import Block, Document, Paragraph, Table
from monitor.parsing.sections import is_heading
from monitor.report import nfkc

_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MULTI_SPACE = re.compile(r"[ \u3000\u00a0]{2,}")
_SENTENCE_END = re.compile(r"[。；;！？]")


def parse_text(text: str) -> Document:
    if not text.strip():
        raise InputError("文件为空")
    lines = [_MARKDOWN_HEADING.sub("", line.rstrip("\r")) for line in text.split("\n")]
    blocks: list[Block] = []
    run: list[list[str]] = []

    def end_run() -> None:
        if sum(1 for cells in run if len(cells) > 1 or is_value_like(cells[0])) >= 2:
            single = sum(1 for cells in run if len(cells) == 1)
            blocks.append(Table(_regroup(run) if single > len(run) * 0.6 else list(run)))
        else:
            blocks.extend(Paragraph(collapse(" ".join(cells))) for cells in run)
        run.clear()

    for line in lines:
        if not line.strip():
            continue
        if _PIPE_SEPARATOR.match(line) and "-" in line:
            continue
        cells = None if is_heading(line) else _row_cells(line)
        if cells is None:
            end_run()
            blocks.append(Paragraph(collapse(line)))
        else:
            run.append(cells)
    end_run()
    title = next((b.text for b in blocks if isinstance(b, Paragraph) and "报告" in b.text), None)
    return Document("text/plain", blocks, title=title)


def _row_cells(line: str) -> list[str] | None:
    """The cells of a table-like line, or None for prose."""
    stripped = line.strip()
    if "\t" in line:
        return [cell.strip() for cell in line.split("\t")]
    if stripped.startswith("|"):
        return [cell.strip() for cell in stripped.strip("|").split("|")]
    if _MULTI_SPACE.search(stripped):
        cells = [cell.strip() for cell in _MULTI_SPACE.split(stripped)]
        if not any(_SENTENCE_END.search(cell) for cell in cells):
            return cells
    tokens = stripped.split()
    values = 0
    while values < len(tokens) and is_value_like(tokens[-1 - values]):
        values += 1
    label = " ".join(tokens[: len(tokens) - values])
    if values and (not label or (len(nfkc(label)) <= 80 and not _SENTENCE_END.search(label))):
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
