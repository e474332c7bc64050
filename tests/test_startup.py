"""Start-up: `monitor check` of a text file, `monitor --version` and `monitor --help` import only
what they use. Deterministic: the modules loaded are listed, nothing is timed (bench/startup.py
measures the CPU time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "monitor/samples/weibin-office-2025.txt"
ALL_COMMANDS = ("agencies", "check", "crawl", "deadlines", "demo", "export", "findings", "history", "ingest", "init",
                "reports", "run", "send", "status")
# The database, export and document-format libraries: none is needed to check a text file.
HEAVY = frozenset(("sqlalchemy", "alembic", "pydantic", "pydantic_core", "openpyxl", "psycopg", "pdfplumber",
                   "pdfminer", "pypdfium2", "docx"))
_MARKER = "@@modules@@"
# Runs the command line as `python -m monitor.cli ARGS` does, then lists the top-level packages and
# the monitor modules that were imported.
_WRAPPER = f"""
import json, runpy, sys
sys.argv = ["monitor", *json.loads(sys.argv[1])]
try:
    runpy.run_module("monitor.cli", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    status = exc.code
else:
    status = 0
sys.stdout.flush()
names = sorted({{m.split(".")[0] for m in sys.modules}} | {{m for m in sys.modules if m.startswith("monitor.")}})
print("{_MARKER}" + json.dumps({{"status": status, "modules": names}}))
"""


def run_monitor(*args: str) -> tuple[int, str, set[str]]:
    """(exit status, stdout before the module list, modules imported) of `monitor ARGS`."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, json.dumps(args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONIOENCODING": "utf-8", "PATH": ""})
    output, marker, tail = proc.stdout.rpartition(_MARKER)
    assert marker, f"no module list: {proc.stderr[-2000:]}"
    result = json.loads(tail)
    return result["status"], output, set(result["modules"])


def test_check_of_a_text_file_imports_no_database_pdf_or_word_library():
    status, output, modules = run_monitor("check", SAMPLE, "--json")
    assert status == 1  # the sample's NARRATIVE-SUM error: the check really ran
    assert json.loads(output)["source"]["media_type"] == "text/plain"
    assert not modules & HEAVY, sorted(modules & HEAVY)
    assert "monitor.cli_data" not in modules and "monitor.cli_audit" not in modules
    assert "monitor.parsing.pdf" not in modules and "monitor.parsing.word" not in modules


def test_version_imports_neither_the_checker_nor_the_database():
    status, output, modules = run_monitor("--version")
    assert status == 0 and "version" in output
    assert not modules & (HEAVY | {"requests", "lxml", "charset_normalizer", "rules"}), sorted(modules)
    assert "monitor.pipeline" not in modules and "monitor.parsing" not in modules


def test_help_lists_every_command_without_loading_them():
    status, output, modules = run_monitor("--help")
    assert status == 0
    listed = output.partition("Commands:")[2]
    for name in ALL_COMMANDS:
        assert f"\n  {name} " in listed, name
    assert not modules & HEAVY, sorted(modules & HEAVY)


def test_every_lazy_command_resolves_to_its_command_and_help_line():
    """The map in monitor/cli.py is kept in step with the command modules."""
    from monitor.cli import LAZY_COMMANDS, main

    assert set(LAZY_COMMANDS) | {"check"} == set(ALL_COMMANDS)
    ctx = click.Context(main)
    for name, (target, help_line) in LAZY_COMMANDS.items():
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name, target
        shown = click.Command(name, help=help_line).get_short_help_str(1000)
        assert command.get_short_help_str(1000) == shown, f"{name}: update its help line in LAZY_COMMANDS"


def test_a_mistyped_command_still_suggests_the_lazy_ones():
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "ingset"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PYTHONIOENCODING": "utf-8", "PATH": ""})
    assert proc.returncode == 2 and "No such command 'ingset'" in proc.stderr and "'ingest'" in proc.stderr
