"""Synthetic 政府信息公开工作年度报告: random but consistent tables, rendered in many layouts.

Three parts:

* `random_values(rng)` — the three template tables in the canonical nested-dict shape of
  `monitor.template` (table -> row -> field -> value), every identity of the template holding.
* renderers (`RENDERERS`, `render(layout, doc, rng)`) — a whole report as `bytes`: title, the six
  sections with a short narrative, and the three tables, in one of `LAYOUTS`.
* injections (`INJECTIONS`) — copies of a consistent report that break exactly one rule, each
  checked against `violations()`, an arithmetic checker written here independently of `rules/`.

`corpus(n, seed)` gives ready-made (name, bytes, expected tables) triples for benchmarks.

Every key list comes from `monitor.template`; only presentation strings (group labels that have
no key of their own, headings' variants, narrative) are written here.
"""

from __future__ import annotations

import copy
import html
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from monitor.template import (
    ACTIVE_DISCLOSURE_ITEMS,
    ACTIVE_DISCLOSURE_ROWS,
    APPLICANT_COLUMNS,
    APPLICANT_KEYS,
    APPLICANT_PARTS,
    APPLICATION_ROW_KEYS,
    APPLICATION_ROWS,
    OUTCOME_FIELDS,
    OUTCOME_PARTS,
    RESULT_ROW_KEYS,
    REVIEW_LITIGATION_ROWS,
    SECTION_KEYS,
    SECTION_TITLES,
    TABLE_ROWS,
    empty_tables,
)

Value = int | float | None
Tables = dict[str, dict[str, dict[str, Value]]]

AD, T3, T4 = "active_disclosure", "applications", "review_litigation"
ARITHMETIC_RULES = ("T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-TOTAL", "T4-TOTAL", "T2-VALUE")
NARRATIVE_RULES = ("NARRATIVE-SUM", "NARRATIVE-TABLE")


# =============================================================================================
# Values
# =============================================================================================
def _n(rng: random.Random, p_nonzero: float, hi: int, lo: int = 1) -> int:
    return rng.randint(lo, max(lo, hi)) if rng.random() < p_nonzero else 0


# Per-column profile of 表三: probability of a non-zero result cell and its upper bound.
_PROFILES: dict[str, tuple[float, int]] = {"zero": (0.0, 0), "sparse": (0.15, 5), "busy": (0.5, 60),
                                           "huge": (0.6, 400)}
_BIG_ROWS = ("disclosed", "unable_not_held", "other_other", "partially_disclosed")


def random_values(rng: random.Random) -> Tables:
    """Random, fully consistent tables (every identity of the template holds)."""
    tables = empty_tables()
    _fill_active(tables[AD], rng)
    _fill_applications(tables[T3], rng)
    _fill_review(tables[T4], rng)
    assert not violations(tables), violations(tables)
    return tables


def _fill_active(ad: dict[str, dict[str, Value]], rng: random.Random) -> None:
    ad["regulations"].update(made=_n(rng, 0.15, 5), repealed=_n(rng, 0.1, 3), in_force=_n(rng, 0.3, 120))
    ad["normative_documents"].update(
        made=_n(rng, 0.7, 60), repealed=_n(rng, 0.5, 40), in_force=_n(rng, 0.85, rng.choice((80, 600, 2500))))
    ad["licensing"]["decisions"] = _n(rng, 0.7, rng.choice((50, 3000, 25000)))
    ad["punishment"]["decisions"] = _n(rng, 0.6, rng.choice((30, 800, 6000)))
    ad["coercion"]["decisions"] = _n(rng, 0.4, rng.choice((10, 200, 1500)))
    ad["fees"]["amount"] = 0 if rng.random() < 0.4 else rng.randint(1, rng.choice((9999, 3_000_000))) / 100


def _fill_applications(apps: dict[str, dict[str, Value]], rng: random.Random) -> None:
    all_zero = rng.random() < 0.05
    for col in APPLICANT_PARTS:
        if all_zero:
            profile = "zero"
        elif col == "natural_person":
            profile = rng.choices(("sparse", "busy", "huge", "zero"), (2, 5, 3, 0.3))[0]
        else:
            profile = rng.choices(("zero", "sparse", "busy", "huge"), (45, 30, 20, 5))[0]
        p, hi = _PROFILES[profile]
        for row in RESULT_ROW_KEYS:
            top = 3000 if profile == "huge" and row in _BIG_ROWS else hi
            apps[row][col] = _n(rng, p, top)
        processed = sum(apps[row][col] for row in RESULT_ROW_KEYS)  # type: ignore[misc]
        apps["total_processed"][col] = processed
        if profile == "zero":
            carried_over = forward = 0
        else:
            forward = _n(rng, 0.4, processed // 5 + 3)
            carried_over = min(_n(rng, 0.4, processed // 5 + 3), processed + forward)
        apps["carried_over"][col] = carried_over
        apps["carried_forward"][col] = forward
        apps["new_received"][col] = processed + forward - carried_over
    for row in APPLICATION_ROW_KEYS:
        apps[row]["total"] = sum(apps[row][col] for col in APPLICANT_PARTS)  # type: ignore[misc]


def _fill_review(review: dict[str, dict[str, Value]], rng: random.Random) -> None:
    for row, (p, hi) in zip(REVIEW_LITIGATION_ROWS, ((0.4, 8), (0.2, 4), (0.2, 4)), strict=True):
        scale = 8 if rng.random() < 0.1 else 1
        cells = review[row.key]
        for part in OUTCOME_PARTS:
            cells[part] = _n(rng, p, hi * scale)
        cells["total"] = sum(cells[part] for part in OUTCOME_PARTS)  # type: ignore[misc]


def rebalance(tables: Tables) -> Tables:
    """Make hand-edited tables consistent again: （七）总计 from the result rows, 本年新收 from the
    勾稽关系 (结转下年 raised where 本年新收 would go negative), every 总计 from its parts."""
    apps = tables[T3]
    for col in APPLICANT_PARTS:
        apps["total_processed"][col] = sum(apps[row][col] for row in RESULT_ROW_KEYS)  # type: ignore[misc]
        new = apps["total_processed"][col] + apps["carried_forward"][col] - apps["carried_over"][col]  # type: ignore[operator]
        if new < 0:
            apps["carried_forward"][col] -= new  # type: ignore[operator]
            new = 0
        apps["new_received"][col] = new
    for row in APPLICATION_ROW_KEYS:
        apps[row]["total"] = sum(apps[row][col] for col in APPLICANT_PARTS)  # type: ignore[misc]
    for group in tables[T4].values():
        group["total"] = sum(group[part] for part in OUTCOME_PARTS)  # type: ignore[misc]
    return tables


def violations(tables: Tables) -> set[str]:
    """The arithmetic rules (ARITHMETIC_RULES) the tables break: an independent re-implementation."""
    found: set[str] = set()
    apps, review = tables[T3], tables[T4]
    for col in APPLICANT_KEYS:
        if apps["new_received"][col] + apps["carried_over"][col] != (  # type: ignore[operator]
                apps["total_processed"][col] + apps["carried_forward"][col]):  # type: ignore[operator]
            found.add("T3-BALANCE")
        if sum(apps[row][col] for row in RESULT_ROW_KEYS) != apps["total_processed"][col]:  # type: ignore[misc]
            found.add("T3-RESULT-SUM")
    for row in APPLICATION_ROW_KEYS:
        if sum(apps[row][col] for col in APPLICANT_PARTS) != apps[row]["total"]:  # type: ignore[misc]
            found.add("T3-ROW-TOTAL")
    for group in review.values():
        if sum(group[part] for part in OUTCOME_PARTS) != group["total"]:  # type: ignore[misc]
            found.add("T4-TOTAL")
    for table, rows in tables.items():
        for row_key, cells in rows.items():
            for value in cells.values():
                decimal_ok = (table, row_key) == (AD, "fees")
                if value is None or value < 0 or (not decimal_ok and not isinstance(value, int)):
                    found.add("T2-VALUE")
    return found


# =============================================================================================
# Narrative
# =============================================================================================
@dataclass
class Doc:
    """One synthetic report: who, which year, its tables and narrative statement overrides."""

    agency: str
    year: int
    values: Tables
    # Statement key ("active", "received", …) -> sentence replacing the consistent one.
    statements: dict[str, str] = field(default_factory=dict)


_AGENCIES = (
    "卫滨区人民政府办公室", "平潭综合实验区", "红旗区自然资源局", "新乡市生态环境局", "长垣市人民政府",
    "南关区市场监督管理局", "城关镇人民政府", "东湖街道办事处", "龙堃镇人民政府", "青云县教育局",
    "临江市交通运输局", "金水区卫生健康委员会", "西湖区人民政府", "镕城县住房和城乡建设局", "海港区司法局",
)


def random_doc(rng: random.Random, values: Tables | None = None) -> Doc:
    return Doc(rng.choice(_AGENCIES), rng.randint(2021, 2025), values or random_values(rng))


def statements(doc: Doc, rng: random.Random) -> dict[str, str]:
    """Sentences stating table figures, each consistent with the tables (omitted when it can't be)."""
    v = doc.values
    apps, ad, review = v[T3], v[AD], v[T4]
    out: dict[str, str] = {}
    total = rng.randint(50, 6000)
    parts = [rng.randint(0, total // 3) for _ in range(3)]
    out["active"] = (f"全年主动公开政府信息{total}条，其中政策文件{parts[0]}条、工作动态{parts[1]}条、"
                     f"通知公告{parts[2]}条")
    new, carried = apps["new_received"]["total"], apps["carried_over"]["total"]
    if new is not None and carried is not None and new >= 0 and carried >= 0:
        if rng.random() < 0.7 or not carried:
            out["received"] = f"全年共收到政府信息公开申请{new}件"
        else:
            out["received"] = f"本年度共受理政府信息公开申请{new + carried}件"
    processed, shown, partly = (apps[r]["total"] for r in ("total_processed", "disclosed", "partially_disclosed"))
    if None not in (processed, shown, partly) and min(processed, shown, partly) >= 0 and (  # type: ignore[type-var]
            shown + partly <= processed):  # type: ignore[operator]
        out["handled"] = f"共办理政府信息公开申请{processed}件，其中予以公开{shown}件、部分公开{partly}件"
    made, repealed = ad["normative_documents"]["made"], ad["normative_documents"]["repealed"]
    if made is not None and repealed is not None and made >= 0 and repealed >= 0:
        out["documents"] = f"本年制发行政规范性文件{made}件，废止{repealed}件"
    cases = review["review"]["total"]
    suits = sum(review[g]["total"] or 0 for g in ("litigation_direct", "litigation_after_review"))
    if cases is not None and cases >= 0 and suits >= 0:
        out["review"] = f"全年发生政府信息公开行政复议案件{cases}件，行政诉讼案件{suits}件"
    out.update(doc.statements)
    return out


_FILLER = {
    "active": ("坚持“以公开为常态、不公开为例外”原则，严格落实公开前保密审查机制",
               "围绕重点领域信息公开，及时发布政策文件和政策解读",
               "通过政府门户网站、政务新媒体等渠道及时发布各类信息"),
    "requests": ("严格按照法定程序和时限办理依申请公开事项",
                 "进一步规范受理、登记、审核、答复等环节，做到依法依规答复",
                 "对复杂申请建立会商机制，确保答复合法合规"),
    "management": ("动态更新政府信息公开指南和目录",
                   "严格落实信息发布三级审核制度，防止泄密和不当公开",
                   "定期开展已公开政策文件清理工作"),
    "platform": ("优化政府门户网站政府信息公开专栏，完善栏目设置",
                 "加强政务新媒体管理，全年更新政务新媒体信息{k}条",
                 "完成网站适老化与无障碍改造"),
    "supervision": ("将政务公开纳入年度绩效考核，组织业务培训{k}次",
                    "主动接受社会监督，认真回应群众关切",
                    "定期开展网站检查，对发现的问题立行立改"),
    "problems": ("政策解读形式还不够丰富，解读的针对性有待提升",
                 "基层政务公开标准化规范化水平仍需提高",
                 "依申请公开答复的规范性有待进一步加强"),
    "improve": ("丰富政策解读形式，多采用图解、视频等方式解读政策",
                "加强对基层单位的业务指导和培训",
                "完善依申请公开工作机制，提升答复质量"),
}


def _filler(rng: random.Random, topic: str, n: int = 2) -> list[str]:
    return [s.format(k=rng.randint(2, 300)) for s in rng.sample(_FILLER[topic], n)]


def _paragraph(parts: list[str]) -> str:
    return "，".join(parts) + "。" if parts else ""


_HEADING_VARIANTS: dict[str, tuple[str, ...]] = {
    "overview": (SECTION_TITLES["overview"],),
    "active_disclosure": (SECTION_TITLES["active_disclosure"],),
    "applications": (SECTION_TITLES["applications"],),
    "review_litigation": (
        SECTION_TITLES["review_litigation"], "四、政府信息公开行政复议和行政诉讼情况",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼的情况",
    ),
    "problems": (SECTION_TITLES["problems"], "五、存在问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况"),
    "other_matters": (SECTION_TITLES["other_matters"],),
}


def headings(rng: random.Random) -> dict[str, str]:
    return {key: rng.choice(_HEADING_VARIANTS[key]) for key in SECTION_KEYS}


# A narrative item: ("sub", subheading) or ("p", paragraph).
Item = tuple[str, str]


def narrative(doc: Doc, rng: random.Random, ascii_brackets: bool = False) -> dict[str, list[Item]]:
    """Narrative of the four text sections (一、五、六; 四 gets a closing sentence after its table)."""
    said = statements(doc, rng)

    def sub(n: str, text: str) -> Item:
        return ("sub", f"({n}){text}" if ascii_brackets else f"（{n}）{text}")

    def para(topic: str, *keys: str) -> Item:
        sentences = [_paragraph(_filler(rng, topic))]
        for key in keys:
            if key in said:
                sentences.insert(rng.randint(0, len(sentences)), said[key] + "。")
        return ("p", "".join(sentences))

    opening = (f"{doc.year}年，{doc.agency}深入贯彻落实《中华人民共和国政府信息公开条例》，"
               "紧紧围绕中心工作，持续深化政务公开，各项工作取得积极成效。")
    overview: list[Item] = [
        ("p", opening),
        sub("一", "主动公开"), para("active", "active", "documents"),
        sub("二", "依申请公开"), para("requests", "received", "handled"),
        sub("三", "政府信息管理"), para("management"),
        sub("四", "政府信息公开平台建设"), para("platform"),
        sub("五", "监督保障"), para("supervision", "review"),
    ]
    issues, fixes = _filler(rng, "problems"), _filler(rng, "improve")
    problems: list[Item] = [
        sub("一", "存在的主要问题"), ("p", _paragraph(["一是" + issues[0], "二是" + issues[1]])),
        sub("二", "改进情况"), ("p", _paragraph(["一是" + fixes[0], "二是" + fixes[1]])),
    ]
    fees = rng.choice(("本年度未收取政府信息公开信息处理费", "本机关未收取信息处理费，无其他需要报告的事项"))
    return {
        "intro": [("p", f"本报告由{doc.agency}根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开"
                        f"工作年度报告格式》要求编制。本报告中所列数据的统计期限自{doc.year}年1月1日起至"
                        f"{doc.year}年12月31日止。")],
        "overview": overview,
        "review_litigation": [("p", "本年度未发生因政府信息公开工作被纠错的情况。")] if rng.random() < 0.3 else [],
        "problems": problems,
        "other_matters": [("p", fees + "。")],
    }


def title(doc: Doc, rng: random.Random) -> str:
    return f"{doc.agency}{doc.year}年{rng.choice(('', '度'))}政府信息公开工作年度报告"


# =============================================================================================
# Tables as logical grids (labels, values, and span markers), shared by every renderer
# =============================================================================================
class Span:
    """A grid slot covered by the cell above (UP, a rowspan) or to the left (LEFT, a colspan)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UP, LEFT = Span("UP"), Span("LEFT")


@dataclass
class Label:
    text: str


@dataclass
class Val:
    value: Value
    ref: str  # "table.row.field"


Slot = Label | Val | Span


@dataclass
class GridRow:
    slots: list[Slot]
    key: str | None = None  # "table.row" of a data row (表四: "review_litigation.*")


# Labels that are not rows of their own in the template (group cells and headers).
_T3_HEADER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_RESULTS_GROUP = "三、本年度办理结果"
_INFO = "信息内容"


def _application_label_slots(row_key: str, label: str) -> tuple[str | None, str | None, str | None]:
    """(level 1, level 2, level 3) labels of a 表三 row, from the template label."""
    if row_key not in RESULT_ROW_KEYS and row_key != "total_processed":
        return label, None, None
    label = label.removeprefix(_RESULTS_GROUP)
    if " " in label:
        group, leaf = label.split(" ", 1)
        return None, group, leaf
    return None, label, None


def grid_active(values: Tables) -> list[GridRow]:
    rows: list[GridRow] = []
    item = None
    for row in ACTIVE_DISCLOSURE_ROWS:
        if ACTIVE_DISCLOSURE_ITEMS[row.key] != item:
            item = ACTIVE_DISCLOSURE_ITEMS[row.key]
            rows.append(GridRow([Label(item), LEFT, LEFT, LEFT]))
            heads: list[Slot] = [Label(_INFO), *(Label(lbl) for _, lbl in row.fields)]
            rows.append(GridRow(heads + [LEFT] * (4 - len(heads))))
        cells: list[Slot] = [Label(row.label)]
        cells += [Val(values[AD][row.key][f], f"{AD}.{row.key}.{f}") for f in row.field_keys]
        rows.append(GridRow(cells + [LEFT] * (4 - len(cells)), f"{AD}.{row.key}"))
    return rows


def grid_applications_header() -> list[GridRow]:
    names = dict(APPLICANT_COLUMNS)
    orgs = [Label(names[k]) for k in APPLICANT_PARTS[1:]]
    return [
        GridRow([Label(_T3_HEADER_NOTE), LEFT, LEFT, Label("申请人情况"), *[LEFT] * 6]),
        GridRow([UP, UP, UP, Label(names["natural_person"]), Label("法人或其他组织"), *[LEFT] * 4,
                 Label(names["total"])]),
        GridRow([UP, UP, UP, UP, *orgs, UP]),
    ]


def grid_applications_body(values: Tables) -> list[GridRow]:
    rows: list[GridRow] = []
    previous: tuple[str | None, str | None] = (None, None)
    for row in APPLICATION_ROWS:
        l1, l2, l3 = _application_label_slots(row.key, row.label)
        slots: list[Slot]
        if l1 is not None:
            slots = [Label(l1), LEFT, LEFT]
        else:
            first: Slot = UP if previous[0] == _RESULTS_GROUP else Label(_RESULTS_GROUP)
            if l3 is None:
                slots = [first, Label(l2 or ""), LEFT]
            else:
                slots = [first, UP if previous[1] == l2 else Label(l2 or ""), Label(l3)]
        previous = (_RESULTS_GROUP if l1 is None else None, l2 if l3 is not None else None)
        slots += [Val(values[T3][row.key][c], f"{T3}.{row.key}.{c}") for c in APPLICANT_KEYS]
        rows.append(GridRow(slots, f"{T3}.{row.key}"))
    return rows


def grid_review(values: Tables) -> list[GridRow]:
    outcome = [Label(lbl) for _, lbl in OUTCOME_FIELDS]
    groups = [row.label.split("·")[-1] for row in REVIEW_LITIGATION_ROWS]
    review_name = REVIEW_LITIGATION_ROWS[0].label
    suit_name = REVIEW_LITIGATION_ROWS[1].label.split("·")[0]
    data: list[Slot] = [Val(values[T4][row.key][f], f"{T4}.{row.key}.{f}")
                        for row in REVIEW_LITIGATION_ROWS for f in row.field_keys]
    return [
        GridRow([Label(review_name), *[LEFT] * 4, Label(suit_name), *[LEFT] * 9]),
        GridRow([*outcome, Label(groups[1]), *[LEFT] * 4, Label(groups[2]), *[LEFT] * 4]),
        GridRow([UP] * 5 + [Label(lbl.text) for lbl in outcome] * 2),
        GridRow(data, f"{T4}.*"),
    ]


def _origin(rows: list[GridRow], r: int, c: int) -> Slot:
    slot = rows[r].slots[c]
    while isinstance(slot, Span):
        if slot is UP:
            r -= 1
        else:
            c -= 1
        slot = rows[r].slots[c]
    return slot


def _spans(rows: list[GridRow], r: int, c: int) -> tuple[int, int]:
    colspan = 1
    while c + colspan < len(rows[r].slots) and rows[r].slots[c + colspan] is LEFT:
        colspan += 1
    rowspan = 1
    while r + rowspan < len(rows) and rows[r + rowspan].slots[c] is UP:
        rowspan += 1
    return rowspan, colspan


# =============================================================================================
# Presentation helpers
# =============================================================================================
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@dataclass
class Style:
    """How one document writes labels and numbers."""

    ascii_brackets: float = 0.0  # probability per label of （）→()
    breaks: float = 0.0  # probability per label of one line break inside it
    spaces: float = 0.0  # probability per label of one space inside it
    straight_quotes: bool = False
    thousands: bool = False
    fullwidth: float = 0.0  # probability per number of full-width digits
    fee_zero_decimals: bool = False

    def label(self, text: str, rng: random.Random) -> str:
        """A label as printed: a newline character marks a line break, " " a space inside it."""
        if not text:
            return text
        if rng.random() < self.ascii_brackets:
            text = text.replace("（", "(").replace("）", ")")
        if self.straight_quotes:
            text = text.replace("“", '"').replace("”", '"')
        for mark, p in (("\n", self.breaks), (" ", self.spaces)):
            if len(text) > 3 and rng.random() < p:
                at = rng.randint(1, len(text) - 1)
                if text[at - 1] not in " \n" and text[at] not in " \n":
                    text = text[:at] + mark + text[at:]
        return text

    def number(self, value: Value, ref: str, rng: random.Random) -> str:
        if value is None:
            return ""
        if isinstance(value, float) or (ref == f"{AD}.fees.amount" and self.fee_zero_decimals):
            text = f"{value:,.2f}" if self.thousands else f"{value:.2f}"
        else:
            text = f"{value:,}" if self.thousands else str(value)
        if value >= 0 and rng.random() < self.fullwidth:
            text = text.translate(_FULLWIDTH)
        return text


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _html_label(text: str, rng: random.Random, breaks: tuple[str, ...] = ("<br>", "<br/>")) -> str:
    out = _e(text).replace("\n", rng.choice(breaks))
    if " " in out and rng.random() < 0.5:
        out = out.replace(" ", "&nbsp;")
    return out


# =============================================================================================
# HTML renderers
# =============================================================================================
def _html_table(rows: list[GridRow], rng: random.Random, style: Style, *, spans: bool = True,
                fill_up: float = 0.0, fill_left: float = 0.0, cell: Callable[[str, bool], str] | None = None,
                table_attrs: str = 'border="1" cellspacing="0"', td_attrs: str = "", tr_attrs: str = "",
                drop: str | None = None) -> str:
    """A grid as an HTML table: with rowspan/colspan (`spans`) or one explicit cell per slot.

    Without spans, a slot covered by a label above (UP) or to the left (LEFT) becomes an empty
    cell or, with probability `fill_up`/`fill_left`, the label again. `cell(inner_html, is_value)`
    wraps a cell's content (Word markup); `drop` ("table.row.field") leaves that value's cell out,
    making the row one cell short.
    """
    wrap = cell or (lambda inner, _value: inner)
    out = [f"<table {table_attrs}><tbody>"]
    for r, row in enumerate(rows):
        tds = []
        for c, slot in enumerate(row.slots):
            if isinstance(slot, Span):
                if spans:
                    continue
                origin = _origin(rows, r, c)
                repeat = rng.random() < (fill_up if slot is UP else fill_left)
                text = style.label(origin.text, rng) if isinstance(origin, Label) and repeat else ""
                tds.append(f"<td{td_attrs}>{wrap(_html_label(text, rng), False)}</td>")
                continue
            attrs = td_attrs
            if spans:
                rowspan, colspan = _spans(rows, r, c)
                attrs += f' rowspan="{rowspan}"' if rowspan > 1 else ""
                attrs += f' colspan="{colspan}"' if colspan > 1 else ""
            if isinstance(slot, Val):
                if slot.ref == drop:
                    continue
                inner = wrap(_e(style.number(slot.value, slot.ref, rng)), True)
            else:
                inner = wrap(_html_label(style.label(slot.text, rng), rng), False)
            tds.append(f"<td{attrs}>{inner}</td>")
        out.append(f"<tr{tr_attrs.format(r=r)}>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _html_narrative(items: list[Item], p_open: str = "<p>", sub_open: str = "<p><strong>",
                    sub_close: str = "</strong></p>") -> str:
    parts = []
    for kind, text in items:
        if kind == "sub":
            parts.append(f"{sub_open}{_e(text)}{sub_close}")
        else:
            parts.append(f"{p_open}{_e(text)}</p>")
    return "\n".join(parts)


def _html_body(doc: Doc, rng: random.Random, tables: dict[str, str], *, heading: Callable[[str], str],
               p_open: str = '<p style="text-indent:2em;">', sub_open: str = '<p style="text-indent:2em;"><strong>',
               sub_close: str = "</strong></p>") -> str:
    heads = headings(rng)
    text = narrative(doc, rng, ascii_brackets=rng.random() < 0.3)
    parts = [_html_narrative(text["intro"], p_open)]
    for key in SECTION_KEYS:
        parts.append(heading(heads[key]))
        if key in tables:
            parts.append(tables[key])
        parts.append(_html_narrative(text.get(key, []), p_open, sub_open, sub_close))
    return "\n".join(p for p in parts if p)


def _cms_page(doc: Doc, rng: random.Random, body: str, *, charset: str = '<meta charset="utf-8">') -> str:
    """A TRS-like article page around the report body: metadata, header, nav, breadcrumb, footer."""
    report_title = title(doc, rng)
    pub = f"{doc.year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
    docid = rng.randint(10000, 999999)
    site = doc.agency if "人民政府" in doc.agency else doc.agency[:3] + "人民政府"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{charset}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="SiteName" content="{site}">
<meta name="SiteDomain" content="www.example.gov.cn">
<meta name="SiteIDCode" content="41070{rng.randint(10000, 99999)}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{report_title}">
<meta name="PubDate" content="{pub} {rng.randint(8, 18)}:{rng.randint(10, 59)}">
<meta name="ContentSource" content="{doc.agency}">
<title>{report_title}_政府信息公开年报_{site}</title>
<link rel="stylesheet" href="/images/style.css">
<script src="/js/jquery.min.js"></script>
<script>var _hmt = _hmt || []; var countPage = 1;</script>
</head>
<body>
<div class="header"><div class="logo"><img src="/images/logo.png" alt="{site}"></div>
<div class="search"><input type="text" placeholder="请输入关键词"><button>搜索</button></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zfxxgk/">政府信息公开</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li>
</ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt;
<a href="/zfxxgk/">政府信息公开</a> &gt; 政府信息公开年报</div>
<div class="article">
<h1 class="title">{report_title}</h1>
<div class="info"><span>发布时间：{pub}</span><span>来源：{doc.agency}</span>
<span>浏览次数：<script>document.write(1234)</script></span></div>
<div id="zoom"><div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_word">
{body}
</div></div>
<div id="appendix-list"></div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>
</div>
<div class="related"><h4>相关链接</h4><ul>
<li><a href="/zfxxgk/zfxxgknb/{doc.year}01/t{doc.year}0125_{docid - 7}.html">
{doc.agency}{doc.year - 1}年政府信息公开工作年度报告</a></li></ul></div>
<div class="footer"><p>主办单位：{site}办公室　　承办单位：{site}大数据中心</p>
<p>网站标识码：41070{rng.randint(10000, 99999)}　　豫ICP备{rng.randint(10000000, 99999999)}号
　　豫公网安备 41070202000{rng.randint(100, 999)}号</p>
<p>联系电话：0373-{rng.randint(1000000, 9999999)}</p></div>
<script src="/js/common.js"></script>
</body>
</html>
"""


def _template_style(rng: random.Random) -> Style:
    return Style(ascii_brackets=0.1 if rng.random() < 0.3 else 0.0, fee_zero_decimals=rng.random() < 0.3)


def render_html_template(doc: Doc, rng: random.Random) -> bytes:
    """Template tables with rowspan/colspan, like pingtan-2024.html, inside TRS-like CMS chrome."""
    style = _template_style(rng)
    attrs = 'style="border-collapse:collapse;margin:0 auto;" cellspacing="0" align="center" border="1"'

    def cell(inner: str, _value: bool) -> str:
        return f'<p style="text-indent:0em;">{inner}</p>'

    tables = {
        AD: _html_table(grid_active(doc.values), rng, style, cell=cell, table_attrs=attrs),
        T3: _html_table(grid_applications_header() + grid_applications_body(doc.values), rng, style, cell=cell,
                        table_attrs=attrs),
        T4: _html_table(grid_review(doc.values), rng, style, cell=cell, table_attrs=attrs),
    }
    body = _html_body(doc, rng, tables, heading=lambda h: f'<p style="text-indent:2em;"><strong>{_e(h)}</strong></p>')
    return _cms_page(doc, rng, body).encode("utf-8")


def render_html_flat(doc: Doc, rng: random.Random, *, drop: str | None = None, fill_up: float | None = None,
                     fill_left: float | None = None) -> bytes:
    """Every row with explicit cells (no spans): a cell a span would cover is empty or repeats its
    label (`fill_up`/`fill_left`: probability of repeating), labels broken by <br> or spaces,
    full-width and ASCII brackets mixed. `drop` ("table.row.field") leaves one value cell out."""
    style = Style(ascii_brackets=rng.choice((0.0, 0.5, 1.0)), breaks=0.3, spaces=0.15,
                  straight_quotes=rng.random() < 0.3)
    fill_up = rng.choice((0.0, 0.5, 1.0)) if fill_up is None else fill_up
    fill_left = rng.choice((0.0, 0.5, 1.0)) if fill_left is None else fill_left

    def table(rows: list[GridRow]) -> str:
        return _html_table(rows, rng, style, spans=False, fill_up=fill_up, fill_left=fill_left, drop=drop,
                           table_attrs='class="MsoTable" width="100%" border="1"')

    tables = {
        AD: table(grid_active(doc.values)),
        T3: table(grid_applications_header() + grid_applications_body(doc.values)),
        T4: table(grid_review(doc.values)),
    }
    body = _html_body(doc, rng, tables, heading=lambda h: f"<h3>{_e(h)}</h3>", p_open="<p>",
                      sub_open="<p><b>", sub_close="</b></p>")
    return _cms_page(doc, rng, f'<div class="content">\n{body}\n</div>').encode("utf-8")


_WORD_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<meta name=Originator content="Microsoft Word 15">
<title>{title}</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties>
  <o:Author>admin</o:Author>
  <o:Pages>6</o:Pages>
 </o:DocumentProperties>
</xml><![endif]-->
<style>
<!--
 p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{mso-style-parent:"";margin:0cm;text-align:justify;font-size:10.5pt;font-family:等线;}}
@page WordSection1 {{size:595.3pt 841.9pt;margin:72.0pt 90.0pt 72.0pt 90.0pt;}}
div.WordSection1 {{page:WordSection1;}}
-->
</style>
</head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<div class=WordSection1>
"""


def render_html_word(doc: Doc, rng: random.Random) -> bytes:
    """Word "Save as web page" markup: MsoNormal paragraphs and spans in cells, <o:p></o:p>,
    thousands separators (1,234) and, now and then, full-width digits."""
    style = Style(breaks=0.2, thousands=True, fullwidth=rng.choice((0.0, 0.05, 0.2)),
                  fee_zero_decimals=rng.random() < 0.5)
    attrs = ("class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
             "style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;"
             "mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'")

    td = (" valign=top style='border:solid windowtext 1.0pt;border-top:none;mso-border-alt:solid windowtext .5pt;"
          "padding:0cm 5.4pt 0cm 5.4pt'")

    def cell(inner: str, value: bool) -> str:
        if value:
            return (f"<p class=MsoNormal align=center style='text-align:center'><span lang=EN-US "
                    f"style='font-size:10.5pt;font-family:\"Times New Roman\"'>{inner}<o:p></o:p></span></p>")
        if not inner:
            return "<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"
        lines = re.split(r"<br/?>", inner)
        return "".join(f"<p class=MsoNormal align=center style='text-align:center'><span "
                       f"style='font-size:10.5pt;font-family:宋体;mso-ascii-font-family:\"Times New Roman\"'>"
                       f"{line}</span></p>" for line in lines)

    def table(rows: list[GridRow]) -> str:
        return _html_table(rows, rng, style, cell=cell, table_attrs=attrs, td_attrs=td,
                           tr_attrs=" style='mso-yfti-irow:{r}'")

    tables = {
        AD: table(grid_active(doc.values)),
        T3: table(grid_applications_header() + grid_applications_body(doc.values)),
        T4: table(grid_review(doc.values)),
    }
    p_open = ("<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt'>"
              "<span style='font-size:16.0pt;font-family:仿宋_GB2312'>")

    def heading(text: str) -> str:
        return (f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'><b><span "
                f"style='font-size:16.0pt;font-family:黑体'>{_e(text)}<span lang=EN-US><o:p></o:p></span>"
                "</span></b></p>")

    heads = headings(rng)
    text = narrative(doc, rng, ascii_brackets=rng.random() < 0.3)

    def paragraphs(items: list[Item]) -> str:
        out = []
        for kind, line in items:
            inner = _e(line)
            if kind == "sub":
                out.append(f"{p_open}<b>{inner}</b></span></p>")
            else:
                out.append(f"{p_open}{inner}<span lang=EN-US><o:p></o:p></span></span></p>")
        return "\n".join(out)

    report_title = title(doc, rng)
    parts = [_WORD_HEAD.format(title=_e(report_title)),
             f"<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;"
             f"font-family:方正小标宋简体'>{_e(report_title)}</span></b></p>",
             paragraphs(text["intro"])]
    for key in SECTION_KEYS:
        parts.append(heading(heads[key]))
        if key in tables:
            parts.append(tables[key])
        parts.append(paragraphs(text.get(key, [])))
    parts.append("</div>\n</body>\n</html>\n")
    return "\n".join(p for p in parts if p).encode("utf-8")


def render_html_split(doc: Doc, rng: random.Random, *, at: int | None = None, repeat_header: bool | None = None,
                      repeat_labels: bool | None = None) -> bytes:
    """表三 split over two <table> elements (a page break in the source document).

    `at`: the number of data rows in the first part (1–24); `repeat_header`: the second part
    repeats the three header rows; `repeat_labels`: a group label cut by the split is repeated in
    the second part (else that cell is empty).
    """
    style = _template_style(rng)
    body_rows = grid_applications_body(doc.values)
    at = rng.randint(1, len(body_rows) - 1) if at is None else at
    repeat_header = rng.random() < 0.5 if repeat_header is None else repeat_header
    repeat_labels = rng.random() < 0.5 if repeat_labels is None else repeat_labels
    first = grid_applications_header() + body_rows[:at]
    second = [GridRow(list(row.slots), row.key) for row in body_rows[at:]]
    for c, slot in enumerate(second[0].slots):
        if slot is UP:
            origin = _origin(body_rows, at, c)
            text = origin.text if isinstance(origin, Label) and repeat_labels else ""
            second[0].slots[c] = Label(text)
    if repeat_header:
        second = grid_applications_header() + second

    def table(rows: list[GridRow]) -> str:
        return _html_table(rows, rng, style, table_attrs='border="1" width="600"')

    between = rng.choice(("", "<p>（续表）</p>", '<p style="page-break-before:always"></p>'))
    tables = {
        AD: table(grid_active(doc.values)),
        T3: table(first) + "\n" + between + "\n" + table(second),
        T4: table(grid_review(doc.values)),
    }
    body = _html_body(doc, rng, tables, heading=lambda h: f"<p><strong>{_e(h)}</strong></p>")
    return _cms_page(doc, rng, body).encode("utf-8")


def render_gbk_html(doc: Doc, rng: random.Random) -> bytes:
    """An old GB2312-declared site: table-based page layout around template tables, GB18030 bytes."""
    style = _template_style(rng)

    def table(rows: list[GridRow]) -> str:
        return _html_table(rows, rng, style,
                           table_attrs='width="95%" border="1" align="center" cellpadding="2" cellspacing="0"')

    tables = {
        AD: table(grid_active(doc.values)),
        T3: table(grid_applications_header() + grid_applications_body(doc.values)),
        T4: table(grid_review(doc.values)),
    }
    body = _html_body(doc, rng, tables, heading=lambda h: f"<p><font face=黑体>{_e(h)}</font></p>",
                      p_open="<p>　　", sub_open="<p>　　<b>", sub_close="</b></p>")
    report_title = title(doc, rng)
    charset = rng.choice(('<meta charset="gb2312">',
                          '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'))
    pub = f"{doc.year + 1}-01-{rng.randint(10, 31)}"
    page = f"""<html>
<head>
{charset}
<title>{report_title}</title>
<meta name="PubDate" content="{pub}">
<link href="../css/style.css" rel="stylesheet" type="text/css">
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="120" background="../images/top.jpg">&nbsp;</td></tr>
  <tr><td class="nav"><a href="../index.htm">首页</a> | <a href="../zwgk.htm">政务公开</a> |
  <a href="../xxgk.htm">信息公开</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="200" valign="top" class="left"><a href="../nb.htm">信息公开年报</a><br>
    <a href="../zn.htm">信息公开指南</a></td>
    <td valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td align="center" class="title"><b>{report_title}</b></td></tr>
        <tr><td align="center" class="date">发布日期：{pub}　　点击数：{rng.randint(10, 9999)}</td></tr>
        <tr><td class="content" id="zoom">
{body}
        </td></tr>
      </table>
    </td>
  </tr>
</table>
<table width="1000" border="0" align="center"><tr>
<td align="center">版权所有：{doc.agency}　技术支持：某某网络公司</td></tr></table>
</body>
</html>
"""
    return page.encode("gb18030")


# =============================================================================================
# Text renderers
# =============================================================================================
def _text_cells(rows: list[GridRow], rng: random.Random, style: Style, *, up: str | None, left: str | None,
                repeat_labels: bool = False) -> list[list[str]]:
    """The grid as lists of cell strings; a span slot becomes `up`/`left` ("" an empty cell, None
    nothing) or, with `repeat_labels`, its origin label again."""
    out = []
    for r, row in enumerate(rows):
        cells: list[str] = []
        for c, slot in enumerate(row.slots):
            if isinstance(slot, Span):
                origin = _origin(rows, r, c)
                if repeat_labels and isinstance(origin, Label):
                    cells.append(style.label(origin.text, rng).replace("\n", " "))
                    continue
                filler = up if slot is UP else left
                if filler is not None:
                    cells.append(filler)
            elif isinstance(slot, Val):
                cells.append(style.number(slot.value, slot.ref, rng))
            else:
                cells.append(style.label(slot.text, rng).replace("\n", " "))
        out.append(cells)
    return out


def _text_report(doc: Doc, rng: random.Random, table_lines: Callable[[list[GridRow]], list[str]], *,
                 markdown: bool = False) -> str:
    heads = headings(rng)
    text = narrative(doc, rng, ascii_brackets=rng.random() < 0.3)
    indent = rng.choice(("", "　　"))
    lines = [("# " if markdown else "") + title(doc, rng), ""]

    def items(section: str) -> None:
        for kind, line in text.get(section, []):
            if kind == "sub":
                lines.append(("### " if markdown else "") + line)
            else:
                lines.append(indent + line)
            lines.append("")

    items("intro")
    grids = {AD: grid_active(doc.values), T3: grid_applications_header() + grid_applications_body(doc.values),
             T4: grid_review(doc.values)}
    for key in SECTION_KEYS:
        lines += [("## " if markdown else "") + heads[key], ""]
        if key in grids:
            lines += table_lines(grids[key])
            lines.append("")
        items(key)
    return "\n".join(lines) + "\n"


def render_text_tabs(doc: Doc, rng: random.Random) -> bytes:
    """Tab-separated rows like the weibin seed: a spanning label is one cell, a rowspan's lower
    slots are empty cells (group labels on the first row of a group only)."""
    style = Style(ascii_brackets=rng.choice((0.0, 1.0)), spaces=0.1)
    left = rng.choice((None, ""))

    def table_lines(rows: list[GridRow]) -> list[str]:
        return ["\t".join(cells) + rng.choice(("", "\t")) for cells in _text_cells(rows, rng, style, up="", left=left)]

    newline = rng.choice(("\n", "\r\n"))
    return _text_report(doc, rng, table_lines).replace("\n", newline).encode("utf-8")


def render_text_pipes(doc: Doc, rng: random.Random) -> bytes:
    """Markdown: headings with #, tables as pipe tables (a separator line after the first row)."""
    style = Style(ascii_brackets=rng.choice((0.0, 0.3)), spaces=0.1)
    repeat = rng.random() < 0.3

    def table_lines(rows: list[GridRow]) -> list[str]:
        cells = _text_cells(rows, rng, style, up="", left="", repeat_labels=repeat)
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        return [lines[0], "|" + "---|" * len(cells[0]), *lines[1:]]

    return _text_report(doc, rng, table_lines, markdown=True).encode("utf-8")


def render_text_spaces(doc: Doc, rng: random.Random) -> bytes:
    """Cells separated by runs of 2+ spaces (text copied out of a PDF viewer); spans vanish."""
    style = Style(ascii_brackets=rng.choice((0.0, 1.0)), spaces=0.1)

    def table_lines(rows: list[GridRow]) -> list[str]:
        out = []
        for cells in _text_cells(rows, rng, style, up=None, left=None):
            gaps = [" " * rng.randint(2, 6) for _ in cells]
            line = "".join(cell + gap for cell, gap in zip(cells, gaps, strict=True)).rstrip()
            out.append(rng.choice(("", "  ")) + line)
        return out

    return _text_report(doc, rng, table_lines).encode("utf-8")


Renderer = Callable[[Doc, random.Random], bytes]
RENDERERS: dict[str, Renderer] = {
    "html_template": render_html_template,
    "html_flat": render_html_flat,
    "html_word": render_html_word,
    "html_split": render_html_split,
    "text_tabs": render_text_tabs,
    "text_pipes": render_text_pipes,
    "text_spaces": render_text_spaces,
    "gbk_html": render_gbk_html,
}
LAYOUTS: tuple[str, ...] = tuple(RENDERERS)


def render(layout: str, doc: Doc, rng: random.Random, **options: object) -> bytes:
    """One report in one layout; `options` go to the renderer (html_flat, html_split take some)."""
    return RENDERERS[layout](doc, rng, **options)  # type: ignore[call-arg]


def location(layout: str, doc: Doc) -> str:
    ext = "txt" if layout.startswith("text_") else "html"
    return f"https://www.example.gov.cn/zfxxgk/zfxxgknb/{doc.year + 1}01/t{doc.year + 1}0120_1.{ext}"


# =============================================================================================
# Injections: exactly one rule broken
# =============================================================================================
class Injection(NamedTuple):
    """A report with one error: its tables (`values`), the rule that must fire (`rule`), the cells its
    evidence must name, and the narrative statements to use (pass both to `Doc`)."""

    values: Tables
    rule: str
    cells: tuple[str, ...]  # cells ("table.row.field") the finding's evidence must name
    statements: dict[str, str]  # narrative overrides (Doc.statements)


def _copy(values: Tables) -> Tables:
    return copy.deepcopy(values)


def _checked(values: Tables, rule: str, cells: tuple[str, ...], said: dict[str, str] | None = None) -> Injection:
    expected = {rule} & set(ARITHMETIC_RULES)
    assert violations(values) == expected, (rule, violations(values))
    return Injection(values, rule, cells, said or {})


def inject_t3_balance(values: Tables, rng: random.Random) -> Injection:
    """本年新收/上年结转/结转下年 of one column and of 总计 moved by d: the row still adds up, the
    results are untouched, only the 勾稽关系 of that column and of 总计 fails."""
    v = _copy(values)
    row = rng.choice(("new_received", "carried_over", "carried_forward"))
    col = rng.choice(APPLICANT_PARTS)
    current = v[T3][row][col]
    d = rng.randint(1, 40) if rng.random() < 0.6 or not current else -rng.randint(1, current)  # type: ignore[arg-type]
    v[T3][row][col] += d  # type: ignore[operator]
    v[T3][row]["total"] += d  # type: ignore[operator]
    return _checked(v, "T3-BALANCE", (f"{T3}.{row}.{col}", f"{T3}.{row}.total"))


def inject_t3_result_sum(values: Tables, rng: random.Random) -> Injection:
    """One result cell and its row's 总计 moved by d: the row adds up, （七）总计 no longer does."""
    v = _copy(values)
    row = rng.choice(RESULT_ROW_KEYS)
    col = rng.choice(APPLICANT_PARTS)
    d = rng.randint(1, 40)
    v[T3][row][col] += d  # type: ignore[operator]
    v[T3][row]["total"] += d  # type: ignore[operator]
    return _checked(v, "T3-RESULT-SUM", (f"{T3}.{row}.{col}", f"{T3}.{row}.total"))


def inject_t3_row_total(values: Tables, rng: random.Random) -> Injection:
    """Row totals broken while every column identity still holds: d moved between two result rows
    of one column, or added to both 本年新收 and 结转下年 of one column (勾稽 unchanged)."""
    v = _copy(values)
    apps = v[T3]
    donors = [(row, col) for row in RESULT_ROW_KEYS for col in APPLICANT_PARTS if apps[row][col]]
    if donors and rng.random() < 0.6:
        src, col = rng.choice(donors)
        dst = rng.choice([row for row in RESULT_ROW_KEYS if row != src])
        d = rng.randint(1, apps[src][col])  # type: ignore[arg-type]
        apps[src][col] -= d  # type: ignore[operator]
        apps[dst][col] += d  # type: ignore[operator]
        return _checked(v, "T3-ROW-TOTAL", (f"{T3}.{src}.{col}", f"{T3}.{dst}.{col}"))
    col = rng.choice(APPLICANT_PARTS)
    d = rng.randint(1, 40)
    apps["new_received"][col] += d  # type: ignore[operator]
    apps["carried_forward"][col] += d  # type: ignore[operator]
    return _checked(v, "T3-ROW-TOTAL", (f"{T3}.new_received.{col}", f"{T3}.carried_forward.{col}"))


def inject_t4_total(values: Tables, rng: random.Random) -> Injection:
    """One 表四 group's 总计 or one of its parts moved by d."""
    v = _copy(values)
    group = rng.choice([row.key for row in REVIEW_LITIGATION_ROWS])
    name = rng.choice(("total", *OUTCOME_PARTS))
    d = rng.randint(1, 9)
    if v[T4][group][name] and rng.random() < 0.5:
        d = -rng.randint(1, v[T4][group][name])  # type: ignore[arg-type]
    v[T4][group][name] += d  # type: ignore[operator]
    return _checked(v, "T4-TOTAL", (f"{T4}.{group}.{name}",))


def inject_t2_value(values: Tables, rng: random.Random) -> Injection:
    """A negative count that breaks no sum: a 表二 value, or a 表四/表三 value made negative with
    the difference moved to another cell so that every total still holds."""
    v = _copy(values)
    kind = rng.choice(("active", "review", "applications"))
    k = rng.randint(1, 30)
    if kind == "active":
        row = rng.choice(ACTIVE_DISCLOSURE_ROWS)
        name = rng.choice(row.field_keys)
        v[AD][row.key][name] = -k if row.key != "fees" else -k - rng.randint(1, 99) / 100
        return _checked(v, "T2-VALUE", (f"{AD}.{row.key}.{name}",))
    if kind == "review":
        group = rng.choice([row.key for row in REVIEW_LITIGATION_ROWS])
        neg, pos = rng.sample(OUTCOME_PARTS, 2)
        moved = v[T4][group][neg] + k  # type: ignore[operator]
        v[T4][group][neg] = -k
        v[T4][group][pos] += moved  # type: ignore[operator]
        return _checked(v, "T2-VALUE", (f"{T4}.{group}.{neg}",))
    col = rng.choice(APPLICANT_PARTS)
    neg, pos = rng.sample(RESULT_ROW_KEYS, 2)
    moved = v[T3][neg][col] + k  # type: ignore[operator]
    for name in (col, "total"):
        v[T3][neg][name] -= moved  # type: ignore[operator]
        v[T3][pos][name] += moved  # type: ignore[operator]
    return _checked(v, "T2-VALUE", (f"{T3}.{neg}.{col}",))


def inject_narrative_sum(values: Tables, rng: random.Random) -> Injection:
    """「全年主动公开政府信息N条，其中A条、B条、C条」 with A+B+C > N."""
    total = rng.randint(30, 5000)
    excess = rng.randint(1, 500)
    a = rng.randint(0, total)
    b = rng.randint(0, total - a)
    c = total - a - b + excess
    sentence = f"全年主动公开政府信息{total}条，其中政务动态信息{a}条、政策文件{b}条、其他信息{c}条"
    return _checked(_copy(values), "NARRATIVE-SUM", (), {"active": sentence})


def inject_narrative_table(values: Tables, rng: random.Random) -> Injection:
    """「全年共收到政府信息公开申请X件」 with X neither 本年新收 nor 本年新收 + 上年结转."""
    new = values[T3]["new_received"]["total"]
    carried = values[T3]["carried_over"]["total"]
    assert new is not None and carried is not None
    stated = new + carried + rng.randint(1, 60) if new < 2 or rng.random() < 0.5 else rng.randint(0, new - 1)
    sentence = f"全年共收到政府信息公开申请{stated}件"
    return _checked(_copy(values), "NARRATIVE-TABLE", (f"{T3}.new_received.total",), {"received": sentence})


INJECTIONS: dict[str, Callable[[Tables, random.Random], Injection]] = {
    "T3-BALANCE": inject_t3_balance,
    "T3-RESULT-SUM": inject_t3_result_sum,
    "T3-ROW-TOTAL": inject_t3_row_total,
    "T4-TOTAL": inject_t4_total,
    "T2-VALUE": inject_t2_value,
    "NARRATIVE-SUM": inject_narrative_sum,
    "NARRATIVE-TABLE": inject_narrative_table,
}


# =============================================================================================
# Corpus for benchmarks
# =============================================================================================
def corpus(n: int, seed: int) -> list[tuple[str, bytes, Tables]]:
    """n consistent reports cycling through LAYOUTS: (name, document bytes, expected tables).

    Renderer options are left to chance, so every variant of a layout occurs (empty or repeated
    span cells, split points, bracket and digit styles); the same (n, seed) gives the same corpus.
    """
    rng = random.Random(seed)
    out = []
    for i in range(n):
        layout = LAYOUTS[i % len(LAYOUTS)]
        doc = random_doc(rng)
        out.append((f"{i:05d}-{layout}", render(layout, doc, rng), doc.values))
    return out


def all_refs() -> list[str]:
    """Every template cell as "table.row.field"."""
    return [f"{t}.{r.key}.{f}" for t, rows in TABLE_ROWS.items() for r in rows for f in r.field_keys]
