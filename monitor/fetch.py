"""Reading one document named on the command line: a local path or an http(s) URL.

A path is read only when it is a regular file (a device such as /dev/zero never ends, a FIFO
blocks until someone writes), and at most MAX_DOCUMENT_BYTES of it whatever size it reports. A
download may take FETCH_DEADLINE_S seconds in all, headers included: when the deadline passes, the
connection's socket is shut down, which ends a read blocked on a server that sends a byte now and
then (each read waiting less than the read timeout); the body is read up to MAX_DOCUMENT_BYTES.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import socket
import stat
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from monitor.errors import InputError
from monitor.parsing.limits import FETCH_DEADLINE_S, FETCH_READ_TIMEOUT_S, MAX_DOCUMENT_BYTES

USER_AGENT = "annual-report-monitor/0.1 (monitor check)"
_CHUNK = 64 * 1024


def read_location(location: str, timeout: float = FETCH_READ_TIMEOUT_S,
                  deadline: float = FETCH_DEADLINE_S) -> tuple[bytes, str | None]:
    """The bytes at a path or URL, and the HTTP Content-Type when there is one. `timeout` bounds
    connecting and each read of a download, `deadline` the whole download (seconds)."""
    if location.startswith(("http://", "https://")):
        return _read_url(location, timeout, deadline)
    return _read_file(Path(location)), None


def _read_file(path: Path) -> bytes:
    try:
        # O_NONBLOCK: opening a FIFO does not wait for a writer (the type is checked on the open file).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError("文件不存在") from None
    except IsADirectoryError:
        raise InputError("这是一个目录，不是文件") from None
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("这是一个目录，不是文件")
        if not stat.S_ISREG(mode):
            raise InputError("不是普通文件（设备、管道或套接字），无法作为文档读取")
        size = os.fstat(fd).st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(f"文件过大（{size / 2**20:.1f} MB，上限 {MAX_DOCUMENT_BYTES // 2**20} MB）")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)  # the file may have grown since
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(f"文件过大（超过 {MAX_DOCUMENT_BYTES // 2**20} MB 的上限）")
    return data


def read_text_file(path: Path) -> str:
    """A UTF-8 text file named on the command line (a manifest, a registry CSV), read as a document
    is (a regular file, within the size limit); a BOM is dropped. Raises InputError naming the file
    and why it cannot be read."""
    try:
        return _read_file(path).decode("utf-8-sig")
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: 不是 UTF-8 编码的文本文件（请以 UTF-8 保存）") from None


# --- downloads under a deadline ------------------------------------------------------------------
class _Deadline:
    """A wall-clock limit on one download: when it passes, every socket the download opened is shut
    down, so that a read blocked on it returns at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
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

    def check(self) -> None:
        if self.expired or time.monotonic() > self.end:
            self.expired = True
            raise InputError(f"下载超时（超过 {self.seconds:g} 秒的总时限）")

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: also under TLS


_DEADLINE: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar("monitor_fetch_deadline", default=None)


class _HTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        deadline = _DEADLINE.get()
        if deadline is not None:
            deadline.watch(self.sock)


class _HTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        deadline = _DEADLINE.get()
        if deadline is not None:
            deadline.watch(self.sock)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter whose connections hand their sockets to the download's deadline."""

    _pools: ClassVar[dict[str, type[HTTPConnectionPool]]] = {"http": _HTTPPool, "https": _HTTPSPool}

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = self._pools
        return manager


def _read_url(url: str, timeout: float, seconds: float) -> tuple[bytes, str | None]:
    deadline = _Deadline(seconds)
    token = _DEADLINE.set(deadline)
    try:
        with deadline, requests.Session() as session:
            adapter = _Adapter()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            try:
                return _download(session, url, timeout, deadline)
            except requests.RequestException as exc:
                deadline.check()  # a read ended by the deadline: say so
                raise InputError(f"无法下载：{type(exc).__name__}") from None
    finally:
        _DEADLINE.reset(token)


def _download(session: requests.Session, url: str, timeout: float,
              deadline: _Deadline) -> tuple[bytes, str | None]:
    with session.get(url, timeout=timeout, stream=True, headers={"User-Agent": USER_AGENT}) as response:
        deadline.check()
        if response.status_code >= 400:
            raise InputError(f"服务器返回 HTTP {response.status_code}")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_DOCUMENT_BYTES:
            raise InputError(f"文件过大（{int(declared) / 2**20:.1f} MB，上限 {MAX_DOCUMENT_BYTES // 2**20} MB）")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK):
            deadline.check()
            size += len(chunk)
            if size > MAX_DOCUMENT_BYTES:
                raise InputError(f"文件过大（超过 {MAX_DOCUMENT_BYTES // 2**20} MB）")
            chunks.append(chunk)
        deadline.check()  # a body cut short by the deadline is not the document
        return b"".join(chunks), response.headers.get("Content-Type")
