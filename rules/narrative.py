"""Rules on the narrative text: sums stated in sentences, and figures that contradict the tables."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from monitor.report import Report, to_number
from rules.engine import Context, Problem, Severity, rule
from rules.sentences import SENTENCE

# A numeral is read from the first digit of a run of digits and commas (the commas before it are
# skipped): a match attempted inside the run would read the rest of the run again, once per digit.
# Nothing after a run can make a shorter reading of it match, so the run is taken whole
# (possessively) and a numeral costs one pass over it.
_NUMERAL = r"(?<![\d,]),*+(\d[\d,]*+(?:\.\d++)?)"
_UNITS = "条|件|项|篇|个|次|场|期|人次|家|宗|起|万元|元"
_QUANTITY = re.compile(_NUMERAL + r"\s*+(" + _UNITS + ")")
_ANY_NUMBER = re.compile(_NUMERAL)
# In a statement, after a few words: a figure of at most 30 digits and commas (a longer one is no
# figure: see to_number), so that the words' alternative readings each cost a bounded step.
_NUMBER = r"(\d[\d,]{0,29}+(?![\d,])(?:\.\d{1,15}+(?!\d))?)"
# An enumeration after 其中 lists a handful of parts; a "sentence" of more is no enumeration. And a
# report contradicts its tables in a few statements: past _MAX_PROBLEMS, a rule reports no more
# (a text of a million such statements would otherwise make a million findings).
_MAX_PARTS = 100
_MAX_PROBLEMS = 100
_TOTAL_WORDS = re.compile(r"共|全年|累计|总计|合计|总数|全部|本年度?")
_NOT_A_PART = re.compile(r"%|％|占|同比|增长|下降|减少|提高|比上年|较上年")


def _narrative(report: Report) -> str:
    return "\n".join(report.sections.values())


def _sentences(report: Report) -> Iterator[str]:
    for match in SENTENCE.finditer(_narrative(report)):
        yield match.group(0).strip()


@rule("NARRATIVE-SUM", Severity.ERROR, "正文中分项之和超过总数")
def narrative_sum(report: Report, context: Context) -> Iterator[Problem]:
    """A sentence 「…共/全年…N条（件、项），其中A…、B…、C…」 lists parts whose sum exceeds N.

    Only parts in the total's own unit count (「公开政府重要会议50场」 is not part of 「3351条」), a
    total given as an approximation (「3000余条」) is not judged, and parts stated as shares or
    changes (%, 同比, 增长) end the list. Parts may add up to less than N (「其中」 need not be
    exhaustive), never to more.
    """
    return islice(_narrative_sums(report), _MAX_PROBLEMS)


def _narrative_sums(report: Report) -> Iterator[Problem]:
    for sentence in _sentences(report):
        head, sep, tail = sentence.partition("其中")
        if not sep or not _TOTAL_WORDS.search(head):
            continue
        numbers = deque(_ANY_NUMBER.finditer(head), maxlen=1)  # (the last one only)
        totals = deque(_QUANTITY.finditer(head), maxlen=1)
        if not numbers or not totals or totals[-1].start(1) != numbers[-1].start(1):
            continue  # the last figure before 其中 is not a plain quantity (「3000余条」, a date…)
        total_match = totals[-1]
        unit = total_match.group(2)
        parts: list[int | float] = []
        try:
            total = to_number(total_match.group(1))
            for match in _QUANTITY.finditer(tail.partition("其中")[0]):
                context_before = tail[max(0, match.start(1) - 6) : match.start(1)]
                if match.group(2) != unit or _NOT_A_PART.search(context_before + tail[match.end() : match.end() + 2]):
                    break
                parts.append(to_number(match.group(1)))
                if len(parts) > _MAX_PARTS:
                    raise ValueError("no enumeration")
        except ValueError:
            continue  # a "figure" of more digits than any count, or no enumeration: no sum stated
        if len(parts) >= 2 and sum(parts) > total:
            yield Problem(
                f"正文称共{total:g}{unit}，但「其中」列出的各项相加为{sum(parts):g}{unit}，"
                f"超出{sum(parts) - total:g}{unit}。",
                expected=total, actual=sum(parts), text=sentence,
                extra={"parts": parts},
            )


@dataclass(frozen=True)
class _Claim:
    """A figure the text may state, and the table values it may legitimately equal."""

    pattern: re.Pattern[str]
    what: str
    cells: tuple[str, ...]
    accepted: Callable[[Report], list[int | float] | None]


def _cell(report: Report, ref: str) -> int | float | None:
    table, row, field = ref.split(".")
    return report.value(table, row, field)


def _sums(*groups: tuple[str, ...]) -> Callable[[Report], list[int | float] | None]:
    """Accept any of the sums of the given cell groups; None when a needed cell is null."""

    def accepted(report: Report) -> list[int | float] | None:
        values: list[int | float] = []
        for group in groups:
            cells = [_cell(report, ref) for ref in group]
            numbers = [value for value in cells if value is not None]
            if len(numbers) < len(cells):
                return None
            values.append(sum(numbers))
        return values

    return accepted


_T3 = "applications"
_RECEIVED = f"{_T3}.new_received.total"
_CARRIED = f"{_T3}.carried_over.total"
_PROCESSED = f"{_T3}.total_processed.total"
_VERB_WINDOW = r"[^，,。；;\d]{0,14}?"
_CLAIMS: tuple[_Claim, ...] = (
    _Claim(re.compile(r"(?:共|全年|本年度?|累计)" + _VERB_WINDOW + r"(?:收到|受理|新收|接收)" + _VERB_WINDOW
                      + r"申请" + r"[^，,。；;\d]{0,6}?" + _NUMBER + r"\s*+(?:件|项|条|个|宗)"),
           "收到的政府信息公开申请", (_RECEIVED, _CARRIED),
           _sums((_RECEIVED,), (_RECEIVED, _CARRIED))),
    _Claim(re.compile(r"(?:共|全年|本年度?|累计)" + _VERB_WINDOW + r"(?:办理|办结|答复|处理)" + _VERB_WINDOW
                      + r"申请" + r"[^，,。；;\d]{0,6}?" + _NUMBER + r"\s*+(?:件|项|条|个|宗)"),
           "办理的政府信息公开申请", (_PROCESSED, _RECEIVED, _CARRIED),
           _sums((_PROCESSED,), (_RECEIVED, _CARRIED), (_RECEIVED,))),
    _Claim(re.compile(r"(?:全部公开|予以公开)[^，,。；;\d]{0,3}?" + _NUMBER + r"\s*+(?:件|项|条|个)"),
           "予以公开的申请", (f"{_T3}.disclosed.total",), _sums((f"{_T3}.disclosed.total",))),
    _Claim(re.compile(r"部分公开[^，,。；;\d]{0,3}?" + _NUMBER + r"\s*+(?:件|项|条|个)"),
           "部分公开的申请", (f"{_T3}.partially_disclosed.total",), _sums((f"{_T3}.partially_disclosed.total",))),
    _Claim(re.compile(r"(?:制发|印发|出台)(?:行政)?规范性文件[^，,。；;\d]{0,3}?" + _NUMBER + r"\s*+(?:件|个|份)"),
           "本年制发的行政规范性文件", ("active_disclosure.normative_documents.made",),
           _sums(("active_disclosure.normative_documents.made",))),
    _Claim(re.compile(r"行政复议(?:案件|申请)?[^，,。；;\d、和及与]{0,3}?" + _NUMBER + r"\s*+(?:件|起|宗|个)"),
           "行政复议案件", ("review_litigation.review.total",), _sums(("review_litigation.review.total",))),
)


@rule("NARRATIVE-TABLE", Severity.ERROR, "正文数字与表格不一致")
def narrative_table(report: Report, context: Context) -> Iterator[Problem]:
    """A figure stated in the text contradicts the tables.

    Checked statements: the year's received requests (表三 本年新收, or with 上年结转), requests
    handled (（七）总计), 予以公开 and 部分公开 counts, 行政规范性文件 made (表二), 行政复议 cases
    (表四). A statement is accepted when it equals any reasonable reading of the table, so only a
    real contradiction is reported; a null table cell makes the statement not assessable.
    """
    return islice(_contradictions(report), _MAX_PROBLEMS)


def _contradictions(report: Report) -> Iterator[Problem]:
    for sentence in _sentences(report):
        for claim in _CLAIMS:
            for match in claim.pattern.finditer(sentence):
                try:
                    stated = to_number(match.group(1))
                except ValueError:
                    continue  # more digits than any count
                accepted = claim.accepted(report)
                if accepted is None or stated in accepted:
                    continue
                yield Problem(
                    f"正文称{claim.what}为{stated:g}，与表格不符（表格为{accepted[0]:g}），"
                    f"相差{abs(stated - accepted[0]):g}。",
                    claim.cells, expected=accepted[0], actual=stated, text=sentence,
                )
