"""Rules that compare a report with the same agency's stored reports (previous year, previous version)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from monitor.report import Report, replace_runs
from monitor.template import APPLICANT_COLUMNS, all_cells, cell_label
from rules.engine import Context, Problem, Severity, rule
from rules.sentences import SENTENCE


@rule("XYEAR-CARRY", Severity.ERROR, "上年结转与上年报告的结转下年度不符", scope="history")
def carry_over(report: Report, context: Context) -> Iterator[Problem]:
    """For every column of 表三: this year's 上年结转 equals last year's 结转下年度继续办理.

    Requests carried forward at the end of one year are the requests carried over at the start
    of the next; a difference means one of the two reports is wrong.
    """
    previous = context.previous_year
    if previous is None:
        return
    for column, name in APPLICANT_COLUMNS:
        now = report.value("applications", "carried_over", column)
        before = previous.value("applications", "carried_forward", column)
        if now is None or before is None or now == before:
            continue
        yield Problem(
            f"表三「{name}」列：本年“上年结转”填报{now:g}，但{previous.year}年度报告“结转下年度继续办理”为"
            f"{before:g}，相差{abs(now - before):g}。",
            (f"applications.carried_over.{column}",), expected=before, actual=now,
            extra={"previous_year": previous.year, "previous_cell": f"applications.carried_forward.{column}"},
        )


@rule("XYEAR-IN-FORCE", Severity.WARNING, "现行有效件数与上年数据衔接不上", scope="history")
def in_force(report: Report, context: Context) -> Iterator[Problem]:
    """表二: 现行有效件数 = last year's 现行有效件数 + this year's 本年制发件数 − 本年废止件数.

    Documents also lapse without being repealed (a fixed term ends), so a difference is a warning
    for a person to look at, not an error.
    """
    previous = context.previous_year
    if previous is None:
        return
    for row, name in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        before = previous.value("active_disclosure", row, "in_force")
        made = report.value("active_disclosure", row, "made")
        repealed = report.value("active_disclosure", row, "repealed")
        now = report.value("active_disclosure", row, "in_force")
        if before is None or made is None or repealed is None or now is None:
            continue
        expected = before + made - repealed
        if now != expected:
            yield Problem(
                f"表二「{name}」现行有效件数填报{now:g}，但按{previous.year}年度的{before:g}件加本年制发{made:g}件、"
                f"减本年废止{repealed:g}件应为{expected:g}件，相差{abs(now - expected):g}件。",
                tuple(f"active_disclosure.{row}.{f}" for f in ("in_force", "made", "repealed")),
                expected=expected, actual=now, extra={"previous_year": previous.year, "previous_in_force": before},
            )


_DIGITS = re.compile(r"\d+")
_NOISE = re.compile(r"[\s，,、：:（）()“”\"]")
REUSE_SECTIONS = ("overview", "problems")
# Sections 一 and 五 hold tens of sentences; a "section" of more is compared by its first ones.
_MAX_SENTENCES = 10_000


def _sentences(text: str) -> list[str]:
    """Sentences with digits masked (a copied report updates the years and little else)."""
    found = (replace_runs(_NOISE, "", replace_runs(_DIGITS, "#", m.group(0))) for m in SENTENCE.finditer(text))
    return list(islice((s for s in found if len(s) >= 8), _MAX_SENTENCES))


@rule("TEXT-REUSE", Severity.WARNING, "正文大段照搬上年报告", scope="history")
def text_reuse(report: Report, context: Context) -> Iterator[Problem]:
    """More than half of the narrative of sections 一 and 五 repeats the previous year's report.

    The format notice forbids year-after-year identical text (「不得出现敷衍了事甚至年年雷同现象」).
    Sentences are compared whole, with digits masked (a copy usually updates the years), and the
    share is counted in characters.
    """
    previous = context.previous_year
    if previous is None:
        return
    old = {s for key in REUSE_SECTIONS for s in _sentences(previous.sections.get(key, ""))}
    new = [s for key in REUSE_SECTIONS for s in _sentences(report.sections.get(key, ""))]
    total = sum(len(s) for s in new)
    repeated = [s for s in new if s in old]
    share = sum(len(s) for s in repeated) / total if total else 0.0
    if total >= 100 and share > 0.5:
        yield Problem(
            f"第一部分「总体情况」和第五部分「存在的主要问题及改进情况」有{share:.0%}的文字与{previous.year}年度报告相同。",
            ("section.overview", "section.problems"), expected="≤50%", actual=f"{share:.0%}",
            extra={"previous_year": previous.year, "share": round(share, 3), "examples": repeated[:3]},
        )


def _shown(value: float | None) -> str:
    return "空" if value is None else f"{value:g}"


@rule("REVISED", Severity.WARNING, "已发布的报告被修改", scope="history", resolvable=False)
def revised(report: Report, context: Context) -> Iterator[Problem]:
    """A published report's content changed after it was first captured; both versions are kept.

    The finding lists the table cells whose values changed. A correction never resets the
    publication date: timeliness stays judged on the first version.
    """
    before = context.previous_version
    if before is None:
        return
    changed = [
        (f"{t}.{r}.{f}", before.value(t, r, f), report.value(t, r, f))
        for t, r, f in all_cells()
        if before.value(t, r, f) != report.value(t, r, f)
    ]
    shown = "；".join(f"{cell_label(*ref.split('.'))}由{_shown(old)}改为{_shown(new)}" for ref, old, new in changed[:5])
    paragraphs = _text_changes(before.sections, report.sections)
    if changed:
        detail = f"，{len(changed)}个表格数值有变化：{shown}"
    elif paragraphs:
        detail = f"，表格数值未变，正文有{len(paragraphs)}处改动"
    else:
        detail = "，表格和正文均未变（仅版式或附件不同）"
    yield Problem(
        f"{report.year}年度报告在首次采集后被修改{detail}。",
        tuple(ref for ref, _, _ in changed),
        extra={"changes": [{"cell": ref, "before": old, "after": new} for ref, old, new in changed],
               "paragraphs": paragraphs},
    )


_MAX_TEXT_CHANGES, _MAX_CHANGE_CHARS, _MAX_DIFF_SENTENCES = 20, 300, 500


def _text_changes(before: dict[str, str], after: dict[str, str]) -> list[dict[str, str]]:
    """The sentences of the sections that a revision removed or added ({section, before, after}), at
    most _MAX_TEXT_CHANGES, each clipped: the text diff kept with the REVISED finding."""
    from difflib import SequenceMatcher

    changes: list[dict[str, str]] = []
    for key in dict.fromkeys([*before, *after]):
        old, new = _plain_sentences(before.get(key, "")), _plain_sentences(after.get(key, ""))
        if old == new:
            continue
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            changes.append({"section": key, "before": "".join(old[i1:i2])[:_MAX_CHANGE_CHARS],
                            "after": "".join(new[j1:j2])[:_MAX_CHANGE_CHARS]})
            if len(changes) >= _MAX_TEXT_CHANGES:
                return changes
    return changes


def _plain_sentences(text: str) -> list[str]:
    """A section's sentences as written, at most _MAX_DIFF_SENTENCES (the diff is quadratic in them)."""
    return [m.group(0) for m in islice(SENTENCE.finditer(text), _MAX_DIFF_SENTENCES)]
