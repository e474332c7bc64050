"""Each document rule on hand-built reports: fires on its problem, silent when inputs are missing."""

from __future__ import annotations

import copy

import pytest

from monitor.report import CellIssue, Report, Source
from monitor.template import APPLICANT_PARTS, RESULT_ROW_KEYS, SECTION_KEYS, TABLE_ROWS, empty_tables
from rules import REGISTRY, Context, evaluate


def consistent_tables():
    tables = empty_tables()
    for row in TABLE_ROWS["active_disclosure"]:
        for field in row.field_keys:
            tables["active_disclosure"][row.key][field] = 3
    tables["active_disclosure"]["regulations"] = {"made": 0, "repealed": 0, "in_force": 0}
    t3 = tables["applications"]
    for i, key in enumerate(RESULT_ROW_KEYS):
        for j, column in enumerate(APPLICANT_PARTS):
            t3[key][column] = (i + j) % 3
    for column in APPLICANT_PARTS:
        processed = sum(t3[key][column] for key in RESULT_ROW_KEYS)
        t3["total_processed"][column] = processed
        t3["carried_forward"][column] = 1
        t3["carried_over"][column] = 2
        t3["new_received"][column] = processed + 1 - 2
    for key in t3:
        t3[key]["total"] = sum(t3[key][c] for c in APPLICANT_PARTS)
    for group in tables["review_litigation"].values():
        group.update(upheld=2, corrected=1, other=0, pending=1, total=4)
    return tables


def make_report(tables=None, sections=None, **kwargs) -> Report:
    report = Report(source=Source("test", "0" * 64, "text/plain"), agency="某某县市场监督管理局", year=2024,
                    template="2021", **kwargs)
    report.tables = tables or consistent_tables()
    report.tables_found = {"active_disclosure", "applications", "review_litigation"}
    report.sections = sections if sections is not None else {key: "情况良好。" for key in SECTION_KEYS}
    return report


def rules_of(report, context=None):
    return sorted({f.rule for f in evaluate(report, context)})


def test_consistent_report_has_no_finding():
    assert rules_of(make_report()) == []


def test_every_rule_has_id_severity_title_and_docstring():
    for rule_id, item in REGISTRY.items():
        assert rule_id == item.id and item.severity in ("error", "warning", "info")
        assert item.title and len(item.description) > 20


def test_t3_balance():
    tables = consistent_tables()
    tables["applications"]["new_received"]["natural_person"] += 5
    tables["applications"]["new_received"]["total"] += 5
    findings = [f for f in evaluate(make_report(tables)) if f.rule == "T3-BALANCE"]
    assert {f.rule for f in evaluate(make_report(tables))} == {"T3-BALANCE"}
    assert len(findings) == 2  # the 自然人 column and the 总计 column
    first = findings[0]
    assert first.evidence["expected"] - first.evidence["actual"] == 5
    assert "applications.new_received.natural_person" in first.evidence["cells"]
    assert "自然人" in first.message and "相差5" in first.message


def test_t3_result_sum():
    tables = consistent_tables()
    t3 = tables["applications"]
    t3["total_processed"]["research"] += 1
    t3["total_processed"]["total"] += 1
    t3["carried_forward"]["research"] -= 1
    t3["carried_forward"]["total"] -= 1
    assert rules_of(make_report(tables)) == ["T3-RESULT-SUM"]


def test_t3_row_total():
    tables = consistent_tables()
    tables["applications"]["disclosed"]["total"] += 1
    tables["applications"]["partially_disclosed"]["total"] -= 1
    findings = [f for f in evaluate(make_report(tables))]
    assert {f.rule for f in findings} == {"T3-ROW-TOTAL"}
    assert {f.evidence["actual"] - f.evidence["expected"] for f in findings} == {1, -1}


def test_t4_total():
    tables = consistent_tables()
    tables["review_litigation"]["litigation_after_review"]["pending"] = 9
    [finding] = evaluate(make_report(tables))
    assert finding.rule == "T4-TOTAL" and finding.evidence == {
        "cells": [f"review_litigation.litigation_after_review.{f}" for f in ("upheld", "corrected", "other",
                                                                           "pending", "total")],
        "expected": 12, "actual": 4}


@pytest.mark.parametrize("cell,value", [(("active_disclosure", "licensing", "decisions"), -3),
                                        (("review_litigation", "review", "upheld"), 1.5)])
def test_t2_value(cell, value):
    tables = consistent_tables()
    table, row, field = cell
    delta = value - tables[table][row][field]
    tables[table][row][field] = value
    if table == "review_litigation":
        tables[table][row]["total"] += delta
    assert rules_of(make_report(tables)) == ["T2-VALUE"]


def test_fee_amount_may_be_decimal():
    tables = consistent_tables()
    tables["active_disclosure"]["fees"]["amount"] = 24252.311082
    assert rules_of(make_report(tables)) == []


def test_rules_with_missing_inputs_stay_silent():
    tables = consistent_tables()
    tables["applications"]["new_received"]["natural_person"] = None
    tables["applications"]["new_received"]["total"] += 7  # breaks the 总计 column's balance only
    issue = CellIssue("applications", "new_received", "natural_person", "—", "空白或「—」「/」")
    findings = evaluate(make_report(tables, cell_issues=[issue]))
    # The 自然人 column's balance and the 本年新收 row's total need the null cell: not assessable.
    assert sorted((f.rule, f.evidence["cells"][0]) for f in findings) == [
        ("BLANK-CELL", "applications.new_received.natural_person"),
        ("T3-BALANCE", "applications.new_received.total"),
    ]


def test_section_missing():
    sections = {key: "……" for key in SECTION_KEYS if key not in ("problems", "other_matters")}
    findings = [f for f in evaluate(make_report(sections=sections)) if f.rule == "SECTION-MISSING"]
    assert [f.evidence["cells"] for f in findings] == [["section.problems"], ["section.other_matters"]]
    assert "第五部分" in findings[0].message


def test_table_section_counts_as_present_when_its_table_is_found():
    sections = {key: "……" for key in ("overview", "problems", "other_matters")}
    assert rules_of(make_report(sections=sections)) == []


def test_format_legacy_only_for_2021_and_later():
    report = make_report(legacy_markers=["本年新制作数量"])
    report.template = "legacy"
    assert rules_of(report) == ["FORMAT-LEGACY"]
    report.year = 2020
    assert rules_of(report) == []


def test_year_mismatch():
    sections = {key: "……" for key in SECTION_KEYS}
    sections["overview"] = "2023年，我局坚持……"
    report = make_report(sections=sections, title="某某县市场监督管理局2024年政府信息公开工作年度报告",
                         text="本报告所列数据统计期限为2024年1月1日至2024年12月31日。")
    [finding] = evaluate(report)
    assert finding.rule == "YEAR-MISMATCH" and finding.evidence["years"] == {"标题": 2024, "统计期限": 2024,
                                                                             "总体情况开头": 2023}


@pytest.mark.parametrize("agency,context,fires", [
    ("青石镇人民政府", Context(), True),
    ("某某县人民政府", Context(), True),
    ("某某市人民政府", Context(), False),  # could be a 设区的市
    ("某某省人民政府", Context(kind="government", level="province"), False),
    ("某某县市场监督管理局", Context(kind="department"), True),
    ("某某县市场监督管理局", Context(), False),  # kind unknown: not judged
])
def test_t2_plausible(agency, context, fires):
    tables = consistent_tables()
    tables["active_disclosure"]["regulations"]["made"] = 2
    report = make_report(tables)
    report.agency = agency
    assert ("T2-PLAUSIBLE" in rules_of(report, context)) is fires


NARRATIVE = {
    "sum_exceeds": ("全年主动公开政府信息1200条，其中政策文件300条、工作动态800条、其他信息200条。", ["NARRATIVE-SUM"]),
    "sum_below_ok": ("全年主动公开政府信息1200条，其中政策文件300条、工作动态800条。", []),
    "other_unit_ignored": ("全年主动公开信息3351条，其中动态2121条、目录779条，其他451条，召开会议50场。", []),
    "approximate_total": ("全年审核信息3000余条，其中网站2000条、新媒体1500条。", []),
    "percent_parts_ignored": ("全年主动公开信息100条，其中按期更新率100%、同比增长20条。", []),
    "received_matches": ("全年共收到政府信息公开申请{received}件。", []),
    "received_contradicts": ("全年共收到政府信息公开申请999件。", ["NARRATIVE-TABLE"]),
    "processed_matches_total": ("全年办理政府信息公开申请{processed}件。", []),
    "disclosed_contradicts": ("其中予以公开88件。", ["NARRATIVE-TABLE"]),
    "review_matches": ("全年发生行政复议4件。", []),
    "review_contradicts": ("全年发生行政复议7件。", ["NARRATIVE-TABLE"]),
}


@pytest.mark.parametrize("case", sorted(NARRATIVE))
def test_narrative_rules(case):
    template, expected = NARRATIVE[case]
    tables = consistent_tables()
    text = template.format(received=tables["applications"]["new_received"]["total"],
                           processed=tables["applications"]["total_processed"]["total"])
    sections = {key: "……" for key in SECTION_KEYS}
    sections["overview"] = text
    assert rules_of(make_report(copy.deepcopy(tables), sections=sections)) == expected
