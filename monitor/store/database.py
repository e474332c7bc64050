"""Database access: engines (SQLite embedded, PostgreSQL in production) and migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "alembic"


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets its folder created, WAL journaling and foreign keys on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if parsed.drivername == "postgresql":  # the driver installed is psycopg 3
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema (Alembic upgrade)."""
    command.upgrade(alembic_config(engine), revision)
