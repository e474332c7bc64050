"""Reading one document named on the command line: a local path or an http(s) URL.

A path is read only when it is a regular file (a device such as /dev/zero never ends, a FIFO
blocks until someone writes), and at most MAX_DOCUMENT_BYTES of it whatever size it reports.

A URL is downloaded by scrapers.fetch, the project's only HTTP code, as a person's one-shot fetch:
no robots.txt, private addresses allowed. It may take FETCH_DEADLINE_S seconds in all, headers
included: when the deadline passes, the connection's socket is shut down, which ends a read blocked
on a server that sends a byte now and then (each read waiting less than the read timeout); the body
is read up to MAX_DOCUMENT_BYTES. An HTTP error status is refused (5xx after scrapers.fetch's retries).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import InputError
from monitor.parsing.limits import FETCH_DEADLINE_S, FETCH_READ_TIMEOUT_S, MAX_DOCUMENT_BYTES

USER_AGENT = "annual-report-monitor/0.1 (monitor check)"


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


# --- downloads ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _CheckSettings:
    """scrapers.fetch's settings for a person's `monitor check URL` (monitor.config is not loaded)."""

    user_agent: str = USER_AGENT
    per_host_interval_s: float = 0.0
    timeout_s: float = FETCH_READ_TIMEOUT_S
    max_document_mb: float = MAX_DOCUMENT_BYTES / 2**20
    allow_private_addresses: bool = True  # the person named the address


def _read_url(url: str, timeout: float, seconds: float) -> tuple[bytes, str | None]:
    from scrapers.fetch import Fetcher, FetchError
    from scrapers.model import Request

    with Fetcher(_CheckSettings(timeout_s=timeout), robots=False, deadline_s=seconds) as fetcher:
        try:
            response = fetcher.fetch(Request(url))
        except FetchError as exc:
            raise InputError(str(exc)) from None
    if response.status >= 400:
        raise InputError(f"服务器返回 HTTP {response.status}")
    return response.body, response.content_type
