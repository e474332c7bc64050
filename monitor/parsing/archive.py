"""Zip archives (DOCX packages, ZIP attachments) unpacked within budgets.

The sizes an archive declares are not trusted: a member is unpacked by streaming, in chunks, and
the bytes that really come out are counted against the budget, so a zip bomb whose headers lie is
stopped at the limit instead of inflating in memory (zipfile's own `read()` inflates a member in
one call before cutting it to the declared size). Only stored and deflated members are read (what
Office and zip tools write; bzip2 and LZMA decompress without an output bound in zipfile), and the
central directory is measured before zipfile parses it (a directory of millions of entries).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from types import TracebackType

from monitor.errors import InputError
from monitor.parsing.limits import MAX_ARCHIVE_MEMBERS, MAX_COMPRESSION_RATIO, MAX_UNPACKED_BYTES

_CHUNK = 1024 * 1024
# A central-directory entry is 46 bytes, the member's name and extra fields: room for names of a
# few hundred bytes on average, never for millions of entries.
_MAX_DIRECTORY_BYTES = MAX_ARCHIVE_MEMBERS * 300
_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"


class Archive:
    """A zip archive opened within the budgets of monitor.parsing.limits; `what` names it in the
    one-line reasons («DOCX», «ZIP 压缩包»). Raises InputError for a damaged or oversized archive."""

    def __init__(self, data: bytes, what: str = "ZIP 压缩包") -> None:
        self.what = what
        self.budget = min(MAX_UNPACKED_BYTES, MAX_COMPRESSION_RATIO * len(data))
        self.unpacked = 0
        _check_directory(data, what)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError):
            raise InputError(f"{what} 文件已损坏（不是有效的压缩包）") from None
        members = self._zip.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            self._zip.close()
            raise InputError(f"{what} 中的文件过多（{len(members)}个，上限{MAX_ARCHIVE_MEMBERS}个），拒绝读取")
        self._members = {member.filename: member for member in members}

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def names(self) -> list[str]:
        return list(self._members)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def read(self, name: str, limit: int | None = None) -> bytes:
        """The member's bytes, unpacked in chunks; what comes out of all members read so far counts
        against the budget, and this member may unpack to at most `limit` bytes. Raises KeyError for
        a name not in the archive, InputError past a limit or for a damaged, encrypted or
        unsupported member."""
        member = self._members[name]
        if member.flag_bits & 0x1:
            raise InputError(f"{self.what} 中的 {name} 已加密，无法读取")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(f"{self.what} 中的 {name} 使用了不支持的压缩方式（{member.compress_type}）")
        left = self.budget - self.unpacked
        if limit is not None and limit < left:
            left = limit
            over = InputError(f"{self.what} 中的 {name} 解压后过大（超过 {limit / 2**20:.0f} MB 的上限），拒绝读取")
        else:
            over = self._over_budget()
        if member.file_size > left:  # declared too large: refused before inflating anything
            raise over
        chunks: list[bytes] = []
        try:
            with self._zip.open(member) as stream:
                while chunk := stream.read(min(_CHUNK, left + 1)):
                    left -= len(chunk)
                    if left < 0:
                        raise over
                    chunks.append(chunk)
        # zipfile's own errors for a damaged archive: a bad record, a seek before the start (a lying
        # directory offset), a version or feature it does not implement.
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
            detail = str(exc).splitlines()[0][:60] if str(exc) else type(exc).__name__
            raise InputError(f"{self.what} 文件已损坏（{name}：{detail}）") from None
        data = b"".join(chunks)
        self.unpacked += len(data)
        return data

    def _over_budget(self) -> InputError:
        cap, ratio = MAX_UNPACKED_BYTES // 2**20, MAX_COMPRESSION_RATIO
        return InputError(f"{self.what} 解压后过大（超过 {self.budget / 2**20:.0f} MB：至多 {cap} MB，"
                          f"且不超过压缩包大小的 {ratio} 倍），拒绝读取")


def _check_directory(data: bytes, what: str) -> None:
    """Refuses an archive whose central directory (as zipfile will find it: the last end record)
    holds more entries or bytes than the budget allows, before zipfile reads it into objects."""
    end = data.rfind(_END, max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or len(data) < end + 22:
        return  # no end record: zipfile refuses the archive
    _, _, _, entries, size = struct.unpack("<HHHHI", data[end + 4:end + 16])
    locator = end - 20
    if locator >= 0 and data[locator:locator + 4] == _END64_LOCATOR:  # zip64: the counts are there
        (offset,) = struct.unpack("<Q", data[locator + 8:locator + 16])
        if data[offset:offset + 4] == _END64 and len(data) >= offset + 56:
            entries64, size64 = struct.unpack("<QQ", data[offset + 32:offset + 48])
            entries, size = max(entries, entries64), max(size, size64)
    if entries > MAX_ARCHIVE_MEMBERS or size > _MAX_DIRECTORY_BYTES:
        raise InputError(f"{what} 中的文件过多（目录中{entries}个，上限{MAX_ARCHIVE_MEMBERS}个），拒绝读取")
