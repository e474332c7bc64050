"""The history database, on SQLite and PostgreSQL: migrations, ingest, versions, findings, triage."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from monitor import findings, registry
from monitor.config import Agency
from monitor.db import alembic_config, make_engine, models, refresh_statistics, sessions, upgrade
from monitor.errors import InputError
from monitor.ingest import ingest, load
from monitor.template import all_cells

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
OFFICE = Agency(id="weibin-office", name="卫滨区人民政府办公室", kind="department", region="河南省/新乡市/卫滨区",
                supervisors=["gkb@example.org"])


@pytest.fixture
def factory(registered):
    return registered([OFFICE], NOW)


@pytest.fixture
def seed(corpus_dir):
    return (corpus_dir / "weibin-office-2025.txt").read_bytes()


def _count(maker, model) -> int:
    with maker() as session:
        return session.scalar(select(func.count()).select_from(model))


def _findings(maker, **where) -> list[models.Finding]:
    with maker() as session:
        query = select(models.Finding).filter_by(**where).order_by(models.Finding.id)
        return list(session.scalars(query))


def test_migrations_upgrade_an_empty_database(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    inspector = sa.inspect(engine)
    assert {"agencies", "reports", "report_values", "findings", "alerts", "runs", "blobs"} <= set(
        inspector.get_table_names())
    assert {"v_reports_wide", "v_open_findings", "v_compliance"} <= set(inspector.get_view_names())


def test_migration_from_the_previous_revision_keeps_data(database_url):
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    assert "v_reports_wide" not in sa.inspect(engine).get_view_names()
    with sessions(engine).begin() as session:
        registry.sync(session, [OFFICE], NOW)
    upgrade(engine)
    with sessions(engine)() as session:
        assert session.get(models.Agency, "weibin-office").name == "卫滨区人民政府办公室"
    assert "v_reports_wide" in sa.inspect(engine).get_view_names()


def test_the_models_match_the_migrated_schema(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), models.Base.metadata) == []


def _cells(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT report_id, table_key, row_key, field_key, value FROM report_values ORDER BY 1, 2, 3, 4")).all()


def test_migration_0004_keeps_every_cell_both_ways(database_url, seed):
    engine = make_engine(database_url)
    upgrade(engine, "0003")
    maker = sessions(engine)
    with maker.begin() as session:
        registry.sync(session, [OFFICE], NOW)
    with maker.begin() as session:  # a version stored by the 0003 schema, with its rows as they were then
        session.add(models.Blob(sha256="0" * 64, size=1, data=b"x"))
        session.add(models.Document(id=1, url="u", fetched_at=NOW, media_type="text/plain", sha256="0" * 64, size=1))
        session.flush()
        session.add(models.Report(id=1, agency_id="weibin-office", year=2025, version=1, document_id=1,
                                  sha256="0" * 64, url="u", template="2021", parse_status="ok", first_seen=NOW))
        session.flush()
        session.execute(sa.insert(models.ReportValue), [
            {"report_id": 1, "table_key": "applications", "row_key": "new_received", "field_key": f, "value": v}
            for f, v in (("total", 81.0), ("natural_person", None), ("commercial", 2.5))])
    before = _cells(engine)
    assert "ix_report_values_cell" in {i["name"] for i in sa.inspect(engine).get_indexes("report_values")}
    upgrade(engine)
    assert _cells(engine) == before
    assert "ix_report_values_cell" not in {i["name"] for i in sa.inspect(engine).get_indexes("report_values")}
    ingest(maker, "weibin-office", seed, "weibin.txt", now=NOW, year=2024)  # the new schema takes writes
    command.downgrade(alembic_config(engine), "0003")
    assert "ix_report_values_cell" in {i["name"] for i in sa.inspect(engine).get_indexes("report_values")}
    upgrade(engine)
    assert len(_cells(engine)) == len(before) + len(all_cells())
    with engine.connect() as connection:  # the wide view was rebuilt over the rebuilt table
        assert connection.execute(sa.text("SELECT COUNT(*) FROM v_reports_wide")).scalar() == 2


def _compliance_definition(engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return connection.exec_driver_sql("SELECT sql FROM sqlite_schema WHERE name = 'v_compliance'").scalar()
        return connection.exec_driver_sql("SELECT pg_get_viewdef('v_compliance')").scalar()


def test_migration_0005_counts_findings_in_one_pass_on_postgresql_only(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    grouped = "GROUP BY findings.agency_id" in _compliance_definition(engine).replace("\n", " ")
    assert grouped == (engine.dialect.name == "postgresql")
    command.downgrade(alembic_config(engine), "0004")
    assert "GROUP BY findings.agency_id" not in _compliance_definition(engine)
    upgrade(engine)
    assert ("sum(" in _compliance_definition(engine).lower()) == (engine.dialect.name == "postgresql")


def test_the_same_bytes_for_another_year_share_one_stored_blob(factory, seed):
    first = ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    second = ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW, year=2024)
    assert (first.status, second.status) == ("new", "new") and first.report_id != second.report_id
    assert _count(factory, models.Blob) == 1 and _count(factory, models.Document) == 2


def test_ingest_stores_every_cell_and_the_bytes(factory, seed):
    result = ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    assert (result.status, result.year, result.version) == ("new", 2025, 1)
    with factory() as session:
        report = load(session, "weibin-office", 2025)
        stored = session.get(models.Report, result.report_id)
        blob = session.get(models.Blob, stored.sha256)
    assert report.value("applications", "new_received", "total") == 81
    assert report.value("review_litigation", "review", "total") == 4
    assert stored.deadline == date(2026, 1, 31) and stored.first_seen == NOW
    import zlib

    assert zlib.decompress(blob.data) == seed
    assert [f.rule for f in _findings(factory)] == ["NARRATIVE-SUM"]


def test_same_bytes_again_change_nothing(factory, seed):
    ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    counts = {m: _count(factory, m) for m in (models.Report, models.Document, models.Finding, models.ReportValue)}
    again = ingest(factory, "weibin-office", seed, "elsewhere.txt", now=NOW + timedelta(days=1))
    assert again.status == "unchanged" and again.version == 1
    assert {m: _count(factory, m) for m in counts} == counts


def test_new_content_is_a_new_version_and_raises_revised(factory, seed):
    ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    # A correction that keeps the table consistent: one request moved from 3.其他 to 4.保护第三方.
    changed = seed.replace("4.保护第三方合法权益\t1\t0\t0\t0\t1".encode(),
                           "4.保护第三方合法权益\t2\t0\t0\t0\t2".encode())
    changed = changed.replace("3.其他\t48\t0\t0\t0\t48".encode(), "3.其他\t47\t0\t0\t0\t47".encode())
    assert changed.count("3.其他\t47\t0\t0\t0\t47".encode()) == 1
    assert changed.count("4.保护第三方合法权益\t2\t0\t0\t0\t2".encode()) == 1
    second = ingest(factory, "weibin-office", changed, "weibin.txt", now=NOW + timedelta(days=3))
    assert (second.status, second.version) == ("version", 2)
    [revised] = _findings(factory, rule="REVISED")
    assert revised.evidence["changes"] == [
        {"cell": "applications.withheld_third_party.natural_person", "before": 1, "after": 2},
        {"cell": "applications.withheld_third_party.total", "before": 1, "after": 2},
        {"cell": "applications.other_other.natural_person", "before": 48, "after": 47},
        {"cell": "applications.other_other.total", "before": 48, "after": 47},
    ]
    assert "由48改为47" in revised.message
    # The narrative finding is the same finding, seen again in version 2.
    [narrative] = _findings(factory, rule="NARRATIVE-SUM")
    assert narrative.status == "open" and narrative.report_id == second.report_id
    assert narrative.first_seen == NOW and narrative.last_seen == NOW + timedelta(days=3)


def test_a_finding_is_resolved_when_a_later_version_no_longer_shows_it(factory, seed):
    ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    fixed = seed.replace(b"3351", b"3652")
    ingest(factory, "weibin-office", fixed, "weibin.txt", now=NOW + timedelta(days=5))
    [narrative] = _findings(factory, rule="NARRATIVE-SUM")
    assert narrative.status == "resolved" and narrative.resolved_at == NOW + timedelta(days=5)
    with factory() as session:
        actions = [e.action for e in session.get(models.Finding, narrative.id).events]
    assert actions == ["opened", "resolved"]


def test_dismissed_stays_dismissed_after_reingest_and_returns_after_until(factory, seed):
    ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    [finding] = _findings(factory, rule="NARRATIVE-SUM")
    with factory.begin() as session:
        findings.triage(session, finding.id, "dismiss", "审计员甲", "会议场次不计入信息条数", NOW,
                        until=date(2026, 3, 1))
    other = seed.replace("主动公开".encode(), "主动公开了".encode(), 1)
    ingest(factory, "weibin-office", other, "weibin.txt", now=NOW + timedelta(days=1))
    [finding] = _findings(factory, rule="NARRATIVE-SUM")
    assert finding.status == "dismissed" and finding.triaged_by == "审计员甲"
    assert finding.triage_reason == "会议场次不计入信息条数"
    with factory.begin() as session:
        assert findings.expire_dismissals(session, NOW, date(2026, 3, 1)) == 0  # the day itself: still dismissed
        assert findings.expire_dismissals(session, NOW, date(2026, 3, 2)) == 1
    [finding] = _findings(factory, rule="NARRATIVE-SUM")
    assert finding.status == "open"
    with factory() as session:
        actions = [e.action for e in session.get(models.Finding, finding.id).events]
    assert actions == ["opened", "dismiss", "dismissal-expired"]


def test_cross_year_rules_against_the_previous_year(factory, seed):
    # 2024: two requests carried forward (and two more received, so that 2024 itself balances).
    previous = seed.replace(b"2025", b"2024").replace(
        "四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t".encode(), "四、结转下年度继续办理\t\t2\t0\t0\t0\t0\t2\t".encode()
    ).replace("一、本年新收政府信息公开申请数量\t81\t0\t0\t0\t0\t0\t81".encode(),
              "一、本年新收政府信息公开申请数量\t83\t0\t0\t0\t0\t0\t83".encode())
    assert previous.count("结转下年度继续办理\t\t2".encode()) == 1
    assert previous.count("申请数量\t83\t0\t0\t0\t0\t0\t83".encode()) == 1
    ingest(factory, "weibin-office", previous, "weibin-2024.txt", now=NOW - timedelta(days=365))
    ingest(factory, "weibin-office", seed, "weibin-2025.txt", now=NOW)
    rules = {f.rule for f in _findings(factory, year=2025)}
    assert {"XYEAR-CARRY", "XYEAR-IN-FORCE", "TEXT-REUSE"} <= rules
    carry = [f for f in _findings(factory, rule="XYEAR-CARRY")]
    assert {f.evidence["cells"][0] for f in carry} == {"applications.carried_over.natural_person",
                                                       "applications.carried_over.total"}
    assert all(f.evidence["expected"] == 2 and f.evidence["actual"] == 0 for f in carry)


def test_storing_the_previous_year_later_re_evaluates_the_next(factory, seed):
    ingest(factory, "weibin-office", seed, "weibin-2025.txt", now=NOW)
    assert not _findings(factory, rule="TEXT-REUSE")
    ingest(factory, "weibin-office", seed.replace(b"2025", b"2024"), "weibin-2024.txt", now=NOW)
    [reuse] = _findings(factory, rule="TEXT-REUSE")
    assert reuse.year == 2025 and reuse.evidence["share"] == 1.0


def test_unknown_agency_and_unreadable_input_store_nothing(factory, seed):
    with pytest.raises(InputError, match="登记册中没有机关"):
        ingest(factory, "nobody", seed, "weibin.txt", now=NOW)
    with pytest.raises(InputError):
        ingest(factory, "weibin-office", b"\x00\x01garbage" * 100, "junk.bin", now=NOW)
    assert _count(factory, models.Report) == _count(factory, models.Blob) == _count(factory, models.Document) == 0


def test_a_crash_in_the_middle_leaves_nothing_half_written(factory, seed, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(findings, "sync", explode)
    with pytest.raises(RuntimeError):
        ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    for model in (models.Report, models.Document, models.Blob, models.ReportValue, models.Finding):
        assert _count(factory, model) == 0, model


def _ingest_in_process(url: str, data: bytes, barrier) -> str:
    maker = sessions(make_engine(url))
    barrier.wait()
    return ingest(maker, "weibin-office", data, "weibin.txt", now=NOW).status


def test_two_processes_ingesting_the_same_report_leave_one_version(factory, seed, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers are a PostgreSQL concern (SQLite serialises writers)")
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            statuses = pool.starmap(_ingest_in_process, [(database_url, seed, barrier)] * 2)
    assert sorted(statuses) == ["new", "unchanged"]
    assert _count(factory, models.Report) == 1
    assert _count(factory, models.Finding) == 1


def test_statistics_are_refreshed_where_writes_made_them_stale(factory, seed):
    engine = factory.kw["bind"]
    ingest(factory, "weibin-office", seed, "weibin.txt", now=NOW)
    if engine.dialect.name == "sqlite":
        assert {"reports", "report_values", "findings"} <= set(refresh_statistics(engine))
        with engine.connect() as connection:
            stat = connection.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'report_values'").scalar()
        assert stat.split()[0] == str(len(all_cells()))  # the rows of the one stored version
        return
    # The server counts the changes asynchronously (within about a second of the commit).
    deadline = time.monotonic() + 10
    while "report_values" not in (analyzed := refresh_statistics(engine)):
        assert time.monotonic() < deadline, analyzed
        time.sleep(0.2)
    assert "report_values" not in refresh_statistics(engine)  # analyzed now: nothing stale until the next writes
    with engine.connect() as connection:
        assert connection.exec_driver_sql(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables"
            " WHERE schemaname = current_schema() AND relname = 'report_values'").scalar()
