"""Ingesting many documents at once, in worker processes (back-fills, folders of reports received by mail).

The documents are read here and handed to worker processes (`monitor.isolation`), each with its own
database connection, which read, evaluate and store them under a wall-clock and a memory limit. One
agency's documents go to one worker in the order given, so its versions are numbered in that order;
agencies run side by side. A document that overruns a limit or kills its worker is kept as unreadable
(its bytes and the reason), the worker is replaced, and the batch goes on.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.errors import InputError
from monitor.fetch import read_location, read_text_file
from monitor.isolation import DOCUMENT_LIMITS, Broken, Limits, Worker
from monitor.pipeline import Ingested, ingest, record_unreadable
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
# What runs in a worker for one job: (agency_id, location, now, year, data, content_type) -> Ingested.
Task = Callable[[str, str, datetime, int | None, bytes, str | None], Ingested]


class Workers:
    """Worker processes that store jobs, kept for as many batches as the caller has (a context manager).
    `task` is what a worker does with one document (the pipeline's ingest; tests give others)."""

    def __init__(self, store: Store, workers: int | None = None, limits: Limits = DOCUMENT_LIMITS,
                 task: Task | None = None) -> None:
        self.store, self.limits, self.task = store, limits, task or _ingest
        self.count = max(1, workers or os.cpu_count() or 1)
        self.url = store.engine.url.render_as_string(hide_password=False)
        self.threads = ThreadPoolExecutor(self.count, thread_name_prefix="monitor-worker")
        self.local = threading.local()
        self.started: list[Worker] = []
        self.lock = threading.Lock()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.threads.shutdown()
        for worker in self.started:
            worker.close()

    def ingest(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, Outcome]]:
        """Store every job (see the module docstring); yields each job with its outcome, grouped by
        agency in the order of their first job."""
        groups: dict[str, list[Job]] = {}
        for job in jobs:
            groups.setdefault(job.agency_id, []).append(job)
        for group, done in zip(groups.values(), [self.threads.submit(self._group, g) for g in groups.values()],
                               strict=True):
            yield from zip(group, done.result(), strict=True)

    def _group(self, group: list[Job]) -> list[Outcome]:
        return [self._one(job) for job in group]

    def _worker(self) -> Worker:
        """This thread's worker process, started on first use."""
        worker: Worker | None = getattr(self.local, "worker", None)
        if worker is None:
            worker = self.local.worker = Worker(self.limits, _start, (self.url,))
            with self.lock:
                self.started.append(worker)
        return worker

    def _one(self, job: Job) -> Outcome:
        try:
            data, content_type = (job.data, None) if job.data is not None else read_location(job.location)
        except InputError as exc:
            return Failed(str(exc))
        try:
            return self._worker().call(self.task, job.agency_id, job.location, job.now, job.year, data,
                                       content_type)
        except InputError as exc:  # refused: the pipeline kept the document as unreadable
            return Failed(str(exc))
        except Broken as exc:
            try:
                record_unreadable(self.store, job.agency_id, job.location, data, str(exc), now=job.now)
            except Exception as store_error:  # the reason is still reported
                return Failed(f"{exc}（未能保存文件：{type(store_error).__name__}）")
            return Failed(f"{exc}（文件已保存，供审核）")
        except Exception as exc:  # a database error stores nothing for this job; the others go on
            return Failed(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


def ingest_many(store: Store, jobs: Iterable[Job], workers: int | None = None,
                limits: Limits = DOCUMENT_LIMITS) -> Iterator[tuple[Job, Outcome]]:
    """Store every job with `workers` processes (default: the CPUs; never more than the agencies)."""
    jobs = list(jobs)
    agencies = len({job.agency_id for job in jobs})
    with Workers(store, min(workers or os.cpu_count() or 1, max(1, agencies)), limits) as pool:
        yield from pool.ingest(jobs)


_store: Store | None = None  # a worker's own database connections


def _start(url: str) -> None:
    global _store
    _store = Store(make_engine(url))


def _ingest(agency_id: str, location: str, now: datetime, year: int | None, data: bytes,
            content_type: str | None) -> Ingested:
    assert _store is not None
    return ingest(_store, agency_id, location, now=now, year=year, data=data, content_type=content_type)


MANIFEST_COLUMNS = ("agency", "location")


def read_manifest(path: Path, now: datetime) -> list[Job]:
    """Jobs from a CSV file with the columns agency, location and (optional) year; a relative
    location is a file beside the manifest. Raises InputError naming the line, field and reason."""
    from monitor.text import csv_error_reason

    text = read_text_file(path)
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:  # e.g. a field longer than csv.field_size_limit(): the line where it starts
        raise InputError(f"{path}:{reader.line_num + 1}: {csv_error_reason(exc)}") from None
    missing = [c for c in MANIFEST_COLUMNS if c not in (fieldnames or [])]
    if missing:
        raise InputError(f"{path}: 缺少列 {', '.join(missing)}（应有 agency, location，可选 year）")
    jobs = []
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num + 1}: {csv_error_reason(exc)}") from None
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
