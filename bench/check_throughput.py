"""Throughput of `check_document` (read + every document rule) on one core, against the lxml floor.

    .venv/bin/python bench/check_throughput.py [--n 200] [--seed 1] [--repeat 3] [--copies 50]

Two sets of documents: the real page pingtan-2024.html (`--copies` times per pass) and `--n`
synthetic reports of tests/synth.py `corpus(n, seed)` (HTML and text layouts, every table cell
known). Each is read by `monitor.pipeline.check_document` and by the floor, `lxml.html.fromstring`
of the same bytes (the least any reading of an HTML page costs). One untimed warm-up pass, which also
scores the synthetic set (table cells equal to the generator's values / cells expected); then
`--repeat` timed passes, each reader in turn; the median pass is reported (CPU time of this process,
and reports/s by the wall clock).
"""

from __future__ import annotations

import argparse
import contextlib
import sys

import common
import lxml.html
import synth

from monitor.errors import InputError
from monitor.pipeline import check_document

REAL_PAGE = "pingtan-2024.html"
PAGE_PLACES = (common.ROOT / "tests" / "fixtures" / "corpus", common.ROOT.parent / "shared" / "corpus")


def real_page() -> tuple[str, bytes] | None:
    for place in PAGE_PLACES:
        if (place / REAL_PAGE).is_file():
            return str(place / REAL_PAGE), (place / REAL_PAGE).read_bytes()
    return None


def synthetic(n: int, seed: int) -> list[tuple[str, bytes, dict]]:
    """(location, bytes, expected tables) of corpus(n, seed)."""
    out = []
    for name, data, expected in synth.corpus(n, seed):
        ext = "txt" if "-text_" in name else "html"
        out.append((f"https://www.example.gov.cn/zfxxgk/zfxxgknb/{name}.{ext}", data, expected))
    return out


def check_all(docs: list[tuple[str, bytes]]) -> None:
    for location, data in docs:
        with contextlib.suppress(InputError):
            check_document(data, location)


def floor_all(docs: list[tuple[str, bytes]]) -> None:
    for _, data in docs:
        lxml.html.fromstring(data)


def score(docs: list[tuple[str, bytes, dict]]) -> dict:
    """Warm-up pass of check_document over the synthetic set: cells right, documents fully right."""
    right = total = exact = rejected = 0
    for location, data, expected in docs:
        try:
            tables = check_document(data, location).report.tables
        except InputError:
            tables, rejected = {}, rejected + 1
        r, t = common.cells_right(expected, tables)
        right, total, exact = right + r, total + t, exact + (r == t)
    return {"cells_right": right, "cells_total": total, "docs_exact": exact, "docs": len(docs), "rejected": rejected}


def time_set(docs: list[tuple[str, bytes]], repeat: int) -> dict:
    """Median CPU and wall seconds per pass of check and of the floor, interleaved."""
    passes: dict[str, list[tuple[float, float]]] = {"check": [], "floor": []}
    for _ in range(repeat):
        passes["check"].append(common.timed(lambda: check_all(docs)))
        passes["floor"].append(common.timed(lambda: floor_all(docs)))
    out: dict = {"docs": len(docs)}
    for reader, runs in passes.items():
        median = common.medians(runs)
        out[reader] = {"cpu_ms": median["cpu_s"] / len(docs) * 1000, "per_s": len(docs) / median["wall_s"]}
    out["ratio"] = out["check"]["cpu_ms"] / out["floor"]["cpu_ms"]
    return out


def measure(n: int = 200, seed: int = 1, repeat: int = 3, copies: int = 50) -> dict:
    result: dict = {"n": n, "seed": seed, "repeat": repeat, "copies": copies, "sets": {}}
    page = real_page()
    if page:
        location, data = page
        result["page"] = location
        docs = [(location, data)] * copies
        check_all(docs[:2])  # warm-up
        result["sets"][f"real page {REAL_PAGE} ×{copies}"] = time_set(docs, repeat)
    corpus = synthetic(n, seed)
    result["accuracy"] = score(corpus)  # also the warm-up
    result["sets"][f"synthetic corpus({n}, seed={seed})"] = time_set([(loc, data) for loc, data, _ in corpus],
                                                                      repeat)
    return result


def to_markdown(result: dict) -> str:
    rows = [[name, s["docs"], f"{s['check']['per_s']:,.0f}", f"{s['check']['cpu_ms']:.2f}",
             f"{s['floor']['per_s']:,.0f}", f"{s['floor']['cpu_ms']:.2f}", f"{s['ratio']:.1f}×"]
            for name, s in result["sets"].items()]
    table = common.markdown(["documents", "n", "check reports/s", "check CPU ms/report", "floor reports/s",
                             "floor CPU ms/report", "check ÷ floor (CPU)"], rows)
    a = result["accuracy"]
    lines = [table, "",
             f"Accuracy on the synthetic set: {a['cells_right']:,} / {a['cells_total']:,} cells right "
             f"({a['cells_right'] / max(1, a['cells_total']):.2%}); {a['docs_exact']} / {a['docs']} reports fully "
             f"right; {a['rejected']} rejected."]
    if "page" not in result:
        lines.append(f"The real page {REAL_PAGE} was not found (looked in tests/fixtures/corpus, ../shared/corpus).")
    lines.append(f"Median of {result['repeat']} timed passes after a warm-up pass; one process, one thread.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="synthetic reports (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (default 3)")
    parser.add_argument("--copies", type=int, default=50, help="reads of the real page per pass (default 50)")
    print(to_markdown(measure(**vars(parser.parse_args(argv)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
