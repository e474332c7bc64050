"""The layout-neutral form every reader produces: paragraphs and table grids in reading order."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.errors import InputError
from monitor.parsing.limits import MAX_GRID_CELLS, MAX_PARAGRAPHS, MAX_REPEATED_TEXT


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    """A table as a grid of cell texts.

    `ids` is given when the grid positions are real columns (rowspan/colspan expanded, as from
    HTML): each position holds the id of the source cell that covers it, so a cell spanning three
    columns is read once. Flattened text loses spans: its cells are only an order, and `ids` is None.
    """

    rows: list[list[str]]
    ids: list[list[int]] | None = None

    @property
    def aligned(self) -> bool:
        return self.ids is not None

    @classmethod
    def aligned_grid(cls, rows: list[list[str]], ids: list[list[int]]) -> Table:
        """A grid from rows of cell texts and source-cell ids, short rows padded to the widest:
        a padded position is absent (a negative id of its own), not a blank cell."""
        width = max((len(texts) for texts in rows), default=0)
        for texts, idents in zip(rows, ids, strict=True):
            for c in range(len(texts), width):
                texts.append("")
                idents.append(-1 - c)
        return cls(rows, ids)


Block = Paragraph | Table


class Budget:
    """What the paragraphs and tables of one document (a web page, a text file) have taken so far;
    a document that takes more than monitor.parsing.limits allows is refused with one line."""

    def __init__(self) -> None:
        self.paragraphs = 0
        self.grid_cells = 0
        self.repeated_text = 0

    def paragraph(self) -> None:
        self.paragraphs += 1
        if self.paragraphs > MAX_PARAGRAPHS:
            raise InputError(f"段落过多（超过 {MAX_PARAGRAPHS} 段）")

    def cells(self, count: int) -> None:
        """A table of `count` grid positions."""
        self.grid_cells += count
        if self.grid_cells > MAX_GRID_CELLS:
            raise InputError(f"表格单元格过多（全文合计超过 {MAX_GRID_CELLS} 格）")

    def repeated(self, characters: int) -> None:
        """Characters of cell text copied into the further positions a span covers."""
        self.repeated_text += characters
        if self.repeated_text > MAX_REPEATED_TEXT:
            raise InputError(f"合并单元格重复的文字过多（全文合计超过 {MAX_REPEATED_TEXT} 字）")


@dataclass
class Document:
    media_type: str
    blocks: list[Block]
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    # Page text outside the body that may carry the visible 「发布时间」 (HTML chrome); "" for text.
    page_text: str = ""

    @property
    def text(self) -> str:
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            else:
                parts.extend("\t".join(row) for row in block.rows)
        return "\n".join(parts)
