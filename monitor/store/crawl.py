"""What the crawls record: each listing's outcome, the conditional-GET cache, the report links found on
listings; and, read back, what is known of each agency-year's publication for the publication rules.

Nothing here does HTTP or judges: `scrapers.crawl` fetches and hands over outcomes, `rules.publication`
judges the Publications built here.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from monitor import deadlines
from monitor.report import BEIJING
from monitor.store.models import Agency, CrawlLink, HttpCache, LinkStatus, ListingSource, ListingStatus, Report
from rules.publication import FirstVersion, Listing, Publication, Removed


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()


# --- the conditional-GET cache ----------------------------------------------------------------------
@dataclass(frozen=True)
class Cached:
    """What the last answer for a URL said: its validators and the sha256 of its body."""

    etag: str | None
    last_modified: str | None
    sha256: str | None
    status: int | None


def cached(session: Session, url: str) -> Cached | None:
    row = session.get(HttpCache, url_hash(url))
    return None if row is None else Cached(row.etag, row.last_modified, row.sha256, row.status)


def remember(session: Session, url: str, *, etag: str | None, last_modified: str | None, status: int,
             sha256: str | None, now: datetime) -> None:
    """Keep the validators of an answer (a 304 keeps the ones stored). One statement, an upsert: two
    threads may fetch the same URL (a report linked from two agencies' listings) at once."""
    kept = {"checked_at": now, "status": status}
    if status != 304:
        kept |= {"etag": etag, "last_modified": last_modified, "sha256": sha256}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(HttpCache).values(url_hash=url_hash(url), url=url, **kept)
                    .on_conflict_do_update(index_elements=["url_hash"], set_=kept))


# --- listings ---------------------------------------------------------------------------------------
def listings(session: Session, agency_ids: Iterable[str] | None = None) -> list[tuple[Agency, list[ListingSource]]]:
    """The agencies (all, or those named) with their listing pages, in id order."""
    query = select(Agency).options(selectinload(Agency.listings)).order_by(Agency.id)
    if agency_ids is not None:
        query = query.where(Agency.id.in_(list(agency_ids)))
    return [(agency, list(agency.listings)) for agency in session.scalars(query)]


def listing_outcome(session: Session, listing_id: int, status: ListingStatus, now: datetime, *,
                    adapter: str | None = None, block_kind: str | None = None, error: str | None = None,
                    etag: str | None = None, last_modified: str | None = None) -> None:
    """Record how a crawl of a listing went: read (or 304) resets its failures; blocked and failed
    count them. A listing read keeps its first page's validators for the next conditional GET."""
    row = session.get(ListingSource, listing_id)
    if row is None:  # removed from the registry during the crawl
        return
    row.last_checked, row.last_status, row.last_error = now, status.value, error
    if status in (ListingStatus.OK, ListingStatus.NOT_MODIFIED):
        row.consecutive_failures, row.block_kind, row.last_ok_at = 0, None, now
        row.first_ok_at = row.first_ok_at or now
        row.adapter = adapter or row.adapter
        if status == ListingStatus.OK:
            row.etag, row.last_modified = etag, last_modified
    else:
        row.consecutive_failures += 1
        row.block_kind = block_kind if status == ListingStatus.BLOCKED else None


# --- report links -----------------------------------------------------------------------------------
def links(session: Session, agency_id: str) -> dict[str, CrawlLink]:
    """The agency's known report links by URL."""
    return {row.url: row for row in session.scalars(select(CrawlLink).where(CrawlLink.agency_id == agency_id))}


def link(session: Session, agency_id: str, url: str) -> CrawlLink | None:
    return session.scalar(select(CrawlLink).where(CrawlLink.agency_id == agency_id,
                                                  CrawlLink.url_hash == url_hash(url)))


def found(session: Session, agency_id: str, url: str, *, listing_url: str, title: str, year: int, correction: bool,
          listed_on: date | None, listed_raw: str, now: datetime) -> CrawlLink:
    """A report link seen on a listing: recorded the first time, its last sighting updated after; a
    link that had gone from its listing and is back is no longer gone."""
    row = link(session, agency_id, url)
    if row is None:
        row = CrawlLink(agency_id=agency_id, url_hash=url_hash(url), url=url, listing_url=listing_url, title=title,
                        year=year, correction=correction, listed_on=listed_on, listed_raw=listed_raw or None,
                        status=LinkStatus.PENDING.value, first_seen=now, last_seen=now)
        session.add(row)
        session.flush()
        return row
    row.last_seen, row.title = now, title
    if row.gone_at is not None and row.gone_reason == GONE_FROM_LISTING:
        row.gone_at = row.gone_reason = None
    return row


GONE_FROM_LISTING = "已从公开栏目列表中删除"


def gone_from_listing(session: Session, agency_id: str, listing_url: str, present: set[str], now: datetime) -> int:
    """Links of a listing that was read completely but no longer shows them: marked gone (REMOVED
    for a stored report)."""
    count = 0
    query = select(CrawlLink).where(CrawlLink.agency_id == agency_id, CrawlLink.listing_url == listing_url,
                                    CrawlLink.gone_at.is_(None))
    for row in session.scalars(query):
        if row.url not in present:
            row.gone_at, row.gone_reason = now, GONE_FROM_LISTING
            count += 1
    return count


# --- publications, for the publication rules -----------------------------------------------------------
STATUTORY = {"department": (1, 31), "township": (1, 31), "government": (3, 31)}


def publications(session: Session, now: datetime, *, first_year: int, down_after: int,
                 agency_ids: Iterable[str] | None = None) -> list[tuple[str, int, Publication]]:
    """(agency id, year, Publication) for every registered agency (or those named) and every year from
    `first_year` to the last one due, plus any year with a stored report."""
    today = now.astimezone(BEIJING).date()
    current = today.year - 1
    wanted = None if agency_ids is None else list(agency_ids)
    agencies = listings(session, wanted)
    ids = [agency.id for agency, _ in agencies]
    firsts: dict[tuple[str, int], FirstVersion] = {}
    query = select(Report.agency_id, Report.year, Report.id, Report.url, Report.first_seen, Report.published,
                   Report.published_source).where(Report.version == 1)
    if wanted is not None:
        query = query.where(Report.agency_id.in_(ids))
    for agency_id, year, report_id, url, first_seen, published, source in session.execute(query):
        firsts[(agency_id, year)] = FirstVersion(url, first_seen, published, source, report_id)
    stored_years: dict[str, set[int]] = defaultdict(set)
    for agency_id, year in firsts:
        stored_years[agency_id].add(year)
    listed: set[tuple[str, int]] = set()
    removed: dict[tuple[str, int], list[Removed]] = defaultdict(list)
    link_query = select(CrawlLink.agency_id, CrawlLink.year, CrawlLink.status, CrawlLink.url, CrawlLink.title,
                        CrawlLink.gone_at, CrawlLink.gone_reason).where(CrawlLink.status != LinkStatus.OTHER.value)
    if wanted is not None:
        link_query = link_query.where(CrawlLink.agency_id.in_(ids))
    for agency_id, year, status, url, title, gone_at, reason in session.execute(link_query):
        if status != LinkStatus.DEAD.value:
            listed.add((agency_id, year))
        if gone_at is not None and status == LinkStatus.STORED.value:
            removed[(agency_id, year)].append(Removed(url, title, gone_at, reason or ""))
    out = []
    for agency, sources in agencies:
        state = tuple(Listing(s.url, s.first_ok_at, s.last_ok_at, s.block_kind, s.consecutive_failures, s.last_error)
                      for s in sources)
        years = set(range(first_year, current + 1)) | stored_years[agency.id]
        month, day = STATUTORY[agency.kind]
        for year in sorted(years):
            out.append((agency.id, year, Publication(
                agency_name=agency.name, kind=agency.kind, year=year,
                deadline=deadlines.deadline(agency.kind, agency.level, year, agency.deadline),
                statutory=date(year + 1, month, day), now=now, first=firsts.get((agency.id, year)),
                listed=(agency.id, year) in listed, listings=state, removed=tuple(removed.get((agency.id, year), ())),
                down_after=down_after, current=year == current)))
    return out
