"""Scale-out on Dask: a LocalCluster of two worker processes writes, shard by shard and in each
shard's order, the very documents the single-machine `extract` writes for the team corpus, and an
error line for a bad line or an unreadable shard."""
import json
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from conftest import ROOT, TEAM_ARTICLES
from extractor.dask import extract_shards, shards
from test_cli import GOOD, jsonl, lines, run


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as local, \
            Client(local) as client:
        yield client


def _corpus_shards(folder: Path) -> Path:
    """The corpus in three shards, in order, with a line that is no JSON in the second and a
    fourth shard that is no gzip."""
    articles = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted((ROOT / "corpus").glob("*.txt"))]
    folder.mkdir()
    for number, start in enumerate(range(0, len(articles), 40)):
        rows = [json.dumps(a, ensure_ascii=False) for a in articles[start:start + 40]]
        if number == 1:
            rows.insert(3, "{not json")
        (folder / f"{number}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "3-broken.jsonl.gz").write_bytes(b"not gzip at all")
    return folder


def test_two_dask_workers_write_the_documents_of_the_single_machine_run(tmp_path: Path, cluster):
    folder = _corpus_shards(tmp_path / "shards")
    totals = extract_shards(shards([str(folder), str(folder / "3-broken.jsonl.gz")]), str(tmp_path / "out"))
    single = run("extract", "corpus/", "-o", str(tmp_path / "single.jsonl"))
    assert single.returncode == 0, single.stderr
    written = sorted((tmp_path / "out").glob("*.jsonl"))
    assert [p.name for p in written] == ["00000-0.jsonl", "00001-1.jsonl", "00002-2.jsonl", "00003-3-broken.jsonl"]
    out = [line for path in written for line in path.read_text(encoding="utf-8").splitlines()]
    errors = [json.loads(line) for line in out if '"error": {' in line]
    assert [line for line in out if '"error": {' not in line] == \
        (tmp_path / "single.jsonl").read_text(encoding="utf-8").splitlines()
    assert [(e["doc_id"], e["error"]["stage"]) for e in errors] == [
        (f"{folder / '1.jsonl'}:4", "read"), (str(folder / "3-broken.jsonl.gz"), "read")]
    assert "bad JSON" in errors[0]["error"]["message"] and "cannot read" in errors[1]["error"]["message"]
    assert totals["documents"] == TEAM_ARTICLES and totals["errors"] == 2
    assert totals["facts"] == sum(len([m for m in ("admitted", "target", "attainment_pct", "rate_pct", "share_pct",
                                                   "members") if r[m] is not None])
                                  for d in lines(tmp_path / "single.jsonl") for r in d["records"])


def test_each_worker_process_loads_the_pipeline_once(tmp_path: Path, cluster):
    from extractor import batch
    folder = tmp_path / "shards"
    folder.mkdir()
    for number in range(6):
        jsonl(folder / f"{number}.jsonl", [{"id": f"{number}-{i}", "text": GOOD} for i in range(3)])
    extract_shards(shards([str(folder)]), str(tmp_path / "out"))
    pipelines = cluster.run(lambda: id(batch._worker[0]) if batch._worker else None)
    extract_shards(shards([str(folder)]), str(tmp_path / "again"))
    assert cluster.run(lambda: id(batch._worker[0]) if batch._worker else None) == pipelines
    assert None not in pipelines.values()


def test_each_article_is_extracted_once(tmp_path: Path, monkeypatch):
    import dask

    import extractor.dask
    done = []
    monkeypatch.setattr(extractor.dask, "process", lambda item, real=extractor.dask.process: done.append(item) or real(item))
    folder = tmp_path / "shards"
    folder.mkdir()
    for number in range(3):
        jsonl(folder / f"{number}.jsonl", [{"id": f"{number}-{i}", "text": GOOD} for i in range(4)])
    with dask.config.set(scheduler="sync"):     # in this process, where the calls can be counted
        totals = extract_shards(shards([str(folder)]), str(tmp_path / "out"))
    assert len(done) == 12 and totals["documents"] == 12 and totals["facts"] == 24


def test_extract_dask_local_on_the_command_line(tmp_path: Path):
    folder = tmp_path / "shards"
    folder.mkdir()
    jsonl(folder / "a.jsonl", [{"id": "a1", "text": GOOD}, {"id": "a2", "text": ""}])
    (folder / "b.jsonl").write_text('{"id": "b1", "text": 3}\n', encoding="utf-8")
    result = run("extract", str(folder), "--dask", "local", "-j", "1", "-o", str(tmp_path / "out"))
    assert result.returncode == 1, result.stderr     # one article failed: its error line is written
    assert "2 documents, 1 records, 2 facts, 1 errors" in result.stderr and "2 shards on Dask" in result.stderr
    assert [d["doc_id"] for d in lines(tmp_path / "out" / "00000-a.jsonl")] == ["a1", "a2"]
    assert lines(tmp_path / "out" / "00001-b.jsonl")[0]["error"]["message"].endswith("needs 'text' or 'html' (a string)")
