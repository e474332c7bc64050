"""`monitor deadlines` on a database: the publication rules over stored versions and crawl records, their
findings opened and resolved as time and publication move on (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from monitor import timeliness
from monitor.config import Agency
from monitor.pipeline import read, store_report
from monitor.report import BEIJING, DateClaim
from monitor.store import Store, models
from monitor.store import crawl as records
from monitor.store.models import FindingStatus, ListingStatus

LISTING = "http://127.0.0.2/zfxxgknb/"
OFFICE = Agency(id="weibin-office", name="卫滨区人民政府办公室", kind="department", region="河南省/新乡市/卫滨区",
                listing=[LISTING], supervisors=["gkb@example.org"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


@pytest.fixture
def store(registered) -> Store:
    return registered([OFFICE], datetime(2025, 1, 1, tzinfo=UTC))


def listing_read(store: Store, when: datetime, status: ListingStatus = ListingStatus.OK, **extra) -> None:
    with store.transaction() as session:
        (_, sources), = records.listings(session, ["weibin-office"])
        records.listing_outcome(session, sources[0].id, status, when, **extra)


def publish(store: Store, corpus_dir, published: str | None, seen: str) -> None:
    data = (corpus_dir / "weibin-office-2025.txt").read_bytes()
    report = read(data, "http://127.0.0.2/2025.txt")
    report.published = [DateClaim("meta:pubdate", at(published), published)] if published else []
    store_report(store, "weibin-office", report, data, now=at(seen))


def evaluate(store: Store, now: str) -> dict[str, str]:
    timeliness.evaluate(store, at(now), first_year=2025, down_after=3)
    with store.reading() as session:
        return {f"{f.rule}:{f.year}": f.status for f in session.scalars(select(models.Finding).where(
            models.Finding.rule.in_(timeliness.PUBLICATION_RULES)))}


def test_missing_opens_after_the_deadline_and_resolves_when_the_report_appears(store, corpus_dir):
    listing_read(store, at("2026-01-10T07:00"))
    assert evaluate(store, "2026-01-31T20:00") == {}  # on the deadline day: not yet missing
    listing_read(store, at("2026-02-01T07:00"))
    assert evaluate(store, "2026-02-01T08:00") == {"MISSING:2025": FindingStatus.OPEN}
    publish(store, corpus_dir, "2026-02-03T09:00", seen="2026-02-04T07:00")
    assert evaluate(store, "2026-02-04T08:00") == {"MISSING:2025": FindingStatus.RESOLVED,
                                                   "LATE:2025": FindingStatus.OPEN}


def test_a_report_on_time_raises_nothing_and_late_is_judged_on_the_first_version(store, corpus_dir):
    listing_read(store, at("2026-02-01T07:00"))
    publish(store, corpus_dir, "2026-01-30T09:00", seen="2026-02-01T07:00")
    assert evaluate(store, "2026-03-01T08:00") == {}


def test_a_blocked_listing_never_reads_as_missing(store):
    listing_read(store, at("2026-02-01T07:00"))
    listing_read(store, at("2026-02-02T07:00"), ListingStatus.BLOCKED, block_kind="challenge", error="HTTP 412")
    assert evaluate(store, "2026-02-02T08:00") == {"SOURCE-BLOCKED:2025": FindingStatus.OPEN}
    listing_read(store, at("2026-02-03T07:00"))  # readable again: now the absence means something
    assert evaluate(store, "2026-02-03T08:00") == {"SOURCE-BLOCKED:2025": FindingStatus.RESOLVED,
                                                   "MISSING:2025": FindingStatus.OPEN}


def test_source_down_after_three_failed_crawls(store):
    for day in (1, 2):
        listing_read(store, at(f"2026-02-0{day}T07:00"), ListingStatus.FAILED, error="连接超时")
    assert evaluate(store, "2026-02-02T08:00") == {}
    listing_read(store, at("2026-02-03T07:00"), ListingStatus.FAILED, error="连接超时")
    assert evaluate(store, "2026-02-03T08:00") == {"SOURCE-DOWN:2025": FindingStatus.OPEN}


def test_an_undated_report_is_flagged(store, corpus_dir):
    listing_read(store, at("2026-01-05T07:00"))
    publish(store, corpus_dir, None, seen="2026-01-20T07:00")
    assert evaluate(store, "2026-03-01T08:00") == {"UNDATED:2025": FindingStatus.OPEN}
