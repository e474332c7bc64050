"""Start-up cost of the command line: CPU time of `monitor check` and `monitor --version`.

Each command runs N times in a child process (interleaved, after one unmeasured warm-up run of
each, so that bytecode caches exist and drift hits every command alike); a child's CPU time is
its user + system time from `os.wait4`. The floor is `python -c "import lxml.html, requests"`,
the two libraries `monitor check` cannot do without. The monitor commands run as
`sys.executable -m monitor.cli …` from the repository root (the same interpreter as the floor,
so the venv's `monitor` script wrapper, which does the same import, is not measured separately).

    .venv/bin/python bench/startup.py [-n 10]

prints the medians and each command's ratio to the floor, and exits 1 if a ratio exceeds 3.
`measure()` returns the numbers for bench/report.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "monitor/samples/weibin-office-2025.txt"
MAX_RATIO = 3.0
# name -> (argv after the interpreter, accepted exit statuses); the sample has an error finding.
COMMANDS: dict[str, tuple[list[str], set[int]]] = {
    "floor": (["-c", "import lxml.html, requests"], {0}),
    "check": (["-m", "monitor.cli", "check", SAMPLE], {0, 1}),
    "version": (["-m", "monitor.cli", "--version"], {0}),
}


def cpu_seconds(args: list[str], accepted: set[int]) -> float:
    """User + system CPU seconds of one child running `sys.executable *args`."""
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode not in accepted:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: {stderr.decode(errors='replace')[-500:]}")
    return usage.ru_utime + usage.ru_stime


def measure(n: int = 10) -> dict:
    """Median CPU seconds per command and its ratio to the floor.

    Returns {"n": n, "python": sys.executable, "max_ratio": 3.0, "ok": bool,
             "commands": {name: {"argv": [...], "median_s": float, "min_s": float, "max_s": float,
                                 "ratio": float}}}  (names: floor, check, version; floor's ratio is 1).
    """
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for args, accepted in COMMANDS.values():  # warm-up: __pycache__, page cache
        cpu_seconds(args, accepted)
    for _ in range(n):
        for name, (args, accepted) in COMMANDS.items():
            samples[name].append(cpu_seconds(args, accepted))
    floor = statistics.median(samples["floor"])
    commands = {
        name: {
            "argv": ["python", *COMMANDS[name][0]],
            "median_s": statistics.median(times),
            "min_s": min(times),
            "max_s": max(times),
            "ratio": statistics.median(times) / floor,
        }
        for name, times in samples.items()
    }
    ok = all(entry["ratio"] <= MAX_RATIO for entry in commands.values())
    return {"n": n, "python": sys.executable, "max_ratio": MAX_RATIO, "ok": ok, "commands": commands}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="repetitions of each command (default 10)")
    result = measure(parser.parse_args(argv).n)
    print(f"CPU time (user+sys) per child, median of {result['n']} runs, {result['python']}")
    width = max(len(" ".join(entry["argv"])) for entry in result["commands"].values())
    print(f"{'command':<{width}} {'median':>8} {'min':>8} {'max':>8} {'ratio':>6}")
    for entry in result["commands"].values():
        print(f"{' '.join(entry['argv']):<{width}} {entry['median_s'] * 1000:>6.0f}ms {entry['min_s'] * 1000:>6.0f}ms "
              f"{entry['max_s'] * 1000:>6.0f}ms {entry['ratio']:>5.2f}x")
    if not result["ok"]:
        print(f"FAIL: a command costs more than {MAX_RATIO:g}x the floor", file=sys.stderr)
        return 1
    print(f"ok: every command within {MAX_RATIO:g}x the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
