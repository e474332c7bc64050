"""Rules on the tables' own arithmetic and values (表三 勾稽关系, totals, 表四, value types)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from monitor.report import Report
from monitor.template import (
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    APPLICATION_ROWS,
    OUTCOME_PARTS,
    RESULT_ROW_KEYS,
    REVIEW_LITIGATION_ROWS,
    TABLE_ROWS,
    cell_label,
)
from rules.engine import Context, Problem, Severity, rule

_COLUMN_NAMES = dict(APPLICANT_COLUMNS)
_APPLICATION_LABELS = {row.key: row.label for row in APPLICATION_ROWS}
_GROUP_NAMES = {row.key: row.label for row in REVIEW_LITIGATION_ROWS}


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _values(report: Report, table: str, refs: Sequence[tuple[str, str]]) -> list[int | float] | None:
    """The values of the cells, or None when any is missing (the rule is then not assessable)."""
    values = [report.value(table, row, field) for row, field in refs]
    if any(value is None for value in values):
        return None
    return values  # type: ignore[return-value]


def _refs(table: str, refs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(f"{table}.{row}.{field}" for row, field in refs)


@rule("T3-BALANCE", Severity.ERROR, "表三勾稽关系不成立")
def t3_balance(report: Report, context: Context) -> Iterator[Problem]:
    """For every column of 表三: 本年新收 + 上年结转 = （七）总计 + 结转下年度继续办理.

    This is the 勾稽关系 printed in the template's top-left header cell: each request received
    or carried over is either finished this year or carried forward.
    """
    for column, name in APPLICANT_COLUMNS:
        refs = [("new_received", column), ("carried_over", column), ("total_processed", column),
                ("carried_forward", column)]
        values = _values(report, "applications", refs)
        if values is None:
            continue
        received, carried_over, processed, forward = values
        inflow, outflow = received + carried_over, processed + forward
        if inflow != outflow:
            yield Problem(
                f"表三「{name}」列勾稽关系不成立：本年新收{_num(received)} + 上年结转{_num(carried_over)} = "
                f"{_num(inflow)}，但（七）总计{_num(processed)} + 结转下年度{_num(forward)} = {_num(outflow)}，"
                f"相差{_num(abs(inflow - outflow))}。",
                _refs("applications", refs), expected=inflow, actual=outflow,
            )


def _sum_mismatch(
    report: Report, table: str, parts: Sequence[tuple[str, str]], total: tuple[str, str], where: str, what: str
) -> Problem | None:
    """A Problem when the total cell differs from the sum of the part cells (None when equal or not
    assessable). `where` names the row or column, `what` the parts, in the supervisor's words."""
    values = _values(report, table, [*parts, total])
    if values is None:
        return None
    *part_values, stated = values
    summed = sum(part_values)
    if summed == stated:
        return None
    return Problem(
        f"{where}：总计填报{_num(stated)}，但{what}相加为{_num(summed)}，相差{_num(abs(summed - stated))}。",
        _refs(table, [*parts, total]), expected=summed, actual=stated,
    )


@rule("T3-RESULT-SUM", Severity.ERROR, "表三办理结果合计与（七）总计不符")
def t3_result_sum(report: Report, context: Context) -> Iterator[Problem]:
    """For every column of 表三: （七）总计 equals the sum of the 21 result rows.

    The result rows run from （一）予以公开 to （六）其他处理 3.其他; each request has exactly one
    result (partial disclosure is counted only as 部分公开), so they add up to （七）总计.
    """
    for column, name in APPLICANT_COLUMNS:
        problem = _sum_mismatch(report, "applications", [(row, column) for row in RESULT_ROW_KEYS],
                                ("total_processed", column), f"表三「{name}」列（七）", "（一）至（六）各项办理结果")
        if problem:
            yield problem


@rule("T3-ROW-TOTAL", Severity.ERROR, "表三行总计与各类申请人之和不符")
def t3_row_total(report: Report, context: Context) -> Iterator[Problem]:
    """For every row of 表三: the 总计 column equals the sum of the six applicant columns.

    The six columns are 自然人 and the five kinds of 法人或其他组织 (商业企业, 科研机构, 社会公益组织,
    法律服务机构, 其他); a 小计 column, where a report adds one, is not part of the sum.
    """
    for row in APPLICATION_ROWS:
        problem = _sum_mismatch(report, "applications", [(row.key, column) for column in APPLICANT_PARTS],
                                (row.key, "total"), f"表三「{row.label}」行", "自然人与各类法人或其他组织")
        if problem:
            yield problem


@rule("T4-TOTAL", Severity.ERROR, "表四总计与各项结果之和不符")
def t4_total(report: Report, context: Context) -> Iterator[Problem]:
    """For 行政复议 and both kinds of 行政诉讼: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    for group, name in _GROUP_NAMES.items():
        problem = _sum_mismatch(report, "review_litigation", [(group, part) for part in OUTCOME_PARTS],
                                (group, "total"), f"表四「{name}」", "结果维持、结果纠正、其他结果、尚未审结")
        if problem:
            yield problem


@rule("T2-VALUE", Severity.ERROR, "表格数值不是非负整数")
def table_values(report: Report, context: Context) -> Iterator[Problem]:
    """Every table value is a non-negative integer; 行政事业性收费 (万元) may be a non-negative decimal.

    Counts of documents, decisions, requests and cases cannot be negative or fractional; such a
    value is a typing error, or the obsolete 2019 table's signed 「本年增/减」 read into the new one.
    """
    for table, rows in TABLE_ROWS.items():
        for row in rows:
            for field in row.field_keys:
                value = report.value(table, row.key, field)
                if value is None:
                    continue
                decimal_ok = (table, row.key) == ("active_disclosure", "fees")
                if value < 0 or (not decimal_ok and isinstance(value, float)):
                    wanted = "非负数" if decimal_ok else "非负整数"
                    yield Problem(
                        f"{cell_label(table, row.key, field)}填报为{_num(value)}，应为{wanted}。",
                        (f"{table}.{row.key}.{field}",), expected=wanted, actual=value,
                    )
