"""Damaged and hostile input: a clear one-line error or findings, never a traceback."""

from __future__ import annotations

import pytest

from monitor.errors import InputError
from monitor.parsing import MAX_DOCUMENT_BYTES
from monitor.pipeline import check_document


def test_truncated_html_gives_findings(corpus_dir):
    data = (corpus_dir / "pingtan-2024.html").read_bytes()
    cut = data[: data.index("6.属于四类过程性信息".encode())]
    result = check_document(cut, "truncated.html")
    rules = {f.rule for f in result.findings}
    assert {"SECTION-MISSING", "BLANK-CELL"} <= rules
    tables = result.report.tables
    assert tables["applications"]["new_received"]["total"] == 218
    assert tables["applications"]["withheld_process"]["total"] is None
    missing = {f.evidence["cells"][0] for f in result.findings if f.rule == "SECTION-MISSING"}
    assert missing == {"section.review_litigation", "section.problems", "section.other_matters"}


def test_large_page_near_the_limit_is_read(corpus_dir):
    report = (corpus_dir / "pingtan-2024.html").read_bytes()
    filler = b"<div class='nav'><a href='/x'>" + "栏目链接".encode() * 8 + b"</a></div>\n"
    body_at = report.index(b"<body>") + len(b"<body>")
    pad = filler * ((MAX_DOCUMENT_BYTES - len(report) - 1024) // len(filler))
    page = report[:body_at] + pad + report[body_at:]
    assert MAX_DOCUMENT_BYTES - 4096 < len(page) <= MAX_DOCUMENT_BYTES
    result = check_document(page, "big.html")
    assert result.report.tables["applications"]["total_processed"]["total"] == 218
    assert not result.has_errors


def test_page_over_the_limit_is_refused():
    with pytest.raises(InputError, match="文件过大"):
        check_document(b"<html>" + b" " * MAX_DOCUMENT_BYTES, "huge.html")


@pytest.mark.parametrize("data", [
    b"<html><body><table><tr><td rowspan='99999999' colspan='99999999'>x</td></tr></table></body></html>",
    b"<html>" + b"<div>" * 5000 + "一、总体情况".encode() + b"</html>",
    b"\xff\xfe" + "一、总体情况\n二、主动公开政府信息情况".encode("utf-16-le"),
    "一、总体情况\n\t\t\n|||\n二、主动公开政府信息情况\n第二十条\t\t".encode(),
])
def test_hostile_structures_do_not_crash(data):
    try:
        check_document(data, "hostile")
    except InputError as exc:
        assert "\n" not in str(exc)
