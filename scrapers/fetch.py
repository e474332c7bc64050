"""The only code of the project that speaks HTTP: a Fetcher turns a Request into a Response.

One Fetcher per worker (it owns a `requests` session); one Politeness shared by all the Fetchers of a
crawl (one request at a time per host:port, an interval between them, robots.txt read once per site).

What a request may cost, and what is refused:

* Retries (urllib3 `Retry`): connection errors, read errors and HTTP 429/500/502/503/504 are retried
  RETRIES (3) times, for GET and POST alike (the crawler's POSTs are listing queries). Between
  attempts the Fetcher waits the server's Retry-After, else 1, 2, 4 s; at least the host's politeness
  interval, at most RETRY_WAIT_MAX_S (30 s: a hostile `Retry-After: 3600` does not stall the crawl)
  and never past the request's deadline. A status still failing after the retries comes back as a
  Response: HTTP statuses are never exceptions (a 412's body says whether it is a challenge;
  `scrapers.blocked` reads it).
* Deadline: connecting and each read wait at most `timeout_s`; a whole request (its redirect hops and
  retries together, not the waits for its turn on a host) at most `deadline_s`, by default
  max(DEADLINE_MIN_S, 4 × timeout_s): 120 s with the default 30 s timeout. When it passes, the
  sockets are shut down, which ends a read blocked on a server that drips a byte every few seconds.
* Size: the body is streamed and refused past `max_bytes` (default `max_document_mb`); a declared
  Content-Length over it is refused before reading. robots.txt is read up to ROBOTS_MAX_BYTES.
* Redirects are followed by hand, at most MAX_REDIRECTS (5). Every hop is checked: http or https
  only; every address its host resolves to must be public (not private, loopback, link-local,
  reserved, multicast or unspecified; an IPv4-mapped IPv6 address is judged as IPv4) unless
  `allow_private_addresses`; robots.txt must allow it.
* DNS rebinding: the addresses checked are the addresses connected to. A hop resolves its host once,
  checks the answer, and its connections (retries included) go to those addresses without a second
  lookup; so a name cannot resolve to a public address for the check and a private one for the
  connection. A keep-alive connection reused later was made to an address checked at the time.
* Proxies from the environment are not used: through a proxy the check would see the wrong address.
* robots.txt (RFC 9309, parsed by protego for the configured user agent): fetched through the same
  politeness, checks and caps, redirects followed; 4xx means everything is allowed; 5xx, a timeout
  or any other failure means everything on that site is disallowed for this crawl. A disallowed URL
  raises FetchError(kind=robots) without being requested. A Crawl-delay above the interval is kept
  for that host (at most MAX_CRAWL_DELAY_S, 60 s).
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util import connection as urllib3_connection
from urllib3.util.retry import Retry

from scrapers.model import Method, Request

MB = 1024 * 1024
RETRIES = 3
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
RETRY_WAIT_MAX_S = 30.0
DEADLINE_MIN_S = 60.0
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY_S = 60.0
JITTER = 0.25  # the interval between two requests to a host is lengthened by 0–25 %
_CHUNK = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressTest = Callable[[IPAddress], bool]


class CrawlSettings(Protocol):
    """What a Fetcher reads of the `[crawl]` configuration: monitor.config.CrawlConfig has it all."""

    @property
    def user_agent(self) -> str: ...
    @property
    def per_host_interval_s(self) -> float: ...
    @property
    def timeout_s(self) -> float: ...
    @property
    def max_document_mb(self) -> float: ...
    @property
    def allow_private_addresses(self) -> bool: ...


class FetchFailure(StrEnum):
    TIMEOUT = "timeout"  # a connect or read timeout, or the request's deadline
    CONNECTION = "connection"  # refused, reset, closed early, or the name does not resolve
    TLS = "tls"  # handshake or certificate failure
    TOO_LARGE = "too-large"
    ADDRESS_REFUSED = "address-refused"  # the host resolves to a private, loopback … address
    ROBOTS = "robots"  # robots.txt forbids it (one that cannot be read forbids all, with its own kind)
    TOO_MANY_REDIRECTS = "too-many-redirects"
    BAD_URL = "bad-url"  # not http(s), no host, malformed
    BAD_RESPONSE = "bad-response"  # an HTTP answer that cannot be read (bad headers, bad compression)


class FetchError(Exception):
    """A request that brought no HTTP answer; the message is one line of Chinese giving the reason."""

    def __init__(self, kind: FetchFailure, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Response:
    """An HTTP answer, whatever its status. `url` is the final URL; `redirects` the URLs that answered
    with a redirect on the way, in order (the first is the requested URL)."""

    request: Request
    url: str
    status: int
    headers: Mapping[str, str]  # case-insensitive
    body: bytes
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("Last-Modified")

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        """The body as text: the HTTP charset, else the page's <meta>, else detection."""
        from monitor.parsing.decode import decode

        return decode(self.body, self.content_type)


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public Internet (the default test of every resolved address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    special = (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
               or address.is_multicast or address.is_unspecified)
    return address.is_global and not special


def default_deadline(timeout_s: float) -> float:
    """A request's deadline when the Fetcher is given none: max(60 s, 4 × the timeout)."""
    return max(DEADLINE_MIN_S, 4 * timeout_s)


def _size(n: float) -> str:
    if n >= MB:
        return f"{n / MB:.4g} MB"
    return f"{n / 1024:.4g} KB" if n >= 1024 else f"{n:g} 字节"


# --- politeness and robots.txt -------------------------------------------------------------------
@dataclass(frozen=True)
class RobotsRules:
    """A site's robots.txt as read: protego's parser, or one answer for every URL (and why)."""

    parser: Any = None  # protego.Protego
    allow_all: bool = True
    reason: str = ""
    # Why robots.txt could not be read (the site is down, not forbidding): the refusal's kind.
    failure: FetchFailure = FetchFailure.ROBOTS

    def allows(self, url: str, user_agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, user_agent))


@dataclass
class _Host:
    interval: float
    ready_at: float = 0.0  # monotonic time before which the next request must not start
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class _RobotsEntry:
    rules: RobotsRules | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Politeness:
    """Per-host turns shared by the Fetchers of one crawl (thread-safe): one request at a time per
    host:port, each starting at least the host's interval (plus 0–25 % jitter) after the previous one
    ended; different hosts proceed in parallel. Also the crawl's robots.txt cache."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, _RobotsEntry] = {}

    def _host(self, host: str) -> _Host:
        with self._lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = _Host(self.interval_s)
            return slot

    @contextlib.contextmanager
    def turn(self, host: str) -> Iterator[None]:
        """Hold the host (host:port) for one request: waits for the previous one and its interval."""
        slot = self._host(host)
        with slot.lock:
            wait = slot.ready_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                slot.ready_at = time.monotonic() + slot.interval * (1 + random.uniform(0, JITTER))

    def interval(self, host: str) -> float:
        return self._host(host).interval

    def slow_down(self, host: str, seconds: float) -> None:
        """A robots.txt Crawl-delay: the host's interval becomes at least `seconds` (capped)."""
        slot = self._host(host)
        slot.interval = max(slot.interval, min(seconds, MAX_CRAWL_DELAY_S))

    def robots(self, origin: str, load: Callable[[], RobotsRules]) -> RobotsRules:
        """The rules of a site (scheme://host:port), loaded once per crawl; others asking meanwhile wait."""
        with self._lock:
            entry = self._robots.get(origin)
            if entry is None:
                entry = self._robots[origin] = _RobotsEntry()
        with entry.lock:
            if entry.rules is None:
                entry.rules = load()
            return entry.rules


# --- one request's context: deadline, checked addresses ------------------------------------------
class _Deadline:
    """A wall-clock limit: when it passes, every socket handed to it is shut down, so that a read
    blocked on it returns at once. `total` is the limit as the user set it (for the message)."""

    def __init__(self, seconds: float, total: float) -> None:
        self.total = total
        self.start = time.monotonic()
        self.end = self.start + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self) -> None:
        if self.expired or time.monotonic() > self.end:
            self.expired = True
            raise FetchError(FetchFailure.TIMEOUT, f"下载超时（超过 {self.total:g} 秒的总时限）")

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: also under TLS


class _Resolver:
    """Host names to the addresses a hop may connect to, each checked by `allowed` (None: any)."""

    def __init__(self, allowed: AddressTest | None) -> None:
        self._allowed = allowed
        self._answers: dict[tuple[str, int], tuple[str, ...]] = {}

    def resolve(self, host: str, port: int) -> tuple[str, ...]:
        """The addresses of host; raises socket.gaierror, or FetchError when one is refused."""
        key = (host.rstrip(".").lower(), port)
        if key not in self._answers:
            infos = socket.getaddrinfo(key[0], port, urllib3_connection.allowed_gai_family(), socket.SOCK_STREAM)
            addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
            for address in addresses:
                if self._allowed is not None and not self._allowed(ipaddress.ip_address(address)):
                    raise FetchError(FetchFailure.ADDRESS_REFUSED,
                                     f"{key[0]} 解析到内网、回环或保留地址 {address}，已拒绝访问")
            self._answers[key] = addresses
        return self._answers[key]


@dataclass
class _Hop:
    """What the connections and retries of the request in flight need to know."""

    deadline: _Deadline
    resolver: _Resolver
    interval: float  # the host's politeness interval: the least wait before a retry
    sleep: Callable[[float], None]
    sent: int = 0  # HTTP requests sent, retries included


_HOP: contextvars.ContextVar[_Hop | None] = contextvars.ContextVar("scrapers_fetch_hop", default=None)


def _hop() -> _Hop:
    hop = _HOP.get()
    if hop is None:
        raise RuntimeError("scrapers.fetch connections are only used inside Fetcher.fetch")
    return hop


# --- urllib3 plumbing ----------------------------------------------------------------------------
def _connect(conn: HTTPConnection) -> socket.socket:
    """A socket to one of the hop's checked addresses of conn's host (no second DNS lookup)."""
    hop = _hop()
    try:
        addresses = hop.resolver.resolve(conn.host, conn.port)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    error: OSError = OSError("getaddrinfo returned no address")
    for address in addresses:
        try:
            sock = urllib3_connection.create_connection(
                (address, conn.port), conn.timeout, source_address=conn.source_address,
                socket_options=conn.socket_options)
        except OSError as exc:
            error = exc
            continue
        hop.deadline.watch(sock)
        return sock
    if isinstance(error, TimeoutError):
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out") from error
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


def _sending(conn: HTTPConnection) -> None:
    hop = _hop()
    hop.sent += 1
    hop.deadline.watch(conn.sock)  # a kept-alive connection's socket: this request's deadline too


class _HTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _sending(self)
        super().request(*args, **kwargs)


class _HTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _sending(self)
        super().request(*args, **kwargs)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter with the pinned, deadline-watched connections."""

    _pools: ClassVar[dict[str, type[HTTPConnectionPool]]] = {"http": _HTTPPool, "https": _HTTPSPool}

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


class _Retry(Retry):
    """urllib3's Retry waiting as the module docstring says (Retry-After or 1, 2, 4 s; capped)."""

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait = None
        if response is not None:
            with contextlib.suppress(InvalidHeader):  # a malformed Retry-After: the backoff instead
                wait = self.get_retry_after(response)
        if wait is None:
            wait = 2.0 ** max(len(self.history) - 1, 0)
        hop = _hop()
        hop.sleep(min(max(wait, hop.interval), RETRY_WAIT_MAX_S, hop.deadline.remaining()))


def _retry() -> _Retry:
    return _Retry(total=RETRIES, connect=RETRIES, read=RETRIES, status=RETRIES, other=0, redirect=False,
                  status_forcelist=RETRY_STATUSES, allowed_methods=frozenset(("GET", "POST")),
                  raise_on_status=False, respect_retry_after_header=True)


def _session(user_agent: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment (nor .netrc): the address check must hold
    session.headers["User-Agent"] = user_agent
    adapter = _Adapter(max_retries=_retry())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# --- errors --------------------------------------------------------------------------------------
_CAUSES = {"ConnectionRefusedError": "连接被拒绝", "ConnectionResetError": "连接被重置",
           "RemoteDisconnected": "服务器未作答即断开", "IncompleteRead": "响应不完整",
           "BrokenPipeError": "连接被对方关闭"}


def _causes(exc: BaseException) -> list[BaseException]:
    """exc and what it wraps (causes, contexts, urllib3 reasons, exception arguments), outside in."""
    found: list[BaseException] = []
    todo = [exc]
    while todo and len(found) < 20:
        current = todo.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        inner = (getattr(current, "reason", None), current.__cause__, current.__context__, *current.args)
        todo.extend(item for item in inner if isinstance(item, BaseException))
    return found


def _timed_out(causes: list[BaseException]) -> bool:
    return any(isinstance(c, requests.Timeout | ReadTimeoutError | TimeoutError)
               or (isinstance(c, ConnectTimeoutError) and not isinstance(c, NewConnectionError)) for c in causes)


def _failure(exc: requests.RequestException, timeout: float) -> FetchError:
    """The FetchError for what requests raised."""
    causes = _causes(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return FetchError(FetchFailure.TLS, "TLS 握手失败或证书无效")
    if _timed_out(causes):
        return FetchError(FetchFailure.TIMEOUT, f"连接或读取超时（等待超过 {timeout:g} 秒）")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema
                  | requests.exceptions.InvalidSchema | requests.exceptions.URLRequired):
        return FetchError(FetchFailure.BAD_URL, "网址无效")
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return FetchError(FetchFailure.BAD_RESPONSE, "响应内容无法解压（Content-Encoding 有误）")
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return FetchError(FetchFailure.BAD_RESPONSE, "响应头无效")
    name = type(causes[-1]).__name__
    return FetchError(FetchFailure.CONNECTION, f"连接失败（{_CAUSES.get(name, name)}）")


# --- the fetcher ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    url: str  # as requests prepared it (IDNA host, percent-encoded path)
    host: str  # host:port, the politeness key
    origin: str  # scheme://host:port, the robots.txt key
    resolver: _Resolver  # holds the checked addresses of host


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes
    location: str | None  # where a redirect points


class Fetcher:
    """HTTP for one worker (not thread-safe: one per thread); see the module docstring.

    `address_allowed` replaces `is_public` as the test of a resolved address (ignored when
    `config.allow_private_addresses`); `deadline_s` replaces the default deadline; `sleep` is what
    waits between retries (tests pass a recorder)."""

    def __init__(self, config: CrawlSettings, politeness: Politeness | None = None, *, robots: bool = True,
                 address_allowed: AddressTest | None = None, deadline_s: float | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.politeness = politeness if politeness is not None else Politeness(config.per_host_interval_s)
        self.robots = robots
        self.deadline_s = deadline_s if deadline_s is not None else default_deadline(config.timeout_s)
        self.max_bytes = int(config.max_document_mb * MB)
        self.requests = 0  # HTTP requests sent (robots.txt, redirect hops and retries included)
        self.bytes_received = 0  # body bytes read (after content decoding)
        self._allowed = None if config.allow_private_addresses else (address_allowed or is_public)
        self._sleep = sleep
        self._session = _session(config.user_agent)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def fetch(self, request: Request, *, etag: str | None = None, last_modified: str | None = None,
              max_bytes: int | None = None) -> Response:
        """GET or POST the request, following redirects; with `etag` or `last_modified` a conditional
        GET (an unchanged page is a 304 Response with an empty body). Raises FetchError."""
        headers = dict(request.headers)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        cap = max_bytes if max_bytes is not None else self.max_bytes
        return self._follow(request, headers, cap, truncate=False, robots=self.robots)

    def _follow(self, request: Request, headers: dict[str, str], cap: int, *, truncate: bool,
                robots: bool) -> Response:
        url, method, form = request.url, request.method, request.form
        hops: list[str] = []
        spent = 0.0
        while True:
            target = self._admit(url, robots)
            reply, elapsed = self._exchange(target, method, form, headers, cap, truncate, self.deadline_s - spent)
            spent += elapsed
            if reply.location is None:
                return Response(request, target.url, reply.status, reply.headers, reply.body, tuple(hops))
            hops.append(target.url)
            if len(hops) > MAX_REDIRECTS:
                raise FetchError(FetchFailure.TOO_MANY_REDIRECTS, f"重定向超过 {MAX_REDIRECTS} 次")
            url = urljoin(target.url, reply.location)
            if reply.status == 303 or (reply.status in (301, 302) and method is Method.POST):
                method, form = Method.GET, ()

    def _admit(self, url: str, robots: bool) -> _Target:
        """The hop's URL checked: scheme, host, its addresses, robots.txt."""
        try:
            prepared = requests.PreparedRequest()
            prepared.prepare_url(url, None)
            parts = urlsplit(prepared.url or "")
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except (requests.RequestException, ValueError):
            raise FetchError(FetchFailure.BAD_URL, "网址无效") from None
        if parts.scheme not in ("http", "https"):
            raise FetchError(FetchFailure.BAD_URL, f"只支持 http 和 https 网址（不支持 {parts.scheme or '无协议'}）")
        if not parts.hostname:
            raise FetchError(FetchFailure.BAD_URL, "网址没有主机名")
        resolver = _Resolver(self._allowed)
        try:
            resolver.resolve(parts.hostname, port)
        except (OSError, UnicodeError):
            raise FetchError(FetchFailure.CONNECTION, f"无法解析域名 {parts.hostname}") from None
        host = f"{parts.hostname}:{port}"
        target = _Target(prepared.url or "", host, f"{parts.scheme}://{host}", resolver)
        if robots:
            rules = self.politeness.robots(target.origin, lambda: self._load_robots(target))
            if not rules.allows(target.url, self.config.user_agent):
                raise FetchError(rules.failure, rules.reason or "robots.txt 禁止抓取此网址")
        return target

    def _load_robots(self, target: _Target) -> RobotsRules:
        try:
            response = self._follow(Request(f"{target.origin}/robots.txt"), {}, ROBOTS_MAX_BYTES, truncate=True,
                                    robots=False)
        except FetchError as exc:
            return RobotsRules(allow_all=False, reason=f"robots.txt 无法读取（{exc}），本次不抓取该网站",
                               failure=exc.kind)
        if 400 <= response.status < 500:
            return RobotsRules()
        if not 200 <= response.status < 300:
            # 521 is an anti-bot challenge (加速乐): the site is blocked; another status means it is down.
            blocked = response.status == 521
            return RobotsRules(allow_all=False, reason=f"robots.txt 返回 HTTP {response.status}，本次不抓取该网站",
                               failure=FetchFailure.ROBOTS if blocked else FetchFailure.BAD_RESPONSE)
        from protego import Protego

        parser = Protego.parse(response.body.decode("utf-8", errors="replace"))
        delay = parser.crawl_delay(self.config.user_agent)
        if delay:
            self.politeness.slow_down(target.host, float(delay))
        return RobotsRules(parser, reason="robots.txt 禁止抓取此网址")

    def _exchange(self, target: _Target, method: Method, form: tuple[tuple[str, str], ...],
                  headers: dict[str, str], cap: int, truncate: bool, seconds: float) -> tuple[_Reply, float]:
        """One hop on the host's turn, under what remains of the deadline; and the time it took (the
        wait for the turn left out)."""
        with self.politeness.turn(target.host), _Deadline(seconds, self.deadline_s) as deadline:
            hop = _Hop(deadline, target.resolver, self.politeness.interval(target.host), self._sleep)
            token = _HOP.set(hop)
            try:
                deadline.check()
                reply = self._send(target.url, method, form, headers, cap, truncate, deadline)
                return reply, time.monotonic() - deadline.start
            finally:
                _HOP.reset(token)
                self.requests += hop.sent

    def _send(self, url: str, method: Method, form: tuple[tuple[str, str], ...], headers: dict[str, str],
              cap: int, truncate: bool, deadline: _Deadline) -> _Reply:
        timeout = self.config.timeout_s
        try:
            with self._session.request(method.value, url, data=list(form) or None, headers=headers,
                                       timeout=(timeout, timeout), stream=True, allow_redirects=False) as reply:
                deadline.check()
                location = self._session.get_redirect_target(reply)
                body = b"" if location else self._read(reply, cap, truncate, deadline)
                return _Reply(reply.status_code, reply.headers, body, location)
        except requests.RequestException as exc:
            deadline.check()  # a read ended by the deadline: say so
            raise _failure(exc, timeout) from exc

    def _read(self, reply: requests.Response, cap: int, truncate: bool, deadline: _Deadline) -> bytes:
        declared = reply.headers.get("Content-Length", "").strip()
        if not truncate and declared.isdigit() and int(declared) > cap:
            raise FetchError(FetchFailure.TOO_LARGE, f"文件过大（{_size(int(declared))}，上限 {_size(cap)}）")
        chunks: list[bytes] = []
        size = 0
        for chunk in reply.iter_content(_CHUNK):
            deadline.check()
            chunks.append(chunk)
            size += len(chunk)
            self.bytes_received += len(chunk)
            if size > cap:
                if truncate:
                    return b"".join(chunks)[:cap]
                raise FetchError(FetchFailure.TOO_LARGE, f"文件过大（超过 {_size(cap)} 的上限）")
        deadline.check()  # a body cut short by the deadline is not the document
        return b"".join(chunks)
