"""Document bytes to a Report: sniff, read (HTML or text), then map sections and tables."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from monitor.errors import InputError, NotAReport
from monitor.parsing.decode import decode
from monitor.parsing.document import Document
from monitor.parsing.limits import MAX_DOCUMENT_BYTES
from monitor.parsing.meta import date_claims
from monitor.parsing.sections import split_sections
from monitor.parsing.sniff import DOCX_MEDIA_TYPE, sniff
from monitor.parsing.tables import read_tables
from monitor.parsing.text import parse_text
from monitor.report import UNREAD_TABLE, CellIssue, DateClaim, Report, Source, period_year, title_parts
from monitor.template import TABLE_KEYS, TABLE_ROWS

# Structure of reports under the old 条例 (2008–2018): free-form, no 勾稽 table.
_PRE_2019_MARKERS = (
    "不予公开政府信息的情况", "政府信息公开的收费及减免情况", "依申请公开政府信息情况", "国务院令第492号",
)


def parse(data: bytes, location: str, content_type: str | None = None) -> Report:
    """Parse one document. Raises InputError (unreadable) or NotAReport (not an annual report)."""
    if not data:
        raise InputError("文件为空（0 字节）")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(f"文件过大（{len(data) / 2**20:.1f} MB，上限 {MAX_DOCUMENT_BYTES // 2**20} MB）")
    media_type = sniff(data)
    if media_type == "application/zip":
        return _parse_zip(data, location, content_type)
    reader = _READERS.get(media_type)
    if reader is None:
        raise InputError("不是网页、文本、PDF 或 Word 文件（无法识别的二进制内容）")
    document = reader(data, content_type)
    source = Source(location, hashlib.sha256(data).hexdigest(), media_type)
    return build_report(document, source)


def page_dates(data: bytes, location: str, content_type: str | None = None) -> list[DateClaim]:
    """The publication dates a web page claims (meta, visible 「发布时间」, URL) whether or not it is a
    report: the page whose report is its attachment dates the attachment. Raises InputError."""
    document = _read_html(data, content_type)
    return date_claims(document.meta, document.page_text or document.text, document.meta.get("url") or location)


# A ZIP attachment (a report packed with its annexes): the members that can be reports, those whose
# name says 年度报告/年报 first, each read until one is a report. Nested archives are not opened.
_ZIP_REPORT_NAMES = re.compile(r"\.(pdf|docx|doc|wps|html?|txt)$", re.IGNORECASE)
_MAX_ZIP_TRIES = 10


def _parse_zip(data: bytes, location: str, content_type: str | None) -> Report:
    from monitor.parsing.archive import Archive

    with Archive(data) as archive:
        names = [name for name in archive.names() if _ZIP_REPORT_NAMES.search(name)]
        names.sort(key=lambda name: not re.search("年度报告|年报", _zip_name(name)))
        if not names:
            raise InputError(f"ZIP 压缩包中没有网页、PDF 或 Word 文件（共 {len(archive.names())} 个文件）")
        reasons = []
        for name in names[:_MAX_ZIP_TRIES]:
            try:  # an encrypted or damaged member: the next one may be the report
                member = archive.read(name)
                if sniff(member) == "application/zip":
                    continue
                report = parse(member, location, content_type=None)
            except InputError as exc:  # NotAReport too: the next member may be the report
                reasons.append(f"{_zip_name(name)}：{exc}")
                continue
            report.source = Source(location, hashlib.sha256(data).hexdigest(), report.source.media_type)
            return report
    raise NotAReport(f"ZIP 压缩包中没有可读的年度报告（{'；'.join(reasons[:3]) or '只有压缩包'}）")


def _zip_name(name: str) -> str:
    """A member name as its author wrote it: zip tools on Chinese Windows store GBK without the UTF-8
    flag, which zipfile decodes as CP437."""
    try:
        return name.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


# The readers of HTML, PDF and Word import their libraries (lxml, pdfplumber/pdfminer,
# python-docx) with their modules, so those modules are imported only when such a file is read:
# `monitor check` of a text file loads none of them.
def _read_html(data: bytes, content_type: str | None) -> Document:
    from monitor.parsing.html import parse_html

    return parse_html(data, content_type)


def _read_pdf(data: bytes, content_type: str | None) -> Document:
    from monitor.parsing.pdf import parse_pdf

    return parse_pdf(data)


def _read_docx(data: bytes, content_type: str | None) -> Document:
    from monitor.parsing.word import parse_docx

    return parse_docx(data)


def _read_doc(data: bytes, content_type: str | None) -> Document:
    from monitor.parsing.convert import to_docx
    from monitor.parsing.word import parse_docx

    document = parse_docx(to_docx(data))
    document.media_type = "application/msword"
    return document


_READERS: dict[str, Callable[[bytes, str | None], Document]] = {
    "text/html": _read_html,
    "text/plain": lambda data, content_type: parse_text(decode(data, content_type)),
    "application/pdf": _read_pdf,
    DOCX_MEDIA_TYPE: _read_docx,
    "application/msword": _read_doc,
}


def build_report(document: Document, source: Source) -> Report:
    sections = split_sections(document)
    reading = read_tables(document)
    titles = [document.title, document.meta.get("articletitle"), document.meta.get("html_title")]
    agency, year = next((parts for parts in map(title_parts, titles) if parts[1]), (None, None))
    text = document.text
    year = year or period_year(text)
    agency = agency or document.meta.get("contentsource") or None
    report = Report(
        source=source,
        title=next((t for t in titles if t), None),
        agency=agency,
        year=year,
        sections=sections,
        tables=reading.tables,
        tables_found=reading.found,
        cell_issues=reading.issues,
        published=date_claims(document.meta, document.page_text or text, document.meta.get("url") or source.location),
        text=text,
        legacy_markers=reading.legacy_markers,
    )
    report.template = _template(report, reading.is_2021)
    _report_unread_tables(report)
    if len(sections) < 2 and not reading.found and report.template != "legacy":
        if year and re.search(r"年度报告|年报", report.title or ""):
            raise NotAReport("标题是年度报告，但正文中没有报告的章节或表格（报告可能在附件中）")
        raise NotAReport("不是政府信息公开工作年度报告：没有找到报告的章节标题或统计表")
    return report


def _report_unread_tables(report: Report) -> None:
    """A table section whose heading is there but whose table is not (an image, an attachment)."""
    if report.template == "legacy":
        return
    for table in TABLE_KEYS:
        if table in report.sections and table not in report.tables_found:
            report.cell_issues.extend(
                CellIssue(table, row.key, name, "", UNREAD_TABLE)
                for row in TABLE_ROWS[table]
                for name in row.field_keys
            )


def _template(report: Report, has_2021_labels: bool) -> str:
    if report.legacy_markers:
        return "legacy"
    if has_2021_labels or report.value("applications", "other_other", "total") is not None:
        return "2021"
    pre_2019 = [m for m in _PRE_2019_MARKERS if m in report.text]
    if pre_2019 or (report.year is not None and report.year <= 2018):
        report.legacy_markers.extend(pre_2019 or [f"{report.year}年度报告（旧条例）"])
        return "legacy"
    return "unknown"
