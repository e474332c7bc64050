"""The real pingtan page, converted by LibreOffice to DOCX, PDF and DOC, reads to the same tables.

These are the formats agencies attach: Word files and PDFs exported from them. The conversion
runs once per session; without LibreOffice the tests skip, unless MONITOR_REQUIRE_LIBREOFFICE=1
(set by .ci/run) or CI is set, where they fail. The page is tests/fixtures/corpus/pingtan-2024.html.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import unavailable

from monitor.parsing.convert import soffice
from monitor.pipeline import check_document


def _convert(source, target: str, outdir, profile) -> object:
    subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", target, "--outdir", str(outdir), str(source)],
                   capture_output=True, timeout=300, check=True)
    return outdir / f"{source.stem}.{target.split(':')[0]}"


@pytest.fixture(scope="module")
def converted(tmp_path_factory, corpus_dir):
    if soffice() is None:
        unavailable("LibreOffice (soffice) not installed: `make libreoffice` to run these tests",
                    "MONITOR_REQUIRE_LIBREOFFICE")
    folder = tmp_path_factory.mktemp("formats")
    profile = folder / "profile"
    html = folder / "pingtan.html"
    shutil.copy(corpus_dir / "pingtan-2024.html", html)
    docx = _convert(html, "docx:MS Word 2007 XML", folder, profile)
    pdf = _convert(docx, "pdf", folder, profile)
    doc = _convert(docx, "doc", folder, profile)
    expected = json.loads((corpus_dir / "pingtan-2024.expected.json").read_text(encoding="utf-8"))
    return {"docx": docx, "pdf": pdf, "doc": doc}, expected


@pytest.mark.parametrize("kind,media_type", [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
])
def test_converted_real_report_reads_exactly(converted, kind, media_type):
    paths, expected = converted
    data = paths[kind].read_bytes()
    result = check_document(data, "attachment")  # no file extension: the type comes from the bytes
    report = result.report
    assert report.source.media_type == media_type
    assert report.tables == expected["tables"]
    assert report.year == 2024 and report.template == "2021"
    assert report.present_sections == expected["sections"]
    assert [f.rule for f in result.findings if f.severity == "error"] == []
