"""Hostile input through the real command line (issue 9): no traceback ever, one Chinese line instead.

Out-of-range option values, a crash and an interrupt, configuration nested thousands deep, CSV fields
beyond the csv module's limit; and agency-supplied text (names, messages, addresses) that tries to
drive the operator's terminal or a spreadsheet: escape sequences are removed from tables and CSV,
formula-like cells are written as text, and an export never replaces a link, a device or a pipe."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from monitor.cli import main
from monitor.cli_audit import csv_text, render_table
from monitor.config import ConfigError, load_settings
from monitor.pipeline import ingest
from monitor.store import Store
from monitor.store.database import make_engine
from monitor.text import csv_cell, printable, spreadsheet_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "monitor" / "samples" / "weibin-office-2025.txt"
NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
NAME = '=HYPERLINK("http://evil.example/","点我")'
HOSTILE_REGION = "\x1b[2J\x1b]0;pwned\x07河南省/\x9b31m新乡市\x08"
HOSTILE_MESSAGE = "@SUM(1)\x1b[2J\x1b]0;pwned\x07，\x9b2J清屏\x08\r\n第二行"
REGISTRY = f"""
[[agency]]
id = "weibin-office"
name = '{NAME}'
kind = "department"
region = {json.dumps(HOSTILE_REGION)}
"""
# What a terminal must never receive from data (click.style's own bold/colour codes are allowed).
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
STYLES = re.compile(r"\x1b\[(?:\d+;)*\d*m")


def _invoke(*args: str, env: dict[str, str] | None = None, color: bool = False):
    return CliRunner().invoke(main, list(args), env=env, color=color)


def assert_refused(result, *words: str) -> str:
    """Exit status 2, nothing on stdout, one line on stderr (Chinese, no traceback) with `words`."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    line = result.stderr
    assert line.endswith("\n") and line.count("\n") == 1, line
    assert "Traceback" not in line and re.search(r"[\u4e00-\u9fff]", line), line
    for word in words:
        assert word in line, (word, line)
    return line


# --- option values -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sqlite_config(tmp_path_factory) -> Path:
    """monitor.toml of an initialised SQLite database with the sample stored (finding #1 exists)."""
    folder = tmp_path_factory.mktemp("options")
    path = folder / "monitor.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{folder / "monitor.db"}"\n'
                    '[[agency]]\nid = "weibin-office"\nname = "卫滨区人民政府办公室"\nkind = "department"\n',
                    encoding="utf-8")
    assert _invoke("init", "--config", str(path)).exit_code == 0
    store = Store(make_engine(f"sqlite:///{folder / 'monitor.db'}"))
    try:
        ingest(store, "weibin-office", str(SAMPLE), data=SAMPLE.read_bytes(), now=NOW)
    finally:
        store.close()
    return path


HUGE = "99999999999999999999"


@pytest.mark.parametrize("args,words", [
    (("check", str(SAMPLE), "--year", HUGE), ("--year", "2008–2100", HUGE)),
    (("check", str(SAMPLE), "--year", "二〇二五"), ("--year", "2008–2100")),
    (("check", str(SAMPLE), "--year", "1" * 5000), ("--year", "…")),
    (("ingest", str(SAMPLE), "--agency", "weibin-office", "--year", HUGE), ("--year", "2008–2100")),
    (("ingest", str(SAMPLE), "--agency", "weibin-office", "--year", "-5"), ("--year",)),
    (("reports", "--year", HUGE), ("--year",)),
    (("findings", "--year", "1900"), ("--year",)),
    (("history", "weibin-office", "--year", HUGE), ("--year",)),
    (("export", "--year", HUGE), ("--year",)),
    (("findings", "confirm", str(10**30), "--reason", "x"), ("ID", "编号", str(2**63 - 1))),
    (("findings", "dismiss", str(2**63), "--reason", "x"), ("ID", "编号")),
    (("findings", "confirm", "0", "--reason", "x"), ("ID",)),
    (("findings", "confirm", "abc", "--reason", "x"), ("ID",)),
    (("findings", "--now", "9999-12-31T23:59:59"), ("--now", "1970", "9998")),
    (("findings", "--now", "0001-01-01T00:00:00+14:00"), ("--now",)),
    (("findings", "confirm", "1", "--reason", "x", "--now", "9999-12-31T23:59:59"), ("--now",)),
    (("history", "weibin-office", "--now", "9999-12-31"), ("--now",)),
    (("ingest", str(SAMPLE), "--agency", "weibin-office", "--now", "0001-01-01T00:00:00"), ("--now",)),
    (("reports", "--since", "0001-01-01"), ("--since", "1970", "9998")),
    (("findings", "--since", "9999-12-31T23:59:59-12:00"), ("--since",)),
    (("history", "weibin-office", "--since", "0001-01-01"), ("--since",)),
])
def test_out_of_range_option_values_are_one_chinese_line(sqlite_config, args, words):
    result = _invoke(*args, "--config", str(sqlite_config)) if args[0] != "check" else _invoke(*args)
    assert_refused(result, *words)


def test_values_in_range_still_work(sqlite_config):
    config = ("--config", str(sqlite_config))
    assert _invoke("check", str(SAMPLE), "--year", "2025").exit_code == 1  # the sample's error finding
    assert _invoke("reports", "--year", "2025", "--since", "1970-01-01", *config).exit_code == 0
    listed = _invoke("findings", "--format", "json", "--now", "9998-12-31T23:59:59", *config)
    assert listed.exit_code == 0 and json.loads(listed.stdout)
    finding = json.loads(listed.stdout)[0]["id"]
    confirmed = _invoke("findings", "confirm", str(finding), "--reason", "核实", "--now", "2026-02-02", *config)
    assert confirmed.exit_code == 0, confirmed.output
    missing = _invoke("findings", "confirm", str(2**63 - 1), "--reason", "核实", *config)
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr


# --- crashes and interrupts ----------------------------------------------------------------------

def _boom(*_args, **_kwargs):
    raise RuntimeError("意外的错误\n第二行")


@pytest.fixture
def no_debug_handler():
    yield
    logger = logging.getLogger("monitor")
    for handler in [h for h in logger.handlers if h.name == "monitor-debug"]:
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def test_a_crash_is_one_line_and_exit_status_3(monkeypatch, caplog, no_debug_handler):
    monkeypatch.setattr("monitor.pipeline.check", _boom)
    with caplog.at_level(logging.ERROR, logger="monitor"):
        result = _invoke("check", str(SAMPLE))
    assert result.exit_code == 3  # never 1, which means "error findings"
    assert result.stdout == ""
    assert result.stderr == "monitor: 内部错误（RuntimeError）：意外的错误；详细信息已写入日志\n"
    [record] = [r for r in caplog.records if r.name == "monitor"]
    assert record.exc_info and record.exc_info[0] is RuntimeError  # the traceback is in the log


def test_monitor_debug_shows_the_traceback_on_stderr(monkeypatch, no_debug_handler):
    monkeypatch.setattr("monitor.pipeline.check", _boom)
    result = _invoke("check", str(SAMPLE), env={"MONITOR_DEBUG": "1"})
    assert result.exit_code == 3
    assert "Traceback" in result.stderr and "RuntimeError: 意外的错误" in result.stderr
    assert result.stderr.endswith("monitor: 内部错误（RuntimeError）：意外的错误；详细信息已写入日志\n")
    quiet = _invoke("check", str(SAMPLE))  # without it, the handler is gone again
    assert quiet.exit_code == 3 and "Traceback" not in quiet.stderr


def test_a_crash_in_a_database_command_is_exit_status_3(sqlite_config, monkeypatch):
    def broken(*_args, **_kwargs):
        raise sa.exc.StatementError("(builtins.OverflowError) date value out of range", "SELECT 1", {}, None)

    monkeypatch.setattr("monitor.store.audit.reports", broken)
    result = _invoke("reports", "--config", str(sqlite_config))
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.startswith("monitor: 内部错误（StatementError）：(builtins.OverflowError) date value")
    assert result.stderr.count("\n") == 1


def test_an_exception_without_a_message(monkeypatch):
    def empty(*_args, **_kwargs):
        raise KeyError

    monkeypatch.setattr("monitor.pipeline.check", empty)
    result = _invoke("check", str(SAMPLE))
    assert result.exit_code == 3 and result.stderr == "monitor: 内部错误（KeyError）：（无说明）；详细信息已写入日志\n"


def test_ctrl_c_exits_with_130(monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("monitor.pipeline.check", interrupted)
    result = _invoke("check", str(SAMPLE))
    assert result.exit_code == 130 and result.stderr.strip() == "monitor: 已中断"


def test_usage_errors_stay_clicks():
    result = _invoke("check")
    assert result.exit_code == 2 and "Usage:" in result.stderr and "Missing argument" in result.stderr
    result = _invoke("check", str(SAMPLE), "--kind", "bogus")
    assert result.exit_code == 2 and "Invalid value for '--kind'" in result.stderr


def test_the_help_of_check_documents_exit_status_3():
    result = _invoke("check", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "2 unreadable input or not a report, 3 internal error" in text and "130 interrupted" in text


_CRASHING = """
import sys
import monitor.pipeline

def boom(*args, **kwargs):
    raise RuntimeError("意外的错误")

monitor.pipeline.check = boom
from monitor.cli import main
sys.argv = ["monitor", "check", "whatever.txt"]
main()
"""


def _python(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    environment = {"PYTHONIOENCODING": "utf-8", "PATH": "", **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=kwargs.pop("capture_output", True),
                          text=True, timeout=120, env=environment, **kwargs)


def test_the_console_script_prints_one_line_and_no_traceback():
    """As the installed `monitor` runs (no log handler configured): nothing but the line on stderr."""
    proc = _python("-c", _CRASHING)
    assert proc.returncode == 3 and proc.stdout == ""
    assert proc.stderr == "monitor: 内部错误（RuntimeError）：意外的错误；详细信息已写入日志\n"
    debug = _python("-c", _CRASHING, env={"MONITOR_DEBUG": "1"})
    assert debug.returncode == 3 and "Traceback (most recent call last)" in debug.stderr


def test_a_closed_output_pipe_is_not_a_finding_nor_a_traceback():
    """`monitor check … | head -0`: the reader went away before the first line."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = _python("-m", "monitor.cli", "check", str(SAMPLE), stdout=write_end, stderr=subprocess.PIPE,
                       capture_output=False)
    finally:
        os.close(write_end)
    assert proc.returncode == 141 and proc.stderr == ""


# --- configuration nested thousands deep ---------------------------------------------------------

@pytest.mark.parametrize("value", [
    "[" * 2000 + "]" * 2000,
    "[" * 100_000 + "]" * 100_000,
    "{a = " * 2000 + "1" + "}" * 2000,
])
def test_deeply_nested_configuration_is_one_line(tmp_path, value):
    path = tmp_path / "deep.toml"
    path.write_text(f"[mail]\nsmtp_port = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: ") and "嵌套" in str(caught.value)
    assert_refused(_invoke("init", "--config", str(path)), str(path), "嵌套")


def test_moderately_nested_values_are_still_explained(tmp_path):
    path = tmp_path / "nested.toml"
    path.write_text("[mail]\nsmtp_port = " + "[" * 50 + "]" * 50 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "mail.smtp_port: 应为整数" in str(caught.value)


# --- CSV fields beyond the csv module's limit ----------------------------------------------------

LONG = "x" * 200_000


def test_an_overlong_registry_csv_field_names_file_and_line(sqlite_config, tmp_path):
    config = ("--config", str(sqlite_config))
    before = _invoke("agencies", "export", *config).stdout
    source = tmp_path / "agencies.csv"
    source.write_text("id,name,kind\nxa,某局,department\n" f'xb,"{LONG}",department\nxc,某局,department\n',
                      encoding="utf-8")
    assert_refused(_invoke("agencies", "import", str(source), *config), f"{source}:3:", "131072")
    source.write_text(f"id,name,kind,{LONG}\nxa,某局,department\n", encoding="utf-8")
    assert_refused(_invoke("agencies", "import", str(source), *config), f"{source}:1:", "131072")
    assert _invoke("agencies", "export", *config).stdout == before  # nothing imported


def test_an_overlong_manifest_field_names_file_and_line(sqlite_config, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"agency,location\nweibin-office,{SAMPLE}\nweibin-office,{LONG}\n", encoding="utf-8")
    result = _invoke("ingest", "--manifest", str(manifest), "--config", str(sqlite_config))
    assert_refused(result, f"{manifest}:3:", "131072")
    manifest.write_text(f'agency,location\n"{LONG}\n', encoding="utf-8")  # an unclosed quote
    result = _invoke("ingest", "--manifest", str(manifest), "--config", str(sqlite_config))
    assert_refused(result, f"{manifest}:2:", "双引号")


# --- hostile text in what is printed and exported ------------------------------------------------

def test_printable_removes_escape_sequences_and_controls():
    assert printable("卫滨区\x1b[2J\x1b[1;31m办公室\x1b[0m") == "卫滨区办公室"
    assert printable("a\x1b]0;title\x07b\x1b]8;;http://x\x1b\\c\x9d2;t\x9cd") == "abcd"
    assert printable("a\x9b31mb\x1bPq#0;2\x1b\\c\x1bcd\x1b(Be") == "abcde"
    assert printable("x\x1b]unterminated 文本") == "xunterminated 文本"  # only the introducer goes
    assert printable("一\t二\n三\r\n四\r五\x00\x07\x08\x7f\x85") == "一\t二\n三\n四\n五"
    assert printable("平常的文本，（一）主动公开 3,351 条") == "平常的文本，（一）主动公开 3,351 条"


def test_spreadsheet_cells():
    assert spreadsheet_text(-3) == -3 and spreadsheet_text(1.5) == 1.5 and spreadsheet_text(None) is None
    for text in ("=1+1", "+1", "-3", "@SUM(A1)", "\tx", "\r=1"):
        assert spreadsheet_text(text) == "'" + text
    assert spreadsheet_text("卫滨区") == "卫滨区" and spreadsheet_text("") == ""
    assert csv_cell("\x1b[31m=1+1") == "'=1+1"
    assert csv_text([{"n": -3, "s": "-3", "f": 1.5, "t": "=1+1", "e": {"a": "=x"}}], ["n", "s", "f", "t", "e"]) == (
        'n,s,f,t,e\n-3,\'-3,1.5,\'=1+1,"{""a"": ""=x""}"\n')


def test_tables_show_no_escape_sequences():
    table = render_table(["名称", "数"], [[HOSTILE_MESSAGE, -3]], flexible=(0,), width=200)
    assert not FORBIDDEN.search(table) and "@SUM(1)，清屏 第二行" in table and "-3" in table


class Hostile:
    """A database whose agency name is a formula, whose region carries escape sequences, and whose
    findings' messages and report address do both; and monitor.toml naming the same registry."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.config = tmp_path / "monitor.toml"
        self.config.write_text(f'[database]\nurl = "{url}"\n{REGISTRY}', encoding="utf-8")
        assert load_settings(self.config).agency[0].region == HOSTILE_REGION
        assert self.run("init").exit_code == 0
        self.store = Store(make_engine(url))
        ingest(self.store, "weibin-office", str(SAMPLE), data=SAMPLE.read_bytes(), now=NOW)
        with self.store.engine.begin() as connection:
            connection.execute(sa.text("UPDATE findings SET message = :m"), {"m": HOSTILE_MESSAGE})
            connection.execute(sa.text("UPDATE reports SET url = :u"), {"u": "http://x/\x1b]8;;http://evil\x07r"})
            key = connection.execute(sa.text("SELECT report_id, table_key, row_key, field_key FROM report_values "
                                             "ORDER BY 1, 2, 3, 4")).first()
            connection.execute(sa.text("UPDATE report_values SET value = -3 WHERE report_id = :r AND table_key = :t "
                                       "AND row_key = :w AND field_key = :f"),
                               dict(zip("rtwf", key, strict=True)))

    def run(self, *args: str, code: int = 0, color: bool = True):
        result = CliRunner().invoke(main, [*args, "--config", str(self.config)], color=color,
                                    env={"COLUMNS": "400"})
        assert result.exit_code == code, (args, result.output, result.exception)
        return result


@pytest.fixture
def hostile(database_url, tmp_path):
    environment = Hostile(database_url, tmp_path)
    yield environment
    environment.store.close()


def test_tables_and_history_strip_escape_sequences(hostile):
    for args in (("findings",), ("reports",), ("history", "weibin-office")):
        output = STYLES.sub("", hostile.run(*args).stdout)
        assert not FORBIDDEN.search(output), (args, repr(output))
    history = STYLES.sub("", hostile.run("history", "weibin-office").stdout)
    assert f"{NAME}（weibin-office）  部门  河南省/新乡市" in history
    assert "@SUM(1)，清屏 第二行" in hostile.run("findings").stdout


def test_json_keeps_the_exact_text(hostile):
    [finding, *_] = json.loads(hostile.run("findings", "--format", "json").stdout)
    assert finding["message"] == HOSTILE_MESSAGE and finding["agency_name"] == NAME
    data = json.loads(hostile.run("history", "weibin-office", "--format", "json").stdout)
    assert data["agency"]["region"] == HOSTILE_REGION


def test_csv_listings_are_printable_and_formula_safe(hostile):
    text = hostile.run("findings", "--format", "csv").stdout
    assert not FORBIDDEN.search(text.replace("\n", ""))
    [row, *_] = csv.DictReader(io.StringIO(text))
    assert row["message"] == "'@SUM(1)，清屏\n第二行" and row["agency_name"] == "'" + NAME
    assert row["year"] == "2025" and int(row["id"]) > 0  # numbers are not prefixed
    timeline = list(csv.DictReader(io.StringIO(hostile.run("history", "weibin-office", "--format", "csv").stdout)))
    assert {r["detail"] for r in timeline} >= {"http://x/r", "'@SUM(1)，清屏\n第二行"}


def test_the_csv_export_is_printable_and_formula_safe(hostile):
    output = hostile.tmp / "history.csv"
    hostile.run("export", "--output", str(output))
    text = output.read_text(encoding="utf-8-sig")
    assert not FORBIDDEN.search(text.replace("\r\n", ""))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == "'" + NAME and rows[1][2] == "河南省/新乡市"
    assert all(row[1] == "'" + NAME for row in rows[1:])
    values = [row[-1] for row in rows[1:]]
    assert values.count("-3") == 1 and not any(value.startswith("'") for value in values)  # numbers stay numbers


def test_the_xlsx_export_writes_formula_like_text_as_text(hostile):
    output = hostile.tmp / "history.xlsx"
    hostile.run("export", "--output", str(output))
    sheet = openpyxl.load_workbook(output).active
    rows = list(sheet.iter_rows())
    first = rows[1]
    assert first[1].value == NAME and first[1].data_type == "s"  # not "f": never evaluated
    assert first[2].value == "河南省/新乡市"
    assert not any(cell.data_type == "f" for row in rows for cell in row)
    [negative] = [row[-1] for row in rows[1:] if row[-1].value == -3]
    assert negative.data_type == "n"  # a negative number stays a number


def test_the_registry_export_is_formula_safe_and_reads_back(hostile):
    exported = hostile.run("agencies", "export").stdout
    assert not FORBIDDEN.search(exported.replace("\r\n", ""))
    [row] = csv.DictReader(io.StringIO(exported.removeprefix("\ufeff")))
    assert row["name"] == "'" + NAME and row["region"] == "河南省/新乡市"
    again = hostile.tmp / "again.csv"
    again.write_text(exported, encoding="utf-8")
    imported = hostile.run("agencies", "import", str(again), color=False).stdout
    assert "变更 1 个" in imported  # the region lost its escape sequences; the name is the same
    data = json.loads(hostile.run("history", "weibin-office", "--format", "json").stdout)
    assert data["agency"]["name"] == NAME and data["agency"]["region"] == "河南省/新乡市"


def test_ingest_lines_are_printable(sqlite_config, tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text('agency,location\nweibin-office,"missing\x1b]0;pwned\x07.txt"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", "--manifest", str(manifest), "--config", str(sqlite_config)],
                                color=True)
    assert result.exit_code == 2 and "missing.txt" in result.stderr
    assert not FORBIDDEN.search(result.stderr.replace("\n", "")), repr(result.stderr)


# --- export files: never over an existing file without --force, never over a link, device or pipe -

@pytest.mark.parametrize("command", [("agencies", "export", "-o"), ("export", "--output")])
def test_exports_replace_regular_files_only(hostile, command):
    output = hostile.tmp / "out.csv"
    hostile.run(*command, str(output))
    first = output.read_bytes()
    assert first.startswith(b"\xef\xbb\xbf")
    output.write_text("旧内容", encoding="utf-8")
    refused = hostile.run(*command, str(output), code=2, color=False)
    assert_refused(refused, str(output), "已存在", "--force")
    assert output.read_text(encoding="utf-8") == "旧内容"
    hostile.run(*command, str(output), "--force")
    assert output.read_bytes() == first

    target = hostile.tmp / "target.txt"
    target.write_text("别动", encoding="utf-8")
    link = hostile.tmp / "link.csv"
    link.symlink_to(target)
    assert_refused(hostile.run(*command, str(link), "--force", code=2, color=False), str(link), "符号链接")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "别动"
    dangling = hostile.tmp / "dangling.csv"
    dangling.symlink_to(hostile.tmp / "nowhere")
    assert_refused(hostile.run(*command, str(dangling), code=2, color=False), "符号链接")
    assert not (hostile.tmp / "nowhere").exists()

    fifo = hostile.tmp / "pipe.csv"
    os.mkfifo(fifo)
    assert_refused(hostile.run(*command, str(fifo), "--force", code=2, color=False), str(fifo), "不是普通文件")
    assert_refused(hostile.run(*command, os.devnull, "--force", code=2, color=False), "不是普通文件")
    assert not list(hostile.tmp.glob(".*.part"))  # no temporary file left behind
