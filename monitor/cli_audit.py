"""Auditors' commands (SPEC §6): reports, findings (list, confirm, dismiss), history, export.

The queries live in `monitor.store.audit`; this module parses options and prints tables, CSV and JSON.
Only `findings confirm|dismiss` write; the listings never change the database.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from monitor.cli import id_value, year_value
from monitor.cli_data import (
    check_output,
    checked_time,
    config_option,
    expire_dismissals,
    fail,
    now_option,
    opened,
    parse_now,
    settings_from,
)
from monitor.store import audit
from monitor.store import findings as stored_findings
from monitor.store.models import FindingAction
from monitor.text import clip, csv_cell, printable
from rules import REGISTRY

SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_NAMES = {"open": "未解决", "resolved": "已纠正", "dismissed": "已忽略"}
ACTION_NAMES = {"opened": "发现", "resolved": "已纠正", "reopened": "再次出现", "confirm": "确认",
                "dismiss": "忽略", "dismissal-expired": "忽略到期"}
TEMPLATE_NAMES = {"2021": "2021版", "legacy": "旧格式", "unknown": "未知"}

agency_option = click.option("--agency", "agency_id", metavar="ID", help="Only this agency (registry id).")
year_option = click.option("--year", metavar="Y", callback=year_value, help="Only this report year (2008–2100).")


def _rule(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    if value.upper() not in REGISTRY:
        fail(f"--rule: 没有规则 {clip(value)}（规则编号见 docs/rules.md，例如 T3-BALANCE）")
    return value.upper()


rule_option = click.option("--rule", metavar="RULE", callback=_rule, help="Only this rule ID (e.g. T3-BALANCE).")


def format_option(*choices: str, default: str = "table") -> Any:
    return click.option("--format", "output_format", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format.")


def since_option(what: str) -> Any:
    return click.option("--since", "since_text", metavar="DATE",
                        help=f"Only {what} on or after DATE (YYYY-MM-DD, Beijing time, or an ISO 8601 time).")


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        since = audit.parse_since(text)
    except ValueError:
        fail(f"--since: 不是日期或 ISO 8601 时间：{clip(text)}")
    return checked_time("--since", text, since)


# --- output helpers --------------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Columns a string takes on a terminal: CJK and full-width characters take two."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = display_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - display_width(text))
    return space + text if right else text + space


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], flexible: Sequence[int] = (),
                 width: int | None = None) -> str:
    """An aligned table that fits `width` columns (the terminal's by default). The `flexible` columns
    (long text such as messages and URLs), in the order given, are narrowed down to a floor of 12 (or
    their header) and their text clipped with 「…」, until the table fits."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[_cell_text(v) for v in row] for row in rows]
    numeric = [bool(rows) and all(r[i] is None or (isinstance(r[i], int | float) and not isinstance(r[i], bool))
                                  for r in rows) for i in range(len(headers))]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    gap = 2
    over = sum(widths) + gap * (len(widths) - 1) - width
    for floor in (12, 6):  # first down to 12 columns each, then, on a narrow terminal, to 6
        for i in flexible:
            if over <= 0:
                break
            step = min(over, max(0, widths[i] - max(display_width(headers[i]), floor)))
            widths[i] -= step
            over -= step
    lines = [(" " * gap).join(_pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(),
             (" " * gap).join("-" * w for w in widths)]
    for row in cells:
        lines.append((" " * gap).join(_pad(_clip(v, widths[i]), widths[i], numeric[i])
                                      for i, v in enumerate(row)).rstrip())
    return "\n".join(lines)


def _cell_text(value: Any) -> str:
    """A table cell on one line, without terminal escape sequences (the text comes from documents and
    registries)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return " ".join(printable(str(value)).split())


def _short_time(value: str | None) -> str:
    """An ISO time (already in Beijing time) as 「2026-02-01 17:00」 for tables."""
    return value[:16].replace("T", " ") if value else ""


def csv_text(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow([_csv_value(row.get(key)) for key in keys])
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    """A CSV cell: text printable and formula-safe (`monitor.text.csv_cell`), numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return csv_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return csv_cell(value)


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


def _columns(rows: Sequence[dict[str, Any]], required: Sequence[str]) -> list[str]:
    keys = list(required)
    for row in rows[:1]:
        keys += [key for key in row if key not in keys]
    return keys


# --- monitor reports -------------------------------------------------------------------------------

@click.command("reports")
@agency_option
@year_option
@since_option("versions first seen")
@click.option("--latest", is_flag=True, help="Only the latest version of each agency-year.")
@format_option("table", "csv", "json")
@config_option
def reports_command(agency_id: str | None, year: int | None, since_text: str | None, latest: bool,
                    output_format: str, config_path: Path | None) -> None:
    """List stored report versions: one row per agency-year-version."""
    filters = audit.Filters(agency=agency_id, year=year, since=_since(since_text), latest=latest)
    with opened(settings_from(config_path)) as store, store.reading() as session:
        rows = audit.reports(session, filters)

    def table() -> None:
        click.echo(render_table(
            ["机关", "年度", "版本", "发布日期", "日期来源", "首次发现", "截止日期", "按时", "格式", "地址"],
            [[r["agency"], r["year"], r["version"], (r["published"] or "")[:10], r["published_source"],
              r["first_seen"][:10], r["deadline"], r["on_time"], TEMPLATE_NAMES.get(r["template"], r["template"]),
              r["url"]] for r in rows],
            flexible=(9, 4, 0)))
        click.echo(f"共 {len(rows)} 个版本")

    _emit(rows, output_format, audit.REPORT_KEYS, "没有符合条件的报告。", table)


def _emit(rows: list[dict[str, Any]], output_format: str, keys: Sequence[str], empty: str,
          table: Callable[[], None]) -> None:
    """Print rows as JSON or CSV, or, for the table format, the table (or `empty` when there are none)."""
    if output_format == "json":
        click.echo(json_text(rows))
    elif output_format == "csv":
        click.echo(csv_text(rows, _columns(rows, keys)), nl=False)
    elif not rows:
        click.echo(empty)
    else:
        table()


# --- monitor findings ------------------------------------------------------------------------------

@click.group("findings", invoke_without_command=True)
@agency_option
@year_option
@rule_option
@since_option("findings first seen")
@click.option("--status", type=click.Choice(audit.STATUSES), help="Only findings with this status.")
@click.option("--severity", type=click.Choice(audit.SEVERITIES), help="Only findings of this severity.")
@format_option("table", "csv", "json")
@config_option
@now_option
@click.pass_context
def findings_group(ctx: click.Context, agency_id: str | None, year: int | None, rule: str | None,
                   since_text: str | None, status: str | None, severity: str | None, output_format: str,
                   config_path: Path | None, now_text: str | None) -> None:
    """List stored findings, or triage one (confirm, dismiss).

    A dismissal whose --until day has passed lists as open (--now sets the day); listing changes nothing."""
    ctx.ensure_object(dict)
    ctx.obj.update(config_path=config_path, now_text=now_text)
    if ctx.invoked_subcommand is not None:
        return
    now = parse_now(now_text)
    since = _since(since_text)
    filters = audit.Filters(agency=agency_id, year=year, rule=rule, since=since, status=status, severity=severity,
                            today=audit.beijing_today(now))
    with opened(settings_from(config_path)) as store, store.reading() as session:
        rows = audit.findings(session, filters)

    def table() -> None:
        click.echo(render_table(
            ["编号", "机关", "年度", "规则", "级别", "状态", "问题说明", "首次发现", "最近发现", "审核"],
            [[r["id"], r["agency"], r["year"], r["rule"], SEVERITY_NAMES.get(r["severity"], r["severity"]),
              STATUS_NAMES.get(r["status"], r["status"]), r["message"], r["first_seen"][:10],
              r["last_seen"][:10], _triage_text(r)] for r in rows],
            flexible=(9, 6, 1)))
        counts = {s: sum(r["status"] == s for r in rows) for s in audit.STATUSES}
        click.echo(f"共 {len(rows)} 个问题：" + "，".join(f"{STATUS_NAMES[s]} {n}" for s, n in counts.items()))

    _emit(rows, output_format, audit.FINDING_KEYS, "没有符合条件的问题。", table)


def _triage_text(row: dict[str, Any]) -> str:
    if row["status"] == "dismissed":
        until = f"至{row['dismissed_until']}" if row["dismissed_until"] else ""
        return f"{row['triaged_by']}忽略{until}：{row['triage_reason']}"
    if row["confirmed"]:
        return f"{row['triaged_by']}确认：{row['triage_reason']}"
    return ""


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "unknown"


def _triage(ctx: click.Context, finding_id: int, action: FindingAction, reason: str, actor: str | None,
            config_path: Path | None, now_text: str | None, until: date | None = None) -> None:
    parent = ctx.obj or {}
    config_path = config_path or parent.get("config_path")
    now = parse_now(now_text or parent.get("now_text"))
    name = f"monitor findings {action}"
    if not reason.strip():
        fail(f"{name}: --reason 不能为空")
    if until is not None and until < audit.beijing_today(now):
        fail(f"{name}: --until {until} 已经过去")
    actor = (actor or "").strip() or _default_actor()
    with opened(settings_from(config_path)) as store:
        expire_dismissals(store)
        try:
            with store.transaction() as session:
                finding = stored_findings.triage(session, finding_id, action, actor, reason.strip(), now,
                                                 until=until)
                what = f"问题 #{finding.id} {finding.rule}（{finding.agency_id} {finding.year}年度）"
        except LookupError as exc:
            fail(f"{name}: {exc.args[0]}")
    done = "已确认" if action == FindingAction.CONFIRM else "已忽略" + (f"至 {until}" if until else "（无期限）")
    click.echo(printable(f"{what}{done}，操作人 {actor}：{reason.strip()}"))


@findings_group.command("confirm")
@click.argument("finding_id", metavar="ID", callback=id_value)
@click.option("--reason", required=True, help="Why the finding is confirmed (kept in its history).")
@click.option("--by", "actor", metavar="NAME", help="Who confirms it (default: the OS user name).")
@config_option
@now_option
@click.pass_context
def confirm(ctx: click.Context, finding_id: int, reason: str, actor: str | None, config_path: Path | None,
            now_text: str | None) -> None:
    """Confirm finding ID: the report is wrong and the agency must correct it."""
    _triage(ctx, finding_id, FindingAction.CONFIRM, reason, actor, config_path, now_text)


@findings_group.command("dismiss")
@click.argument("finding_id", metavar="ID", callback=id_value)
@click.option("--reason", required=True, help="Why the finding is dismissed (kept in its history).")
@click.option("--until", "until", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Dismiss until this day (inclusive); the finding reopens after it. Default: no expiry.")
@click.option("--by", "actor", metavar="NAME", help="Who dismisses it (default: the OS user name).")
@config_option
@now_option
@click.pass_context
def dismiss(ctx: click.Context, finding_id: int, reason: str, until: datetime | None, actor: str | None,
            config_path: Path | None, now_text: str | None) -> None:
    """Dismiss finding ID (a false alarm): it is not mailed again until --until passes."""
    _triage(ctx, finding_id, FindingAction.DISMISS, reason, actor, config_path, now_text,
            until.date() if until else None)


# --- monitor history -------------------------------------------------------------------------------

@click.command("history")
@click.argument("agency_argument", metavar="AGENCY", required=False)
@agency_option
@year_option
@rule_option
@since_option("versions, findings and events")
@format_option("table", "csv", "json")
@config_option
@now_option
def history_command(agency_argument: str | None, agency_id: str | None, year: int | None, rule: str | None,
                    since_text: str | None, output_format: str, config_path: Path | None,
                    now_text: str | None) -> None:
    """Everything about one agency (AGENCY or --agency ID): per year, its report versions and their
    publication dates, its findings with status and triage, and the event trail. CSV: one row per
    version stored and per finding event, oldest first."""
    if (agency_argument or agency_id) is None or (agency_argument and agency_id and agency_argument != agency_id):
        fail("monitor history: 请给出一个机关编号（AGENCY 或 --agency ID）")
    agency = agency_argument or agency_id or ""
    filters = audit.Filters(year=year, rule=rule, since=_since(since_text),
                            today=audit.beijing_today(parse_now(now_text)))
    with opened(settings_from(config_path)) as store, store.reading() as session:
        try:
            data = audit.history(session, agency, filters)
        except LookupError as exc:
            fail(f"monitor history: {exc.args[0]}")
    if output_format == "json":
        click.echo(json_text(data))
    elif output_format == "csv":
        click.echo(csv_text(audit.timeline(data), audit.TIMELINE_KEYS), nl=False)
    else:
        click.echo(_history_text(data))


def _history_text(data: dict[str, Any]) -> str:
    agency = data["agency"]
    kind = {"department": "部门", "government": "政府", "township": "乡镇街道"}.get(agency["kind"], agency["kind"])
    lines = [click.style(printable(f"{agency['name']}（{agency['id']}）"), bold=True)
             + printable(f"  {kind}  {agency['region']}")]
    if not data["years"] and not data["unreadable"]:
        lines.append("尚无报告和问题记录。")
    for entry in data["years"]:
        on_time = {True: "按时", False: "逾期", None: "无法判断"}[entry["on_time"]]
        head = f"{entry['year']}年度"
        if entry["deadline"]:
            first = _short_time(entry["first_published"]) or "（无日期）"
            head += f"  截止 {entry['deadline']}  首次发布 {first}  {on_time}"
        lines += ["", click.style(f"== {head} ==", bold=True)]
        if entry["versions"]:
            lines.append(render_table(
                ["版本", "发布时间", "日期来源", "首次发现", "格式", "地址"],
                [[v["version"], _short_time(v["published"]),
                  "；".join(f"{d['source']} {d['raw']}" for d in v["dates"]) or "（无）",
                  _short_time(v["first_seen"]), TEMPLATE_NAMES.get(v["template"], v["template"]), v["url"]]
                 for v in entry["versions"]],
                flexible=(5, 2)))
        else:
            lines.append("（没有报告）")
        if entry["findings"]:
            lines += ["", "问题："]
            lines.append(render_table(
                ["编号", "规则", "级别", "状态", "问题说明", "审核"],
                [[f["id"], f["rule"], SEVERITY_NAMES.get(f["severity"], f["severity"]),
                  STATUS_NAMES.get(f["status"], f["status"]), f["message"], _triage_text(f)]
                 for f in entry["findings"]],
                flexible=(4, 5)))
        if entry["events"]:
            lines += ["", "记录："]
            lines.append(render_table(
                ["时间", "编号", "规则", "动作", "版本", "操作人", "原因"],
                [[_short_time(e["at"]), e["finding_id"], e["rule"], ACTION_NAMES.get(e["action"], e["action"]),
                  e["report_version"], e["actor"], e["reason"]] for e in entry["events"]],
                flexible=(6,)))
    if data["unreadable"]:
        lines += ["", click.style("== 无法读取的文件（已保存，供审核）==", bold=True)]
        lines.append(render_table(["获取时间", "原因", "地址"],
                                  [[_short_time(d["fetched_at"]), d["reason"], d["url"]] for d in data["unreadable"]],
                                  flexible=(2, 1)))
    return "\n".join(lines)


# --- monitor export --------------------------------------------------------------------------------

@click.command("export")
@click.option("--format", "output_format", type=click.Choice(["csv", "xlsx"]),
              help="File format (default: from the --output suffix, else csv).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default history.csv / history.xlsx).")
@click.option("--force", is_flag=True, help="Overwrite an existing file (a regular file only).")
@agency_option
@year_option
@config_option
def export_command(output_format: str | None, output: Path | None, force: bool, agency_id: str | None,
                   year: int | None, config_path: Path | None) -> None:
    """Export the whole history, one row per agency-year-version-cell, as CSV (UTF-8 with BOM, for
    Excel and WPS) or XLSX."""
    if output_format is None:
        output_format = "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv"
    output = output or Path(f"history.{output_format}")
    check_output("monitor export", output, force)
    with opened(settings_from(config_path)) as store, store.reading() as session:
        rows = audit.export_rows(session, agency=agency_id, year=year)
        writer = audit.export_xlsx if output_format == "xlsx" else audit.export_csv
        try:
            count = writer(rows, output)
        except OSError as exc:
            fail(f"monitor export: 无法写入 {output}：{exc.strerror or exc}")
            return
    click.echo(f"已导出 {count} 个单元格到 {output}")


COMMANDS = (reports_command, findings_group, history_command, export_command)
