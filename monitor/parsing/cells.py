"""Normalising labels and reading cell values.

Full-width and ASCII punctuation are made equal with Unicode NFKC (which also turns full-width
digits into ASCII ones); white space inside labels is dropped, because real reports break labels
anywhere (「商业 企业」, 「本年度办 理结果」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.report import nfkc, replace_runs, to_number

_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_QUOTES = str.maketrans({"“": "", "”": "", '"': "", "「": "", "」": "", "‘": "", "’": "", "'": ""})


def collapse(text: str) -> str:
    """Runs of white space folded to one space; the characters themselves are kept (for quoting)."""
    return replace_runs(_SPACE, " ", text).strip()


# Cell texts and labels repeat across rows and reports, so their readings are kept, up to
# _CACHE_SIZE of each; a long text (a paragraph in a cell, a whole table's text joined) is read
# afresh each time: kept, it would keep megabytes alive after its document is done.
_CACHED_LENGTH = 256
_CACHE_SIZE = 8192
_LABEL_KEYS: dict[str, str] = {}


def label_key(text: str) -> str:
    """A label reduced for matching: NFKC, no white space, no quotes."""
    key = _LABEL_KEYS.get(text)
    if key is None:
        key = replace_runs(_SPACE, "", nfkc(text)).translate(_QUOTES)
        if len(text) <= _CACHED_LENGTH:
            _remember(_LABEL_KEYS, text, key)
    return key


def _remember(cache: dict, text: str, value: object) -> None:
    if len(cache) >= _CACHE_SIZE:
        del cache[next(iter(cache))]  # the oldest
    cache[text] = value


CellKind = Literal["number", "blank", "text"]

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_UNIT_SUFFIX = re.compile(r"(?:件|项|个|条|人次|次|起|万元|元)$")
_BLANK = {"", "-", "--", "—", "——", "–", "/", "\\", "─", "━", "－", "N/A", "n/a", "×", "x"}
_NONE_WORDS = {"无", "没有", "零"}
_STRAY = "、,;:。"  # after NFKC (，；： are already ASCII); "." stays: 「3.」 is a label


@dataclass(frozen=True)
class Cell:
    raw: str
    kind: CellKind
    value: int | float | None = None


_CELLS: dict[str, Cell] = {}


def read_cell(raw: str) -> Cell:
    """Read one table cell: a number, a blank (blank, 「—」, 「/」), or text (a label).

    A numeral beyond any figure a report can hold (see monitor.report.to_number: more than 15
    significant digits, or 10**15 or more) is unreadable text, not a number.
    """
    cell = _CELLS.get(raw)
    if cell is None:
        cell = _read_cell(raw)
        if len(raw) <= _CACHED_LENGTH:
            _remember(_CELLS, raw, cell)
    return cell


def _read_cell(raw: str) -> Cell:
    # Edge punctuation is stray text (a neighbouring label overflowing in a PDF: 「、 0」).
    text = replace_runs(_SPACE, "", nfkc(raw)).strip(_STRAY)
    if text in _BLANK:
        return Cell(raw, "blank")
    if text in _NONE_WORDS:
        return Cell(raw, "number", 0)
    number = _UNIT_SUFFIX.sub("", text) if len(text) > 1 else text
    if _NUMBER.match(number):
        try:
            return Cell(raw, "number", to_number(number))
        except ValueError:
            pass  # too many digits for any count: unreadable
    return Cell(raw, "text")


def is_value_like(raw: str) -> bool:
    return read_cell(raw).kind != "text"
