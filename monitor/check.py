"""The result of `monitor check`: one report and its findings, and its SPEC §4 JSON shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.report import Report
from monitor.template import SECTION_KEYS
from rules import Finding, Severity

SCHEMA = "annual-report/1"


@dataclass
class CheckResult:
    report: Report
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == Severity.ERROR for f in self.findings)

    def to_json_dict(self) -> dict[str, Any]:
        report = self.report
        first = report.published_date
        return {
            "schema": SCHEMA,
            "source": {
                "location": report.source.location,
                "sha256": report.source.sha256,
                "media_type": report.source.media_type,
            },
            "agency": report.agency,
            "year": report.year,
            "title": report.title,
            "template": report.template,
            "published": first.value.isoformat() if first else None,
            "published_claims": [
                {"source": c.source, "value": c.value.isoformat(), "raw": c.raw} for c in report.published
            ],
            "sections": [key for key in SECTION_KEYS if key in report.present_sections],
            "tables": report.tables,
            "findings": [f.to_dict() for f in self.findings],
        }
