"""Deciding a document's media type from its bytes, not from its name."""

from __future__ import annotations

import io
import re
import zipfile

# A comment is atomic (it ends at its first "-->"): a lazy comment inside a repeated group would
# try every way of splitting a run of comments, exponentially many, before failing.
_HTML_START = re.compile(rb"^\s*(?:(?><!--.*?-->)\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|table)\b",
                         re.IGNORECASE | re.DOTALL)
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A Word file names a few dozen parts (a few hundred with many images) in a central directory of a
# few KB; a zip whose central directory is larger than this is not read for sniffing.
_MAX_SNIFF_ZIP_ENTRIES = 10_000
_MAX_SNIFF_DIRECTORY_BYTES = 2 * 1024 * 1024
_EOCD = b"PK\x05\x06"
_EOCD_SEARCH = 22 + 65535  # the end record and the longest zip comment


def sniff(data: bytes) -> str:
    """The media type of document bytes: text/html, text/plain, application/pdf, docx, msword…"""
    head = data[:2048]
    if _is_pdf(head):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return DOCX_MEDIA_TYPE if _is_docx(data) else "application/zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")) or re.search(rb"<(?:table|p|div|br)\b", data[:65536], re.I):
        return "text/html"
    if _looks_binary(head):
        return "application/octet-stream"
    return "text/plain"


def _is_pdf(head: bytes) -> bool:
    """A PDF starts with %PDF- within its first 1024 bytes (readers accept leading junk), but only
    when nothing before it is markup: a web page quoting 「%PDF-」 near its top is a web page."""
    at = head.find(b"%PDF-", 0, 1024)
    return at == 0 or (at > 0 and b"<" not in head[:at])


def _is_docx(data: bytes) -> bool:
    """Whether a zip holds a Word document: a part under word/ in its central directory (which sits
    at the end of the file, after the parts). A zip without a readable central directory (a cut
    download) is judged by the local headers of its first 64 KB, as Word puts word/ parts early."""
    names = _zip_names(data)
    if names is None:
        return b"word/" in data[:65536]
    return any(name.startswith("word/") for name in names)


def _zip_names(data: bytes) -> list[str] | None:
    """The part names of the zip's central directory, or None when it has none that can be read
    within bounds (no end record, more entries than a document has, damaged)."""
    end = data.rfind(_EOCD, max(0, len(data) - _EOCD_SEARCH))
    if end < 0 or len(data) < end + 22:
        return None
    entries = int.from_bytes(data[end + 10 : end + 12], "little")
    directory_bytes = int.from_bytes(data[end + 12 : end + 16], "little")
    # (0xFFFF and 0xFFFFFFFF, the marks of a ZIP64 archive, are over both bounds.)
    if entries > _MAX_SNIFF_ZIP_ENTRIES or directory_bytes > _MAX_SNIFF_DIRECTORY_BYTES:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    control = sum(1 for b in head if b < 0x09 or 0x0E <= b < 0x20)
    return control > len(head) * 0.05
