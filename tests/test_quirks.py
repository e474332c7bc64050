"""Hand-written fixtures, one per parser quirk (tests/fixtures/quirks/README.md lists them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.errors import InputError
from monitor.pipeline import check_document

QUIRKS = Path(__file__).parent / "fixtures" / "quirks"
CASES = sorted(p.name.removesuffix(".expected.json") for p in QUIRKS.glob("*.expected.json"))


def _document(name: str) -> Path:
    [path] = [p for p in QUIRKS.glob(f"{name}.*") if not p.name.endswith(".expected.json")]
    return path


def _flat(tables: dict) -> dict[str, object]:
    return {f"{t}.{r}.{f}": v for t, rows in tables.items() for r, fields in rows.items() for f, v in fields.items()}


@pytest.mark.parametrize("name", CASES)
def test_quirk_fixture(name):
    expected = json.loads((QUIRKS / f"{name}.expected.json").read_text(encoding="utf-8"))
    path = _document(name)
    if expected["exit"] == 2:
        with pytest.raises(InputError) as caught:
            check_document(path.read_bytes(), str(path))
        assert "\n" not in str(caught.value)
        if "reason_contains" in expected:
            assert expected["reason_contains"] in str(caught.value)
        return
    result = check_document(path.read_bytes(), str(path))
    data = result.to_json_dict()
    assert (data["agency"], data["year"], data["template"]) == (expected["agency"], expected["year"],
                                                                expected["template"])
    got, want = _flat(data["tables"]), _flat(expected["tables"])
    wrong = {ref: (want[ref], got.get(ref)) for ref in want if got.get(ref) != want[ref]}
    assert not wrong, f"cells (expected, got): {wrong}"
    rules = {f["rule"] for f in data["findings"]}
    errors = {f["rule"] for f in data["findings"] if f["severity"] == "error"}
    assert errors == set(expected.get("error_rules", []))
    assert set(expected.get("warning_rules", [])) <= rules
    if expected.get("exit") is not None:
        assert (1 if result.has_errors else 0) == expected["exit"]
    if "published" in expected:
        assert (data["published"] or "")[:10] == expected["published"]
