"""A farm of loopback web servers: one ThreadingHTTPServer per host (127.0.0.2, 127.0.0.3, …).

A `Site` maps request targets to handlers; the `Farm` serves each site on its own address with an
ephemeral port, logs every request (`farm.requests`) and applies the mutations tests make between
crawls (`revise`, `remove`, `publish`). Bodies may name any host of the farm as `@@host:NAME@@`
(see `ref`): the real `127.0.0.x:port` is put in when a body is first served.

Handlers: `Static` (bytes or a lazily rendered body, with ETag / Last-Modified and conditional GET),
`Dynamic` (a function of the request) and the faults `Slow`, `FailFirst`, `Fail`, `Reset`, `Drip`,
`Endless`, `Redirect`. A `Listing` is the model behind listing pages (its entries can be removed or
published; its pages are re-rendered and get new validators).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PLACEHOLDER = re.compile(r"@@host:([A-Za-z0-9_-]+)@@")
_PLACEHOLDER_B = re.compile(rb"@@host:([A-Za-z0-9_-]+)@@")
HTML = "text/html; charset=utf-8"
# Request headers kept in the log.
LOGGED_HEADERS = ("If-None-Match", "If-Modified-Since", "User-Agent", "Referer", "X-Requested-With", "Cookie",
                  "Content-Type", "Accept-Encoding", "Range", "Connection")
EPOCH = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # default Last-Modified of a static resource


def ref(site: str) -> str:
    """The origin of a farm site inside a body or a ground-truth URL: `http://@@host:NAME@@`."""
    return f"http://@@host:{site}@@"


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


# =============================================================================================
# Requests, answers, the log
# =============================================================================================
@dataclass
class FarmRequest:
    """One request as a handler sees it."""

    method: str
    target: str  # path?query as sent
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    form: dict[str, list[str]] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        """A form field, else a query parameter."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else default


@dataclass
class Answer:
    """What to send. `etag`/`modified` make the answer conditional (304 when they match)."""

    status: int = 200
    content_type: str | None = HTML
    body: bytes | Iterable[bytes] = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: str | None = None
    modified: datetime | None = None
    delay: float = 0.0  # seconds to wait before answering
    drip: float | None = None  # seconds between bytes of the body
    reset: bool = False  # close the connection without answering (TCP RST)
    subst: bool = True  # replace @@host:NAME@@ in a textual body and in headers


@dataclass
class RequestRecord:
    """One request in the farm's log. `arrival`/`end` are time.monotonic() values (`end`: the answer
    sent, or the client gone); `status` is None while in flight and for a reset connection (for a
    slow answer, it is set only if the client waited); `form` holds POST fields."""

    seq: int
    host: str  # the site's name
    address: str  # 127.0.0.x:port
    method: str
    target: str
    headers: dict[str, str]
    arrival: float
    end: float | None = None
    status: int | None = None
    bytes_sent: int = 0
    form: dict[str, list[str]] = field(default_factory=dict)

    @property
    def conditional(self) -> bool:
        return "If-None-Match" in self.headers or "If-Modified-Since" in self.headers

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


# =============================================================================================
# Handlers
# =============================================================================================
class Handler:
    """Something that answers requests for one target."""

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        raise NotImplementedError


class Static(Handler):
    """A resource with a fixed (or lazily rendered) body, validators and conditional GET.

    `body` is bytes, str (encoded with `encoding`) or a function returning either, called on the
    first request (and again after `invalidate()`). `etag`: "nginx" (`"mtime-len"`), "hash",
    "weak" (`W/"len-mtime_ms"`, Tomcat) or None; `last_modified`: send Last-Modified.
    """

    def __init__(self, body: bytes | str | Callable[[], bytes | str], content_type: str | None = HTML, *,
                 status: int = 200, headers: Iterable[tuple[str, str]] = (), etag: str | None = "nginx",
                 last_modified: bool = True, modified: datetime = EPOCH, encoding: str = "utf-8",
                 subst: bool | None = None) -> None:
        self._source = body
        self.content_type = content_type
        self.status = status
        self.headers = list(headers)
        self.etag_style = etag
        self.last_modified = last_modified
        self.modified = modified.astimezone(UTC).replace(microsecond=0)
        self.encoding = encoding
        textual = content_type is not None and any(k in content_type for k in ("text/", "json", "xml", "javascript"))
        self.subst = textual if subst is None else subst
        self._body: bytes | None = None
        self._lock = threading.Lock()

    def body(self, farm: Farm) -> bytes:
        with self._lock:
            if self._body is None:
                self._body = self._render(farm)
            return self._body

    def _render(self, farm: Farm) -> bytes:
        source = self._source() if callable(self._source) else self._source
        data = source.encode(self.encoding) if isinstance(source, str) else source
        return farm.substitute(data) if self.subst else data

    def invalidate(self, farm: Farm) -> bool:
        """Render again; a different body gets a new Last-Modified (hence a new ETag). True if changed."""
        with self._lock:
            old = self._body
            if old is None:
                return False
            self._body = self._render(farm)
            changed = self._body != old
            if changed:
                self._touch()
            return changed

    def revise(self, body: bytes | str | Callable[[], bytes | str], farm: Farm) -> bool:
        """Replace the body (a revision); True if the served bytes changed."""
        with self._lock:
            old = self._body
            self._source = body
            self._body = self._render(farm)
            changed = self._body != old
            if changed:
                self._touch()
            return changed

    def _touch(self) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        self.modified = max(now, self.modified + timedelta(seconds=1))

    def etag(self, data: bytes) -> str | None:
        mtime = int(self.modified.timestamp())
        if self.etag_style == "nginx":
            return f'"{mtime:x}-{len(data):x}"'
        if self.etag_style == "hash":
            return '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        if self.etag_style == "weak":
            return f'W/"{len(data)}-{mtime * 1000}"'
        return None

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        data = self.body(farm)
        return Answer(self.status, self.content_type, data, list(self.headers), etag=self.etag(data),
                      modified=self.modified if self.last_modified else None, subst=False)


class Dynamic(Handler):
    """`fn(request, farm) -> Answer`."""

    def __init__(self, fn: Callable[[FarmRequest, Farm], Answer]) -> None:
        self.fn = fn

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        return self.fn(request, farm)


class Slow(Handler):
    """Wait `seconds` (past the client's timeout), then answer as `inner`."""

    def __init__(self, seconds: float, inner: Handler) -> None:
        self.seconds, self.inner = seconds, inner

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        answer = self.inner.answer(request, farm)
        answer.delay = self.seconds
        return answer


class FailFirst(Handler):
    """`status` for the first `n` requests, then `inner` (`reset()` starts counting again)."""

    def __init__(self, n: int, inner: Handler, status: int = 500) -> None:
        self.n, self.inner, self.status = n, inner, status
        self.count = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.count = 0

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        with self._lock:
            self.count += 1
            failing = self.count <= self.n
        if failing:
            return Answer(self.status, HTML, _error_page(self.status))
        return self.inner.answer(request, farm)


class Fail(Handler):
    """Always `status` (500 by default) with a server error page."""

    def __init__(self, status: int = 500, body: bytes | None = None, headers: Iterable[tuple[str, str]] = ()) -> None:
        self.status, self.page, self.headers = status, body, list(headers)

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        return Answer(self.status, HTML, self.page if self.page is not None else _error_page(self.status),
                      list(self.headers))


class Reset(Handler):
    """Close the connection without answering (RST)."""

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        return Answer(reset=True)


class Drip(Handler):
    """`inner`'s answer sent one byte every `interval` seconds (Content-Length announced)."""

    def __init__(self, inner: Handler, interval: float = 1.0) -> None:
        self.inner, self.interval = inner, interval

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        answer = self.inner.answer(request, farm)
        answer.drip = self.interval
        answer.etag = answer.modified = None
        return answer


class Endless(Handler):
    """A 200 whose body never ends (no Content-Length; chunks until the client hangs up)."""

    def __init__(self, content_type: str = "application/pdf", chunk: int = 64 * 1024,
                 head: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") -> None:
        self.content_type, self.chunk, self.head = content_type, chunk, head

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        def body() -> Iterator[bytes]:
            yield self.head
            block = b"0" * self.chunk
            while not farm.stopping:
                yield block

        return Answer(200, self.content_type, body(), subst=False)


class Redirect(Handler):
    """A redirect (302 by default) to `location` (may hold @@host:NAME@@)."""

    def __init__(self, location: str, status: int = 302) -> None:
        self.location, self.status = location, status

    def answer(self, request: FarmRequest, farm: Farm) -> Answer:
        body = f"<html><head><title>{self.status} Found</title></head><body><h1>Found</h1></body></html>"
        return Answer(self.status, HTML, body.encode(), [("Location", self.location)])


def _error_page(status: int) -> bytes:
    reason = {404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    text = f"{status} {reason.get(status, 'Error')}"
    return (f"<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n<center><h1>{text}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()


# =============================================================================================
# Listings: the model behind listing pages
# =============================================================================================
@dataclass
class Entry:
    """One item of a listing: its title, the document's absolute URL (may hold @@host:NAME@@),
    the date printed beside it, and free data for the renderer."""

    title: str
    url: str
    date: str = ""
    extra: dict[str, object] = field(default_factory=dict)


class Listing:
    """Entries shown on one or more pages of a site. Subclasses render the pages (`page(i)`, 0-based)
    and name their paths (`paths()`, page 1 first). `mount(site)` registers the pages."""

    def __init__(self, site: Site, entries: Iterable[Entry] = (), *, per_page: int = 20) -> None:
        self.site = site
        self.entries = list(entries)
        self.per_page = per_page
        self.statics: dict[str, Static] = {}
        self._static: dict[str, object] = {}
        self._lock = threading.RLock()

    # -- rendering ------------------------------------------------------------------------------
    def count(self) -> int:
        return max(1, -(-len(self.entries) // self.per_page))

    def chunk(self, index: int) -> list[Entry]:
        return self.entries[index * self.per_page:(index + 1) * self.per_page]

    def paths(self) -> list[str]:
        raise NotImplementedError

    def page(self, index: int) -> bytes | str:
        raise NotImplementedError

    def mount(self, *, content_type: str = HTML, **static: object) -> Listing:
        """Register the listing's pages on its site (`static`: options of their Static handlers)."""
        self._static = dict(static, content_type=content_type)
        for index, path in enumerate(self.paths()):
            handler = Static(self._renderer(index), **self._static)  # type: ignore[arg-type]
            self.statics[path] = handler
            self.site.add(path, handler)
        self.site.listings.append(self)
        return self

    def _renderer(self, index: int) -> Callable[[], bytes | str]:
        def render() -> bytes | str:
            with self._lock:
                return self.page(index)
        return render

    # -- mutations --------------------------------------------------------------------------------
    def refresh(self, farm: Farm) -> None:
        """Re-render every page (new pages appear; pages past the end keep their last body)."""
        with self._lock:
            for index, path in enumerate(self.paths()):
                if path not in self.statics:
                    handler = Static(self._renderer(index), **self._static)  # type: ignore[arg-type]
                    self.statics[path] = handler
                    self.site.add(path, handler)
            for handler in self.statics.values():
                handler.invalidate(farm)

    def remove(self, url: str) -> bool:
        with self._lock:
            before = len(self.entries)
            self.entries = [e for e in self.entries if e.url != url]
            return len(self.entries) != before

    def insert(self, entry: Entry, position: int = 0) -> None:
        with self._lock:
            self.entries.insert(position, entry)


# =============================================================================================
# Sites and the farm
# =============================================================================================
class Site:
    """One host: request targets to handlers. A target is looked up as sent (path?query), then by path."""

    def __init__(self, name: str, *, server: str = "nginx", not_found: bytes | str | None = None,
                 not_found_type: str = HTML) -> None:
        self.name = name
        self.server = server
        self.routes: dict[str, Handler] = {}
        self.listings: list[Listing] = []
        self.not_found = not_found.encode() if isinstance(not_found, str) else (not_found or _error_page(404))
        self.not_found_type = not_found_type
        self.fallback: Handler | None = None  # answers every target without a route (a blocked host)

    def add(self, target: str, handler: Handler) -> Handler:
        self.routes[target] = handler
        return handler

    def page(self, target: str, body: bytes | str | Callable[[], bytes | str], content_type: str | None = HTML,
             **options: object) -> Static:
        handler = Static(body, content_type, **options)  # type: ignore[arg-type]
        self.add(target, handler)
        return handler

    def lookup(self, target: str) -> Handler | None:
        handler = self.routes.get(target) or self.routes.get(target.split("?", 1)[0])
        return handler or self.fallback


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: Site, farm: Farm) -> None:
        self.site, self.farm = site, farm
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(address, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is dropped after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.server.lock:
            self.server.connections.discard(self.connection)

    def version_string(self) -> str:
        return self.server.site.server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        farm, site = self.server.farm, self.server.site
        arrival = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        form: dict[str, list[str]] = {}
        if self.command == "POST" and "urlencoded" in (self.headers.get("Content-Type") or "urlencoded"):
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        headers = {k: v for k in LOGGED_HEADERS if (v := self.headers.get(k)) is not None}
        record = farm._log(site.name, f"{self.server.server_address[0]}:{self.server.server_address[1]}",
                           self.command, self.path, headers, arrival, form)
        request = FarmRequest(self.command, self.path, parts.path, parse_qs(parts.query, keep_blank_values=True),
                              dict(self.headers.items()), body, form)
        handler = site.lookup(self.path)
        try:
            if handler is None:
                answer = Answer(404, site.not_found_type, site.not_found)
            else:
                answer = handler.answer(request, farm)
            self._send(answer, record)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            self.close_connection = True
        finally:
            record.end = time.monotonic()

    def _wait(self, seconds: float) -> bool:
        """Sleep; True (stop answering) as soon as the farm stops or the client hangs up."""
        farm = self.server.farm
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if farm._stop.wait(min(0.05, left)):
                return True
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                except OSError:
                    return True
        return False

    def _send(self, answer: Answer, record: RequestRecord) -> None:
        farm = self.server.farm
        if answer.delay and self._wait(answer.delay):
            self.close_connection = True
            return
        if answer.reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        status = answer.status
        if (self.command in ("GET", "HEAD") and status == 200 and (answer.etag or answer.modified)
                and _not_modified(self.headers, answer.etag, answer.modified)):
            status = 304
        self.send_response(status)
        record.status = status
        body = answer.body
        if isinstance(body, bytes) and answer.subst and _textual(answer.content_type):
            body = farm.substitute(body)
        for name, value in answer.headers:
            self.send_header(name, farm.resolve(value) if answer.subst else value)
        if answer.etag:
            self.send_header("ETag", answer.etag)
        if answer.modified:
            self.send_header("Last-Modified", http_date(answer.modified))
        if status == 304:
            self.end_headers()
            return
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        if not isinstance(body, bytes):  # endless: delimited by closing the connection
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if self.command != "HEAD":
                for chunk in body:
                    self.wfile.write(chunk)
                    record.bytes_sent += len(chunk)
            return
        self.send_header("Content-Length", str(len(body)))
        if answer.drip is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        if answer.drip is None:
            self.wfile.write(body)
            record.bytes_sent += len(body)
            return
        for i in range(len(body)):
            self.wfile.write(body[i:i + 1])
            self.wfile.flush()
            record.bytes_sent += 1
            if self._wait(answer.drip):
                self.close_connection = True
                return


def _textual(content_type: str | None) -> bool:
    return content_type is not None and any(k in content_type for k in ("text/", "json", "xml", "javascript"))


def _not_modified(headers: object, etag: str | None, modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match decides when present (weak comparison); else If-Modified-Since."""
    inm = headers.get("If-None-Match")  # type: ignore[attr-defined]
    if inm is not None:
        if etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    ims = headers.get("If-Modified-Since")  # type: ignore[attr-defined]
    if ims and modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return modified <= since
    return False


class Farm:
    """Sites served on loopback hosts. Use as a context manager or `start()`/`stop()`.

    `first_address`: the last octet of the first host (127.0.0.2); where such addresses can't be
    bound (not Linux), every site is served on 127.0.0.1 with its own port.
    """

    def __init__(self, sites: Iterable[Site] = (), *, first_address: int = 2) -> None:
        self.sites: dict[str, Site] = {}
        self.first_address = first_address
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._log_lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._seq = 0
        self._origins: dict[str, str] = {}
        for site in sites:
            self.add(site)

    # -- life cycle -------------------------------------------------------------------------------
    def add(self, site: Site) -> Site:
        if site.name in self.sites:
            raise ValueError(f"two sites named {site.name}")
        self.sites[site.name] = site
        if self._servers:
            self._serve(site, len(self._servers))
        return site

    def start(self) -> Farm:
        if self._servers:
            return self
        self._stop.clear()
        for index, site in enumerate(self.sites.values()):
            self._serve(site, index)
        return self

    def _serve(self, site: Site, index: int) -> None:
        address = f"127.0.0.{self.first_address + index}"
        try:
            server = _Server((address, 0), site, self)
        except OSError:
            server = _Server(("127.0.0.1", 0), site, self)
        host, port = server.server_address[:2]
        self._origins[site.name] = f"{host}:{port}"
        self._servers[site.name] = server
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=f"farm-{site.name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        servers = list(self._servers.values())
        stoppers = [threading.Thread(target=s.shutdown, daemon=True) for s in servers]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join(5)
        for server in servers:
            with server.lock:
                connections = list(server.connections)
            for connection in connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            server.server_close()
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Farm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- addresses ---------------------------------------------------------------------------------
    def host(self, site: str) -> str:
        """`127.0.0.x:port` of a site (after start)."""
        try:
            return self._origins[site]
        except KeyError:
            raise KeyError(f"no started site {site!r}") from None

    def origin(self, site: str) -> str:
        return f"http://{self.host(site)}"

    def url(self, site: str, target: str = "/") -> str:
        return self.origin(site) + target

    def address(self, site: str) -> str:
        """The bare IP address of a site's host (to declare it private, for instance)."""
        return self.host(site).rsplit(":", 1)[0]

    def resolve(self, text: str) -> str:
        """Put the real hosts in place of @@host:NAME@@."""
        return PLACEHOLDER.sub(lambda m: self.host(m.group(1)), text)

    def substitute(self, data: bytes) -> bytes:
        return _PLACEHOLDER_B.sub(lambda m: self.host(m.group(1).decode()).encode(), data)

    def unresolve(self, url: str) -> str:
        """A real farm URL back to its @@host:NAME@@ form (other URLs unchanged)."""
        for name, host in self._origins.items():
            for scheme in ("http://", "https://"):
                if url.startswith(scheme + host) and url[len(scheme + host):len(scheme + host) + 1] in ("", "/", "?"):
                    return ref(name) + url[len(scheme + host):]
        return url

    def locate(self, url: str) -> tuple[Site, str]:
        """(site, target) of a farm URL (real or @@host:NAME@@ form)."""
        match = re.match(r"https?://@@host:([A-Za-z0-9_-]+)@@([^#]*)", self.unresolve(url))
        if not match:
            raise KeyError(f"not a farm URL: {url}")
        return self.sites[match.group(1)], match.group(2) or "/"

    # -- the request log ---------------------------------------------------------------------------
    def _log(self, host: str, address: str, method: str, target: str, headers: dict[str, str], arrival: float,
             form: dict[str, list[str]]) -> RequestRecord:
        with self._log_lock:
            self._seq += 1
            record = RequestRecord(self._seq, host, address, method, target, headers, arrival, form=form)
            self._records.append(record)
            return record

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request since start (or the last `clear()`), in arrival order."""
        with self._log_lock:
            return list(self._records)

    def clear(self) -> None:
        with self._log_lock:
            self._records.clear()

    def requests_to(self, site: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.host == site]

    def gaps(self, site: str) -> list[float]:
        """Seconds between consecutive arrivals at one host."""
        arrivals = sorted(r.arrival for r in self.requests_to(site))
        return [b - a for a, b in itertools.pairwise(arrivals)]

    def max_concurrency(self, site: str) -> int:
        """The most requests one host was answering at the same moment."""
        events: list[tuple[float, int]] = []
        for r in self.requests_to(site):
            events.append((r.arrival, 1))
            events.append((r.end if r.end is not None else float("inf"), -1))
        best = current = 0
        for _, step in sorted(events, key=lambda e: (e[0], e[1])):
            current += step
            best = max(best, current)
        return best

    # -- mutations between crawls --------------------------------------------------------------------
    def revise(self, url: str, new_body: bytes | str, *, content_type: str | None = None) -> None:
        """Serve new content at `url` (a new ETag and Last-Modified)."""
        site, target = self.locate(url)
        handler = site.routes.get(target)
        if not isinstance(handler, Static):
            raise KeyError(f"{url} is not a static resource")
        if content_type:
            handler.content_type = content_type
        handler.revise(new_body, self)

    def remove(self, url: str, *, from_listing: bool = True, status: int = 404) -> None:
        """`url` answers 404 (or `status`, e.g. 410) from now on; with `from_listing`, every listing
        of the farm drops it and its pages are re-rendered."""
        site, target = self.locate(url)
        site.routes[target] = Fail(status, site.not_found)
        if from_listing:
            key = self.unresolve(self.resolve(url) if "@@" in url else url)
            for listing in self.listings():
                if listing.remove(key):
                    listing.refresh(self)

    def publish(self, listing_url: str, title: str, url: str, body: bytes | str | Handler | None = None, *,
                date: str = "", content_type: str = HTML, position: int = 0, **extra: object) -> None:
        """Add a document: serve `body` at `url` and list it (at `position`) on the listing whose page
        `listing_url` is."""
        listing = self.listing_at(listing_url)
        key = self.unresolve(url)
        if body is not None:
            site, target = self.locate(key)
            site.add(target, body if isinstance(body, Handler) else Static(body, content_type))
        listing.insert(Entry(title, key, date, dict(extra)), position)
        listing.refresh(self)

    def listings(self) -> list[Listing]:
        return [listing for site in self.sites.values() for listing in site.listings]

    def listing_at(self, url: str) -> Listing:
        site, target = self.locate(url)
        for listing in site.listings:
            if target in listing.statics or target.split("?")[0] in listing.statics:
                return listing
        raise KeyError(f"no listing page at {url}")

    def reset_faults(self) -> None:
        """Every FailFirst counts from zero again."""
        for site in self.sites.values():
            for handler in site.routes.values():
                if isinstance(handler, FailFirst):
                    handler.reset()
