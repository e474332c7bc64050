"""Seconds per document of `monitor check` on PDF, DOCX and DOC reports, on one core.

    python bench/document_formats.py [--n 40] [--seed 1] [--repeat 3] [--write docs/performance.md]

``monitor.check.check_document`` (sniff, read, sections, tables, every rule) over the same bytes in
one process pinned to one CPU (``os.sched_setaffinity``; the ``soffice`` children started for DOC
inherit the pin). DOC rows include the LibreOffice conversion to DOCX, hence the ``soffice``
start-up, and are reported apart.

- Corpus: ``tests/synth_documents.py``'s ``corpus_documents(n, seed, outdir)`` (DOCX, LibreOffice
  PDFs, reportlab PDFs) when it imports, plus up to ``--doc-n`` of its DOCX converted to DOC in one
  ``soffice`` call; otherwise the pingtan-derived documents below repeated (said in the output).
- Real-page rows, always: ``../shared/corpus/pingtan-2024.html`` converted by LibreOffice to DOCX,
  that DOCX to PDF and to DOC, and an 8-page PDF (the same report with its section-five paragraph
  repeated until LibreOffice lays it out on exactly 8 pages), each read ``--real-iters`` times a pass.
- Timing: one untimed warm-up pass (which also scores accuracy: cells equal / cells expected), then
  ``--repeat`` timed passes (``time.perf_counter`` and CPU time, the process's plus its waited-for
  children's, around each document; ``gc.collect()`` before each pass); a document's time is its
  median over the passes; rows give the median and p90 over documents. Memory: tracemalloc peak
  per document in a separate pass (Python allocations only), and the process's ``ru_maxrss``.
- Guards, timed once: a 500-page PDF and a DOCX zip bomb must be refused (InputError) quickly.
- One pass over the corpus PDFs is profiled with cProfile.

With ``--write`` the section between ``<!-- document-formats:start -->`` and
``<!-- document-formats:end -->`` of the given file is rewritten (appended if missing); the rest of
the file, including the check-throughput section, is kept.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import importlib.util
import io
import json
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from bench import check_throughput as ct  # noqa: E402
from bench.check_throughput import (  # noqa: E402
    REAL_HTML,
    Accuracy,
    _expected_tables,
    _func_label,
    machine_facts,
    read_check,
)
from monitor.errors import InputError  # noqa: E402
from monitor.parsing.convert import soffice, to_docx  # noqa: E402
from monitor.parsing.sniff import sniff  # noqa: E402
from monitor.pipeline import check_document  # noqa: E402

SYNTH_DOCUMENTS_PATH = ROOT / "tests" / "synth_documents.py"
TARGET_S_PER_8_PAGE_PDF = 0.5  # seconds per typical 8-page PDF report, one core
TYPICAL_PAGES = 8
GUARD_PAGES = 500
FORMATS = {"application/pdf": "pdf", "application/msword": "doc",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}


# Documents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormatDoc:
    name: str
    data: bytes
    expected: dict[str, Any] | None  # expected tables
    row: str  # the results row it belongs to
    pages: int | None = None  # PDF only


@dataclass
class Corpus:
    docs: list[FormatDoc]
    real: list[FormatDoc]  # one of each real-page row; read --real-iters times a pass
    label: str
    synth: types.ModuleType | None = None
    notes: list[str] = field(default_factory=list)


def _fmt(data: bytes) -> str:
    return FORMATS.get(sniff(data), "other")


def _pdf_facts(data: bytes) -> tuple[int, str]:
    """(pages, producer) of a PDF, read outside any timing."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages), str(pdf.metadata.get("Producer", ""))


def _corpus_doc(name: str, data: bytes, expected: Any, row: str | None = None) -> FormatDoc:
    fmt, pages = _fmt(data), None
    if fmt == "pdf":
        pages, producer = _pdf_facts(data)
        maker = "LibreOffice" if "libreoffice" in producer.lower() else \
            "reportlab" if "reportlab" in producer.lower() else "other producer"
        row = row or f"PDF ({maker})"
    return FormatDoc(name, data, _expected_tables(expected), row or fmt.upper(), pages)


def convert(sources: list[Path], target: str, outdir: Path) -> list[Path]:
    """Every source converted by ONE soffice call with a private profile; the results in order."""
    program = soffice()
    if program is None:
        raise RuntimeError("soffice (LibreOffice) is not installed: `make libreoffice`")
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=outdir))
    subprocess.run([program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--nolockcheck", "--convert-to", target, "--outdir", str(outdir), *map(str, sources)],
                   capture_output=True, timeout=600, check=False)
    results = [outdir / f"{source.stem}.{target.split(':')[0]}" for source in sources]
    missing = [path.name for path in results if not path.exists()]
    if missing:
        raise RuntimeError(f"soffice did not write {missing}")
    return results


_PROBLEMS_PARAGRAPH = re.compile(r"(五、存在的主要问题及改进情况.*?</p>)(\s*<p[^>]*>.*?</p>)", re.DOTALL)


def real_documents(workdir: Path) -> tuple[list[FormatDoc], list[str]]:
    """The pingtan page as DOCX, PDF, DOC and an 8-page PDF (LibreOffice; 3 soffice calls in all)."""
    expected = _expected_tables(json.loads(REAL_HTML.with_suffix(".expected.json").read_text("utf-8")))
    html = REAL_HTML.read_text(encoding="utf-8")
    sources = [workdir / "pingtan-2024.html"]
    sources[0].write_text(html, encoding="utf-8")
    match = _PROBLEMS_PARAGRAPH.search(html)
    copies = range(0, 31, 2) if match else range(0)
    for k in copies[1:]:  # padded variants: k more copies of the section-five paragraph
        padded = html[:match.end()] + match.group(2) * k + html[match.end():]
        sources.append(workdir / f"pingtan-2024-pad{k:02d}.html")
        sources[-1].write_text(padded, encoding="utf-8")
    docx_paths = convert(sources, "docx:MS Word 2007 XML", workdir)
    pdf_paths = convert(docx_paths, "pdf", workdir)
    (doc_path,) = convert(docx_paths[:1], "doc", workdir)
    pages = {path: _pdf_facts(path.read_bytes())[0] for path in pdf_paths}
    name = REAL_HTML.stem
    real = [
        FormatDoc(f"{name}.pdf", pdf_paths[0].read_bytes(), expected, f"real page `{name}` → PDF", pages[pdf_paths[0]]),
        FormatDoc(f"{name}.docx", docx_paths[0].read_bytes(), expected, f"real page `{name}` → DOCX"),
        FormatDoc(f"{name}.doc", doc_path.read_bytes(), expected, f"real page `{name}` → DOC"),
    ]
    notes = []
    eight = next((path for path in pdf_paths if pages[path] == TYPICAL_PAGES), None)
    if eight is not None:
        k = copies[pdf_paths.index(eight)]
        real.append(FormatDoc(f"{name}-8pages.pdf", eight.read_bytes(), expected,
                              f"real page `{name}` → PDF, {TYPICAL_PAGES} pages", TYPICAL_PAGES))
        notes.append(f"the {TYPICAL_PAGES}-page PDF is `{name}` with its section-five paragraph repeated {k} more "
                     f"times (HTML → DOCX → PDF by LibreOffice), so its tables and layout are the real ones")
    else:
        notes.append(f"no padded variant came out at exactly {TYPICAL_PAGES} pages "
                     f"({sorted(set(pages.values()))}): the 8-page figure is extrapolated only")
    return real, notes


def _load_synth_documents() -> types.ModuleType:
    tests_dir = str(SYNTH_DOCUMENTS_PATH.parent)
    if tests_dir not in sys.path:  # it imports its sibling `synth` as the tests do
        sys.path.insert(0, tests_dir)
    spec = importlib.util.spec_from_file_location("synth_documents", SYNTH_DOCUMENTS_PATH)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {SYNTH_DOCUMENTS_PATH}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth_documents"] = module
    spec.loader.exec_module(module)
    return module


def load_corpus(n: int, seed: int, doc_n: int, workdir: Path) -> Corpus:
    real, notes = real_documents(workdir)
    try:
        synth = _load_synth_documents()
        outdir = workdir / "synth"
        start = time.perf_counter()
        items = synth.corpus_documents(n, seed, outdir)
        made = time.perf_counter() - start
        docs = [_corpus_doc(name, data, expected) for name, data, expected in items]
        if not docs:
            raise ValueError("corpus_documents returned no documents")
    except Exception as exc:  # a generator being written may not import yet
        reason = f"tests/synth_documents.py unusable ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})" \
            if SYNTH_DOCUMENTS_PATH.exists() else "tests/synth_documents.py not present"
        docs = [_corpus_doc(f"{d.name}#{i}", d.data, d.expected) for i in range(n)
                for d in [real[i % 2]]]  # the real PDF and DOCX, alternating
        docs += [FormatDoc(f"{real[2].name}#{i}", real[2].data, real[2].expected, "DOC") for i in range(doc_n)]
        label = (f"FALLBACK ({reason}): the pingtan-derived PDF and DOCX alternating, {n} documents, and its DOC "
                 f"× {doc_n} (identical bytes repeated)")
        return Corpus(docs, real, label, None, notes)
    # DOC: some of the corpus DOCX converted by one soffice call, their expected tables kept
    sources = [(d, outdir / f"{Path(d.name).stem}-for-doc.docx") for d in docs if d.row == "DOCX"][:doc_n]
    for d, path in sources:
        path.write_bytes(d.data)
    if sources:
        converted = convert([path for _, path in sources], "doc", outdir)
        docs += [FormatDoc(path.name, path.read_bytes(), d.expected, "DOC") for (d, _), path in
                 zip(sources, converted, strict=True)]
    label = (f"synthetic: `tests/synth_documents.py` `corpus_documents(n={n}, seed={seed})` (made in {made:.1f} s), "
             f"plus {len(sources)} of its DOCX converted to DOC by LibreOffice")
    return Corpus(docs, real, label, synth, notes)


# Measurement -----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    docs: list[FormatDoc]
    seconds: list[float]  # per document (entry), median over the timed passes
    accuracy: Accuracy = field(default_factory=Accuracy)
    errors: dict[str, int] = field(default_factory=dict)  # InputError class -> count (warm-up pass)
    peak_bytes: list[int] = field(default_factory=list)  # tracemalloc peak per document
    convert_s: list[float] = field(default_factory=list)  # DOC: to_docx alone, per document
    cpu_seconds: list[float] = field(default_factory=list)  # per document: CPU time incl. soffice children
    imperfect: list[str] = field(default_factory=list)  # documents not read exactly: "name (equal/total)"

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p90(self) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0]
        return statistics.quantiles(self.seconds, n=10, method="inclusive")[8]

    @property
    def pages(self) -> list[int]:
        return [d.pages for d in self.docs if d.pages]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)

    def per_page(self, cpu: bool = False) -> float | None:
        """Median over the row's PDFs of seconds (wall, or CPU) ÷ pages."""
        seconds = self.cpu_seconds if cpu else self.seconds
        per_page = [s / d.pages for s, d in zip(seconds, self.docs, strict=True) if d.pages]
        return statistics.median(per_page) if per_page else None


def timed_pass(docs: list[FormatDoc]) -> list[tuple[float, float]]:
    """(wall seconds, CPU seconds) per document; CPU counts this process and the children it waited
    for (the soffice of a DOC), so it is robust to other load on the machine, wall time is not."""
    gc.collect()
    times = []
    for d in docs:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, cpu = time.perf_counter(), time.process_time()
        read_check(d)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((wall, cpu + after.ru_utime - children.ru_utime + after.ru_stime - children.ru_stime))
    return times


def measure(corpus: Corpus, repeat: int, real_iters: int) -> list[Row]:
    entries = corpus.docs + [d for d in corpus.real for _ in range(real_iters)]
    rows: dict[str, Row] = {}
    for d in entries:
        rows.setdefault(d.row, Row(d.row, [], []))
    for d in entries[: len(corpus.docs)] + corpus.real:  # warm-up pass: accuracy and refusals
        row = rows[d.row]
        try:
            tables = check_document(d.data, d.name).report.tables
        except InputError as exc:
            row.errors[type(exc).__name__] = row.errors.get(type(exc).__name__, 0) + 1
            tables = None
        if d.expected is not None:
            row.accuracy.add(d.expected, tables)
            one = Accuracy()
            one.add(d.expected, tables)
            if one.cells_equal < one.cells_total:
                row.imperfect.append(f"{d.name} ({one.cells_equal}/{one.cells_total})")
    passes = [timed_pass(entries) for _ in range(repeat)]
    for i, d in enumerate(entries):
        rows[d.row].docs.append(d)
        rows[d.row].seconds.append(statistics.median(p[i][0] for p in passes))
        rows[d.row].cpu_seconds.append(statistics.median(p[i][1] for p in passes))
    tracemalloc.start()  # memory: a separate, untimed pass (tracemalloc slows Python code down)
    for d in entries[: len(corpus.docs)] + corpus.real:
        tracemalloc.reset_peak()
        read_check(d)
        rows[d.row].peak_bytes.append(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
    for d in entries[: len(corpus.docs)] + corpus.real:
        if _fmt(d.data) == "doc":
            start = time.perf_counter()
            to_docx(d.data)
            rows[d.row].convert_s.append(time.perf_counter() - start)
    order = ("PDF (LibreOffice)", "PDF (reportlab)", "PDF (other producer)", "DOCX", "DOC")
    corpus_rows = sorted((r for r in rows.values() if r.label in order), key=lambda r: order.index(r.label))
    pdf_rows = [r for r in corpus_rows if r.label.startswith("PDF")]
    if len(pdf_rows) > 1:  # all corpus PDFs together, for the target and the profile
        corpus_rows.insert(len(pdf_rows), Row("PDF (all corpus PDFs)", [d for r in pdf_rows for d in r.docs],
                                              [s for r in pdf_rows for s in r.seconds],
                                              _merge(r.accuracy for r in pdf_rows), _merge_counts(pdf_rows),
                                              [b for r in pdf_rows for b in r.peak_bytes],
                                              cpu_seconds=[s for r in pdf_rows for s in r.cpu_seconds]))
    return corpus_rows + [r for r in rows.values() if r.label not in order]


def _merge(parts: Any) -> Accuracy:
    total = Accuracy()
    for part in parts:
        for name in ("cells_equal", "cells_total", "docs_scored", "docs_exact"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
    return total


def _merge_counts(rows: list[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        for name, count in row.errors.items():
            counts[name] = counts.get(name, 0) + count
    return counts


# Guards ----------------------------------------------------------------------------------------


def guard_inputs(synth: types.ModuleType | None, workdir: Path) -> list[tuple[str, bytes]]:
    """A 500-page PDF and a 1 GB-unpacked DOCX zip bomb, from tests/synth_documents.py when present."""
    if synth is not None and hasattr(synth, "many_pages_pdf") and hasattr(synth, "docx_zip_bomb"):
        bomb = synth.docx_zip_bomb(workdir / "bomb.docx").read_bytes()
        return [(f"{GUARD_PAGES}-page PDF (`many_pages_pdf`)", synth.many_pages_pdf(GUARD_PAGES)),
                ("DOCX zip bomb, 1 GiB unpacked (`docx_zip_bomb`)", bomb)]
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for page in range(GUARD_PAGES):
        pdf.drawString(72, 720, f"page {page + 1}")
        pdf.showPage()
    pdf.save()
    path = workdir / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"<w:p/>" * (2**20 // 6)
            for _ in range(1024):
                member.write(chunk)
    return [(f"{GUARD_PAGES}-page PDF (reportlab)", out.getvalue()),
            ("DOCX zip bomb, ~1 GiB unpacked", path.read_bytes())]


def time_guards(cases: list[tuple[str, bytes]]) -> list[tuple[str, int, float, str]]:
    """(case, size, seconds to the answer, outcome) for each case, timed once."""
    results = []
    for label, data in cases:
        start = time.perf_counter()
        try:
            check_document(data, "guard")
            outcome = "**accepted** (not refused)"
        except InputError as exc:
            outcome = f"refused: {type(exc).__name__} 「{str(exc)[:70]}」"
        results.append((label, len(data), time.perf_counter() - start, outcome))
    return results


# Profile ---------------------------------------------------------------------------------------

# (file suffix, function) -> label; cumulative shares of one pass (nested ones overlap their parent).
PDF_STAGES = (
    ("monitor/parsing/pdf.py", "parse_pdf", "`parse_pdf`"),
    ("pdfplumber/page.py", "parse_objects", "pdfminer page interpretation (`Page.parse_objects`, cached per page)"),
    ("pdfplumber/page.py", "find_tables", "`Page.find_tables`"),
    ("pdfplumber/page.py", "extract_text_lines", "`extract_text_lines` (prose)"),
    ("monitor/parsing/pdf.py", "_grid", "table cells (`_grid`)"),
    ("monitor/parsing/sections.py", "split_sections", "`split_sections`"),
    ("monitor/parsing/tables.py", "read_tables", "`read_tables`"),
    ("rules/engine.py", "evaluate", "rules (`evaluate`)"),
)


def _package(filename: str) -> str:
    if filename == "~":
        return "built-ins"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    path = Path(filename).resolve()
    for top in ("monitor", "rules", "bench"):
        if path.is_relative_to(ROOT / top):
            return top
    return "stdlib " + (path.parent.name if path.stem == "__init__" else path.stem)


def profile(docs: list[FormatDoc], unprofiled_s: float) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    for d in docs:
        read_check(d)
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries, total = stats.stats, stats.total_tt  # type: ignore[attr-defined]

    def share(suffix: str, name: str) -> float:
        return sum(v[3] for k, v in entries.items() if k[0].endswith(suffix) and k[2] == name) / total

    by_package: dict[str, float] = {}
    for (filename, _, _), value in entries.items():
        by_package[_package(filename)] = by_package.get(_package(filename), 0.0) + value[2] / total
    top_self = sorted(entries, key=lambda k: entries[k][2], reverse=True)[:8]
    lines = [f"Profiled one pass of `check` over the {len(docs)} corpus PDFs: {total:.2f} s under cProfile, "
             f"{unprofiled_s:.2f} s without (profiling inflates Python-level calls; read the shares).", ""]
    (parse_pdf, *inside), after = PDF_STAGES[:5], PDF_STAGES[5:]
    lines.append(f"Stages, cumulative share: {parse_pdf[2]} {_pct(share(*parse_pdf[:2]))} (of which "
                 + "; ".join(f"{label} {_pct(share(suffix, name))}" for suffix, name, label in inside) + "); "
                 + "; ".join(f"{label} {_pct(share(suffix, name))}" for suffix, name, label in after) + ".")
    lines.append("")
    lines.append("Self time by package: " + ", ".join(
        f"{name} {_pct(value)}" for name, value in sorted(by_package.items(), key=lambda kv: -kv[1])[:6]) + ".")
    lines.append("")
    lines.append("| self | cumulative | calls | function (top self time) |")
    lines.append("|---:|---:|---:|---|")
    for key in top_self:
        _, calls, self_t, cum_t, _ = entries[key]
        lines.append(f"| {_pct(self_t / total)} | {_pct(cum_t / total)} | {calls:,} | `{_func_label(key)}` |")
    return lines


# Report ----------------------------------------------------------------------------------------


def _tool_versions() -> str:
    versions = []
    for dist in ("pdfplumber", "pdfminer.six", "python-docx", "reportlab"):
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    program = soffice()
    if program:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([program, f"-env:UserInstallation={Path(tmp).as_uri()}", "--version"],
                                 capture_output=True, text=True, timeout=120, check=False).stdout.split()
        versions.append(" ".join(out[:2]) if out else "LibreOffice (version unknown)")
    return "- " + ", ".join(versions)


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _pct(share: float) -> str:
    return f"{share:.1%}" if share < 0.01 else f"{share:.0%}"


def _mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB" if value >= 10 * 2**20 else f"{value / 2**20:.1f} MiB"


def _pages(row: Row) -> str:
    pages = row.pages
    if not pages:
        return "–"
    low, high = min(pages), max(pages)
    return f"{statistics.median(pages):g}" + (f" ({low}–{high})" if low != high else "")


def _accuracy(row: Row) -> str:
    a = row.accuracy
    return f"{a.cells_equal / a.cells_total:.2%} ({a.cells_equal}/{a.cells_total})" if a.cells_total else "n/a"


def target_lines(rows: list[Row]) -> list[str]:
    target = TARGET_S_PER_8_PAGE_PDF
    lines = ["| evidence | seconds per 8-page PDF: CPU | wall (p90) | met? (CPU; wall if different) |",
             "|---|---:|---:|:-:|"]
    verdicts, wall_verdicts = [], []

    def add(evidence: str, seconds: float, cpu: float, p90: float | None = None) -> None:
        met, wall_met = cpu <= target, seconds <= target
        verdicts.append(met)
        wall_verdicts.append(wall_met)
        spread = f" ({_s(p90)})" if p90 is not None else ""
        answer = ("yes" if met else "**no**") + ("" if met == wall_met else f"; wall: {'yes' if wall_met else 'no'}")
        lines.append(f"| {evidence} | {_s(cpu)} | {_s(seconds)}{spread} | {answer} |")

    for row in rows:
        if row.label.endswith(f"{TYPICAL_PAGES} pages"):
            add(f"{row.label}: measured", row.median, row.cpu_median, row.p90)
            continue
        wall, cpu = row.per_page(), row.per_page(cpu=True)
        if wall is None or cpu is None or row.label == "PDF (all corpus PDFs)":
            continue
        eight = [i for i, d in enumerate(row.docs) if d.pages == TYPICAL_PAGES]
        if eight:
            add(f"{row.label}, its {len(eight)} documents of {TYPICAL_PAGES} pages: measured",
                statistics.median(row.seconds[i] for i in eight), statistics.median(row.cpu_seconds[i] for i in eight))
        add(f"{row.label}, {_pages(row)} pages/doc: s/page × {TYPICAL_PAGES} (extrapolated)",
            wall * TYPICAL_PAGES, cpu * TYPICAL_PAGES)
    if not verdicts:
        return ["No PDF was measured: target not assessed."]
    summary = "met" if all(verdicts) else "not met" if not any(verdicts) else "met on some evidence, not all"
    head = [f"Target: ≤ {target} s per typical {TYPICAL_PAGES}-page PDF report on one core — **{summary}** "
            f"(judged on CPU time: the seconds of one core's work, whatever else runs on the machine)."]
    if wall_verdicts != verdicts:
        head.append(f"Wall-clock time disagrees in {sum(a != b for a, b in zip(verdicts, wall_verdicts, strict=True))}"
                    f" of {len(verdicts)} rows: the pinned CPU was shared with other work during the run "
                    "(see the load average); on an idle core wall ≈ CPU for PDF.")
    return [" ".join(head), "", *lines]


def render(args: argparse.Namespace, corpus: Corpus, rows: list[Row], guards: list[tuple[str, int, float, str]],
           facts: list[str], hot_spots: list[str], rss: tuple[int, int, int]) -> str:
    lines = ["## `monitor check` on PDF, DOCX and DOC", ""]
    lines.append(f"Generated by `python bench/document_formats.py --n {args.n} --seed {args.seed} "
                 f"--repeat {args.repeat} --real-iters {args.real_iters} --doc-n {args.doc_n}`; "
                 "do not edit between the markers.")
    lines.append("")
    lines.append(f"- Corpus: {corpus.label}")
    lines.extend(f"- Note: {note}" for note in corpus.notes)
    lines.extend(facts)
    lines.append("")
    lines.append("### Target")
    lines.append("")
    lines.extend(target_lines(rows))
    lines.append("")
    lines.append(f"### Results (seconds per document, median over {args.repeat} timed pass(es) per document)")
    lines.append("")
    lines.append("| documents | n | pages/doc | s/doc median | s/doc p90 | CPU s/doc median | s/page (wall) "
                 "| accuracy (cells equal) | tracemalloc peak (max) | refused |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        errors = ", ".join(f"{k} × {v}" for k, v in sorted(row.errors.items())) or "none"
        count_text = f"1 × {len(row.docs)}" if row.label.startswith("real page") else str(len(row.docs))
        lines.append(f"| {row.label} | {count_text} | {_pages(row)} | {_s(row.median)} | {_s(row.p90)} | "
                     f"{_s(row.cpu_median)} | {_s(row.per_page())} | {_accuracy(row)} | {_mib(max(row.peak_bytes))} "
                     f"| {errors} |")
    lines.append("")
    imperfect = [f"{row.label}: " + ", ".join(f"`{name}`" for name in row.imperfect) for row in rows
                 if row.imperfect and row.label != "PDF (all corpus PDFs)"]
    if imperfect:
        lines.append("Documents not read exactly (cells equal / expected): " + "; ".join(imperfect) + ".")
        lines.append("")
    doc_rows = [r for r in rows if r.convert_s]
    if doc_rows:
        lines.append("DOC rows include the LibreOffice conversion (`monitor.parsing.convert.to_docx`: a fresh "
                     "`soffice` process and profile per document); the conversion alone, timed separately: "
                     + "; ".join(f"{r.label} median {_s(statistics.median(r.convert_s))} s" for r in doc_rows)
                     + ". The rest is the DOCX reading.")
        lines.append("")
    before, after, children = rss
    lines.append(f"- Memory: tracemalloc peak = Python allocations while checking one document (C allocations "
                 f"of lxml and zlib not included), largest in the row. Process peak RSS (`ru_maxrss`): "
                 f"{_mib(before)} after loading the corpus, {_mib(after)} after all passes; largest "
                 f"`soffice` child: {_mib(children) if children else 'n/a'}.")
    lines.append("- Method: `monitor.check.check_document(data, name)` per document, one process pinned to one "
                 "CPU; one untimed warm-up pass (accuracy: table cells equal to the expected tables / cells "
                 f"expected), then {args.repeat} timed pass(es) (`time.perf_counter` around each document, and CPU "
                 "time: `time.process_time` plus the `soffice` children's `RUSAGE_CHILDREN`; `gc.collect()` before "
                 "each pass); a document's time is its median over the passes, a row's median and p90 are over its "
                 f"documents (real-page rows: over {args.real_iters} readings of the same file); s/page = median "
                 "over PDFs of wall seconds ÷ pages. Wall time counts any other load on the pinned CPU (see the load "
                 "average); CPU time does not.")
    lines.append("")
    lines.append("### Guards (timed once)")
    lines.append("")
    lines.append("| input | size | seconds to the answer | outcome |")
    lines.append("|---|---:|---:|---|")
    for label, size, seconds, outcome in guards:
        lines.append(f"| {label} | {size / 1024:,.0f} KiB | {seconds:.4f} | {outcome} |")
    lines.append("")
    lines.append("### Where the time goes (cProfile, corpus PDFs)")
    lines.append("")
    lines.extend(hot_spots)
    return "\n".join(lines) + "\n"


def _idle_ticks() -> dict[int, tuple[int, int]]:
    """CPU number -> (idle ticks, all ticks), from /proc/stat."""
    ticks = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            numbers = [int(v) for v in values]
            ticks[int(name[3:])] = (numbers[3] + numbers[4], sum(numbers))
    return ticks


def _pin_to_one_cpu() -> str:
    """Pin this process (and the soffice it starts) to the allowed CPU that was idlest over one second."""
    try:
        allowed = os.sched_getaffinity(0)
        try:
            before = _idle_ticks()
            time.sleep(1.0)
            after = _idle_ticks()
            idle = {c: (after[c][0] - before[c][0]) / max(1, after[c][1] - before[c][1]) for c in allowed}
            cpu = max(sorted(allowed), key=lambda c: idle[c])
        except (OSError, KeyError, ValueError, IndexError):
            cpu, idle = min(allowed), {}
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError) as exc:
        return f"- Not pinned to one CPU ({type(exc).__name__}); single process, single thread"
    idle_text = f", {idle[cpu]:.0%} idle in the second before the run" if cpu in idle else ""
    return (f"- Pinned to CPU {cpu}{idle_text} (`os.sched_setaffinity`; the `soffice` children of DOC rows "
            "inherit the pin)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="documents in the corpus (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic corpus (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the median is reported (default 3)")
    parser.add_argument("--real-iters", type=int, default=5, help="readings of each real-page file per pass")
    parser.add_argument("--doc-n", type=int, default=4, help="corpus DOCX converted to DOC (default 4)")
    parser.add_argument("--write", type=Path, metavar="PATH", help="rewrite the document-formats section of PATH")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.real_iters < 1 or args.doc_n < 0:
        parser.error("--n, --repeat and --real-iters must be at least 1, --doc-n at least 0")
    if soffice() is None:
        parser.error("LibreOffice (soffice) is needed for the real-page rows: `make libreoffice`")

    pin = _pin_to_one_cpu()
    try:
        load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load_before = "n/a"
    workdir = Path(tempfile.mkdtemp(prefix="bench-formats-"))
    try:
        corpus = load_corpus(args.n, args.seed, args.doc_n, workdir)
        print(f"corpus: {corpus.label}", file=sys.stderr)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        rows = measure(corpus, args.repeat, args.real_iters)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        guards = time_guards(guard_inputs(corpus.synth, workdir))
        pdfs = [d for d in corpus.docs if d.pages]
        pdf_seconds = sum(s for r in rows if r.label.startswith("PDF (") and r.label != "PDF (all corpus PDFs)"
                          for s in r.seconds)
        hot_spots = profile(pdfs, pdf_seconds) if pdfs else ["(no PDF in the corpus)"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    facts = [*machine_facts(load_before), _tool_versions(), pin]
    section = render(args, corpus, rows, guards, facts, hot_spots, (rss_before, rss_after, children))
    print(section)
    if args.write:
        ct.write_section(args.write, section, name="document-formats")
        print(f"wrote the document-formats section of {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
