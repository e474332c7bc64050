"""Many documents at once: `monitor.batch.ingest_many` with worker processes and `monitor ingest
--manifest`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from batch_tasks import hostile_task
from click.testing import CliRunner
from sqlalchemy import func, select

from monitor.batch import Failed, Job, Workers, ingest_many, read_manifest
from monitor.cli import main
from monitor.config import Agency
from monitor.errors import InputError
from monitor.isolation import Limits
from monitor.pipeline import IngestStatus
from monitor.store import Store, models

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
AGENCIES = [Agency(id=f"office-{i}", name=f"某区第{i}局", kind="department", region="河南省/新乡市/卫滨区")
            for i in range(4)]


@pytest.fixture
def seed(corpus_dir) -> bytes:
    return (corpus_dir / "weibin-office-2025.txt").read_bytes()


@pytest.fixture
def store(registered) -> Store:
    return registered(AGENCIES, NOW)


def _variant(seed: bytes, n: int, year: int = 2025) -> bytes:
    """The seed with its overview changed, so that each variant is another version; a report of `year`
    (the document states its year: a year given with a job only fills in a year the document lacks)."""
    return seed.replace(b"2025", str(year).encode()).replace("主动公开".encode(), f"主动公开（第{n}稿）".encode(), 1)


def _reports(store: Store) -> int:
    with store.reading() as session:
        return session.scalar(select(func.count()).select_from(models.Report))


@pytest.mark.parametrize("workers", [1, 2])
def test_every_job_is_stored_in_order_and_a_bad_one_fails_alone(store, seed, tmp_path, workers):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    jobs = []
    for agency in AGENCIES:
        for year in (2024, 2025):
            jobs.append(Job(agency.id, f"{agency.id}-{year}.txt", NOW, year, _variant(seed, year, year)))
    # Three versions of one agency-year: numbered in the order given, whatever the workers do.
    jobs += [Job("office-1", f"office-1-2025-v{n}.txt", NOW + timedelta(days=n), 2025, _variant(seed, 10 + n))
             for n in (1, 2)]
    jobs.append(Job("office-2", str(bad), NOW))
    jobs.append(Job("nobody", "nobody.txt", NOW, 2025, seed))

    results = list(ingest_many(store, jobs, workers=workers))

    order = [a.id for a in AGENCIES] + ["nobody"]  # grouped by agency, in the order of first appearance
    assert [job for job, _ in results] == [job for agency in order for job in jobs if job.agency_id == agency]
    outcomes = {job.location: outcome for job, outcome in results}
    assert isinstance(outcomes[str(bad)], Failed) and "PDF" in outcomes[str(bad)].reason
    assert isinstance(outcomes["nobody.txt"], Failed) and "登记册中没有机关 nobody" in outcomes["nobody.txt"].reason
    assert [outcomes[f"office-1-2025-v{n}.txt"].version for n in (1, 2)] == [2, 3]
    assert {(outcomes[f"{a.id}-{y}.txt"].year, outcomes[f"{a.id}-{y}.txt"].status) for a in AGENCIES
            for y in (2024, 2025)} == {(2024, IngestStatus.NEW), (2025, IngestStatus.NEW)}
    assert _reports(store) == 4 * 2 + 2
    with store.reading() as session:
        versions = dict(session.execute(select(models.Report.version, models.Report.url).where(
            models.Report.agency_id == "office-1", models.Report.year == 2025)).all())
    assert versions == {1: "office-1-2025.txt", 2: "office-1-2025-v1.txt", 3: "office-1-2025-v2.txt"}
    with store.reading() as session:  # the cross-year rules saw the previous year whatever the order of the workers
        reuse = session.scalars(select(models.Finding.agency_id).where(models.Finding.rule == "TEXT-REUSE",
                                                                        models.Finding.year == 2025)).all()
    assert set(reuse) == {a.id for a in AGENCIES}


def test_manifest_reading(tmp_path):
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("\ufeffagency,location,year\na,reports/a.pdf,2024\nb,https://x.gov.cn/b.html,\n"
                        f"c,{tmp_path / 'c.docx'},2025\n", encoding="utf-8")
    jobs = read_manifest(manifest, NOW)
    assert [(j.agency_id, j.location, j.year) for j in jobs] == [
        ("a", str(tmp_path / "reports" / "a.pdf"), 2024), ("b", "https://x.gov.cn/b.html", None),
        ("c", str(tmp_path / "c.docx"), 2025)]


@pytest.mark.parametrize("text,message", [
    ("agency,file\na,x.pdf\n", "缺少列 location"),
    ("agency,location,year\na,x.pdf,二〇二四\n", "jobs.csv:2: year 不是年份"),
    ("agency,location\na,x.pdf\n,y.pdf\n", "jobs.csv:3: agency 为空"),
])
def test_manifest_errors_name_the_line_and_field(tmp_path, text, message):
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_manifest(manifest, NOW)


def _config(tmp_path, url: str) -> str:
    registry_toml = "".join(f'[[agency]]\nid = "{a.id}"\nname = "{a.name}"\nkind = "department"\n' for a in AGENCIES)
    path = tmp_path / "monitor.toml"
    path.write_text(f'[database]\nurl = "{url}"\n{registry_toml}', encoding="utf-8")
    return str(path)


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_ingest_manifest_command(tmp_path, database_url, seed):
    config = _config(tmp_path, database_url)
    assert _run("init", "--config", config).exit_code == 0
    folder = tmp_path / "received"
    folder.mkdir()
    for i in range(3):
        (folder / f"r{i}.txt").write_bytes(_variant(seed, i, 2024 if i == 1 else 2025))
    manifest = folder / "manifest.csv"
    # office-3's row gives a year its document contradicts: refused, the document is the witness of its year.
    manifest.write_text("agency,location,year\noffice-0,r0.txt,\noffice-1,r1.txt,2024\noffice-0,r2.txt,\n"
                        "office-2,missing.txt,\noffice-3,r2.txt,2024\n", encoding="utf-8")
    result = _run("ingest", "--manifest", str(manifest), "--workers", "2", "--config", config,
                  "--now", "2026-02-01T09:00:00+08:00")
    assert result.exit_code == 2, result.output  # two rows failed; the others are stored
    lines = result.stdout.splitlines()
    # The sample is 卫滨区人民政府办公室's report, filed here under 某区第N局: each version also raises
    # AGENCY-MISMATCH (one more 新发现 on each agency's first version, one more 仍存在 on the second).
    note = "；注意：报告中的机关与登记的机关不符（AGENCY-MISMATCH），请核对"
    assert lines[:3] == ["office-0 2025年度 第1版：已入库；问题：新发现 2" + note,
                         "office-0 2025年度 第2版：已入库（新版本）；问题：新发现 1，仍存在 2" + note,
                         "office-1 2024年度 第1版：已入库；问题：新发现 2" + note]
    assert lines[-1] == f"共 5 份：新入库 2，新版本 1，内容未变 0，失败 2（{manifest}）"
    assert f"monitor ingest: {folder / 'missing.txt'}: 文件不存在" in result.stderr
    assert (f"monitor ingest: {folder / 'r2.txt'}: 文件中的报告年度为 2025 年，与指定的 2024 年不符"
            in result.stderr)
    found = json.loads(_run("findings", "--format", "json", "--config", config).stdout)
    assert sorted((f["agency"], f["year"], f["rule"]) for f in found) == [
        ("office-0", 2025, "AGENCY-MISMATCH"), ("office-0", 2025, "NARRATIVE-SUM"), ("office-0", 2025, "REVISED"),
        ("office-1", 2024, "AGENCY-MISMATCH"), ("office-1", 2024, "NARRATIVE-SUM")]
    again = _run("ingest", "--manifest", str(manifest), "--config", config)
    assert again.stdout.splitlines()[-1] == f"共 5 份：新入库 0，新版本 0，内容未变 3，失败 2（{manifest}）"


@pytest.mark.parametrize("args,message", [
    ([], "二者只能选一"),
    (["x.txt", "--manifest", "m.csv"], "二者只能选一"),
    (["x.txt"], "--agency"),
    (["--manifest", "m.csv", "--agency", "a"], "不能再用 --agency"),
])
def test_ingest_arguments_are_checked(tmp_path, args, message):
    (tmp_path / "m.csv").write_text("agency,location\n", encoding="utf-8")
    config = _config(tmp_path, f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        result = _run("ingest", *args, "--config", config)
    assert result.exit_code == 2 and message in result.output


def _unreadable(store: Store) -> list[tuple[str, str, str, bytes]]:
    with store.reading() as session:
        rows = session.execute(select(models.Document.agency_id, models.Document.url, models.Document.read_error,
                                      models.Blob.data).join(models.Blob, models.Blob.sha256 == models.Document.sha256)
                               .where(models.Document.read_error.is_not(None)).order_by(models.Document.id))
        return [(a, u, r, zlib.decompress(d)) for a, u, r, d in rows]


def test_a_document_that_breaks_a_limit_is_kept_and_the_batch_goes_on(store, seed):
    jobs = [Job("office-0", "hangs.html", NOW, data=b"<html>hang</html>"),
            Job("office-0", "after-hang.txt", NOW, data=_variant(seed, 1)),
            Job("office-1", "kills.html", NOW, data=b"<html>kill</html>"),
            Job("office-1", "swallows.html", NOW, data=b"<html>swallow</html>"),
            Job("office-1", "after-kill.txt", NOW, data=_variant(seed, 2))]
    with Workers(store, 2, Limits(seconds=5, memory_mb=600), hostile_task) as pool:
        results = dict((job.location, outcome) for job, outcome in pool.ingest(jobs))
    assert results["hangs.html"] == Failed("读取超时：超过 5 秒仍未读完，已停止（文件已保存，供审核）")
    assert results["kills.html"] == Failed("读取进程意外退出（退出码 9）（文件已保存，供审核）")
    assert results["swallows.html"] == Failed("读取时内存超过上限（600 MB），已停止（文件已保存，供审核）")
    assert results["after-hang.txt"].status == IngestStatus.NEW  # a new worker took the next document
    assert results["after-kill.txt"].status == IngestStatus.NEW
    assert sorted(_unreadable(store)) == [  # two agencies side by side: stored in either order
        ("office-0", "hangs.html", "读取超时：超过 5 秒仍未读完，已停止", b"<html>hang</html>"),
        ("office-1", "kills.html", "读取进程意外退出（退出码 9）", b"<html>kill</html>"),
        ("office-1", "swallows.html", "读取时内存超过上限（600 MB），已停止", b"<html>swallow</html>"),
    ]
    assert _reports(store) == 2


def test_a_refused_document_is_kept_as_unreadable(store, seed):
    results = list(ingest_many(store, [Job("office-2", "scan.pdf", NOW, data=b"%PDF-1.7\n garbage"),
                                       Job("nobody", "x.txt", NOW, data=seed)], workers=1))
    assert [type(outcome) for _, outcome in results] == [Failed, Failed]
    [(agency, url, reason, data)] = _unreadable(store)
    assert (agency, url, data) == ("office-2", "scan.pdf", b"%PDF-1.7\n garbage")
    assert reason == results[0][1].reason and "\n" not in reason
