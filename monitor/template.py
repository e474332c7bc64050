"""The national template (国办公开办函〔2021〕30号): sections, tables, canonical keys and labels.

Every other module takes its key lists from here; SPEC §2 is the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "一、总体情况"),
    ("active_disclosure", "二、主动公开政府信息情况"),
    ("applications", "三、收到和处理政府信息公开申请情况"),
    ("review_litigation", "四、政府信息公开行政复议、行政诉讼情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other_matters", "六、其他需要报告的事项"),
)
SECTION_KEYS: tuple[str, ...] = tuple(key for key, _ in SECTIONS)
SECTION_TITLES: dict[str, str] = dict(SECTIONS)
TABLE_KEYS: tuple[str, ...] = ("active_disclosure", "applications", "review_litigation")
TABLE_NAMES: dict[str, str] = {
    "active_disclosure": "表二（主动公开）",
    "applications": "表三（依申请公开）",
    "review_litigation": "表四（复议诉讼）",
}


@dataclass(frozen=True)
class Row:
    """One template row: canonical key, Chinese label, and its fields (canonical key, label)."""

    key: str
    label: str
    fields: tuple[tuple[str, str], ...]

    @cached_property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.fields)


# 表二 -----------------------------------------------------------------------------------------
_DOCUMENT_FIELDS = (("made", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数"))
_DECISIONS = (("decisions", "本年处理决定数量"),)
ACTIVE_DISCLOSURE_ROWS: tuple[Row, ...] = (
    Row("regulations", "规章", _DOCUMENT_FIELDS),
    Row("normative_documents", "行政规范性文件", _DOCUMENT_FIELDS),
    Row("licensing", "行政许可", _DECISIONS),
    Row("punishment", "行政处罚", _DECISIONS),
    Row("coercion", "行政强制", _DECISIONS),
    Row("fees", "行政事业性收费", (("amount", "本年收费金额（单位：万元）"),)),
)
# The item of 条例 第二十条 each 表二 row belongs to (the block headings of the table).
ACTIVE_DISCLOSURE_ITEMS: dict[str, str] = {
    "regulations": "第二十条第（一）项",
    "normative_documents": "第二十条第（一）项",
    "licensing": "第二十条第（五）项",
    "punishment": "第二十条第（六）项",
    "coercion": "第二十条第（六）项",
    "fees": "第二十条第（八）项",
}

# 表三 -----------------------------------------------------------------------------------------
APPLICANT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social_welfare", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
APPLICANT_KEYS: tuple[str, ...] = tuple(key for key, _ in APPLICANT_COLUMNS)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_KEYS[:-1]

_APPLICATION_ROW_LABELS: tuple[tuple[str, str], ...] = (
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "二、上年结转政府信息公开申请数量"),
    ("disclosed", "三、本年度办理结果（一）予以公开"),
    ("partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld_state_secret", "（三）不予公开 1.属于国家秘密"),
    ("withheld_prohibited", "（三）不予公开 2.其他法律行政法规禁止公开"),
    ("withheld_security", "（三）不予公开 3.危及“三安全一稳定”"),
    ("withheld_third_party", "（三）不予公开 4.保护第三方合法权益"),
    ("withheld_internal", "（三）不予公开 5.属于三类内部事务信息"),
    ("withheld_process", "（三）不予公开 6.属于四类过程性信息"),
    ("withheld_enforcement", "（三）不予公开 7.属于行政执法案卷"),
    ("withheld_query", "（三）不予公开 8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "（四）无法提供 2.没有现成信息需要另行制作"),
    ("unable_unclear", "（四）无法提供 3.补正后申请内容仍不明确"),
    ("rejected_petition", "（五）不予处理 1.信访举报投诉类申请"),
    ("rejected_duplicate", "（五）不予处理 2.重复申请"),
    ("rejected_publication", "（五）不予处理 3.要求提供公开出版物"),
    ("rejected_excessive", "（五）不予处理 4.无正当理由大量反复申请"),
    ("rejected_confirmation", "（五）不予处理 5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "（六）其他处理 3.其他"),
    ("total_processed", "（七）总计"),
    ("carried_forward", "四、结转下年度继续办理"),
)
APPLICATION_ROWS: tuple[Row, ...] = tuple(
    Row(key, label, APPLICANT_COLUMNS) for key, label in _APPLICATION_ROW_LABELS
)
APPLICATION_ROW_KEYS: tuple[str, ...] = tuple(row.key for row in APPLICATION_ROWS)
# The 21 result rows whose sum is （七）总计.
RESULT_ROW_KEYS: tuple[str, ...] = APPLICATION_ROW_KEYS[
    APPLICATION_ROW_KEYS.index("disclosed") : APPLICATION_ROW_KEYS.index("total_processed")
]

# 表四 -----------------------------------------------------------------------------------------
OUTCOME_FIELDS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
OUTCOME_PARTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending")
REVIEW_LITIGATION_ROWS: tuple[Row, ...] = (
    Row("review", "行政复议", OUTCOME_FIELDS),
    Row("litigation_direct", "行政诉讼·未经复议直接起诉", OUTCOME_FIELDS),
    Row("litigation_after_review", "行政诉讼·复议后起诉", OUTCOME_FIELDS),
)

TABLE_ROWS: dict[str, tuple[Row, ...]] = {
    "active_disclosure": ACTIVE_DISCLOSURE_ROWS,
    "applications": APPLICATION_ROWS,
    "review_litigation": REVIEW_LITIGATION_ROWS,
}


@cache
def all_cells() -> tuple[tuple[str, str, str], ...]:
    """Every template cell as (table, row, field), in template order."""
    return tuple(
        (table, row.key, field)
        for table, rows in TABLE_ROWS.items()
        for row in rows
        for field in row.field_keys
    )


def cell_label(table: str, row: str, field: str) -> str:
    """A supervisor-readable Chinese name of one cell, e.g. 「表三 （一）予以公开 / 自然人」."""
    row_def = next(r for r in TABLE_ROWS[table] if r.key == row)
    field_label = dict(row_def.fields)[field]
    short = TABLE_NAMES[table].split("（")[0]
    return f"{short}「{row_def.label}」{field_label}"


def empty_tables() -> dict[str, dict[str, dict[str, int | float | None]]]:
    """The three tables with every canonical key present and every value null."""
    return {
        table: {row.key: dict.fromkeys(row.field_keys) for row in rows}
        for table, rows in TABLE_ROWS.items()
    }
