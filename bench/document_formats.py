"""CPU seconds per PDF and DOCX document read by `monitor.parsing.parse`, against the bare libraries.

    .venv/bin/python bench/document_formats.py [--k 4] [--repeat 3]

`--k` reports of each format from tests/synth_documents.py (fixed seeds "bench/pdf/I", "bench/docx/I"):
PDFs by reportlab (`render_pdf_reportlab`), DOCX by python-docx (`render_docx`), every table cell
known. Floors: pdfplumber opening the PDF and extracting the text of every page
(`page.extract_text()`); python-docx opening the DOCX and reading every paragraph and table cell.
After an untimed warm-up pass (which scores the cells read), `--repeat` timed passes per reader; the
median pass is reported. DOC goes through LibreOffice: with `soffice` on PATH the fixture
tests/fixtures/documents/report.doc is read once (CPU of this process and of soffice, and wall time).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import statistics
import sys
import time

import common
import docx
import pdfplumber
import synth
import synth_documents

from monitor.parsing import parse

DOC_FIXTURE = common.ROOT / "tests" / "fixtures" / "documents" / "report.doc"


def documents(fmt: str, k: int) -> list[tuple[str, bytes, dict]]:
    """(location, bytes, expected tables) of k reports in one format."""
    render = synth_documents.render_pdf_reportlab if fmt == "pdf" else synth_documents.render_docx
    out = []
    for i in range(k):
        rng = random.Random(f"bench/{fmt}/{i}")
        doc = synth.random_doc(rng)
        out.append((f"https://www.example.gov.cn/zfxxgk/P0202501{i:02d}.{fmt}", render(doc, rng), doc.values))
    return out


def floor_pdf(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def floor_docx(data: bytes) -> None:
    document = docx.Document(io.BytesIO(data))
    for paragraph in document.paragraphs:
        _ = paragraph.text
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                _ = cell.text


def time_doc() -> dict:
    """One read of the DOC fixture through LibreOffice: CPU (this process + children), wall, accuracy."""
    expected = json.loads(DOC_FIXTURE.with_name(DOC_FIXTURE.name + ".expected.json").read_text("utf-8"))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = time.process_time(), time.perf_counter()
    report = parse(DOC_FIXTURE.read_bytes(), str(DOC_FIXTURE))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    right, total = common.cells_right(expected["tables"], report.tables)
    return {"cpu_s": cpu, "wall_s": wall, "cells_right": right, "cells_total": total}


def measure(k: int = 4, repeat: int = 3) -> dict:
    result: dict = {"k": k, "repeat": repeat, "formats": {}}
    for fmt, floor in (("pdf", floor_pdf), ("docx", floor_docx)):
        docs = documents(fmt, k)
        right = total = 0
        for location, data, expected in docs:  # warm-up and score
            r, t = common.cells_right(expected, parse(data, location).tables)
            right, total = right + r, total + t
        parse_runs, floor_runs = [], []
        for _ in range(repeat):
            parse_runs.append(common.timed(lambda docs=docs: [parse(data, loc) for loc, data, _ in docs])[0])
            floor_runs.append(common.timed(lambda docs=docs, floor=floor: [floor(data) for _, data, _ in docs])[0])
        parse_s, floor_s = statistics.median(parse_runs) / k, statistics.median(floor_runs) / k
        result["formats"][fmt] = {"parse_s": parse_s, "floor_s": floor_s, "ratio": parse_s / floor_s,
                                  "kib": sum(len(d) for _, d, _ in docs) / k / 1024,
                                  "cells_right": right, "cells_total": total}
    result["doc"] = time_doc() if synth_documents.soffice() and DOC_FIXTURE.is_file() else None
    return result


def to_markdown(result: dict) -> str:
    rows = [[fmt.upper(), result["k"], f"{f['kib']:.0f}", f"{f['parse_s']:.3f}", f"{f['floor_s']:.3f}",
             f"{f['ratio']:.1f}×", f"{f['cells_right']:,} / {f['cells_total']:,}"]
            for fmt, f in result["formats"].items()]
    doc = result["doc"]
    if doc:
        rows.append(["DOC (LibreOffice)", 1, f"{DOC_FIXTURE.stat().st_size / 1024:.0f}",
                     f"{doc['cpu_s']:.3f} (wall {doc['wall_s']:.2f})", "—", "—",
                     f"{doc['cells_right']:,} / {doc['cells_total']:,}"])
    table = common.markdown(["format", "documents", "KiB each", "parse CPU s/document", "floor CPU s/document",
                             "parse ÷ floor", "cells right"], rows)
    note = "" if doc else " DOC: not measured (no `soffice` on PATH)."
    return (f"{table}\n\nFloors: PDF, pdfplumber and `extract_text()` of every page; DOCX, python-docx reading every "
            f"paragraph and table cell. Median of {result['repeat']} timed passes after a warm-up pass; CPU time of "
            f"one process.{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=4, help="documents of each format (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (default 3)")
    print(to_markdown(measure(**vars(parser.parse_args(argv)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
