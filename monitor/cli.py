"""The `monitor` command line."""

from __future__ import annotations

import json
import sys

import click

from monitor import cli_audit, cli_data
from monitor.check import CheckResult
from monitor.errors import InputError
from monitor.pipeline import check as check_location
from monitor.template import SECTION_TITLES
from rules import Severity

_SEVERITY_STYLE = {
    Severity.ERROR: ("错误", "red"),
    Severity.WARNING: ("警告", "yellow"),
    Severity.INFO: ("提示", "cyan"),
}
_TEMPLATE_NAMES = {"2021": "2021年格式（国办公开办函〔2021〕30号）", "legacy": "旧格式（2019年试行格式或更早）",
                   "unknown": "无法判断"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="annual-report-monitor")
def main() -> None:
    """政府信息公开工作年度报告合规监测 (annual-report compliance monitor)."""


@main.command()
@click.argument("location")
@click.option("--json", "as_json", is_flag=True, help="Print the SPEC §4 JSON object.")
@click.option("--kind", type=click.Choice(["department", "government", "township"]), help="Publisher kind.")
@click.option("--agency", help="Agency name (overrides the one read from the title).")
@click.option("--year", type=int, help="Report year (overrides the one read from the title).")
def check(location: str, as_json: bool, kind: str | None, agency: str | None, year: int | None) -> None:
    """Parse one report (file path or URL) and run every document rule.

    Exit status: 0 no error finding, 1 error findings, 2 unreadable input or not a report.
    """
    try:
        result = check_location(location, kind=kind, agency=agency, year=year)
    except InputError as exc:
        click.echo(f"monitor check: {location}: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=1))
    else:
        _print_summary(result)
    sys.exit(1 if result.has_errors else 0)


def _print_summary(result: CheckResult) -> None:
    report = result.report
    click.echo(click.style(report.agency or "（未识别机关）", bold=True)
               + f"  {report.year or '（未识别年度）'}年度政府信息公开工作年度报告")
    click.echo(f"来源：{report.source.location}")
    click.echo(f"格式：{_TEMPLATE_NAMES[report.template]}")
    first = report.published_date
    if first:
        click.echo(f"发布时间：{first.value:%Y-%m-%d %H:%M}（{first.source}）")
    missing = [SECTION_TITLES[k] for k in SECTION_TITLES if k not in report.present_sections]
    click.echo(f"章节：{6 - len(missing)}/6" + (f"，缺少 {'、'.join(missing)}" if missing else ""))
    if not result.findings:
        click.echo(click.style("未发现问题。", fg="green"))
        return
    counts = {sev: sum(f.severity == sev for f in result.findings) for sev in Severity}
    click.echo(f"发现 {counts[Severity.ERROR]} 个错误、{counts[Severity.WARNING]} 个警告：")
    for finding in result.findings:
        label, colour = _SEVERITY_STYLE[finding.severity]
        click.echo(click.style(f"[{label} {finding.rule}] ", fg=colour, bold=True) + finding.message)
        evidence = finding.evidence
        if "expected" in evidence:
            click.echo(f"    应为：{evidence['expected']}  实为：{evidence['actual']}")
        if evidence.get("text"):
            click.echo(f"    原文：{evidence['text']}")
        if evidence.get("cells"):
            cells = evidence["cells"]
            click.echo(f"    单元格：{', '.join(cells[:6])}{' …' if len(cells) > 6 else ''}")


for _command in (*cli_data.COMMANDS, *cli_audit.COMMANDS):
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
