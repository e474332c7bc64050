"""A large, simple farm for bench/crawl.py: `agencies` departments on `hosts` loopback hosts, each with
a TRS-like listing of its 2–3 latest reports (ETag + Last-Modified on everything).

Nothing is rendered before it is first requested; report bodies come from a few templates per year
with the agency's name put in, so a sweep costs the farm little CPU (about 0.6 ms per request).

In-process: `build_bench_farm(...)`. In a process of its own (so that the crawler's peak RSS and CPU
are its own): `PYTHONPATH=tests python -m farm --agencies 2000 --hosts 50 --seed 1 --out DIR`
writes DIR/registry.toml and DIR/expected.json, then DIR/ready; SIGUSR1 writes the request log so
far to DIR/requests-N.json and clears it; SIGTERM (or SIGINT) writes the rest and exits.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from synth import Doc

from . import reports
from .pages import Article, SiteInfo, TrsListing, trs_article
from .server import Entry, Farm, Site, Static, ref
from .truth import registry_toml

_PLACES = ("东湖", "西山", "南浦", "北塘", "青石", "白沙", "金川", "银河", "云溪", "松岭", "柳江", "桃源",
           "梅岭", "竹溪", "枫桥", "石门", "龙泉", "凤凰", "安平", "长宁")
_DEPARTMENTS = ("发展和改革局", "教育局", "科学技术局", "工业和信息化局", "民政局", "司法局", "财政局",
                "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
                "农业农村局", "商务局", "文化和旅游局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局",
                "市场监督管理局", "统计局", "医疗保障局", "林业局", "城市管理局")
_TEMPLATES = 6
_TOKEN = "某某测试局"


class BenchFarm(Farm):
    """`expected[agency_id] = {year: report URL}`; `hosts` the site names; `registry()` as FixtureFarm's."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict[str, Any]] = []
        self.reports: dict[str, dict[int, str]] = {}
        self.host_of: dict[str, str] = {}

    def registry(self) -> list[dict[str, Any]]:
        return [dict(e, listing=[self.resolve(u) for u in e["listing"]]) for e in self.entries]

    def registry_toml(self) -> str:
        return registry_toml(self.registry())

    @property
    def expected(self) -> dict[str, dict[int, str]]:
        return {k: {y: self.resolve(u) for y, u in v.items()} for k, v in self.reports.items()}

    @property
    def hosts(self) -> list[str]:
        return list(self.sites)

    def min_gaps(self) -> dict[str, float]:
        """The shortest interval between two arrivals at each host (inf: fewer than two requests)."""
        return {name: min(self.gaps(name), default=float("inf")) for name in self.sites}


_CITIES = ("青岚市", "临江市", "云岭市", "丰城市", "安远市", "平川市", "永和市", "泰宁市")


def _name(i: int) -> tuple[str, str]:
    """(name, region) of the i-th agency: unique for the first 4,000."""
    place = _PLACES[i % len(_PLACES)]
    dept = _DEPARTMENTS[(i // len(_PLACES)) % len(_DEPARTMENTS)]
    city = _CITIES[(i // (len(_PLACES) * len(_DEPARTMENTS))) % len(_CITIES)]
    return f"{city}{place}区{dept}", f"云岭省/{city}/{place}区"


def build_bench_farm(agencies: int, hosts: int, seed: int) -> BenchFarm:
    """`agencies` agencies spread round-robin over `hosts` hosts (not started)."""
    if agencies < 1 or hosts < 1:
        raise ValueError("agencies and hosts must be positive")
    farm = BenchFarm()
    bodies: dict[tuple[int, int], str] = {}

    def body(year: int, variant: int) -> str:
        key = (year, variant)
        if key not in bodies:
            values = reports.chained_values(f"bench/{seed}/{variant}", [year])[year]
            bodies[key] = reports.body_html(Doc(_TOKEN, year, values), f"bench/{seed}/{variant}/{year}", "template")
        return bodies[key]

    sites = [farm.add(Site(f"bench-{h:02d}")) for h in range(hosts)]
    rng = random.Random(f"bench/{seed}")
    base_info = SiteInfo("青岚市人民政府", "www.qinglan.gov.cn", "5301000008")
    for i in range(agencies):
        site: Site = sites[i % hosts]
        aid = f"bench-{i:04d}"
        name, region = _name(i)
        info = replace(base_info, name=name, office=name)
        base = f"/a{i:04d}/zfxxgknb/"
        years = range(2023, 2026) if i % 2 == 0 else range(2024, 2026)
        variant = rng.randrange(_TEMPLATES)
        entries = []
        urls: dict[int, str] = {}
        for year in sorted(years, reverse=True):
            day = f"{year + 1}-01-{10 + rng.randrange(20):02d}"
            path = f"{base}{day[:4]}{day[5:7]}/t{day.replace('-', '')}_{100000 + i * 10 + year % 10}.html"
            title = f"{name}{year}年政府信息公开工作年度报告"

            def page(title: str = title, year: int = year, day: str = day, info: SiteInfo = info,
                     variant: int = variant) -> str:
                text = body(year, variant).replace(_TOKEN, info.name)
                return trs_article(info, Article(title, text, info.name, pubdate=day + " 10:00",
                                                 shown=day + " 10:00", written=day))

            site.add(path, Static(page))
            urls[year] = ref(site.name) + path
            entries.append(Entry(title, urls[year], day))
        TrsListing(site, info, base, entries, per_page=20).mount()
        farm.reports[aid] = urls
        farm.host_of[aid] = site.name
        farm.entries.append({"id": aid, "name": name, "kind": "department", "region": region,
                             "listing": [ref(site.name) + base + "index.html"]})
    return farm


def main(argv: list[str] | None = None) -> None:
    """Serve a bench farm until SIGTERM (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Serve a benchmark farm on loopback hosts.")
    parser.add_argument("--agencies", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    farm = build_bench_farm(args.agencies, args.hosts, args.seed)
    done = threading.Event()
    dumps = [0]
    lock = threading.Lock()

    def dump() -> None:
        with lock:
            records = farm.requests
            farm.clear()
            dumps[0] += 1
            path = out / f"requests-{dumps[0]}.json"
            path.write_text(json.dumps([asdict(r) for r in records], ensure_ascii=False), encoding="utf-8")

    signal.signal(signal.SIGUSR1, lambda *_: threading.Thread(target=dump).start())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with farm:
        (out / "registry.toml").write_text(farm.registry_toml(), encoding="utf-8")
        expected = {"agencies": farm.expected, "host_of": farm.host_of,
                    "hosts": {name: farm.host(name) for name in farm.hosts}}
        (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
        (out / "ready").write_text("ready\n", encoding="utf-8")
        done.wait()
        dump()
