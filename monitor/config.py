"""Configuration (SPEC §6): one TOML file, validated at start; embedded defaults without one.

Every problem is refused with one line in Chinese naming the file, the key and the reason; pydantic's
English messages are translated by error type (`format_errors`, also used for the registry CSV).
Secrets come from the environment (MONITOR_SMTP_PASSWORD), never from the file.

Relative paths (a SQLite database, `mail.outbox_dir`) are relative to the configuration file's
folder; without a configuration file, to the per-user data directory
(`platformdirs.user_data_path("annual-report-monitor")`, `$XDG_DATA_HOME/annual-report-monitor` on
Linux). After loading they are absolute, and `Settings.base_dir` says where they were resolved from.
Loading creates no file and no directory (`monitor init` does).
"""

from __future__ import annotations

import errno
import importlib.util
import json
import math
import os
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

APP_NAME = "annual-report-monitor"
DEFAULT_CONFIG = Path("monitor.toml")
SAMPLE_REGISTRY = Path(__file__).parent / "samples" / "registry.toml"
EMBEDDED_SOURCE = "（内置默认配置）"
DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"
DEFAULT_OUTBOX_DIR = "data/outbox"
MAX_CONFIG_BYTES = 64 * 1024 * 1024


class ConfigError(Exception):
    """The configuration or the registry is invalid; the message names file, key and reason."""


# --- database URL --------------------------------------------------------------------------------

# backend -> {driver: module to look for}; the driver of a URL without "+driver" is the first one
# (monitor.store.database.make_engine uses psycopg 3 for a plain postgresql:// URL).
_DRIVERS: dict[str, dict[str, str]] = {
    "sqlite": {"pysqlite": "sqlite3", "pysqlcipher": "sqlcipher3"},
    "postgresql": {"psycopg": "psycopg", "psycopg2": "psycopg2", "psycopg2cffi": "psycopg2cffi",
                   "pg8000": "pg8000"},
}
_ASYNC_DRIVERS = {"aiosqlite": "sqlite", "asyncpg": "postgresql", "psycopg_async": "postgresql"}
_PIP_NAMES = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary", "sqlcipher3": "sqlcipher3-binary"}
_URL_EXAMPLE = "应形如 sqlite:///data/monitor.db 或 postgresql+psycopg://用户名@主机/数据库名"


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)


def check_database_url(url: str) -> None:
    """ValueError (in Chinese) unless `url` parses, names SQLite or PostgreSQL and a driver that is
    installed (looked up, not imported)."""
    from sqlalchemy.engine import make_url  # config is only loaded by database commands

    try:
        parsed = make_url(url)
    except Exception:  # ArgumentError, or ValueError for a bad port: SQLAlchemy's text is English
        raise ValueError(f"无法解析的数据库地址：{_hide_password(url) or '（空）'}（{_URL_EXAMPLE}）") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        raise ValueError("不支持的数据库 postgres（请写 postgresql，例如 postgresql+psycopg://…）")
    if backend not in _DRIVERS:
        raise ValueError(f"不支持的数据库 {backend}（只支持 sqlite 和 postgresql）")
    drivers = _DRIVERS[backend]
    driver = driver or next(iter(drivers))
    if driver in _ASYNC_DRIVERS:
        raise ValueError(f"不支持异步驱动 {driver}（请改用 {backend}+{next(iter(drivers))}）")
    if driver not in drivers:
        raise ValueError(f"未知的 {backend} 数据库驱动 {driver}（可用：{_choices(list(drivers))}）")
    module = drivers[driver]
    try:
        installed = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        installed = False
    if not installed:
        raise ValueError(f"数据库驱动 {driver} 未安装（缺少 Python 模块 {module}；"
                         f"可用 pip install {_PIP_NAMES.get(module, module)} 安装）")


def _absolute(path: str, base: Path) -> str:
    return os.path.normpath(base / Path(path).expanduser())


def _resolve_database_url(url: str, base: Path) -> str:
    """A SQLite URL with a relative file path made absolute against `base`; any other URL as is
    (also in-memory and `file:` URI databases, and URLs that do not parse: the validator says why)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return url
    database = parsed.database
    if (parsed.get_backend_name() != "sqlite" or not database or database == ":memory:"
            or database.startswith("file:") or "uri" in parsed.query):
        return url
    if Path(database).is_absolute():
        return url
    absolute = _absolute(database, base)
    rendered = parsed.set(database=absolute).render_as_string(hide_password=False)
    # SQLAlchemy percent-encodes every non-ASCII character of the path; keep the path readable
    # (only % and ? need escaping) when that parses back to the same database and query.
    _, sep, query = rendered.partition("?")
    readable = f"{parsed.drivername}:///{absolute.replace('%', '%25').replace('?', '%3F')}{sep}{query}"
    again = make_url(readable)
    return readable if again.database == absolute and again.query == parsed.query else rendered


def user_data_dir() -> Path:
    """The per-user data directory (not created): the base of relative paths without a config file."""
    import platformdirs

    return Path(os.path.abspath(platformdirs.user_data_path(APP_NAME)))


# --- the model -----------------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Strict):
    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        check_database_url(value)
        return value


class MailConfig(_Strict):
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    starttls: bool = False  # STARTTLS after connecting (usually port 587)
    tls: bool = False  # implicit TLS from the start (SMTPS, usually port 465)
    username: str | None = None  # the password comes from MONITOR_SMTP_PASSWORD
    sender: str = "合规监测 <monitor@localhost>"
    outbox_dir: Annotated[str, Field(min_length=1)] = DEFAULT_OUTBOX_DIR
    repeat_after_days: int = Field(7, ge=1)
    remind_days: int = Field(7, ge=0, le=60)  # reminders this many days before a deadline (0: none)
    timeout_s: float = Field(30, gt=0, allow_inf_nan=False)
    max_attempts: int = Field(8, ge=1, le=100)  # deliveries tried (with backoff) before a mail is given up

    @model_validator(mode="after")
    def _tls(self) -> MailConfig:
        if self.starttls and self.tls:
            raise ValueError("starttls 与 tls 只能选一个（587 端口用 starttls，465 端口用 tls）")
        return self


class ScheduleConfig(_Strict):
    timezone: str = "Asia/Shanghai"
    crawl: str = "0 7 * * *"
    deadlines: str = "30 7 * * *"
    send: str = "0 8 * * *"  # deliver the queued alerts
    recheck: str = "0 3 * * 0"  # fetch known reports again (conditional GET) to notice revisions and removals
    crawl_jitter_s: int = Field(600, ge=0, le=86_400)  # a crawl starts up to this many seconds late
    run_at_start: bool = True  # one cycle (crawl, deadlines, send) when the service starts

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"不是时区名称：{value}（例如 Asia/Shanghai）") from None
        return value

    @field_validator("crawl", "deadlines", "send", "recheck")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5:
            raise ValueError(f"不是 cron 表达式（应为 5 个字段：分 时 日 月 星期）：{value}")
        from monitor.service.schedule import cron_trigger  # cron's meaning: 0 and 7 are Sunday

        try:
            cron_trigger(value, "Asia/Shanghai")
        except ValueError as exc:
            raise ValueError(f"cron 表达式无效（{exc}）：{value}") from None
        return value


class CrawlConfig(_Strict):
    user_agent: str = "annual-report-monitor (+https://example.org/monitor)"
    per_host_interval_s: float = Field(2.0, ge=0, allow_inf_nan=False)
    timeout_s: float = Field(30, gt=0, allow_inf_nan=False)
    max_document_mb: float = Field(50, gt=0, allow_inf_nan=False)
    allow_private_addresses: bool = False
    first_year: int = Field(2021, ge=2008, le=2100)  # the first crawl of an agency back-fills from this year
    recheck_days: float = Field(7, ge=0, allow_inf_nan=False)  # known reports re-checked this often
    down_after: int = Field(3, ge=1)  # consecutive failed crawls of a listing that raise SOURCE-DOWN
    hosts_in_parallel: int = Field(8, ge=1, le=256)  # sites crawled at once (each politely, one request at a time)
    max_listing_pages: int = Field(50, ge=1, le=10_000)  # pages read of one listing (its pagination)


_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_AGENCY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Agency(_Strict):
    """One registry entry: a publishing body, where its reports are listed, who is alerted."""

    id: str
    name: Annotated[str, Field(min_length=2)]
    kind: Literal["department", "government", "township"]
    level: Literal["county", "prefecture", "province"] | None = None
    region: str = ""
    parent: str | None = None
    listing: list[str] = []
    supervisors: list[str] = []
    deadline: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _AGENCY_ID.match(value):
            raise ValueError("只能包含字母、数字、点、下划线和连字符，且以字母或数字开头")
        return value

    @field_validator("deadline")
    @classmethod
    def _deadline(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH_DAY.match(value):
            raise ValueError("应为 MM-DD 格式，例如 01-28")
        return value

    @field_validator("listing")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"不是 http(s) 地址：{url}")
        return value

    @field_validator("supervisors")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or " " in address.strip():
                raise ValueError(f"不是邮件地址：{address}")
        return value

    @model_validator(mode="after")
    def _level(self) -> Agency:
        if self.kind == "government" and self.level is None:
            raise ValueError("kind = government 时必须给出 level（county | prefecture | province）")
        if self.kind != "government" and self.level is not None:
            raise ValueError("只有 kind = government 的机关才有 level")
        return self


class Settings(_Strict):
    """The validated configuration. `source` names the file (or the embedded defaults) and
    `base_dir` is the folder relative paths were resolved from (both set by `load_settings`, never
    read from the file); `database.url` and `mail.outbox_dir` are absolute after validation."""

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    mail: MailConfig = Field(default_factory=MailConfig)
    schedule: ScheduleConfig = ScheduleConfig()
    crawl: CrawlConfig = CrawlConfig()
    agency: list[Agency] = []
    source: str = EMBEDDED_SOURCE
    base_dir: Path = Field(default_factory=user_data_dir)

    @model_validator(mode="before")
    @classmethod
    def _resolve_paths(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        base = data.get("base_dir")
        base = Path(os.path.abspath(base)) if isinstance(base, str | os.PathLike) else user_data_dir()
        data["base_dir"] = base
        for section, key, default, resolve in (
            ("database", "url", DEFAULT_DATABASE_URL, _resolve_database_url),
            ("mail", "outbox_dir", DEFAULT_OUTBOX_DIR, _absolute),
        ):
            values = data.get(section, {})
            if isinstance(values, BaseModel):
                values = values.model_dump()
            if not isinstance(values, dict):
                continue  # the validation reports it
            value = values.get(key, default)
            if isinstance(value, str) and value:
                data[section] = {**values, key: resolve(value, base)}
        return data

    @field_validator("agency")
    @classmethod
    def _registry(cls, agencies: list[Agency]) -> list[Agency]:
        check_registry(agencies)
        return agencies


INTERNAL_FIELDS = ("source", "base_dir")  # set by load_settings, refused in the file


def check_registry(agencies: list[Agency], known: frozenset[str] = frozenset()) -> None:
    """Registry-wide rules: unique ids, parents that exist (in the list or among `known` ids)."""
    seen: set[str] = set()
    for agency in agencies:
        if agency.id in seen:
            raise ValueError(f"agency id 重复：{agency.id}")
        seen.add(agency.id)
    for agency in agencies:
        if agency.parent is not None and agency.parent not in seen | known:
            raise ValueError(f"agency {agency.id} 的 parent {agency.parent} 不在登记册中")


# --- messages ------------------------------------------------------------------------------------

_MODELS: dict[str, type[BaseModel]] = {
    model.__name__: model
    for model in (Settings, DatabaseConfig, MailConfig, ScheduleConfig, CrawlConfig, Agency)
}
_SECRET_KEY = re.compile(r"pass(word|wd)?|pwd|secret|token|api_?key|credential", re.IGNORECASE)


def format_errors(source: str, error: ValidationError, where: str = "") -> str:
    """One line per problem, in Chinese: the file (and `where`, e.g. ":12" for a CSV line), the key
    and the reason."""
    root = _MODELS.get(error.title)
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(根)"
        lines.append(f"{source}{where}: {key}: {_reason(item, root)}")
    return "\n".join(lines)


# pydantic's number bounds: the words for each, and the key of its limit in the error's context.
_BOUNDS = {"greater_than": ("应大于", "gt"), "greater_than_equal": ("应不小于", "ge"),
           "less_than": ("应小于", "lt"), "less_than_equal": ("应不大于", "le")}


def _reason(item: Any, root: type[BaseModel] | None) -> str:
    """The Chinese reason of one pydantic error, from its type and context (never its English msg)."""
    kind: str = item["type"]
    ctx: dict[str, Any] = item.get("ctx") or {}
    loc: tuple[Any, ...] = tuple(item["loc"])
    value = item.get("input")
    got = f"，实为{_describe(value)}"
    if kind == "missing":
        return "缺少必填项"
    if kind == "extra_forbidden":
        return _unknown_key(loc, root)
    if kind == "literal_error":
        expected = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        choices = _choices(expected) if expected else str(ctx.get("expected", "")).replace(" or ", " 或 ")
        return f"应为 {choices} 之一{got}" if len(expected) != 1 else f"应为 {choices}{got}"
    if kind in ("string_type", "string_sub_type"):
        return f"应为文本（用英文双引号括起来，例如 \"…\"）{got}"
    if kind in ("int_type", "int_parsing"):
        return f"应为整数{got}"
    if kind == "int_from_float":
        return f"应为整数，不能有小数部分{got}"
    if kind in ("float_type", "float_parsing"):
        return f"应为数字{got}"
    if kind == "finite_number":
        return f"应为有限的数字（不能是 inf 或 nan）{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"应为 true 或 false（不加引号）{got}"
    if kind in ("list_type", "tuple_type", "set_type"):
        if loc == ("agency",):
            return f"应为 [[agency]] 表数组（每个机关写一节 [[agency]]，注意是两层方括号）{got}"
        return f"应为列表，例如 [\"…\", \"…\"]{got}"
    if kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type"):
        if len(loc) == 1:
            return f"应为表（写成一节 [{loc[0]}]）{got}"
        if len(loc) == 2 and loc[0] == "agency" and isinstance(loc[1], int):
            return f"应为表（写成一节 [[agency]]）{got}"
        return f"应为表（键 = 值 的集合）{got}"
    if kind in _BOUNDS:
        words, bound = _BOUNDS[kind]
        return f"{words} {_number(ctx.get(bound))}，实为{_plain(value)}"
    if kind == "string_too_short":
        if value == "":
            return "不能为空"
        return f"至少 {ctx.get('min_length')} 个字符，实为{_plain(value)}"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符，实为 {len(value) if isinstance(value, str) else '?'} 个字符"
    if kind == "too_short":
        return f"至少要有 {ctx.get('min_length')} 项，实为 {ctx.get('actual_length')} 项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项，实为 {ctx.get('actual_length')} 项"
    if kind == "string_pattern_mismatch":
        return f"格式不符合要求（应符合 {ctx.get('pattern')}）{got}"
    if kind in ("value_error", "assertion_error"):
        reason = ctx.get("error")
        if reason is not None and str(reason):
            return str(reason)
        return str(item["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"取值无效{got}"


def _unknown_key(loc: tuple[Any, ...], root: type[BaseModel] | None) -> str:
    name = str(loc[-1]) if loc else ""
    if _SECRET_KEY.search(name):
        if loc[:1] == ("database",):
            return ("密码不能写在配置文件中：PostgreSQL 的密码请放在环境变量 PGPASSWORD 或 ~/.pgpass 文件中")
        return "密码、密钥不能写在配置文件中：邮件服务器密码请通过环境变量 MONITOR_SMTP_PASSWORD 提供"
    allowed = _fields_at(root, loc[:-1])
    if allowed:
        return f"未知的配置项（此处可用：{'、'.join(allowed)}）"
    return "未知的配置项"


def _fields_at(root: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The keys accepted at `loc` below the model `root` (the file's keys: no internal field)."""
    model = root
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        model = _model_in(field.annotation) if field else None
    if model is None:
        return []
    return [name for name in model.model_fields if name not in INTERNAL_FIELDS]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        model = _model_in(argument)
        if model is not None:
            return model
    return None


def _choices(values: list[str]) -> str:
    if len(values) <= 1:
        return "".join(values)
    return f"{'、'.join(values[:-1])} 或 {values[-1]}"


def _clip(text: str, limit: int = 60) -> str:
    text = "".join(c if c.isprintable() else "↵" if c == "\n" else " " if c == "\t" else f"\\x{ord(c):02x}"
                   for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def _number(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value: Any) -> str:
    """A value as the user wrote it, to follow 实为: numbers after a space, text in 「」."""
    if isinstance(value, bool):
        return " true" if value else " false"
    if isinstance(value, int | float):
        return f" {_number(value)}"
    if isinstance(value, str):
        return f"「{_clip(value)}」"
    return _describe(value)


def _describe(value: Any) -> str:
    """A value with its TOML type in Chinese, for type errors: 整数 5, 文本「abc」, 表…"""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"布尔值 {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"整数 {value}"
    if isinstance(value, float):
        return f"小数 {value}"
    if isinstance(value, str):
        return f"文本「{_clip(value)}」" if value else "空文本"
    if isinstance(value, list | tuple):
        return f"列表 {_clip(json.dumps(list(value), ensure_ascii=False, default=str))}"
    if isinstance(value, dict):
        return "表"
    if isinstance(value, datetime):
        return f"日期时间 {value.isoformat()}"
    if isinstance(value, date):
        return f"日期 {value.isoformat()}"
    if isinstance(value, time):
        return f"时间 {value.isoformat()}"
    return "无法识别的值"


# --- loading -------------------------------------------------------------------------------------

def load_settings(path: Path | None = None) -> Settings:
    """Read the TOML file at `path` (default ./monitor.toml); without a file, the embedded defaults
    and the bundled sample registry. Raises ConfigError (one Chinese line per problem)."""
    if path is None and not os.path.lexists(DEFAULT_CONFIG):
        data = _read_toml(SAMPLE_REGISTRY)
        source, base_dir = EMBEDDED_SOURCE, user_data_dir()
    else:
        path = Path(path or DEFAULT_CONFIG)
        data = _read_toml(path)
        source, base_dir = str(path), Path(os.path.abspath(path)).parent
    problems = [f"{source}: {key}: {_unknown_key((key,), Settings)}" for key in INTERNAL_FIELDS if key in data]
    data = {key: value for key, value in data.items() if key not in INTERNAL_FIELDS}
    try:
        settings = Settings.model_validate({**data, "source": source, "base_dir": base_dir})
    except ValidationError as exc:
        try:
            problems.append(format_errors(source, exc))
        except RecursionError:  # describing a value nested hundreds deep
            raise ConfigError(f"{source}: {TOO_DEEP}") from None
    except RecursionError:  # validating a value nested hundreds deep
        raise ConfigError(f"{source}: {TOO_DEEP}") from None
    if problems:
        raise ConfigError("\n".join(problems))
    return settings


_OS_REASONS = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENOENT: "文件不存在",
    errno.ENOTDIR: "路径中的某一级不是目录",
    errno.ELOOP: "符号链接循环",
    errno.ENAMETOOLONG: "路径过长",
    errno.EIO: "读取时发生输入输出错误",
}


def _read_text(path: Path) -> str:
    """The file's text (UTF-8, with or without BOM), or ConfigError with one Chinese line."""
    if os.path.isdir(path):
        raise ConfigError(f"{path}: 是目录，不是配置文件")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: 配置文件不存在") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: 是目录，不是配置文件") from None
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0) or f"系统错误 {errno.errorcode.get(exc.errno or 0, exc.errno)}"
        raise ConfigError(f"{path}: 无法读取配置文件：{reason}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: 文件过大（超过 {MAX_CONFIG_BYTES // (1024 * 1024)} MB），不像配置文件")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode" in Notepad)
        raise ConfigError(f"{path}: 不是 UTF-8 编码的文本文件（请以 UTF-8 保存）")
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: 不是 UTF-8 编码的文本文件（请以 UTF-8 保存）") from None


TOO_DEEP = "数组或内联表嵌套层数过多（嵌套了数百层），不像配置文件"


def _read_toml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {_toml_error(exc, text)}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(f"{path}: {TOO_DEEP}") from None


# tomllib's messages (Python 3.11-3.13 wording; anything else falls back to a generic reason).
_TOML_MESSAGES: list[tuple[str, str]] = [
    (r"Invalid statement", "无法识别的语句（每行应为 键 = 值、[表名] 或 [[表名]]）"),
    (r"Expected newline or end of document after a statement", "一条语句之后应换行（一行只能写一个 键 = 值）"),
    (r"Expected '\]' at the end of a table declaration", "表名缺少结尾的 ]"),
    (r"Expected '\]\]' at the end of an array declaration", "表数组名缺少结尾的 ]]"),
    (r"Expected '=' after a key", "键之后缺少 =（应写成 键 = 值）"),
    (r"Expected '(.*)'", "缺少 {0}"),
    (r"Found invalid character '(.*)'", "非法字符 {0}"),
    (r"Cannot declare .* twice", "同一个表声明了两次"),
    (r"Cannot overwrite a value", "重复定义了同一个键"),
    (r"Cannot mutate immutable namespace", "不能再向已写完的内联表或数组添加内容"),
    (r"Cannot redefine namespace", "重复定义了表"),
    (r"Invalid initial character for a key part", "键名中有非法字符（不加引号的键名只能用英文字母、数字、- 和 _）"),
    (r"Unclosed array", "数组缺少结尾的 ]"),
    (r"Duplicate inline table key", "内联表中有重复的键"),
    (r"Unclosed inline table", "内联表缺少结尾的 }"),
    (r"Unescaped '\\' in a string", "字符串中的反斜杠 \\ 要写成 \\\\（或改用单引号字符串）"),
    (r"Invalid hex value|Escaped character is not a Unicode scalar value", "无效的 \\u 转义序列"),
    (r"Unterminated string", "字符串缺少结尾的引号"),
    (r"Illegal character '\\n'", "字符串缺少结尾的引号（一对双引号必须在同一行内）"),
    (r"Illegal character (.*)", "非法字符 {0}"),
    (r"Invalid date or datetime", "无效的日期或时间"),
    (r"Invalid value", "无法识别的值（文本要用英文双引号括起来，例如 name = \"某局\"）"),
]
_FULL_WIDTH = re.compile("[“”‘’＝［］｛｝，：]")


def _fill(message: str, values: tuple[str, ...]) -> str:
    """`message` with {0}, {1}… replaced by `values`; any other brace stays as written (not str.format)."""
    return re.sub(r"\{(\d)\}", lambda field: values[int(field.group(1))], message)


def _toml_error(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """`TOML 语法错误（第 L 行第 C 列）：reason；该行：「…」`, in Chinese."""
    message = str(getattr(exc, "msg", None) or exc)
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    found = re.search(r"\((?:at )?line (\d+), column (\d+)\)", message)
    if line is None and found:
        line, column = int(found.group(1)), int(found.group(2))
    body = re.sub(r"\s*\((?:at )?(line \d+, column \d+|end of document)\)\s*$", "", message)
    reason = "格式不正确"
    for pattern, chinese in _TOML_MESSAGES:
        matched = re.match(pattern, body)
        if matched:
            reason = _fill(chinese, matched.groups())
            break
    if line is None:
        where = "（文件末尾）" if "end of document" in message else ""
        return f"TOML 语法错误{where}：{reason}"
    lines = text.splitlines()
    content = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    if _FULL_WIDTH.search(content):
        reason += "；请注意引号、等号、括号和逗号要用英文半角符号"
    shown = f"；该行：「{_clip(content, 80)}」" if content else ""
    return f"TOML 语法错误（第 {line} 行第 {column} 列）：{reason}{shown}"
