"""Rules on the report's structure: sections, template version, years, unreadable cells, 规章."""

from __future__ import annotations

import re
from collections.abc import Iterator

from monitor.report import UNREAD_TABLE, CellIssue, Report, leading_year, period_year, same_agency, title_parts
from monitor.template import SECTION_KEYS, SECTION_TITLES, TABLE_NAMES, TABLE_ROWS, cell_label
from rules.engine import Context, Problem, Severity, rule


@rule("SECTION-MISSING", Severity.ERROR, "缺少报告的组成部分")
def section_missing(report: Report, context: Context) -> Iterator[Problem]:
    """Each of the six sections of 条例 第五十条 and the template must be present.

    A table section counts as present when its heading or its table is found; the others need
    their heading (一、总体情况 … 六、其他需要报告的事项, with the variants seen in real reports).
    """
    present = set(report.present_sections)
    for key in SECTION_KEYS:
        if key not in present:
            title = SECTION_TITLES[key]
            yield Problem(f"报告缺少第{title[0]}部分「{title[2:]}」。", (f"section.{key}",), expected=title)


@rule("FORMAT-LEGACY", Severity.WARNING, "使用了已废止的报告格式")
def format_legacy(report: Report, context: Context) -> Iterator[Problem]:
    """A report for 2021 or later uses the obsolete 2019 template or the pre-2019 free form.

    Markers of the 2019 tables: 本年新制作数量, 对外公开总数量, 上一年项目数量, 本年增/减,
    第二十条第（九）项 政府集中采购, or （六）其他处理 as a single row. Since report year 2021 the
    format of 国办公开办函〔2021〕30号 applies.
    """
    if report.template == "legacy" and report.year is not None and report.year >= 2021:
        markers = "、".join(f"「{m}」" for m in report.legacy_markers[:3])
        yield Problem(
            f"{report.year}年度报告使用了已废止的旧格式（发现{markers}），应按国办公开办函〔2021〕30号的格式编制。",
            expected="2021", actual="legacy", extra={"markers": report.legacy_markers},
        )


@rule("YEAR-MISMATCH", Severity.WARNING, "报告年度前后不一致")
def year_mismatch(report: Report, context: Context) -> Iterator[Problem]:
    """The year in the title, the statistics period and the year the overview opens with agree.

    A report copied from last year's often keeps the old year in one of these places.
    """
    years: dict[str, int] = {}
    title_year = title_parts(report.title)[1]
    if title_year:
        years["标题"] = title_year
    if (period := period_year(report.text)) is not None:
        years["统计期限"] = period
    if (opening := leading_year(report.sections.get("overview", ""))) is not None:
        years["总体情况开头"] = opening
    if len(set(years.values())) > 1:
        listed = "，".join(f"{where}为{year}年" for where, year in years.items())
        yield Problem(f"报告年度不一致：{listed}。", expected=report.year, actual=sorted(set(years.values())),
                      extra={"years": years})


@rule("AGENCY-MISMATCH", Severity.WARNING, "报告中的机关与登记的机关不符")
def agency_mismatch(report: Report, context: Context) -> Iterator[Problem]:
    """The agency named in the report's title is not the agency the report is filed under.

    A report stored under the wrong registry entry (another agency's report, or the government's report
    under its office) would raise false cross-year findings and hide the real agency's missing report.
    Names count as the same when they differ only by spaces, the short forms 政府/人民政府 and
    管委会/管理委员会, or a region in front. A warning: an auditor who finds the filing right
    dismisses it.
    """
    if context.agency_name and report.agency and not same_agency(report.agency, context.agency_name):
        yield Problem(f"报告标题中的机关为「{report.agency}」，与登记的机关「{context.agency_name}」不符，"
                      "请核对报告是否归错了机关。", expected=context.agency_name, actual=report.agency)


@rule("BLANK-CELL", Severity.WARNING, "表格单元格空白或无法识别")
def blank_cell(report: Report, context: Context) -> Iterator[Problem]:
    """A template cell is blank, 「—」, 「/」, not a number, or could not be placed in its column.

    The value is then null, never a silent 0, and every rule that needs it stays silent; this
    finding is the one place the gap is reported. One finding per table lists all its cells.
    """
    by_table: dict[str, list] = {}
    for issue in report.cell_issues:
        by_table.setdefault(issue.table, []).append(issue)
    for table, issues in by_table.items():
        cells = tuple(i.ref for i in issues)
        reasons = {i.ref: i.reason for i in issues}
        if all(i.reason == UNREAD_TABLE for i in issues):
            yield Problem(f"{TABLE_NAMES[table]}未能读出：{UNREAD_TABLE}。", cells, extra={"reasons": reasons})
            continue
        parts = _describe(table, issues)
        shown = "；".join(parts[:5]) + (f"等{len(parts)}处" if len(parts) > 5 else "")
        yield Problem(f"{TABLE_NAMES[table]}有{len(issues)}个单元格未能读出数值：{shown}。", cells,
                      extra={"reasons": reasons})


def _describe(table: str, issues: list[CellIssue]) -> list[str]:
    """One phrase per row: the whole row when every cell of it has the same reason, else per cell."""
    by_row: dict[str, list[CellIssue]] = {}
    for issue in issues:
        by_row.setdefault(issue.row, []).append(issue)
    fields = {row.key: row.field_keys for row in TABLE_ROWS[table]}
    parts: list[str] = []
    for row, row_issues in by_row.items():
        first = row_issues[0]
        raw = f"：{first.raw}" if first.raw else ""
        if len(row_issues) == len(fields[row]) > 1 and len({(i.reason, i.raw) for i in row_issues}) == 1:
            label = cell_label(table, row, first.field).rsplit("」", 1)[0] + "」"
            parts.append(f"{label}整行（{first.reason}{raw}）")
        else:
            parts.extend(
                f"{cell_label(table, i.row, i.field)}（{i.reason}{'：' + i.raw if i.raw else ''}）" for i in row_issues
            )
    return parts


_TOWNSHIP = re.compile(r"(乡|镇|街道办事处|街道)(人民政府)?$|(乡|镇)政府$")
_COUNTY_GOVERNMENT = re.compile(r"(县|区|旗|县级市)人民政府$")


def _infer_kind(agency: str | None) -> tuple[str | None, str | None]:
    if not agency:
        return None, None
    if _TOWNSHIP.search(agency):
        return "township", None
    if _COUNTY_GOVERNMENT.search(agency):
        return "government", "county"
    return None, None


@rule("T2-PLAUSIBLE", Severity.WARNING, "规章数量不合常理")
def regulations_plausible(report: Report, context: Context) -> Iterator[Problem]:
    """Only State Council departments and provincial or 设区的市 governments can make 规章 (立法法).

    A township, a county-level government or a local department reporting 规章 本年制发件数 > 0 has
    likely counted internal rules or normative documents as 规章. The publisher's kind comes from
    the registry (or `--kind`); without it, only names that are clearly a township or a county
    government are judged.
    """
    made = report.value("active_disclosure", "regulations", "made")
    if not made:
        return
    kind, level = context.kind, context.level
    if kind is None:
        kind, level = _infer_kind(report.agency)
    who = {"township": "乡镇（街道）", "department": "地方政府部门"}.get(kind or "")
    if kind == "government" and level == "county":
        who = "县级人民政府"
    if who:
        yield Problem(
            f"{cell_label('active_disclosure', 'regulations', 'made')}填报为{made}，但{who}无权制定规章，"
            "可能把行政规范性文件或内部制度计入了规章。",
            ("active_disclosure.regulations.made",), expected=0, actual=made,
        )

