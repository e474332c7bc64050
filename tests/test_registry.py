"""Configuration and the agency registry: validation messages, CSV import/export, through the CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from monitor import cli_data
from monitor.cli import main
from monitor.config import ConfigError, load_settings


def _config(tmp_path, database_url: str, extra: str = "") -> str:
    path = tmp_path / "monitor.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n{extra}', encoding="utf-8")
    return str(path)


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_embedded_defaults_and_sample_registry(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = load_settings()
    assert settings.database.url == f"sqlite:///{tmp_path / 'xdg' / 'annual-report-monitor' / 'data' / 'monitor.db'}"
    assert {a.id for a in settings.agency} == {"weibin", "weibin-office", "pingtan"}


@pytest.mark.parametrize("toml,expected", [
    ('[database]\nurl = "x"\nbogus = 1\n', "database.bogus: 未知的配置项"),
    ("[mail]\nsmtp_port = 99999\n", "mail.smtp_port"),
    ('[[agency]]\nid = "a"\nname = "某局"\nkind = "dept"\n', "agency.0.kind"),
    ('[[agency]]\nid = "a"\nname = "某县人民政府"\nkind = "government"\n', "必须给出 level"),
    ('[[agency]]\nid = "a"\nname = "某局"\nkind = "department"\ndeadline = "1-28"\n', "MM-DD"),
    ('[[agency]]\nid = "a"\nname = "某局"\nkind = "department"\nparent = "zz"\n', "不在登记册中"),
    ("[database\n", "TOML 语法错误"),
])
def test_bad_configuration_names_file_key_and_reason(tmp_path, toml, expected):
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_cli_refuses_a_bad_config_with_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[crawl]\ntimeout_s = -1\n", encoding="utf-8")
    result = _run("init", "--config", str(path))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "crawl.timeout_s" in result.output


def test_commands_need_an_initialised_database(tmp_path, database_url, corpus_dir):
    config = _config(tmp_path, database_url,
                     '[[agency]]\nid = "weibin-office"\nname = "卫滨区人民政府办公室"\nkind = "department"\n')
    (tmp_path / "agencies.csv").write_text(CSV_TEXT, encoding="utf-8")
    path = make_url(database_url).database if database_url.startswith("sqlite") else None
    commands = [["agencies", "export"], ["agencies", "sync"], ["agencies", "import", str(tmp_path / "agencies.csv")],
                ["ingest", str(corpus_dir / "weibin-office-2025.txt"), "--agency", "weibin-office"],
                ["reports"], ["findings"], ["findings", "dismiss", "1", "--reason", "x"], ["history", "weibin-office"],
                ["export", "--output", str(tmp_path / "out.csv")]]
    for command in commands:  # only `monitor init` creates a database
        result = _run(*command, "--config", config)
        assert result.exit_code == 2 and result.stdout == "", (command, result.output)
        if path is not None:
            assert result.stderr.strip() == f"数据库文件 {path} 不存在：请先运行 monitor init", command
            assert not Path(path).exists(), command
        else:
            assert result.stderr.strip().endswith("是空的：请先运行 monitor init"), (command, result.stderr)
    assert not (tmp_path / "out.csv").exists()
    assert _run("init", "--config", config).exit_code == 0
    assert _run("agencies", "export", "--config", config).exit_code == 0


CSV_TEXT = """id,name,kind,level,region,parent,listing,supervisors,deadline
xx,某市人民政府,government,prefecture,某省/某市,,https://www.xx.gov.cn/zfxxgknb/,a@example.org;b@example.org,
xx-fgw,某市发展和改革委员会,department,,某省/某市,xx,https://www.xx.gov.cn/fgw/nb/,,01-28
"""


def test_csv_import_and_export_round_trip(tmp_path, database_url):
    config = _config(tmp_path, database_url)
    assert _run("init", "--config", config).exit_code == 0
    source = tmp_path / "agencies.csv"
    source.write_text("\ufeff" + CSV_TEXT, encoding="utf-8")  # Excel writes a BOM
    result = _run("agencies", "import", str(source), "--config", config)
    assert result.exit_code == 0, result.output
    assert result.output == f"已导入（{source}）：新增 2 个，变更 0 个，未变 0 个\n"
    exported = _run("agencies", "export", "--config", config).output
    assert exported.startswith("\ufeff") and not exported.startswith("\ufeff\ufeff")  # for Excel and WPS
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(exported.removeprefix("\ufeff")))}
    assert rows["xx"]["supervisors"] == "a@example.org;b@example.org"
    assert rows["xx-fgw"] == {"id": "xx-fgw", "name": "某市发展和改革委员会", "kind": "department", "level": "",
                              "region": "某省/某市", "parent": "xx", "listing": "https://www.xx.gov.cn/fgw/nb/",
                              "supervisors": "", "deadline": "01-28"}
    # Importing the export again changes nothing.
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    result = _run("agencies", "import", str(again), "--config", config)
    assert result.exit_code == 0 and result.output == f"已导入（{again}）：新增 0 个，变更 0 个，未变 2 个\n"
    assert _run("agencies", "export", "--config", config).output == exported


def test_csv_errors_name_line_field_and_reason_and_import_nothing(tmp_path, database_url):
    config = _config(tmp_path, database_url)
    _run("init", "--config", config)
    before = _run("agencies", "export", "--config", config).output
    source = tmp_path / "bad.csv"
    source.write_text(
        "id,name,kind,level,region,parent,listing,supervisors,deadline\n"
        "ok,某局,department,,,,,,\n"
        "bad id,某局,department,,,,,,\n"
        "b,某局,township,,,,ftp://x,,\n"
        "c,某局,department,,,,,not-an-address,13-01\n",
        encoding="utf-8",
    )
    result = _run("agencies", "import", str(source), "--config", config)
    assert result.exit_code == 2
    assert f"{source}:3: id:" in result.output
    assert f"{source}:4: listing:" in result.output and "ftp://x" in result.output
    assert f"{source}:5: supervisors:" in result.output and f"{source}:5: deadline:" in result.output
    assert _run("agencies", "export", "--config", config).output == before


def test_csv_row_with_more_fields_than_the_header_is_refused(tmp_path, database_url):
    config = _config(tmp_path, database_url)
    _run("init", "--config", config)
    before = _run("agencies", "export", "--config", config).output
    source = tmp_path / "bad.csv"
    source.write_text("id,name,kind,region\n"
                      "a,某局,department,某省\n"
                      "b,某省,某市局,department,某省\n"  # an unquoted comma in a name
                      'c,"某省,某市局",department,某省\n', encoding="utf-8")
    result = _run("agencies", "import", str(source), "--config", config)
    assert result.exit_code == 2
    assert result.output.strip() == f"{source}:3: 这一行有 5 个字段，比表头多 1 个（含逗号的值请加英文双引号）"
    assert _run("agencies", "export", "--config", config).output == before


def test_csv_with_unknown_column_is_refused(tmp_path, database_url):
    config = _config(tmp_path, database_url)
    _run("init", "--config", config)
    source = tmp_path / "bad.csv"
    source.write_text("id,name,kind,colour\na,某局,department,red\n", encoding="utf-8")
    result = _run("agencies", "import", str(source), "--config", config)
    assert result.exit_code == 2 and "未知的列 colour" in result.output


def test_the_registry_of_monitor_toml_is_applied_by_init_and_sync_only(tmp_path, database_url):
    office = '[[agency]]\nid = "weibin-office"\nname = "卫滨区人民政府办公室"\nkind = "department"\n'
    config = _config(tmp_path, database_url, office)
    result = _run("init", "--config", config)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == f"登记册（{config}）：新增 1 个，变更 0 个，未变 0 个"
    before = _run("agencies", "export", "--config", config)
    assert before.stderr == ""  # the file and the database agree: no notice
    # The file changes: other commands say so on stderr and change nothing.
    _config(tmp_path, database_url, office.replace("卫滨区人民政府办公室", "新乡市卫滨区人民政府办公室")
            + '[[agency]]\nid = "pingtan"\nname = "平潭综合实验区"\nkind = "government"\nlevel = "prefecture"\n')
    notice = (f"注意：{config} 的登记册与数据库不同（新增 1 个，变更 1 个，未变 0 个），未应用；"
              "要应用请运行 monitor agencies sync")
    for command in (["agencies", "export"], ["reports"], ["findings"], ["history", "weibin-office"]):
        result = _run(*command, "--config", config)
        assert result.exit_code == 0 and result.stderr.strip() == notice, (command, result.stderr)
    unchanged = _run("agencies", "export", "--config", config)
    assert unchanged.stdout == before.stdout
    # `monitor agencies sync` applies it.
    result = _run("agencies", "sync", "--config", config)
    assert result.exit_code == 0 and result.stdout == f"已应用登记册（{config}）：新增 1 个，变更 1 个，未变 0 个\n"
    after = _run("agencies", "export", "--config", config)
    assert after.stderr == ""
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(after.stdout.removeprefix("\ufeff")))}
    assert (rows["weibin-office"]["name"], rows["pingtan"]["level"]) == ("新乡市卫滨区人民政府办公室", "prefecture")
    again = _run("init", "--config", config)
    assert again.exit_code == 0
    assert again.stdout.splitlines()[:2] == [f"数据库已就绪（已是最新）：{_display(database_url)}",
                                             f"登记册（{config}）：新增 0 个，变更 0 个，未变 2 个"]


def _display(url: str) -> str:
    """How commands name a database: a SQLite file by its path, a server by its URL without the password."""
    parsed = make_url(url)
    return parsed.database if parsed.get_backend_name() == "sqlite" else parsed.render_as_string(hide_password=True)


def test_ingest_command(tmp_path, database_url, corpus_dir):
    config = _config(tmp_path, database_url,
                     '[[agency]]\nid = "weibin-office"\nname = "卫滨区人民政府办公室"\nkind = "department"\n')
    _run("init", "--config", config)
    path = str(corpus_dir / "weibin-office-2025.txt")
    first = _run("ingest", path, "--agency", "weibin-office", "--config", config, "--now", "2026-02-01T09:00:00+08:00")
    assert first.exit_code == 0 and "第1版：已入库" in first.output
    again = _run("ingest", path, "--agency", "weibin-office", "--config", config)
    assert again.exit_code == 0 and "内容未变" in again.output
    other_year = _run("ingest", path, "--agency", "weibin-office", "--year", "2024", "--config", config)
    assert other_year.exit_code == 2 and "文件中的报告年度为 2025 年，与指定的 2024 年不符" in other_year.stderr
    unknown = _run("ingest", path, "--agency", "nobody", "--config", config)
    assert unknown.exit_code == 2 and "登记册中没有机关 nobody" in unknown.output


def test_a_failed_statistics_refresh_only_warns(tmp_path, database_url, corpus_dir, monkeypatch):
    config = _config(tmp_path, database_url,
                     '[[agency]]\nid = "weibin-office"\nname = "卫滨区人民政府办公室"\nkind = "department"\n')
    _run("init", "--config", config)

    def refused(engine):
        raise OperationalError("ANALYZE", {}, PermissionError("must be owner of table reports"))

    monkeypatch.setattr(cli_data, "refresh_statistics", refused)
    result = _run("ingest", str(corpus_dir / "weibin-office-2025.txt"), "--agency", "weibin-office",
                  "--config", config)
    assert result.exit_code == 0 and "第1版：已入库" in result.stdout
    assert "未能更新查询统计信息（PermissionError）" in result.stderr
