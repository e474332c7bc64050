"""Old Word (DOC) and WPS files to DOCX, with LibreOffice in headless mode.

The conversion runs in a process group of its own, its output and messages discarded (nothing
reaches the user's stderr): at most CONVERT_TIMEOUT_S seconds, and while it runs its output file
may grow to MAX_DOCUMENT_BYTES; past either limit the whole group is killed (`soffice` starts
`soffice.bin`, which would outlive a kill of `soffice` alone) and the file is refused in one line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from monitor.errors import InputError
from monitor.parsing.limits import CONVERT_TIMEOUT_S, MAX_DOCUMENT_BYTES

__all__ = ["CONVERT_TIMEOUT_S", "INSTALL_HINT", "soffice", "to_docx"]

INSTALL_HINT = "请安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer-nogui；或运行 make libreoffice）"
_POLL_S = 0.1


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, *, timeout: float = CONVERT_TIMEOUT_S, max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """Convert DOC/WPS bytes to DOCX bytes. Raises InputError when it cannot, when the conversion
    takes longer than `timeout` seconds or its output exceeds `max_bytes`."""
    program = soffice()
    if program is None:
        raise InputError(f"读取 DOC/WPS 文件需要 LibreOffice，但本机没有安装：{INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="monitor-convert-") as tmp:
        folder = Path(tmp)
        source = folder / "report.doc"
        source.write_bytes(data)
        result = folder / "report.docx"
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",  # private profile: runs in parallel
            "--headless", "--norestore", "--nolockcheck",
            "--convert-to", "docx:MS Word 2007 XML",
            "--outdir", str(folder),
            str(source),
        ]
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise InputError(f"无法启动 LibreOffice：{exc.strerror or exc}") from None
        try:
            _wait(process, result, timeout, max_bytes)
        finally:
            _kill_group(process)
        return _read_result(result, max_bytes)


def _wait(process: subprocess.Popen[bytes], result: Path, timeout: float, max_bytes: int) -> None:
    """Until the conversion ends; InputError past the deadline or when its output grows too large."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            process.wait(timeout=max(0.0, min(_POLL_S, deadline - time.monotonic())))
            return
        except subprocess.TimeoutExpired:
            pass
        if _size(result) > max_bytes:
            raise InputError(f"LibreOffice 转换结果过大（超过 {max_bytes // 2**20} MB 的上限），拒绝读取")
        if time.monotonic() >= deadline:
            raise InputError(f"LibreOffice 转换超时（超过 {timeout:g} 秒）")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill what is left of the conversion's process group, and reap the process started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_result(result: Path, max_bytes: int) -> bytes:
    try:
        with result.open("rb") as stream:
            converted = stream.read(max_bytes + 1)
    except OSError:
        converted = b""
    if len(converted) > max_bytes:
        raise InputError(f"LibreOffice 转换结果过大（超过 {max_bytes // 2**20} MB 的上限），拒绝读取")
    if not converted:
        raise InputError("LibreOffice 无法转换此 DOC/WPS 文件（文件可能已损坏）")
    return converted
