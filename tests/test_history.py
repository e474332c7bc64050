"""The history database, on SQLite and PostgreSQL: migrations, ingest, versions, findings, triage."""

from __future__ import annotations

import ast
import multiprocessing
import time
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from monitor.config import Agency
from monitor.errors import InputError
from monitor.pipeline import IngestStatus, ingest
from monitor.report import BEIJING
from monitor.store import Store, audit, findings, models, open_store, registry
from monitor.store.database import (
    MIGRATIONS,
    SCHEMA_REVISION,
    alembic_config,
    make_engine,
    refresh_statistics,
    upgrade,
)
from monitor.store.models import FindingAction, FindingStatus
from monitor.store.versions import load
from monitor.template import all_cells

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
OFFICE = Agency(id="weibin-office", name="卫滨区人民政府办公室", kind="department", region="河南省/新乡市/卫滨区",
                supervisors=["gkb@example.org"])
EARLIER_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")


@pytest.fixture
def store(registered) -> Store:
    return registered([OFFICE], NOW)


@pytest.fixture
def seed(corpus_dir):
    return (corpus_dir / "weibin-office-2025.txt").read_bytes()


def _count(store: Store, model) -> int:
    with store.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def _findings(store: Store, **where) -> list[models.Finding]:
    with store.reading() as session:  # the findings are used after the session: still loaded
        query = select(models.Finding).filter_by(**where).order_by(models.Finding.id)
        return list(session.scalars(query))


def _actions(store: Store, finding_id: int) -> list[str]:
    with store.reading() as session:
        return [e.action for e in session.get(models.Finding, finding_id).events]


def test_migrations_upgrade_an_empty_database(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    inspector = sa.inspect(engine)
    assert {"agencies", "reports", "report_values", "findings", "alerts", "runs", "blobs"} <= set(
        inspector.get_table_names())
    assert {"v_reports_wide", "v_open_findings", "v_compliance"} <= set(inspector.get_view_names())
    # The frozen wide view (0002_v_reports_wide.sql) has one column per cell of the current template.
    columns = {c["name"] for c in inspector.get_columns("v_reports_wide")}
    assert {f"{t}__{r}__{f}" for t, r, f in all_cells()} <= columns
    engine.dispose()


def test_migration_from_the_previous_revision_keeps_data(database_url):
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    assert "v_reports_wide" not in sa.inspect(engine).get_view_names()
    store = Store(engine)
    with store.transaction() as session:
        registry.apply(session, [OFFICE], NOW)
    upgrade(engine)
    with store.reading() as session:
        assert session.get(models.Agency, "weibin-office").name == "卫滨区人民政府办公室"
    assert "v_reports_wide" in sa.inspect(engine).get_view_names()
    store.close()


# --- every earlier revision, with data, up to head and down to 0001 and back ----------------------

SNAPSHOT_TABLES = {  # table -> its key, for a stable order
    "agencies": "id", "listing_sources": "id", "blobs": "sha256", "documents": "id", "reports": "id",
    "report_dates": "id", "report_sections": "report_id, key",
    "report_values": "report_id, table_key, row_key, field_key",
    "findings": "id", "finding_events": "id", "alerts": "id", "runs": "id",
}
SERIAL_TABLES = ("listing_sources", "documents", "reports", "report_dates", "findings", "finding_events", "alerts",
                 "runs")
STORED_CELLS = {("applications", "new_received", "total"): 81.0, ("applications", "new_received", "commercial"): 2.5,
                ("applications", "new_received", "natural_person"): None}


def _at(dialect: str, value: datetime) -> Any:
    """A time as SQLAlchemy stores it: naive UTC text on SQLite, timestamptz on PostgreSQL."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else value


def _insert_one_stored_report(engine: sa.Engine) -> None:
    """A registered agency and one stored report with its dates, sections, cells and a dismissed finding
    with its trail, written with plain SQL (the columns every revision since 0001 has)."""
    dialect = engine.dialect.name
    at = {"now": _at(dialect, NOW), "published": _at(dialect, NOW - timedelta(days=3)),
          "dismissed": _at(dialect, NOW + timedelta(days=1))}
    statements = [
        ("INSERT INTO agencies (id, name, kind, level, region, parent_id, supervisors, deadline, updated_at)"
         " VALUES ('weibin-office', '卫滨区人民政府办公室', 'department', NULL, '河南省/新乡市/卫滨区', NULL,"
         " '[\"gkb@example.org\"]', NULL, :now)", {}),
        ("INSERT INTO listing_sources (id, agency_id, url, last_checked, last_status, consecutive_failures)"
         " VALUES (1, 'weibin-office', 'https://www.weibin.gov.cn/ndbg/', NULL, NULL, 0)", {}),
        ("INSERT INTO blobs (sha256, size, data) VALUES (:sha, 4, :data)", {"data": zlib.compress(b"text")}),
        ("INSERT INTO documents (id, url, fetched_at, http_status, etag, last_modified, media_type, sha256, size)"
         " VALUES (1, 'weibin.txt', :now, NULL, NULL, NULL, 'text/plain', :sha, 4)", {}),
        ("INSERT INTO reports (id, agency_id, year, version, document_id, sha256, url, title, template, parse_status,"
         " first_seen, published, published_day, published_source, deadline) VALUES (1, 'weibin-office', 2025, 1, 1,"
         " :sha, 'weibin.txt', '卫滨区人民政府办公室2025年政府信息公开工作年度报告', '2021', 'ok', :now, :published,"
         " '2026-01-29', 'text', '2026-01-31')", {}),
        ("INSERT INTO report_dates (id, report_id, source, value, raw) VALUES (1, 1, 'text', :published,"
         " '2026年1月29日')", {}),
        ("INSERT INTO report_sections (report_id, key, text)"
         " VALUES (1, 'overview', '全年主动公开各类政务信息 3351 条')", {}),
        ("INSERT INTO findings (id, fingerprint, rule, severity, agency_id, year, report_id, message, evidence, status,"
         " first_seen, last_seen, resolved_at, confirmed, triaged_by, triaged_at, triage_reason, dismissed_until)"
         " VALUES (1, :fingerprint, 'NARRATIVE-SUM', 'error', 'weibin-office', 2025, 1, '正文称共3351条', :evidence,"
         " 'dismissed', :now, :now, NULL, :no, '审计员甲', :dismissed, '会议场次不计入信息条数', '2026-03-01')",
         {"fingerprint": "f" * 64, "evidence": '{"cells": [], "expected": 3351, "actual": 3652}', "no": False}),
        ("INSERT INTO finding_events (id, finding_id, at, action, actor, reason, report_id) VALUES"
         " (1, 1, :now, 'opened', NULL, NULL, 1),"
         " (2, 1, :dismissed, 'dismiss', '审计员甲', '会议场次不计入信息条数', 1)", {}),
        ("INSERT INTO alerts (id, finding_id, recipient, kind, created_at, sent_at, attempts, last_error)"
         " VALUES (1, 1, 'gkb@example.org', 'new', :now, NULL, 0, NULL)", {}),
        ("INSERT INTO runs (id, kind, started_at, finished_at, status, stats, error)"
         " VALUES (1, 'ingest', :now, :now, 'ok', '{\"stored\": 1}', NULL)", {}),
    ]
    with engine.begin() as connection:
        for sql, params in statements:
            connection.execute(sa.text(sql), {"sha": "a" * 64, **at, **params})
        connection.execute(sa.text("INSERT INTO report_values (report_id, table_key, row_key, field_key, value)"
                                   " VALUES (1, :t, :r, :f, :v)"),
                           [{"t": t, "r": r, "f": f, "v": v} for (t, r, f), v in STORED_CELLS.items()])
        if dialect == "postgresql":  # rows given their ids: the sequences go on after them, as after a restore
            for table in SERIAL_TABLES:
                connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                                           f" (SELECT MAX(id) FROM {table}))"))


def _snapshot(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {table: [dict(row._mapping)
                        for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY {key}"))]
                for table, key in SNAPSHOT_TABLES.items()}


def _columns_of(snapshot: dict[str, list[dict[str, Any]]], like: dict[str, list[dict[str, Any]]]
                ) -> dict[str, list[dict[str, Any]]]:
    """`snapshot` with only the columns `like` has (a later revision adds columns)."""
    return {table: [{key: row[key] for key in old} for row, old in zip(rows, like[table], strict=True)]
            for table, rows in snapshot.items()}


def _views(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_view_names())


@pytest.mark.parametrize("revision", [None, *EARLIER_REVISIONS], ids=["empty", *EARLIER_REVISIONS])
def test_migrations_take_a_database_at_every_revision_with_data_to_head_and_back(database_url, seed, revision):
    engine = make_engine(database_url)
    if revision is None:  # an empty database: migrated to head, then given the data
        upgrade(engine)
    else:
        upgrade(engine, revision)
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == revision
    _insert_one_stored_report(engine)
    before = _snapshot(engine)
    assert all(before.values()), before  # every table holds a row

    upgrade(engine)
    at_head = _snapshot(engine)
    assert _columns_of(at_head, before) == before
    assert (at_head["documents"][0]["agency_id"], at_head["documents"][0]["read_error"]) == (None, None)  # 0006
    assert {"v_reports_wide", "v_open_findings", "v_compliance"} <= _views(engine)
    with engine.connect() as connection:
        wide = connection.execute(sa.text(
            "SELECT applications__new_received__total AS total, applications__new_received__commercial AS commercial,"
            " applications__new_received__natural_person AS person, is_latest FROM v_reports_wide")).one()
        assert tuple(wide) == (81, 2.5, None, 1)
        compliance = connection.execute(sa.text(
            "SELECT agency_id, year, versions, on_time, open_errors, dismissed FROM v_compliance")).one()
        assert tuple(compliance) == ("weibin-office", 2025, 1, 1, 0, 1)
    with open_store(database_url) as store, store.reading() as session:  # the application reads it at head
        report = load(session, "weibin-office", 2025)
        assert report.value("applications", "new_received", "total") == 81
        assert report.value("applications", "new_received", "natural_person") is None
        stored = session.get(models.Report, 1)
        assert (stored.first_seen, stored.published, stored.deadline) == (NOW, NOW - timedelta(days=3),
                                                                          date(2026, 1, 31))
        assert session.get(models.Agency, "weibin-office").supervisors == ["gkb@example.org"]
        [dismissed] = audit.findings(session, audit.Filters(today=date(2026, 3, 1)))
        assert (dismissed["status"], dismissed["dismissed_until"], dismissed["triaged_by"]) == (
            "dismissed", "2026-03-01", "审计员甲")
        [expired] = audit.findings(session, audit.Filters(today=date(2026, 3, 2)))
        assert (expired["status"], expired["dismissal_expired"]) == ("open", True)
        assert [e["action"] for e in audit.history(session, "weibin-office")["years"][0]["events"]] == [
            "opened", "dismiss"]

    command.downgrade(alembic_config(engine), "0001")
    at_0001 = _snapshot(engine)
    assert at_0001 == _columns_of(before, at_0001)
    assert not _views(engine) & {"v_reports_wide", "v_open_findings", "v_compliance"}

    upgrade(engine)
    at_head = _snapshot(engine)
    assert _columns_of(at_head, before) == before
    assert (at_head["documents"][0]["agency_id"], at_head["documents"][0]["read_error"]) == (None, None)  # 0006
    assert {"v_reports_wide", "v_open_findings", "v_compliance"} <= _views(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == SCHEMA_REVISION
        assert compare_metadata(MigrationContext.configure(connection), models.Base.metadata) == []
    with open_store(database_url) as store:  # and takes writes
        result = ingest(store, "weibin-office", "weibin-2025.txt", data=seed, now=NOW + timedelta(days=2))
        assert (result.status, result.year, result.version) == (IngestStatus.VERSION, 2025, 2)
    engine.dispose()


def _imports_of(tree: ast.AST) -> list[str]:
    """Every module a file imports (`import x`, `from x import y`, importlib.import_module("x"))."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", None)) in {"import_module", "__import__"}
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.append(str(node.args[0].value))
    return names


def test_no_revision_imports_application_code():
    """A revision is frozen: it runs the same SQL whatever later becomes of the models, the template or
    the rules, so it imports none of them."""
    revisions = sorted((MIGRATIONS / "versions").glob("*.py"))
    assert [path.name[:4] for path in revisions] == [*EARLIER_REVISIONS, SCHEMA_REVISION]
    for path in revisions:
        imported = _imports_of(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        assert "alembic" in imported, path.name  # the parse found the imports
        application = [name for name in imported
                       if name.split(".")[0] in {"monitor", "rules"} or name.startswith(".")]
        assert application == [], (path.name, application)


def test_the_models_match_the_migrated_schema(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), models.Base.metadata) == []
    engine.dispose()


def _cells(engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT report_id, table_key, row_key, field_key, value FROM report_values ORDER BY 1, 2, 3, 4")).all()


def test_migration_0004_keeps_every_cell_both_ways(database_url, seed):
    engine = make_engine(database_url)
    upgrade(engine, "0003")
    store = Store(engine)
    with store.transaction() as session:
        registry.apply(session, [OFFICE], NOW)
    with store.transaction() as session:  # a version stored by the 0003 schema, with its rows as they were then
        session.add(models.Blob(sha256="0" * 64, size=1, data=b"x"))
        session.flush()
        session.execute(sa.insert(models.Document.__table__).values(  # the columns of 0003 only
            id=1, url="u", fetched_at=NOW, media_type="text/plain", sha256="0" * 64, size=1))
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
    # The new schema takes writes: the seed made a 2024 report (its year is the document's, not a caller's).
    result = ingest(store, "weibin-office", "weibin.txt", data=seed.replace(b"2025", b"2024"), now=NOW)
    assert (result.status, result.year, result.version) == (IngestStatus.NEW, 2024, 1)
    command.downgrade(alembic_config(engine), "0003")
    assert "ix_report_values_cell" in {i["name"] for i in sa.inspect(engine).get_indexes("report_values")}
    upgrade(engine)
    assert len(_cells(engine)) == len(before) + len(all_cells())
    with engine.connect() as connection:  # the wide view was rebuilt over the rebuilt table
        assert connection.execute(sa.text("SELECT COUNT(*) FROM v_reports_wide")).scalar() == 2
    store.close()


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
    engine.dispose()


def _without_year(seed: bytes) -> bytes:
    """The seed with the year taken out of its title: a document that does not state its year."""
    undated = seed.replace(" 2025 年政府信息公开".encode(), "政府信息公开".encode())
    assert undated != seed
    return undated


def test_the_same_bytes_for_another_year_share_one_stored_blob(store, seed):
    # A document that does not state its year can be stored for the year the caller gives, and the same
    # bytes for another year are another report over the one stored blob.
    undated = _without_year(seed)
    first = ingest(store, "weibin-office", "weibin.txt", data=undated, now=NOW, year=2025)
    second = ingest(store, "weibin-office", "weibin.txt", data=undated, now=NOW, year=2024)
    assert (first.status, second.status) == ("new", "new") and first.report_id != second.report_id
    assert (first.year, second.year) == (2025, 2024)
    assert _count(store, models.Blob) == 1 and _count(store, models.Document) == 2


def test_the_document_states_its_year_and_a_caller_cannot_change_it(store, seed):
    with pytest.raises(InputError, match="文件中的报告年度为 2025 年，与指定的 2024 年不符"):
        ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW, year=2024)
    assert _count(store, models.Report) == 0  # no version; the refused document is kept as unreadable
    with store.reading() as session:
        assert "与指定的 2024 年不符" in session.scalars(select(models.Document.read_error)).one()
    same = ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW, year=2025)  # agreeing is fine
    assert (same.status, same.year) == ("new", 2025)
    with pytest.raises(InputError, match="读不出报告年度"):
        ingest(store, "weibin-office", "undated.txt", data=_without_year(seed), now=NOW)


def test_ingest_stores_every_cell_and_the_bytes(store, seed):
    result = ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)
    assert (result.status, result.year, result.version) == ("new", 2025, 1)
    with store.reading() as session:
        report = load(session, "weibin-office", 2025)
        stored = session.get(models.Report, result.report_id)
        assert stored.deadline == date(2026, 1, 31) and stored.first_seen == NOW
        assert zlib.decompress(session.get(models.Blob, stored.sha256).data) == seed
    assert report.value("applications", "new_received", "total") == 81
    assert report.value("review_litigation", "review", "total") == 4
    assert [f.rule for f in _findings(store)] == ["NARRATIVE-SUM"]


def test_ingest_reads_the_location_when_no_bytes_are_given(store, seed, tmp_path):
    path = tmp_path / "weibin.txt"
    path.write_bytes(seed)
    result = ingest(store, "weibin-office", str(path), now=NOW)
    assert (result.status, result.year, result.version) == ("new", 2025, 1)
    with store.reading() as session:
        assert session.get(models.Report, result.report_id).url == str(path)
    again = ingest(store, "weibin-office", "elsewhere.txt", data=seed, now=NOW)
    assert (again.status, again.report_id) == ("unchanged", result.report_id)


def test_a_report_of_another_agency_raises_agency_mismatch(registered, seed):
    other = Agency(id="weibin", name="卫滨区人民政府", kind="government", level="county", region="河南省/新乡市/卫滨区")
    store = registered([OFFICE, other], NOW)
    ingest(store, "weibin", "weibin.txt", data=seed, now=NOW)
    [mismatch] = _findings(store, rule="AGENCY-MISMATCH")
    assert (mismatch.agency_id, mismatch.severity, mismatch.status) == ("weibin", "warning", "open")
    assert (mismatch.evidence["expected"], mismatch.evidence["actual"]) == ("卫滨区人民政府", "卫滨区人民政府办公室")
    ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)  # filed under its own agency: no warning
    assert [f.agency_id for f in _findings(store, rule="AGENCY-MISMATCH")] == ["weibin"]


def test_same_bytes_again_change_nothing(store, seed):
    ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)
    counts = {m: _count(store, m) for m in (models.Report, models.Document, models.Finding, models.ReportValue)}
    again = ingest(store, "weibin-office", "elsewhere.txt", data=seed, now=NOW + timedelta(days=1))
    assert again.status == "unchanged" and again.version == 1
    assert {m: _count(store, m) for m in counts} == counts


def test_new_content_is_a_new_version_and_raises_revised(store, seed):
    ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)
    # A correction that keeps the table consistent: one request moved from 3.其他 to 4.保护第三方.
    changed = seed.replace("4.保护第三方合法权益\t1\t0\t0\t0\t1".encode(),
                           "4.保护第三方合法权益\t2\t0\t0\t0\t2".encode())
    changed = changed.replace("3.其他\t48\t0\t0\t0\t48".encode(), "3.其他\t47\t0\t0\t0\t47".encode())
    assert changed.count("3.其他\t47\t0\t0\t0\t47".encode()) == 1
    assert changed.count("4.保护第三方合法权益\t2\t0\t0\t0\t2".encode()) == 1
    second = ingest(store, "weibin-office", "weibin.txt", data=changed, now=NOW + timedelta(days=3))
    assert (second.status, second.version) == ("version", 2)
    [revised] = _findings(store, rule="REVISED")
    assert revised.evidence["changes"] == [
        {"cell": "applications.withheld_third_party.natural_person", "before": 1, "after": 2},
        {"cell": "applications.withheld_third_party.total", "before": 1, "after": 2},
        {"cell": "applications.other_other.natural_person", "before": 48, "after": 47},
        {"cell": "applications.other_other.total", "before": 48, "after": 47},
    ]
    assert "由48改为47" in revised.message
    # The narrative finding is the same finding, seen again in version 2.
    [narrative] = _findings(store, rule="NARRATIVE-SUM")
    assert narrative.status == "open" and narrative.report_id == second.report_id
    assert narrative.first_seen == NOW and narrative.last_seen == NOW + timedelta(days=3)


def test_a_finding_is_resolved_when_a_later_version_no_longer_shows_it(store, seed):
    ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)
    fixed = seed.replace(b"3351", b"3652")
    ingest(store, "weibin-office", "weibin.txt", data=fixed, now=NOW + timedelta(days=5))
    [narrative] = _findings(store, rule="NARRATIVE-SUM")
    assert narrative.status == "resolved" and narrative.resolved_at == NOW + timedelta(days=5)
    assert _actions(store, narrative.id) == ["opened", "resolved"]


def test_dismissed_stays_dismissed_after_reingest_and_returns_after_until(store, seed):
    ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)
    [finding] = _findings(store, rule="NARRATIVE-SUM")
    with store.transaction() as session:
        findings.triage(session, finding.id, FindingAction.DISMISS, "审计员甲", "会议场次不计入信息条数", NOW,
                        until=date(2026, 3, 1))
    other = seed.replace("主动公开".encode(), "主动公开了".encode(), 1)
    ingest(store, "weibin-office", "weibin.txt", data=other, now=NOW + timedelta(days=1))
    [finding] = _findings(store, rule="NARRATIVE-SUM")
    assert finding.status == FindingStatus.DISMISSED and finding.triaged_by == "审计员甲"
    assert finding.triage_reason == "会议场次不计入信息条数"
    # The day is `now` in Beijing: 23:59 on 1 March is the day itself (still dismissed), 00:30 on
    # 2 March (16:30 UTC on 1 March) is the day after.
    last_minute = datetime(2026, 3, 1, 23, 59, tzinfo=BEIJING)
    day_after = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    assert day_after.astimezone(BEIJING).date() == date(2026, 3, 2)
    with store.transaction() as session:
        assert findings.expire_dismissals(session, last_minute) == 0
        assert findings.expire_dismissals(session, day_after) == 1
    [finding] = _findings(store, rule="NARRATIVE-SUM")
    assert finding.status == "open"
    assert _actions(store, finding.id) == ["opened", "dismiss", "dismissal-expired"]
    with store.reading() as session:
        [expired] = [e for e in session.get(models.Finding, finding.id).events if e.action == "dismissal-expired"]
        assert expired.at == day_after and "2026-03-01" in expired.reason


def test_cross_year_rules_against_the_previous_year(store, seed):
    # 2024: two requests carried forward (and two more received, so that 2024 itself balances).
    previous = seed.replace(b"2025", b"2024").replace(
        "四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t".encode(), "四、结转下年度继续办理\t\t2\t0\t0\t0\t0\t2\t".encode()
    ).replace("一、本年新收政府信息公开申请数量\t81\t0\t0\t0\t0\t0\t81".encode(),
              "一、本年新收政府信息公开申请数量\t83\t0\t0\t0\t0\t0\t83".encode())
    assert previous.count("结转下年度继续办理\t\t2".encode()) == 1
    assert previous.count("申请数量\t83\t0\t0\t0\t0\t0\t83".encode()) == 1
    stored = ingest(store, "weibin-office", "weibin-2024.txt", data=previous, now=NOW - timedelta(days=365))
    assert stored.year == 2024
    ingest(store, "weibin-office", "weibin-2025.txt", data=seed, now=NOW)
    rules = {f.rule for f in _findings(store, year=2025)}
    assert {"XYEAR-CARRY", "XYEAR-IN-FORCE", "TEXT-REUSE"} <= rules
    carry = [f for f in _findings(store, rule="XYEAR-CARRY")]
    assert {f.evidence["cells"][0] for f in carry} == {"applications.carried_over.natural_person",
                                                       "applications.carried_over.total"}
    assert all(f.evidence["expected"] == 2 and f.evidence["actual"] == 0 for f in carry)


def test_storing_the_previous_year_later_re_evaluates_the_next(store, seed):
    ingest(store, "weibin-office", "weibin-2025.txt", data=seed, now=NOW)
    assert not _findings(store, rule="TEXT-REUSE")
    previous = ingest(store, "weibin-office", "weibin-2024.txt", data=seed.replace(b"2025", b"2024"), now=NOW)
    assert previous.year == 2024
    [reuse] = _findings(store, rule="TEXT-REUSE")
    assert reuse.year == 2025 and reuse.evidence["share"] == 1.0


def test_an_unknown_agency_stores_nothing_and_unreadable_input_is_kept_as_such(store, seed):
    with pytest.raises(InputError, match="登记册中没有机关"):
        ingest(store, "nobody", "weibin.txt", data=seed, now=NOW)
    assert _count(store, models.Report) == _count(store, models.Blob) == _count(store, models.Document) == 0
    with pytest.raises(InputError) as refused:
        ingest(store, "weibin-office", "junk.bin", data=b"\x00\x01garbage" * 100, now=NOW)
    assert _count(store, models.Report) == 0
    with store.reading() as session:
        [document] = session.scalars(select(models.Document))
        assert (document.agency_id, document.url, document.read_error) == ("weibin-office", "junk.bin",
                                                                          str(refused.value))
        assert zlib.decompress(session.get(models.Blob, document.sha256).data) == b"\x00\x01garbage" * 100


def test_a_crash_in_the_middle_leaves_nothing_half_written(store, seed, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(findings, "sync", explode)
    with pytest.raises(RuntimeError):
        ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)
    for model in (models.Report, models.Document, models.Blob, models.ReportValue, models.Finding):
        assert _count(store, model) == 0, model


def _ingest_in_process(url: str, data: bytes, barrier) -> str:
    with Store(make_engine(url)) as store:
        barrier.wait()
        return str(ingest(store, "weibin-office", "weibin.txt", data=data, now=NOW).status)


# Concurrent writers are a PostgreSQL concern: SQLite lets one writer at a time.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_ingesting_the_same_report_leave_one_version(store, seed, database_url):
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            statuses = pool.starmap(_ingest_in_process, [(database_url, seed, barrier)] * 2)
    assert sorted(statuses) == ["new", "unchanged"]
    assert _count(store, models.Report) == 1
    assert _count(store, models.Finding) == 1


def test_statistics_are_refreshed_where_writes_made_them_stale(store, seed):
    engine = store.engine
    ingest(store, "weibin-office", "weibin.txt", data=seed, now=NOW)
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


def test_the_schema_revision_the_code_needs_is_the_head_of_the_migrations():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == SCHEMA_REVISION
