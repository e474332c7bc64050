"""The environment of `monitor demo`: a sample site farm and a mail server on loopback, and a data
directory whose monitor.toml points the monitor at both.

The agencies are fictional (江南省云溪市 and its 桐湾区). Their pages, under data/, imitate the CMS
families the crawler reads: a TRS district site, a Hanweb city site, a Ruishu-protected site. The two
reports, in the 2021 template, were generated once with the test suite's tests/synth.py; the city
bureau's table three counts 6 more applications received than it accounts for. As of any day after the
2026 deadlines they give one finding of each kind a supervisor is mailed about: a late report, a
missing one, tables that do not add up and a site that blocks the crawler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Settings, load_settings
from monitor.demo.mailsink import MailSink
from monitor.demo.sites import Farm


@dataclass(frozen=True)
class DemoAgency:
    """A registry entry of the demo; its listing is `path` on the farm site `site` (none without)."""

    id: str
    name: str
    kind: str
    region: str
    level: str | None = None
    parent: str | None = None
    site: str | None = None
    path: str = "/"
    supervisors: tuple[str, ...] = ()


AGENCIES = (
    DemoAgency("tongwan", "桐湾区人民政府", "government", "江南省/云溪市/桐湾区", level="county", site="tongwan",
               path="/zwgk/zfxxgknb/", supervisors=("gongkai@tongwan.example.org",)),
    DemoAgency("tongwan-culture", "桐湾区文化广电和旅游局", "department", "江南省/云溪市/桐湾区", parent="tongwan",
               site="tongwan", path="/bmxxgk/whlyj/gknb/"),
    DemoAgency("yunxi", "云溪市人民政府", "government", "江南省/云溪市", level="prefecture",
               supervisors=("zwgk@yunxi.example.org",)),
    DemoAgency("yunxi-zrzy", "云溪市自然资源和规划局", "department", "江南省/云溪市", parent="yunxi", site="yunxi",
               path="/col/col5231/index.html"),
    DemoAgency("yunxi-scjg", "云溪市市场监督管理局", "department", "江南省/云溪市", parent="yunxi", site="yunxi-scjg",
               path="/zfxxgk/gknb/"),
)
FIRST_YEAR = 2025  # only the 2025 reports (due in 2026) are judged: the older ones listed are not fetched


def config_text(farm: Farm, sink: MailSink) -> str:
    """The demo's monitor.toml: SQLite beside it, SMTP to the sink, the registry on the farm."""
    lines = [
        "# Written by `monitor demo`: the sample farm and the mail server it started on loopback.",
        "[database]", 'url = "sqlite:///demo.db"',
        "[mail]", f'smtp_host = "{sink.host}"', f"smtp_port = {sink.port}",
        'sender = "合规监测（演示） <monitor@demo.example.org>"', 'outbox_dir = "outbox"',
        "[crawl]", 'user_agent = "annual-report-monitor demo"', "per_host_interval_s = 0.2", "timeout_s = 10",
        "allow_private_addresses = true", f"first_year = {FIRST_YEAR}",
    ]
    for agency in AGENCIES:
        lines += ["[[agency]]", f"id = {json.dumps(agency.id)}", f"name = {json.dumps(agency.name)}",
                  f"kind = {json.dumps(agency.kind)}", f"region = {json.dumps(agency.region)}"]
        for key in ("level", "parent"):
            value = getattr(agency, key)
            if value is not None:
                lines.append(f"{key} = {json.dumps(value)}")
        if agency.site is not None:
            lines.append(f"listing = {json.dumps([farm.origin(agency.site) + agency.path])}")
        if agency.supervisors:
            lines.append(f"supervisors = {json.dumps(list(agency.supervisors))}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Environment:
    """A started demo: its settings (loaded from `folder`/monitor.toml), the farm and the mail sink."""

    folder: Path
    settings: Settings
    farm: Farm
    sink: MailSink


@contextmanager
def environment(folder: Path) -> Iterator[Environment]:
    """Start the farm and the mail sink, write `folder`/monitor.toml for them and load it; both are
    stopped after the block (the folder stays: the caller owns it). The mails received are also
    saved in `folder`/mails/."""
    with Farm() as farm, MailSink(folder / "mails") as sink:
        config = folder / "monitor.toml"
        config.write_text(config_text(farm, sink), encoding="utf-8")
        yield Environment(folder, load_settings(config), farm, sink)
