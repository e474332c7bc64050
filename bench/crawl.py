"""The crawler against its politeness floor: two sweeps of a farm of loopback sites.

    .venv/bin/python bench/crawl.py [--agencies 2000] [--hosts 50] [--interval 0.5] [--parallel HOSTS]
                                    [--seed 1] [--slack-ms 5] [--json FILE]

The bench farm of tests/farm/bench.py (`--agencies` departments spread round-robin over `--hosts`
loopback hosts, each a TRS-like listing of its 2–3 latest reports with ETag and Last-Modified) is
served by a process of its own (`python -m farm`), so that the crawler's CPU and memory are its own.
In a temporary directory: `monitor init` of a monitor.toml holding the farm's registry
(`per_host_interval_s = --interval`, `hosts_in_parallel = --parallel`), then `monitor crawl` twice,
each a child process timed from launch to exit: the first sweep finds and stores every report, the
second (the farm unchanged) should send one conditional request per listing and store nothing.

After each sweep the farm's request log (arrival and end of every request, on one monotonic clock)
gives the requests per agency and per listing, the bytes served and the politeness check: on each
host, no request may arrive less than the interval (minus `--slack-ms`) after the previous one ended.

Floors: the issue's, agencies per host × interval (every agency costs at least one listing request);
and the true one, the requests the busiest host received, less one, × interval (the first sweep also
fetches robots.txt and every report). The crawler lengthens each interval by 0–25 % of jitter, so
at best it reaches the requests floor × 1.125 on average. Peak RSS: the largest single process of
the crawl (`os.wait4`: the crawler or one of its reader workers) and the sampled peak of the crawler
and all its descendants together.

`measure()` returns the figures, `to_markdown()` the section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import common

from scrapers.fetch import JITTER

NOW = "2026-04-15T09:00:00+08:00"  # the farm's reports are of 2023–2025, published in January
FIRST_YEAR = 2021
SUMMARY = re.compile(r"栏目已读 (?P<listings_read>\d+)，未变（304）(?P<listings_unchanged>\d+)，"
                     r"被阻止 (?P<blocked>\d+)，失败 (?P<failed>\d+)；"
                     r"新报告 (?P<new_reports>\d+)，新版本 (?P<new_versions>\d+)，.*?"
                     r"错误 (?P<errors>\d+)；请求 (?P<requests>\d+) 次，(?P<size>[\d.]+) (?P<unit>[KM]B)")


def _say(progress: bool, text: str) -> None:
    if progress:
        print(f"bench/crawl: {text}", file=sys.stderr, flush=True)


# --- the farm, in a process of its own -------------------------------------------------------------------
class FarmProcess:
    """`python -m farm` serving the bench farm; `dump()` returns the request log since the last dump."""

    def __init__(self, out: Path, agencies: int, hosts: int, seed: int) -> None:
        self.out, self.dumps = out, 0
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(common.ROOT / "tests"),
                                                                         os.environ.get("PYTHONPATH")])))
        self.log = (out.parent / "farm.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "farm", "--agencies", str(agencies), "--hosts", str(hosts),
                                      "--seed", str(seed), "--out", str(out)], cwd=common.ROOT, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while not (out / "ready").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the farm did not start: {(out.parent / 'farm.log').read_text()[-2000:]}")
            time.sleep(0.1)
        self.registry = (out / "registry.toml").read_text(encoding="utf-8")
        self.expected = json.loads((out / "expected.json").read_text(encoding="utf-8"))

    def dump(self) -> list[dict]:
        """The requests since the last dump (SIGUSR1; the farm writes requests-N.json)."""
        time.sleep(0.2)  # the farm sets a request's end just after its last byte left
        self.dumps += 1
        path = self.out / f"requests-{self.dumps}.json"
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if path.exists():
                try:
                    return json.loads(path.read_text(encoding="utf-8"))
                except ValueError:  # still being written
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"the farm wrote no {path.name}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# --- one sweep: the crawl as a child process ---------------------------------------------------------------
def _tree(pid: int) -> list[int]:
    """pid and all its descendants (Linux /proc; [pid] elsewhere)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                todo += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return found


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class _Sampler(threading.Thread):
    """Every 0.1 s: the RSS of the crawler and its descendants together, the crawler's own high-water
    mark and CPU time (its main process alone: the rest is its reader workers'); every 10 s a progress
    line (the agencies the crawl has announced on its stderr)."""

    def __init__(self, pid: int, err: Path, total: int, label: str, progress: bool) -> None:
        super().__init__(daemon=True)
        self.pid, self.err, self.total, self.label, self.progress = pid, err, total, label, progress
        self.tree_peak_kib = self.main_hwm_kib = 0
        self.main_cpu_s = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        start = last = time.monotonic()
        while not self.done.wait(0.1):
            self.tree_peak_kib = max(self.tree_peak_kib, sum(_status_kib(p, "VmRSS") for p in _tree(self.pid)))
            self.main_hwm_kib = max(self.main_hwm_kib, _status_kib(self.pid, "VmHWM"))
            self.main_cpu_s = max(self.main_cpu_s, _cpu_s(self.pid))
            if self.progress and time.monotonic() - last >= 10:
                last = time.monotonic()
                try:
                    seen = self.err.read_bytes().count(b"\n[")
                except OSError:
                    seen = 0
                _say(True, f"{self.label}: {last - start:.0f} s, {seen}/{self.total} agencies")


def sweep(config: Path, workdir: Path, label: str, total: int, progress: bool) -> dict:
    """`monitor crawl --config … --no-progress --now NOW` in a child process: wall seconds (launch to
    exit, and the monotonic instants of both), CPU, peak RSS, its summary line parsed."""
    out, err = workdir / f"{label}.out", workdir / f"{label}.err"
    args = [sys.executable, "-m", "monitor.cli", "crawl", "--config", str(config), "--no-progress", "--now", NOW]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        launched = time.monotonic()
        proc = subprocess.Popen(args, cwd=common.ROOT, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        sampler = _Sampler(proc.pid, err, total, label, progress)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        exited = time.monotonic()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        sampler.done.set()
        sampler.join()
    said = out.read_text(encoding="utf-8", errors="replace")
    result: dict = {"launched": launched, "exited": exited, "wall_s": exited - launched, "exit": proc.returncode,
                    "cpu_s": usage.ru_utime + usage.ru_stime, "main_cpu_s": sampler.main_cpu_s,
                    "maxrss_mib": usage.ru_maxrss / 1024,
                    "tree_peak_mib": sampler.tree_peak_kib / 1024, "main_hwm_mib": sampler.main_hwm_kib / 1024,
                    "said": next((line for line in said.splitlines() if line.startswith("抓取")), said.strip()[-300:])}
    match = SUMMARY.search(said)
    if match:
        counts = match.groupdict()
        size = float(counts.pop("size")) * (2**20 if counts.pop("unit") == "MB" else 2**10)
        result["summary"] = {k: int(v) for k, v in counts.items()} | {"bytes": int(size)}
    problems = [line for line in err.read_text(encoding="utf-8", errors="replace").splitlines()
                if line.startswith("monitor crawl:") or "Traceback" in line]
    result["problems"] = problems[:20]
    if proc.returncode:
        print(err.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
    return result


# --- the request log ---------------------------------------------------------------------------------------
def _kind(record: dict) -> str:
    path = record["target"].split("?", 1)[0]
    if path == "/robots.txt":
        return "robots"
    if path.endswith("/zfxxgknb/index.html"):
        return "listing"
    if re.search(r"/t\d{8}_\d+\.html$", path):
        return "report"
    return "other"


def _conditional(record: dict) -> bool:
    return "If-None-Match" in record["headers"] or "If-Modified-Since" in record["headers"]


def analyse(records: list[dict], interval: float, slack: float, launched: float, exited: float) -> dict:
    """Requests by kind and status, per host counts, and the politeness check: for each host, the gap
    between the end of one request and the arrival of the next (≥ interval − slack)."""
    by_host: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_host[record["host"]].append(record)
    violations, worst = [], None
    gaps_min: list[float] = []
    idle = 0.0  # seconds hosts waited beyond the longest jittered interval (not politeness: the crawler)
    spans = {}
    for host, items in by_host.items():
        items.sort(key=lambda r: r["arrival"])
        for prev, nxt in itertools.pairwise(items):
            end = prev["end"] if prev["end"] is not None else prev["arrival"]
            gap = nxt["arrival"] - end
            gaps_min.append(gap)
            if worst is None or gap < worst[0]:
                worst = (gap, host, prev["target"], nxt["target"])
            if gap < interval - slack:
                violations.append({"host": host, "gap_s": round(gap, 4), "after": prev["target"],
                                   "next": nxt["target"]})
            idle += max(0.0, gap - interval * (1 + JITTER))
        last = max((r["end"] or r["arrival"]) for r in items)
        spans[host] = (items[0]["arrival"], last, len(items))
    kinds = Counter(_kind(r) for r in records)
    listings = [r for r in records if _kind(r) == "listing"]
    first_arrival = min((r["arrival"] for r in records), default=launched)
    last_end = max(((r["end"] or r["arrival"]) for r in records), default=exited)
    busiest = max(spans.items(), key=lambda kv: kv[1][2]) if spans else None
    slowest = max(spans.items(), key=lambda kv: kv[1][1]) if spans else None
    return {
        "requests": len(records), "kinds": dict(kinds),
        "statuses": dict(Counter(str(r["status"]) for r in records)),
        "conditional": sum(1 for r in records if _conditional(r)),
        "listing_conditional": sum(1 for r in listings if _conditional(r)),
        "listing_304": sum(1 for r in listings if r["status"] == 304),
        "bytes_served": sum(r["bytes_sent"] for r in records),
        "hosts": len(by_host),
        "max_requests_per_host": busiest[1][2] if busiest else 0,
        "min_gap_s": worst[0] if worst else None, "min_gap_at": list(worst[1:]) if worst else None,
        "violations": len(violations), "violation_examples": violations[:5],
        "gaps": len(gaps_min), "idle_beyond_jitter_s": idle,
        "startup_s": first_arrival - launched, "tail_s": exited - last_end,
        "slowest_host": slowest[0] if slowest else None,
        "slowest_host_span_s": (slowest[1][1] - slowest[1][0]) if slowest else None,
        "slowest_host_requests": slowest[1][2] if slowest else None,
    }


# --- the benchmark ---------------------------------------------------------------------------------------
def measure(agencies: int = 2000, hosts: int = 50, interval: float = 0.5, parallel: int | None = None,
            seed: int = 1, slack_ms: float = 5.0, progress: bool = True, keep: Path | None = None) -> dict:
    """Serve the farm, init, crawl twice; the figures of both sweeps (see the module docstring).

    Returns {"agencies", "hosts", "interval_s", "parallel", "slack_ms", "agencies_per_host", "listings",
             "expected_reports", "init": {...}, "sweeps": {"first": {...}, "second": {...}}}, each sweep
    with its wall and CPU seconds, floors, RSS, summary line counts and request-log analysis."""
    parallel = parallel or hosts
    result: dict = {"agencies": agencies, "hosts": hosts, "interval_s": interval, "parallel": parallel,
                    "slack_ms": slack_ms, "jitter": JITTER, "sweeps": {}}
    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    farm: FarmProcess | None = None
    try:
        _say(progress, f"starting the farm ({agencies} agencies on {hosts} hosts)")
        farm = FarmProcess(tmp / "farm", agencies, hosts, seed)
        per_host = Counter(farm.expected["host_of"].values())
        result["agencies_per_host"] = max(per_host.values())
        result["listings"] = sum(len(a.get("listing", [])) for a in tomllib.loads(farm.registry).get("agency", []))
        result["expected_reports"] = sum(len(years) for years in farm.expected["agencies"].values())
        config = tmp / "monitor.toml"
        config.write_text(f'[database]\nurl = "sqlite:///{tmp / "monitor.db"}"\n\n[crawl]\n'
                          f"per_host_interval_s = {interval}\nallow_private_addresses = true\n"
                          f"hosts_in_parallel = {parallel}\nfirst_year = {FIRST_YEAR}\n\n{farm.registry}",
                          encoding="utf-8")
        _say(progress, "monitor init")
        result["init"] = common.cli(["init", "--config", str(config)])
        if "error" in result["init"]:
            raise RuntimeError(f"monitor init failed: {result['init']['error']}")
        farm.dump()  # nothing yet; starts the log afresh
        for label in ("first", "second"):
            _say(progress, f"{label} sweep")
            farm_cpu = _cpu_s(farm.proc.pid)
            run = sweep(config, tmp, label, agencies, progress)
            run["farm_cpu_s"] = _cpu_s(farm.proc.pid) - farm_cpu
            log = analyse(farm.dump(), interval, slack_ms / 1000, run["launched"], run["exited"])
            run |= {"log": log,
                    "floor_agencies_s": result["agencies_per_host"] * interval,
                    "floor_requests_s": max(0, log["max_requests_per_host"] - 1) * interval}
            run["floor_jittered_s"] = run["floor_requests_s"] * (1 + JITTER / 2)
            result["sweeps"][label] = run
            _say(progress, f"{label} sweep: {run['wall_s']:.1f} s, {log['requests']} requests, "
                           f"{log['violations']} interval violations; {run['said']}")
    finally:
        if farm is not None:
            farm.stop()
        if keep is not None:
            shutil.copytree(tmp, keep, dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _mib(value: float) -> str:
    return f"{value:.0f} MiB"


def _size(count: float) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count / 2**10:.1f} KiB"


def to_markdown(result: dict) -> str:
    sweeps = result["sweeps"]
    names = [name for name in ("first", "second") if name in sweeps]
    interval, n = result["interval_s"], result["agencies"]

    def row(label: str, fn: Callable[[dict], str]) -> list[str]:
        cells = []
        for name in names:
            try:
                cells.append(fn(sweeps[name]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("—")
        return [label, *cells]

    def count(s: dict, key: str) -> int:
        return s["summary"][key]

    rows = [
        row("wall time (launch to exit)", lambda s: f"{s['wall_s']:.1f} s"),
        row(f"floor: agencies per host × interval ({result['agencies_per_host']} × {interval:g} s)",
            lambda s: f"{s['floor_agencies_s']:.1f} s"),
        row("floor: (requests to the busiest host − 1) × interval",
            lambda s: f"{s['floor_requests_s']:.1f} s ({s['log']['max_requests_per_host']} requests)"),
        row("wall ÷ agencies floor", lambda s: common.ratio(s["wall_s"], s["floor_agencies_s"])),
        row("wall ÷ requests floor", lambda s: common.ratio(s["wall_s"], s["floor_requests_s"])),
        row(f"wall ÷ requests floor with the mean jitter (× {1 + result['jitter'] / 2:g})",
            lambda s: common.ratio(s["wall_s"], s["floor_jittered_s"])),
        row("start-up (launch to first request) / tail (last answer to exit)",
            lambda s: f"{s['log']['startup_s']:.1f} s / {s['log']['tail_s']:.1f} s"),
        row("host waits beyond interval + 25 % jitter (sum over hosts)",
            lambda s: f"{s['log']['idle_beyond_jitter_s']:.1f} s"),
        row("CPU: crawler main process / its reader workers / the farm",
            lambda s: f"{s['main_cpu_s']:.1f} s / {s['cpu_s'] - s['main_cpu_s']:.1f} s / {s['farm_cpu_s']:.1f} s"),
        row("requests (farm log): robots.txt / listings / reports / other",
            lambda s: " / ".join(str(s["log"]["kinds"].get(k, 0)) for k in ("robots", "listing", "report", "other"))),
        row("requests per agency", lambda s: f"{s['log']['requests'] / n:.2f}"),
        row("listing requests per listing (conditional, 304)",
            lambda s: f"{s['log']['kinds'].get('listing', 0) / result['listings']:.2f} "
                      f"({s['log']['listing_conditional']}, {s['log']['listing_304']})"),
        row("requests counted by the crawler", lambda s: str(count(s, "requests"))),
        row("bytes: crawler received / farm sent (bodies)",
            lambda s: f"{_size(count(s, 'bytes'))} / {_size(s['log']['bytes_served'])}"),
        row("new reports (expected on the first sweep: "
            f"{result['expected_reports']}) / listings unchanged (304)",
            lambda s: f"{count(s, 'new_reports')} / {count(s, 'listings_unchanged')}"),
        row("blocked / failed / errors",
            lambda s: f"{count(s, 'blocked')} / {count(s, 'failed')} / {count(s, 'errors')}"),
        row("peak RSS: crawler process", lambda s: _mib(s["main_hwm_mib"])),
        row("peak RSS: largest single process (`wait4`)", lambda s: _mib(s["maxrss_mib"])),
        row("peak RSS: crawler + descendants (sampled, 0.1 s)", lambda s: _mib(s["tree_peak_mib"])),
        row(f"interval violations (gap < interval − {result['slack_ms']:g} ms)",
            lambda s: f"{s['log']['violations']} of {s['log']['gaps']}"),
        row("shortest gap (end of one request to arrival of the next, same host)",
            lambda s: f"{s['log']['min_gap_s'] * 1000:.0f} ms"),
    ]
    table = common.markdown(["", *(f"{name} sweep" for name in names)], rows)
    notes = []
    for name in names:
        s = sweeps[name]
        if s.get("exit"):
            notes.append(f"The {name} sweep exited {s['exit']}.")
        for v in s.get("log", {}).get("violation_examples", []):
            notes.append(f"{name} sweep, {v['host']}: {v['next']} arrived {v['gap_s'] * 1000:.1f} ms after "
                         f"{v['after']} ended.")
        if s.get("problems"):
            notes.append(f"{name} sweep reported: " + "; ".join(p.replace("|", "/") for p in s["problems"][:3]))
    return (
        f"`bench/crawl.py --agencies {n} --hosts {result['hosts']} --interval {interval:g} --parallel "
        f"{result['parallel']}`: the bench farm of `tests/farm/bench.py` ({n:,} agencies round-robin on "
        f"{result['hosts']} loopback hosts, {result['listings']:,} listings, {result['expected_reports']:,} "
        "reports) served by a process of its own; `monitor crawl` run twice as a child process, the second "
        "time on the unchanged farm. Each host may see one request at a time, each starting at least "
        f"`per_host_interval_s` = {interval:g} s after the previous one ended, so a sweep can end no sooner than "
        "its busiest host's requests allow. The issue's floor counts one listing request per agency "
        "(agencies per host × interval); the true floor counts every request that host received (robots.txt, "
        "listings, and in the first sweep every report), less one, × interval; the crawler adds 0–25 % of "
        "random jitter to each interval, so its best is about 1.125 × that. Wall time includes the start-up of "
        "the command and the deadline evaluation at its end. The politeness check reads the farm's log (arrival "
        "and end of each request, one monotonic clock); the waits beyond interval + 25 % are the time hosts "
        "stood idle for the crawler itself (its CPU, its database), not for politeness.\n\n" + table
        + ("\n\n" + "\n".join(f"- {note}" for note in notes) if notes else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=2000, help="agencies of the farm (default 2000)")
    parser.add_argument("--hosts", type=int, default=50, help="loopback hosts (default 50)")
    parser.add_argument("--interval", type=float, default=0.5, help="per_host_interval_s (default 0.5)")
    parser.add_argument("--parallel", type=int, help="hosts_in_parallel (default: --hosts)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slack-ms", type=float, default=5.0, help="clock slack of the interval check (default 5)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON to FILE")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="copy the work directory (database, request logs, crawl output) to DIR")
    args = parser.parse_args(argv)
    result = measure(args.agencies, args.hosts, args.interval, args.parallel, args.seed, args.slack_ms, keep=args.keep)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(to_markdown(result))
    sweeps = result["sweeps"].values()
    return 1 if any(s["exit"] or s["log"]["violations"] for s in sweeps) else 0


if __name__ == "__main__":
    sys.exit(main())
