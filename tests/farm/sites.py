"""The fixture farm: one realistic site per CMS family, blocked hosts and faulty hosts, with the
ground truth of every registered agency (`build_farm()`; see tests/farm/__init__.py).

Report years 2021–2025 (published 2022–2026); all names, domains and numbers are made up. The
dates below are the claims pages make; `YearTruth.published` is the earliest credible one.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from synth import Doc, Tables

from . import reports
from .pages import (
    Article,
    GbkListing,
    GenericListing,
    GkmlptCatalog,
    HanwebColumn,
    SiteInfo,
    TrsListing,
    VsbListing,
    e,
    gbk_article,
    generic_article,
    gkmlpt_article,
    hanweb_article,
    header,
    mount_dataproxy,
    notice_page,
    trs_article,
    vsb_article,
)
from .server import (
    HTML,
    Answer,
    Drip,
    Dynamic,
    Endless,
    Entry,
    Fail,
    FailFirst,
    Farm,
    Handler,
    Redirect,
    Reset,
    Site,
    Slow,
    Static,
    ref,
)
from .truth import (
    FIRST_YEAR,
    AgencyTruth,
    Timeliness,
    Version,
    YearTruth,
    outer_limit,
    registry_toml,
    resolve,
    timeliness,
)

BEIJING = timezone(timedelta(hours=8))
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
YEARS = range(FIRST_YEAR, 2026)
# A sensible `--now` for the ground truth: every 2025 deadline passed, no 2026 one yet.
DEFAULT_NOW = datetime(2026, 4, 15, 9, 0, tzinfo=BEIJING)


def d(text: str) -> date:
    return date.fromisoformat(text)


def _gif() -> bytes:
    """A 1×1 GIF (the images of a （图片版） page)."""
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
            b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def _png(width: int = 8, height: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class DocTruth:
    """A report document the farm serves: who and which year the reader must find in it."""

    def __init__(self, url: str, agency: str, year: int, media_type: str, findings: tuple[str, ...] = (),
                 agency_id: str | None = None, fault: str = "") -> None:
        self.url, self.agency, self.year, self.media_type = url, agency, year, media_type
        self.findings, self.agency_id, self.fault = findings, agency_id, fault

    def __repr__(self) -> str:
        return f"DocTruth({self.url!r}, {self.agency!r}, {self.year})"


class FixtureFarm(Farm):
    """The farm of `build_farm`, with its ground truth and the scripted changes between crawls."""

    def __init__(self, seed: int = 0, *, slow_seconds: float = 8.0, drip_interval: float = 1.0) -> None:
        super().__init__()
        self.seed = seed
        self.slow_seconds, self.drip_interval = slow_seconds, drip_interval
        self.truth: dict[str, AgencyTruth] = {}
        self.docs: list[DocTruth] = []
        self._pending: dict[str, Callable[[], None]] = {}
        self._renderers: dict[tuple[str, int], tuple[str, Tables, Callable[[Tables], bytes | str], DocTruth]] = {}
        self._values: dict[tuple[str, bool], dict[int, Tables]] = {}
        _Builder(self).build()

    # -- ground truth ----------------------------------------------------------------------------
    def registry(self) -> list[dict[str, Any]]:
        """The `[[agency]]` entries of every registered agency (listing URLs on the running farm)."""
        return [resolve(a.registry_entry(), self) for a in self.truth.values()]

    def registry_toml(self) -> str:
        """The registry as `[[agency]]` tables to append to a monitor.toml."""
        return registry_toml(self.registry())

    @property
    def expected(self) -> dict[str, AgencyTruth]:
        """Agency id -> AgencyTruth with real URLs (the farm must be started)."""
        return {k: resolve(v, self) for k, v in self.truth.items()}

    def documents(self) -> list[DocTruth]:
        """Every report document served (2021 on), with real URLs; `fault` is set for those behind a fault."""
        return [DocTruth(self.resolve(x.url), x.agency, x.year, x.media_type, x.findings, x.agency_id, x.fault)
                for x in self.docs]

    def timeliness(self, now: datetime | date = DEFAULT_NOW, *, pending_published: bool = False) -> Timeliness:
        """Expected LATE / MISSING / SOURCE-BLOCKED at `now` after a full crawl."""
        return timeliness(self.truth, now, pending_published=pending_published)

    # -- scripted changes --------------------------------------------------------------------------
    def publish_pending(self, agency_id: str) -> YearTruth:
        """Publish the report an agency had not published (it appears at the top of its listing)."""
        self._pending.pop(agency_id)()
        pending = self.truth[agency_id].pending
        assert pending is not None
        return resolve(pending, self)

    def revise_report(self, agency_id: str, year: int) -> tuple[str, list[str]]:
        """Silently revise a stored report in place (same URL; 行政许可/行政处罚 figures changed):
        returns its URL and the changed cells."""
        url, values, render, doc = self._renderers[(agency_id, year)]
        changed, cells = reports.revised_values(values, random.Random(f"revise/{agency_id}/{year}"))
        self.revise(self.resolve(url), render(changed))
        self._renderers[(agency_id, year)] = (url, changed, render, doc)
        return self.resolve(url), cells

    # -- values ---------------------------------------------------------------------------------------
    def values(self, key: str, year: int, *, regulations: bool = False) -> Tables:
        chain = self._values.get((key, regulations))
        if chain is None:
            chain = self._values[(key, regulations)] = reports.chained_values(
                f"{self.seed}/{key}", range(FIRST_YEAR, 2027), regulations=regulations)
        return chain[year]


# =============================================================================================
# The builder
# =============================================================================================
class _Builder:
    def __init__(self, farm: FixtureFarm) -> None:
        self.farm = farm
        self.rng = random.Random(f"farm/{farm.seed}")

    def build(self) -> None:
        self.trs_classic()
        self.trs_new()
        self.hanweb()
        self.vsb()
        self.gkmlpt()
        self.generic()
        self.gbk()
        self.portal()
        self.blocked()
        self.faults()
        self.shared_listings()

    def shared_listings(self) -> None:
        """Agencies listed on the same pages: each other's reports are not theirs."""
        agencies = list(self.farm.truth.values())
        for a in agencies:
            for b in agencies:
                if a is b or not set(a.listing_pages) & set(b.listing_pages):
                    continue
                for year in b.years.values():
                    for url in [year.url, *year.twins, *(v.url for v in year.corrections)]:
                        if url:
                            a.not_reports.setdefault(url, f"{b.name}'s report ({b.id}, listed on the same page)")

    # -- helpers ---------------------------------------------------------------------------------
    def site(self, name: str, **options: Any) -> Site:
        return self.farm.add(Site(name, **options))

    def agency(self, site: str, cms: str, **fields: Any) -> AgencyTruth:
        truth = AgencyTruth(site=site, cms=cms, **fields)
        self.farm.truth[truth.id] = truth
        return truth

    def doc(self, key: str, name: str, year: int, *, regulations: bool = False, values: Tables | None = None) -> Doc:
        return Doc(name, year, values or self.farm.values(key, year, regulations=regulations))

    def record(self, agency: AgencyTruth | None, name: str, year: int, url: str, media_type: str = "text/html",
               findings: tuple[str, ...] = (), fault: str = "") -> DocTruth:
        truth = DocTruth(url, name, year, media_type, findings, agency.id if agency else None, fault)
        if year >= FIRST_YEAR:
            self.farm.docs.append(truth)
        return truth

    def year(self, agency: AgencyTruth, year: int, *, url: str, title: str, published: date,
             claims: dict[str, date], listed_on: list[str], **fields: Any) -> YearTruth:
        due = agency.deadline_of(year)
        truth = YearTruth(year, fields.pop("status", "published"), title, url, published=published, deadline=due,
                          late=published > due, outer_late=published > outer_limit(agency.kind, year),
                          claims=claims, listed_on=listed_on, **fields)
        agency.years[year] = truth
        return truth

    def revisable(self, agency: AgencyTruth, year: int, url: str, values: Tables,
                  render: Callable[[Tables], bytes | str], doc: DocTruth) -> None:
        self.farm._renderers[(agency.id, year)] = (url, values, render, doc)

    @staticmethod
    def home(info: SiteInfo, column_href: str) -> str:
        return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n{info.metas(column=False)}\n'
                f"<title>{info.name}</title>\n</head>\n<body>\n{header(info)}\n"
                f'<div class="w1200 main"><div class="tzgg"><h3>通知公告</h3><ul>'
                f'<li><a href="/zwgk/tzgg/">关于开展政务公开日活动的通知</a></li></ul></div>\n'
                f'<div class="zwgk"><h3>政务公开</h3><ul><li><a href="{column_href}">{info.column}</a></li>'
                '<li><a href="/zwgk/zfxxgkzn/">政府信息公开指南</a></li></ul></div></div>\n'
                f"{info.footer()}\n</body>\n</html>\n")

    # =========================================================================================
    # TRS WCM, classic: 桐溪区 (a county-level district), its 城关镇 and its 发改局
    # =========================================================================================
    def trs_classic(self) -> None:
        s = self.site("trs")
        info = SiteInfo("桐溪区人民政府", "www.tongxi.gov.cn", "5301020001", office="桐溪区人民政府办公室",
                        footer_year=2019)
        base = "/zwgk/zfxxgknb/"
        origin = ref("trs")
        district = self.agency(
            "trs", "trs", id="trs-district", name="桐溪区人民政府", kind="government", level="county",
            region="云岭省/青岚市/桐溪区", listing=[origin + base + "index.html"],
            supervisors=["zwgk@tongxi.example.org"],
            traps=["classic createPageHTML(3,0) pagination: 2021-2023 only on index_1.html",
                   "（超链版）/（图片版） twins", "图解 and 部门决算 items", "更正说明 + （更正版）",
                   "township report and year subfolder nb_2024n/", "cross-column ../../bmxxgk/ link to 发改局",
                   "2024: URL date t20250305 later than PubDate = list date 2025-02-18; reversed meta attributes",
                   "2023: list date 2024-02-21 one day after PubDate 2024-02-20 (deadline day: on time)",
                   "2022: page body is only a link to ./P0….pdf", "2021: old .TRS_Editor page, no PubDate meta",
                   "footer © 2019", "dead links to 2012/2013 reports"])
        town = self.agency(
            "trs", "trs", id="trs-township", name="桐溪区城关镇人民政府", kind="township",
            region="云岭省/青岚市/桐溪区/城关镇", parent="trs-district", listing=[origin + base + "index.html"],
            traps=["listed in the district's column", "2024 only inside the year subfolder nb_2024n/"])
        fgj = self.agency(
            "trs", "trs", id="trs-fgj", name="桐溪区发展和改革局", kind="department", region="云岭省/青岚市/桐溪区",
            parent="trs-district", listing=[origin + "/bmxxgk/fgj/zfxxgknb/index.html"],
            traps=["articles one folder up (../2025xx/)", "2024: 「更新时间」 2025-01-28 printed before 「发布时间」"
                   " 2025-02-03: late", "工作要点 item"])
        entries: list[Entry] = []
        column_url = origin + base + "index.html"

        def article(path: str, a: Article, *, editor: str = "new", xxgk: bool = True, **opts: Any) -> Static:
            return s.page(path, lambda: trs_article(info, a, editor=editor, xxgk=xxgk), **opts)

        def claims(listing: str, meta: str | None, text: str | None, url: str) -> dict[str, date]:
            out = {"listing": d(listing), "url": d(url)}
            if meta:
                out["meta"] = d(meta[:10])
            if text:
                out["text"] = d(text[:10])
            return out

        def report_article(agency: AgencyTruth, key: str, year: int, path: str, *, title: str, pubdate: str,
                           shown: str, written: str, flavor: str = "template", reversed_meta: bool = False,
                           updated: str = "", attachments: list[tuple[str, str]] | None = None,
                           values: Tables | None = None, findings: tuple[str, ...] = (),
                           index_no: str = "") -> tuple[str, DocTruth]:
            name = agency.name
            url = origin + path

            def render(v: Tables) -> str:
                body = reports.body_html(self.doc(key, name, year, values=v), f"{key}/{year}/{path}", flavor)
                return trs_article(info, Article(title, body, name if agency is not district else info.office,
                                                 pubdate=pubdate, shown=shown, updated=updated, written=written,
                                                 index_no=index_no or f"11530102MB0{year}X/{year + 1}-0012",
                                                 attachments=attachments or [], reversed_meta=reversed_meta,
                                                 url_meta=path))

            current = values or self.farm.values(key, year)
            s.page(path, lambda: render(current))
            doc = self.record(agency, name, year, url, findings=findings)
            if values is None:
                self.revisable(agency, year, url, current, render, doc)
            return url, doc

        # --- the district's reports -------------------------------------------------------------
        # 2025: 超链版 (HTML with a PDF copy attached) and its 图片版 twin, 图解 the day after.
        p25 = base + "202602/t20260213_5120034.html"
        pdf25 = base + "202602/P020260213384517230016.pdf"
        t25 = "桐溪区人民政府2025年政府信息公开工作年度报告（超链版）"
        url25, _ = report_article(district, "trs-district", 2025, p25, title=t25, pubdate="2026-02-13 10:30",
                                  shown="2026-02-13 10:30", written="2026-02-06",
                                  attachments=[("./P020260213384517230016.pdf",
                                                "桐溪区人民政府2025年政府信息公开工作年度报告.pdf")])
        doc25 = self.doc("trs-district", district.name, 2025)
        s.page(pdf25, lambda: reports.pdf(doc25, "trs-district/2025"), PDF, modified=datetime(2026, 2, 13, 2, 30,
                                                                                              tzinfo=UTC))
        self.record(district, district.name, 2025, origin + pdf25, PDF)
        img25 = base + "202602/t20260213_5120035.html"
        images = "\n".join(f'<p style="text-align:center"><img src="./W02026021338451723100{i}.jpg" '
                           f'title="{i}.jpg" alt=""></p>' for i in range(1, 7))
        t25i = "桐溪区人民政府2025年政府信息公开工作年度报告（图片版）"
        article(img25, Article(t25i, images, info.office, pubdate="2026-02-13 10:31", shown="2026-02-13 10:31",
                               written="2026-02-06", index_no="11530102MB02025X/2026-0013"))
        for i in range(1, 7):
            s.page(f"{base}202602/W02026021338451723100{i}.jpg", _gif(), "image/gif")
        jd25 = base + "202602/t20260214_5120101.html"
        s.page(jd25, lambda: notice_page(info, "图解《桐溪区人民政府2025年政府信息公开工作年度报告》", [
            "一图读懂桐溪区人民政府2025年政府信息公开工作年度报告。", "2025年，全区主动公开政府信息持续增长，"
            "依申请公开办理质量稳步提升。"], "2026-02-14 09:00"))
        self.year(district, 2025, url=url25, title=t25, published=d("2026-02-13"),
                  claims=claims("2026-02-13", "2026-02-13", "2026-02-13", "2026-02-13"), listed_on=[column_url],
                  attachments=[origin + pdf25], twins=[origin + img25])
        district.not_reports[origin + img25] = "（图片版） twin of the （超链版） report: the same report, keep one"
        district.not_reports[origin + jd25] = "图解 (an interpretation, not a report)"
        entries += [
            Entry("图解《桐溪区人民政府2025年政府信息公开工作年度报告》", origin + jd25, "2026-02-14"),
            Entry(t25, url25, "2026-02-13"),
            Entry(t25i, origin + img25, "2026-02-13"),
        ]
        # 2024: URL date later than the PubDate and the listing date, which agree; reversed metas.
        p24 = base + "202503/t20250305_4876512.html"
        t24 = "桐溪区人民政府2024年政府信息公开工作年度报告"
        url24, _ = report_article(district, "trs-district", 2024, p24, title=t24, pubdate="2025-02-18 09:12",
                                  shown="2025-02-18 09:12", written="2025-02-10", reversed_meta=True)
        self.year(district, 2024, url=url24, title=t24, published=d("2025-02-18"),
                  claims=claims("2025-02-18", "2025-02-18", "2025-02-18", "2025-03-05"), listed_on=[column_url],
                  note="URL date 2025-03-05 is later than PubDate and listing date (2025-02-18)")
        js24 = base + "202508/t20250829_5010388.html"
        s.page(js24, lambda: notice_page(info, "桐溪区2024年度部门决算", [
            "根据预算法和财政部门要求，现将桐溪区2024年度部门决算公开如下。", "附件：桐溪区2024年度部门决算表"],
            "2025-08-29 16:00"))
        district.not_reports[origin + js24] = "部门决算 (a budget document)"
        # 2023: the first version (a T3-BALANCE error; listed a day after its PubDate), then 更正版 + 更正说明.
        p23 = base + "202402/t20240220_4210077.html"
        t23 = "桐溪区人民政府2023年政府信息公开工作年度报告"
        good23 = self.farm.values("trs-district", 2023)
        bad23 = reports.inject_balance(good23, random.Random(f"{self.farm.seed}/inject"))
        url23, _ = report_article(district, "trs-district-v1", 2023, p23, title=t23, pubdate="2024-02-20 16:30",
                                  shown="2024-02-20 16:30", written="2024-02-08", values=bad23,
                                  findings=("T3-BALANCE",))
        p23c = base + "202404/t20240410_4398120.html"
        t23c = "桐溪区人民政府2023年政府信息公开工作年度报告（更正版）"
        url23c, _ = report_article(district, "trs-district", 2023, p23c, title=t23c, pubdate="2024-04-10 11:00",
                                   shown="2024-04-10 11:00", written="2024-04-08", values=good23)
        gz23 = base + "202404/t20240410_4398119.html"
        t23n = "关于《桐溪区人民政府2023年政府信息公开工作年度报告》的更正说明"
        s.page(gz23, lambda: notice_page(info, t23n, [
            "我区于2024年2月20日发布的《桐溪区人民政府2023年政府信息公开工作年度报告》中，"
            "表三“本年新收政府信息公开申请数量”一栏数据有误，现予以更正。",
            "更正后的报告见《桐溪区人民政府2023年政府信息公开工作年度报告（更正版）》。特此说明。"],
            "2024-04-10 11:00"))
        self.year(district, 2023, url=url23, title=t23, published=d("2024-02-20"),
                  claims=claims("2024-02-21", "2024-02-20", "2024-02-20", "2024-02-20"), listed_on=[column_url],
                  findings=("T3-BALANCE",),
                  corrections=[Version(url23c, d("2024-04-10"), t23c)],
                  note="published on the deadline day (on time); the listing shows the next day")
        district.not_reports[origin + gz23] = "更正说明 (a notice; the corrected report is the （更正版） item)"
        # 2022: the article's body is only a link to the PDF, which is the report.
        p22 = base + "202302/t20230215_3650211.html"
        pdf22 = base + "202302/P020230215394817263541.pdf"
        t22 = "桐溪区人民政府2022年政府信息公开工作年度报告"
        article(p22, Article(t22, '<p style="text-align:center;"><a href="./P020230215394817263541.pdf" '
                                  'OLDSRC="/protect/P0202302/P020230215/P020230215394817263541.pdf">'
                                  f"{t22}.pdf</a></p>", info.office, pubdate="2023-02-15 15:20",
                             shown="2023-02-15 15:20", written="2023-02-13", index_no="11530102MB02022X/2023-0009"))
        doc22 = self.doc("trs-district", district.name, 2022)
        s.page(pdf22, lambda: reports.pdf(doc22, "trs-district/2022"), PDF)
        self.record(district, district.name, 2022, origin + pdf22, PDF)
        self.year(district, 2022, url=origin + pdf22, page=origin + p22, media_type=PDF, title=t22,
                  published=d("2023-02-15"), claims=claims("2023-02-15", "2023-02-15", "2023-02-15", "2023-02-15"),
                  listed_on=[column_url], note="attachment-only page: the PDF is the report")
        # 2021: the older template, no PubDate meta, only 「发布时间：」.
        p21 = base + "202202/t20220211_2987410.html"
        t21 = "桐溪区人民政府2021年政府信息公开工作年度报告"
        doc21 = self.doc("trs-district", district.name, 2021)
        s.page(p21, lambda: trs_article(info, Article(t21, reports.body_html(doc21, "trs-district/2021", "word"),
                                                      info.office, shown="2022-02-11"), editor="old"))
        self.record(district, district.name, 2021, origin + p21)
        self.year(district, 2021, url=origin + p21, title=t21, published=d("2022-02-11"),
                  claims=claims("2022-02-11", None, "2022-02-11", "2022-02-11"), listed_on=[column_url],
                  note="no PubDate meta: 「发布时间」 text, listing and URL")
        # Older reports (before the first year): 2014–2020 pages, 2012 and 2013 dead links.
        old: list[Entry] = []
        for year in range(2020, 2011, -1):
            day = f"{year + 1}-02-{10 + year % 17:02d}"
            path = f"{base}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{1000000 + year * 97}.html"
            title = f"桐溪区人民政府{year}年政府信息公开工作年度报告"
            if year >= 2014:
                article(path, Article(title, reports.legacy_body(district.name, year), info.office,
                                      shown=day, written=day), editor="old")
            district.old_reports.append(origin + path)
            old.append(Entry(title, origin + path, day))

        # --- 城关镇: on the district's column, 2024 inside the year subfolder --------------------------
        town_dates = {2021: "2022-01-26", 2022: "2023-01-29", 2023: "2024-01-30", 2024: "2025-01-24",
                      2025: "2026-01-23"}
        sub = base + "nb_2024n/"
        town_entries: dict[int, Entry] = {}
        for year, day in town_dates.items():
            folder = sub if year == 2024 else base
            path = f"{folder}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{3300000 + year * 11}.html"
            title = f"{town.name}{year}年政府信息公开工作年度报告"
            url, _ = report_article(town, "trs-township", year, path, title=title, pubdate=day + " 09:30",
                                    shown=day + " 09:30", written=day, flavor="flat")
            listed = [origin + sub] if year == 2024 else [column_url]
            self.year(town, year, url=url, title=title, published=d(day),
                      claims=claims(day, day, day, day), listed_on=listed,
                      note="only in the year subfolder nb_2024n/" if year == 2024 else "")
            town_entries[year] = Entry(title, url, day)
        qs_day = "2025-01-27"
        qs_path = f"{sub}202501/t20250127_3322350.html"
        qs_name = "桐溪区青石镇人民政府"
        qs_doc = self.doc("trs-qingshi", qs_name, 2024)
        s.page(qs_path, lambda: trs_article(info, Article(
            f"{qs_name}2024年政府信息公开工作年度报告", reports.body_html(qs_doc, "trs-qingshi/2024", "flat"),
            qs_name, pubdate=qs_day + " 10:00", shown=qs_day + " 10:00", written=qs_day)))
        self.record(None, qs_name, 2024, origin + qs_path)
        town.not_reports[origin + qs_path] = "青石镇 (another township) in the same year subfolder"
        district.not_reports[origin + qs_path] = "another township's report"
        subfolder = TrsListing(s, replace(info, column="2024年乡镇（街道）年报"), sub, [
            Entry(f"{qs_name}2024年政府信息公开工作年度报告", origin + qs_path, qs_day),
            town_entries[2024]], breadcrumb="政府信息公开年报").mount()
        subfolder.statics[sub] = s.add(sub, subfolder.statics[sub + "index.html"])  # type: ignore[assignment]
        for year, entry in town_entries.items():
            if year != 2024:
                district.not_reports[entry.url] = "the 城关镇 township's report (another agency)"
        district.not_reports[town_entries[2024].url] = "the 城关镇 township's report (another agency)"

        # --- 发改局: own column, articles one folder up -------------------------------------------------
        fgj_base = "/bmxxgk/fgj/zfxxgknb/"
        fgj_url = origin + fgj_base + "index.html"
        fgj_dates = {2021: "2022-01-21", 2022: "2023-01-17", 2023: "2024-01-26", 2024: "2025-02-03",
                     2025: "2026-01-29"}
        fgj_entries = []
        for year, day in sorted(fgj_dates.items(), reverse=True):
            path = f"/bmxxgk/fgj/{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{4560000 + year}.html"
            title = f"{fgj.name}{year}年政府信息公开工作年度报告"
            updated = "2025-01-28 17:45" if year == 2024 else ""
            url, _ = report_article(fgj, "trs-fgj", year, path, title=title, pubdate=day + " 10:00",
                                    shown=day + " 10:00", written=day, updated=updated)
            listed = [fgj_url, column_url] if year == 2024 else [fgj_url]
            self.year(fgj, year, url=url, title=title, published=d(day), claims=claims(day, day, day, day),
                      listed_on=listed, note="「更新时间：2025-01-28」 precedes 「发布时间：2025-02-03」: not a "
                      "publication date" if year == 2024 else "")
            fgj_entries.append(Entry(title, url, day))
            if year == 2024:
                district.not_reports[url] = "the 发改局's report (cross-column link to another agency)"
                entries_fgj24 = Entry(title, url, day, {"href": "../../" + path.lstrip("/")})
        yd = "/bmxxgk/fgj/202603/t20260305_4566001.html"
        s.page(yd, lambda: notice_page(info, "桐溪区发展和改革局2026年政务公开工作要点", [
            "为深入推进政务公开工作，结合我局实际，制定2026年政务公开工作要点如下。"], "2026-03-05 15:00"))
        fgj.not_reports[origin + yd] = "工作要点 (a work plan)"
        TrsListing(s, replace(info, column="部门信息公开年报"), fgj_base,
                   [Entry("桐溪区发展和改革局2026年政务公开工作要点", origin + yd, "2026-03-05"), *fgj_entries],
                   breadcrumb="区发展和改革局").mount()

        # --- the district's column ------------------------------------------------------------------
        entries += [
            town_entries[2025],
            Entry("桐溪区2024年度部门决算", origin + js24, "2025-08-29"),
            Entry(t24, url24, "2025-02-18"),
            entries_fgj24,
            Entry("2024年乡镇（街道）年报", origin + sub, "2025-01-31", {"href": "./nb_2024n/"}),
            Entry(t23n, origin + gz23, "2024-04-10"),
            Entry(t23c, url23c, "2024-04-10"),
            Entry(t23, url23, "2024-02-21"),
            town_entries[2023],
            Entry(t22, origin + p22, "2023-02-15"),
            town_entries[2022],
            Entry(t21, origin + p21, "2022-02-11"),
            town_entries[2021],
            *old,
        ]
        listing = TrsListing(s, info, base, entries, per_page=10, sidebar=[
            ("../zfxxgkzn/", "政府信息公开指南"), ("../zfxxgkzd/", "政府信息公开制度"), ("./", "政府信息公开年报")])
        listing.mount()
        listing.statics[base] = s.add(base, listing.statics[base + "index.html"])  # type: ignore[assignment]
        district.listing_pages = [origin + p for p in listing.paths()]
        town.listing_pages = [*district.listing_pages, origin + sub]
        fgj.listing_pages = [fgj_url]
        s.page("/", self.home(info, base))
        s.page("/robots.txt", "User-agent: *\nDisallow: /admin/\nDisallow: /search/\n", "text/plain")

    # =========================================================================================
    # TRS WCM, new style (.shtml, createPageHTML('page_div',…)): 青岚市 (a prefecture-level city)
    # =========================================================================================
    def trs_new(self) -> None:
        s = self.site("trs-new")
        info = SiteInfo("青岚市人民政府", "www.qinglan.gov.cn", "5301000008", office="青岚市人民政府办公室",
                        meta_reversed=True)
        art_info = replace(info, meta_reversed=False)
        base = "/zwgk/zfxxgknb/"
        origin = ref("trs-new")
        column_url = origin + base + "index.shtml"
        city = self.agency(
            "trs-new", "trs", id="trs-city", name="青岚市人民政府", kind="government", level="prefecture",
            region="云岭省/青岚市", listing=[column_url], supervisors=["gkb@qinglan.example.org"],
            traps=["createPageHTML('page_div',3,1,'index','shtml',45): page 2 is index_2.shtml",
                   "list page metas with reversed attributes", "45 items, most of other departments",
                   "2022: SiteName of another city, PubDate with seconds, Keywords with ;",
                   "2023: published on the deadline day", "2024: late (2025-03-14 > 03-10)",
                   "工作要点 and 解读 items"])
        edu = self.agency(
            "trs-new", "trs", id="trs-city-edu", name="青岚市教育局", kind="department", region="云岭省/青岚市",
            parent="trs-city", listing=[column_url], supervisors=["jyj@qinglan.example.org"],
            traps=["its reports are in the city's column among other departments'"])
        city_dates = {2021: "2022-03-08", 2022: "2023-03-09", 2023: "2024-03-10", 2024: "2025-03-14",
                      2025: "2026-03-06"}
        edu_dates = {2021: "2022-01-20", 2022: "2023-01-30", 2023: "2024-01-25", 2024: "2025-01-27",
                     2025: "2026-01-22"}
        entries: list[Entry] = []
        counter = iter(range(6100000, 6200000, 37))

        def add(agency: AgencyTruth | None, key: str, name: str, year: int, day: str, *, regulations: bool = False,
                bad_meta: bool = False) -> Entry:
            path = f"{base}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{next(counter)}.shtml"
            title = f"{name}{year}年政府信息公开工作年度报告"
            stamp = day + (" 11:20:36" if bad_meta else " 16:05")
            page_info = art_info
            if bad_meta:
                page_info = replace(art_info, name="齐岳市人民政府", extra_meta={})
            values = self.farm.values(key, year, regulations=regulations)

            def render(v: Tables) -> str:
                body = reports.body_html(self.doc(key, name, year, values=v), f"{key}/{year}", "template")
                a = Article(title, body, name, pubdate=stamp, shown=stamp[:16], written=day,
                            index_no=f"5301000081{year}/{year + 1}-00{year % 7}",
                            keywords="年报;政府信息公开;" + str(year) if bad_meta else "政府信息公开,年度报告")
                return trs_article(page_info, a)

            s.page(path, lambda: render(values))
            url = origin + path
            doc = self.record(agency, name, year, url)
            if agency is not None:
                self.year(agency, year, url=url, title=title, published=d(day), listed_on=[column_url],
                          claims={"listing": d(day), "meta": d(day), "text": d(day), "url": d(day)},
                          note="SiteName names another city; PubDate has seconds" if bad_meta else "")
                self.revisable(agency, year, url, values, render, doc)
            return Entry(title, url, day)

        for year in YEARS:
            entries.append(add(city, "trs-city", city.name, year, city_dates[year], regulations=True,
                               bad_meta=year == 2022))
            entries.append(add(edu, "trs-city-edu", edu.name, year, edu_dates[year]))
        others = ["青岚市财政局", "青岚市卫生健康委员会", "青岚市自然资源和规划局", "青岚市交通运输局", "青岚市司法局"]
        for k, name in enumerate(others):
            for year in YEARS:
                entry = add(None, f"trs-city-{k}", name, year, f"{year + 1}-01-{12 + 3 * k:02d}")
                entries.append(entry)
                city.not_reports[entry.url] = edu.not_reports[entry.url] = f"{name} (another department)"
        for year in (2024, 2025):
            entry = add(None, "trs-city-stats", "青岚市统计局", year, f"{year + 1}-02-{5 + year % 3:02d}")
            entries.append(entry)
            city.not_reports[entry.url] = edu.not_reports[entry.url] = "青岚市统计局 (another department)"
        for year in range(2015, 2021):
            day = f"{year + 1}-03-{20 + year % 7:02d}"
            path = f"{base}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{next(counter)}.shtml"
            title = f"青岚市人民政府{year}年政府信息公开工作年度报告"
            s.page(path, lambda title=title, year=year, day=day: trs_article(art_info, Article(
                title, reports.legacy_body(city.name, year), city.name, pubdate=day + " 16:05", shown=day + " 16:05",
                written=day)))
            city.old_reports.append(origin + path)
            entries.append(Entry(title, origin + path, day))
        jd = f"{base}202503/t20250315_{next(counter)}.shtml"
        s.page(jd, lambda: notice_page(art_info, "《青岚市人民政府2024年政府信息公开工作年度报告》政策解读", [
            "近日，《青岚市人民政府2024年政府信息公开工作年度报告》正式发布，现就有关情况解读如下。"],
            "2025-03-15 10:00"))
        yd = f"{base}202504/t20250402_{next(counter)}.shtml"
        s.page(yd, lambda: notice_page(art_info, "青岚市2025年政务公开工作要点", [
            "为贯彻落实国务院办公厅关于政务公开工作的部署要求，制定本要点。"], "2025-04-02 10:00"))
        entries += [Entry("《青岚市人民政府2024年政府信息公开工作年度报告》政策解读", origin + jd, "2025-03-15"),
                    Entry("青岚市2025年政务公开工作要点", origin + yd, "2025-04-02")]
        city.not_reports[origin + jd] = "政策解读"
        city.not_reports[origin + yd] = "工作要点"
        entries.sort(key=lambda x: x.date, reverse=True)
        assert len(entries) == 45, len(entries)
        listing = TrsListing(s, info, base, entries, per_page=15, style="new").mount()
        listing.statics[base] = s.add(base, listing.statics[base + "index.shtml"])  # type: ignore[assignment]
        city.listing_pages = edu.listing_pages = [origin + p for p in listing.paths()]
        s.page("/", self.home(info, base))

    # =========================================================================================
    # 大汉 Hanweb JCMS: 石门县 (a county) and its 教育局 (nothing for 2025 until published late)
    # =========================================================================================
    def hanweb(self) -> None:
        s = self.site("hanweb", server="Apache-Coyote/1.1")
        info = SiteInfo("石门县人民政府", "www.shimen.gov.cn", "5301250003", office="石门县人民政府办公室")
        origin = ref("hanweb")
        county = self.agency(
            "hanweb", "hanweb", id="hanweb-county", name="石门县人民政府", kind="government", level="county",
            region="云岭省/青岚市/石门县", listing=[origin + "/col/col31251/index.html"],
            supervisors=["zwgk@shimen.example.org"],
            traps=["empty <ul>; first 15 records embedded as <datastore> XML; 32 records in all",
                   "2021 and 2022 only through POST dataproxy.jsp (startrecord/endrecord/perpage)",
                   "/art/Y/M/D/ not zero-padded; Maketime meta", "2024: link text truncated, title attribute full",
                   "2023: late (2024-03-28 > 02-20)", "2025: HTML plus a downfile.jsp PDF copy"])
        edu = self.agency(
            "hanweb", "hanweb", id="hanweb-edu", name="石门县教育局", kind="department", region="云岭省/青岚市/石门县",
            parent="hanweb-county", listing=[origin + "/col/col31260/index.html"],
            traps=["a readable column with no 2025 report: MISSING after 2026-01-31",
                   "publish_pending('hanweb-edu'): the 2025 report appears dated 2026-03-20 (LATE)"])
        counter = iter(range(5800000, 5900000, 131))

        def art(agency: AgencyTruth | None, key: str, name: str, year: int, day: str, columnid: int, *,
                attachment: bool = False, stamp: str = "17:05", register: bool = True) -> Entry:
            y, m, dd = map(int, day.split("-"))
            articleid = next(counter)
            path = f"/art/{y}/{m}/{dd}/art_{columnid}_{articleid}.html"
            title = f"{name}{year}年政府信息公开工作年度报告"
            values = self.farm.values(key, year)
            attachments = []
            if attachment:
                fname = f"{y % 100:02d}{m:02d}{dd:02d}1705123.pdf"
                target = f"/module/download/downfile.jsp?classid=0&filename={fname}"
                attachments = [(target, f"{title}.pdf")]
                doc_ = self.doc(key, name, year)
                s.page(target, lambda: reports.pdf(doc_, f"{key}/{year}"), "application/octet-stream",
                       headers=[("Content-Disposition", f'attachment; filename="{fname}"')], etag=None)
                self.record(agency, name, year, origin + target, PDF)

            def render(v: Tables) -> str:
                body = reports.body_html(self.doc(key, name, year, values=v), f"{key}/{year}", "word")
                a = Article(title, body, "县政府办公室" if agency is county else name, pubdate=f"{day} {stamp}",
                            shown=day, attachments=attachments)
                return hanweb_article(info, a, maketime=f"{day} {stamp}:12", columnid=columnid, articleid=articleid)

            s.page(path, lambda: render(values), etag="weak")
            url = origin + path
            doc = self.record(agency, name, year, url)
            if agency is not None and register:
                self.year(agency, year, url=url, title=title, published=d(day),
                          claims={"listing": d(day), "meta": d(day), "text": d(day), "url": d(day)},
                          listed_on=[origin + f"/col/col{columnid}/index.html"],
                          attachments=[origin + t for t, _ in attachments])
                self.revisable(agency, year, url, values, render, doc)
            return Entry(title, url, day)

        county_dates = {2021: "2022-02-09", 2022: "2023-02-16", 2023: "2024-03-28", 2024: "2025-02-19",
                        2025: "2026-02-14"}
        entries = []
        for year in YEARS:
            entry = art(county, "hanweb-county", county.name, year, county_dates[year], 31251, attachment=year == 2025)
            if year == 2024:
                entry.extra["text"] = "石门县人民政府2024年政府信息公开工作…"
            entries.append(entry)
        others = ["石门县卫生健康局", "石门县市场监督管理局", "石门县南溪镇人民政府", "石门县白鹤乡人民政府"]
        for k, name in enumerate(others):
            for year in YEARS:
                entry = art(None, f"hanweb-{k}", name, year, f"{year + 1}-1-{15 + 3 * k}", 31251)
                entries.append(entry)
                county.not_reports[entry.url] = f"{name} (another agency in the county's column)"
        for year in range(2014, 2021):
            day = f"{year + 1}-3-{25 + year % 5}"
            y, m, dd = map(int, day.split("-"))
            path = f"/art/{y}/{m}/{dd}/art_31251_{next(counter)}.html"
            title = f"石门县人民政府{year}年政府信息公开工作年度报告"
            s.page(path, lambda title=title, year=year, day=day: hanweb_article(info, Article(
                title, reports.legacy_body(county.name, year), "县政府办公室", pubdate=day, shown=day),
                maketime=day + " 10:00:00", columnid=31251, articleid=1))
            county.old_reports.append(origin + path)
            entries.append(Entry(title, origin + path, f"{y}-{m:02d}-{dd:02d}"))
        for entry in entries:  # the listing prints padded dates
            y, m, dd = map(int, entry.date.split("-"))
            entry.date = f"{y}-{m:02d}-{dd:02d}"
        entries.sort(key=lambda x: x.date, reverse=True)
        column = HanwebColumn(s, info, 31251, 268541, entries).mount(etag="weak")
        assert all(x.url not in {county.years[2021].url, county.years[2022].url} for x in column.chunk(0))
        edu_dates = {2021: "2022-01-18", 2022: "2023-01-29", 2023: "2024-01-22", 2024: "2025-01-26"}
        edu_entries = [art(edu, "hanweb-edu", edu.name, year, day, 31260) for year, day in edu_dates.items()][::-1]
        edu_column = HanwebColumn(s, replace(info, column="部门年报"), 31260, 268560, edu_entries).mount(etag="weak")
        edu_column_url = origin + "/col/col31260/index.html"
        # 2025: the page exists (unlisted) from the start; publish_pending lists it, dated 2026-03-20.
        late_day = "2026-03-20"
        late = art(edu, "hanweb-edu", edu.name, 2025, late_day, 31260, register=False)
        note = "not listed at start: publish_pending('hanweb-edu') lists it (dated 2026-03-20: late)"
        edu.years[2025] = YearTruth(2025, "missing", deadline=edu.deadline_of(2025), note=note)
        edu.pending = YearTruth(2025, "pending", late.title, late.url, published=d(late_day),
                                deadline=edu.deadline_of(2025), late=True, outer_late=True,
                                claims={"listing": d(late_day), "meta": d(late_day), "text": d(late_day),
                                        "url": d(late_day)}, listed_on=[edu_column_url], note=note)

        def publish() -> None:
            assert edu.pending is not None
            edu.pending = replace(edu.pending, status="published")
            edu.years[2025] = edu.pending
            self.farm.publish(self.farm.resolve(edu_column_url), late.title, self.farm.resolve(late.url),
                              date=late_day)

        self.farm._pending["hanweb-edu"] = publish
        mount_dataproxy(s)
        county.listing_pages = [origin + "/col/col31251/index.html",
                                "POST " + origin + "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=45"
                                "&perpage=15"]
        edu.listing_pages = [origin + "/col/col31260/index.html"]
        assert column.unitid != edu_column.unitid
        s.page("/", self.home(info, "/col/col31251/index.html"))

    # =========================================================================================
    # 博达 VSB: 白沙镇 (a township), descending page numbers, a DOCX behind download.jsp
    # =========================================================================================
    def vsb(self) -> None:
        s = self.site("vsb", server="*********")
        info = SiteInfo("白沙镇人民政府", "www.baisha.gov.cn", "5301250101", office="白沙镇党政综合办公室")
        origin = ref("vsb")
        owner = 1324601795
        town = self.agency(
            "vsb", "vsb", id="vsb-town", name="白沙镇人民政府", kind="township", region="云岭省/青岚市/石门县/白沙镇",
            parent="hanweb-county", listing=[origin + "/zfxxgknb.htm"],
            traps=["descending pages: zfxxgknb.htm, zfxxgknb/2.htm, zfxxgknb/1.htm",
                   "2024: the report is a DOCX behind an extension-less download.jsp (Content-Disposition)",
                   "2022: late (2023-02-03 > 01-31)", "解读 and 工作要点 items"])
        dates = {2021: "2022-01-25", 2022: "2023-02-03", 2023: "2024-01-30", 2024: "2025-01-22", 2025: "2026-01-15"}
        ids = {2025: 64208, 2024: 61377, 2023: 58120, 2022: 54031, 2021: 50212}
        entries = []
        for year in sorted(YEARS, reverse=True):
            day = dates[year]
            path = f"/info/1050/{ids[year]}.htm"
            title = f"{town.name}{year}年政府信息公开工作年度报告"
            url = origin + path
            if year == 2024:
                wbfileid = "8a3f0c5e91b24d7fa6c2e03b5d17c942"
                target = ("/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
                          f"&owner={owner}&wbfileid={wbfileid}")
                fname = f"{title}.docx"
                doc24 = self.doc("vsb-town", town.name, year)
                s.page(target, lambda doc24=doc24: reports.docx(doc24, "vsb-town/2024"), "application/octet-stream",
                       headers=[("Content-Disposition", f"attachment; filename*=UTF-8''{quote(fname)}")], etag=None)
                a = Article(title, f'<p class="vsbcontent_start">{title}详见附件。</p>',
                            "党政办", shown=day)
                a.attachments = [(target, fname)]
                s.page(path, lambda a=a, year=year: vsb_article(info, a, news_id=ids[year], owner=owner))
                self.record(town, town.name, year, origin + target, DOCX)
                self.year(town, year, url=origin + target, page=url, media_type=DOCX, title=title, published=d(day),
                          claims={"listing": d(day), "text": d(day)}, listed_on=[origin + "/zfxxgknb.htm"],
                          note="the page only points to the attachment: the DOCX is the report")
            else:
                values = self.farm.values("vsb-town", year)

                def render(v: Tables, year: int = year, title: str = title, day: str = day) -> str:
                    body = reports.body_html(self.doc("vsb-town", town.name, year, values=v), f"vsb/{year}", "flat")
                    a = Article(title, f'<p class="vsbcontent_start">根据《条例》规定，现公布{title}。</p>\n{body}',
                                "党政办", shown=day)
                    return vsb_article(info, a, news_id=ids[year], owner=owner)

                s.page(path, lambda render=render, values=values: render(values), etag=None)
                doc = self.record(town, town.name, year, url)
                self.year(town, year, url=url, title=title, published=d(day),
                          claims={"listing": d(day), "text": d(day)},
                          listed_on=[origin + "/zfxxgknb.htm"])
                self.revisable(town, year, url, values, render, doc)
            entries.append(Entry(title, url, day))
        jd = "/info/1050/64250.htm"
        s.page(jd, lambda: vsb_article(info, Article("白沙镇2025年政府信息公开工作年度报告解读",
                                                     "<p>现对年度报告作如下解读。</p>",
                                                     "党政办", shown="2026-01-16"), news_id=64250, owner=owner))
        yd = "/info/1050/64901.htm"
        s.page(yd, lambda: vsb_article(info, Article("白沙镇2026年政务公开工作要点", "<p>现将工作要点印发如下。</p>",
                                                     "党政办", shown="2026-03-02"), news_id=64901, owner=owner))
        town.not_reports[origin + jd] = "解读"
        town.not_reports[origin + yd] = "工作要点"
        entries = [Entry("白沙镇2026年政务公开工作要点", origin + yd, "2026-03-02"),
                   Entry("白沙镇2025年政府信息公开工作年度报告解读", origin + jd, "2026-01-16"), *entries]
        for year in range(2020, 2011, -1):
            day = f"{year + 1}-01-{20 + year % 9:02d}"
            news = 40000 + year * 3
            title = f"{town.name}{year}年政府信息公开工作年度报告"
            s.page(f"/info/1050/{news}.htm", lambda title=title, year=year, day=day, news=news: vsb_article(
                info, Article(title, reports.legacy_body(town.name, year), "党政办", shown=day), news_id=news,
                owner=owner))
            town.old_reports.append(origin + f"/info/1050/{news}.htm")
            entries.append(Entry(title, origin + f"/info/1050/{news}.htm", day))
        listing = VsbListing(s, info, "zfxxgknb", entries, per_page=6).mount(etag="hash")
        assert listing.paths() == ["/zfxxgknb.htm", "/zfxxgknb/2.htm", "/zfxxgknb/1.htm"]
        town.listing_pages = [origin + p for p in listing.paths()]
        s.page("/", self.home(info, "/zfxxgknb.htm"))
        s.page("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")

    # =========================================================================================
    # 广东 gkmlpt: 南岭区 (a county-level district), SPA shell + JSON API
    # =========================================================================================
    def gkmlpt(self) -> None:
        s = self.site("gkmlpt")
        info = SiteInfo("南岭区人民政府", "www.nanling.gov.cn", "4403060001", office="南岭区人民政府办公室")
        origin = ref("gkmlpt")
        cat, sid = 2847, "755031"
        district = self.agency(
            "gkmlpt", "gkmlpt", id="gkmlpt-district", name="南岭区人民政府", kind="government", level="county",
            region="云岭省/青岚市/南岭区", listing=[origin + f"/gkmlpt/index#{cat}"],
            supervisors=["zwgk@nanling.example.org"],
            traps=["SPA shell with SID: '755031'; data only from /gkmlpt/api/all/2847?page=N&sid=755031",
                   "23 articles, 10 per page", "create_time in unix seconds",
                   "2025: create_time 2026-02-20T16:30Z = 2026-02-21 00:30 Beijing: late (UTC would say on time)"])
        counter = iter(range(11020000, 11900000, 977))
        entries = []

        def post(agency: AgencyTruth | None, key: str, name: str, year: int, moment: datetime) -> Entry:
            post_id = next(counter)
            path = f"/gkmlpt/content/11/{post_id // 1000}/post_{post_id}.html"
            title = f"{name}{year}年政府信息公开工作年度报告"
            day = moment.date().isoformat()
            values = self.farm.values(key, year)

            def render(v: Tables) -> str:
                body = reports.body_html(self.doc(key, name, year, values=v), f"{key}/{year}", "template")
                a = Article(title, body, name, pubdate=moment.strftime("%Y-%m-%d %H:%M"), shown=day,
                            written=(moment.date() - timedelta(days=5)).isoformat(),
                            index_no=f"007{post_id % 100000:05d}/{year + 1}-00{post_id % 89:02d}")
                return gkmlpt_article(info, a, post_id=post_id)

            s.page(path, lambda: render(values))
            url = origin + path
            doc = self.record(agency, name, year, url)
            if agency is not None:
                self.year(agency, year, url=url, title=title, published=moment.date(),
                          claims={"api": moment.date(), "meta": moment.date(), "text": moment.date()},
                          listed_on=[origin + f"/gkmlpt/api/all/{cat}?page=1&sid={sid}"])
                self.revisable(agency, year, url, values, render, doc)
            return Entry(title, url, day, {"api": {"id": post_id, "create_time": int(moment.timestamp()),
                                                   "publisher": name, "post_url": url,
                                                   "identifier": f"007{post_id % 100000:05d}/{year + 1}"}})

        moments = {2021: datetime(2022, 2, 18, 10, 0, tzinfo=BEIJING),
                   2022: datetime(2023, 2, 17, 15, 40, tzinfo=BEIJING),
                   2023: datetime(2024, 2, 6, 9, 20, tzinfo=BEIJING),
                   2024: datetime(2025, 2, 10, 11, 5, tzinfo=BEIJING),
                   2025: datetime(2026, 2, 21, 0, 30, tzinfo=BEIJING)}
        for year in YEARS:
            entries.append(post(district, "gkmlpt-district", district.name, year, moments[year]))
        for k, name in enumerate(["南岭区教育局", "南岭区卫生健康局", "南岭区城市管理和综合执法局"]):
            for year in YEARS:
                entry = post(None, f"gkmlpt-{k}", name, year, datetime(year + 1, 1, 10 + 5 * k, 16, 0, tzinfo=BEIJING))
                entries.append(entry)
                district.not_reports[entry.url] = f"{name} (another agency)"
        for year in range(2018, 2021):
            post_id = next(counter)
            path = f"/gkmlpt/content/11/{post_id // 1000}/post_{post_id}.html"
            title = f"南岭区人民政府{year}年政府信息公开工作年度报告"
            moment = datetime(year + 1, 3, 20, 10, 0, tzinfo=BEIJING)
            s.page(path, lambda title=title, year=year, moment=moment, post_id=post_id: gkmlpt_article(info, Article(
                title, reports.legacy_body(district.name, year), district.name,
                pubdate=moment.strftime("%Y-%m-%d %H:%M"),
                shown=moment.date().isoformat(), written=moment.date().isoformat()), post_id=post_id))
            district.old_reports.append(origin + path)
            entries.append(Entry(title, origin + path, moment.date().isoformat(), {"api": {
                "id": post_id, "create_time": int(moment.timestamp()), "publisher": district.name,
                "post_url": origin + path, "identifier": f"007{post_id % 100000:05d}/{year + 1}"}}))
        entries.sort(key=lambda x: x.extra["api"]["create_time"], reverse=True)  # type: ignore[index]
        GkmlptCatalog(s, info, cat, sid, entries, per_page=10).mount()
        district.listing_pages = [origin + "/gkmlpt/index"] + [
            origin + f"/gkmlpt/api/all/{cat}?page={p}&sid={sid}" for p in (1, 2, 3)]
        s.page("/", self.home(info, "/gkmlpt/index"))

    # =========================================================================================
    # Generic: 青岚市生态环境局 (a department with an earlier deadline of its own)
    # =========================================================================================
    def generic(self) -> None:
        s = self.site("xxgk")
        info = SiteInfo("青岚市生态环境局", "sthjj.qinglan.gov.cn", "5301000021")
        origin = ref("xxgk")
        base = "/xxgk/xxgknb/"
        agency = self.agency(
            "xxgk", "generic", id="generic-xxgk", name="青岚市生态环境局", kind="department", region="云岭省/青岚市",
            parent="trs-city", listing=[origin + base + "list.html"], deadline="01-20",
            supervisors=["sthjj@qinglan.example.org"],
            traps=["no CMS fingerprint: table list, 「下一页」 to list_2.html",
                   "xxgk metadata table: 生成日期 ≠ 发布日期",
                   "deadline override 01-20: 2024 (2025-01-25) late though within the statutory 01-31",
                   "2021: published on its deadline day", "a link to the province portal's report (another host)",
                   "部门决算 item"])
        dates = {2021: "2022-01-20", 2022: "2023-01-13", 2023: "2024-01-19", 2024: "2025-01-25", 2025: "2026-01-16"}
        entries = []
        for year in sorted(YEARS, reverse=True):
            day = dates[year]
            cid = 8800 + year * 3
            path = f"{base}content_{cid}.html"
            title = f"{agency.name}{year}年政府信息公开工作年度报告"
            values = self.farm.values("generic-xxgk", year)

            def render(v: Tables, year: int = year, title: str = title, day: str = day, cid: int = cid) -> str:
                body = reports.body_html(self.doc("generic-xxgk", agency.name, year, values=v), f"xxgk/{year}", "flat")
                written = (d(day) - timedelta(days=6)).isoformat()
                return generic_article(info, Article(title, body, agency.name, shown=day, written=written,
                                                     index_no=f"QL-STHJ-{year + 1}-{cid}"))

            s.page(path, lambda render=render, values=values: render(values))
            url = origin + path
            doc = self.record(agency, agency.name, year, url)
            self.year(agency, year, url=url, title=title, published=d(day),
                      claims={"listing": d(day), "text": d(day)}, listed_on=[origin + base + "list.html"],
                      note="override deadline 01-20 missed; statutory 01-31 met" if year == 2024 else "")
            self.revisable(agency, year, url, values, render, doc)
            entries.append(Entry(title, url, day))
        portal_url = ref("portal") + "/zwgk/zfxxgknb/202503/t20250328_900123.html"
        entries.insert(2, Entry("云岭省人民政府2024年政府信息公开工作年度报告", portal_url, "2025-03-28"))
        agency.never_requested.append(portal_url)
        agency.not_reports[portal_url] = "another agency's report on another host (must not be followed)"
        js = f"{base}content_9913.html"
        s.page(js, lambda: generic_article(info, Article("青岚市生态环境局2024年度部门决算",
                                                         "<p>现将2024年度部门决算公开如下。</p>",
                                                         agency.name, shown="2025-08-20", written="2025-08-18")))
        entries.insert(0, Entry("青岚市生态环境局2024年度部门决算", origin + js, "2025-08-20"))
        agency.not_reports[origin + js] = "部门决算"
        for year in range(2020, 2015, -1):
            path = f"{base}content_{7000 + year}.html"
            title = f"{agency.name}{year}年政府信息公开工作年度报告"
            s.page(path, lambda title=title, year=year: generic_article(info, Article(
                title, reports.legacy_body(agency.name, year), agency.name, shown=f"{year + 1}-01-28",
                written=f"{year + 1}-01-25")))
            agency.old_reports.append(origin + path)
            entries.append(Entry(title, origin + path, f"{year + 1}-01-28"))
        entries.sort(key=lambda x: x.date, reverse=True)
        listing = GenericListing(s, info, base, entries, per_page=8).mount(etag="hash")
        agency.listing_pages = [origin + p for p in listing.paths()]
        s.page("/", self.home(info, base + "list.html"))

    # =========================================================================================
    # A GBK legacy site: 堃山县镕溪镇 (GBK-only characters), no charset in the HTTP header
    # =========================================================================================
    def gbk(self) -> None:
        s = self.site("gbk", server="Microsoft-IIS/6.0")
        info = SiteInfo("堃山县镕溪镇人民政府", "www.rongxi.gov.cn", "5301270105", footer_year=2019,
                        column="信息公开年报")
        origin = ref("gbk")
        listing_target = "/Article/List.asp?ClassID=12"
        town = self.agency(
            "gbk", "generic", id="gbk-town", name="堃山县镕溪镇人民政府", kind="township",
            region="云岭省/青岚市/堃山县/镕溪镇", parent="trs-city", listing=[origin + listing_target],
            traps=["GBK bytes, meta charset=gb2312, Content-Type: text/html without charset",
                   "堃 and 镕 are GBK, not GB2312", "ASP query-string URLs (Show.asp?ID=…)",
                   "Last-Modified only, no ETag",
                   "2022: published on the deadline day", "a link to the province portal's report (another host)",
                   "footer © 2019"])
        dates = {2021: "2022-1-28", 2022: "2023-1-31", 2023: "2024-1-26", 2024: "2025-1-27", 2025: "2026-1-20"}
        entries = []
        for year in sorted(YEARS, reverse=True):
            day = dates[year]
            iso = d("{}-{:02d}-{:02d}".format(*map(int, day.split("-"))))
            aid = 1200 + (year - 2000) * 17
            target = f"/Article/Show.asp?ID={aid}"
            title = f"{town.name}{year}年政府信息公开工作年度报告"
            values = self.farm.values("gbk-town", year)

            def render(v: Tables, year: int = year, title: str = title, day: str = day, aid: int = aid) -> bytes:
                body = reports.body_html(self.doc("gbk-town", town.name, year, values=v), f"gbk/{year}", "legacy")
                return gbk_article(info, Article(title, body, "镇党政办", shown=day), hits=100 + aid % 900)

            s.page(target, lambda render=render, values=values: render(values), "text/html", etag=None)
            url = origin + target
            doc = self.record(town, town.name, year, url)
            self.year(town, year, url=url, title=title, published=iso, claims={"listing": iso, "text": iso},
                      listed_on=[origin + listing_target])
            self.revisable(town, year, url, values, render, doc)
            entries.append(Entry(title, url, iso.isoformat()))
        portal_url = ref("portal") + "/zwgk/zfxxgknb/202503/t20250328_900123.html"
        entries.insert(1, Entry("云岭省人民政府2024年政府信息公开工作年度报告", portal_url, "2025-03-28"))
        town.never_requested.append(portal_url)
        town.not_reports[portal_url] = "another agency's report on another host (must not be followed)"
        for year in range(2020, 2016, -1):
            target = f"/Article/Show.asp?ID={1200 + (year - 2000) * 17}"
            title = f"{town.name}{year}年政府信息公开工作年度报告"
            s.page(target, lambda title=title, year=year: gbk_article(info, Article(
                title, reports.legacy_body(town.name, year), "镇党政办", shown=f"{year + 1}-1-30"), hits=77),
                "text/html", etag=None)
            town.old_reports.append(origin + target)
            entries.append(Entry(title, origin + target, f"{year + 1}-01-30"))
        entries.sort(key=lambda x: x.date, reverse=True)
        GbkListing(s, info, listing_target, entries).mount(content_type="text/html", etag=None)
        town.listing_pages = [origin + listing_target]
        s.page("/", lambda: ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
                             f"<title>{info.name}</title></head><body><a href=\"{e(listing_target)}\">信息公开年报</a>"
                             "</body></html>").encode("gbk"), "text/html", etag=None)

    # =========================================================================================
    # The province portal: a report that listings elsewhere link to (never to be fetched)
    # =========================================================================================
    def portal(self) -> None:
        s = self.site("portal")
        info = SiteInfo("云岭省人民政府", "www.yunling.gov.cn", "5300000001", office="云岭省人民政府办公厅")
        path = "/zwgk/zfxxgknb/202503/t20250328_900123.html"
        name = "云岭省人民政府"
        doc = self.doc("portal", name, 2024, regulations=True)
        s.page(path, lambda: trs_article(info, Article(f"{name}2024年政府信息公开工作年度报告",
                                                       reports.body_html(doc, "portal/2024"), info.office,
                                                       pubdate="2025-03-28 10:00", shown="2025-03-28 10:00",
                                                       written="2025-03-25")))
        self.record(None, name, 2024, ref("portal") + path)
        s.page("/", self.home(info, "/zwgk/zfxxgknb/"))

    # =========================================================================================
    # Blocked hosts
    # =========================================================================================
    def blocked(self) -> None:
        def add(site_name: str, agency_id: str, name: str, kind: str, path: str, block: str, trap: str,
                **fields: Any) -> tuple[Site, AgencyTruth]:
            s = self.site(site_name)
            agency = self.agency(site_name, "", id=agency_id, name=name, kind=kind, listing=[ref(site_name) + path],
                                 blocked=block, traps=[trap], **fields)
            agency.listing_pages = [ref(site_name) + path]
            return s, agency

        # 瑞数-like: HTTP 412 on every path, $_ts script, meta r="m", a cookie.
        s, _ = add("ruishu", "blocked-ruishu", "云岭省卫生健康委员会", "department", "/zwgk/zfxxgknb/index.html",
                   "challenge", "HTTP 412 with a $_ts script, <meta r=\"m\"> and Set-Cookie on every path",
                   region="云岭省", supervisors=["wjw@yunling.example.org"])
        token = "".join(random.Random("ts").choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._")
                        for _ in range(180))
        challenge412 = (
            '<!DOCTYPE html>\n<html><head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
            f'<meta id="Yq7mTrx2hLkA" content="{token}" r="m">\n<!--[if lt IE 9]><script r="m">document.createElement'
            '("section")</script><![endif]-->\n<script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)'
            f"$_ts={{}};$_ts.nsd=48213;$_ts.cd=\"{token[:96]}\";if($_ts.lcd)$_ts.lcd();</script>\n"
            '<script type="text/javascript" charset="utf-8" src="/kQ9vXb2TzM4p/c.F3a1d9e0.js" r="m"></script>\n'
            "</head><body></body></html>\n")
        s.fallback = Dynamic(lambda r, f: Answer(412, HTML, challenge412.encode(), [
            ("Set-Cookie", "NfBCSins2OywO=60fd9c1b27a8e4c3f5b6d0a2e9c7b1d4; Path=/; expires=Fri, 01 Jan 2027 00:00:00 "
                           "GMT; HttpOnly"), ("Cache-Control", "no-cache, no-store")]))
        # 加速乐-like: HTTP 521 with a __jsl_clearance cookie script.
        s, _ = add("jsl", "blocked-jsl", "青岚市市场监督管理局", "department", "/xxgk/ndbg/index.html", "challenge",
                   "HTTP 521 with document.cookie='__jsl_clearance=…' and a __jsluid_h cookie",
                   region="云岭省/青岚市", parent="trs-city")
        challenge521 = ("<script>document.cookie='__jsl_clearance=1764556800.217|0|kT%2FJx8VqMw3Dq9sR1ZcB0aF7pLo%3D;"
                        "max-age=3600;path=/';location.href=location.pathname+location.search</script>")
        s.fallback = Dynamic(lambda r, f: Answer(521, HTML, challenge521.encode(), [
            ("Set-Cookie", "__jsluid_h=3c0a9b7e5d21f4681a2b3c4d5e6f7a8b; max-age=31536000; path=/; HttpOnly")]))
        # 博达 VSB WAF: HTTP 488.
        s, _ = add("waf", "blocked-waf", "青岚市人力资源和社会保障局", "department", "/zfxxgknb.htm", "waf",
                   "HTTP 488 (VSB firewall) on every path", region="云岭省/青岚市", parent="trs-city")
        waf = ('<html><head><meta charset="utf-8"><title>访问受限</title></head><body><div style="margin:80px auto;'
               'width:520px;text-align:center"><h2>您的访问请求已被拦截</h2><p>请求编号：a7c31f09e2</p>'
               "<p>如有疑问请联系网站管理员。</p></div></body></html>")
        s.fallback = Dynamic(lambda r, f: Answer(488, HTML, waf.encode()))
        # A CAPTCHA page (HTTP 200) on every path.
        s, _ = add("captcha", "blocked-captcha", "青岚市公安局", "department", "/zwgk/gknb/index.html", "captcha",
                   "HTTP 200 page asking for a 验证码 on every path", region="云岭省/青岚市", parent="trs-city")
        captcha = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
                   '<form method="post" action="/verify"><p>访问过于频繁，请输入验证码后继续访问：</p>'
                   '<img src="/captcha.jpg?t=1" alt="验证码"><input type="text" name="code" placeholder="请输入验证码">'
                   '<button type="submit">确定</button></form></body></html>')
        s.add("/captcha.jpg", Static(_png(), "image/png", etag=None))
        s.fallback = Dynamic(lambda r, f: Answer(200, HTML, captcha.encode(), [("Cache-Control", "no-store")]))
        # A retired column answering HTTP 200 「您访问的页面不存在」 (the home page is fine).
        s, agency = add("soft404", "blocked-soft404", "桐溪区教育局", "department", "/zfxxgk/zfxxgknb/index.html",
                        "soft-404", "the column answers HTTP 200 「您访问的页面不存在」 (< 2 KB)",
                        region="云岭省/青岚市/桐溪区", parent="trs-district")
        soft = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>页面不存在</title>'
                '<style>body{font-family:微软雅黑;text-align:center;color:#666}</style></head><body>'
                '<div style="margin-top:120px"><img src="/images/404.png" alt="">'
                "<p>抱歉，您访问的页面不存在或已被删除！</p>"
                '<p><a href="/">返回首页</a></p></div></body></html>')
        assert len(soft.encode()) < 2048
        s.not_found = soft.encode()
        s.fallback = Dynamic(lambda r, f: Answer(200, HTML, soft.encode()))
        s.page("/", self.home(SiteInfo("桐溪区教育局", "jyj.tongxi.gov.cn", "5301020014"), "/zfxxgk/"))
        # A retired column redirected to the home page.
        s, agency = add("moved", "blocked-moved", "桐溪区民政局", "department", "/zwgk/gknb/index.html",
                        "home-redirect",
                        "the column answers 302 Location: / (the home page)", region="云岭省/青岚市/桐溪区",
                        parent="trs-district")
        s.fallback = Redirect("/")
        s.page("/", self.home(SiteInfo("桐溪区民政局", "mzj.tongxi.gov.cn", "5301020019"), "/zwgk/"))
        # robots.txt forbids everything; the column itself would answer.
        s, agency = add("robots", "blocked-robots", "顺河区人民政府", "government", "/zwgk/zfxxgknb/index.html",
                        "robots",
                        "robots.txt: Disallow: / (the pages are there: none may be fetched)",
                        level="county", region="云岭省/青岚市/顺河区", supervisors=["zwgk@shunhe.example.org"])
        s.page("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
        shunhe = SiteInfo("顺河区人民政府", "www.shunhe.gov.cn", "5301030001")
        self.simple_column(s, shunhe, "/zwgk/zfxxgknb/", agency, "robots", truth=False)
        s.page("/", self.home(shunhe, "/zwgk/zfxxgknb/"))

    def simple_column(self, s: Site, info: SiteInfo, base: str, agency: AgencyTruth, key: str, *,
                      truth: bool = True, years: range = YEARS, handlers: dict[int, Callable[[Static], Handler]]
                      | None = None, direct: dict[int, Handler] | None = None) -> TrsListing:
        """A small classic TRS column of one agency's reports (dates: 20–28 January of Y+1).
        `handlers`: wrap a report's page in a fault; `direct`: list that year as a bare PDF link served
        by this handler."""
        entries = []
        origin = ref(s.name)
        for year in sorted(years, reverse=True):
            day = f"{year + 1}-01-{20 + (year * 7 + len(key)) % 9:02d}"
            title = f"{agency.name}{year}年政府信息公开工作年度报告"
            if direct and year in direct:
                path = f"{base}{day[:4]}{day[5:7]}/P0{day.replace('-', '')}58214736{year}.pdf"
                s.add(path, direct[year])
                url = origin + path
                self.record(agency, agency.name, year, url, PDF, fault="endless")
                if truth:
                    self.year(agency, year, url=url, title=title, published=d(day), claims={"listing": d(day)},
                              listed_on=[origin + base + "index.html"], media_type=PDF, status="error",
                              note="the PDF never ends: capped by max_document_mb, not stored")
                entries.append(Entry(title, url, day))
                continue
            path = f"{base}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{7100000 + year * 13 + len(key)}.html"
            values = self.farm.values(key, year)

            def render(v: Tables, year: int = year, title: str = title, day: str = day) -> str:
                body = reports.body_html(self.doc(key, agency.name, year, values=v), f"{key}/{year}")
                return trs_article(info, Article(title, body, agency.name, pubdate=day + " 09:00",
                                                 shown=day + " 09:00", written=day))

            static = Static(lambda render=render, values=values: render(values))
            fault = handlers.get(year) if handlers else None
            s.add(path, fault(static) if fault else static)
            url = origin + path
            doc = self.record(agency, agency.name, year, url, fault="drip" if fault else "")
            if truth:
                self.year(agency, year, url=url, title=title, published=d(day),
                          claims={"listing": d(day), "meta": d(day), "text": d(day), "url": d(day)},
                          listed_on=[origin + base + "index.html"], status="error" if fault else "published",
                          note="the page drips one byte a second: never completes" if fault else "")
                if not fault:
                    self.revisable(agency, year, url, values, render, doc)
            entries.append(Entry(title, url, day))
        listing = TrsListing(s, replace(info, column="政府信息公开年报"), base, entries, per_page=10)
        listing.mount()
        agency.listing_pages = [origin + p for p in listing.paths()]
        return listing

    # =========================================================================================
    # Faulty hosts
    # =========================================================================================
    def faults(self) -> None:
        net = self.site("faults-net")
        body = self.site("faults-body")
        intranet = self.site("intranet")
        city_info = SiteInfo("青岚市人民政府", "www.qinglan.gov.cn", "5301000008")

        def add(site: Site, agency_id: str, name: str, base: str, trap: str, **fields: Any) -> AgencyTruth:
            agency = self.agency(site.name, "trs", id=agency_id, name=name, kind="department", region="云岭省/青岚市",
                                 parent="trs-city", listing=[ref(site.name) + base + "index.html"], traps=[trap],
                                 **fields)
            return agency

        def wrap(site: Site, target: str, make: Callable[[Handler], Handler]) -> None:
            site.routes[target] = make(site.routes[target])

        slow = self.farm.slow_seconds
        a = add(net, "fault-timeout", "青岚市水利局", "/slow/zfxxgknb/",
                f"the column answers only after {slow:g} s (past the client timeout)", down="timeout")
        self.simple_column(net, city_info, "/slow/zfxxgknb/", a, "fault-timeout", truth=False)
        wrap(net, "/slow/zfxxgknb/index.html", lambda h: Slow(slow, h))
        a = add(net, "fault-flaky", "青岚市林业和草原局", "/flaky/zfxxgknb/",
                "the column answers 500 twice, then 200 (farm.reset_faults() re-arms it)")
        self.simple_column(net, city_info, "/flaky/zfxxgknb/", a, "fault-flaky")
        wrap(net, "/flaky/zfxxgknb/index.html", lambda h: FailFirst(2, h))
        add(net, "fault-down", "青岚市文化和旅游局", "/down/zfxxgknb/", "the column always answers 500", down="500")
        net.add("/down/zfxxgknb/index.html", Fail(500))
        add(net, "fault-reset", "青岚市应急管理局", "/reset/zfxxgknb/", "the connection is reset without an answer",
            down="reset")
        net.add("/reset/zfxxgknb/index.html", Reset())
        for agency_id in ("fault-down", "fault-reset"):
            truth = self.farm.truth[agency_id]
            truth.listing_pages = list(truth.listing)

        a = add(body, "fault-drip", "青岚市农业农村局", "/drip/zfxxgknb/",
                "the 2025 report drips one byte a second (read timeouts never fire)")
        self.simple_column(body, city_info, "/drip/zfxxgknb/", a, "fault-drip",
                           handlers={2025: lambda h: Drip(h, self.farm.drip_interval)})
        a = add(body, "fault-endless", "青岚市商务局", "/endless/zfxxgknb/",
                "the 2025 report is a PDF link whose body never ends")
        self.simple_column(body, city_info, "/endless/zfxxgknb/", a, "fault-endless", direct={2025: Endless()})
        a = add(body, "fault-loop", "青岚市退役军人事务局", "/loop/zfxxgknb/", "the column redirects in a loop",
                down="redirect-loop")
        body.add("/loop/zfxxgknb/index.html", Redirect("/loop/zfxxgknb/index_a.html"))
        body.add("/loop/zfxxgknb/index_a.html", Redirect(ref("faults-body") + "/loop/zfxxgknb/index.html", 301))
        a.listing_pages = list(a.listing)
        a = add(body, "fault-private", "青岚市医疗保障局", "/yb/zfxxgknb/",
                "the column redirects to the 'intranet' host (declare its address private): refused",
                down="private-redirect")
        body.add("/yb/zfxxgknb/index.html", Redirect(ref("intranet") + "/yb/zfxxgknb/index.html"))
        listing_pages = list(a.listing)
        self.simple_column(intranet, city_info, "/yb/zfxxgknb/", a, "fault-private", truth=False)
        a.never_requested = list(a.listing_pages)
        a.listing_pages = listing_pages
        for site in (net, body, intranet):
            site.page("/", self.home(city_info, "/"))


def build_farm(seed: int = 0, *, slow_seconds: float = 8.0, drip_interval: float = 1.0) -> FixtureFarm:
    """The fixture farm (not started): start it with `with build_farm() as farm:` or `farm.start()`."""
    return FixtureFarm(seed, slow_seconds=slow_seconds, drip_interval=drip_interval)


__all__ = ["BEIJING", "DEFAULT_NOW", "DocTruth", "FixtureFarm", "build_farm"]
