"""The database: engines (SQLite embedded, PostgreSQL in production), migrations, and opening it.

Only `monitor init` creates or migrates a database (`create`); every other command opens an existing
one at the current schema (`open_store`) and is told in one line why it cannot when it cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The schema revision this code needs: the head of MIGRATIONS (a test checks that they agree). Written
# out so that opening a database for a query does not load Alembic and parse every revision.
SCHEMA_REVISION = "0008"


class StoreError(Exception):
    """The database cannot be used; the message names it and says why, in one line."""


# Connections a process may open: the crawl's threads (`hosts_in_parallel`, up to 256) each hold one
# while they store, and wait for one rather than fail when all are taken.
POOL = {"pool_size": 5, "max_overflow": 64, "pool_timeout": 300}


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL journaling and foreign keys on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")  # one connection per thread, no pool to size
        engine = create_engine(parsed, connect_args={"timeout": 30}, **({} if in_memory else POOL))

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if parsed.drivername == "postgresql":  # the driver installed is psycopg 3
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, **POOL)


@dataclass
class Store:
    """An open database at the current schema: its engine and its sessions."""

    engine: Engine

    def __post_init__(self) -> None:
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def name(self) -> str:
        return display_url(self.engine.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end of the block, or rolled back on an error."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed (closing it rolls back)."""
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def display_url(url: str | URL) -> str:
    """The URL without its password; a SQLite database as its file path."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (None for other databases and for :memory:)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in Chinese, from the driver's error."""
    text = str(getattr(exc, "orig", None) or exc)
    lowered = text.lower()
    reasons = (
        ("file is not a database", "不是 SQLite 数据库文件"),
        ("unable to open database file", "无法打开数据库文件（目录不存在或没有权限）"),
        ("database is locked", "数据库被其他进程锁定"),
        ("connection refused", "连接被拒绝（数据库服务器未运行，或地址、端口有误）"),
        ("password authentication failed", "用户名或密码错误"),
        ("no password supplied", "需要密码，但地址中没有给出"),
        ("timeout", "连接超时"),
        ("could not translate host name", "无法解析主机名"),
        ("name or service not known", "无法解析主机名"),
        ("does not exist", "数据库或用户不存在"),
        ("permission denied", "没有权限"),
    )
    for needle, reason in reasons:
        if needle in lowered:
            return reason
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"无法连接（{first}）"


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: empty). Raises StoreError when it cannot be read."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise StoreError(f"无法连接数据库 {display_url(engine.url)}：{connect_reason(exc)}") from None


def open_store(url: str) -> Store:
    """An existing database at the current schema. Creates nothing: a missing SQLite file, an empty or
    out-of-date schema is a StoreError that says to run `monitor init`."""
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise StoreError(f"数据库文件 {path} 不存在：请先运行 monitor init")
    engine = make_engine(url)
    try:
        current = current_revision(engine)
        if current is None or current < SCHEMA_REVISION:  # revisions are numbered 0001, 0002, …
            state = "是空的" if current is None else f"版本过旧（{current}，应为 {SCHEMA_REVISION}）"
            raise StoreError(f"数据库 {display_url(engine.url)} {state}：请先运行 monitor init")
        if current != SCHEMA_REVISION:
            raise StoreError(f"数据库 {display_url(engine.url)} 的结构版本为 {current}，比本程序的 "
                             f"{SCHEMA_REVISION} 新：它由更新版本的 monitor 创建，请升级本程序")
    except StoreError:
        engine.dispose()
        raise
    return Store(engine)


def create(url: str) -> tuple[Store, str | None]:
    """Create or migrate the database to the current schema (`monitor init`); returns the store and the
    revision it was at before (None: new). A SQLite file's folder is created."""
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"无法创建数据库目录 {path.parent}：{exc.strerror or exc}") from None
    from alembic.util import CommandError

    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
    except CommandError:  # a revision this code does not know: the database was made by a newer version
        engine.dispose()
        raise StoreError(f"数据库 {display_url(engine.url)} 的结构版本为 {before}，本程序只认识到 "
                         f"{SCHEMA_REVISION}：它由更新版本的 monitor 创建，请升级本程序") from None
    except StoreError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"无法迁移数据库 {display_url(engine.url)}：{connect_reason(exc)}") from None
    return Store(engine), before


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema (Alembic upgrade)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


# PostgreSQL: ANALYZE a table once this share of its rows changed since its last analysis (autovacuum's
# default rule, applied at the end of a writing command instead of at autovacuum's next pass, which lags
# a bulk import: with statistics from a nearly empty table the planner scans all of report_values).
STALE_SHARE = 0.1
STALE_ROWS = 50
# SQLite: ANALYZE reads at most about this many rows of each index (a few milliseconds for any size).
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics(engine: Engine) -> list[str]:
    """Update the query planner's statistics after writes; returns the tables analyzed.

    PostgreSQL: every table of the schema changed by more than STALE_SHARE of its rows (or never
    analyzed). SQLite: every table, by a bounded ANALYZE (SQLite keeps no count of changes)."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            connection.exec_driver_sql("ANALYZE")
            return list(connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1 ORDER BY tbl").scalars())
        stale = connection.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()"
            " AND n_mod_since_analyze > %(rows)s + %(share)s * n_live_tup ORDER BY relname",
            {"rows": STALE_ROWS, "share": STALE_SHARE}).scalars().all()
        for table in stale:
            connection.exec_driver_sql(f'ANALYZE "{table}"')
    return list(stale)
