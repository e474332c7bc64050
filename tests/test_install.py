"""The installed wheel works outside the checkout: built, installed into a new virtual environment
with the locked dependencies, and run from a folder that has nothing of the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp_path / "dist", ROOT, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("annual_report_monitor-*.whl")
    _run(sys.executable, "-m", "venv", tmp_path / "venv", cwd=tmp_path)
    bin_dir = tmp_path / "venv" / "bin"
    _run(bin_dir / "pip", "install", "--quiet", "-c", ROOT / "requirements.lock", wheel, cwd=tmp_path)

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    location = _run(bin_dir / "python", "-c", "import monitor, pathlib; print(pathlib.Path(monitor.__file__).parent)",
                    cwd=work, env=env).stdout.strip()
    assert location.startswith(str(tmp_path / "venv")), location
    sample = Path(location) / "samples" / "weibin-office-2025.txt"  # shipped inside the package

    init = _run("monitor", "init", cwd=work, env=env).stdout
    assert "数据库已就绪（新建）" in init and str(tmp_path / "data") in init, init
    check = subprocess.run(["monitor", "check", str(sample)], cwd=work, env=env, capture_output=True, text=True)
    assert check.returncode == 1 and "NARRATIVE-SUM" in check.stdout, check
    ingest = _run("monitor", "ingest", str(sample), "--agency", "weibin-office", cwd=work, env=env).stdout
    assert "weibin-office 2025年度 第1版：已入库" in ingest, ingest
    assert "weibin-office" in _run("monitor", "reports", cwd=work, env=env).stdout
    assert list(work.iterdir()) == []  # nothing written into the working folder
    for name, proc in (("init", init), ("check", check.stdout), ("ingest", ingest)):
        print(f"$ monitor {name}\n{proc}")
