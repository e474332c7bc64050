"""monitor/config.py: reading the file, Chinese messages for every problem, the database URL, paths."""

from __future__ import annotations

import errno
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import make_url

from monitor import config
from monitor.config import (
    EMBEDDED_SOURCE,
    Agency,
    ConfigError,
    Settings,
    format_errors,
    load_settings,
)

# Fragments of pydantic's (or Python's) English messages that must never reach the user.
ENGLISH = re.compile(r"Input should|Field required|Extra inputs|Value error|valid (integer|string|number|boolean)"
                     r"|should be|greater than|less than|at least|at most|Invalid|Expected|Traceback|Error\b")


def _write(tmp_path: Path, text: str, name: str = "monitor.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    lines = str(caught.value).splitlines()
    assert lines, "an empty message"
    for line in lines:
        assert line.startswith(f"{path}:"), line
        assert not ENGLISH.search(line), line
        assert re.search(r"[\u4e00-\u9fff]", line), line  # says something in Chinese
    return lines


def _line(lines: list[str], key: str) -> str:
    found = [line for line in lines if f": {key}: " in line]
    assert len(found) == 1, (key, lines)
    return found[0]


@pytest.fixture(autouse=True)
def _user_data(tmp_path, monkeypatch):
    """Every test gets its own per-user data directory and a current directory without monitor.toml."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


# --- reading the file ----------------------------------------------------------------------------

def test_a_utf8_file_with_bom_is_accepted(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_bytes("\ufeff[mail]\nsender = \"监测 <m@example.org>\"\n".encode())
    assert load_settings(path).mail.sender == "监测 <m@example.org>"


def test_a_gbk_file_is_refused_with_one_line(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_bytes('[[agency]]\nid = "a"\nname = "卫滨区人民政府办公室"\nkind = "department"\n'.encode("gbk"))
    assert _refused(path) == [f"{path}: 不是 UTF-8 编码的文本文件（请以 UTF-8 保存）"]


def test_a_utf16_file_is_refused_with_the_same_line(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_bytes('[mail]\nsender = "监测"\n'.encode("utf-16"))  # Notepad's "Unicode"
    assert _refused(path) == [f"{path}: 不是 UTF-8 编码的文本文件（请以 UTF-8 保存）"]


def test_a_directory_is_not_a_configuration_file(tmp_path):
    folder = tmp_path / "etc"
    folder.mkdir()
    assert _refused(folder) == [f"{folder}: 是目录，不是配置文件"]


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    assert _refused(path) == [f"{path}: 配置文件不存在"]


def test_an_unreadable_file_says_why(tmp_path, monkeypatch):
    path = _write(tmp_path, "[mail]\n")

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    assert _refused(path) == [f"{path}: 无法读取配置文件：没有读取权限"]


@pytest.mark.parametrize("text,line,column,reason", [
    ("[database\n", 1, 10, "表名缺少结尾的 ]"),
    ('[mail]\nsender = 卫滨区\n', 2, 10, "文本要用英文双引号"),
    ('[mail]\nsender = “卫滨区”\n', 2, 10, "英文半角符号"),
    ("[mail]\nsmtp_port = 25\nsmtp_port = 26\n", 3, 15, "重复定义了同一个键"),
    ('[mail]\nsender = "abc\n', 2, 14, "缺少结尾的引号"),
    ("[mail]\nsmtp_host 127.0.0.1\n", 2, 11, "键之后缺少 ="),
])
def test_toml_syntax_errors_in_chinese_with_line_and_column(tmp_path, text, line, column, reason):
    path = _write(tmp_path, text)
    [message] = _refused(path)
    assert message.startswith(f"{path}: TOML 语法错误（第 {line} 行第 {column} 列）："), message
    assert reason in message


# --- keys ----------------------------------------------------------------------------------------

def test_unknown_keys_are_refused_and_the_known_ones_listed(tmp_path):
    path = _write(tmp_path, '[mail]\nsmtp-host = "x"\n[databse]\nurl = "sqlite:///a.db"\n')
    lines = _refused(path)
    assert _line(lines, "mail.smtp-host").endswith("未知的配置项（此处可用：smtp_host、smtp_port、starttls、tls、"
                                                   "username、sender、outbox_dir、repeat_after_days、remind_days、"
                                                   "timeout_s、max_attempts）")
    assert "未知的配置项（此处可用：database、mail、schedule、crawl、agency）" in _line(lines, "databse")


def test_internal_fields_cannot_be_set_in_the_file(tmp_path):
    path = _write(tmp_path, 'source = "x"\nbase_dir = "/"\n')
    lines = _refused(path)
    assert "未知的配置项" in _line(lines, "source") and "未知的配置项" in _line(lines, "base_dir")


@pytest.mark.parametrize("text,key,hint", [
    ('[mail]\npassword = "hunter2"\n', "mail.password", "MONITOR_SMTP_PASSWORD"),
    ('[mail]\nsmtp_password = "hunter2"\n', "mail.smtp_password", "MONITOR_SMTP_PASSWORD"),
    ('[database]\npassword = "hunter2"\n', "database.password", "PGPASSWORD"),
])
def test_secrets_are_never_in_the_file(tmp_path, text, key, hint):
    path = _write(tmp_path, text)
    line = _line(_refused(path), key)
    assert "不能写在配置文件中" in line and hint in line and "hunter2" not in line


AGENCY = '[[agency]]\nid = "a"\nname = "某局"\nkind = "department"\n'


# (TOML, pydantic error type it produces, key, what the Chinese reason says)
USER_ERRORS = [
    ('[[agency]]\nid = "a"\nname = "某局"\n', "missing", "agency.0.kind", "缺少必填项"),
    ('[crawl]\nspeed = 1\n', "extra_forbidden", "crawl.speed", "未知的配置项"),
    ('[[agency]]\nid = "a"\nname = "某局"\nkind = "dept"\n', "literal_error", "agency.0.kind",
     "应为 department、government 或 township 之一，实为文本「dept」"),
    ("[mail]\nsender = 5\n", "string_type", "mail.sender", "应为文本（用英文双引号括起来"),
    ("[mail]\nsmtp_port = [25]\n", "int_type", "mail.smtp_port", "应为整数，实为列表 [25]"),
    ('[mail]\nsmtp_port = "二十五"\n', "int_parsing", "mail.smtp_port", "应为整数，实为文本「二十五」"),
    ("[mail]\nrepeat_after_days = 1.5\n", "int_from_float", "mail.repeat_after_days", "不能有小数部分"),
    ("[crawl]\ntimeout_s = [1]\n", "float_type", "crawl.timeout_s", "应为数字"),
    ('[crawl]\ntimeout_s = "很久"\n', "float_parsing", "crawl.timeout_s", "应为数字，实为文本「很久」"),
    ("[crawl]\ntimeout_s = inf\n", "finite_number", "crawl.timeout_s", "不能是 inf 或 nan"),
    ("[mail]\nstarttls = [true]\n", "bool_type", "mail.starttls", "应为 true 或 false"),
    ('[mail]\nstarttls = "也许"\n', "bool_parsing", "mail.starttls",
     "应为 true 或 false（不加引号），实为文本「也许」"),
    (AGENCY.replace('kind = "department"', 'kind = "department"\nlisting = "https://x.gov.cn/"'),
     "list_type", "agency.0.listing", "应为列表"),
    ('[agency]\nid = "a"\n', "list_type", "agency", "[[agency]]"),
    ("[crawl]\ntimeout_s = 0\n", "greater_than", "crawl.timeout_s", "应大于 0，实为 0"),
    ("[crawl]\nper_host_interval_s = -1\n", "greater_than_equal", "crawl.per_host_interval_s", "应不小于 0，实为 -1"),
    ("[mail]\nsmtp_port = 99999\n", "less_than_equal", "mail.smtp_port", "应不大于 65535，实为 99999"),
    ('[[agency]]\nid = "a"\nname = "局"\nkind = "department"\n', "string_too_short", "agency.0.name",
     "至少 2 个字符，实为「局」"),
    ('[mail]\noutbox_dir = ""\n', "string_too_short", "mail.outbox_dir", "不能为空"),
    (AGENCY + 'deadline = "1-28"\n', "value_error", "agency.0.deadline", "应为 MM-DD 格式，例如 01-28"),
    ('[[agency]]\nid = "a"\nname = "某县人民政府"\nkind = "government"\n', "value_error", "agency.0",
     "必须给出 level"),
    (AGENCY + AGENCY, "value_error", "agency", "agency id 重复：a"),
    ("mail = 3\n", "model_type", "mail", "应为表（写成一节 [mail]），实为整数 3"),
    ('agency = ["a"]\n', "model_type", "agency.0", "应为表（写成一节 [[agency]]），实为文本「a」"),
]


@pytest.mark.parametrize("text,kind,key,reason", USER_ERRORS)
def test_every_user_error_is_explained_in_chinese(tmp_path, text, kind, key, reason):
    with pytest.raises(ValidationError) as caught:  # the case does produce that pydantic error type
        Settings.model_validate({**tomllib.loads(text), "base_dir": tmp_path})
    assert kind in {item["type"] for item in caught.value.errors()}
    line = _line(_refused(_write(tmp_path, text)), key)
    assert reason in line, line


class _Other(BaseModel):
    """Error types the configuration models cannot produce today, for the translation table."""

    count: int = Field(0, lt=10)
    code: Annotated[str, Field(max_length=3)] = ""
    table: dict[str, int] = {}
    items: Annotated[list[int], Field(min_length=1)] = [1]
    when: float = 0
    flag: None = None


@pytest.mark.parametrize("data,key,reason", [
    ({"count": 10}, "count", "应小于 10，实为 10"),
    ({"code": "abcd"}, "code", "最多 3 个字符，实为 4 个字符"),
    ({"table": 1}, "table", "应为表"),
    ({"items": []}, "items", "至少要有 1 项"),
    ({"flag": 1}, "flag", "取值无效，实为整数 1"),  # any other type: a Chinese fallback
])
def test_other_error_types_are_translated_too(data, key, reason):
    with pytest.raises(ValidationError) as caught:
        _Other(**data)
    line = format_errors("x.toml", caught.value)
    assert line.startswith(f"x.toml: {key}: ") and reason in line, line
    assert not ENGLISH.search(line)


def test_registry_csv_lines_are_chinese_with_their_line_number():
    with pytest.raises(ValidationError) as caught:
        Agency(id="bad id", name="某局", kind="dept", listing=["ftp://x"])
    lines = format_errors("agencies.csv", caught.value, where=":3").splitlines()
    assert lines == [
        "agencies.csv:3: id: 只能包含字母、数字、点、下划线和连字符，且以字母或数字开头",
        "agencies.csv:3: kind: 应为 department、government 或 township 之一，实为文本「dept」",
        "agencies.csv:3: listing: 不是 http(s) 地址：ftp://x",
    ]


# --- the database URL ----------------------------------------------------------------------------

@pytest.mark.parametrize("url,reason", [
    ("x", "无法解析的数据库地址：x"),
    ("", "无法解析的数据库地址"),
    ("mysql+pymysql://u@h/db", "不支持的数据库 mysql（只支持 sqlite 和 postgresql）"),
    ("oracle://h/db", "不支持的数据库 oracle（只支持 sqlite 和 postgresql）"),
    ("postgres://h/db", "不支持的数据库 postgres（请写 postgresql"),
    ("postgresql+asyncpg://h/db", "不支持异步驱动 asyncpg（请改用 postgresql+psycopg）"),
    ("sqlite+aiosqlite:///a.db", "不支持异步驱动 aiosqlite"),
    ("postgresql+odbc://h/db", "未知的 postgresql 数据库驱动 odbc（可用："),
])
def test_bad_database_urls(tmp_path, url, reason):
    path = _write(tmp_path, f'[database]\nurl = "{url}"\n')
    [line] = _refused(path)
    assert line.startswith(f"{path}: database.url: ") and reason in line, line


def test_an_unparseable_url_does_not_show_its_password(tmp_path):
    path = _write(tmp_path, '[database]\nurl = "postgresql://monitor:hunter2@db:port/monitor"\n')
    line = _line(_refused(path), "database.url")
    assert "无法解析的数据库地址" in line and "hunter2" not in line and "monitor:***@db" in line


def test_a_driver_that_is_not_installed(tmp_path, monkeypatch):
    if importlib.util.find_spec("psycopg2") is not None:  # make it look absent
        real = importlib.util.find_spec
        monkeypatch.setattr(config.importlib.util, "find_spec",
                            lambda name, *a: None if name == "psycopg2" else real(name, *a))
    path = _write(tmp_path, '[database]\nurl = "postgresql+psycopg2://monitor@db/monitor"\n')
    assert _line(_refused(path), "database.url").startswith(
        f"{path}: database.url: 数据库驱动 psycopg2 未安装（缺少 Python 模块 psycopg2")


def test_the_driver_is_looked_up_not_imported(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "psycopg", raising=False)
    for name in [m for m in sys.modules if m.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    path = _write(tmp_path, '[database]\nurl = "postgresql://monitor@db/monitor"\n')
    assert load_settings(path).database.url == "postgresql://monitor@db/monitor"  # unchanged
    assert "psycopg" not in sys.modules


# --- paths ---------------------------------------------------------------------------------------

def test_a_relative_sqlite_path_is_relative_to_the_configuration_folder(tmp_path):
    etc = tmp_path / "etc" / "monitor"
    etc.mkdir(parents=True)
    path = _write(etc, '[database]\nurl = "sqlite:///data/monitor.db"\n[mail]\noutbox_dir = "mail/out"\n')
    settings = load_settings(path)
    assert settings.database.url == f"sqlite:///{etc}/data/monitor.db"
    assert make_url(settings.database.url).database == str(etc / "data" / "monitor.db")
    assert settings.mail.outbox_dir == str(etc / "mail" / "out")
    assert settings.base_dir == etc and settings.source == str(path)
    assert not (etc / "data").exists() and not (etc / "mail").exists()  # loading creates nothing


def test_a_relative_configuration_path_gives_an_absolute_base(tmp_path):
    _write(tmp_path / "cwd", '[database]\nurl = "sqlite:///monitor.db"\n', name="site.toml")
    settings = load_settings(Path("site.toml"))
    assert settings.base_dir == tmp_path / "cwd"
    assert settings.database.url == f"sqlite:///{tmp_path}/cwd/monitor.db"


def test_the_default_config_in_the_current_directory(tmp_path):
    _write(tmp_path / "cwd", "[mail]\nrepeat_after_days = 3\n")
    settings = load_settings()
    assert settings.mail.repeat_after_days == 3 and settings.source == "monitor.toml"
    assert settings.base_dir == tmp_path / "cwd"
    assert settings.database.url == f"sqlite:///{tmp_path}/cwd/data/monitor.db"
    assert settings.agency == []  # the file's registry, not the sample


def test_relative_paths_keep_query_normalise_and_stay_readable(tmp_path):
    path = _write(tmp_path, '[database]\nurl = "sqlite:///../库/监测 数据.db?timeout=5"\n')
    url = load_settings(path).database.url
    assert url == f"sqlite:///{tmp_path.parent}/库/监测 数据.db?timeout=5"
    parsed = make_url(url)
    assert parsed.database == str(tmp_path.parent / "库" / "监测 数据.db") and parsed.query == {"timeout": "5"}


@pytest.mark.parametrize("url", [
    "sqlite:///:memory:",
    "sqlite://",
    "sqlite:////var/lib/monitor/monitor.db",
    "sqlite+pysqlite:////var/lib/monitor/monitor.db",
    "postgresql+psycopg://monitor@db.example.org:5432/monitor",
])
def test_memory_absolute_and_server_urls_are_unchanged(tmp_path, url):
    assert load_settings(_write(tmp_path, f'[database]\nurl = "{url}"\n')).database.url == url


def test_an_absolute_outbox_is_unchanged(tmp_path):
    settings = load_settings(_write(tmp_path, '[mail]\noutbox_dir = "/var/spool/monitor"\n'))
    assert settings.mail.outbox_dir == "/var/spool/monitor"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux convention")
def test_embedded_defaults_live_in_the_user_data_directory(tmp_path):
    settings = load_settings()
    data = tmp_path / "xdg" / "annual-report-monitor"
    assert settings.source == EMBEDDED_SOURCE and settings.base_dir == data
    assert settings.database.url == f"sqlite:///{data}/data/monitor.db"
    assert settings.mail.outbox_dir == str(data / "data" / "outbox")
    assert {a.id for a in settings.agency} == {"weibin", "weibin-office", "pingtan"}
    assert not (tmp_path / "xdg").exists()  # nothing created


# --- years ---------------------------------------------------------------------------------------



@pytest.mark.parametrize(("expression", "accepted"), [
    ("0 3 * * 0", True), ("0 3 * * 7", True), ("0 3 * * sun", True), ("0 3 1 * 1-5", True),
    ("0 3 * * 8", False), ("61 3 * * *", False), ("0 3 * *", False),
])
def test_cron_expressions_are_read_as_cron_reads_them(tmp_path, expression, accepted):
    path = _write(tmp_path, f'[schedule]\nrecheck = "{expression}"\n')
    if accepted:
        assert load_settings(path).schedule.recheck == expression
    else:
        with pytest.raises(ConfigError) as refused:
            load_settings(path)
        assert "schedule.recheck" in str(refused.value) and "\n" not in str(refused.value).strip()
