"""The fixture farm's own sanity (tests/farm): hosts, validators, the CMS endpoints, GBK bytes, the
request log, mutations, faults, blocked answers, the ground truth and every served report."""

from __future__ import annotations

import http.client
import re
import socket
import time
from datetime import date
from urllib.parse import urlsplit

import pytest
import requests
from farm import DEFAULT_NOW, FIRST_YEAR, build_bench_farm, build_farm

from monitor.config import Agency
from monitor.pipeline import check_document, read
from rules import Context, evaluate


@pytest.fixture(scope="module")
def farm():
    with build_farm(slow_seconds=1.5, drip_interval=0.2) as f:
        yield f


@pytest.fixture
def fresh():
    """A farm of its own, for tests that change it."""
    with build_farm(slow_seconds=1.5, drip_interval=0.2) as f:
        yield f


def get(url: str, **kw) -> requests.Response:
    kw.setdefault("timeout", 5)
    kw.setdefault("allow_redirects", False)
    return requests.get(url, **kw)


# --- hosts and validators -------------------------------------------------------------------------
def test_every_host_answers_on_its_own_loopback_address(farm) -> None:
    addresses = {farm.address(name) for name in farm.sites}
    assert len(addresses) == len(farm.sites) and all(a.startswith("127.0.0.") for a in addresses)
    for name in farm.sites:
        assert get(farm.url(name, "/")).status_code in (200, 302, 412, 488, 521), name


def test_conditional_get_gives_304_without_body(farm) -> None:
    for agency in ("trs-district", "trs-city", "hanweb-county", "vsb-town", "generic-xxgk", "gbk-town"):
        url = farm.expected[agency].listing_pages[0]
        first = get(url)
        assert first.status_code == 200
        etag, modified = first.headers.get("ETag"), first.headers.get("Last-Modified")
        assert etag or modified
        if etag:
            again = get(url, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
            assert get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        if modified:
            again = get(url, headers={"If-Modified-Since": modified})
            assert again.status_code == 304 and again.content == b""
            assert get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    # a PDF as well
    pdf = farm.expected["trs-district"].years[2022].url
    tag = get(pdf).headers["ETag"]
    assert get(pdf, headers={"If-None-Match": tag}).status_code == 304


# --- the CMS endpoints ----------------------------------------------------------------------------
def test_trs_pagination_as_the_scripts_say(farm) -> None:
    pages = farm.expected["trs-district"].listing_pages
    assert [urlsplit(p).path.rsplit("/", 1)[1] for p in pages] == ["index.html", "index_1.html", "index_2.html"]
    for i, page in enumerate(pages):
        text = get(page).text
        assert f'createPageHTML(3,{i},"index","html")' in text and "var countPage = 3" in text
    new = farm.expected["trs-city"].listing_pages
    assert [urlsplit(p).path.rsplit("/", 1)[1] for p in new] == ["index.shtml", "index_2.shtml", "index_3.shtml"]
    assert "createPageHTML('page_div',3,1,'index','shtml',45)" in get(new[0]).text
    assert sum(get(p).text.count("target=\"_blank\" title=") for p in new) == 45
    first = get(pages[0]).text
    assert "../../bmxxgk/fgj/202502/t20250203_" in first and 'href="./nb_2024n/"' in first


def test_hanweb_column_and_dataproxy(farm) -> None:
    column = farm.expected["hanweb-county"].listing_pages[0]
    page = get(column).text
    assert '<div class="main_list"><ul></ul></div>' in page and "jpageform_268541" in page
    embedded = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", page)
    assert len(embedded) == 15
    proxy = farm.url("hanweb", "/module/web/jpage/dataproxy.jsp")
    form = {"col": "1", "appid": "1", "webid": "25", "path": "/", "columnid": "31251", "sourceContentType": "1",
            "unitid": "268541", "webname": "石门县人民政府", "permissiontype": "0"}
    answer = requests.post(proxy, params={"startrecord": 1, "endrecord": 45, "perpage": 15}, data=form, timeout=5,
                           headers={"X-Requested-With": "XMLHttpRequest", "Referer": column})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/xml")
    xml = answer.text
    assert "<totalrecord>32</totalrecord>" in xml and "<totalpage>3</totalpage>" in xml
    records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", xml)
    assert len(records) == 32 and records[:15] == embedded
    later = requests.post(proxy, params={"startrecord": 16, "endrecord": 30, "perpage": 15}, data=form, timeout=5).text
    assert re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", later) == records[15:30]
    truth = farm.expected["hanweb-county"]
    for year in (2021, 2022):  # only behind the proxy
        path = urlsplit(truth.years[year].url).path
        assert path not in page and any(path in r for r in records[15:])
        assert re.search(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_31251_\d+\.html", path)
    wrong = requests.post(proxy, params={"startrecord": 1, "endrecord": 45, "perpage": 15},
                          data=dict(form, unitid="1"), timeout=5).text
    assert "<totalrecord>0</totalrecord>" in wrong
    log = [r for r in farm.requests_to("hanweb") if r.method == "POST"]
    assert log and log[-1].form["unitid"] == ["1"] and "startrecord=1" in log[-1].target


def test_gkmlpt_shell_and_api(farm) -> None:
    truth = farm.expected["gkmlpt-district"]
    shell = get(truth.listing[0].split("#")[0]).text
    assert "SID: '755031'" in shell and '<div id="app"></div>' in shell
    seen = []
    for page in (1, 2, 3):
        answer = get(farm.url("gkmlpt", f"/gkmlpt/api/all/2847?page={page}&sid=755031"))
        body = answer.json()
        assert body["total"] == 23
        seen += body["articles"]
        again = get(answer.url, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304
    assert len(seen) == 23 and len({a["id"] for a in seen}) == 23
    assert all(isinstance(a["create_time"], int) and re.search(r"/gkmlpt/content/.*/post_\d+\.html$", a["url"])
               for a in seen)
    latest = next(a for a in seen if a["url"] == truth.years[2025].url)
    assert latest["create_time"] == 1771605000  # 2026-02-21 00:30 Beijing = 2026-02-20 16:30 UTC
    assert get(farm.url("gkmlpt", "/gkmlpt/api/all/2847?page=1&sid=1")).json()["total"] == 0


def test_vsb_descending_pages_and_extensionless_docx(farm) -> None:
    truth = farm.expected["vsb-town"]
    assert [urlsplit(p).path for p in truth.listing_pages] == ["/zfxxgknb.htm", "/zfxxgknb/2.htm", "/zfxxgknb/1.htm"]
    first = get(truth.listing_pages[0]).text
    assert 'href="zfxxgknb/2.htm"' in first and 'href="info/1050/64208.htm"' in first
    assert "Visual SiteBuilder" in first
    docx = get(truth.years[2024].url)
    assert docx.headers["Content-Type"] == "application/octet-stream" and docx.content[:2] == b"PK"
    assert docx.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert docx.headers["Content-Disposition"].endswith(".docx")
    article = get(farm.url("vsb", "/info/1050/64208.htm")).text
    assert 'id="vsb_content"' in article and "v_news_content" in article


def test_gbk_bytes_are_gbk_and_not_declared_in_the_header(farm) -> None:
    truth = farm.expected["gbk-town"]
    for url in [truth.listing[0], truth.years[2024].url]:
        answer = get(url)
        assert answer.headers["Content-Type"] == "text/html"
        assert "ETag" not in answer.headers and "Last-Modified" in answer.headers
        with pytest.raises(UnicodeDecodeError):
            answer.content.decode("utf-8")
        text = answer.content.decode("gbk")
        assert "堃山县镕溪镇人民政府" in text and "charset=gb2312" in text
        with pytest.raises(UnicodeDecodeError):
            answer.content.decode("gb2312")  # 堃 and 镕 are not GB2312


# --- the request log ------------------------------------------------------------------------------
def test_request_log_records_arrivals_and_can_be_cleared(fresh) -> None:
    url = fresh.expected["trs-fgj"].listing[0]
    get(url, headers={"User-Agent": "farm-test/1", "If-None-Match": '"x"'})
    time.sleep(0.05)
    get(url)
    log = fresh.requests_to("trs")
    assert [r.status for r in log] == [200, 200] and log[0].headers["User-Agent"] == "farm-test/1"
    assert log[0].conditional and not log[1].conditional and log[0].target == urlsplit(url).path
    assert log[0].arrival <= log[0].end <= log[1].arrival and fresh.gaps("trs")[0] >= 0.05
    assert fresh.max_concurrency("trs") == 1 and log[0].bytes_sent > 1000
    fresh.clear()
    assert fresh.requests == []


# --- mutations ------------------------------------------------------------------------------------
def test_revise_remove_publish(fresh) -> None:
    truth = fresh.expected["trs-fgj"]
    listing = truth.listing[0]
    before = get(listing)
    page = truth.years[2023].url
    tag = get(page).headers["ETag"]
    url, cells = fresh.revise_report("trs-fgj", 2023)
    assert url == page and cells and get(page, headers={"If-None-Match": tag}).status_code == 200
    old_tag = before.headers["ETag"]
    fresh.revise(listing, "<html><body>新栏目</body></html>")
    assert get(listing, headers={"If-None-Match": old_tag}).status_code == 200
    # remove: 404, and the district's listing (which links to it) drops it too
    gone = truth.years[2024].url
    district_page = fresh.expected["trs-district"].listing_pages[0]
    tag = get(district_page).headers["ETag"]
    fresh.remove(gone)
    assert get(gone).status_code == 404
    page = get(district_page, headers={"If-None-Match": tag})
    assert page.status_code == 200 and urlsplit(gone).path.split("/")[-1] not in page.text
    # publish: the pending report appears at the top of its column
    column = fresh.expected["hanweb-edu"].listing[0]
    assert "2025年" not in get(column).text
    pending = fresh.publish_pending("hanweb-edu")
    assert pending.status == "published" and pending.late and pending.published == date(2026, 3, 20)
    text = get(column).text
    assert text.index("2025年政府信息公开工作年度报告") < text.index("2024年政府信息公开工作年度报告")
    assert urlsplit(pending.url).path in text and fresh.expected["hanweb-edu"].years[2025].url == pending.url
    assert ("hanweb-edu", 2025) not in fresh.timeliness(DEFAULT_NOW, pending_published=True).missing


def test_revise_report_changes_only_the_named_cells(fresh) -> None:
    url = fresh.expected["gkmlpt-district"].years[2024].url
    old = read(get(url).content, url)
    url, cells = fresh.revise_report("gkmlpt-district", 2024)
    new = read(get(url).content, url)
    changed = {f"{t}.{r}.{f}" for t, rows in new.tables.items() for r, fields in rows.items() for f in fields
               if old.value(t, r, f) != new.value(t, r, f)}
    assert changed == set(cells)


# --- faults -----------------------------------------------------------------------------------------
def test_faults_behave(farm) -> None:
    slow = farm.expected["fault-timeout"].listing[0]
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(slow, timeout=0.3)
    flaky = farm.expected["fault-flaky"].listing[0]
    farm.reset_faults()
    assert [get(flaky).status_code for _ in range(3)] == [500, 500, 200]
    assert get(farm.expected["fault-down"].listing[0]).status_code == 500
    with pytest.raises(requests.exceptions.ConnectionError):
        get(farm.expected["fault-reset"].listing[0])
    loop = farm.expected["fault-loop"].listing[0]
    with pytest.raises(requests.exceptions.TooManyRedirects):
        requests.get(loop, timeout=5)
    private = get(farm.expected["fault-private"].listing[0])
    assert private.status_code == 302 and private.headers["Location"].startswith(farm.origin("intranet"))
    # drip: one byte per interval, Content-Length announced
    drip = farm.expected["fault-drip"].years[2025].url
    parts = urlsplit(drip)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", parts.path)
    response = connection.getresponse()
    started = time.monotonic()
    assert int(response.headers["Content-Length"]) > 10_000 and response.read(3) and response.read(2)
    assert time.monotonic() - started >= 0.6
    connection.close()
    # endless: more than any cap, never a Content-Length
    endless = farm.expected["fault-endless"].years[2025].url
    with requests.get(endless, stream=True, timeout=5) as answer:
        assert "Content-Length" not in answer.headers
        size = 0
        for chunk in answer.iter_content(256 * 1024):
            size += len(chunk)
            if size > 8 * 2**20:
                break
    assert size > 8 * 2**20


def test_blocked_answers(farm) -> None:
    ruishu = get(farm.expected["blocked-ruishu"].listing[0])
    assert ruishu.status_code == 412 and "$_ts" in ruishu.text and 'r="m"' in ruishu.text and ruishu.cookies
    jsl = get(farm.expected["blocked-jsl"].listing[0])
    assert jsl.status_code == 521 and "document.cookie='__jsl_clearance=" in jsl.text
    assert get(farm.expected["blocked-waf"].listing[0]).status_code == 488
    captcha = get(farm.expected["blocked-captcha"].listing[0])
    assert captcha.status_code == 200 and "验证码" in captcha.text
    soft = get(farm.expected["blocked-soft404"].listing[0])
    assert soft.status_code == 200 and "您访问的页面不存在" in soft.text and len(soft.content) < 2048
    moved = get(farm.expected["blocked-moved"].listing[0])
    assert moved.status_code == 302 and moved.headers["Location"] == "/"
    robots = farm.expected["blocked-robots"]
    assert get(farm.url("robots", "/robots.txt")).text == "User-agent: *\nDisallow: /\n"
    assert get(robots.listing[0]).status_code == 200  # there, but not to be fetched
    assert {a.blocked for a in farm.expected.values() if a.blocked} == {
        "challenge", "waf", "captcha", "soft-404", "home-redirect", "robots"}


# --- ground truth -------------------------------------------------------------------------------------
def test_registry_is_valid_and_truth_is_consistent(farm) -> None:
    registry = farm.registry()
    agencies = [Agency(**entry) for entry in registry]
    ids = {a.id for a in agencies}
    assert len(ids) == len(agencies) and all(a.parent in ids for a in agencies if a.parent)
    for a in agencies:
        assert all(u.startswith("http://127.0.0.") for u in a.listing)
    for truth in farm.expected.values():
        for year, y in truth.stored().items():
            assert y.url and y.published and y.deadline and y.published == min(y.claims.values()), (truth.id, year)
            assert y.late == (y.published > y.deadline)
    expected = farm.timeliness(DEFAULT_NOW)
    assert expected.late == {("trs-fgj", 2024), ("trs-city", 2024), ("hanweb-county", 2023), ("vsb-town", 2022),
                             ("gkmlpt-district", 2025), ("generic-xxgk", 2024)}
    assert expected.missing == {("hanweb-edu", 2025)}
    assert expected.unsure == {("fault-drip", 2025), ("fault-endless", 2025)}
    assert expected.down == {"fault-timeout", "fault-down", "fault-reset", "fault-loop", "fault-private"}
    assert len(expected.blocked) == 7
    assert farm.timeliness(date(2026, 1, 31)).missing == set()  # on the deadline day: not yet missing


def test_every_served_report_reads_as_its_agency_and_year(farm) -> None:
    documents = [doc for doc in farm.documents() if not doc.fault]
    kinds = {doc.media_type for doc in documents}
    assert {"text/html", "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"} <= kinds
    for doc in documents:
        answer = get(doc.url)
        result = check_document(answer.content, doc.url, content_type=answer.headers.get("Content-Type"))
        assert (result.report.agency, result.report.year) == (doc.agency, doc.year), doc.url
        assert result.report.template == "2021", doc.url
        assert sorted({f.rule for f in result.findings}) == sorted(doc.findings), (doc.url, result.findings)


def test_stored_series_raise_no_history_findings(farm) -> None:
    """Consecutive years of an agency chain up (上年结转, 现行有效) and don't repeat their text."""
    for truth in farm.expected.values():
        previous = None
        for year, y in sorted(truth.stored().items()):
            answer = get(y.url)
            report = read(answer.content, y.url, answer.headers.get("Content-Type"))
            context = Context(kind=truth.kind, level=truth.level, agency_name=truth.name, previous_year=previous)
            found = {f.rule for f in evaluate(report, context, ("document", "history"))}
            assert found == set(y.findings), (truth.id, year, found)
            previous = report
        assert not truth.blocked or not truth.years
        assert all(y >= FIRST_YEAR for y in truth.years)


# --- the bench farm -------------------------------------------------------------------------------------
def test_bench_farm_starts_fast_and_serves_reports() -> None:
    started = time.monotonic()
    bench = build_bench_farm(300, 6, seed=3)
    with bench:
        assert time.monotonic() - started < 3
        registry = bench.registry()
        assert len(registry) == 300 and len({a["name"] for a in registry}) == 300
        assert {len(v) for v in bench.expected.values()} == {2, 3}
        entry = registry[7]
        listing = get(entry["listing"][0])
        assert listing.status_code == 200 and listing.headers["ETag"]
        assert get(entry["listing"][0], headers={"If-None-Match": listing.headers["ETag"]}).status_code == 304
        url = bench.expected[entry["id"]][2025]
        assert "./" + "/".join(url.split("/")[-2:]) in listing.text
        report = check_document(get(url).content, url)
        assert (report.report.agency, report.report.year, report.findings) == (entry["name"], 2025, [])
        host = bench.host_of[entry["id"]]
        assert len(bench.requests_to(host)) == 3 and bench.min_gaps()[host] >= 0


def test_farm_stops_cleanly() -> None:
    with build_farm() as f:
        address = f.host("trs")
    host, port = address.split(":")
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=0.5)


def test_registry_toml_loads_as_monitor_config(farm, tmp_path) -> None:
    from monitor.config import load_settings

    path = tmp_path / "monitor.toml"
    path.write_text('[crawl]\nallow_private_addresses = true\n\n' + farm.registry_toml(), encoding="utf-8")
    settings = load_settings(path)
    assert [a.id for a in settings.agency] == list(farm.truth)
    assert settings.agency[0].listing == farm.registry()[0]["listing"]
