"""Old Word (DOC) and WPS files to DOCX, with LibreOffice in headless mode."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from monitor.errors import InputError

CONVERT_TIMEOUT_S = 120
INSTALL_HINT = "请安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer-nogui；或运行 make libreoffice）"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes) -> bytes:
    """Convert DOC/WPS bytes to DOCX bytes. Raises InputError when it cannot."""
    program = soffice()
    if program is None:
        raise InputError(f"读取 DOC/WPS 文件需要 LibreOffice，但本机没有安装：{INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="monitor-convert-") as tmp:
        folder = Path(tmp)
        source = folder / "report.doc"
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",  # private profile: runs in parallel
            "--headless", "--norestore", "--nolockcheck",
            "--convert-to", "docx:MS Word 2007 XML",
            "--outdir", str(folder),
            str(source),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(f"LibreOffice 转换超时（超过 {CONVERT_TIMEOUT_S} 秒）") from None
        result = folder / "report.docx"
        if not result.exists() or result.stat().st_size == 0:
            raise InputError("LibreOffice 无法转换此 DOC/WPS 文件（文件可能已损坏）")
        return result.read_bytes()
