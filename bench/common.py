"""What the benchmarks share: paths, CPU and wall timing, cell accuracy, Markdown tables."""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "tests"):  # the monitor package, and the generators synth / synth_documents
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call, after a garbage collection."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def cli(args: list[str], repeat: int = 1, remove: Path | None = None) -> dict:
    """`python -m monitor.cli ARGS` in a child process, `repeat` times (`remove` deleted before each):
    median wall seconds and CPU seconds of the child (user + system), the last line it printed; or
    {"error": last line of stderr} (the whole stderr printed) when it fails."""
    runs = []
    for _ in range(repeat):
        if remove:
            remove.unlink(missing_ok=True)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            wall = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            runs.append((usage.ru_utime + usage.ru_stime, time.perf_counter() - wall))
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
            out.seek(0)
            err.seek(0)
            said, problem = out.read().decode(errors="replace").strip(), err.read().decode(errors="replace").strip()
        if proc.returncode:
            print(f"monitor {' '.join(args)} exited {proc.returncode}:\n{problem[-2000:]}", file=sys.stderr)
            return {"error": (problem.splitlines() or [f"exit {proc.returncode}"])[-1]}
    return {**medians(runs), "said": (said.splitlines() or [""])[-1]}


def medians(runs: list[tuple[float, float]]) -> dict:
    """{"cpu_s", "wall_s"}: the medians of (CPU seconds, wall seconds) pairs."""
    return {"cpu_s": statistics.median(c for c, _ in runs), "wall_s": statistics.median(w for _, w in runs)}


def cells_right(expected: dict, actual: dict) -> tuple[int, int]:
    """(cells equal, cells expected) of two tables in the nested shape table -> row -> field -> value."""
    right = total = 0
    for table, rows in expected.items():
        for row, cells in rows.items():
            for field, value in cells.items():
                total += 1
                got = actual.get(table, {}).get(row, {}).get(field)
                right += got == value
    return right, total


def markdown(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A Markdown table; the first column left-aligned, the others right-aligned."""
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(value: float | None, floor: float | None) -> str:
    return f"{value / floor:.1f}×" if value is not None and floor else "—"
