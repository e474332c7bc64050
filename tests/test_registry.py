"""Configuration and the agency registry: validation messages, CSV import/export, through the CLI."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
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
    settings = load_settings()
    assert settings.database.url == "sqlite:///data/monitor.db"
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


def test_commands_need_an_initialised_database(tmp_path, database_url):
    config = _config(tmp_path, database_url)
    result = _run("agencies", "export", "--config", config)
    assert result.exit_code == 2 and "monitor init" in result.output


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
    assert "已导入 2 个机关" in result.output
    exported = _run("agencies", "export", "--config", config).output
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert rows["xx"]["supervisors"] == "a@example.org;b@example.org"
    assert rows["xx-fgw"] == {"id": "xx-fgw", "name": "某市发展和改革委员会", "kind": "department", "level": "",
                              "region": "某省/某市", "parent": "xx", "listing": "https://www.xx.gov.cn/fgw/nb/",
                              "supervisors": "", "deadline": "01-28"}
    # Importing the export again changes nothing.
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    assert _run("agencies", "import", str(again), "--config", config).exit_code == 0
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


def test_csv_with_unknown_column_is_refused(tmp_path, database_url):
    config = _config(tmp_path, database_url)
    _run("init", "--config", config)
    source = tmp_path / "bad.csv"
    source.write_text("id,name,kind,colour\na,某局,department,red\n", encoding="utf-8")
    result = _run("agencies", "import", str(source), "--config", config)
    assert result.exit_code == 2 and "未知的列 colour" in result.output


def test_ingest_command(tmp_path, database_url, corpus_dir):
    config = _config(tmp_path, database_url,
                     '[[agency]]\nid = "weibin-office"\nname = "卫滨区人民政府办公室"\nkind = "department"\n')
    _run("init", "--config", config)
    path = str(corpus_dir / "weibin-office-2025.txt")
    first = _run("ingest", path, "--agency", "weibin-office", "--config", config, "--now", "2026-02-01T09:00:00+08:00")
    assert first.exit_code == 0 and "第1版：已入库" in first.output
    again = _run("ingest", path, "--agency", "weibin-office", "--config", config)
    assert again.exit_code == 0 and "内容未变" in again.output
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
