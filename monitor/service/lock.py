"""The service lock: at most one active `monitor run` per database; the others wait as hot standbys.

PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) on a connection of its own, held for
the service's life in autocommit (no transaction stays open). The server drops it when the session ends,
so a killed service frees it. Its key is the application's and the schema's: services on other schemas
of one database don't exclude each other. SQLite: an exclusive flock on `<database file>.lock`, which
the kernel drops when the process dies. `taken()` tells `monitor status` whether some process holds it,
without writing anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from monitor.store import Store
from monitor.store.database import sqlite_path

APP_KEY = 0x4D4F4E49  # "MONI": the first half of the advisory lock's key; the second is the schema's
# libpq settings of the lock's connection: a silent network notices a dead server within about a minute.
KEEPALIVE = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 15, "keepalives_interval": 5,
             "keepalives_count": 3, "tcp_user_timeout": 45_000}
_HELD = ("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = CAST(:a AS oid)"
         " AND objid = CAST(:b AS oid) AND objsubid = 2 AND granted"
         " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


class ServiceLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if no other process holds it; True when taken (it then stays until release)."""

    def held(self) -> bool:
        """Whether the lock taken is still this process's (False once its connection is lost)."""

    def release(self) -> None: ...

    def taken(self) -> bool:
        """Whether some process holds the lock."""


class FileLock:
    """An exclusive flock on a file that is never removed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def held(self) -> bool:
        """Held, and the file at the path is still the one locked (not removed or replaced)."""
        if self.fd is None:
            return False
        try:
            mine, there = os.fstat(self.fd), os.stat(self.path)
        except OSError:
            return False
        return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the file drops its lock
            self.fd = None

    def taken(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # drops the shared lock just taken, if any
        return False


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a dedicated connection."""

    def __init__(self, engine: Engine) -> None:
        keepalive = KEEPALIVE if engine.dialect.driver in ("psycopg", "psycopg2") else {}
        self.engine = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                                    connect_args=keepalive)
        self.connection: Connection | None = None
        self.key: dict[str, int] | None = None

    def _key(self, connection: Connection) -> dict[str, int]:
        schema = connection.execute(text("SELECT current_schema()")).scalar() or ""
        return {"a": APP_KEY, "b": zlib.crc32(schema.encode()) & 0x7FFFFFFF}

    def acquire(self) -> bool:
        """Try the lock on the dedicated connection (made once, kept while waiting)."""
        try:
            if self.connection is None:
                self.connection = self.engine.connect()
                self.key = self._key(self.connection)
            return bool(self.connection.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), self.key).scalar())
        except Exception:
            self.release()
            raise

    def held(self) -> bool:
        if self.connection is None or self.key is None:
            return False
        try:
            return bool(self.connection.execute(text(_HELD + " AND pid = pg_backend_pid())"), self.key).scalar())
        except Exception:  # the connection is lost, and with it the lock
            return False

    def release(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # a broken connection has nothing left to release
                self.connection.close()  # the session ends: the server drops its advisory lock
            self.connection = self.key = None

    def taken(self) -> bool:
        with self.engine.connect() as connection:
            return bool(connection.execute(text(_HELD + ")"), self._key(connection)).scalar())


def service_lock(store: Store) -> ServiceLock:
    """The lock of the store's database: a file beside a SQLite database, an advisory lock otherwise."""
    path = sqlite_path(store.engine.url)
    if store.engine.dialect.name == "sqlite":
        if path is None:
            raise ValueError("内存中的 SQLite 数据库不能运行服务")
        return FileLock(Path(f"{path}.lock"))
    return AdvisoryLock(store.engine)


@contextlib.contextmanager
def exclusive(store: Store) -> Iterator[bool]:
    """The service's lock held for a command run by hand (`monitor crawl`, `monitor send`): yields
    False, holding nothing, when a running service or another such command holds it."""
    try:
        lock = service_lock(store)
    except ValueError:  # an in-memory database: no other process can share it
        yield True
        return
    if not lock.acquire():
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
