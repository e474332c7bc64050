"""The history database at scale: ingest rate, size and auditor queries, on SQLite and PostgreSQL.

    python bench/history_bench.py [--agencies 10000] [--years 5] [--db sqlite|postgresql|both]
                                  [--fill-to N] [--write docs/performance.md]

Registers ``--agencies`` synthetic agencies (regions 「省/市/县」, up to 400 counties, 25 agencies a
county: the county government, three townships, departments), then stores ``--years`` annual reports
for every agency through the real ``monitor.ingest.ingest()`` (parse + rules + store, one transaction
per report), year after year as they would arrive. The tables of each agency follow one of a pool
of year-to-year consistent chains (上年结转 = last year's 结转下年, 现行有效 carried on); a fraction
``--error-rate`` of the reports break exactly one rule (``tests/synth.py`` injections) and a fraction
``--revision-rate`` of agency-years get a second version later (the error fixed, or one figure
changed). Every document is rendered with its agency's name and year (layouts ``text_tabs`` and
``html_template`` alternating) in chunks, before the chunk is timed: only the ``ingest()`` calls are
timed (``time.perf_counter`` and ``time.process_time`` around each call). The last ``--profile``
reports of the last year are ingested under cProfile instead and left out of the rate.

After the last report the script calls ``monitor.db.refresh_statistics`` once, as the writing commands
of the CLI do at their end (PostgreSQL: ``ANALYZE`` of every table changed by more than 10 % since its
last analysis; SQLite: a bounded ``ANALYZE`` of every table), and records the tables it analyzed. Then the auditor
queries (plain SQL on the views of migrations 0002 and 0005) are timed: one untimed warm-up, then the
median of ``--runs`` runs, each fetching every row; first on the database as the application leaves it,
then after a full ``ANALYZE`` (SQLite) / ``VACUUM ANALYZE`` (PostgreSQL), and on PostgreSQL once more
with ``SET jit = off``. Every plan is kept (``EXPLAIN QUERY PLAN`` / ``EXPLAIN (ANALYZE, BUFFERS)``);
those of queries slower than 100 ms are printed. With ``--fill-to N`` the ingested histories are then
copied by SQL to N agencies (the registry of an N-agency run), standing for more ingests:
``refresh_statistics`` runs again, and size and queries are measured again at that scale. With
``--workers N`` (N > 1) each year's reports are stored by ``monitor.batch`` with N worker
processes instead (``monitor.batch.Workers``, kept across the batches), each batch timed whole (no
profile); its section of the file is ``history-workers``.

SQLite runs in a temporary directory; PostgreSQL in a fresh schema ``bench_history_<hex>`` of the
database at ``--pg-url`` (default ``$MONITOR_TEST_POSTGRES`` or postgres@127.0.0.1:5432/test), dropped
at the end. With ``--write`` the section between ``<!-- history:start -->`` and ``<!-- history:end -->``
of the file is rewritten (appended when missing; ``bench.check_throughput.write_section``); the rest of
the file is kept. ``--json`` saves the measurements, ``--from-json`` renders them again.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import cProfile
import dataclasses
import importlib
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.check_throughput import machine_facts, write_section  # noqa: E402
from monitor import registry  # noqa: E402
from monitor.batch import Failed, Job, Workers  # noqa: E402
from monitor.config import Agency  # noqa: E402
from monitor.db import make_engine, refresh_statistics, sessions, upgrade  # noqa: E402
from monitor.ingest import ingest  # noqa: E402

synth = importlib.import_module("tests.synth")

POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

TARGET_REPORTS_PER_S = 200.0
TARGET_QUERY_MS = 100.0
LAYOUTS = ("text_tabs", "html_template")
CHUNK = 500  # documents rendered (untimed) before they are ingested (timed)
CHAINS = 64  # distinct year-to-year consistent table chains, shared round-robin by the agencies

T3, AD = "applications", "active_disclosure"

# Regions: 10 provinces × 5 prefectures × 8 counties = 400 counties at most.
PROVINCES = ("河南省", "河北省", "山东省", "山西省", "湖北省", "湖南省", "江西省", "安徽省", "浙江省", "福建省")
CITIES_PER_PROVINCE, COUNTIES_PER_CITY = 5, 8
MAX_COUNTIES = len(PROVINCES) * CITIES_PER_PROVINCE * COUNTIES_PER_CITY
AGENCIES_PER_COUNTY = 25
TOWNSHIPS_PER_COUNTY = 3
_FIRST = "东西南北中新青白金云龙凤安长平高永清黄红临兴宁华"
_SECOND = "山河湖林川江源丰城海原泉州阳桥岭溪台港岗田"
DEPARTMENTS = (
    "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局",
    "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会",
    "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局",
)


# Synthetic registry and reports ----------------------------------------------------------------


@dataclass(frozen=True)
class County:
    province: str
    city: str
    name: str

    @property
    def region(self) -> str:
        return f"{self.province}/{self.city}/{self.name}"


def counties(n: int, seed: int) -> list[County]:
    """n counties, filled city by city (so a small run still has whole prefectures)."""
    rng = random.Random(f"{seed}/regions")
    out: list[County] = []
    names = [a + b for a in _FIRST for b in _SECOND]
    for province in PROVINCES:
        cities = rng.sample(names, CITIES_PER_PROVINCE)
        for city in cities:
            for name in rng.sample(names, COUNTIES_PER_CITY):
                out.append(County(province, city + "市", name + rng.choice("县区")))
                if len(out) == n:
                    return out
    return out


def make_agencies(n: int, seed: int) -> tuple[list[Agency], dict[str, County]]:
    """n agencies spread over max(1, min(400, n / 25)) counties; agency i is in county i mod counties."""
    places = counties(max(1, min(MAX_COUNTIES, n // AGENCIES_PER_COUNTY)), seed)
    rng = random.Random(f"{seed}/towns")
    agencies: list[Agency] = []
    where: dict[str, County] = {}
    for i in range(n):
        county, k = places[i % len(places)], i // len(places)
        agency_id = f"bench-{i:05d}"
        if k == 0:
            name, kind, level = f"{county.name}人民政府", "government", "county"
        elif k <= TOWNSHIPS_PER_COUNTY:
            name, kind, level = f"{rng.choice(_FIRST)}{rng.choice(_SECOND)}镇人民政府", "township", None
        else:
            name = county.name + DEPARTMENTS[(k - 1 - TOWNSHIPS_PER_COUNTY) % len(DEPARTMENTS)]
            kind, level = "department", None
        agencies.append(Agency(id=agency_id, name=name, kind=kind, level=level, region=county.region,
                               supervisors=[f"{agency_id}@example.org"]))
        where[agency_id] = county
    return agencies, where


def chain(rng: random.Random, years: int) -> list[Any]:
    """Tables for consecutive years that agree with each other: this year's 上年结转 is last year's
    结转下年, and 现行有效件数 = last year's + 本年制发 − 本年废止 (the cross-year rules hold)."""
    out = [synth.random_values(rng)]
    for _ in range(years - 1):
        before, values = out[-1], synth.random_values(rng)
        for column in synth.APPLICANT_PARTS:
            values[T3]["carried_over"][column] = before[T3]["carried_forward"][column]
        synth.rebalance(values)
        for row in ("regulations", "normative_documents"):
            cells = values[AD][row]
            in_force = before[AD][row]["in_force"] + cells["made"] - cells["repealed"]
            if in_force < 0:
                cells["repealed"], in_force = before[AD][row]["in_force"] + cells["made"], 0
            cells["in_force"] = in_force
        assert not synth.violations(values), synth.violations(values)
        out.append(values)
    return out


@dataclass(frozen=True)
class Plan:
    """What one agency-year gets: the rule its first version breaks (if any) and whether it is revised."""

    injected: str | None
    revised: bool


@dataclass
class Scenario:
    agencies: list[Agency]
    where: dict[str, County]
    years: list[int]
    chains: list[list[Any]]
    plans: dict[tuple[int, int], Plan]
    seed: int

    @classmethod
    def build(cls, n: int, years: int, first_year: int, error_rate: float, revision_rate: float,
              seed: int) -> Scenario:
        agencies, where = make_agencies(n, seed)
        rng = random.Random(f"{seed}/chains")
        chains = [chain(rng, years) for _ in range(min(CHAINS, n))]
        rules = sorted(synth.INJECTIONS)
        plans = {}
        for i in range(n):
            for y in range(first_year, first_year + years):
                pick = random.Random(f"{seed}/plan/{i}/{y}")
                injected = pick.choice(rules) if pick.random() < error_rate else None
                plans[i, y] = Plan(injected, pick.random() < revision_rate)
        return cls(agencies, where, list(range(first_year, first_year + years)), chains, plans, seed)

    def values(self, i: int, year: int) -> Any:
        return self.chains[i % len(self.chains)][year - self.years[0]]

    def render(self, i: int, year: int, version: int) -> Item:
        """The document of version 1 or 2 of agency i's report for `year`, rendered with its name and year."""
        agency, plan = self.agencies[i], self.plans[i, year]
        rng = random.Random(f"{self.seed}/doc/{i}/{year}/{version}")
        values, statements = self.values(i, year), {}
        if version == 1 and plan.injected:
            try:
                injection = synth.INJECTIONS[plan.injected](values, rng)
                values, statements = injection.values, dict(injection.statements)
            except AssertionError:  # an injection that does not fit these tables: keep the clean report
                pass
        elif version == 2 and not plan.injected:  # a correction of one 表二 figure (no sum depends on it)
            values = copy.deepcopy(values)
            values[AD]["licensing"]["decisions"] += 1
        doc = synth.Doc(agency.name, year, values, statements)
        layout = LAYOUTS[(i + year) % len(LAYOUTS)]
        now = (datetime(year + 1, 2, 1, 9, tzinfo=UTC) + timedelta(seconds=i) if version == 1
               else datetime(year + 1, 4, 15, 9, tzinfo=UTC) + timedelta(seconds=i))
        return Item(agency.id, year, version, synth.render(layout, doc, rng), synth.location(layout, doc), now)

    def revised(self, year: int) -> list[int]:
        return [i for i in range(len(self.agencies)) if self.plans[i, year].revised]


@dataclass(frozen=True)
class Item:
    agency_id: str
    year: int
    version: int
    data: bytes
    location: str
    now: datetime


# Measurements ------------------------------------------------------------------------------------


@dataclass
class Pass:
    label: str
    seconds: list[float] = field(default_factory=list)  # one per report (one process)
    cpu: float = 0.0  # CPU seconds of this process (time.process_time) spent in the timed calls
    reports: int = 0  # with --workers: the reports of the batch calls, which are timed whole
    wall: float = 0.0  # with --workers: their wall-clock seconds

    @property
    def count(self) -> int:
        return len(self.seconds) + self.reports

    @property
    def total(self) -> float:
        return sum(self.seconds) + self.wall

    def rate(self) -> float:
        return self.count / self.total if self.total else 0.0

    def cpu_rate(self) -> float:
        return self.count / self.cpu if self.cpu else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


@dataclass
class Timing:
    runs: list[float]
    rows: int
    warm_up_only: bool = False

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs) * 1000


@dataclass
class Snapshot:
    """The database at one scale: its size, its rows, the statistics the application left and the query
    times (as the application leaves the database, then after a full ANALYZE)."""

    label: str  # "ingested" | "filled"
    agencies: int
    counties: int
    fill_seconds: float = 0.0
    size_bytes: int = 0
    size_note: str = ""
    size_by_table: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[tuple[str, str, str, int]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, dict[str, Timing]] = field(default_factory=dict)  # state -> query -> timing
    plans: dict[str, dict[str, str]] = field(default_factory=dict)  # state -> query -> plan
    refresh_seconds: float = 0.0  # refresh_statistics(engine), as the CLI's writing commands call it
    refreshed: list[str] = field(default_factory=list)  # the tables it analyzed
    analyze_seconds: float = 0.0  # the full ANALYZE / VACUUM ANALYZE of the second state


@dataclass
class Outcome:
    database: str
    version: str = ""
    error: str | None = None
    setup_seconds: float = 0.0
    registry_seconds: float = 0.0
    render_seconds: float = 0.0
    wall_seconds: float = 0.0
    passes: list[Pass] = field(default_factory=list)
    profiled: Pass = field(default_factory=lambda: Pass("profiled"))
    statuses: dict[str, int] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    statements_per_report: float = 0.0  # SQL statements per ingest() in the statement-counting window
    statements_window: int = 0  # ingests counted: the profiled ones and the revisions ingested after them
    profile_summary: list[str] = field(default_factory=list)
    profile_raw: str = ""

    def ingest_pass(self) -> Pass:
        merged = Pass("all")
        for one in self.passes:
            merged.seconds.extend(one.seconds)
            merged.cpu += one.cpu
            merged.reports += one.reports
            merged.wall += one.wall
        return merged


@dataclass(frozen=True)
class Query:
    key: str
    title: str
    sql: str
    target: bool  # one of the three targeted auditor queries (< 100 ms)


QUERIES = (
    Query("history", "(1) one agency's history: every version, every cell, all years (`v_reports_wide`)",
          "SELECT * FROM v_reports_wide WHERE agency_id = :agency ORDER BY year, version", True),
    Query("history_cells", "(1b) the same history from the tables, one row per cell (`reports` ⋈ `report_values`)",
          "SELECT r.year, r.version, v.table_key, v.row_key, v.field_key, v.value\n"
          "FROM reports r JOIN report_values v ON v.report_id = r.id\n"
          "WHERE r.agency_id = :agency ORDER BY r.year, r.version, v.table_key, v.row_key, v.field_key", False),
    Query("region", "(2) open error findings of one county for a year (`v_open_findings`)",
          "SELECT * FROM v_open_findings WHERE region LIKE :county AND year = :year AND severity = 'error'\n"
          "ORDER BY agency_id, rule, id", True),
    Query("region_city", "(2b) the same for a whole prefecture (8 counties)",
          "SELECT * FROM v_open_findings WHERE region LIKE :city AND year = :year AND severity = 'error'\n"
          "ORDER BY agency_id, rule, id", False),
    Query("compliance", "(3) compliance of every agency for a year (`v_compliance`)",
          "SELECT * FROM v_compliance WHERE year = :year ORDER BY agency_id", True),
)
# The first state is the database as the application leaves it (after refresh_statistics): the targets are
# judged on both.
STATES = ("as left by the application", "after ANALYZE")
JIT_OFF = "after ANALYZE, jit off"  # PostgreSQL only: the second state with `SET jit = off`


def states_for(database: str) -> tuple[str, ...]:
    return (*STATES, JIT_OFF) if database == "postgresql" else STATES


SLOW_WARM_UP_S = 10.0  # a query whose warm-up takes longer is timed once, not --runs times
ONLY_WARM_UP_S = 60.0  # ... and one whose warm-up takes longer than this is not run again at all


# Running one database ----------------------------------------------------------------------------


def _postgres_url(url: str) -> str:
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":  # the driver installed is psycopg 3
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@contextlib.contextmanager
def empty_database(kind: str, pg_url: str, keep: bool) -> Iterator[tuple[str, str]]:
    """(URL, where) of an empty database: a SQLite file in a temporary directory, or a fresh schema."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="history-bench-"))
        path = folder / "monitor.db"
        try:
            yield f"sqlite:///{path}", str(path)
        finally:
            if keep:
                print(f"[sqlite] kept {path}", file=sys.stderr)
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    schema = f"bench_history_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(_postgres_url(pg_url), connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = sa.engine.make_url(_postgres_url(pg_url)).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False), schema
    finally:
        try:
            if keep:
                print(f"[postgresql] kept schema {schema}", file=sys.stderr)
            else:
                with admin.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        finally:
            admin.dispose()


def run_database(kind: str, scenario: Scenario, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(kind)
    wall = time.perf_counter()
    try:
        with empty_database(kind, args.pg_url, args.keep) as (url, where):
            engine = make_engine(url)
            try:
                start = time.perf_counter()
                upgrade(engine)
                outcome.setup_seconds = time.perf_counter() - start
                with engine.connect() as connection:
                    outcome.version = str(connection.exec_driver_sql(
                        "SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version").scalar())
                factory = sessions(engine)
                start = time.perf_counter()
                with factory.begin() as session:
                    registry.sync(session, scenario.agencies, datetime(scenario.years[0], 1, 1, tzinfo=UTC))
                outcome.registry_seconds = time.perf_counter() - start
                ingest_all(engine, factory, scenario, outcome, args)
                ingested = Snapshot("ingested", len(scenario.agencies), len(set(scenario.where.values())))
                outcome.snapshots.append(ingested)
                refresh(engine, kind, ingested)
                measure(engine, kind, where, ingested, scenario, scenario.where, args)
                if args.fill_to > len(scenario.agencies):
                    agencies, places = make_agencies(args.fill_to, scenario.seed)
                    filled = Snapshot("filled", len(agencies), len(set(places.values())))
                    outcome.snapshots.append(filled)
                    start = time.perf_counter()
                    fill(engine, factory, scenario, agencies)
                    filled.fill_seconds = time.perf_counter() - start
                    print(f"[{kind}] filled to {len(agencies)} agencies in {filled.fill_seconds:.0f} s",
                          file=sys.stderr)
                    refresh(engine, kind, filled)
                    measure(engine, kind, where, filled, scenario, places, args)
            finally:
                engine.dispose()
    except Exception as exc:  # report the failure of one database and carry on with the other
        traceback.print_exc()
        outcome.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    outcome.wall_seconds = time.perf_counter() - wall
    return outcome


def refresh(engine: sa.Engine, kind: str, snapshot: Snapshot) -> None:
    """`refresh_statistics(engine)` as the CLI's writing commands call it at their end, after closing the
    connections as an earlier command's would be (PostgreSQL counts a closed connection's changes at once);
    records the tables it analyzed and how long it took."""
    engine.dispose()
    start = time.perf_counter()
    snapshot.refreshed = refresh_statistics(engine)
    snapshot.refresh_seconds = time.perf_counter() - start
    print(f"[{kind}] {snapshot.agencies} agencies: refresh_statistics in {snapshot.refresh_seconds:.2f} s analyzed "
          + (", ".join(snapshot.refreshed) or "no table"), file=sys.stderr)


def ingest_all(engine: sa.Engine, factory: Any, scenario: Scenario, outcome: Outcome,
               args: argparse.Namespace) -> None:
    """Every report, year after year (first versions, then that year's revisions); only ingest() is timed."""
    if args.workers > 1:
        ingest_batches(factory, scenario, outcome, args.workers)
        return
    n = len(scenario.agencies)
    last = scenario.years[-1]
    profile_n = min(args.profile, n // 2)
    profiler = cProfile.Profile()
    statements, window = [0], 0

    def count(*_: Any) -> None:
        statements[0] += 1

    clock, cpu = time.perf_counter, time.process_time
    began = clock()
    listening = False
    try:
        for year in scenario.years:
            jobs = [(i, 1) for i in range(n)] + [(i, 2) for i in scenario.revised(year)]
            first, second = Pass(f"{year}: first versions"), Pass(f"{year}: revisions")
            profile_from = n - profile_n if year == last and profile_n else n + 1
            for start in range(0, len(jobs), CHUNK):
                rendering = clock()
                items = [scenario.render(i, year, version) for i, version in jobs[start:start + CHUNK]]
                outcome.render_seconds += clock() - rendering
                for index, item in enumerate(items, start):
                    if item.version == 1 and index >= profile_from:
                        if not listening:
                            event.listen(engine, "before_cursor_execute", count)
                            listening = True
                        profiler.enable()
                        begin, begin_cpu = clock(), cpu()
                        result = ingest(factory, item.agency_id, item.data, item.location, now=item.now)
                        elapsed, used = clock() - begin, cpu() - begin_cpu
                        profiler.disable()
                        target = outcome.profiled
                    else:
                        begin, begin_cpu = clock(), cpu()
                        result = ingest(factory, item.agency_id, item.data, item.location, now=item.now)
                        elapsed, used = clock() - begin, cpu() - begin_cpu
                        target = first if item.version == 1 else second
                    target.seconds.append(elapsed)
                    target.cpu += used
                    window += listening
                    expected = "new" if item.version == 1 else "version"
                    status = result.status if result.status == expected else f"unexpected {result.status}"
                    outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                timed = first.total + second.total
                print(f"[{outcome.database}] {year}: {min(start + CHUNK, len(jobs))}/{len(jobs)} reports, "
                      f"{(first.count + second.count) / timed if timed else 0:.1f}/s timed, "
                      f"{clock() - began:.0f} s elapsed", file=sys.stderr)
            outcome.passes.append(first)
            if second.count:
                outcome.passes.append(second)
    finally:
        if listening:
            event.remove(engine, "before_cursor_execute", count)
    if outcome.profiled.count:
        outcome.statements_window = window
        outcome.statements_per_report = statements[0] / window
        outcome.profile_summary, outcome.profile_raw = profile_summary(profiler, outcome)


def ingest_batches(factory: Any, scenario: Scenario, outcome: Outcome, workers: int) -> None:
    """With --workers N: each year's first versions, then its revisions, stored as one batch by the same N
    worker processes (`monitor.batch.Workers`, what `monitor ingest --manifest --workers N` runs). The
    documents are rendered before each batch (untimed); each batch is timed whole, and the workers' start-up
    is in the first."""
    clock = time.perf_counter
    began = clock()
    with Workers(factory, workers) as pool:
        for year in scenario.years:
            for label, version, agencies in ((f"{year}: first versions", 1, range(len(scenario.agencies))),
                                             (f"{year}: revisions", 2, scenario.revised(year))):
                rendering = clock()
                items = [scenario.render(i, year, version) for i in agencies]
                outcome.render_seconds += clock() - rendering
                if not items:
                    continue
                jobs = [Job(item.agency_id, item.location, item.now, data=item.data) for item in items]
                begin = clock()
                for _, result in pool.ingest(jobs):
                    expected = "new" if version == 1 else "version"
                    status = (f"failed: {result.reason}" if isinstance(result, Failed) else
                              result.status if result.status == expected else f"unexpected {result.status}")
                    outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                one = Pass(label, reports=len(items), wall=clock() - begin)
                outcome.passes.append(one)
                print(f"[{outcome.database}] {label}: {one.count} reports, {one.rate():.1f}/s with {workers} "
                      f"workers, {clock() - began:.0f} s elapsed", file=sys.stderr)


def measure(engine: sa.Engine, kind: str, where: str, snapshot: Snapshot, scenario: Scenario,
            places: dict[str, County], args: argparse.Namespace) -> None:
    measure_size(engine, kind, where, snapshot)
    count_rows(engine, snapshot)
    snapshot.params = query_params(scenario, places)
    for state in states_for(kind):
        if state == STATES[1]:
            start = time.perf_counter()
            analyze(engine, kind, list(snapshot.size_by_table))
            snapshot.analyze_seconds = time.perf_counter() - start
        setup = "SET jit = off" if state == JIT_OFF else None
        snapshot.timings[state] = time_queries(engine, snapshot.params, args.runs, setup)
        snapshot.plans[state] = {q.key: explain(engine, kind, q.sql, snapshot.params, setup) for q in QUERIES}
        print(f"[{kind}] {snapshot.agencies} agencies, queries {state}: " + ", ".join(
            f"{key} {t.median_ms:.1f} ms" for key, t in snapshot.timings[state].items()), file=sys.stderr)


def measure_size(engine: sa.Engine, kind: str, where: str, snapshot: Snapshot) -> None:
    with engine.connect() as connection:
        if kind == "sqlite":
            parts = {suffix: os.path.getsize(where + suffix) for suffix in ("", "-wal", "-shm")
                     if os.path.exists(where + suffix)}
            snapshot.size_bytes = sum(parts.values())
            snapshot.size_note = "file {} + WAL {} + shm {}".format(
                *(_fmt_bytes(parts.get(s, 0)) for s in ("", "-wal", "-shm")))
            rows = connection.exec_driver_sql(
                "SELECT COALESCE(m.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s "
                "LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1").all()
        else:
            rows = connection.exec_driver_sql(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'").all()
            snapshot.size_bytes = sum(int(size) for _, size in rows)
            snapshot.size_note = "`pg_total_relation_size` (heap + indexes + TOAST) summed over the schema's tables"
        snapshot.size_by_table = {name: int(size) for name, size in sorted(rows, key=lambda r: -int(r[1]))
                                  if not name.startswith("sqlite_")}


COUNTED = ("agencies", "reports", "report_values", "report_sections", "report_dates", "documents", "blobs",
           "findings", "finding_events")


def count_rows(engine: sa.Engine, snapshot: Snapshot) -> None:
    with engine.connect() as connection:
        for table in COUNTED:
            snapshot.counts[table] = int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar() or 0)
        snapshot.findings = [tuple(row) for row in connection.exec_driver_sql(
            "SELECT rule, severity, status, COUNT(*) FROM findings GROUP BY rule, severity, status "
            "ORDER BY severity, rule, status").all()]


def query_params(scenario: Scenario, places: dict[str, County]) -> dict[str, Any]:
    """The agency (one with a second version if any), its county and prefecture, the last year."""
    revised = sorted({i for (i, _), plan in scenario.plans.items() if plan.revised})
    agency = scenario.agencies[revised[0] if revised else 0]
    county = places[agency.id]
    return {"agency": agency.id, "county": county.region + "%", "city": f"{county.province}/{county.city}/%",
            "year": scenario.years[-1]}


def analyze(engine: sa.Engine, kind: str, tables: list[str]) -> None:
    if kind == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        engine.dispose()  # connections read the statistics when they open
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.exec_driver_sql(f'VACUUM ANALYZE "{table}"')


def time_queries(engine: sa.Engine, params: dict[str, Any], runs: int, setup: str | None) -> dict[str, Timing]:
    """Each query: one warm-up, then `runs` timed runs fetching every row (fewer when it is very slow)."""
    clock = time.perf_counter
    out = {}
    with engine.connect() as connection:
        if setup:
            connection.exec_driver_sql(setup)
        for query in QUERIES:
            statement = sa.text(query.sql)
            start = clock()
            rows = len(connection.execute(statement, params).fetchall())  # warm-up
            warm_up = clock() - start
            if warm_up > ONLY_WARM_UP_S:  # pathologically slow: the warm-up is the only measurement
                out[query.key] = Timing([warm_up], rows, warm_up_only=True)
                continue
            seconds = []
            for _ in range(1 if warm_up > SLOW_WARM_UP_S else runs):  # one timed run when the warm-up took long
                start = clock()
                rows = len(connection.execute(statement, params).fetchall())
                seconds.append(clock() - start)
            out[query.key] = Timing(seconds, rows)
        connection.rollback()
    return out


def explain(engine: sa.Engine, kind: str, sql: str, params: dict[str, Any], setup: str | None) -> str:
    with engine.connect() as connection:
        if setup:
            connection.exec_driver_sql(setup)
        if kind == "sqlite":
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _, detail in connection.execute(sa.text("EXPLAIN QUERY PLAN " + sql), params):
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
        else:
            lines = [row[0] for row in connection.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params)]
        connection.rollback()
    return "\n".join(lines)


# Filling up to a larger registry by copying (for query times and size at a scale not ingested) ----------

# Every agency's history copied to a new agency (the map says which), ids shifted by per-table offsets.
CLONE_SQL = (
    "INSERT INTO documents (id, url, fetched_at, http_status, etag, last_modified, media_type, sha256, size) "
    "SELECT d.id + :documents, d.url, d.fetched_at, d.http_status, d.etag, d.last_modified, d.media_type, "
    "d.sha256, d.size FROM documents d JOIN reports r ON r.document_id = d.id "
    "JOIN bench_clone_map m ON m.src = r.agency_id",
    "INSERT INTO reports (id, agency_id, year, version, document_id, sha256, url, title, template, parse_status, "
    "first_seen, published, published_day, published_source, deadline) "
    "SELECT r.id + :reports, m.dst, r.year, r.version, r.document_id + :documents, r.sha256, r.url, r.title, "
    "r.template, r.parse_status, r.first_seen, r.published, r.published_day, r.published_source, r.deadline "
    "FROM reports r JOIN bench_clone_map m ON m.src = r.agency_id",
    "INSERT INTO report_values (report_id, table_key, row_key, field_key, value) "
    "SELECT v.report_id + :reports, v.table_key, v.row_key, v.field_key, v.value FROM report_values v "
    "JOIN reports r ON r.id = v.report_id JOIN bench_clone_map m ON m.src = r.agency_id",
    'INSERT INTO report_sections (report_id, "key", text) SELECT s.report_id + :reports, s."key", s.text '
    "FROM report_sections s JOIN reports r ON r.id = s.report_id JOIN bench_clone_map m ON m.src = r.agency_id",
    "INSERT INTO report_dates (id, report_id, source, value, raw) "
    "SELECT d.id + :report_dates, d.report_id + :reports, d.source, d.value, d.raw FROM report_dates d "
    "JOIN reports r ON r.id = d.report_id JOIN bench_clone_map m ON m.src = r.agency_id",
    "INSERT INTO findings (id, fingerprint, rule, severity, agency_id, year, report_id, message, evidence, status, "
    "first_seen, last_seen, resolved_at, confirmed, triaged_by, triaged_at, triage_reason, dismissed_until) "
    "SELECT f.id + :findings, SUBSTR(f.fingerprint, 1, 52) || SUBSTR(m.dst, 7), f.rule, f.severity, m.dst, f.year, "
    "f.report_id + :reports, f.message, f.evidence, f.status, f.first_seen, f.last_seen, f.resolved_at, "
    "f.confirmed, f.triaged_by, f.triaged_at, f.triage_reason, f.dismissed_until "
    "FROM findings f JOIN bench_clone_map m ON m.src = f.agency_id",
    "INSERT INTO finding_events (id, finding_id, at, action, actor, reason, report_id) "
    "SELECT e.id + :finding_events, e.finding_id + :findings, e.at, e.action, e.actor, e.reason, "
    "e.report_id + :reports FROM finding_events e JOIN findings f ON f.id = e.finding_id "
    "JOIN bench_clone_map m ON m.src = f.agency_id",
)
OFFSET_TABLES = ("documents", "reports", "report_dates", "findings", "finding_events")


def fill(engine: sa.Engine, factory: Any, scenario: Scenario, agencies: list[Agency]) -> None:
    """Grow the registry to `agencies` (the registry a run of that size would have: more counties) and give
    every new agency a copy of an ingested agency's history, in SQL. Blobs are shared, not copied."""
    n = len(scenario.agencies)
    with factory.begin() as session:
        registry.sync(session, agencies, datetime(scenario.years[0], 1, 1, tzinfo=UTC))
    with engine.begin() as connection:
        step = {table: int(connection.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar() or 0)
                + 1 for table in OFFSET_TABLES}
        connection.exec_driver_sql("CREATE TABLE bench_clone_map (src VARCHAR(100) PRIMARY KEY, "
                                   "dst VARCHAR(100) NOT NULL)")
        for copy_number in range(1, -(-(len(agencies) - n) // n) + 1):
            connection.exec_driver_sql("DELETE FROM bench_clone_map")
            pairs = [{"src": scenario.agencies[j % n].id, "dst": agencies[j].id}
                     for j in range(copy_number * n, min((copy_number + 1) * n, len(agencies)))]
            connection.execute(sa.text("INSERT INTO bench_clone_map (src, dst) VALUES (:src, :dst)"), pairs)
            offsets = {table: copy_number * value for table, value in step.items()}
            for statement in CLONE_SQL:
                connection.execute(sa.text(statement), offsets)
        connection.exec_driver_sql("DROP TABLE bench_clone_map")


# Profile -----------------------------------------------------------------------------------------


def _strip_paths(text: str) -> str:
    for prefix in sorted({str(ROOT) + "/", *(p + "/" for p in sys.path if p and "site-packages" in p)}, key=len,
                         reverse=True):
        text = text.replace(prefix, "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def profile_summary(profiler: cProfile.Profile, outcome: Outcome) -> tuple[list[str], str]:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(r"/(monitor|rules)/", 20)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(20)
    raw = _strip_paths(buffer.getvalue())
    entries = stats.stats  # type: ignore[attr-defined]

    def cum(module: str, name: str) -> float:
        return sum(v[3] for k, v in entries.items() if k[0].endswith(module) and k[2] == name)

    total = cum("monitor/ingest.py", "ingest") or 1e-9
    parse, store = cum("monitor/parsing/__init__.py", "parse"), cum("monitor/ingest.py", "_store")
    rules, load = cum("rules/engine.py", "evaluate"), cum("monitor/ingest.py", "load")
    sync, commit = cum("monitor/findings.py", "sync"), cum("sqlalchemy/engine/base.py", "_commit_impl")
    cells = "`COPY`" if outcome.database == "postgresql" else "the driver's `executemany`"
    stages = [
        ("parse the document (`monitor.parsing.parse`)", parse),
        ("rules (`rules.evaluate`, document + history scopes)", rules),
        ("read the stored previous year (and next year, if any) back (`ingest.load`)", load),
        ("findings upsert (`findings.sync`, through the ORM)", sync),
        (f"rest of `_store` (agency and versions query, Core inserts of blob/document/report/dates/sections, "
         f"the ~200 cells by {cells})", store - rules - load - sync),
        ("COMMIT", commit),
        ("session/transaction/pool overhead outside `_store`", total - parse - store - commit),
    ]
    driver = sum(v[2] for k, v in entries.items()
                 if (k[0] == "~" and ("sqlite3." in k[2] or "psycopg" in k[2])) or "/psycopg/" in k[0])
    alchemy = sum(v[2] for k, v in entries.items() if "/sqlalchemy/" in k[0])
    profiled = outcome.profiled
    lines = [f"Profiled {profiled.count} ingests of the last year (into the full database) under cProfile: "
             f"{profiled.total:.1f} s, {profiled.rate():.1f} reports/s with profiling on "
             "(cProfile inflates Python-level calls; read the shares).", "",
             "| stage | share of `ingest()` | ms per report (profiled) |", "|---|---:|---:|"]
    for label, seconds in stages:
        lines.append(f"| {label} | {seconds / total:.0%} | {seconds / profiled.count * 1000:.2f} |")
    lines.append("")
    store_key = next((k for k in entries if k[0].endswith("monitor/ingest.py") and k[2] == "_store"), None)
    callees = sorted(((k, v[4][store_key]) for k, v in entries.items() if store_key in v[4]),
                     key=lambda kv: -kv[1][3])
    lines.append("Inside `_store` (cumulative time of each call made from `_store`, per report):")
    lines.append("")
    lines.append("| called from `_store` | calls per report | ms per report (profiled) | share of `ingest()` |")
    lines.append("|---|---:|---:|---:|")
    for key, (_, calls, _, cumulative) in callees[:10]:
        lines.append(f"| `{_func_label(key)}` | {calls / profiled.count:.1f} | "
                     f"{cumulative / profiled.count * 1000:.2f} | {cumulative / total:.0%} |")
    lines.append("")
    where = ("sqlite3 C calls, i.e. SQLite itself" if outcome.database == "sqlite"
             else "psycopg, including waiting for the server")
    lines.append(f"Self time inside the database driver ({where}): {driver / total:.0%}; "
                 f"self time in SQLAlchemy's Python code: {alchemy / total:.0%}.")
    return lines, raw


def _func_label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    return f"{_strip_paths(filename)}:{line} {name}"


# Report ------------------------------------------------------------------------------------------


def _fmt_bytes(value: float) -> str:
    if value < 1024:
        return f"{value:,.0f} B"
    for unit in ("KiB", "MiB"):
        value /= 1024
        if value < 1024:
            return f"{value:,.1f} {unit}"
    return f"{value / 1024:,.1f} GiB"


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _fmt_ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 1 else f"{value:,.2f}"


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
STATE_LABELS = {
    "sqlite": {STATES[0]: "as the application leaves it (after `refresh_statistics`: bounded `ANALYZE`)",
               STATES[1]: "after `ANALYZE`"},
    "postgresql": {STATES[0]: "as the application leaves it (after `refresh_statistics`)",
                   STATES[1]: "after `VACUUM ANALYZE`", JIT_OFF: "after `VACUUM ANALYZE`, `SET jit = off`"},
}

# Hand-written after reading the plans of the runs recorded in docs/performance.md; a note is printed
# when its query was slower than the target somewhere in the run being rendered.
_STALE_STATISTICS = (
    "on PostgreSQL, a query slow as the application leaves the database and fast after `VACUUM ANALYZE` gains from "
    "what that adds: statistics of every table, taken now, and the visibility map. In the runs recorded before "
    "`refresh_statistics` existed (autovacuum's statistics, taken early in the bulk load) the planner hashed a "
    "sequential scan of the whole `report_values` table — larger than `shared_buffers` — instead of probing "
    "`report_values_pkey` for the agency's few reports, and because of the inflated cost it also JIT-compiled the "
    "plan (the `JIT:` lines); after `VACUUM ANALYZE` the plan was index lookups. The application now calls "
    "`refresh_statistics` at the end of its writing commands (`monitor ingest`, `monitor agencies import`): "
    "`ANALYZE` of every table changed by more than 10 % since its last analysis — autovacuum's rule, applied when "
    "the command ends instead of whenever autovacuum gets to it. The first state here is after that call (the "
    "tables it analyzed are listed under the auditor queries). Compare the two plans: a table changed by less than "
    "10 % keeps its statistics, and only `VACUUM` sets the visibility map that index-only scans need. On SQLite "
    "`refresh_statistics` is an `ANALYZE` of every table bounded by `PRAGMA analysis_limit`."
)
PROPOSALS: dict[str, str] = {
    "history": _STALE_STATISTICS,
    "history_cells": _STALE_STATISTICS,
    "compliance": (
        "`v_compliance` has one body per database since migration 0005. On PostgreSQL it counts the findings in "
        "one grouped `LEFT JOIN` subquery (`SUM(CASE …)` by agency and year), into which the planner pushes the "
        "year filter; on SQLite it keeps three correlated `COUNT(*)` subqueries per agency-year row, each an "
        "index-only probe of `ix_findings_agency_year_status` (migration 0003), because SQLite does not push the "
        "year into the grouped subquery and would count the findings of every year. Either way the query returns "
        "and sorts one row per agency, so its time grows with the number of agencies. On PostgreSQL a plan that is "
        "slow only as the application leaves the database can differ from the one after `VACUUM ANALYZE` in its "
        "row estimates (see (1)) or in heap fetches: `refresh_statistics` runs `ANALYZE`, not `VACUUM`, and "
        "index-only scans visit the heap for pages not yet marked all-visible."),
    "region": (
        "`v_open_findings` filtered by a `region` prefix: the region is a column of `agencies` without an index "
        "and the filter is a `LIKE` prefix, so the planner starts from the findings of the year. Proposal: an "
        "index `agencies (region)` (PostgreSQL: with `text_pattern_ops`, or `COLLATE \"C\"`, for "
        "`LIKE 'prefix%'`) would let the plan start from the county's ~25 agencies and reach their findings "
        "through `ix_findings_agency_year_status`."),
}
PROPOSALS["region_city"] = PROPOSALS["region"]


def ingest_note(ran: list[Outcome], workers: int) -> str:
    """Where the ingest time goes now and what remains, with this run's CPU shares and statement counts."""
    if workers > 1:
        return (f"**Ingest with {workers} worker processes.** `monitor.batch.Workers` (what `monitor ingest "
                f"--manifest FILE.csv --workers {workers}` runs) gives each worker its own database connection and "
                "the whole `ingest()` of one agency's documents at a time. Parsing is CPU-bound and a PostgreSQL "
                "store mostly waits on round trips, so the workers overlap both; SQLite takes one writer at a time "
                "(the others wait for its lock), so there only the parsing overlaps. Each year's batch is timed "
                "whole by the same workers (their start-up is in the first batch); per-report times and the "
                "profile are those of the one-process run (section above).")
    text = (
        "**Where the ingest time goes now.** `_store` runs prebuilt Core statements on the session's connection; "
        "only the findings go through the ORM (`findings.sync`). The target, "
        f"{TARGET_REPORTS_PER_S:.0f} reports/s on one core, is {1000 / TARGET_REPORTS_PER_S:.0f} ms per report; "
        "parsing and the rules take about 2 ms of CPU per document for the two layouts used here, without the "
        "profiler (check-throughput section, by layout). The benchmark process was on CPU for "
        + ", ".join(f"{o.ingest_pass().cpu / o.ingest_pass().total:.0%} ({NAMES[o.database]})"
                    for o in ran if o.ingest_pass().total)
        + " of the ingest's wall time.")
    for o in ran:
        if o.database == "postgresql" and o.statements_window:
            text += (" On PostgreSQL the rest is waiting for the server, one round trip per statement: "
                     f"{o.statements_per_report:.0f} statements per report counted above, plus the pool's pre-ping, "
                     "BEGIN, the COPY of the cells and COMMIT.")
    return text + (" These rates are of one process on one core. Beyond fewer round trips per report, what remains "
                   "is using more cores: parsing is CPU-bound Python, so that takes processes — `monitor ingest "
                   "--manifest FILE.csv --workers N` (`monitor.batch`) runs `ingest()` in worker processes, measured "
                   "by this benchmark with `--workers N` (PostgreSQL takes concurrent writers; SQLite one writer at "
                   "a time, so there only the parsing overlaps).")


def command_line(args: argparse.Namespace) -> str:
    if "+" in args.db:  # merged from one run per database
        return "`; `".join(command_line(argparse.Namespace(**{**vars(args), "db": db})) for db in args.db.split("+"))
    line = f"python bench/history_bench.py --agencies {args.agencies} --years {args.years} --db {args.db}"
    if args.fill_to:
        line += f" --fill-to {args.fill_to}"
    line += f" --seed {args.seed} --runs {args.runs}"
    line += f" --workers {args.workers}" if args.workers > 1 else f" --profile {args.profile}"
    if args.error_rate != DEFAULTS["error_rate"] or args.revision_rate != DEFAULTS["revision_rate"]:
        line += f" --error-rate {args.error_rate} --revision-rate {args.revision_rate}"
    return line


def _scale(snapshot: Snapshot) -> str:
    how = "ingested" if snapshot.label == "ingested" else "filled by copying"
    return f"{snapshot.agencies:,} agencies ({how})"


def _met_query(snapshot: Snapshot, key: str) -> tuple[str, str]:
    before, after = (snapshot.timings[s][key].median_ms for s in STATES)
    met = ("yes" if max(before, after) < TARGET_QUERY_MS else
           "only after ANALYZE" if after < TARGET_QUERY_MS else "**no**")
    return f"{_fmt_ms(before)} / {_fmt_ms(after)} ms", met


def render(args: argparse.Namespace, scenario: Scenario, outcomes: list[Outcome], facts: list[str],
           sizes: list[int]) -> str:
    ran = [o for o in outcomes if not o.error]
    lines = ["## History database at scale (`bench/history_bench.py`)"
             + (f", ingest with {args.workers} worker processes" if args.workers > 1 else ""), ""]
    lines.append(f"Generated by `{command_line(args)}`; do not edit between the markers.")
    lines.append("")
    n, years = len(scenario.agencies), len(scenario.years)
    first_versions = n * years
    revisions = sum(1 for plan in scenario.plans.values() if plan.revised)
    injected = sum(1 for plan in scenario.plans.values() if plan.injected)
    full = n >= 10_000 and years >= 5
    places = set(scenario.where.values())
    kinds = Counter(a.kind for a in scenario.agencies)
    lines.append(f"- Scale ingested: **{n:,} agencies × {years} years** ({scenario.years[0]}–{scenario.years[-1]}) "
                 f"= {first_versions:,} first versions + {revisions:,} revisions = **{first_versions + revisions:,} "
                 "reports per database**" + (" — the full scale asked for." if full else
                                             " — **not** the full scale of 10,000 × 5; the time the full scale "
                                             "would take at the measured rates is estimated below."))
    if args.fill_to > n:
        lines.append(f"- Query times and size are also given at **{args.fill_to:,} agencies**: after the timed "
                     f"ingest, the registry is grown to the one a {args.fill_to:,}-agency run has and every new "
                     "agency gets a copy of an ingested agency's whole history by `INSERT … SELECT` (new ids; "
                     "findings, events, dates, sections and cells copied; document blobs shared, so that size "
                     "slightly understates a real one). Not an ingest — only the data volume of that scale. It "
                     "stands for more ingests: the connections are closed and `refresh_statistics` runs again before "
                     "the queries.")
    lines.append(f"- Registry: {len(places)} counties in {len({(p.province, p.city) for p in places})} "
                 f"prefecture(s) of {len({p.province for p in places})} province(s) (region 「省/市/县」, "
                 f"{AGENCIES_PER_COUNTY} agencies a county); "
                 + ", ".join(f"{count:,} {kind}" for kind, count in kinds.most_common())
                 + " (governments at county level).")
    lines.append(f"- Reports: tables from {len(scenario.chains)} year-to-year consistent chains shared round-robin; "
                 f"{injected:,} first versions ({args.error_rate:.0%}) break exactly one rule (`tests/synth.py` "
                 f"injections); {revisions:,} agency-years ({args.revision_rate:.0%}) get a second version ~2 months "
                 "later (the injected error fixed, or one 表二 figure changed). Each document is rendered with its "
                 f"agency's name and year, layouts {' / '.join(f'`{x}`' for x in LAYOUTS)} alternating; size "
                 f"median {statistics.median(sizes) / 1024:.1f} KiB (sample of {len(sizes)}).")
    how = (f"Documents are rendered in chunks of {CHUNK} before the chunk is ingested; only the `ingest()` calls "
           "are timed (`time.perf_counter` and `time.process_time` around each call)." if args.workers == 1 else
           f"Each batch (a year's first versions, then its revisions) is rendered, then stored by the same "
           f"{args.workers} worker processes of `monitor.batch.Workers`, each running `ingest()` for one agency's "
           "documents at a time; each batch is timed whole (the workers' start-up is in the first).")
    lines.append("- Ingest: the real `monitor.ingest.ingest()` (parse + rules + store, one transaction per report), "
                 f"year by year: all first versions of a year, then that year's revisions. {how} After the last "
                 "report the script calls `monitor.db.refresh_statistics` once, as `monitor ingest` does at its end "
                 "(not timed as ingest).")
    one = "the benchmark uses one (single process, single thread, no multiprocessing)"
    lines.extend(fact.replace(one, f"the ingest uses {args.workers} worker processes (the queries one)")
                 if args.workers > 1 else fact for fact in facts)
    for o in outcomes:
        if o.error:
            lines.append(f"- {NAMES[o.database]}: **not measured** — {o.error}")
            continue
        where = ("file in a temporary directory, WAL, `synchronous=NORMAL`, foreign keys on (as `make_engine` "
                 "sets them)" if o.database == "sqlite" else
                 "fresh schema in database `test` at 127.0.0.1:5432, same machine, default server settings "
                 "(the server is another process: its share of the work runs on the second core)")
        fills = "".join(f", fill to {s.agencies:,} agencies {s.fill_seconds:.0f} s" for s in o.snapshots
                        if s.label == "filled")
        lines.append(f"- {NAMES[o.database]} {o.version}: {where}. Wall time of the whole run "
                     f"{o.wall_seconds / 60:.1f} min (migrations {o.setup_seconds:.1f} s, registry of {n:,} "
                     f"agencies {o.registry_seconds:.1f} s, rendering {o.render_seconds:.0f} s untimed{fills}).")
    lines.append("")

    # Targets
    lines.append("### Targets")
    lines.append("")
    lines.append("| target | " + " | ".join(f"{NAMES[o.database]} | met?" for o in ran) + " |")
    lines.append("|---|" + "---:|:-:|" * len(ran))
    how = "one process" if args.workers == 1 else f"{args.workers} worker processes"
    row = f"| ingest ≥ {TARGET_REPORTS_PER_S:.0f} reports/s ({how}), at {n:,} agencies × {years} years |"
    for o in ran:
        rate = o.ingest_pass().rate()
        row += f" {_fmt_rate(rate)} reports/s | {'yes' if rate >= TARGET_REPORTS_PER_S else '**no**'} |"
    lines.append(row)
    for snapshot_index in range(max((len(o.snapshots) for o in ran), default=0)):
        for query in (q for q in QUERIES if q.target):
            cells = []
            for o in ran:
                snapshot = o.snapshots[snapshot_index]
                cells.extend(_met_query(snapshot, query.key))
            scale = _scale(ran[0].snapshots[snapshot_index])
            lines.append(f"| {query.title.split(' (`')[0]} < {TARGET_QUERY_MS:.0f} ms, at {scale} | "
                         + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Query times: median of the timed runs, as the application leaves the database / after a full "
                 "`ANALYZE` (SQLite) or `VACUUM ANALYZE` (PostgreSQL). As the application leaves it: after "
                 "`refresh_statistics` — on PostgreSQL `ANALYZE` of the tables changed by more than 10 % since their "
                 "last analysis, on top of whatever autovacuum had done; on SQLite an `ANALYZE` of every table "
                 "bounded by `PRAGMA analysis_limit` (the tables each analyzed are listed under the auditor "
                 "queries). \"only after ANALYZE\": the target is met only after the full `ANALYZE`.")
    lines.append("")
    if ran and not full:
        target_reports = 10_000 * 5 * (1 + args.revision_rate)
        lines.append(f"Time to ingest the full scale (10,000 × 5 ≈ {target_reports:,.0f} reports) one by one at the "
                     "measured rates: "
                     + "; ".join(f"{NAMES[o.database]} ≈ {target_reports / o.ingest_pass().rate() / 60:.0f} min"
                                 for o in ran if o.ingest_pass().rate())
                     + f"; at the {TARGET_REPORTS_PER_S:.0f}/s target it would take "
                     f"{target_reports / TARGET_REPORTS_PER_S / 60:.1f} min.")
        lines.append("")

    # Ingest
    lines.append("### Ingest")
    lines.append("")
    for o in ran:
        merged = o.ingest_pass()
        if merged.seconds:
            detail = (f" ({_fmt_rate(merged.cpu_rate())} per CPU second of the benchmark process); per report median "
                      f"{merged.percentile(0.5) * 1000:.1f} ms, p95 {merged.percentile(0.95) * 1000:.1f} ms, p99 "
                      f"{merged.percentile(0.99) * 1000:.1f} ms, max {max(merged.seconds) * 1000:.0f} ms")
        else:
            detail = f" with {args.workers} worker processes (`monitor.batch.Workers`), each batch timed whole"
        lines.append(f"**{NAMES[o.database]}**: {merged.count:,} timed reports in {merged.total:.0f} s = "
                     f"**{_fmt_rate(merged.rate())} reports/s** wall-clock{detail}. Outcomes: "
                     + ", ".join(f"{k} {v:,}" for k, v in sorted(o.statuses.items())) + ".")
        lines.append("")
        lines.append("| pass | reports | seconds | reports/s | reports per CPU s | median ms | p95 ms | p99 ms |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for one in o.passes:
            lines.append(f"| {one.label} | {one.count:,} | {one.total:.1f} | {_fmt_rate(one.rate())} | "
                         + (f"{_fmt_rate(one.cpu_rate())} | {one.percentile(0.5) * 1000:.1f} | "
                            f"{one.percentile(0.95) * 1000:.1f} | {one.percentile(0.99) * 1000:.1f} |"
                            if one.seconds else "– | – | – | – |"))
        if o.profiled.count:
            lines.append(f"| (profiled, not in the rate) | {o.profiled.count:,} | {o.profiled.total:.1f} | "
                         f"{_fmt_rate(o.profiled.rate())} | {_fmt_rate(o.profiled.cpu_rate())} | – | – | – |")
        lines.append("")
    lines.append("Reports per CPU second counts only this process's CPU time (`time.process_time`): the rate the "
                 "code would reach on an otherwise idle core. On PostgreSQL the server's work is not in it.")
    lines.append("")

    # Size and contents
    lines.append("### Database size and contents")
    lines.append("")
    for o in ran:
        for snapshot in o.snapshots:
            reports = snapshot.counts.get("reports", 0) or 1
            top = sorted(snapshot.size_by_table.items(), key=lambda kv: -kv[1])
            shown = sum(snapshot.size_by_table.values()) or 1
            lines.append(f"- **{NAMES[o.database]}, {_scale(snapshot)}: {_fmt_bytes(snapshot.size_bytes)}** "
                         f"({snapshot.size_note}); {_fmt_bytes(snapshot.size_bytes / reports)} per stored report "
                         "version. By table, with its indexes: "
                         + ", ".join(f"`{name}` {_fmt_bytes(size)} ({size / shown:.0%})" for name, size in top[:6])
                         + ".")
    lines.append("")
    if ran:
        columns = [(o, s) for o in ran for s in o.snapshots]
        lines.append("| rows | " + " | ".join(f"{NAMES[o.database]}, {s.agencies:,} agencies" for o, s in columns)
                     + " |")
        lines.append("|---|" + "---:|" * len(columns))
        for table in COUNTED:
            lines.append(f"| `{table}` | " + " | ".join(f"{s.counts.get(table, 0):,}" for _, s in columns) + " |")
        lines.append("")
        first = ran[0].snapshots[0]
        findings = Counter()
        for rule, severity, status, count in first.findings:
            findings[(severity, rule, status)] += count
        same = all(sorted(o.snapshots[0].findings) == sorted(first.findings) for o in ran)
        lines.append(f"Findings after the ingest by severity, rule and status ({NAMES[ran[0].database]}"
                     + ("; identical on every database" if len(ran) > 1 and same else
                        "; **differs between the databases**" if len(ran) > 1 else "") + "): "
                     + ", ".join(f"{severity} {rule} {status} {count:,}"
                                 for (severity, rule, status), count in sorted(findings.items())) + ".")
        lines.append("")

    # Queries
    lines.append(f"### Auditor queries (ms, median of {args.runs} runs after a warm-up; every row fetched)")
    lines.append("")
    for snapshot_index in range(max((len(o.snapshots) for o in ran), default=0)):
        params = ran[0].snapshots[snapshot_index].params
        lines.append(f"**At {_scale(ran[0].snapshots[snapshot_index])}.** Parameters: agency `{params['agency']}` "
                     f"(one with a revised report), county `{params['county']}`, prefecture `{params['city']}`, "
                     f"year {params['year']}.")
        lines.append("")
        for o in ran:
            snapshot = o.snapshots[snapshot_index]
            analyzed = ", ".join(f"`{name}`" for name in snapshot.refreshed) or "no table"
            full = "`ANALYZE`" if o.database == "sqlite" else "`VACUUM ANALYZE` of every table"
            lines.append(f"- {NAMES[o.database]}: `refresh_statistics` ({snapshot.refresh_seconds:.2f} s) analyzed "
                         f"{analyzed}. The second state's {full} took {snapshot.analyze_seconds:.2f} s.")
        lines.append("")
        columns = [(o, s) for o in ran for s in states_for(o.database)]
        lines.append("| query | rows | " + " | ".join(f"{NAMES[o.database]}: {STATE_LABELS[o.database][s]}"
                                                      for o, s in columns) + " |")
        lines.append("|---|---:|" + "---:|" * len(columns))
        for query in QUERIES:
            rows = sorted({o.snapshots[snapshot_index].timings[s][query.key].rows for o, s in columns})
            cells = []
            for o, s in columns:
                t = o.snapshots[snapshot_index].timings[s][query.key]
                text = (f"{_fmt_ms(t.median_ms)} ({_fmt_ms(min(t.runs) * 1000)}–{_fmt_ms(max(t.runs) * 1000)})"
                        if len(t.runs) > 1 else
                        f"{_fmt_ms(t.median_ms)} ({'warm-up only' if t.warm_up_only else '1 run'})")
                cells.append(f"**{text}**" if t.median_ms >= TARGET_QUERY_MS else text)
            note = "" if query.target else " — extra, no target"
            lines.append(f"| {query.title}{note} | "
                         f"{'/'.join(f'{r:,}' for r in rows)} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("Bold: slower than the 100 ms target; in brackets the fastest and slowest timed run. The SQL:")
    lines.append("")
    lines.append("```sql")
    for query in QUERIES:
        lines.append(f"-- {query.key}")
        lines.append(query.sql + ";")
    lines.append("```")
    lines.append("")

    slow = [(o, snapshot, s, q) for o in ran for snapshot in o.snapshots for s in STATES for q in QUERIES
            if snapshot.timings[s][q.key].median_ms >= TARGET_QUERY_MS]
    lines.append("### Slow queries: plans and notes")
    lines.append("")
    if not slow:
        lines.append("No query was slower than 100 ms.")
        lines.append("")
    for o, snapshot, s, q in slow:
        kind = "EXPLAIN QUERY PLAN" if o.database == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS)"
        lines.append(f"**{q.key} on {NAMES[o.database]} at {_scale(snapshot)}, {STATE_LABELS[o.database][s]}: "
                     f"{_fmt_ms(snapshot.timings[s][q.key].median_ms)} ms** — `{kind}`:")
        lines.append("")
        lines.append("```")
        lines.append(snapshot.plans[s][q.key])
        lines.append("```")
        lines.append("")
    by_text: dict[str, list[str]] = {}
    for key in dict.fromkeys(q.key for _, _, _, q in slow):
        if key in PROPOSALS:
            by_text.setdefault(PROPOSALS[key], []).append(key)
    for text, keys in by_text.items():
        lines.append(f"- {', '.join(f'**{key}**' for key in keys)}: {text}")
    if slow:
        lines.append("")
    for o in ran:
        snapshot = o.snapshots[-1]
        fast = [q for q in QUERIES if snapshot.timings[STATES[1]][q.key].median_ms < TARGET_QUERY_MS]
        if not fast:
            continue
        lines.append(f"<details><summary>{NAMES[o.database]}: plans of the queries under 100 ms at "
                     f"{_scale(snapshot)}, {STATE_LABELS[o.database][STATES[1]]}</summary>")
        lines.append("")
        for q in fast:
            lines.append(f"{q.key}:")
            lines.append("")
            lines.append("```")
            lines.append(snapshot.plans[STATES[1]][q.key])
            lines.append("```")
            lines.append("")
        lines.append("</details>")
        lines.append("")

    # Profile
    lines.append("### Where the ingest time goes (cProfile)")
    lines.append("")
    for o in ran:
        if not o.profile_summary:
            continue
        uncounted = ("the pool's pre-ping, BEGIN, COMMIT and the `COPY` of the cells" if o.database == "postgresql"
                     else "BEGIN and COMMIT")
        lines.append(f"**{NAMES[o.database]}.** " + o.profile_summary[0]
                     + f" SQL statements per report: {o.statements_per_report:.1f} (counted over the last "
                     f"{o.statements_window:,} ingests — the profiled ones and the revisions after them — with "
                     "SQLAlchemy's `before_cursor_execute` event: an executemany counts once, and what the driver "
                     f"sends without it is not counted: {uncounted}).")
        lines.extend(o.profile_summary[1:])
        lines.append("")
        lines.append(f"<details><summary>{NAMES[o.database]}: cProfile — `monitor/` and `rules/` functions by "
                     "cumulative time, then all functions by self time (top 20 each)</summary>")
        lines.append("")
        lines.append("```")
        lines.append(o.profile_raw)
        lines.append("```")
        lines.append("")
        lines.append("</details>")
        lines.append("")
    if any(o.profile_summary for o in ran) or args.workers > 1:
        lines.append(ingest_note(ran, args.workers))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# Main --------------------------------------------------------------------------------------------

DEFAULTS = {"error_rate": 0.05, "revision_rate": 0.05}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agencies", type=int, default=10_000, help="agencies (default 10000)")
    parser.add_argument("--years", type=int, default=5, help="report years per agency (default 5)")
    parser.add_argument("--first-year", type=int, default=2021, help="first report year (default 2021)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=POSTGRES_URL, help=f"PostgreSQL database (default {POSTGRES_URL})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--error-rate", type=float, default=DEFAULTS["error_rate"],
                        help="share of first versions that break one rule (default 0.05)")
    parser.add_argument("--revision-rate", type=float, default=DEFAULTS["revision_rate"],
                        help="share of agency-years that get a second version (default 0.05)")
    parser.add_argument("--fill-to", type=int, default=0, metavar="N",
                        help="after the ingest, copy histories by SQL up to N agencies and time the queries again")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query; the median is reported")
    parser.add_argument("--profile", type=int, default=300,
                        help="last reports of the last year ingested under cProfile, not in the rate (default 300)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="N > 1: store each year's reports with N worker processes (monitor.batch), timed per "
                             "batch; no profile")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file / PostgreSQL schema")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the raw measurements as JSON")
    parser.add_argument("--write", type=Path, metavar="PATH", help="rewrite the history section of PATH")
    parser.add_argument("--from-json", type=Path, nargs="+", metavar="PATH",
                        help="do not measure: render (and --write) the measurements saved by earlier --json runs "
                             "(several: one per database, same scenario)")
    args = parser.parse_args(argv)
    if args.from_json:
        return from_json(args.from_json, args.write)
    if args.agencies < 2 or args.years < 1 or args.runs < 1 or args.profile < 0 or args.workers < 1:
        parser.error("--agencies ≥ 2, --years ≥ 1, --runs ≥ 1, --profile ≥ 0, --workers ≥ 1")

    try:
        load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load_before = "n/a"
    start = time.perf_counter()
    scenario = Scenario.build(args.agencies, args.years, args.first_year, args.error_rate, args.revision_rate,
                              args.seed)
    sizes = [len(scenario.render(i, scenario.years[0], 1).data) for i in range(min(40, args.agencies))]
    print(f"scenario built in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    outcomes = []
    for kind in kinds:
        outcomes.append(run_database(kind, scenario, args))
        if args.json:  # after each database, so that a crash later loses nothing
            save_json(args.json, args, outcomes, machine_facts(load_before), sizes)
    facts = machine_facts(load_before)
    facts.insert(2, f"- SQLAlchemy {sa.__version__}; psycopg {_version('psycopg')}")
    if args.json:
        save_json(args.json, args, outcomes, facts, sizes)
    section = render(args, scenario, outcomes, facts, sizes)
    print(section)
    if args.write:
        write_section(args.write, section, name=section_name(args))
        print(f"wrote the history section of {args.write}", file=sys.stderr)
    return 1 if any(o.error for o in outcomes) else 0


def save_json(path: Path, args: argparse.Namespace, outcomes: list[Outcome], facts: list[str],
              sizes: list[int]) -> None:
    data = {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "outcomes": [dataclasses.asdict(o) for o in outcomes], "facts": facts, "sizes": sizes}
    path.write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")


def _snapshot(data: dict[str, Any]) -> Snapshot:
    snapshot = Snapshot(**{k: v for k, v in data.items() if k not in ("timings", "findings")})
    snapshot.findings = [tuple(row) for row in data["findings"]]
    snapshot.timings = {state: {key: Timing(**t) for key, t in queries.items()}
                        for state, queries in data["timings"].items()}
    return snapshot


def _outcome(data: dict[str, Any]) -> Outcome:
    outcome = Outcome(**{k: v for k, v in data.items() if k not in ("passes", "profiled", "snapshots")})
    outcome.passes = [Pass(**p) for p in data["passes"]]
    outcome.profiled = Pass(**data["profiled"])
    outcome.snapshots = [_snapshot(s) for s in data["snapshots"]]
    return outcome


SCENARIO_ARGS = ("agencies", "years", "first_year", "seed", "error_rate", "revision_rate", "fill_to", "runs",
                 "profile")


def section_name(args: argparse.Namespace) -> str:
    """The marked section of docs/performance.md: one for the one-process run, one for --workers runs."""
    return "history" if args.workers == 1 else "history-workers"


def from_json(paths: list[Path], write: Path | None) -> int:
    """Render the section from saved measurements (e.g. after editing PROPOSALS) without measuring again;
    several files (one run per database, same scenario) are shown side by side."""
    saved = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    args = argparse.Namespace(**{"workers": 1, **saved[0]["args"]})
    for other in saved[1:]:
        different = [k for k in SCENARIO_ARGS if other["args"].get(k) != saved[0]["args"].get(k)]
        if different:
            raise SystemExit(f"the saved runs differ in {', '.join(different)}: not one scenario")
    outcomes = [_outcome(o) for data in saved for o in data["outcomes"]]
    facts = saved[-1]["facts"]
    if len(saved) > 1:
        args.db = "+".join(data["args"]["db"] for data in saved)
        facts = [line for line in facts if not line.startswith("- Load average")] + [
            f"- Load average (1/5/15 min) before / after, run of {data['args']['db']}: "
            + next((line.split(": ", 1)[1] for line in data["facts"] if line.startswith("- Load average")), "n/a")
            for data in saved]
    scenario = Scenario.build(args.agencies, args.years, args.first_year, args.error_rate, args.revision_rate,
                              args.seed)
    section = render(args, scenario, outcomes, facts, saved[0]["sizes"])
    print(section)
    if write:
        write_section(write, section, name=section_name(args))
        print(f"wrote the history section of {write}", file=sys.stderr)
    return 1 if any(o.error for o in outcomes) else 0


def _version(module: str) -> str:
    try:
        return str(importlib.import_module(module).__version__)
    except (ImportError, AttributeError):
        return "not installed"


if __name__ == "__main__":
    sys.exit(main())
