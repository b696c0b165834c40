"""The batch runner in this process: order, a worker that dies, resume bookkeeping."""
import os
from pathlib import Path

from extractor.batch import Options, finished, run
from extractor.inputs import Article

GOOD = "Năm 2016, Đảng bộ phường Xuân Sơn đã kết nạp được 13 đảng viên mới."


class KillsTheWorker:
    """Unpickled in a worker, it ends the process, as a crash in native code would."""

    def __reduce__(self):
        return os._exit, (3,)


def test_an_article_that_kills_its_worker_costs_only_itself():
    articles = [Article(f"d{i}", text=GOOD) for i in range(30)]
    articles.insert(13, Article("crash", html=KillsTheWorker()))
    articles.insert(27, Article("crash again", html=KillsTheWorker()))
    outcomes = list(run(articles, Options(), workers=2))
    assert [o.doc_id for o in outcomes] == [a.doc_id for a in articles]
    assert [o.doc_id for o in outcomes if o.error] == ["crash", "crash again"]
    assert outcomes[13].error["stage"] == "worker"
    assert all(o.records == 1 for o in outcomes if not o.error)


def test_finished_drops_the_last_document_which_may_be_cut_off(tmp_path: Path):
    out = tmp_path / "out.csv"
    out.write_text("doc_id,unit\r\na,X\r\nb,Y\r\nb,Z\r\nc,W", encoding="utf-8")
    assert finished(out, "csv") == {"a": 1}     # "b" may have had a third row in the cut line: done again
    assert out.read_bytes() == b"doc_id,unit\r\na,X\r\n"
    out.write_text('{"doc_id": "a"}\nnot json\n{"doc_id": "b"}\n', encoding="utf-8")
    try:
        finished(out, "jsonl")
    except ValueError as error:
        assert "out.csv:2" in str(error)
    else:
        raise AssertionError("a damaged line in the middle must stop the resume")
