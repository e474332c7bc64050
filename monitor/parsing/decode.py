"""Bytes to text: BOM, then the declared charset, then detection (charset-normalizer).

GB2312 and GBK declarations are read as GB18030, their superset: sites that declare gb2312
routinely use characters outside it (镕, 堃).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# (White space taken whole, never by two neighbouring parts: 「\s*["']?\s*」 splits a run of spaces
# every possible way when there is no quote.)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*+=\s*+(?:["']\s*+)?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "ascii": "utf-8"}


# Python codecs that decode bytes to str but are no charset of a web page: escape and IDNA
# transforms, and UTF-7 (which HTML forbids). A page declaring one is read as if it declared nothing.
_NOT_CHARSETS = frozenset(("unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7", "undefined"))


def _canonical(name: str) -> str | None:
    """The codec name of a declared charset, or None when the name is no text encoding.

    `codecs.lookup` also knows bytes-to-bytes transforms (base64, hex, zlib, bz2, uu, quopri) and
    str-to-str ones (rot13): a page declaring `charset=base64` names no charset at all.
    """
    name = name.strip().lower()
    name = _WIDER.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not info._is_text_encoding or info.name in _NOT_CHARSETS:
        return None
    try:  # it must decode bytes to str, replacing what it cannot read
        probe = info.decode(b"<p>\xff", "replace")[0]
    except (UnicodeError, TypeError, ValueError):
        return None
    return info.name if isinstance(probe, str) else None


def declared_charset(data: bytes, header: str | None = None) -> str | None:
    """The charset named by an HTTP Content-Type header or a <meta> tag, if any."""
    if header:
        declared = re.search(r"charset\s*+=\s*+([A-Za-z0-9_\-]+)", header, re.IGNORECASE)
        if declared and (name := _canonical(declared.group(1))):
            return name
    meta = _META_CHARSET.search(data[:4096])
    return _canonical(meta.group(1).decode("ascii")) if meta else None


def decode(data: bytes, header: str | None = None) -> str:
    """Decode document bytes to text, never raising: undecodable bytes become U+FFFD."""
    boms = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    for bom, encoding in boms:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    # Valid UTF-8 is almost never GBK text by accident, so strict UTF-8 goes first: a page
    # that declares gb2312 but is served as UTF-8 is then still read right.
    declared = declared_charset(data, header)
    for candidate in ("utf-8", declared):
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except UnicodeError:  # UnicodeDecodeError, or a codec's own refusal of these bytes
            continue
    guess = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if guess is not None:
        name = _canonical(guess.encoding) or "gb18030"
        return data.decode(name, errors="replace")
    return data.decode(declared or "gb18030", errors="replace")
