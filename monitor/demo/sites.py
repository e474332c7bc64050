"""The demo's sample site farm: the static pages of monitor/demo/data/ served on loopback hosts.

Each site gets its own address (127.0.0.2, 127.0.0.3, …; 127.0.0.1 where those cannot be bound, as
on macOS) and an ephemeral port. A site serves the files of its folder (a path ending in "/" serves
its index.html); the blocked site answers every request with HTTP 412 and a Ruishu-style challenge
page, as a protected government site does to a crawler.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

DATA = Path(__file__).parent / "data"
CHALLENGE_STATUS = 412


@dataclass(frozen=True)
class Site:
    """A site of the farm: its name, the folder of its pages under DATA (None: the challenge site)."""

    name: str
    folder: str | None


SITES = (Site("tongwan", "tongwan"), Site("yunxi", "yunxi"), Site("yunxi-scjg", None))


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        pass  # the demo prints its own account

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, *, body: bool) -> None:
        status, data = self.server.page(urlsplit(self.path).path)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        super().__init__(address, _Handler)
        self.root = (DATA / site.folder).resolve() if site.folder else None

    def page(self, path: str) -> tuple[int, bytes]:
        """(status, body) for a request path."""
        if self.root is None:
            return CHALLENGE_STATUS, (DATA / "challenge.html").read_bytes()
        relative = unquote(path).lstrip("/")
        if not relative or relative.endswith("/"):
            relative += "index.html"
        target = (self.root / relative).resolve()
        if target.is_relative_to(self.root) and target.is_file():
            return 200, target.read_bytes()
        return 404, b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>"


class Farm:
    """The sample sites, each served by a thread; a context manager. `origin(name)` is a site's
    `http://host:port` once started."""

    def __init__(self, sites: tuple[Site, ...] = SITES, first_address: int = 2) -> None:
        self.sites, self.first_address = sites, first_address
        self.servers: dict[str, _SiteServer] = {}
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> Farm:
        try:
            for index, site in enumerate(self.sites):
                try:
                    server = _SiteServer((f"127.0.0.{self.first_address + index}", 0), site)
                except OSError:  # only 127.0.0.1 is configured (macOS, some containers)
                    server = _SiteServer(("127.0.0.1", 0), site)
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                          name=f"demo-{site.name}", daemon=True)
                thread.start()
                self.servers[site.name] = server
                self.threads.append(thread)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(5)
        self.servers.clear()
        self.threads.clear()

    def origin(self, name: str) -> str:
        host, port = self.servers[name].server_address[:2]
        return f"http://{host!s}:{port}"
