"""End to end on the fixture farm (tests/farm): a crawl of realistic government sites served on loopback
stores the right reports, versions and dates; `deadlines` raises exactly the expected LATE, MISSING and
SOURCE-BLOCKED; a second crawl of the unchanged farm sends only conditional requests for listings and
stores nothing; revisions and removals are noticed. SQLite and PostgreSQL."""

from __future__ import annotations

import ipaddress
import time
from datetime import timedelta

import pytest
from farm import DEFAULT_NOW, build_farm
from sqlalchemy import select

from monitor import timeliness
from monitor.config import Agency, CrawlConfig, Settings
from monitor.report import BEIJING
from monitor.store import Store, models
from scrapers.crawl import Crawl, Summary
from scrapers.fetch import Fetcher, Politeness

NOW = DEFAULT_NOW.astimezone(BEIJING) if DEFAULT_NOW.tzinfo else DEFAULT_NOW.replace(tzinfo=BEIJING)
# Short timeouts and a small size cap, so the farm's slow, dripping and endless answers end quickly.
CONFIG = CrawlConfig(per_host_interval_s=0.02, timeout_s=1.5, max_document_mb=5, first_year=2021, down_after=2,
                     recheck_days=7)
DEADLINE_S = 4.0


@pytest.fixture(scope="module")
def farm():
    with build_farm(slow_seconds=4, drip_interval=0.5) as running:
        yield running


@pytest.fixture
def store(registered, farm) -> Store:
    return registered([Agency(**entry) for entry in farm.registry()], NOW)


def crawl(store: Store, farm, now, **config) -> Summary:
    intranet = ipaddress.ip_address(farm.address("intranet"))
    settings = Settings(crawl=CONFIG.model_copy(update=config))

    def fetcher(politeness: Politeness) -> Fetcher:
        return Fetcher(settings.crawl, politeness, address_allowed=lambda address: address != intranet,
                       deadline_s=DEADLINE_S, sleep=lambda seconds: time.sleep(min(seconds, 0.05)))

    summary = Crawl(store, settings, now, fetcher=fetcher).run()
    timeliness.evaluate(store, now, first_year=settings.crawl.first_year, down_after=settings.crawl.down_after)
    return summary


def versions(store: Store) -> dict[tuple[str, int], list[models.Report]]:
    out: dict[tuple[str, int], list[models.Report]] = {}
    with store.reading() as session:
        for row in session.scalars(select(models.Report).order_by(models.Report.version)):
            out.setdefault((row.agency_id, row.year), []).append(row)
    return out


def open_findings(store: Store, *rules: str) -> set[tuple[str, int, str]]:
    with store.reading() as session:
        return {(f.agency_id, f.year, f.rule) for f in session.scalars(select(models.Finding).where(
            models.Finding.rule.in_(rules), models.Finding.status == models.FindingStatus.OPEN))}


def test_a_crawl_of_the_farm_stores_the_reports_and_raises_exactly_the_expected_findings(store, farm):
    farm.clear()
    summary = crawl(store, farm, NOW)
    stored = versions(store)
    problems = []
    for agency in farm.expected.values():
        for year, truth in agency.stored().items():
            rows = stored.get((agency.id, year))
            if not rows:
                problems.append(f"{agency.id} {year}: not stored ({truth.url})")
                continue
            first = rows[0]
            if truth.url and first.url != truth.url:
                problems.append(f"{agency.id} {year}: stored {first.url}, expected {truth.url}")
            if truth.published and first.published_day != truth.published:
                problems.append(f"{agency.id} {year}: published {first.published_day}, expected {truth.published}")
            if len(rows) != 1 + len(truth.corrections):
                problems.append(f"{agency.id} {year}: {len(rows)} versions, expected {1 + len(truth.corrections)}")
        for (agency_id, year), rows in stored.items():
            if agency_id == agency.id and year not in agency.stored() and year >= 2021:
                problems.append(f"{agency.id} {year}: stored {rows[0].url}, which is no report of this agency")
    requested = {f"http://{r.address}{r.target}" for r in farm.requests}
    for agency in farm.expected.values():
        for url in agency.never_requested:
            if url in requested:
                problems.append(f"{agency.id}: requested {url}, which leaves the agency's site")
    assert not problems, "\n".join(problems) + f"\n{summary}"

    expected = farm.timeliness(NOW)
    unsure = expected.unsure
    late = {(a, y) for a, y, _ in open_findings(store, "LATE")} - unsure
    missing = {(a, y) for a, y, _ in open_findings(store, "MISSING")} - unsure
    blocked = {a for a, _, _ in open_findings(store, "SOURCE-BLOCKED")}
    assert late == expected.late - unsure
    assert missing == expected.missing - unsure
    assert blocked == expected.blocked


def test_a_second_crawl_of_the_unchanged_farm_stores_nothing_and_asks_conditionally(store, farm):
    crawl(store, farm, NOW)
    before = versions(store)
    farm.clear()
    summary = crawl(store, farm, NOW + timedelta(days=1))
    assert summary.new_reports == summary.new_versions == 0
    assert versions(store).keys() == before.keys()
    listing_targets = {page for agency in farm.expected.values() if not (agency.blocked or agency.down)
                       for page in agency.listing}
    first_pages = [r for r in farm.requests if f"http://{r.address}{r.target}" in listing_targets]
    assert first_pages and all(r.conditional for r in first_pages), first_pages
    # a report whose download failed is tried again although its listing answered 304
    failed = {t.url for a in farm.expected.values() for t in a.years.values() if t.status == "error" and t.url}
    requested = {f"http://{r.address}{r.target}" for r in farm.requests}
    assert failed and failed <= requested, failed - requested
    # the down sites failed twice (down_after = 2): SOURCE-DOWN
    down = {a for a, _, _ in open_findings(store, "SOURCE-DOWN")}
    assert down == farm.timeliness(NOW).down


def test_revisions_removals_and_late_publication_are_noticed_on_later_crawls(registered):
    with build_farm(slow_seconds=4, drip_interval=0.5) as farm:  # its own farm: this test changes it
        store = registered([Agency(**entry) for entry in farm.registry()], NOW)
        crawl(store, farm, NOW)
        assert ("hanweb-edu", 2025, "MISSING") in open_findings(store, "MISSING")
        revised_url, cells = farm.revise_report("trs-city", 2024)
        removed_url = farm.expected["gkmlpt-district"].years[2023].url
        farm.remove(removed_url, from_listing=False)  # the page answers 404, its link stays listed
        pending = farm.publish_pending("hanweb-edu")
        farm.clear()
        later = NOW + timedelta(days=8)  # re-checks are due after recheck_days = 7
        summary = crawl(store, farm, later)
        assert summary.new_versions == 1 and summary.new_reports == 1, summary

        stored = versions(store)
        first, second = stored[("trs-city", 2024)]
        assert (first.url, second.url) == (revised_url, revised_url)
        assert second.published_day == first.published_day  # a revision never resets the date
        with store.reading() as session:
            (revised,) = session.scalars(select(models.Finding).where(
                models.Finding.rule == "REVISED", models.Finding.agency_id == "trs-city"))
            assert revised.year == 2024
            assert {change["cell"] for change in revised.evidence["changes"]} == set(cells)
        assert open_findings(store, "REMOVED") == {("gkmlpt-district", 2023, "REMOVED")}
        assert ("hanweb-edu", 2025) in stored and stored[("hanweb-edu", 2025)][0].url == pending.url
        assert ("hanweb-edu", 2025, "MISSING") not in open_findings(store, "MISSING")
        expected = farm.timeliness(later, pending_published=True)
        assert ("hanweb-edu", 2025) in expected.late
        assert ("hanweb-edu", 2025, "LATE") in open_findings(store, "LATE")
        # re-checks were conditional: the unchanged reports answered 304, the revised one 200, the removed 404
        rechecks = {f"http://{r.address}{r.target}": r.status for r in farm.requests if r.conditional}
        assert rechecks[revised_url] == 200 and rechecks[removed_url] == 404
        assert list(rechecks.values()).count(304) >= 20, rechecks
