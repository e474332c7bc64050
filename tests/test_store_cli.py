"""The database commands as an operator meets them: reads never write, only `monitor init` creates a
database, the registry in the database is the source of truth, the document is the witness of its
year and agency, and a database that cannot be used is one line. SQLite and PostgreSQL alike."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from monitor.cli import main
from monitor.store.database import make_engine

SAMPLE = Path(__file__).resolve().parents[1] / "monitor" / "samples" / "weibin-office-2025.txt"
NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
REGISTRY = """
[[agency]]
id = "weibin"
name = "卫滨区人民政府"
kind = "government"
level = "county"
supervisors = ["gkb@example.org"]

[[agency]]
id = "weibin-office"
name = "卫滨区人民政府办公室"
kind = "department"
parent = "weibin"
"""


def run(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, [*args, "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result.output


def dump(url: str) -> dict[str, list[str]]:
    """Every row of every table, in a comparable form."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            return {table: sorted(repr(tuple(row)) for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')))
                    for table in tables}
    finally:
        engine.dispose()


@pytest.fixture
def config(database_url, tmp_path) -> Path:
    """monitor.toml for a database initialised with the registry above and the sample stored."""
    path = tmp_path / "monitor.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n{REGISTRY}', encoding="utf-8")
    run(path, "init")
    run(path, "ingest", str(SAMPLE), "--agency", "weibin-office", "--now", NOW.isoformat())
    return path


READ_COMMANDS = [
    ("reports",), ("reports", "--format", "json"), ("reports", "--format", "csv", "--latest"),
    ("findings",), ("findings", "--format", "json", "--now", "2030-01-01T00:00:00+08:00"),
    ("findings", "--status", "open", "--now", "2030-01-01T00:00:00+08:00"),
    ("history", "weibin-office"), ("history", "--agency", "weibin-office", "--format", "csv"),
    ("history", "weibin-office", "--format", "json", "--since", "2026-01-01", "--now", "2030-01-01T00:00:00+08:00"),
    ("agencies", "export"),
]


def test_read_commands_never_write(config, database_url, tmp_path):
    # A dismissal that expires before the pretend date of some reads, and a file registry that differs.
    finding_id = run(config, "findings", "--format", "csv").splitlines()[1].split(",")[0]
    run(config, "findings", "dismiss", finding_id, "--reason", "会议场次不计入", "--until", "2029-12-31")
    text = config.read_text(encoding="utf-8").replace('name = "卫滨区人民政府"', 'name = "新乡市卫滨区人民政府"')
    config.write_text(text + '\n[[agency]]\nid = "new-one"\nname = "新登记的局"\nkind = "department"\n',
                      encoding="utf-8")
    before = dump(database_url)
    assert before["reports"] and before["findings"] and before["finding_events"]
    for command in READ_COMMANDS:
        run(config, *command)
        assert dump(database_url) == before, command
    run(config, "export", "-o", str(tmp_path / "h.csv"))
    run(config, "export", "-o", str(tmp_path / "h.xlsx"))
    assert dump(database_url) == before


def test_an_expired_dismissal_reads_open_and_is_written_back_only_by_a_writing_command(config, database_url):
    finding_id = run(config, "findings", "--format", "csv").splitlines()[1].split(",")[0]
    run(config, "findings", "dismiss", finding_id, "--reason", "会议场次不计入", "--until", "2029-12-31")
    assert ",dismissed," in run(config, "findings", "--format", "csv")
    later = run(config, "findings", "--format", "csv", "--now", "2030-01-01T10:00:00+08:00")
    assert ",open," in later and ",dismissed," not in later
    assert ",dismissed," in run(config, "findings", "--format", "csv")  # the real date: still dismissed
    engine = make_engine(database_url)
    with engine.connect() as connection:
        status, events = connection.execute(sa.text(
            "SELECT status, (SELECT COUNT(*) FROM finding_events e WHERE e.finding_id = f.id) FROM findings f"
            " WHERE id = :id"), {"id": int(finding_id)}).one()
    engine.dispose()
    assert status == "dismissed" and events == 2  # opened, dismiss


def test_the_file_registry_is_reported_not_applied_until_sync(config, database_url):
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[[agency]]\nid = "new-one"\nname = "新登记的局"\nkind = "department"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["reports", "--config", str(config)])
    assert result.exit_code == 0
    assert "登记册与数据库不同（新增 1 个，变更 0 个" in result.stderr and "monitor agencies sync" in result.stderr
    assert "new-one" not in run(config, "agencies", "export")
    assert "新增 1 个" in run(config, "agencies", "sync")
    assert "new-one" in run(config, "agencies", "export")
    assert "登记册与数据库不同" not in CliRunner().invoke(main, ["reports", "--config", str(config)]).stderr


def test_an_import_is_not_reverted_by_the_next_command(config, tmp_path):
    csv_file = tmp_path / "agencies.csv"
    csv_file.write_text("id,name,kind,parent\nbureau,卫滨区教育局,department,weibin\n", encoding="utf-8")
    run(config, "agencies", "import", str(csv_file))
    run(config, "reports")
    run(config, "ingest", str(SAMPLE), "--agency", "weibin-office")
    assert "卫滨区教育局" in run(config, "agencies", "export")


def test_agencies_export_has_a_bom_and_round_trips(config, tmp_path):
    out = tmp_path / "agencies.csv"
    run(config, "agencies", "export", "-o", str(out))
    assert out.read_bytes().startswith("\ufeffid,name".encode())
    run(config, "agencies", "import", str(out))


def test_a_csv_row_with_more_fields_than_the_header_is_refused_with_its_line(config, tmp_path):
    csv_file = tmp_path / "agencies.csv"
    csv_file.write_text("id,name,kind\nok,某某局,department\nbad,某某办,department,extra\n", encoding="utf-8")
    output = run(config, "agencies", "import", str(csv_file), code=2)
    assert f"{csv_file}:3:" in output and "比表头多 1 个" in output
    assert "某某局" not in run(config, "agencies", "export")  # nothing imported


def test_the_document_year_wins_and_a_contradiction_is_refused(config):
    output = run(config, "ingest", str(SAMPLE), "--agency", "weibin-office", "--year", "2030", code=2)
    assert output.count("\n") == 1 and "2025 年" in output and "2030 年" in output
    assert "2030" not in run(config, "reports", "--format", "csv")
    run(config, "ingest", str(SAMPLE), "--agency", "weibin-office", "--year", "2025")  # agreeing: fine


def test_a_year_fills_in_only_what_the_document_does_not_say(config, tmp_path):
    undated = tmp_path / "undated.txt"
    text = SAMPLE.read_text(encoding="utf-8")
    undated.write_text(text.replace("2025年", "本").replace("2025", "本"), encoding="utf-8")
    output = run(config, "ingest", str(undated), "--agency", "weibin-office", code=2)
    assert "读不出报告年度" in output
    run(config, "ingest", str(undated), "--agency", "weibin-office", "--year", "2024")
    assert ",2024," in run(config, "reports", "--format", "csv")


@pytest.mark.parametrize("year", ["9999", "2007", "0"])
def test_years_outside_2008_2100_are_refused(config, year):
    output = run(config, "ingest", str(SAMPLE), "--agency", "weibin-office", "--year", year, code=2)
    assert output.count("\n") == 1 and "2008–2100" in output


def test_a_report_of_another_agency_raises_a_dismissable_warning(config, tmp_path):
    other = tmp_path / "jinsha.txt"
    other.write_text(SAMPLE.read_text(encoding="utf-8").replace("卫滨区人民政府办公室", "金沙县人力资源和社会保障局"),
                     encoding="utf-8")
    assert "注意：报告中的机关与登记的机关不符（AGENCY-MISMATCH）" in run(config, "ingest", str(other), "--agency",
                                                                   "weibin-office")
    rows = [line for line in run(config, "findings", "--format", "csv").splitlines() if "AGENCY-MISMATCH" in line]
    assert len(rows) == 1 and "金沙县人力资源和社会保障局" in rows[0] and ",warning,open," in rows[0]
    run(config, "findings", "dismiss", rows[0].split(",")[0], "--reason", "确属本机关，标题写错")


def test_only_init_creates_a_database(tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text('[database]\nurl = "sqlite:///db/monitor.db"\n', encoding="utf-8")
    for command in (("reports",), ("findings",), ("history", "x"), ("agencies", "export"), ("agencies", "sync"),
                    ("ingest", str(SAMPLE), "--agency", "x"), ("export", "-o", str(tmp_path / "h.csv"))):
        output = run(config, *command, code=2)
        assert output.strip() == f"数据库文件 {tmp_path / 'db' / 'monitor.db'} 不存在：请先运行 monitor init", command
    assert not (tmp_path / "db").exists()
    assert "新建" in run(config, "init")
    assert (tmp_path / "db" / "monitor.db").is_file()


def test_init_on_a_file_that_is_not_a_database_is_one_line(tmp_path):
    (tmp_path / "monitor.db").write_bytes(b"this is a text file, not a database" * 100)
    config = tmp_path / "monitor.toml"
    config.write_text('[database]\nurl = "sqlite:///monitor.db"\n', encoding="utf-8")
    for command in (("init",), ("reports",)):
        output = run(config, *command, code=2)
        assert output.count("\n") == 1 and "不是 SQLite 数据库文件" in output and "monitor.db" in output


def test_init_on_a_closed_postgresql_port_is_one_line(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "monitor.toml"
    config.write_text(f'[database]\nurl = "postgresql+psycopg://postgres@127.0.0.1:{port}/test"\n', encoding="utf-8")
    for command in (("init",), ("reports",)):
        output = run(config, *command, code=2)
        assert output.count("\n") == 1 and "连接被拒绝" in output and str(port) in output


def test_an_empty_or_old_schema_asks_for_init(database_url, tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).touch()
    assert "是空的：请先运行 monitor init" in run(config, "reports", code=2)
    from monitor.store.database import upgrade

    engine = make_engine(database_url)
    upgrade(engine, "0003")
    engine.dispose()
    output = run(config, "reports", code=2)
    assert "版本过旧（0003，应为" in output and "monitor init" in output
    assert "已从 0003 迁移" in run(config, "init")
    run(config, "reports")


def test_init_on_a_database_of_a_newer_version_is_one_line(database_url, tmp_path):
    config = tmp_path / "monitor.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    run(config, "init")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    output = run(config, "init", code=2)
    assert output.count("\n") == 1 and "0099" in output and "请升级本程序" in output
    output = run(config, "reports", code=2)
    assert output.count("\n") == 1 and "0099" in output and "请升级本程序" in output
