"""Report titles and candidates (scrapers.discovery), with the title traps of gov-sites.md §5 and §7."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scrapers.adapters import parse_listing
from scrapers.discovery import Classified, candidates, classify
from scrapers.model import Link, Page, Request

SITES = Path(__file__).parent / "fixtures" / "sites"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("某某区2024年政府信息公开工作年度报告", Classified(2024, "某某区")),
        ("国家公务员局2022年政府信息公开工作年度报告", Classified(2022, "国家公务员局")),
        ("宿迁市 2025 年政府信息公开工作年度报告", Classified(2025, "宿迁市")),
        ("上海市黄浦区人民政府2023年政府信息公开工作年度报告.pdf", Classified(2023, "上海市黄浦区人民政府")),
        ("某某县２０２４年度政府信息公开工作年度报告.DOCX", Classified(2024, "某某县")),
        ("高岭镇_2017年_政府信息公开工作年度报告", Classified(2017, "高岭镇")),
        ("某某区统计局2024年政府信息公开工作年度报告", Classified(2024, "某某区统计局")),
        ("2024年度政府信息公开工作报告", Classified(2024)),
        ("某某市2023年政府信息公开年报", Classified(2023, "某某市")),
        ("某某区2024年政务公开工作年度报告", Classified(2024, "某某区")),
        ("某某区政府信息公开工作年度报告（2024年）", Classified(2024, "某某区")),
        ("2024年政府信息公开工作年度报告（区政府办公室）", Classified(2024, "区政府办公室")),
        ("1.某某局2024年政府信息公开工作年度报告 [2025-01-24]", Classified(2024, "某某局")),
        ("某某区2022年政府信息公开工作年度报告（超链版）.pdf", Classified(2022, "某某区", variant="超链版")),
        ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）",
         Classified(2019, "宿州市人民政府", variant="图片版")),
        ("某某区2024年政府信息公开工作年度报告(文字版)", Classified(2024, "某某区", variant="文字版")),
        ("关于《某某区2024年政府信息公开工作年度报告》的更正说明", Classified(2024, "某某区", correction=True)),
        ("某某县2024年政府信息公开工作年度报告（修订版）", Classified(2024, "某某县", correction=True)),
        ("某某县2024年政府信息公开工作年度报告（更新）", Classified(2024, "某某县", correction=True)),
        ("某某县2024年政府信息公开工作年度报告更正版（图片版）",
         Classified(2024, "某某县", correction=True, variant="图片版")),
    ],
)
def test_report_titles(title: str, expected: Classified) -> None:
    assert classify(title) == expected


@pytest.mark.parametrize(
    "title",
    [
        "某某区2024年政府信息公开工作年度报告解读",
        "《某某区2024年政府信息公开工作年度报告》政策解读",
        "图解：某某区2024年政府信息公开工作年度报告",
        "一图读懂某某区2024年政府信息公开工作年度报告",
        "2024年度部门决算",
        "某某区2025年部门预算",
        "某某区2024年政务公开工作要点",
        "某某区2025年政务公开工作计划",
        "关于报送2024年政府信息公开工作年度报告的通知",
        "关于做好2024年政府信息公开工作年度报告编制发布工作的通知",
        "我区召开2024年政府信息公开工作年度报告编制培训会",
        "某某区2024年政府信息公开工作年度报告正式发布",
        "市政府发布2024年政府信息公开工作年度报告",
        "2024年第一季度政府信息公开工作报告",
        "某某区2024年政府信息公开统计表",
        "某某大学2023-2024学年信息公开工作年度报告",
        "某某区2024年度报告",
        "政府信息公开年报",
        "某某区政府信息公开工作年度报告",
        "",
        "2024年" * 200 + "政府信息公开工作年度报告",
    ],
)
def test_not_report_titles(title: str) -> None:
    assert classify(title) is None


def link(title: str, number: int, listed: date | None = None) -> Link:
    return Link(f"http://www.xxq.gov.cn/nb/{number}.html", title, listed)


def test_listing_with_the_title_traps() -> None:
    url = "http://www.xxq.gov.cn/zwgk/zfxxgknb/"
    listing = parse_listing(Page(url, (SITES / "annual_titles/index.html").read_text("utf-8"), "text/html",
                                 Request(url)))
    found = candidates(listing.links)
    assert [(c.link.url.rsplit("/", 1)[1], c.year, c.publisher, c.correction, c.variant) for c in found] == [
        ("t20250126_1001.html", 2024, "某某区", False, "超链版"),
        ("t20250210_1004.html", 2024, "某某区", True, ""),
        ("t20250120_1005.html", 2024, "高岭镇", False, ""),
        ("t20240125_0901.html", 2023, "某某区", False, ""),
    ]  # not: 解读, 决算, 通知, 培训会 news, the year folders, the 2019 report (before 2021)
    assert [twin.title for twin in found[0].twins] == ["某某区2024年政府信息公开工作年度报告（图片版）"]
    assert found[0].link.listed == date(2025, 1, 26)
    assert found[1].twins == ()  # a correction is never a twin of the original
    assert [c.year for c in candidates(listing.links, first_year=2019)][-1] == 2019
    assert [c.year for c in candidates(listing.links, first_year=2019, last_year=2023)] == [2023, 2019]


def test_twins_prefer_a_text_version_over_the_image_version() -> None:
    found = candidates([
        link("某某区2024年政府信息公开工作年度报告（图片版）", 1),
        link("某某区2024年政府信息公开工作年度报告（超链版）", 2),
        link("某某区2024年政府信息公开工作年度报告", 3),
        link("某某区2023年政府信息公开工作年度报告（图片版）", 4),
        link("某某区2023年政府信息公开工作年度报告（文字版）", 5),
    ])
    assert [(c.link.url[-6:], c.variant, [t.url[-6:] for t in c.twins]) for c in found] == [
        ("3.html", "", ["1.html", "2.html"]),
        ("5.html", "文字版", ["4.html"]),
    ]


def test_image_version_alone_is_still_the_report() -> None:
    (found,) = candidates([link("某某区2024年政府信息公开工作年度报告（图片版）", 1)])
    assert (found.variant, found.twins) == ("图片版", ())


def test_what_is_not_merged() -> None:
    found = candidates([
        link("某某区2024年政府信息公开工作年度报告", 1),
        link("某某区2024年政府信息公开工作年度报告（修订版）", 2),  # a correction: a version of its own
        link("某某区2024年政府信息公开工作年度报告", 3),  # the same title at another URL: not a variant
        link("2024年A镇政府信息公开工作年度报告", 4),
        link("2024年B镇政府信息公开工作年度报告（图片版）", 5),  # another town, though no publisher before the year
        link("某某区人民政府办公室2024年政府信息公开工作年度报告（图片版）", 6),
    ])
    assert [(c.link.url[-6:], c.correction, c.twins) for c in found] == [
        ("1.html", False, ()), ("2.html", True, ()), ("3.html", False, ()), ("4.html", False, ()),
        ("5.html", False, ()), ("6.html", False, ()),
    ]


def test_same_url_is_one_link_and_order_is_kept() -> None:
    found = candidates([
        link("某某区2024年政府信息公开工作年度报告", 1),
        link("某某区2024年政府信息公开工作年度报告（图片版）", 1),
        link("某某区2021年政府信息公开工作年度报告", 2),
        link("某某区2022年政府信息公开工作年度报告", 3),
    ])
    assert [(c.year, c.twins) for c in found] == [(2024, ()), (2021, ()), (2022, ())]
