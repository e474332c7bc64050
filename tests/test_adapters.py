"""Site adapters (scrapers.adapters) and report-page reading (scrapers.article) on hand-written pages
modelled on gov-sites.md (tests/fixtures/sites/README.md)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from scrapers import article
from scrapers.adapters import ADAPTERS, adapter_for, generic, gkmlpt, hanweb, parse_listing, trs, vsb
from scrapers.model import Link, ListingPage, Method, Page, Request

SITES = Path(__file__).parent / "fixtures" / "sites"


def fixture(path: str, url: str, content_type: str | None = "text/html", encoding: str = "utf-8",
            request: Request | None = None) -> Page:
    return Page(url, (SITES / path).read_bytes().decode(encoding), content_type, request or Request(url))


def html(body: str, url: str = "http://www.xxq.gov.cn/zwgk/zfxxgknb/index.html") -> Page:
    return Page(url, f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>", "text/html", Request(url))


def urls(requests: tuple[Request, ...]) -> list[str]:
    return [request.url for request in requests]


def by_url(listing: ListingPage) -> dict[str, Link]:
    return {link.url: link for link in listing.links}


# --- choosing the adapter -------------------------------------------------------------------------------
def test_adapters_are_ordered_with_generic_last() -> None:
    assert [adapter.NAME for adapter in ADAPTERS] == ["gkmlpt", "hanweb", "trs", "vsb", "generic"]
    assert generic.detect(Page("http://x.gov.cn/", "", None, Request("http://x.gov.cn/")))


@pytest.mark.parametrize(
    ("path", "url", "content_type", "expected"),
    [
        ("trs_list_classic/index.html", "http://www.xxq.gov.cn/zwgk/zfxxgknb/", "text/html", "trs"),
        ("trs_list_new/index.shtml", "http://www.hn.gov.cn/zfxxgk/nb/index.shtml", "text/html", "trs"),
        ("hanweb_col/index.html", "http://www.xx.gov.cn/col/col1229012345/index.html", "text/html", "hanweb"),
        ("hanweb_col/dataproxy.xml", "http://www.xx.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3",
         "text/xml", "hanweb"),
        ("vsb_list/zfxxgknb.htm", "http://www.xxz.gov.cn/xxgk/zfxxgknb.htm", "text/html", "vsb"),
        ("gkmlpt/index.html", "http://www.xxq.gov.cn/gkmlpt/index", "text/html", "gkmlpt"),
        ("gkmlpt/api_page1.json", "http://www.xxq.gov.cn/api/all/2154?page=1", None, "gkmlpt"),
    ],
)
def test_adapter_detected_from_the_page(path: str, url: str, content_type: str | None, expected: str) -> None:
    page = fixture(path, url, content_type)
    name = adapter_for(page).NAME
    assert name == expected
    assert parse_listing(page).adapter == expected


def test_a_trs_page_linking_to_gkmlpt_stays_trs() -> None:
    page = html('<a href="/gkmlpt/index">政府信息公开</a><script src="/stat.js?sid=5"></script>'
                '<li><a href="./202501/t20250124_1.html">a</a></li>'
                '<script>createPageHTML(2, 0, "index", "html");</script>')
    assert parse_listing(page).adapter == "trs"


def test_unknown_page_is_generic_and_unknown_adapter_name_refused() -> None:
    page = fixture("gbk_site/List.asp.html", "http://www.ksz.gov.cn/xxgk/List.asp?ClassID=12", encoding="gb18030")
    assert parse_listing(page).adapter == "generic"
    with pytest.raises(ValueError, match="unknown site adapter"):
        parse_listing(page, "wordpress")


def test_named_adapter_reads_a_page_it_would_not_detect() -> None:
    # A TRS continuation page without TRS markers (a plain list) is still read by the adapter named.
    page = html('<ul><li><a href="./202203/x.html">某某区2021年政府信息公开工作年度报告</a>'
                "<span>2022-03-25</span></li></ul>")
    assert parse_listing(page).adapter == "generic"
    assert parse_listing(page, "trs").adapter == "trs"
    assert parse_listing(page, "trs").links == parse_listing(page).links


@pytest.mark.parametrize("adapter", [adapter.NAME for adapter in ADAPTERS])
@pytest.mark.parametrize(
    "text", ["", "   ", "<?xml version='1.0' encoding='GBK'?>", "{", '{"articles": 5}', "\x00<<<"]
)
def test_empty_or_broken_pages_give_empty_listings(adapter: str, text: str) -> None:
    listing = parse_listing(Page("http://x.gov.cn/a/", text, None, Request("http://x.gov.cn/a/")), adapter)
    assert listing == ListingPage(adapter)


# --- TRS ------------------------------------------------------------------------------------------------
def test_trs_classic_links_titles_dates() -> None:
    listing = parse_listing(fixture("trs_list_classic/index.html", "http://www.xxq.gov.cn/zwgk/zfxxgk/zfxxgknb/"))
    links = by_url(listing)
    first = links["http://www.xxq.gov.cn/zwgk/zfxxgk/zfxxgknb/202501/t20250124_4567890.html"]
    assert first.title == "某某区2024年政府信息公开工作年度报告"  # the title attribute, not the cut text
    assert (first.listed, first.listed_raw) == (date(2025, 1, 24), "2025-01-24")
    cross = links["http://www.xxq.gov.cn/zwgk/bmxxgk/fgj/202501/t20250120_4560001.html"]  # ../../ from the column
    assert cross.listed == date(2025, 1, 20)
    onclick = links["http://www.xxq.gov.cn/zwgk/zfxxgk/zfxxgknb/202303/t20230320_3534737.html"]
    assert (onclick.title, onclick.listed) == ("某某区2022年政府信息公开工作年度报告", date(2023, 3, 20))
    assert not any(url.startswith(("mailto:", "javascript:")) or url.endswith("#") for url in links)
    assert links["http://www.xxq.gov.cn/"].listed is None  # chrome: no date beside it (footer © 2019 is no date)


def test_trs_classic_pages_from_script_and_continuation_agrees() -> None:
    base = "http://www.xxq.gov.cn/zwgk/zfxxgk/zfxxgknb/"
    first = parse_listing(fixture("trs_list_classic/index.html", base))
    assert urls(first.next_pages) == [base + "index_1.html", base + "index_2.html"]
    second = parse_listing(fixture("trs_list_classic/index_1.html", base + "index_1.html"), "trs")
    assert urls(second.next_pages) == [base + "index_2.html"]  # every page but itself, same numbering
    assert [link.title for link in second.links] == ["某某区2021年政府信息公开工作年度报告"]


def test_trs_new_style_numbers_page_two_index_2() -> None:
    listing = parse_listing(fixture("trs_list_new/index.shtml", "http://www.hn.gov.cn/zfxxgk/nb/index.shtml"))
    assert urls(listing.next_pages) == ["http://www.hn.gov.cn/zfxxgk/nb/index_2.shtml",
                                        "http://www.hn.gov.cn/zfxxgk/nb/index_3.shtml"]
    dated = [(link.listed, link.listed_raw) for link in listing.links]
    assert dated == [(date(2025, 3, 18), "2025年03月18日"), (date(2024, 3, 26), "2024年03月26日")]


def test_trs_real_page_link_decides_the_numbering() -> None:
    # The script is the new style (index_2 would be page 2), but the page's own pager says page 2 is index_1.
    page = html(
        '<ul><li><a href="./202501/t20250124_1.html">a</a></li></ul>'
        '<div class="page"><a href="index_1.html">2</a> <a href="index_1.html">下一页</a></div>'
        "<script>createPageHTML('page_div', 3, 1, 'index', 'html', 40);</script>"
    )
    listing = parse_listing(page)
    assert listing.adapter == "trs"
    assert urls(listing.next_pages) == ["http://www.xxq.gov.cn/zwgk/zfxxgknb/index_1.html",
                                        "http://www.xxq.gov.cn/zwgk/zfxxgknb/index_2.html"]


def test_trs_next_link_on_first_page_decides_the_numbering() -> None:
    page = html('<a href="index_2.htm">下一页</a><script>var countPage = 3;'
                'createPageHTML(countPage, 0, "index", "htm");</script>')
    assert urls(parse_listing(page).next_pages) == ["http://www.xxq.gov.cn/zwgk/zfxxgknb/index_2.htm",
                                                    "http://www.xxq.gov.cn/zwgk/zfxxgknb/index_3.htm"]


def test_trs_count_page_without_call_and_single_page() -> None:
    counted = parse_listing(html("<script>var countPage = 2;</script>", "http://a.gov.cn/nb/index.shtml"))
    assert urls(counted.next_pages) == ["http://a.gov.cn/nb/index_1.shtml"]
    single = parse_listing(html('<script>createPageHTML(1, 0, "index", "html");</script>'))
    assert single.next_pages == ()


def test_trs_page_count_is_capped() -> None:
    listing = parse_listing(html('<script>createPageHTML(999999, 0, "index", "html");</script>'))
    assert len(listing.next_pages) == generic.MAX_PAGES
    assert listing.next_pages[-1].url.endswith(f"index_{generic.MAX_PAGES}.html")


# --- Hanweb ---------------------------------------------------------------------------------------------
COL = "http://www.xx.gov.cn/col/col1229012345/index.html"


def test_hanweb_column_reads_the_embedded_datastore() -> None:
    listing = parse_listing(fixture("hanweb_col/index.html", COL))
    assert [(link.url, link.title, link.listed) for link in listing.links] == [
        ("http://www.xx.gov.cn/art/2025/3/28/art_1229012345_59001234.html", "某某县2024年政府信息公开工作年度报告",
         date(2025, 3, 28)),
        ("http://www.xx.gov.cn/art/2024/3/29/art_1229012345_58000001.html", "某某县2023年政府信息公开工作年度报告",
         date(2024, 3, 29)),
    ]  # the records only (not the menu), titles from the title attribute (the text holds a stray <li style=)
    assert urls(listing.sublistings) == ["http://www.xx.gov.cn/col/col1229012399/index.html",
                                         "http://www.xx.gov.cn/col/col1229012398/index.html"]


def test_hanweb_further_records_are_dataproxy_posts() -> None:
    (request,) = parse_listing(fixture("hanweb_col/index.html", COL)).next_pages
    assert request.method == Method.POST
    assert request.url == "http://www.xx.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=32&perpage=10"
    assert request.form == (
        ("col", "1"), ("appid", "1"), ("webid", "25"), ("path", "/"), ("columnid", "1229012345"),
        ("sourceContentType", "1"), ("unitid", "3012345"), ("webname", "某某县"), ("permissiontype", "0"),
    )
    assert request.headers == (("X-Requested-With", "XMLHttpRequest"), ("Referer", COL))


def test_hanweb_dataproxy_answer_is_read_and_continues_the_same_requests() -> None:
    column = fixture("hanweb_col/index.html", COL)
    bigger = Page(COL, column.text.replace("<totalrecord>23<", "<totalrecord>80<"), "text/html", Request(COL))
    planned = parse_listing(bigger).next_pages
    assert [request.url.split("?")[1] for request in planned] == [
        "startrecord=3&endrecord=32&perpage=10", "startrecord=33&endrecord=62&perpage=10",
        "startrecord=63&endrecord=92&perpage=10",
    ]
    answer_text = (SITES / "hanweb_col/dataproxy.xml").read_text("utf-8").replace(">23<", ">80<")
    answer = parse_listing(Page(planned[0].url, answer_text, "text/xml", planned[0]), "hanweb")
    assert answer.next_pages == planned[1:]  # identical requests: the crawl dedups them
    assert [link.url for link in answer.links] == [
        "http://www.xx.gov.cn/art/2020/3/30/art_1229012345_41000001.html",
        "http://www.xx.gov.cn/art/2021/3/26/art_1229012345_45000002.html",
    ]
    assert answer.links[0].listed == date(2020, 3, 30)


def test_hanweb_answer_links_resolve_against_the_column_page() -> None:
    request = Request(f"http://www.xx.gov.cn{hanweb.PROXY_PATH}?startrecord=1&endrecord=45&perpage=15", Method.POST,
                      headers=(("Referer", "http://www.xx.gov.cn/sub/col/col7/index.html"),))
    xml = ("<datastore><recordset><record><![CDATA[<li><a href='../../art/x.html'>t</a></li>]]></record>"
           "</recordset></datastore>")
    (link,) = parse_listing(Page(request.url, xml, "text/xml", request), "hanweb").links
    assert link.url == "http://www.xx.gov.cn/sub/art/x.html"  # not /module/art/x.html


def test_hanweb_without_unit_follows_the_next_group_link() -> None:
    page = html(
        '<div class="list"><script type="text/xml"><datastore><totalrecord>50</totalrecord>'
        '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=2&amp;appid=1"></a>]]></nextgroup>'
        "<recordset><record><![CDATA[<tr><td><a href='/art/2025/1/2/art_1_2.html'>"
        "某某县2024年政府信息公开工作年度报告</a>"
        "</td><td>2025-01-02</td></tr>]]></record></recordset></datastore></script></div>",
        "http://www.xx.gov.cn/xxgk/nb/index.html",
    )
    listing = parse_listing(page, "hanweb")
    assert urls(listing.next_pages) == ["http://www.xx.gov.cn/module/web/jpage/dataproxy.jsp?page=2&appid=1"]
    assert [(link.url, link.listed) for link in listing.links] == [
        ("http://www.xx.gov.cn/art/2025/1/2/art_1_2.html", date(2025, 1, 2))]  # <tr> records keep their row


# --- VSB ------------------------------------------------------------------------------------------------
def test_vsb_pages_count_down() -> None:
    entry = parse_listing(fixture("vsb_list/zfxxgknb.htm", "http://www.xxz.gov.cn/xxgk/zfxxgknb.htm"))
    assert urls(entry.next_pages) == ["http://www.xxz.gov.cn/xxgk/zfxxgknb/2.htm",
                                      "http://www.xxz.gov.cn/xxgk/zfxxgknb/1.htm"]
    links = by_url(entry)
    assert links["http://www.xxz.gov.cn/info/1050/64208.htm"].listed == date(2025, 1, 15)
    assert links["http://www.xxz.gov.cn/info/1050/60111.htm"].title == "某某镇2023年政府信息公开工作年度报告"
    page_two = parse_listing(fixture("vsb_list/zfxxgknb_2.htm", "http://www.xxz.gov.cn/xxgk/zfxxgknb/2.htm"), "vsb")
    assert set(urls(page_two.next_pages)) == {"http://www.xxz.gov.cn/xxgk/zfxxgknb/1.htm",
                                              "http://www.xxz.gov.cn/xxgk/zfxxgknb.htm"}
    assert by_url(page_two)["http://www.xxz.gov.cn/info/1050/51234.htm"].listed == date(2023, 1, 30)


def test_vsb_pages_between_are_computed_from_the_highest_number() -> None:
    page = html('<!--Announced by Visual SiteBuilder 9--><div class="pb_sys_common"><a href="tzgg/77.htm">下页</a>'
                '<a href="tzgg/1.htm">尾页</a></div>', "http://www.u.edu.cn/tzgg.htm")
    listing = parse_listing(Page(page.url, page.text.replace("<!--Announced", "<!-- Announced"), None, page.request),
                            "vsb")
    assert len(listing.next_pages) == 77
    assert listing.next_pages[0].url == "http://www.u.edu.cn/tzgg/77.htm"
    assert listing.next_pages[-1].url == "http://www.u.edu.cn/tzgg/1.htm"


def test_vsb_old_list_jsp_pages() -> None:
    url = "http://www.u.edu.cn/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1029"
    page = html('<a href="list.jsp?totalpage=4&PAGENUM=2&urltype=tree.TreeTempUrl&wbtreeid=1029">下一页</a>', url)
    assert urls(vsb.parse(page).next_pages) == [
        f"http://www.u.edu.cn/list.jsp?totalpage=4&PAGENUM={number}&urltype=tree.TreeTempUrl&wbtreeid=1029"
        for number in (2, 3, 4)
    ]


# --- gkmlpt ---------------------------------------------------------------------------------------------
def test_gkmlpt_shell_asks_the_api() -> None:
    listing = parse_listing(fixture("gkmlpt/index.html", "http://www.xxq.gov.cn/gkmlpt/index#2154"))
    assert urls(listing.next_pages) == ["http://www.xxq.gov.cn/gkmlpt/api/all/2154?page=1&sid=755031"]
    # The category from the request when the final URL lost its fragment; none known: no request.
    text = (SITES / "gkmlpt/index.html").read_text("utf-8")
    moved = Page("http://www.xxq.gov.cn/gkmlpt/index", text, "text/html",
                 Request("http://www.xxq.gov.cn/gkmlpt/index#/2154"))
    assert urls(gkmlpt.parse(moved).next_pages) == ["http://www.xxq.gov.cn/gkmlpt/api/all/2154?page=1&sid=755031"]
    lost = Page("http://www.xxq.gov.cn/gkmlpt/index", text, "text/html", Request("http://www.xxq.gov.cn/gkmlpt/index"))
    assert gkmlpt.parse(lost).next_pages == ()


def test_gkmlpt_api_page_links_in_beijing_time_and_pages() -> None:
    api = "http://www.xxq.gov.cn/gkmlpt/api/all/2154?page=1&sid=755031"
    listing = parse_listing(fixture("gkmlpt/api_page1.json", api, "application/json"), "gkmlpt")
    assert [(link.url, link.listed, link.listed_raw) for link in listing.links] == [
        ("http://www.xxq.gov.cn/gkmlpt/content/11/11234567/post_11234567.html", date(2025, 1, 17), "1737100800"),
        # 2024-01-30 16:30 UTC is 2024-01-31 00:30 in Beijing; the relative post_url resolves on the host
        ("http://www.xxq.gov.cn/gkmlpt/content/10/10230001/post_10230001.html", date(2024, 1, 31), "1706632200"),
    ]
    assert urls(listing.next_pages) == [api.replace("page=1", f"page={n}") for n in (0, 2, 3)]
    later = parse_listing(fixture("gkmlpt/api_page1.json", api.replace("page=1", "page=2"), None), "gkmlpt")
    assert later.next_pages == ()  # the first page named them all
    assert len(later.links) == 2  # JSON recognised without a content type


def test_gkmlpt_milliseconds_printed_dates_and_bad_items() -> None:
    text = ('{"articles": [{"title": "a", "url": "http://g.gov.cn/a.html", "create_time": 1737100800000},'
            '{"title": "b", "url": "http://g.gov.cn/b.html", "created_at": "2025-01-17 09:00:00"},'
            '{"title": "c"}, 7, {"title": ["x"], "url": "javascript:alert(1)"},'
            '{"title": "d", "url": "http://g.gov.cn/d.html", "create_time": 1e300}]}')
    url = "http://g.gov.cn/gkmlpt/api/all/1?page=3&sid=1"
    listing = parse_listing(Page(url, text, "application/json", Request(url)), "gkmlpt")
    assert [(link.title, link.listed) for link in listing.links] == [
        ("a", date(2025, 1, 17)), ("b", date(2025, 1, 17)), ("d", None)]
    assert urls(listing.next_pages) == ["http://g.gov.cn/gkmlpt/api/all/1?page=4&sid=1"]  # no total: the next one


# --- generic reading, dates, links ----------------------------------------------------------------------
def test_gbk_table_page_decoded_already() -> None:
    page = fixture("gbk_site/List.asp.html", "http://www.ksz.gov.cn/xxgk/List.asp?ClassID=12", encoding="gb18030")
    listing = parse_listing(page)
    report = by_url(listing)["http://www.ksz.gov.cn/xxgk/ShowArticle.asp?ArticleID=1208"]
    assert report.title == "堃山镇2024年政府信息公开工作年度报告（镕城社区代编）"
    assert (report.listed, report.listed_raw) == (date(2025, 1, 27), "2025-01-27")  # printed as [2025-01-27]
    assert urls(listing.next_pages) == ["http://www.ksz.gov.cn/xxgk/List.asp?ClassID=12&page=2"]


@pytest.mark.parametrize(
    ("row", "expected", "raw"),
    [
        ("<span>2025-01-24</span>", date(2025, 1, 24), "2025-01-24"),
        ("<span>2025/1/24</span>", date(2025, 1, 24), "2025/1/24"),
        ("<em>2025年1月24日</em>", date(2025, 1, 24), "2025年1月24日"),
        ("[2025-01-24]", date(2025, 1, 24), "2025-01-24"),
        ("<span>２０２５－０１－２４</span>", date(2025, 1, 24), "２０２５－０１－２４"),
        ("<span>2025-01-24 16:30</span>", date(2025, 1, 24), "2025-01-24"),
        ("<span>2025-02-30</span>", None, ""),
        ("<span>浏览 12 次</span>", None, ""),
    ],
)
def test_dates_beside_a_link(row: str, expected: date | None, raw: str) -> None:
    (link,) = parse_listing(html(f'<ul><li><a href="a.html">关于2023年1月1日施行的规定</a>{row}</li></ul>')).links
    assert (link.listed, link.listed_raw) == (expected, raw)  # never the date inside the title


def test_dates_in_other_row_shapes() -> None:
    listing = parse_listing(html(
        '<table><tr><td>1</td><td><a href="t.html">t</a></td><td>2025-01-20</td><td>2025-01-24</td></tr></table>'
        '<div class="item"><a href="d.html">d</a><span class="date">2024-12-01</span></div>'
        '<a href="in.html"><span class="t">标题</span><span class="d">2024-11-11</span></a>'
        '<div><a href="x.html">x</a> <a href="y.html">y</a> 2024-10-10</div>'
    ))
    dates = {link.url.rsplit("/", 1)[1]: link.listed for link in listing.links}
    assert dates == {"t.html": date(2025, 1, 24),  # a list table: 发布日期 after 成文日期
                     "d.html": date(2024, 12, 1), "in.html": date(2024, 11, 11),
                     "x.html": None, "y.html": None}  # two links share the date: neither gets it


def test_links_from_scripts_base_href_and_skipped_schemes() -> None:
    page = html(
        '<base href="http://static.xxq.gov.cn/nb/">'
        '<a href="a.html" title="  某某区\n 2024年 ">x</a>'
        "<a href=\"javascript:window.open('/b.html')\">b</a>"
        "<li onclick=\"location.href='c.html'\">c</li>"
        '<a href="mailto:x@y.cn">m</a><a href="#top">t</a><a href="javascript:void(0)">v</a>'
        '<a href="tel:123">tel</a><a href="http://[::1">bad</a><a href="  ">blank</a>'
        '<a href="a.html"><img alt="dup"></a>'
    )
    listing = parse_listing(page)
    assert [(link.url, link.title) for link in listing.links] == [
        ("http://static.xxq.gov.cn/nb/a.html", "某某区 2024年"),
        ("http://static.xxq.gov.cn/b.html", "b"),
        ("http://static.xxq.gov.cn/nb/c.html", "c"),
    ]


def test_anchor_wins_over_a_clickable_row_with_the_same_url() -> None:
    page = html("<table><tr onclick=\"location.href='a.html'\"><td>1</td>"
                '<td><a href="a.html">某某区2024年政府信息公开工作年度报告</a></td><td>2025-01-24</td></tr>'
                "<tr onclick=\"location.href='b.html'\"><td>某某区2023年政府信息公开工作年度报告</td></tr></table>")
    assert [(link.url[-6:], link.title, link.listed) for link in parse_listing(page).links] == [
        ("a.html", "某某区2024年政府信息公开工作年度报告", date(2025, 1, 24)),
        ("b.html", "某某区2023年政府信息公开工作年度报告", None),
    ]


def test_a_listing_never_asks_for_itself_under_another_spelling() -> None:
    page = html('<a href="/zwgk/zfxxgknb/">政府信息公开年报</a><a href="index.html#top">1</a>'
                '<a href="nb_2024n/">2024年</a>')
    listing = parse_listing(page)
    assert urls(listing.sublistings) == ["http://www.xxq.gov.cn/zwgk/zfxxgknb/nb_2024n/"]
    assert listing.next_pages == ()


def test_sublistings_stay_on_the_site() -> None:
    page = html('<a href="http://xxgk.xxq.gov.cn/nb/2024n/">2024年</a><a href="http://www.other.gov.cn/nb/">2023年</a>'
                '<a href="http://127.0.0.1:8080/nb/">部门年报</a>')
    assert urls(parse_listing(page).sublistings) == ["http://xxgk.xxq.gov.cn/nb/2024n/"]


def test_sublistings_are_year_folders_and_report_columns() -> None:
    listing = parse_listing(fixture("annual_titles/index.html", "http://www.xxq.gov.cn/zwgk/zfxxgknb/"))
    assert urls(listing.sublistings) == [
        "http://www.xxq.gov.cn/zwgk/zfxxgknb/nb_2024n/", "http://www.xxq.gov.cn/zwgk/zfxxgknb/nb_2023n/index.html",
        "http://www.xxq.gov.cn/zwgk/zfxxgknb/gknb2022/", "http://www.xxq.gov.cn/zwgk/zfxxgknb/bmnb/",
    ]
    page = html('<a href="/a/2024nb/">往年</a><a href="/a/2024/">2024</a><a href="/a/202401/">一月</a>'
                '<a href="/a/2024n.pdf">2024年</a><a href="/a/x.html">2024年度部门决算</a>'
                '<a href="/a/y.html">某某区2024年政府信息公开工作年度报告</a><a href="/a/jd/">年报解读</a>')
    assert urls(parse_listing(page).sublistings) == ["http://www.xxq.gov.cn/a/2024nb/", "http://www.xxq.gov.cn/a/2024/"]


def test_work_is_capped_on_hostile_pages() -> None:
    many = html("".join(f'<li><a href="/{n}.html">{n}</a><span>2025-01-01</span></li>' for n in range(6000)))
    started = time.monotonic()
    assert len(parse_listing(many).links) == generic.MAX_LINKS
    hostile = html(
        "<div>" + "2025-" + " " * 200_000 + "</div>"
        + "<ul>" + '<li><a href="x.html">' + "9" * 100_000 + "</a>" + " 2025年 " * 20_000 + "</li></ul>"
        + "<script>" + "createPageHTML(" * 50_000 + "</script>" + "jpageform_" * 50_000 + "unitid=" * 50_000
    )
    for adapter in ADAPTERS:
        adapter.parse(hostile)
    deep = html("<div>" * 1000 + '<a href="z.html">z</a> 2025-01-01' + "</div>" * 1000)
    assert parse_listing(deep).links[0].url.endswith("/z.html")  # chrome nesting deeper than 256 is read
    parse_listing(html("<div>" * 50_000 + "</div>" * 50_000))
    assert time.monotonic() - started < 20


# --- report pages (scrapers.article) --------------------------------------------------------------------
ARTICLE = "http://www.xxq.gov.cn/zwgk/zfxxgknb/202501/t20250124_4567890.html"


def test_attachment_after_the_body_and_the_full_report_body() -> None:
    page = fixture("articles/trs_article.html", ARTICLE)
    assert article.attachments(page) == (
        Link("http://www.xxq.gov.cn/zwgk/zfxxgknb/202501/P020250124563412345678.pdf",
             "某某区2024年政府信息公开工作年度报告.pdf"),
    )
    assert not article.link_only(page)  # sections and a table of figures


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("articles/trs_linkonly.html", [("http://www.xxq.gov.cn/zwgk/zfxxgknb/202501/P020250124999900001111.docx",
                                         "某某区司法局2024年政府信息公开工作年度报告.docx")]),
        ("articles/vsb_article.html", [
            ("http://www.xxq.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1234567890"
             "&wbfileid=7654321", "年报.pdf"),
            ("http://www.xxq.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1234567890"
             "&wbfileid=a3f9c2d4e5b6a7c8d9e0f1a2b3c4d5e6", "统计表"),
        ]),
        ("articles/hanweb_article.html", [
            ("http://www.xxq.gov.cn/module/download/downfile.jsp?classid=0&filename=2503281705123.pdf",
             "某某县2024年年报")]),
        ("articles/plain_linkonly.html", [("http://www.xxq.gov.cn/uploadfile/2025/0127/20250127093512345.wps",
                                           "堃山镇2024年年报")]),
    ],
)
def test_pages_that_are_only_a_link(path: str, expected: list[tuple[str, str]]) -> None:
    page = fixture(path, ARTICLE)
    assert [(link.url, link.title) for link in article.attachments(page)] == expected
    assert article.link_only(page)


def test_attachments_by_text_viewer_and_once_each() -> None:
    page = html(
        '<a href="/files/a.PDF">下载</a><a href="/files/a.PDF">a.pdf</a>'
        '<a href="/down.do?id=3">年报.docx（56KB）</a>'
        '<a href="/other/page.html">另一篇：某某区2023年年报.pdf</a>'
        '<a href="/f/b.zip" title="打包下载"><img src="zip.png"></a>'
        '<iframe src="/pdfjs/web/viewer.html?file=/uploads/c.ofd"></iframe>'
        '<a href="/pic/x.jpg">图片</a><a href="https://other.gov.cn/y.xlsx">表</a>'
    )
    assert [(link.url, link.title) for link in article.attachments(page)] == [
        ("http://www.xxq.gov.cn/files/a.PDF", "下载"),
        ("http://www.xxq.gov.cn/down.do?id=3", "年报.docx（56KB）"),
        ("http://www.xxq.gov.cn/f/b.zip", "打包下载"),
        ("http://www.xxq.gov.cn/uploads/c.ofd", "c.ofd"),
        ("https://other.gov.cn/y.xlsx", "表"),
    ]


def test_link_only_needs_an_attachment_and_little_text() -> None:
    assert not article.link_only(html('<div class="TRS_Editor"><p>详见附件。</p></div>'))  # nothing attached
    long_text = "本机关依法推进各项工作，" * 60
    assert not article.link_only(html(f'<div class="TRS_Editor"><p>{long_text}</p><a href="a.pdf">a.pdf</a></div>'))
    headings = "".join(f"<p>{n}、{title}</p>" for n, title in [("一", "总体情况"), ("二", "主动公开政府信息情况")])
    assert not article.link_only(html(f'<div class="x">{headings}</div><a href="a.pdf">a.pdf</a>'))
    short_sections = "<p>（一）总体情况</p><p>（二）主动公开政府信息情况</p>"  # numbered otherwise, short
    assert not article.link_only(html(f'<div class="TRS_Editor">{short_sections}</div><a href="a.pdf">a.pdf</a>'))
    # The report's sections outside what looked like the container: the page is the report.
    assert not article.link_only(html(f'<div class="content"><a href="a.pdf">a.pdf</a></div><div>{headings}</div>'))
    figures = "<table>" + "<tr><td>项目</td>" + "<td>12</td>" * 9 + "</tr></table>"
    assert not article.link_only(html(f'<div id="zoom">{figures}<a href="a.pdf">a.pdf</a></div>'))


@pytest.mark.parametrize(
    ("url", "site", "expected"),
    [
        ("http://www.xxq.gov.cn/a.html", "http://www.xxq.gov.cn/zwgk/", True),
        ("https://www.xxq.gov.cn:8443/a.pdf", "http://www.xxq.gov.cn/", True),
        ("http://xxgk.xxq.gov.cn/nb/", "http://www.xxq.gov.cn/zwgk/", True),
        ("http://WWW.XXQ.GOV.CN./a", "www.xxq.gov.cn", True),
        ("http://www.other.gov.cn/a.html", "http://www.xxq.gov.cn/", False),
        ("http://www.gov.cn/a.html", "http://www.xxq.gov.cn/", False),
        ("http://xxq.gov.cn.evil.com/a", "http://www.xxq.gov.cn/", False),
        ("http://a.example.com/x", "http://b.example.com/", False),
        ("http://b.example.com/x", "http://b.example.com:81/", True),
        ("http://127.0.0.2:8001/a", "http://127.0.0.2:8001/list/", True),
        ("http://127.0.0.2:8002/a", "http://127.0.0.2:8001/list/", False),
        ("http://127.0.0.3:8001/a", "http://127.0.0.2:8001/list/", False),
        ("http://127.0.0.2/a", "http://127.0.0.2:80/", True),
        ("http://[::1]:8001/a", "http://[::1]:8001/", True),
        ("http://127.0.0.2:99999/a", "http://127.0.0.2:8001/", False),
        ("mailto:a@xxq.gov.cn", "http://www.xxq.gov.cn/", False),
    ],
)
def test_same_site(url: str, site: str, expected: bool) -> None:
    assert article.same_site(url, site) is expected


def test_trs_and_vsb_modules_share_the_generic_reading() -> None:
    page = html('<ul><li><a href="a.html">a</a><span>2025-01-01</span></li></ul>')
    assert trs.parse(page).links == vsb.parse(page).links == generic.parse(page).links


def test_a_folder_named_with_digits_that_are_no_report_year_is_no_sublisting() -> None:
    # the bench farm's agency folders a1900/ … a1999/ were read as year folders and fetched (404)
    page = html('<a href="../">a1921</a><a href="/a1921/">返回</a><a href="nb_2024n/">2024年</a>',
                url="http://127.0.0.2:8000/a1921/zfxxgknb/index.html")
    assert urls(parse_listing(page).sublistings) == ["http://127.0.0.2:8000/a1921/zfxxgknb/nb_2024n/"]
