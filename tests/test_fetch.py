"""scrapers.fetch (the crawler's HTTP) and scrapers.blocked, against real HTTP servers on loopback
addresses (127.0.0.1, 127.0.0.2) in threads. Retry waits go to a recorder instead of sleeping; no test
asserts on speed: the politeness tests compare the times the server saw requests arrive and end."""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import itertools
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest
from requests.structures import CaseInsensitiveDict

from monitor.config import CrawlConfig
from scrapers.blocked import blocked
from scrapers.fetch import (
    MAX_REDIRECTS,
    RETRY_WAIT_MAX_S,
    Fetcher,
    FetchError,
    FetchFailure,
    Politeness,
    Response,
    is_public,
)
from scrapers.model import BlockKind, Method, Request

Handler = http.server.BaseHTTPRequestHandler
Route = Callable[[Handler], None]


# --- a site on loopback --------------------------------------------------------------------------
@dataclass
class Hit:
    """A request as the server saw it, with the times it arrived and its answer was written."""

    path: str
    method: str
    headers: Message
    body: bytes
    start: float
    end: float = 0.0
    client: tuple[str, int] = ("", 0)  # the client's address and port: one per connection
    complete: bool = False  # the route wrote its whole answer


def send(h: Handler, status: int, body: bytes = b"", headers: tuple[tuple[str, str], ...] = ()) -> None:
    h.send_response(status)
    for name, value in headers:
        h.send_header(name, value)
    if not any(name.lower() == "content-length" for name, _ in headers):
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def not_found(h: Handler) -> None:
    send(h, 404, b"not found")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (deadline, size cap): expected here


@dataclass
class Site:
    host: str
    keep_alive: bool = False  # HTTP/1.1 with persistent connections (else HTTP/1.0: one request each)
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        site = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if self.keep_alive else "HTTP/1.0"

            def do_GET(self) -> None:
                site.serve(self)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self._lock = threading.Lock()
        self.server = _Server((self.host, 0), _Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}{path}"

    def serve(self, h: Handler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        hit = Hit(h.path, h.command, h.headers, h.rfile.read(length) if length else b"", time.monotonic(),
                  client=h.client_address)
        with self._lock:
            self.hits.append(hit)
        with contextlib.suppress(OSError, ValueError):
            self.routes.get(urlsplit(h.path).path, not_found)(h)
            h.wfile.flush()
            hit.complete = True
        hit.end = time.monotonic()

    def finished(self) -> list[Hit]:
        """The hits, once every route has returned (waiting at most 30 s)."""
        give_up = time.monotonic() + 30
        while any(not hit.end for hit in self.hits) and time.monotonic() < give_up:
            time.sleep(0.05)
        return self.hits

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Site]]:
    sites: list[Site] = []

    def make(host: str = "127.0.0.1", keep_alive: bool = False) -> Site:
        sites.append(Site(host, keep_alive))
        return sites[-1]

    yield make
    for site in sites:
        site.close()


def config(**changes: Any) -> CrawlConfig:
    values: dict[str, Any] = {"per_host_interval_s": 0, "timeout_s": 2, "max_document_mb": 1,
                              "allow_private_addresses": True}
    return CrawlConfig(**(values | changes))


def failure(call: Callable[[], object], kind: FetchFailure) -> str:
    with pytest.raises(FetchError) as caught:
        call()
    assert caught.value.kind == kind, caught.value
    message = str(caught.value)
    assert message.strip() and "\n" not in message
    return message


def answers(*replies: Route) -> Route:
    """A route answering with each reply in turn, the last one from then on."""
    calls = iter(range(10**6))

    def route(h: Handler) -> None:
        replies[min(next(calls), len(replies) - 1)](h)

    return route


def ok(body: bytes = b"ok", *headers: tuple[str, str]) -> Route:
    return lambda h: send(h, 200, body, headers)


# --- retries -------------------------------------------------------------------------------------
def test_server_errors_are_retried_with_backoff_then_succeed(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/flaky"] = answers(lambda h: send(h, 503), lambda h: send(h, 502), ok(b"done"))
    waits: list[float] = []
    with Fetcher(config(), sleep=waits.append) as fetcher:
        response = fetcher.fetch(Request(site.url("/flaky")))
    assert (response.status, response.body) == (200, b"done")
    assert site.paths() == ["/robots.txt", "/flaky", "/flaky", "/flaky"]
    assert waits == [1.0, 2.0]
    assert fetcher.requests == 4 and fetcher.bytes_received == len(b"not found") + len(b"done")


def test_an_error_status_after_the_retries_is_a_response_not_an_exception(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/down"] = lambda h: send(h, 500, b"oops")
    with Fetcher(config(), robots=False, sleep=[].append) as fetcher:
        assert fetcher.fetch(Request(site.url("/down"))).status == 500
        assert fetcher.fetch(Request(site.url("/gone"))).status == 404
    assert site.paths() == ["/down"] * 4 + ["/gone"]  # 404 is not retried


@pytest.mark.parametrize(("retry_after", "deadline", "expected"), [("5", None, 5.0), ("3600", None, RETRY_WAIT_MAX_S),
                                                                   ("3600", 8.0, 8.0)])
def test_retry_after_is_honoured_up_to_the_cap_and_the_deadline(serve: Callable[..., Site], retry_after: str,
                                                                deadline: float | None, expected: float) -> None:
    site = serve()
    site.routes["/busy"] = answers(lambda h: send(h, 503, b"", (("Retry-After", retry_after),)), ok())
    waits: list[float] = []
    with Fetcher(config(), robots=False, deadline_s=deadline, sleep=waits.append) as fetcher:
        assert fetcher.fetch(Request(site.url("/busy"))).status == 200
    assert len(waits) == 1 and expected - 1 < waits[0] <= expected


def test_a_retry_waits_at_least_the_politeness_interval(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/busy"] = answers(lambda h: send(h, 503, b"", (("Retry-After", "0"),)), ok())
    waits: list[float] = []
    with Fetcher(config(per_host_interval_s=3), robots=False, sleep=waits.append) as fetcher:
        fetcher.fetch(Request(site.url("/busy")))
    assert waits == [3.0]


# --- politeness ----------------------------------------------------------------------------------
def test_fetchers_of_one_host_take_turns_and_keep_the_interval(serve: Callable[..., Site]) -> None:
    site = serve()

    def slow(h: Handler) -> None:
        time.sleep(0.05)
        send(h, 200, b"page")

    site.routes["/page"] = slow
    politeness = Politeness(0.5)

    def crawl(worker: int) -> None:
        with Fetcher(config(per_host_interval_s=0.5), politeness, robots=False) as fetcher:
            for n in range(3):
                fetcher.fetch(Request(site.url(f"/page?w={worker}&n={n}")))

    threads = [threading.Thread(target=crawl, args=(worker,)) for worker in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    hits = sorted(site.hits, key=lambda hit: hit.start)
    assert len(hits) == 6
    gaps = [after.start - before.end for before, after in itertools.pairwise(hits)]
    # never overlapping, and 0.5 s (+ jitter) apart, less what a busy machine may delay the server's records
    assert min(gaps) > 0.3, gaps


def test_different_hosts_are_fetched_in_parallel(serve: Callable[..., Site]) -> None:
    """Each server answers only once a request to the other one is in flight too."""
    both = threading.Barrier(2, timeout=5)

    def meet(h: Handler) -> None:
        try:
            both.wait()
        except threading.BrokenBarrierError:
            send(h, 500, b"alone")
            return
        send(h, 200, b"together")

    sites = [serve("127.0.0.1"), serve("127.0.0.2")]
    for site in sites:
        site.routes["/meet"] = meet
    politeness = Politeness(5.0)
    statuses: list[int] = []

    def visit(site: Site) -> None:
        # (a read timeout above the barrier's: a retry must not make up the pair)
        with Fetcher(config(per_host_interval_s=5, timeout_s=10), politeness, robots=False, sleep=[].append) as fetcher:
            statuses.append(fetcher.fetch(Request(site.url("/meet"))).status)

    threads = [threading.Thread(target=visit, args=(site,)) for site in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]


# --- robots.txt ----------------------------------------------------------------------------------
ROBOTS = b"User-agent: annual-report-monitor\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n"


def test_robots_disallow_is_obeyed_and_read_once_per_crawl(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/robots.txt"] = ok(ROBOTS, ("Content-Type", "text/plain"))
    site.routes["/public"] = ok()
    site.routes["/private/report.html"] = ok()
    politeness = Politeness(0)
    with Fetcher(config(), politeness) as one, Fetcher(config(), politeness) as two:
        assert one.fetch(Request(site.url("/public"))).status == 200
        message = failure(lambda: two.fetch(Request(site.url("/private/report.html"))), FetchFailure.ROBOTS)
        assert two.fetch(Request(site.url("/public"))).status == 200
    assert "robots.txt" in message
    assert site.paths() == ["/robots.txt", "/public", "/public"]


def test_robots_redirect_is_followed(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/robots.txt"] = lambda h: send(h, 301, b"", (("Location", "/real-robots.txt"),))
    site.routes["/real-robots.txt"] = ok(ROBOTS)
    with Fetcher(config()) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/private"))), FetchFailure.ROBOTS)


def test_robots_over_the_size_cap_is_read_up_to_it(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/robots.txt"] = ok(ROBOTS + b"# padding\n" * 60_000)  # 600 KB
    site.routes["/public"] = ok()
    with Fetcher(config()) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/private"))), FetchFailure.ROBOTS)
        assert fetcher.fetch(Request(site.url("/public"))).status == 200


def test_robots_missing_allows_everything(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/robots.txt"] = lambda h: send(h, 404)
    site.routes["/private"] = ok()
    with Fetcher(config()) as fetcher:
        assert fetcher.fetch(Request(site.url("/private"))).status == 200


@pytest.mark.parametrize(("route", "kind"), [(lambda h: send(h, 500), FetchFailure.BAD_RESPONSE),
                                             (lambda h: h.connection.close(), FetchFailure.CONNECTION)])
def test_robots_unreadable_disallows_the_site_for_the_crawl(serve: Callable[..., Site], route: Route,
                                                             kind: FetchFailure) -> None:
    """A site whose robots.txt cannot be read is not crawled, and fails with the site's own failure
    (a site that is down is SOURCE-DOWN, not SOURCE-BLOCKED by robots.txt)."""
    site = serve()
    site.routes["/robots.txt"] = route
    site.routes["/page"] = ok()
    politeness = Politeness(0)
    with Fetcher(config(), politeness, sleep=[].append) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/page"))), kind)
        failure(lambda: fetcher.fetch(Request(site.url("/page"))), kind)
    assert "/page" not in site.paths()
    assert set(site.paths()) == {"/robots.txt"} and len(site.paths()) == 4  # one read (and its retries)


def test_robots_crawl_delay_spaces_the_requests_up_to_a_cap(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/robots.txt"] = ok(b"User-agent: *\nCrawl-delay: 0.6\n")
    site.routes["/a"] = site.routes["/b"] = ok()
    politeness = Politeness(0)
    with Fetcher(config(), politeness) as fetcher:
        fetcher.fetch(Request(site.url("/a")))
        fetcher.fetch(Request(site.url("/b")))
    first, second = site.hits[1:]
    assert second.start - first.end > 0.4
    host = urlsplit(site.url("/")).netloc
    assert politeness.interval(host) == 0.6
    politeness.slow_down(host, 3600)
    assert politeness.interval(host) == 60


# --- conditional GET -----------------------------------------------------------------------------
def conditional(header: str, validator: str, value: str) -> Route:
    def route(h: Handler) -> None:
        if h.headers.get(header) == value:
            send(h, 304, b"", ((validator, value),))
        else:
            send(h, 200, b"listing", ((validator, value),))

    return route


def test_conditional_get_with_etag_and_last_modified(serve: Callable[..., Site]) -> None:
    site = serve()
    stamp = "Wed, 01 Jan 2025 00:00:00 GMT"
    site.routes["/etag"] = conditional("If-None-Match", "ETag", '"v1"')
    site.routes["/dated"] = conditional("If-Modified-Since", "Last-Modified", stamp)
    with Fetcher(config(), robots=False) as fetcher:
        first = fetcher.fetch(Request(site.url("/etag")))
        again = fetcher.fetch(Request(site.url("/etag")), etag=first.etag)
        dated = fetcher.fetch(Request(site.url("/dated")))
        unchanged = fetcher.fetch(Request(site.url("/dated")), last_modified=dated.last_modified)
    assert (first.status, first.body, first.etag, first.not_modified) == (200, b"listing", '"v1"', False)
    assert (again.status, again.body, again.not_modified) == (304, b"", True)
    assert dated.last_modified == stamp and unchanged.not_modified and unchanged.body == b""


# --- size and time -------------------------------------------------------------------------------
def streamed(size: int, chunk: int = 1000, pause: float = 0.0) -> Route:
    """A body without Content-Length (ended by closing); size < 0: without end."""

    def route(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        sent = 0
        while size < 0 or sent < size:
            h.wfile.write(b"x" * chunk)
            h.wfile.flush()
            sent += chunk
            time.sleep(pause)

    return route


def test_size_cap_declared_and_streamed(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/declared"] = ok(b"x" * 5000)
    site.routes["/streamed"] = streamed(5000)
    site.routes["/endless"] = streamed(-1, chunk=64 * 1024)
    site.routes["/exact"] = streamed(1000)
    with Fetcher(config(), robots=False) as fetcher:
        assert "文件过大" in failure(lambda: fetcher.fetch(Request(site.url("/declared")), max_bytes=1000),
                                  FetchFailure.TOO_LARGE)
        assert "文件过大" in failure(lambda: fetcher.fetch(Request(site.url("/streamed")), max_bytes=1000),
                                  FetchFailure.TOO_LARGE)
        assert "1 MB" in failure(lambda: fetcher.fetch(Request(site.url("/endless"))), FetchFailure.TOO_LARGE)
        assert fetcher.fetch(Request(site.url("/exact")), max_bytes=1000).body == b"x" * 1000


def drip_headers(h: Handler) -> None:
    """A header every 0.2 s for 6 s, then a complete empty answer."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n")
    for n in range(30):
        h.wfile.write(b"X-Drip-%d: 1\r\n" % n)
        h.wfile.flush()
        time.sleep(0.2)
    h.wfile.write(b"\r\n")


@pytest.mark.parametrize("route", [drip_headers, streamed(30, chunk=1, pause=0.2),
                                   streamed(-1, chunk=1000, pause=0.02)], ids=["headers", "body", "endless"])
def test_dripping_and_endless_answers_end_at_the_deadline(serve: Callable[..., Site], route: Route) -> None:
    """Each read comes well within the 2 s read timeout; only the 1 s deadline ends the request (the
    drips would end after 6 s with a complete answer)."""
    site = serve()
    site.routes["/drip"] = route
    with Fetcher(config(max_document_mb=100), robots=False, deadline_s=1) as fetcher:
        message = failure(lambda: fetcher.fetch(Request(site.url("/drip"))), FetchFailure.TIMEOUT)
    assert "下载超时" in message and "1 秒" in message
    assert not any(hit.complete for hit in site.finished())  # the connection was cut, not read to the end


def test_the_wait_for_a_turn_does_not_count_against_the_deadline(serve: Callable[..., Site]) -> None:
    """The second hop waits 0.8 s for its turn on the host; the request's deadline is 0.5 s."""
    site = serve()
    site.routes["/hop"] = redirect("/page")
    site.routes["/page"] = ok()
    with Fetcher(config(per_host_interval_s=0.8), robots=False, deadline_s=0.5) as fetcher:
        assert fetcher.fetch(Request(site.url("/hop"))).body == b"ok"


def test_the_deadline_holds_on_a_kept_alive_connection(serve: Callable[..., Site]) -> None:
    site = serve(keep_alive=True)
    site.routes["/fast"] = ok()
    site.routes["/drip"] = drip_headers
    with Fetcher(config(), robots=False, deadline_s=1) as fetcher:
        assert fetcher.fetch(Request(site.url("/fast"))).body == b"ok"
        failure(lambda: fetcher.fetch(Request(site.url("/drip"))), FetchFailure.TIMEOUT)
    fast, drip = site.finished()
    assert fast.client == drip.client and not drip.complete


def test_connection_reset_is_retried_then_reported(serve: Callable[..., Site]) -> None:
    def reset(h: Handler) -> None:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()

    site = serve()
    site.routes["/reset"] = reset
    with Fetcher(config(), robots=False, sleep=[].append) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/reset"))), FetchFailure.CONNECTION)
    assert site.paths() == ["/reset"] * 4


def test_tls_failure_is_reported_as_such(serve: Callable[..., Site]) -> None:
    site = serve()  # plain HTTP: the TLS handshake fails
    with Fetcher(config(), robots=False) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/").replace("http://", "https://"))), FetchFailure.TLS)


# --- redirects and addresses ---------------------------------------------------------------------
def redirect(location: str, status: int = 302) -> Route:
    return lambda h: send(h, status, b"", (("Location", location),))


def test_redirects_are_followed_and_recorded(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/old"] = redirect("/middle", 301)
    site.routes["/middle"] = redirect(site.url("/new"))
    site.routes["/new"] = ok(b"here")
    with Fetcher(config(), robots=False) as fetcher:
        response = fetcher.fetch(Request(site.url("/old")))
    assert (response.url, response.body) == (site.url("/new"), b"here")
    assert response.redirects == (site.url("/old"), site.url("/middle"))


def test_post_sends_the_form_and_becomes_a_get_after_303(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/dataproxy.jsp"] = redirect("/result", 303)
    site.routes["/result"] = ok(b"<datastore/>")
    request = Request(site.url("/dataproxy.jsp"), Method.POST, form=(("page", "2"), ("col", "年报")),
                      headers=(("X-Requested-With", "XMLHttpRequest"),))
    with Fetcher(config(), robots=False) as fetcher:
        assert fetcher.fetch(request).body == b"<datastore/>"
    post, get = site.hits
    assert (post.method, post.body) == ("POST", b"page=2&col=%E5%B9%B4%E6%8A%A5")
    assert post.headers["X-Requested-With"] == "XMLHttpRequest"
    assert post.headers["User-Agent"] == CrawlConfig().user_agent
    assert (get.method, get.path) == ("GET", "/result")


def test_redirect_loop_is_stopped(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/a"] = redirect("/b")
    site.routes["/b"] = redirect("/a")
    with Fetcher(config(), robots=False) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/a"))), FetchFailure.TOO_MANY_REDIRECTS)
    assert len(site.hits) == MAX_REDIRECTS + 1


def only_127_0_0_2(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """The tests' Internet: 127.0.0.2 plays a public address, everything else is private."""
    return str(address) == "127.0.0.2"


def test_redirect_to_a_private_address_is_refused_on_the_second_hop(serve: Callable[..., Site]) -> None:
    public, private = serve("127.0.0.2"), serve("127.0.0.1")
    public.routes["/go"] = redirect(private.url("/secret"))
    private.routes["/secret"] = ok()
    strict = config(allow_private_addresses=False)
    with Fetcher(strict, address_allowed=only_127_0_0_2) as fetcher:
        message = failure(lambda: fetcher.fetch(Request(public.url("/go"))), FetchFailure.ADDRESS_REFUSED)
    assert "127.0.0.1" in message
    assert public.paths() == ["/robots.txt", "/go"] and private.hits == []
    with Fetcher(config(allow_private_addresses=True), address_allowed=only_127_0_0_2) as fetcher:
        assert fetcher.fetch(Request(public.url("/go"))).url == private.url("/secret")


def test_loopback_is_refused_by_default(serve: Callable[..., Site]) -> None:
    site = serve()
    with Fetcher(config(allow_private_addresses=False)) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/"))), FetchFailure.ADDRESS_REFUSED)
    assert site.hits == []


def test_the_connection_goes_to_the_address_that_was_checked(serve: Callable[..., Site],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name answers 127.0.0.2 ("public") once, then 127.0.0.1 (private)."""
    site = serve("127.0.0.2")
    site.routes["/page"] = ok()
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return real("127.0.0.2" if len(lookups) == 1 else "127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = site.server.server_address[1]
    with Fetcher(config(allow_private_addresses=False), robots=False, address_allowed=only_127_0_0_2) as fetcher:
        assert fetcher.fetch(Request(f"http://rebind.test:{port}/page")).status == 200
    assert lookups == ["rebind.test"] and site.paths() == ["/page"]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/report.pdf", "file:///etc/passwd", "javascript:alert(1)",
                                 "www.example.gov.cn/report.html", "http:///nohost"])
def test_only_http_urls_are_fetched(url: str) -> None:
    with Fetcher(config()) as fetcher:
        failure(lambda: fetcher.fetch(Request(url)), FetchFailure.BAD_URL)


def test_redirect_to_another_scheme_is_refused(serve: Callable[..., Site]) -> None:
    site = serve()
    site.routes["/file"] = redirect("file:///etc/passwd")
    with Fetcher(config(), robots=False) as fetcher:
        failure(lambda: fetcher.fetch(Request(site.url("/file"))), FetchFailure.BAD_URL)


@pytest.mark.parametrize(("address", "public"), [("8.8.8.8", True), ("2001:4860:4860::8888", True),
                                                 ("::ffff:8.8.8.8", True), ("10.1.2.3", False),
                                                 ("127.0.0.2", False), ("169.254.169.254", False),
                                                 ("224.0.0.1", False), ("0.0.0.0", False), ("::1", False),
                                                 ("fe80::1", False), ("::ffff:127.0.0.1", False),
                                                 ("100.64.0.1", False), ("240.0.0.1", False)])
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


# --- text ----------------------------------------------------------------------------------------
REPORT_PAGE = ("<html><head><title>2024年政府信息公开工作年度报告</title></head><body><p>联系人：朱镕基、王堃。"
               "本报告由区人民政府办公室编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况。"
               "</p></body></html>")


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=gb2312"])
def test_gbk_page_is_decoded(serve: Callable[..., Site], content_type: str) -> None:
    site = serve()
    site.routes["/report.html"] = ok(REPORT_PAGE.encode("gbk"), ("Content-Type", content_type))
    with Fetcher(config(), robots=False) as fetcher:
        text = fetcher.fetch(Request(site.url("/report.html"))).text()
    assert text == REPORT_PAGE and "镕" in text and "堃" in text


# --- blocked() -----------------------------------------------------------------------------------
LISTING = "http://www.example.gov.cn/xxgk/ndbg/index.html"
LONG_REPORT = "<p>" + "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息。" * 80 + "</p>"
SHORT_LISTING = ("<html><head><title>政府信息公开年报</title></head><body><ul>"
                 '<li><a href="/xxgk/ndbg/t20250120_1.html">2024年政府信息公开工作年度报告</a>'
                 "<span>2025-01-20</span></li>"
                 '<li><a href="/xxgk/ndbg/t20240118_2.html">2023年政府信息公开工作年度报告</a>'
                 "<span>2024-01-18</span></li></ul></body></html>")


def answer(status: int, html: str = "", *, url: str = LISTING, redirects: tuple[str, ...] = (),
           encoding: str = "utf-8") -> Response:
    headers = CaseInsensitiveDict({"Content-Type": f"text/html; charset={encoding}"})
    return Response(Request(redirects[0] if redirects else url), url, status, headers, html.encode(encoding),
                    redirects)


RUISHU = '<html><head><meta content="{qqWe}" r="m"><script>$_ts=window["$_ts"];$_ts.nsd=1;</script></head></html>'
JSL = "<script>document.cookie='__jsl_clearance_s=1700000000.1|0|abc;max-age=3600;path=/';location.reload()</script>"
JSL_OBFUSCATED = "<script>document.cookie=('_')+('_')+('j')+('sl_clea')+('rance_s=17');location.reload()</script>"


@pytest.mark.parametrize(("response", "kind"), [
    (answer(412, RUISHU), BlockKind.CHALLENGE),
    (answer(412), BlockKind.CHALLENGE),
    (answer(202, '<html><meta content="x" r="m"><body></body></html>'), BlockKind.CHALLENGE),
    (answer(202, RUISHU + LONG_REPORT), BlockKind.CHALLENGE),
    (answer(200, RUISHU), BlockKind.CHALLENGE),
    (answer(521, JSL), BlockKind.CHALLENGE),
    (answer(521, JSL_OBFUSCATED), BlockKind.CHALLENGE),
    (answer(488, "<html>Access denied</html>"), BlockKind.WAF),
    (answer(403, "<html>Forbidden</html>"), BlockKind.WAF),
    (answer(200, '<html><body><p>请输入验证码</p><img src="/code.jsp"><input name="code"></body></html>'),
     BlockKind.CAPTCHA),
    (answer(200, '<html><body><img id="captchaImage" src="/c"><input name="c"></body></html>'), BlockKind.CAPTCHA),
    (answer(200, "<html><body><div>请按住滑块，拖动到最右边</div><div>拖动滑块完成验证</div></body></html>"),
     BlockKind.CAPTCHA),
    (answer(200, "<html><title>提示</title><body>抱歉，您访问的页面不存在！<a href='/'>返回首页</a></body></html>"),
     BlockKind.SOFT_404),
    (answer(200, "<html><body><h1>404 Not Found</h1><hr>nginx</body></html>"), BlockKind.SOFT_404),
    (answer(200, "<html><body>对不起，找不到页面。</body></html>", encoding="gbk"), BlockKind.SOFT_404),
    (answer(200, "<html><body>该信息已删除或页面已删除</body></html>"), BlockKind.SOFT_404),
    (answer(200, "<html><body>首页</body></html>", url="http://www.example.gov.cn/", redirects=(LISTING,)),
     BlockKind.HOME_REDIRECT),
    (answer(200, "<html><body>首页</body></html>", url="http://www.example.gov.cn/index.shtml",
            redirects=(LISTING, "http://www.example.gov.cn/")), BlockKind.HOME_REDIRECT),
], ids=["412-ruishu", "412-empty", "202-meta", "202-ruishu-with-text", "200-ruishu-blank", "521-jsl", "521-obfuscated",
        "488", "403",
        "captcha-words", "captcha-markup", "slider", "soft-404", "nginx-404", "gbk-soft-404", "deleted",
        "home-redirect", "home-redirect-twice"])
def test_anti_bot_answers_are_blocked(response: Response, kind: BlockKind) -> None:
    assert blocked(response) == kind


@pytest.mark.parametrize("response", [
    answer(200, f"<html><body>{LONG_REPORT}</body></html>"),
    answer(200, SHORT_LISTING),
    answer(200, f"<html><body>{LONG_REPORT}<div>友情提示：页面不存在时请返回首页。</div></body></html>"),
    answer(200, f"<html><head>{RUISHU}</head><body>{LONG_REPORT}</body></html>"),
    answer(200, SHORT_LISTING, url="http://www.example.gov.cn/xxgk/ndbg/list_2.html", redirects=(LISTING,)),
    answer(200, SHORT_LISTING, url="http://www.example.gov.cn/index.html", redirects=("http://www.example.gov.cn/",)),
    answer(200, SHORT_LISTING, url="http://www.example.gov.cn/"),
    answer(404, "<html>页面不存在</html>"),
    answer(500, "<html>Internal Server Error</html>"),
    answer(304),
], ids=["report", "short-listing", "long-page-mentioning-404", "ruishu-protected-real-page", "redirect-inside",
        "home-to-home", "home-requested", "404", "500", "304"])
def test_normal_answers_are_not_blocked(response: Response) -> None:
    assert blocked(response) is None


def test_blocked_judges_the_url_the_caller_asked_for() -> None:
    home = answer(200, SHORT_LISTING, url="http://www.example.gov.cn/", redirects=("http://www.example.gov.cn/a",))
    assert blocked(home) == BlockKind.HOME_REDIRECT
    assert blocked(home, requested_url="http://www.example.gov.cn/index.htm") is None
