"""deploy/: the systemd unit is hardened and verifies, the Dockerfile builds a non-root image from the
wheel and the lock, the compose file wires the monitor to PostgreSQL and Mailpit. (deploy/monitor.sample.toml
is tested in test_docs.py.)

Docker cannot build the image offline (pip needs the package index), so the Dockerfile is checked by
reading its instructions."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import unavailable

from monitor.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "monitor.service"
INSTALLED = "/opt/annual-report-monitor/bin/monitor"


def _unit() -> dict[str, list[str]]:
    """`Key` -> its values in the unit file (a key may repeat)."""
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_the_unit_is_hardened_and_runs_the_service_as_its_own_user():
    unit = _unit()
    required = {
        "User": "monitor", "Restart": "on-failure", "ProtectSystem": "strict", "NoNewPrivileges": "yes",
        "PrivateTmp": "yes", "ProtectHome": "yes", "CapabilityBoundingSet": "",
        "ReadWritePaths": "/var/lib/annual-report-monitor", "SystemCallFilter": "@system-service",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "EnvironmentFile": "-/etc/annual-report-monitor/monitor.env",
    }
    for key, value in required.items():
        assert unit.get(key) == [value], (key, unit.get(key))
    [start] = unit["ExecStart"]
    assert start.startswith(f"{INSTALLED} run --config /etc/annual-report-monitor/monitor.toml")
    assert unit["ExecStartPre"] == [f"{INSTALLED} init --config /etc/annual-report-monitor/monitor.toml"]
    assert unit["WorkingDirectory"] == unit["ReadWritePaths"]  # the service's only writable folder


def test_the_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is not installed: deploy/monitor.service not verified", "MONITOR_REQUIRE_SYSTEMD")
    # verify checks that the programs exist: the monitor of this environment stands in for the installed one
    monitor = Path(sys.executable).with_name("monitor")
    assert monitor.exists(), monitor
    unit = tmp_path / "annual-report-monitor.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(monitor)), encoding="utf-8")
    proc = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and unit.name not in proc.stderr, proc.stderr
    security = subprocess.run([analyze, "security", "--offline=true", "--threshold=30", str(unit)],
                              capture_output=True, text=True, timeout=120)
    assert security.returncode == 0, security.stdout[-3000:]  # exposure 3.0 or better (of 10; "OK")


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped) as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def test_the_dockerfile_builds_the_wheel_and_installs_it_with_the_lock_as_a_non_root_user():
    steps = _instructions()
    stages = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    assert [steps[i][1] for i in stages] == ["python:3.11-slim AS build", "python:3.11-slim"]
    build, final = steps[stages[0]:stages[1]], steps[stages[1]:]
    assert any(word == "RUN" and "pip wheel" in args and "--no-deps" in args for word, args in build)
    installs = [args for word, args in final if word == "RUN" and " install " in args and ".whl" in args]
    assert len(installs) == 1 and re.search(r"-c \S*requirements\.lock", installs[0]), installs
    assert ("COPY", "--from=build /wheels /tmp/wheels") in final
    words = [word for word, _ in final]
    user = words.index("USER")
    assert final[user][1] == "monitor" and user > max(i for i, w in enumerate(words) if w == "RUN")
    assert any(word == "RUN" and "useradd --system" in args and " monitor" in args for word, args in final)
    assert dict(final)["VOLUME"] == '["/var/lib/monitor"]'
    assert dict(final)["HEALTHCHECK"].endswith('CMD ["monitor", "status"]')
    assert dict(final)["CMD"].startswith('["monitor", "run"')
    assert any(word == "RUN" and "install -y --no-install-recommends tzdata" in args for word, args in final)


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regular expression: `*` within one name, `**/` any folders."""
    parts = re.split(r"(\*\*/|\*|\?)", pattern.strip("/"))
    tokens = {"**/": "(?:.*/)?", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(tokens.get(part, re.escape(part)) for part in parts))


def test_the_docker_context_holds_what_the_dockerfile_copies_and_nothing_else():
    rules = [(line.startswith("!"), _ignore_regex(line.lstrip("!")))
             for line in map(str.strip, (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines())
             if line and not line.startswith("#")]

    def sent(path: str) -> bool:
        """Whether the build context holds `path`: the last pattern matching it or a folder above it wins."""
        names = path.split("/")
        prefixes = ["/".join(names[:i]) for i in range(1, len(names) + 1)]
        keep = True
        for negated, regex in rules:
            if any(regex.fullmatch(prefix) for prefix in prefixes):
                keep = negated
        return keep

    copied = [args.split()[:-1] for word, args in _instructions() if word == "COPY" and "--from" not in args]
    for source in (source for sources in copied for source in sources):
        assert (ROOT / source).exists() and sent(source), source
    assert sent("monitor/demo/data/challenge.html") and sent("monitor/samples/registry.toml")
    for private in (".venv/bin/python", ".git/config", "tests/conftest.py", "build/lib/monitor/cli.py",
                    "monitor/__pycache__/cli.cpython-311.pyc", "monitor.toml"):
        assert not sent(private), private


def _services() -> dict[str, str]:
    """The compose file's services: name -> its block of text."""
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    block = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    parts = re.split(r"^  ([a-z][\w-]*):\n", block, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_compose_runs_the_monitor_with_postgresql_15_and_mailpit():
    services = _services()
    assert set(services) == {"monitor", "db", "mailpit"}
    monitor, db, mailpit = services["monitor"], services["db"], services["mailpit"]
    assert "dockerfile: deploy/Dockerfile" in monitor and "context: .." in monitor
    assert "monitor init && exec monitor run" in monitor
    assert "./monitor.compose.toml:/var/lib/monitor/monitor.toml:ro" in monitor
    assert "condition: service_healthy" in monitor and "PGPASSWORD:" in monitor
    assert "image: postgres:15" in db and "pg_isready" in db
    assert "image: axllent/mailpit" in mailpit and '"127.0.0.1:8025:8025"' in mailpit

    settings = load_settings(DEPLOY / "monitor.compose.toml")
    assert settings.database.url == "postgresql+psycopg://monitor@db:5432/monitor"  # no password in the file
    assert (settings.mail.smtp_host, settings.mail.smtp_port) == ("mailpit", 1025)
    assert settings.mail.outbox_dir.startswith(str(DEPLOY))  # relative: under /var/lib/monitor in the container


@pytest.mark.parametrize("name", ["monitor.service", "Dockerfile", "compose.yaml", "monitor.compose.toml"])
def test_the_operations_guide_names_every_deploy_file(name):
    assert f"deploy/{name}" in (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
