"""Which listing links name an annual report (政府信息公开工作年度报告), and of which year.

A report title is `{机关}{YYYY}年(度){marker}` where the marker is 政府信息公开 or 政务公开, then
optionally 年度 and/or 工作, then 报告 or 年报 (政府信息公开工作年度报告, 政府信息公开年度报告,
政府信息公开年报, 政务公开工作年度报告, 2024年度政府信息公开工作报告); the year may instead follow the
marker (「…年度报告（2024年）」). After the marker only a variant (（超链版）（图片版）（文字版）…), a
correction (更正说明, 修订版, （更新）…), a year, a date, a file extension or punctuation may follow:
anything else (「…年度报告解读」「…年度报告正式发布」「…的通知」) is news about a report, not the report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from scrapers.model import Candidate, Link

# Words that make a title something other than a report (checked from the year on); not when they are
# part of an agency's name (统计局, 卫生和计划生育委员会).
_EXCLUDED = re.compile(
    r"(?:解读|图解|一图|读懂|图说|决算|预算|要点|计划|统计|通知|通报|季度|半年|月报|培训|会议|编制|报送|问答|"
    r"征求意见|总结)(?![局委办厅处科站所队院室中]|生育)"
)
# Words before the year that make a title news about a report (「市政府发布…」「关于印发…」).
_NEWS_WORDS = (
    "解读", "图解", "一图", "读懂", "图说", "发布", "公布", "印发", "转发", "报送", "编制", "做好", "召开",
    "审议", "通知", "学习", "征求意见",
)
_MARKER = re.compile(r"(?:政府信息公开|政务公开)(?:年度)?(?:工作)?(?:年度)?(?:报告|年报)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)(?:年度|年)?")
_MAX_GAP = 30  # characters allowed between the year and the marker
_MAX_TITLE = 300
_EXTENSION = re.compile(r"\.(?:pdf|docx?|wps|ofd|rtf|xlsx?|zip|rar|s?html?|txt)$", re.I)
_VARIANT = re.compile(r"超链接版|超链版|超级链接版|图片版|长图版|文字版|图文版|网页版|pdf版|word版", re.I)
_CORRECTION = re.compile(r"更正|修订|修正|勘误|更新")
_BRACKETED = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]{0,40})[)\]】〕]")
# What may follow the marker: dates, years, extensions, variants, corrections, punctuation.
_RESIDUE = re.compile(
    r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|(?:19|20)\d{2}(?:年度|年)?"
    r"|\.(?:pdf|docx?|wps|ofd|rtf|xlsx?|zip|rar|s?html?|txt)"
    r"|超链接版|超链版|超级链接版|图片版|长图版|文字版|图文版|网页版|pdf版|word版"
    r"|更正说明|更正版|更正|修订版|修订稿|修订|修正版|勘误|更新版|更新|全文|正文|附件\d*|的|[\W_]",
    re.I,
)
_PUNCTUATION = "_-—–·•:：,，.。、|/\\《》〈〉<>「」『』\"“”'‘’()[]【】〔〕!！?？;；*"
_PREFIX = re.compile(r"^(?:关于|附件\d*|更正|\d{1,3}(?=[.、)\]】]))")
_SUFFIX = re.compile(r"关于$")
# Preference among twins: the plain title and text versions before an image version.
_RANK = {"": 0, "文字版": 1, "超链版": 2, "超链接版": 2, "超级链接版": 2, "网页版": 3, "图文版": 3}
_IMAGE_RANK = 9
_OTHER_RANK = 5


@dataclass(frozen=True)
class Classified:
    """What a report title says: the report year, the publisher (the words before the year, "" when
    none), whether it is a correction (a new version of the same agency-year) and its variant."""

    year: int
    publisher: str = ""
    correction: bool = False
    variant: str = ""  # 超链版, 图片版, 文字版 … as written; "" for the plain title


def classify(title: str) -> Classified | None:
    """The report a title names, or None when it names none (解读, 决算, news, another kind of report)."""
    read = _read(title)
    return read[0] if read else None


def excluded(text: str) -> bool:
    """Whether a title's words (from the year on) name something other than a report: 解读, 决算, 通知…"""
    return _EXCLUDED.search(text) is not None


def candidates(links: Iterable[Link], *, first_year: int = 2021, last_year: int | None = None) -> list[Candidate]:
    """The links that name reports of `first_year` to `last_year`, in input order: one per URL, and one
    per report whose variants (（超链版）（图片版）…) are listed side by side (the others as twins)."""
    groups: list[list[tuple[Link, Classified]]] = []
    by_key: dict[tuple[str, str, int, bool], list[int]] = {}
    seen: set[str] = set()
    for link in links:
        if link.url in seen:
            continue
        seen.add(link.url)
        read = _read(link.title)
        if read is None:
            continue
        found, gap = read
        if found.year < first_year or (last_year is not None and found.year > last_year):
            continue
        key = (found.publisher, gap, found.year, found.correction)
        for index in by_key.get(key, []):
            if all(member.variant != found.variant for _, member in groups[index]):
                groups[index].append((link, found))
                break
        else:
            by_key.setdefault(key, []).append(len(groups))
            groups.append([(link, found)])
    return [_candidate(group) for group in groups]


def _candidate(group: list[tuple[Link, Classified]]) -> Candidate:
    best = min(range(len(group)), key=lambda index: _rank(group[index][1].variant))
    link, found = group[best]
    twins = tuple(other for index, (other, _) in enumerate(group) if index != best)
    return Candidate(link, found.year, found.publisher, found.correction, found.variant, twins)


def _rank(variant: str) -> int:
    if variant in _RANK:
        return _RANK[variant]
    return _IMAGE_RANK if "图" in variant else _OTHER_RANK


def _read(title: str) -> tuple[Classified, str] | None:
    """The classification of a title and the words between its year and marker (part of a report's
    identity: 「2024年A镇…」 and 「2024年B镇…」 are two reports)."""
    text = "".join(unicodedata.normalize("NFKC", title[: _MAX_TITLE * 2]).split())[:_MAX_TITLE]
    text = _EXTENSION.sub("", text)
    marker = _MARKER.search(text)
    if marker is None:
        return None
    before, rest = text[: marker.start()], text[marker.end():]
    year_match = None
    for match in _YEAR.finditer(before):
        year_match = match
    if year_match is not None and marker.start() - year_match.end() <= _MAX_GAP:
        year, publisher, gap = int(year_match.group(1)), before[: year_match.start()], before[year_match.end():]
    else:
        after = _YEAR.search(rest)
        if after is None:
            return None
        year, publisher, gap = int(after.group(1)), before, ""
    if any(word in publisher for word in _NEWS_WORDS) or excluded(gap + rest):
        return None
    noted = ""
    for note in _BRACKETED.findall(rest):
        if _RESIDUE.sub("", note):
            noted = noted or note
    if _RESIDUE.sub("", _BRACKETED.sub("", rest)):
        return None
    variant = _VARIANT.search(rest)
    return (
        Classified(year, _trim(publisher) or _trim(noted), bool(_CORRECTION.search(text)),
                   variant.group(0) if variant else ""),
        _trim(gap),
    )


def _trim(words: str) -> str:
    """A publisher's words without surrounding punctuation, 关于, 附件 or a list number."""
    previous = None
    while words != previous:
        previous = words
        words = _SUFFIX.sub("", _PREFIX.sub("", words.strip(_PUNCTUATION)))
    return words
