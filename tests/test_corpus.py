"""The reference reports of ../shared/corpus give exactly their expected output (SPEC §4)."""

from __future__ import annotations

import json

import pytest

from monitor.pipeline import check_document

CASES = ["weibin-office-2025.txt", "pingtan-2024.html"]


@pytest.mark.parametrize("name", CASES)
def test_corpus_report_matches_expected(corpus_dir, name):
    path = corpus_dir / name
    expected = json.loads((corpus_dir / (path.stem + ".expected.json")).read_text(encoding="utf-8"))
    result = check_document(path.read_bytes(), str(path)).to_json_dict()

    assert result["schema"] == expected["schema"]
    assert result["agency"] == expected["agency"]
    assert result["year"] == expected["year"]
    assert result["template"] == expected["template"]
    assert result["sections"] == expected["sections"]
    assert result["tables"] == expected["tables"]
    errors = [f for f in result["findings"] if f["severity"] == "error"]
    assert sorted(f["rule"] for f in errors) == sorted(f["rule"] for f in expected["findings"])
    for want in expected["findings"]:
        got = next(f for f in errors if f["rule"] == want["rule"])
        for key, value in want.get("evidence", {}).items():
            assert got["evidence"][key] == value


def test_weibin_narrative_sum_evidence(corpus_dir):
    path = corpus_dir / "weibin-office-2025.txt"
    finding = next(f for f in check_document(path.read_bytes(), str(path)).findings if f.rule == "NARRATIVE-SUM")
    assert finding.evidence["parts"] == [2121, 779, 752]
    assert "3351" in finding.evidence["text"] and "，" in finding.evidence["text"]  # quoted as written
    assert "3652" in finding.message and "301" in finding.message


def test_pingtan_publication_date_from_meta(corpus_dir):
    path = corpus_dir / "pingtan-2024.html"
    result = check_document(path.read_bytes(), str(path)).to_json_dict()
    assert result["published"] == "2025-03-10T15:35:00+08:00"
    assert result["findings"] == []
