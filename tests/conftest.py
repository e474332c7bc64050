"""Shared test helpers: the reference reports, the shared folder, the databases.

A test that can't run here for want of something outside the repository (the shared folder,
PostgreSQL, LibreOffice) skips and says why, except where that thing is required: under CI (the
environment variable CI set, as CI runs do) or with its MONITOR_REQUIRE_* variable set to 1
(.ci/run sets them all); there it fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The reference reports with their expected output: copies of the shared folder's corpus/ (which
# test_corpus.py::test_repository_copies_match_shared compares them with), kept in the repository
# so that every test but that one runs without the shared folder.
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
# The shared folder beside the repository; MONITOR_SHARED_DIR puts it elsewhere (a folder that
# doesn't exist: a run as on a machine without it).
SHARED_DIR = Path(os.environ.get("MONITOR_SHARED_DIR") or ROOT.parent / "shared")


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str, require: str) -> NoReturn:
    """Skip the test for `reason`, or fail it where the missing thing is required: under CI or
    with the environment variable `require` set to 1."""
    if os.environ.get(require) == "1" or under_ci():
        pytest.fail(f"{reason} (required here: {require}=1 or CI is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """tests/fixtures/corpus: the reference reports and their `.expected.json`."""
    return CORPUS


@pytest.fixture(scope="session")
def shared_corpus_dir() -> Path:
    """The shared folder's corpus/, the origin of tests/fixtures/corpus."""
    corpus = SHARED_DIR / "corpus"
    if not corpus.is_dir():
        unavailable(f"no shared corpus at {corpus} (../shared, or MONITOR_SHARED_DIR): the repository's copies "
                    "in tests/fixtures/corpus were not compared with it", "MONITOR_REQUIRE_SHARED")
    return corpus


# --- databases: every database test runs on SQLite and on PostgreSQL ------------------------------
import os  # noqa: E402
import uuid  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from monitor.store import Store, registry  # noqa: E402
from monitor.store.database import make_engine, upgrade  # noqa: E402

POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect: report it
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    problem = _postgres_reachable()
    if problem:
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {problem}"
        unavailable(message, "MONITOR_REQUIRE_POSTGRES")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def registered(database_url):
    """`registered(agencies, now)`: a Store of the database, migrated, with those agencies registered."""
    stores = []

    def make(agencies, now):
        store = Store(make_engine(database_url))
        stores.append(store)
        upgrade(store.engine)
        with store.transaction() as session:
            registry.apply(session, agencies, now)
        return store

    yield make
    for store in stores:
        store.close()
