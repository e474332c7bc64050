"""Normalising labels and reading cell values.

Full-width and ASCII punctuation are made equal with Unicode NFKC (which also turns full-width
digits into ASCII ones); white space inside labels is dropped, because real reports break labels
anywhere (「商业 企业」, 「本年度办 理结果」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from monitor.report import nfkc, to_number

_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_QUOTES = str.maketrans({"“": "", "”": "", '"': "", "「": "", "」": "", "‘": "", "’": "", "'": ""})


def collapse(text: str) -> str:
    """Runs of white space folded to one space; the characters themselves are kept (for quoting)."""
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def label_key(text: str) -> str:
    """A label reduced for matching: NFKC, no white space, no quotes."""
    return _SPACE.sub("", nfkc(text)).translate(_QUOTES)


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


@lru_cache(maxsize=8192)
def read_cell(raw: str) -> Cell:
    """Read one table cell: a number, a blank (blank, 「—」, 「/」), or text (a label)."""
    # Edge punctuation is stray text (a neighbouring label overflowing in a PDF: 「、 0」).
    text = _SPACE.sub("", nfkc(raw)).strip(_STRAY)
    if text in _BLANK:
        return Cell(raw, "blank")
    if text in _NONE_WORDS:
        return Cell(raw, "number", 0)
    number = _UNIT_SUFFIX.sub("", text) if len(text) > 1 else text
    if _NUMBER.match(number):
        return Cell(raw, "number", to_number(number))
    return Cell(raw, "text")


def is_value_like(raw: str) -> bool:
    return read_cell(raw).kind != "text"
