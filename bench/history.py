"""The history database through the command line: ingest rate and the auditors' read commands.

    .venv/bin/python bench/history.py [--agencies 3000] [--reports 300] [--years 2] [--repeat 3] [--postgres [URL]]

In a temporary directory, on SQLite (with `--postgres` also in a fresh schema of URL, dropped at the
end): `monitor init`, `monitor agencies import` of `--agencies` agencies (county governments and their
departments), `monitor ingest --manifest --workers 1` of `--reports` synthetic text reports
(tests/synth.py, each title naming its agency and year), then the read commands `reports`, `findings`,
`history AGENCY` (`--format json`) and `export -o out.csv`, each the median of `--repeat` runs, all as
`python -m monitor.cli` child processes (wall time, the child's CPU time). Floors: ingest, `parse` of
the same documents in this process (what storing adds); reads, `monitor --version` (start-up).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import uuid
from pathlib import Path

import common
import sqlalchemy as sa
import synth

from monitor.parsing import parse

DEPARTMENTS = ("人民政府办公室", "发展和改革局", "教育局", "财政局", "自然资源局", "生态环境局", "住房和城乡建设局",
               "交通运输局", "卫生健康委员会", "市场监督管理局", "司法局", "民政局")
CHARS = "安宁平和长乐永新清河东阳西华南山北川丰泰临江宝兴龙泉金石凤城云溪"
PLACES = [a + b for a in CHARS for b in CHARS if a != b]  # 1,122 counties, 13 agencies each
READS = {"reports": "reports --format json", "findings": "findings --format json",
         "history": "history {agency} --format json", "export": "export -o {out}"}
PG_URL = os.environ.get("MONITOR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def registry(n: int) -> list[tuple[str, ...]]:
    """CSV rows of n agencies: per county its government, then its departments (parent: the government)."""
    rows = []
    for c, place in enumerate(PLACES[: n // 13 + 1]):
        gov, region = f"c{c:04d}", f"示例省/示例市/{place}县"
        rows.append((gov, f"{region[8:]}人民政府", "government", "county", region, ""))
        rows += [(f"{gov}-{d:02d}", f"{region[8:]}{dept}", "department", "", region, gov)
                 for d, dept in enumerate(DEPARTMENTS)]
    return [(*r, f"https://www.example.gov.cn/{r[0]}/zfxxgknb/", f"{r[0]}@example.org", "") for r in rows[:n]]


def write_inputs(workdir: Path, agencies: list[tuple[str, ...]], reports: int, years: int, seed: int) -> list[Path]:
    """agencies.csv, the report files (layouts text_*) and manifest.csv in workdir; returns the reports."""
    lines = ["id,name,kind,level,region,parent,listing,supervisors,deadline", *map(",".join, agencies)]
    (workdir / "agencies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rng = random.Random(seed)
    chosen, layouts = rng.sample(agencies, max(1, reports // years)), [x for x in synth.LAYOUTS if "text" in x]
    manifest, files = ["agency,location,year"], []
    for year in range(2025 - years, 2025):
        for i, (agency, name, *_) in enumerate(chosen):
            doc, path = synth.Doc(name, year, synth.random_values(rng)), workdir / f"{agency}-{year}.txt"
            path.write_bytes(synth.render(layouts[i % len(layouts)], doc, rng))
            manifest.append(f"{agency},{path.name},{year}")
            files.append(path)
    (workdir / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return files


def on_database(url: str, workdir: Path, agency: str, repeat: int) -> dict:
    config = workdir / f"monitor-{uuid.uuid4().hex[:6]}.toml"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    c, out = ["--config", str(config)], workdir / "out.csv"
    steps = {"init": common.cli(["init", *c]),
             "import": common.cli(["agencies", "import", str(workdir / "agencies.csv"), *c]),
             "ingest": common.cli(["ingest", "--manifest", str(workdir / "manifest.csv"), "--workers", "1", *c])}
    for name, args in READS.items():
        steps[name] = common.cli([*args.format(agency=agency, out=out).split(), *c], repeat, remove=out)
    if url.startswith("sqlite:///") and "error" not in steps["ingest"]:
        steps["size_mib"] = os.path.getsize(url.removeprefix("sqlite:///")) / 2**20
    return steps


def measure(agencies: int = 3000, reports: int = 300, years: int = 2, repeat: int = 3, seed: int = 1,
            postgres: str | None = None) -> dict:
    result: dict = {"agencies": agencies, "repeat": repeat, "databases": {}}
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        workdir = Path(tmp)
        files = write_inputs(workdir, registry(agencies), reports, years, seed)
        docs = [(path.read_bytes(), str(path)) for path in files]
        parse(*docs[0])  # warm-up
        runs = [common.timed(lambda: [parse(*doc) for doc in docs]) for _ in range(repeat)]
        result.update(reports=len(files), parse=common.medians(runs),
                      version=common.cli(["--version"], repeat))
        result["agency"] = agency = files[0].name.rsplit("-", 1)[0]
        result["databases"]["SQLite"] = on_database(f"sqlite:///{workdir / 'monitor.db'}", workdir, agency, repeat)
        if postgres:
            schema, admin = f"bench_{uuid.uuid4().hex[:8]}", sa.create_engine(postgres)
            with admin.begin() as connection:
                connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
            url = sa.make_url(postgres).update_query_dict({"options": f"-csearch_path={schema}"})
            try:
                result["databases"]["PostgreSQL"] = on_database(url.render_as_string(False), workdir, agency, repeat)
            finally:
                with admin.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()
    return result


def to_markdown(result: dict) -> str:
    n, parsed, version = result["reports"], result["parse"], result["version"]
    labels = {"init": "`monitor init`", "import": f"`monitor agencies import` ({result['agencies']:,} agencies)",
              "ingest": f"`monitor ingest --manifest --workers 1` ({n} reports)",
              **{k: f"`monitor {a.format(agency=result['agency'], out='out.csv')}`" for k, a in READS.items()}}
    floors = {"ingest": (f"`parse` only: {n / parsed['wall_s']:.0f}/s", parsed)}
    if "error" not in version:
        floors |= dict.fromkeys(READS, (f"`--version` {version['wall_s']:.2f} / {version['cpu_s']:.2f} s", version))
    parts = []
    for database, steps in result["databases"].items():
        rows = []
        for name, label in labels.items():
            step, (floor, against) = steps[name], floors.get(name, ("", None))
            if "error" in step:
                rows.append([label, "failed", "", "", "", step["error"][:80].replace("|", "/")])
                continue
            ratios = " / ".join(common.ratio(step[k], against[k]) for k in ("wall_s", "cpu_s")) if against else ""
            rate = f"{n / step['wall_s']:.1f}" if name == "ingest" else ""
            rows.append([label, f"{step['wall_s']:.2f}", f"{step['cpu_s']:.2f}", rate, floor, ratios])
        size = f"; database file {steps['size_mib']:.1f} MiB" if "size_mib" in steps else ""
        said = f" Ingest said 「{steps['ingest']['said'].split('（')[0]}」." if "said" in steps["ingest"] else ""
        header = ["command", "wall s", "CPU s", "reports/s", "floor (wall / CPU)", "÷ floor (wall / CPU)"]
        parts.append(f"**{database}**{size}.{said}\n\n{common.markdown(header, rows)}")
    return "\n\n".join(parts) + (
        f"\n\nRead commands and `--version`: medians of {result['repeat']} runs; the others run once. Ingest includes "
        f"one CLI start-up; its floor is `parse` of the same {n} reports in this process ({parsed['wall_s']:.2f} s). "
        "CPU is the child's own: a PostgreSQL server's work shows in wall time only.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=3000, help="registered agencies (default 3000)")
    parser.add_argument("--reports", type=int, default=300, help="reports ingested (default 300)")
    parser.add_argument("--years", type=int, default=2, help="years per agency with reports (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each read command (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", nargs="?", const=PG_URL, metavar="URL", help=f"also on PostgreSQL ({PG_URL})")
    print(to_markdown(measure(**vars(parser.parse_args(argv)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
