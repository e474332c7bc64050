"""Reading one document named on the command line: a local path or an http(s) URL."""

from __future__ import annotations

from pathlib import Path

import requests

from monitor.errors import InputError
from monitor.parsing.limits import MAX_DOCUMENT_BYTES

USER_AGENT = "annual-report-monitor/0.1 (monitor check)"


def read_location(location: str, timeout: float = 30.0) -> tuple[bytes, str | None]:
    """The bytes at a path or URL, and the HTTP Content-Type when there is one."""
    if location.startswith(("http://", "https://")):
        return _read_url(location, timeout)
    path = Path(location)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(f"文件过大（{size / 2**20:.1f} MB，上限 {MAX_DOCUMENT_BYTES // 2**20} MB）")
        return path.read_bytes(), None
    except FileNotFoundError:
        raise InputError("文件不存在") from None
    except IsADirectoryError:
        raise InputError("这是一个目录，不是文件") from None
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror}") from None


def read_text_file(path: Path) -> str:
    """A UTF-8 text file named on the command line (a manifest, a registry CSV); a BOM is dropped.
    Raises InputError naming the file and why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: 文件不存在") from None
    except IsADirectoryError:
        raise InputError(f"{path}: 这是一个目录，不是文件") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: 不是 UTF-8 编码的文本文件（请以 UTF-8 保存）") from None
    except OSError as exc:
        raise InputError(f"{path}: 无法读取文件：{exc.strerror or exc}") from None


def _read_url(url: str, timeout: float) -> tuple[bytes, str | None]:
    try:
        with requests.get(url, timeout=timeout, stream=True, headers={"User-Agent": USER_AGENT}) as response:
            if response.status_code >= 400:
                raise InputError(f"服务器返回 HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise InputError(f"文件过大（超过 {MAX_DOCUMENT_BYTES // 2**20} MB）")
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("Content-Type")
    except requests.RequestException as exc:
        raise InputError(f"无法下载：{type(exc).__name__}") from None
