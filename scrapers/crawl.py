"""One crawl: every agency's listings are read, new and changed reports fetched, read, stored and
evaluated (the pipeline of `monitor.pipeline`), then the publication rules run.

Sites are crawled side by side (`[crawl] hosts_in_parallel`), each site's agencies one after the other,
so that the fetcher's one-request-at-a-time-per-host never makes a thread wait for another; documents
are read in worker processes under a time and memory limit (`monitor.isolation`), stored in the main
process. Every document is stored in a transaction of its own and a listing's conditional-GET
validators are kept only after its links are recorded, so an interrupted crawl (Ctrl-C, SIGTERM, even
`kill -9`) loses nothing stored and repeats, next time, only the unit that was in flight.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from monitor.config import Settings
from monitor.errors import InputError
from monitor.isolation import Broken, Pool
from monitor.parsing import page_dates
from monitor.pipeline import IngestStatus, read, record_unreadable, store_report
from monitor.report import BEIJING, DateClaim, Report, same_agency
from monitor.store import Store
from monitor.store import crawl as records
from monitor.store.models import CrawlLink, LinkStatus, ListingStatus
from scrapers import discovery
from scrapers.adapters import parse_listing
from scrapers.article import attachments, link_only, same_site
from scrapers.blocked import blocked
from scrapers.fetch import Fetcher, FetchError, FetchFailure, Politeness, Response
from scrapers.model import BlockKind, Candidate, Link, Page, Request

GONE_STATUSES = (404, 410)
MAX_ATTACHMENTS = 3  # attachments of one page tried as its report
_REPORT_NAME = re.compile("年度报告|年报")


@dataclass
class Summary:
    """What a crawl did, for its closing lines and the `runs` table."""

    agencies: int = 0
    listings_read: int = 0
    listings_unchanged: int = 0  # 304
    blocked: int = 0
    failed: int = 0
    new_reports: int = 0
    new_versions: int = 0
    unchanged_reports: int = 0
    unreadable: int = 0
    dead_links: int = 0
    removed: int = 0
    errors: int = 0
    requests: int = 0
    bytes: int = 0
    interrupted: bool = False
    problems: list[str] = field(default_factory=list)  # one line each: what went wrong where
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def problem(self, line: str) -> None:
        with self.lock:
            self.problems.append(line)

    def as_stats(self) -> dict[str, int | bool]:
        return {name: getattr(self, name) for name in (
            "agencies", "listings_read", "listings_unchanged", "blocked", "failed", "new_reports", "new_versions",
            "unchanged_reports", "unreadable", "dead_links", "removed", "errors", "requests", "bytes", "interrupted")}


@dataclass(frozen=True)
class Source:
    """A listing page of an agency, with the validators of its last read for this agency."""

    id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Target:
    """An agency to crawl: its registry id and name, and its listing pages."""

    id: str
    name: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ListingRead:
    """One listing's crawl: how it went, its candidates (none when unchanged) and whether every page was
    read (only then may links missing from it count as gone)."""

    status: ListingStatus
    candidates: tuple[Candidate, ...] = ()
    complete: bool = False
    adapter: str | None = None
    block_kind: BlockKind | None = None
    error: str | None = None
    validators: Response | None = None  # the first page's answer, whose ETag/Last-Modified are kept at the end


class Crawl:
    """A crawl of the registry (or of some agencies) as of `now`; `run()` does it. `fetcher` makes each
    thread's fetcher (tests give fetchers that treat some loopback addresses as public)."""

    def __init__(self, store: Store, settings: Settings, now: datetime, *, readers: int | None = None,
                 fetcher: Callable[[Politeness], Fetcher] | None = None,
                 on_agency: Callable[[str], None] | None = None) -> None:
        self.store, self.settings, self.config, self.now = store, settings, settings.crawl, now
        self.politeness = Politeness(self.config.per_host_interval_s)
        self.make_fetcher = fetcher or (lambda politeness: Fetcher(self.config, politeness))
        self.readers = Pool(readers or min(4, os.cpu_count() or 1))
        self.summary = Summary()
        self.stop = threading.Event()
        self.read_listings = True
        self.on_agency = on_agency
        self.local = threading.local()
        self.fetchers: list[Fetcher] = []
        self.lock = threading.Lock()

    # --- the whole crawl ------------------------------------------------------------------------------
    def run(self, agency_ids: Iterable[str] | None = None, *, listings: bool = True) -> Summary:
        """Crawl the agencies (all, or those named); `listings=False`: only re-check their known reports
        that are due (the service's re-check job)."""
        self.read_listings = listings
        with self.store.reading() as session:
            work = [Target(agency.id, agency.name, tuple(Source(s.id, s.url, s.etag, s.last_modified)
                                                          for s in sources))
                    for agency, sources in records.listings(session, agency_ids)]
        by_host: dict[str, list[Target]] = {}
        for target in work:
            host = urlsplit(target.sources[0].url).netloc if target.sources else ""
            by_host.setdefault(host, []).append(target)
        try:
            with ThreadPoolExecutor(max(1, min(self.config.hosts_in_parallel, len(by_host))),
                                    thread_name_prefix="crawl") as pool:
                for done in [pool.submit(self._host, items) for items in by_host.values()]:
                    done.result()
        finally:
            self.readers.close()
            for fetcher in self.fetchers:
                self.summary.add(requests=fetcher.requests, bytes=fetcher.bytes_received)
                fetcher.close()
        self.summary.interrupted = self.stop.is_set()
        return self.summary

    def _host(self, targets: list[Target]) -> None:
        """One site's agencies, one after the other; a listing page two of them share is read once."""
        read: dict[str, ListingRead] = {}
        for target in targets:
            if self.stop.is_set():
                return
            try:
                self.agency(target, read)
            except Exception as exc:  # a database error on one agency: the others go on
                self.summary.add(errors=1)
                self.summary.problem(f"{target.id}: 内部错误：{type(exc).__name__}: {_first_line(exc)}")
            self.summary.add(agencies=1)
            if self.on_agency is not None:
                self.on_agency(target.id)

    def _fetcher(self) -> Fetcher:
        fetcher: Fetcher | None = getattr(self.local, "fetcher", None)
        if fetcher is None:
            fetcher = self.local.fetcher = self.make_fetcher(self.politeness)
            with self.lock:
                self.fetchers.append(fetcher)
        return fetcher

    # --- one agency -------------------------------------------------------------------------------------
    def agency(self, target: Target, read: dict[str, ListingRead]) -> None:
        """Crawl one agency's listings (`read`: the listings of its site already read in this crawl),
        then re-check its known reports that are due."""
        for source in target.sources if self.read_listings else ():
            if self.stop.is_set():
                return
            result = read.get(source.url) or self.listing(source)
            if result.status == ListingStatus.OK and result.complete:
                read[source.url] = result
            present: set[str] = set()
            for candidate in self._own(result.candidates, target.name):
                if self.stop.is_set():
                    return
                present.add(candidate.link.url)
                present.update(twin.url for twin in candidate.twins)
                self.report(target.id, target.name, source.url, candidate)
            first = result.validators
            with self.store.transaction() as session:
                if result.complete and not self.stop.is_set():
                    gone = records.gone_from_listing(session, target.id, source.url, present, self.now)
                    self.summary.add(removed=gone)
                records.listing_outcome(session, source.id, result.status, self.now, adapter=result.adapter,
                                        block_kind=result.block_kind, error=result.error,
                                        etag=first.etag if first else None,
                                        last_modified=first.last_modified if first else None)
        if not self.stop.is_set():
            self.recheck(target.id, target.name)

    def _own(self, candidates: Iterable[Candidate], name: str) -> Iterator[Candidate]:
        """The candidates to fetch: those whose title names the agency (or no one); those naming another
        publisher only for a year no title of the agency's own covers (their content decides)."""
        # Oldest first, and a year's original before its corrections, so versions are numbered in
        # the order they were published.
        candidates = sorted(candidates, key=lambda c: (c.year, c.correction, c.link.listed or date.min))
        own_years = {c.year for c in candidates if _names(c.publisher, name)}
        for candidate in candidates:
            if _names(candidate.publisher, name) or candidate.year not in own_years:
                yield candidate

    # --- listings ---------------------------------------------------------------------------------------
    def listing(self, source: Source) -> ListingRead:
        """Read a listing with all its pages and sub-listings (conditionally: unchanged since this
        agency last read it, it is not read again)."""
        url = source.url
        try:
            first = self._fetcher().fetch(Request(url), etag=source.etag, last_modified=source.last_modified)
        except FetchError as exc:
            return self._failed(url, exc)
        if first.not_modified:
            self.summary.add(listings_unchanged=1)
            return ListingRead(ListingStatus.NOT_MODIFIED)
        kind = blocked(first, url)
        if kind is not None:
            self.summary.add(blocked=1)
            self.summary.problem(f"{url}: 网站阻止访问（{kind.value}，HTTP {first.status}）")
            return ListingRead(ListingStatus.BLOCKED, block_kind=kind, error=f"HTTP {first.status} {kind.value}")
        if first.status >= 400:
            self.summary.add(failed=1)
            self.summary.problem(f"{url}: 服务器返回 HTTP {first.status}")
            return ListingRead(ListingStatus.FAILED, error=f"服务器返回 HTTP {first.status}")
        page = Page(first.url, first.text(), first.content_type, first.request)
        listing = parse_listing(page)
        adapter = listing.adapter
        links: list[Link] = list(listing.links)
        pending = list(listing.next_pages) + list(listing.sublistings)
        seen = {url, first.url}
        complete, pages = True, 1
        while pending and not self.stop.is_set():
            request = pending.pop(0)
            key = _request_key(request)
            if key in seen or not same_site(request.url, first.url):  # never leave the agency's site
                continue
            seen.add(key)
            if pages >= self.config.max_listing_pages:
                complete = False
                break
            pages += 1
            try:
                response = self._fetcher().fetch(request)
            except FetchError as exc:
                complete = False
                self.summary.problem(f"{request.url}: {exc}")
                continue
            if response.status >= 400 or blocked(response, request.url) is not None:
                complete = False  # a page past the last one may 404: the links read so far stand
                continue
            more = parse_listing(Page(response.url, response.text(), response.content_type, request), adapter)
            links.extend(more.links)
            pending.extend(more.next_pages)
            pending.extend(more.sublistings)
        if not links:
            self.summary.add(failed=1)
            self.summary.problem(f"{url}: 页面中没有找到任何链接（可能是空白的验证页面或栏目已改版）")
            return ListingRead(ListingStatus.FAILED, error="页面中没有找到任何链接")
        self.summary.add(listings_read=1)
        own = [link for link in links if same_site(link.url, first.url)]
        found = discovery.candidates(own, first_year=self.config.first_year)
        return ListingRead(ListingStatus.OK, tuple(found), complete and not self.stop.is_set(), adapter,
                           validators=first)

    def _failed(self, url: str, exc: FetchError) -> ListingRead:
        if exc.kind == FetchFailure.ROBOTS:
            self.summary.add(blocked=1)
            self.summary.problem(f"{url}: {exc}")
            return ListingRead(ListingStatus.BLOCKED, block_kind=BlockKind.ROBOTS, error=str(exc))
        self.summary.add(failed=1)
        self.summary.problem(f"{url}: {exc}")
        return ListingRead(ListingStatus.FAILED, error=str(exc))

    # --- reports ----------------------------------------------------------------------------------------
    def report(self, agency_id: str, name: str, listing_url: str, candidate: Candidate) -> None:
        """Record a report link and, when it is new or its last fetch failed, fetch, read and store it."""
        link = candidate.link
        with self.store.transaction() as session:
            row = records.found(session, agency_id, link.url, listing_url=listing_url, title=link.title,
                                year=candidate.year, correction=candidate.correction, listed_on=link.listed,
                                listed_raw=link.listed_raw, now=self.now)
            status = LinkStatus(row.status)
        if status == LinkStatus.PENDING:
            self.fetch_report(agency_id, name, link.url, candidate)

    def fetch_report(self, agency_id: str, name: str, url: str, candidate: Candidate | None,
                     cache: records.Cached | None = None, *, stored: bool = False) -> None:
        """Fetch a report (conditionally when `cache` is given: a re-check), read it and store it. A
        link that is `stored` stays so when a re-check cannot read what it finds (a maintenance page)."""
        outcome: LinkStatus | None = None
        error: str | None = None
        gone: str | None = None
        report_id: int | None = None
        try:
            response = self._fetcher().fetch(Request(url), etag=cache.etag if cache else None,
                                             last_modified=cache.last_modified if cache else None)
        except FetchError as exc:
            self.summary.problem(f"{url}: {exc}")
            self._link(agency_id, url, error=str(exc))
            return
        if response.not_modified:
            self._link(agency_id, url)
            return
        if response.status in GONE_STATUSES:
            if cache is None:
                outcome, error = LinkStatus.DEAD, f"HTTP {response.status}"
                self.summary.add(dead_links=1)
            else:
                gone = f"网页返回 HTTP {response.status}"
            self._link(agency_id, url, status=outcome, error=error, gone=gone)
            return
        kind = blocked(response, url)
        if kind is not None or response.status >= 400:
            why = f"网站阻止访问（{kind.value}）" if kind else f"服务器返回 HTTP {response.status}"
            self.summary.problem(f"{url}: {why}")
            self._link(agency_id, url, error=why)
            return
        if cache is not None and cache.sha256 is not None and cache.sha256 == _sha(response.body):
            self._link(agency_id, url, validators=response)  # the same bytes: nothing to read again
            return
        document, data, content_type = url, response.body, response.content_type
        report, reason = self._read(data, document, content_type)
        if report is None or (response_is_page(response) and link_only(_page(response))):
            attached = self._attachment(response)
            if attached is not None:
                attachment, attached_report = attached
                document, data, content_type = attachment.url, attachment.body, attachment.content_type
                report, reason = attached_report, None
                report.published.extend(self._page_dates(response))  # the page dates its attachment
        if report is None:
            outcome = None if stored else LinkStatus.UNREADABLE
            self.summary.add(unreadable=1)
            self.summary.problem(f"{document}: 无法读取：{reason}")
            try:
                record_unreadable(self.store, agency_id, document, data, reason or "", now=self.now,
                                  fetched=_fetched(response))
            except Exception as exc:
                self.summary.problem(f"{document}: 未能保存：{type(exc).__name__}")
            self._link(agency_id, url, status=outcome, error=reason, validators=response)
            return
        if report.agency and not _names(report.agency, name):
            self._link(agency_id, url, status=LinkStatus.OTHER, error=f"报告署名为「{report.agency}」",
                       validators=response)
            return
        if report.year is None and candidate is not None:
            report.year = candidate.year
        if report.year is None:
            self._link(agency_id, url, status=LinkStatus.UNREADABLE, error="读不出报告年度", validators=response)
            return
        _dated(report, candidate, self.now)
        try:
            ingested = store_report(self.store, agency_id, report, data, now=self.now, fetched=_fetched(response))
        except InputError as exc:
            self.summary.problem(f"{document}: {exc}")
            self._link(agency_id, url, error=str(exc))
            return
        report_id = ingested.report_id
        self.summary.add(new_reports=ingested.status == IngestStatus.NEW, new_versions=ingested.status ==
                         IngestStatus.VERSION, unchanged_reports=ingested.status == IngestStatus.UNCHANGED)
        self._link(agency_id, url, status=LinkStatus.STORED, report_id=report_id, validators=response)

    def _read(self, data: bytes, location: str, content_type: str | None) -> tuple[Report | None, str | None]:
        """The report, or None and why not: refused, a limit broken, or any failure of its reader (one
        document never stops the agency's crawl)."""
        try:
            report: Report = self.readers.call(read, data, location, content_type)
            return report, None
        except (InputError, Broken) as exc:
            return None, str(exc)
        except Exception as exc:
            return None, f"读取失败：{type(exc).__name__}: {_first_line(exc)}"

    def _attachment(self, page: Response) -> tuple[Response, Report] | None:
        """The report attached to a page that is only a link to it (or that could not be read): the
        first of its attachments that reads as a report, those whose name says 年度报告 or 年报 first,
        at most MAX_ATTACHMENTS of them."""
        if not response_is_page(page):
            return None
        found = [item for item in attachments(_page(page)) if same_site(item.url, page.url)]
        found.sort(key=lambda item: not _REPORT_NAME.search(item.title))
        for item in found[:MAX_ATTACHMENTS]:
            try:
                response = self._fetcher().fetch(Request(item.url))
            except FetchError as exc:
                self.summary.problem(f"{item.url}: {exc}")
                continue
            if response.status >= 400 or blocked(response, item.url) is not None:
                continue
            report, _ = self._read(response.body, item.url, response.content_type)
            if report is not None:
                return response, report
        return None

    def _page_dates(self, page: Response) -> list[DateClaim]:
        try:
            claims: list[DateClaim] = self.readers.call(page_dates, page.body, page.url, page.content_type)
        except (InputError, Broken):
            return []
        return claims

    def _link(self, agency_id: str, url: str, *, status: LinkStatus | None = None, error: str | None = None,
              gone: str | None = None, report_id: int | None = None, validators: Response | None = None) -> None:
        with self.store.transaction() as session:
            row = records.link(session, agency_id, url)
            if row is None:
                return
            row.checked_at, row.error = self.now, error
            if status is not None:
                row.status = status.value
            if report_id is not None:
                row.report_id = report_id
            if gone is not None:
                if row.gone_at is None:  # gone since the first time it was found gone
                    row.gone_at, row.gone_reason = self.now, gone
                    self.summary.add(removed=row.status == LinkStatus.STORED.value)
            elif row.gone_reason != records.GONE_FROM_LISTING:
                row.gone_at = row.gone_reason = None
            if validators is not None:
                records.remember(session, url, etag=validators.etag, last_modified=validators.last_modified,
                                 status=validators.status, sha256=_sha(validators.body), now=self.now)

    # --- re-checks of known reports ----------------------------------------------------------------------
    def recheck(self, agency_id: str, name: str) -> None:
        """Fetch again the agency's report links that are due: conditionally, the stored and unreadable
        ones not checked for `recheck_days` (a changed one is a new version, REVISED; a 404/410 one is
        gone, REMOVED); dead ones as often; and every link whose last fetch failed, at each crawl (its
        listing may answer 304 from now on)."""
        due = self.now - timedelta(days=self.config.recheck_days)
        with self.store.reading() as session:
            rows = [row for row in records.links(session, agency_id).values() if _due(row, due, self.now)]
            work = [(row.url, row.status, _candidate(row)) for row in rows]
            caches = {url: records.cached(session, url) for url, status, _ in work
                      if status in (LinkStatus.STORED.value, LinkStatus.UNREADABLE.value)}
        for url, status, candidate in work:
            if self.stop.is_set():
                return
            cache = (caches.get(url) or records.Cached(None, None, None, None)) if url in caches else None
            self.fetch_report(agency_id, name, url, candidate, cache, stored=status == LinkStatus.STORED.value)


def _due(row: CrawlLink, due: datetime, now: datetime) -> bool:
    """Whether a report link is fetched again now (see Crawl.recheck)."""
    if row.status == LinkStatus.PENDING.value:
        return row.checked_at is None or row.checked_at < now  # not tried yet in this crawl
    if row.status in (LinkStatus.STORED.value, LinkStatus.UNREADABLE.value, LinkStatus.DEAD.value):
        return row.checked_at is None or row.checked_at <= due
    return False


def _candidate(row: CrawlLink) -> Candidate:
    """The candidate a recorded link came from: its title's year, its listed date."""
    return Candidate(Link(row.url, row.title, row.listed_on, row.listed_raw or ""), row.year,
                     correction=row.correction)


def response_is_page(response: Response) -> bool:
    media = (response.content_type or "").split(";")[0].strip().lower()
    return media in ("text/html", "application/xhtml+xml", "") and response.body.lstrip()[:1] == b"<"


def _page(response: Response) -> Page:
    return Page(response.url, response.text(), response.content_type, response.request)


def _names(publisher: str | None, name: str) -> bool:
    """Whether a title's or report's publisher names the agency (or no one): the same name, or for a
    government the region alone (「某某区」 for 某某区人民政府)."""
    if not publisher:
        return True
    if same_agency(publisher, name):
        return True
    return name.endswith("政府") and same_agency(publisher + "人民政府", name)


def _dated(report: Report, candidate: Candidate | None, now: datetime) -> None:
    """Add the listing's date to the report's date claims, and drop claims after the day the monitor
    sees the report (a date after it is an update, not the publication)."""
    claims = list(report.published)
    link = candidate.link if candidate else None
    if link is not None and link.listed is not None:
        listed = datetime(link.listed.year, link.listed.month, link.listed.day, tzinfo=BEIJING)
        claims.append(DateClaim("listing", listed, link.listed_raw or link.listed.isoformat()))
    today = now.astimezone(BEIJING).date()
    report.published = [claim for claim in claims if claim.value.astimezone(BEIJING).date() <= today]


def _fetched(response: Response) -> dict[str, object]:
    return {"http_status": response.status, "etag": response.etag, "last_modified": response.last_modified}


def _sha(body: bytes) -> str | None:
    return hashlib.sha256(body).hexdigest() if body else None


def _request_key(request: Request) -> str:
    return request.url + ("?" + "&".join(f"{k}={v}" for k, v in request.form) if request.form else "")


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""


@contextmanager
def interruptible(crawl: Crawl) -> Iterator[Crawl]:
    """SIGINT and SIGTERM ask the crawl to stop after the unit of work in flight."""
    import signal

    def stop(signum: int, frame: object) -> None:
        crawl.stop.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield crawl
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
