"""Configuration (SPEC §6): one TOML file, validated at start; embedded defaults without one.

Unknown keys and bad values are refused with the file, the key and the reason. Secrets come from
the environment (MONITOR_SMTP_PASSWORD), never from the file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_CONFIG = Path("monitor.toml")
SAMPLE_REGISTRY = Path(__file__).parent / "samples" / "registry.toml"


class ConfigError(Exception):
    """The configuration or the registry is invalid; the message names file, key and reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Strict):
    url: str = "sqlite:///data/monitor.db"


class MailConfig(_Strict):
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    username: str | None = None
    sender: str = "合规监测 <monitor@localhost>"
    outbox_dir: str = "data/outbox"
    repeat_after_days: int = Field(7, ge=1)


class ScheduleConfig(_Strict):
    timezone: str = "Asia/Shanghai"
    crawl: str = "0 7 * * *"
    deadlines: str = "30 7 * * *"


class CrawlConfig(_Strict):
    user_agent: str = "annual-report-monitor (+https://example.org/monitor)"
    per_host_interval_s: float = Field(2.0, ge=0)
    timeout_s: float = Field(30, gt=0)
    max_document_mb: float = Field(50, gt=0)
    allow_private_addresses: bool = False


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
    database: DatabaseConfig = DatabaseConfig()
    mail: MailConfig = MailConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    crawl: CrawlConfig = CrawlConfig()
    agency: list[Agency] = []
    source: str = "（内置默认配置）"

    @model_validator(mode="after")
    def _registry(self) -> Settings:
        check_registry(self.agency)
        return self


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


def format_errors(source: str, error: ValidationError, where: str = "") -> str:
    """One line per problem: the file, the key and the reason."""
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(根)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "未知的配置项"
        lines.append(f"{source}{where}: {key}: {message}")
    return "\n".join(lines)


def load_settings(path: Path | None = None) -> Settings:
    """Read the TOML file at `path` (default ./monitor.toml); without a file, the embedded defaults
    and the bundled sample registry."""
    if path is None and not DEFAULT_CONFIG.exists():
        data = _read_toml(SAMPLE_REGISTRY)
        source = "（内置默认配置）"
    else:
        path = path or DEFAULT_CONFIG
        if not path.exists():
            raise ConfigError(f"{path}: 配置文件不存在")
        data = _read_toml(path)
        source = str(path)
    try:
        return Settings(**data, source=source)
    except ValidationError as exc:
        raise ConfigError(format_errors(source, exc)) from None
    except TypeError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML 语法错误：{exc}") from None
