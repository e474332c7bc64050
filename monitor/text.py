"""Attacker-controlled text made safe to show and to export (standard library only: `monitor check`
imports it).

Titles, names and sentences come from the agencies' documents and registries. Printed as they are,
a terminal escape sequence in them could recolour, hide or rewrite what the operator sees (or set the
window title, or a clipboard), and a spreadsheet would run a cell that starts with 「=」 as a formula.
`printable` is for every human-readable output and CSV; `spreadsheet_text` is for CSV text cells.
JSON output keeps the exact text: JSON escapes the control characters itself.
"""

from __future__ import annotations

import re

# Escape sequences (ECMA-48) as a terminal reads them, removed whole so that no parameter is left
# behind as text: CSI (ESC [ or 8-bit CSI, parameters, intermediates, a final byte); the string
# commands OSC, DCS, SOS, PM, APC (ESC ] P X ^ _ or their 8-bit forms) up to BEL or ST; and the
# other two- or three-byte escapes (ESC, intermediates, a final byte). A string command without its
# terminator loses only its introducer (the text after it stays visible).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# The C0 controls but tab and line feed, DEL and the C1 controls (what is left after the escapes).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?")

# A cell that starts with one of these is a formula to Excel, WPS and LibreOffice (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """`text` without terminal escape sequences and control characters; tab and line feed are kept,
    and a carriage return (CR LF or a lone CR) becomes a line feed."""
    if text.isprintable():  # the common case: nothing to remove
        return text
    text = _LINE_BREAKS.sub("\n", text)
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def inline(text: str) -> str:
    """`text` made printable on one line, for quoting a name or path inside a one-line message: a
    line break or tab shows as \\n or \\t."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def undecodable(arguments: list[str]) -> str | None:
    """The first command-line argument that is not UTF-8 text (Python keeps such bytes as lone
    surrogates, which no database or file accepts), shown with its bad bytes escaped; None if all are."""
    for argument in arguments:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return argument.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def spreadsheet_text(value: object) -> object:
    """A CSV cell that a spreadsheet shows as written: text beginning like a formula gets the OWASP
    prefix, a single quote. Only text: numbers (a negative one too) are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value: object) -> object:
    """A CSV text cell made printable and formula-safe; any other value as it is."""
    return spreadsheet_text(printable(value)) if isinstance(value, str) else value


def csv_error_reason(error: Exception) -> str:
    """The Chinese reason of a `csv.Error` raised while reading a file."""
    message = str(error)
    limit = re.search(r"field larger than field limit \((\d+)\)", message)
    if limit:
        return f"有一个字段超过 {limit.group(1)} 个字符（是否少了一个结尾的英文双引号？）"
    if "new-line character seen in unquoted field" in message:
        return "未加引号的字段中有换行符（含换行的值请加英文双引号）"
    return "不是有效的 CSV 格式"


def clip(text: str, limit: int = 60) -> str:
    """`text` made printable on one line and shortened to `limit` characters with 「…」."""
    text = " ".join(printable(text).split())
    return text if len(text) <= limit else text[:limit] + "…"
