"""Finding the six section headings and the narrative text under each."""

from __future__ import annotations

import re

from monitor.parsing.document import Document, Paragraph
from monitor.report import nfkc

_NUM = r"^\s*{n}\s*[、.,:．]\s*"
# Each heading: its numeral and the words that follow it (variants seen in real reports).
_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(_NUM.format(n=numeral) + words))
    for key, numeral, words in (
        ("overview", "一", r"(总体情况|总体概况|基本情况|概述)"),
        ("active_disclosure", "二", r"主动公开"),
        ("applications", "三", r"(收到和处理|收到及处理|依申请)"),
        ("review_litigation", "四", r".{0,16}(行政复议|行政诉讼|复议)"),
        ("problems", "五", r".{0,16}(问题|改进)"),
        ("other_matters", "六", r".{0,6}其他"),
    )
)


NUMERALS = frozenset("一二三四五六")  # the six section numerals


def heading_key(text: str) -> str | None:
    """The section key a heading line opens, or None."""
    start = text[:1000].lstrip()[:1]
    if start not in NUMERALS:
        return None  # cheap rejection before normalising: a heading starts with its numeral
    # A heading is judged by its first 200 characters (the patterns look at a few dozen), and only
    # those are normalised: a paragraph of megabytes starting with 一 costs no more than a heading.
    text = nfkc(text[:1000])[:200]
    for key, pattern in _HEADINGS:
        if pattern.match(text):
            return key
    return None


def is_heading(text: str) -> bool:
    return heading_key(text) is not None


def split_sections(document: Document) -> dict[str, str]:
    """Section key -> narrative text under its heading (the first heading of each key wins)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for block in document.blocks:
        if not isinstance(block, Paragraph):
            continue
        key = heading_key(block.text)
        if key is not None and key not in sections:
            current = sections[key] = []
            rest = _after_heading(block.text)
            if rest:
                current.append(rest)
        elif current is not None:
            current.append(block.text)
    return {key: "\n".join(parts) for key, parts in sections.items()}


def _after_heading(text: str) -> str:
    """Text that shares the heading's paragraph (「一、总体情况。2024年，…」)."""
    match = re.match(r"^\s*\S{1,40}?[。:：]\s*+(.+)$", text)
    return match.group(1) if match and len(text) > 40 else ""
