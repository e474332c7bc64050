"""Deciding a document's media type from its bytes, not from its name."""

from __future__ import annotations

import re

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|table)\b",
                         re.IGNORECASE | re.DOTALL)
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sniff(data: bytes) -> str:
    """The media type of document bytes: text/html, text/plain, application/pdf, docx, msword…"""
    head = data[:2048]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536]:
            return DOCX_MEDIA_TYPE
        return "application/zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")) or re.search(rb"<(?:table|p|div|br)\b", data[:65536], re.I):
        return "text/html"
    if _looks_binary(head):
        return "application/octet-stream"
    return "text/plain"


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    control = sum(1 for b in head if b < 0x09 or 0x0E <= b < 0x20)
    return control > len(head) * 0.05
