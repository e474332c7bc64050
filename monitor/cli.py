"""The `monitor` command line.

`monitor check` and `monitor --version` import only what they use: every other command is loaded
from its module when it is invoked (the database commands need SQLAlchemy, Alembic, pydantic,
openpyxl…). `monitor --help` lists them from the short help strings kept in `LAZY_COMMANDS`.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from monitor.text import clip, inline, printable, undecodable

if TYPE_CHECKING:
    from monitor.check import CheckResult

# Command name -> ("module:attribute" of its click command, the help line `monitor --help` shows).
# The module is imported only when the command runs (or `monitor COMMAND --help` is asked for).
# Keep in step with the modules: tests/test_startup.py checks that every entry resolves.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("monitor.cli_data:init",
             "Create or migrate the database (Alembic upgrade head) and apply the registry of monitor.toml."),
    "ingest": ("monitor.cli_data:ingest",
               "Store reports received by other means (files or URLs) as versions of agencies' reports."),
    "agencies": ("monitor.cli_data:agencies",
                 "The agency registry: apply monitor.toml (sync), import from and export to CSV."),
    "crawl": ("monitor.cli_crawl:crawl",
              "One crawl cycle: read every agency's listings, fetch new or changed reports, read, store and "
              "evaluate them, then the publication rules."),
    "deadlines": ("monitor.cli_crawl:deadlines",
                  "Evaluate LATE, MISSING, UNDATED, REMOVED, SOURCE-BLOCKED and SOURCE-DOWN for every agency as "
                  "of --now (default: now) and record the findings."),
    "send": ("monitor.cli_alerts:send",
             "Deliver the queued alert mails (SMTP, or .eml files in the outbox without smtp_host); undelivered "
             "ones stay queued."),
    "run": ("monitor.cli_service:run",
            "The background service: crawl, deadlines, send and re-check on the configured schedule, until "
            "SIGTERM or Ctrl-C."),
    "status": ("monitor.cli_service:status",
               "The service's next run times, its last runs and their outcomes, and the mail outbox."),
    "demo": ("monitor.cli_demo:demo",
             "Serve a bundled sample site farm and a local mail server on loopback, run one full cycle and "
             "print the mails delivered."),
    "reports": ("monitor.cli_audit:reports_command",
                "List stored report versions: one row per agency-year-version."),
    "findings": ("monitor.cli_audit:findings_group", "List stored findings, or triage one (confirm, dismiss)."),
    "history": ("monitor.cli_audit:history_command",
                "Everything about one agency (AGENCY or --agency ID): per year, its report versions and their "
                "publication dates, its findings with status and triage, and the event trail."),
    "export": ("monitor.cli_audit:export_command",
               "Export the whole history, one row per agency-year-version-cell, as CSV (UTF-8 with BOM, for "
               "Excel and WPS) or XLSX."),
}

# Keyed by rules.Severity's values (a StrEnum: Severity.ERROR == "error"), so that the rules need
# not be imported for `monitor --version`.
_SEVERITY_STYLE = {
    "error": ("错误", "red"),
    "warning": ("警告", "yellow"),
    "info": ("提示", "cyan"),
}
_TEMPLATE_NAMES = {"2021": "2021年格式（国办公开办函〔2021〕30号）", "legacy": "旧格式（2019年试行格式或更早）",
                   "unknown": "无法判断"}


class LazyGroup(click.Group):
    """A group whose `lazy_subcommands` (name -> ("module:attribute", help line)) are imported on
    first use (the "lazily loading subcommands" pattern of the click documentation)."""

    def __init__(self, *args, lazy_subcommands: dict[str, tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = dict(lazy_subcommands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_subcommands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands and cmd_name not in self.commands:
            self.add_command(self._load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, cmd_name: str) -> click.Command:
        module_name, _, attribute = self.lazy_subcommands[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command (lazy command {cmd_name!r})")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, but a command not loaded yet is listed with its help line from the map (through
        a stand-in command, so that click shortens it as it would the real one's)."""
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None and name in self.lazy_subcommands:
                command = click.Command(name, help=self.lazy_subcommands[name][1])
            if command is not None and not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # "Did you mean …" among the lazy commands too (click ≥ 8.4)
            no_such = getattr(click.exceptions, "NoSuchCommand", None)
            if no_such is None or not isinstance(exc, no_such):
                raise
            raise no_such(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None


# --- exit statuses, and what a crash or an interrupt becomes -----------------------------------------

EXIT_INTERNAL_ERROR = 3  # never 1: for `monitor check` 1 means "error findings"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped with Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of the output went away (`monitor … | head`)
DEBUG_VARIABLE = "MONITOR_DEBUG"


class MonitorGroup(LazyGroup):
    """The `monitor` command. An unexpected exception is one line on stderr (its type and the first
    line of its message), its traceback goes to the logger `monitor` (on stderr with MONITOR_DEBUG=1),
    and the exit status is 3; Ctrl-C exits with 130. click's usage errors stay as click prints them
    (exit status 2). Only in standalone mode (the console script, CliRunner): a caller that asks for
    the exceptions (standalone_mode=False) gets them."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _debug_logging()
        arguments = kwargs.get("args", args[0] if args else None)
        bad = undecodable(list(sys.argv[1:] if arguments is None else arguments))
        if bad is not None:
            refuse(f"monitor: 参数不是 UTF-8 文本：{inline(bad)}")
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        try:
            return super().main(*args, **kwargs)
        except Exception as exc:  # the last resort: no traceback for the user
            internal_error(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # click would print "Aborted!" and exit with 1 ("error findings")
            click.echo("\nmonitor: 已中断", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(EXIT_BROKEN_PIPE)


def internal_error(exc: BaseException) -> NoReturn:
    """One line on stderr for an unexpected exception, its traceback to the log, exit status 3."""
    import logging

    logger = logging.getLogger("monitor")
    if not logger.handlers:  # nowhere by default: never Python's last-resort print of the record on stderr
        logger.addHandler(logging.NullHandler())
    logger.error("内部错误", exc_info=exc)
    try:
        lines = str(exc).strip().splitlines()
    except Exception:  # an exception whose message cannot even be made
        lines = []
    first = clip(lines[0], 200) if lines else "（无说明）"
    with contextlib.suppress(OSError, ValueError):  # stderr itself is gone: the status still says it
        click.echo(f"monitor: 内部错误（{type(exc).__name__}）：{first}；详细信息已写入日志", err=True)
    sys.exit(EXIT_INTERNAL_ERROR)


_DEBUG_HANDLER = "monitor-debug"


class _CurrentStderr:
    """A stream writing to the sys.stderr of the moment (click's test runner replaces it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _debug_logging() -> None:
    """With MONITOR_DEBUG=1, the logger `monitor` writes everything (DEBUG and up, tracebacks
    included) to stderr; without it, nothing is set up here (logging is not even imported)."""
    wanted = os.environ.get(DEBUG_VARIABLE, "").strip() == "1"
    if not wanted and "logging" not in sys.modules:
        return
    import logging

    logger = logging.getLogger("monitor")
    present = [h for h in logger.handlers if h.name == _DEBUG_HANDLER]
    if wanted and not present:
        handler = logging.StreamHandler(_CurrentStderr())
        handler.set_name(_DEBUG_HANDLER)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    elif not wanted and present:
        for old in present:
            logger.removeHandler(old)
        logger.setLevel(logging.NOTSET)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test runner's buffer)
        pass


# --- option values checked where they are given ----------------------------------------------------

MAX_ID = 2**63 - 1  # a database id: PostgreSQL's bigint, SQLite's integer


def refuse(message: str) -> NoReturn:
    """A one-line refusal on stderr, exit status 2."""
    click.echo(printable(message), err=True)
    sys.exit(2)


def _integer(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:  # not a number (or more digits than int() takes)
        return None


def year_value(_ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """A report year option: an integer within 2008–2100 (the years the monitor stores), or one line."""
    if value is None:
        return None
    from monitor.report import MAX_YEAR, MIN_YEAR

    year = _integer(value)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        refuse(f"{_name(param)}: 年度应为 {MIN_YEAR}–{MAX_YEAR} 之间的整数，实为「{clip(value, 40)}」")
    return year


def id_value(_ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """A database id (a finding's number): a positive integer that fits 63 bits, or one line."""
    if value is None:
        return None
    number = _integer(value)
    if number is None or not 1 <= number <= MAX_ID:
        refuse(f"{_name(param)}: 编号应为 1 至 {MAX_ID} 之间的整数，实为「{clip(value, 40)}」")
    return number


def _name(param: click.Parameter) -> str:
    return param.opts[0] if isinstance(param, click.Option) else param.human_readable_name


@click.group(cls=MonitorGroup, lazy_subcommands=LAZY_COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annual-report-monitor")  # importlib.metadata is imported only for --version
def main() -> None:
    """政府信息公开工作年度报告合规监测 (annual-report compliance monitor)."""


@main.command()
@click.argument("location")
@click.option("--json", "as_json", is_flag=True, help="Print the SPEC §4 JSON object.")
@click.option("--kind", type=click.Choice(["department", "government", "township"]), help="Publisher kind.")
@click.option("--agency", help="The agency the report should be of: fills in a name the document lacks; "
              "another name in the document raises AGENCY-MISMATCH.")
@click.option("--year", metavar="Y", callback=year_value, help="Report year (2008–2100), when the document does "
              "not state it (a different year stated in the document is refused).")
def check(location: str, as_json: bool, kind: str | None, agency: str | None, year: int | None) -> None:
    """Parse one report (file path or URL) and run every document rule.

    Exit status: 0 no error finding, 1 error findings, 2 unreadable input or not a report, 3 internal
    error (a bug: one line on stderr, the details in the log; MONITOR_DEBUG=1 shows them), 130
    interrupted (Ctrl-C).
    """
    from monitor.errors import InputError
    from monitor.pipeline import check as check_location

    try:
        result = check_location(location, kind=kind, agency=agency, year=year)
    except InputError as exc:
        refuse(f"monitor check: {inline(location)}: {exc}")
    if as_json:
        click.echo(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=1))
    else:
        _print_summary(result)
    sys.exit(1 if result.has_errors else 0)


def _print_summary(result: CheckResult) -> None:
    """The human summary. Every text taken from the document (agency, sentences, messages quoting it)
    goes through `printable`: a report must not be able to drive the operator's terminal."""
    from monitor.template import SECTION_TITLES
    from rules import Severity

    report = result.report
    click.echo(click.style(printable(report.agency or "（未识别机关）"), bold=True)
               + f"  {report.year or '（未识别年度）'}年度政府信息公开工作年度报告")
    click.echo(f"来源：{printable(report.source.location)}")
    click.echo(f"格式：{_TEMPLATE_NAMES[report.template]}")
    first = report.published_date
    if first:
        click.echo(f"发布时间：{first.value:%Y-%m-%d %H:%M}（{printable(first.source)}）")
    missing = [SECTION_TITLES[k] for k in SECTION_TITLES if k not in report.present_sections]
    click.echo(f"章节：{6 - len(missing)}/6" + (f"，缺少 {'、'.join(missing)}" if missing else ""))
    if not result.findings:
        click.echo(click.style("未发现问题。", fg="green"))
        return
    counts = {sev: sum(f.severity == sev for f in result.findings) for sev in Severity}
    click.echo(f"发现 {counts[Severity.ERROR]} 个错误、{counts[Severity.WARNING]} 个警告：")
    for finding in result.findings:
        label, colour = _SEVERITY_STYLE[finding.severity]
        click.echo(click.style(f"[{label} {finding.rule}] ", fg=colour, bold=True) + printable(finding.message))
        evidence = finding.evidence
        if "expected" in evidence:
            click.echo(printable(f"    应为：{evidence['expected']}  实为：{evidence['actual']}"))
        if evidence.get("text"):
            click.echo(printable(f"    原文：{evidence['text']}"))
        if evidence.get("cells"):
            cells = evidence["cells"]
            click.echo(printable(f"    单元格：{', '.join(cells[:6])}{' …' if len(cells) > 6 else ''}"))


if __name__ == "__main__":  # pragma: no cover
    main()
