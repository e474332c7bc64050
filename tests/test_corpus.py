"""The reference reports (tests/fixtures/corpus, copied from ../shared/corpus) give exactly their
expected output (SPEC §4); the copies are the shared corpus's files, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.pipeline import check_document

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
# every report of the corpus with an expected output
CASES = sorted(path.name for path in CORPUS.iterdir()
               if not path.name.endswith(".expected.json") and (CORPUS / f"{path.stem}.expected.json").is_file())
# other copies of shared corpus files in the repository
SAMPLES = [ROOT / "monitor" / "samples" / "weibin-office-2025.txt"]


def test_the_corpus_is_there():
    assert {"pingtan-2024.html", "weibin-office-2025.txt"} <= set(CASES), CASES


def test_repository_copies_match_shared(shared_corpus_dir):
    """The only test that reads ../shared: it skips without it, except under CI or with
    MONITOR_REQUIRE_SHARED=1 (conftest.unavailable)."""
    copies = [*sorted(CORPUS.iterdir()), *SAMPLES]
    differ = [str(path.relative_to(ROOT)) for path in copies
              if not (shared_corpus_dir / path.name).is_file()
              or (shared_corpus_dir / path.name).read_bytes() != path.read_bytes()]
    assert differ == [], f"not byte-identical to {shared_corpus_dir}: copy them again"
    expected = {path.name.removesuffix(".expected.json") for path in shared_corpus_dir.glob("*.expected.json")}
    reports = [path.name for path in shared_corpus_dir.iterdir()
               if path.name.endswith(".expected.json") or path.stem in expected]
    missing = [name for name in sorted(reports) if not (CORPUS / name).is_file()]
    assert missing == [], f"in {shared_corpus_dir} but not in {CORPUS.relative_to(ROOT)}: copy them"


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
