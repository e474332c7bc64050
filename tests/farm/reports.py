"""Report documents for the farm: consistent year-to-year values, report bodies in several HTML
flavours, PDF and DOCX, all from tests/synth.py and tests/synth_documents.py.

Values of one agency are chained over the years (上年结转 = last year's 结转下年度, 现行有效 =
last year's + 制发 − 废止) and 规章 are zero for publishers that can't make them, so a stored
series raises no finding; every year's narrative draws its filler sentences from a pool of its own,
so consecutive years don't trip TEXT-REUSE. Everything is seeded by strings: the same (seed, agency,
year) gives the same document in any order, in any thread.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import synth
from synth import AD, T3, T4, Doc, Tables

from monitor.template import APPLICANT_PARTS

# Filler sentences (no figures but {k}), six per topic: a year uses two of them, the next year two others.
_POOLS: dict[str, tuple[str, ...]] = {
    "active": (
        "坚持以公开为常态、不公开为例外，严格执行公开前保密审查",
        "聚焦稳就业、保民生等重点领域，及时发布政策文件和配套解读",
        "依托门户网站、政务新媒体和公开栏等渠道同步发布政府信息",
        "围绕优化营商环境，集中公开涉企政策和惠企措施",
        "做好重大建设项目、公共资源配置等重点领域信息公开",
        "加强政策解读回应，采用图解、问答等形式解读重要政策",
    ),
    "requests": (
        "严格按照法定程序和时限办理依申请公开事项",
        "完善依申请公开受理、登记、审核、答复全流程台账",
        "对疑难复杂申请组织法律顾问会商，确保答复合法规范",
        "畅通网上申请、信函申请和当面申请等多种申请渠道",
        "规范答复文书格式，做到告知理由充分、救济途径明确",
        "加强与申请人的沟通，及时补正申请内容、减少争议",
    ),
    "management": (
        "动态更新政府信息公开指南和主动公开目录",
        "落实信息发布三级审核制度，防止泄密和不当公开",
        "开展已公开政策文件清理，及时标注文件有效性",
        "建立政府信息公开属性源头认定机制",
        "规范政府信息公开工作台账，做到发布有据可查",
        "对历史信息进行梳理归档，统一栏目分类标准",
    ),
    "platform": (
        "优化政府信息公开专栏，完善栏目设置",
        "加强政务新媒体管理，全年更新信息{k}条",
        "完成门户网站适老化与无障碍改造",
        "推进政务公开专区建设，设置查阅点{k}个",
        "整合政务服务和政务公开资源，提升平台集约化水平",
        "开展网站常态化监测，及时处理错链断链问题",
    ),
    "supervision": (
        "将政务公开纳入年度绩效考核，组织业务培训{k}次",
        "主动接受社会监督，认真回应群众关切",
        "定期开展网站检查，对发现的问题立行立改",
        "邀请人大代表、政协委员参与政务开放活动",
        "建立政务公开工作通报制度，按季度通报工作情况",
        "强化责任追究，对公开不及时的单位进行督促整改",
    ),
    "problems": (
        "政策解读形式还不够丰富，解读的针对性有待提升",
        "基层政务公开标准化规范化水平仍需提高",
        "依申请公开答复的规范性有待进一步加强",
        "部分栏目信息更新不够及时",
        "政务公开工作人员业务能力有待提升",
        "公众参与政策制定的渠道还不够多",
    ),
    "improve": (
        "丰富政策解读形式，多采用图解、视频等方式解读政策",
        "加强对基层单位的业务指导和培训",
        "完善依申请公开工作机制，提升答复质量",
        "建立栏目更新责任清单，确保信息及时发布",
        "常态化开展业务培训，提高工作人员专业水平",
        "拓宽公众参与渠道，完善意见征集和反馈机制",
    ),
}
class _Pools(dict):  # type: ignore[type-arg]
    """synth's filler pools, overridden per thread while a farm document is rendered: other
    threads (a test using synth at the same time) keep seeing synth's own pools."""

    local = threading.local()

    def __getitem__(self, topic: str) -> tuple[str, ...]:
        override = getattr(self.local, "pools", None)
        return override[topic] if override is not None else super().__getitem__(topic)


if not isinstance(synth._FILLER, _Pools):
    synth._FILLER = _Pools(synth._FILLER)


_PDF_LOCK = threading.Lock()


@contextmanager
def _filler(year: int) -> Iterator[None]:
    """In this thread, two filler sentences of each topic chosen by the year."""
    at = (year % 3) * 2
    _Pools.local.pools = {topic: pool[at:at + 2] for topic, pool in _POOLS.items()}
    try:
        yield
    finally:
        _Pools.local.pools = None


def chained_values(seed: str, years: range | list[int], *, regulations: bool = False) -> dict[int, Tables]:
    """Consistent tables for consecutive years of one agency (see the module docstring)."""
    out: dict[int, Tables] = {}
    previous: Tables | None = None
    for year in years:
        values = synth.random_values(random.Random(f"{seed}/{year}"))
        if not regulations:
            values[AD]["regulations"] = {"made": 0, "repealed": 0, "in_force": 0}
        if previous is not None:
            for col in APPLICANT_PARTS:
                values[T3]["carried_over"][col] = previous[T3]["carried_forward"][col]
            for row in ("regulations", "normative_documents"):
                cells, before = values[AD][row], previous[AD][row]["in_force"]
                available = before + cells["made"]  # type: ignore[operator]
                cells["repealed"] = min(cells["repealed"], available)  # type: ignore[type-var]
                cells["in_force"] = available - cells["repealed"]  # type: ignore[operator]
        synth.rebalance(values)
        assert not synth.violations(values)
        out[year] = values
        previous = values
    return out


def inject_balance(values: Tables, rng: random.Random) -> Tables:
    """A copy whose 本年新收 of one column (and 总计) is off by a few: T3-BALANCE, nothing else."""
    broken = synth._copy(values)
    col = rng.choice(APPLICANT_PARTS)
    d = rng.randint(3, 20)
    broken[T3]["new_received"][col] += d  # type: ignore[operator]
    broken[T3]["new_received"]["total"] += d  # type: ignore[operator]
    assert synth.violations(broken) == {"T3-BALANCE"}
    return broken


def revised_values(values: Tables, rng: random.Random) -> tuple[Tables, list[str]]:
    """A silent revision: 行政许可 and 行政处罚 decisions changed (no identity involves them)."""
    changed = synth._copy(values)
    cells = []
    for row in ("licensing", "punishment"):
        changed[AD][row]["decisions"] = (changed[AD][row]["decisions"] or 0) + rng.randint(1, 30)  # type: ignore[operator]
        cells.append(f"{AD}.{row}.decisions")
    return changed, cells


# =============================================================================================
# Bodies
# =============================================================================================
def body_html(doc: Doc, key: str, flavor: str = "template") -> str:
    """The report's body as an HTML fragment: "template" (rowspan/colspan tables), "flat" (a cell
    per slot, labels broken by <br>), "word" (Word's "save as web page" markup) or "legacy"
    (old table-layout site, 「　　」 indents)."""
    rng = random.Random(f"body/{key}")
    with _filler(doc.year):
        if flavor == "word":
            page = synth.render_html_word(doc, rng).decode("utf-8")
            inner = page.split("<div class=WordSection1>", 1)[1]
            return inner.rsplit("</div>", 1)[0]
        if flavor == "flat":
            style = synth.Style(ascii_brackets=rng.choice((0.0, 0.5)), breaks=0.3, spaces=0.1)

            def table(rows: list[synth.GridRow]) -> str:
                return synth._html_table(rows, rng, style, spans=False, fill_up=0.5, fill_left=0.5,
                                         table_attrs='class="MsoTable" width="100%" border="1"')

            heading = "<h3>{}</h3>"
            p_open, sub_open, sub_close = "<p>", "<p><b>", "</b></p>"
        elif flavor == "legacy":
            style = synth._template_style(rng)

            def table(rows: list[synth.GridRow]) -> str:
                return synth._html_table(rows, rng, style, table_attrs='width="95%" border="1" align="center" '
                                         'cellpadding="2" cellspacing="0"')

            heading = "<p><font face=黑体>{}</font></p>"
            p_open, sub_open, sub_close = "<p>　　", "<p>　　<b>", "</b></p>"
        else:
            style = synth._template_style(rng)
            attrs = 'style="border-collapse:collapse;margin:0 auto;" cellspacing="0" align="center" border="1"'

            def table(rows: list[synth.GridRow]) -> str:
                return synth._html_table(rows, rng, style, table_attrs=attrs,
                                         cell=lambda inner, _v: f'<p style="text-indent:0em;">{inner}</p>')

            heading = '<p style="text-indent:2em;"><strong>{}</strong></p>'
            p_open = '<p style="text-indent:2em;">'
            sub_open, sub_close = '<p style="text-indent:2em;"><strong>', "</strong></p>"
        v = doc.values
        tables = {
            AD: table(synth.grid_active(v)),
            T3: table(synth.grid_applications_header() + synth.grid_applications_body(v)),
            T4: table(synth.grid_review(v)),
        }
        return synth._html_body(doc, rng, tables, heading=lambda h: heading.format(synth._e(h)), p_open=p_open,
                                sub_open=sub_open, sub_close=sub_close)


def pdf(doc: Doc, key: str) -> bytes:
    """The report as a PDF (reportlab, CID font: no font file needed)."""
    import synth_documents
    from reportlab import rl_config

    with _filler(doc.year), _PDF_LOCK:
        saved, rl_config.invariant = rl_config.invariant, 1  # no creation date or random ID: same bytes each time
        try:
            return synth_documents.render_pdf_reportlab(doc, random.Random(f"pdf/{key}"), font="cid")
        finally:
            rl_config.invariant = saved


def docx(doc: Doc, key: str) -> bytes:
    """The report as a DOCX (python-docx, no text box or nested layout table)."""
    import synth_documents

    with _filler(doc.year):
        return synth_documents.render_docx(doc, random.Random(f"docx/{key}"), nested=False, textbox=None)


def legacy_body(agency: str, year: int) -> str:
    """A pre-2021 report (old 条例 structure, no template tables): only what an old page carries."""
    return (f"<p>　　本报告根据《中华人民共和国政府信息公开条例》要求，由{agency}编制。"
            "全文包括概述，主动公开政府信息情况，"
            "依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请行政复议、提起行政诉讼的情况，"
            f"存在的主要问题及改进情况。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。</p>"
            f"<p>　　一、概述</p><p>　　{year}年，{agency}认真贯彻落实政府信息公开各项工作要求。</p>"
            "<p>　　二、主动公开政府信息情况</p><p>　　全年主动公开政府信息若干条。</p>"
            "<p>　　三、依申请公开政府信息情况</p><p>　　全年共受理政府信息公开申请若干件。</p>"
            "<p>　　四、不予公开政府信息的情况</p><p>　　无。</p>")
