"""Ingesting many documents at once, in worker processes (back-fills, folders of reports received by mail).

Each worker has its own database connection and runs the whole pipeline (fetch, read, evaluate, store)
for one agency's documents at a time, in the order given, so an agency's versions are numbered in that
order. Parsing is CPU-bound and a PostgreSQL store mostly waits on round trips, so workers overlap
both; SQLite takes one writer at a time and the others wait for its lock (the parsing still overlaps).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from multiprocessing.util import Finalize
from pathlib import Path

from monitor.errors import InputError
from monitor.fetch import read_text_file
from monitor.pipeline import Ingested, ingest
from monitor.report import MAX_YEAR, MIN_YEAR
from monitor.store import Store
from monitor.store.database import make_engine


@dataclass(frozen=True)
class Job:
    """One document to store: its bytes, or None to read them from `location` (a path or URL)."""

    agency_id: str
    location: str
    now: datetime
    year: int | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Failed:
    """A job that stored nothing, and why (one line)."""

    reason: str


Outcome = Ingested | Failed
WORKER_DIED = "工作进程意外退出，是否已入库不明（可重新运行：已入库的内容不会重复入库）"


class Workers:
    """Worker processes that store jobs, kept for as many batches as the caller has (a context manager).

    With one worker everything runs in this process, on the caller's store."""

    def __init__(self, store: Store, workers: int | None = None) -> None:
        self.store = store
        self.count = max(1, workers or os.cpu_count() or 1)
        self.pool: ProcessPoolExecutor | None = None
        if self.count > 1:
            url = store.engine.url.render_as_string(hide_password=False)
            # spawn: a worker must not inherit this process's open database connections
            self.pool = ProcessPoolExecutor(self.count, mp_context=get_context("spawn"), initializer=_start,
                                            initargs=(url,))

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def ingest(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Outcome]]:
        """Store every job (see the module docstring); yields each job with its outcome, grouped by
        agency in the order of their first job."""
        groups: dict[str, list[Job]] = {}
        for job in jobs:
            groups.setdefault(job.agency_id, []).append(job)
        if self.pool is None:
            for group in groups.values():
                yield from ((job, _one(self.store, job)) for job in group)
            return
        pending = list(groups.values())
        try:
            for done in self.pool.map(_run, pending):
                yield from zip(pending.pop(0), done, strict=True)
        except BrokenProcessPool:  # a worker died (killed, out of memory): the jobs not yet reported
            for group in pending:
                yield from ((job, Failed(WORKER_DIED)) for job in group)


def ingest_many(store: Store, jobs: Iterable[Job],
                workers: int | None = None) -> Iterator[tuple[Job, Outcome]]:
    """Store every job with `workers` processes (default: the CPUs; never more than the agencies)."""
    jobs = list(jobs)
    agencies = len({job.agency_id for job in jobs})
    with Workers(store, min(workers or os.cpu_count() or 1, max(1, agencies))) as pool:
        yield from pool.ingest(jobs)


_store: Store | None = None  # a worker's own database connections


def _start(url: str) -> None:
    global _store
    _store = Store(make_engine(url))
    Finalize(None, _store.close, exitpriority=10)  # close the connections cleanly when the worker exits


def _run(group: list[Job]) -> list[Outcome]:
    assert _store is not None
    return [_one(_store, job) for job in group]


def _one(store: Store, job: Job) -> Outcome:
    try:
        return ingest(store, job.agency_id, job.location, now=job.now, year=job.year, data=job.data)
    except InputError as exc:
        return Failed(str(exc))
    except Exception as exc:  # a database error stores nothing for this job; the others go on
        return Failed(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


MANIFEST_COLUMNS = ("agency", "location")


def read_manifest(path: Path, now: datetime) -> list[Job]:
    """Jobs from a CSV file with the columns agency, location and (optional) year; a relative
    location is a file beside the manifest. Raises InputError naming the line, field and reason."""
    text = read_text_file(path)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}: 缺少列 {', '.join(missing)}（应有 agency, location，可选 year）")
    jobs = []
    for row in reader:
        line = reader.line_num
        if None in row:  # values beyond the header
            raise InputError(f"{path}:{line}: 这一行的字段比表头多 {len(row[None])} 个")
        agency, location, year = (row.get("agency") or "").strip(), (row.get("location") or "").strip(), None
        if not agency or not location:
            raise InputError(f"{path}:{line}: {'agency' if not agency else 'location'} 为空")
        if (row.get("year") or "").strip():
            try:
                year = int(row["year"])
            except ValueError:
                raise InputError(f"{path}:{line}: year 不是年份：{row['year']}") from None
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise InputError(f"{path}:{line}: year {year} 不在 {MIN_YEAR}–{MAX_YEAR} 年之间")
        if not location.startswith(("http://", "https://")) and not Path(location).is_absolute():
            location = str(path.parent / location)
        jobs.append(Job(agency, location, now, year))
    return jobs
