"""The command line as an analyst runs it: every input kind, CSV, errors, workers, resume."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

GOOD = "Năm 2016, Đảng bộ phường Xuân Sơn đã kết nạp được 13 đảng viên mới, đạt 100% chỉ tiêu đề ra."
THIS_YEAR = "Trong năm nay, Đảng bộ xã Tân Lập đã kết nạp 9 đảng viên mới."
DATED = "Ngày đăng: 08:00 | 05/01/2019\n\nNăm nay, Đảng bộ xã Tân Lập đã kết nạp 9 đảng viên mới."
PAGE = ROOT / "tests" / "data" / "page.html"
UNDATED_PAGE = ("<html><head><title>Xã An Bình kết nạp 5 đảng viên</title></head><body><article>"
                "<h1>Xã An Bình kết nạp 5 đảng viên</h1><p>Năm 2015, Đảng bộ xã An Bình đã kết nạp được 5 đảng viên "
                "mới, đạt 100% kế hoạch đề ra trong năm. Đây là kết quả của sự nỗ lực không ngừng của toàn Đảng bộ "
                "và nhân dân trong xã.</p><p>Trong năm qua, công tác phát triển đảng viên được chú trọng.</p>"
                "</article></body></html>")


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_txt_files_folders_and_globs(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "a" / "b" / "two.txt").write_text(THIS_YEAR, encoding="utf-8")
    (tmp_path / "a" / "b" / "notes.md").write_text(GOOD, encoding="utf-8")   # not an article kind: skipped
    (tmp_path / "three.txt").write_text(GOOD, encoding="utf-8")
    result = run("extract", str(tmp_path / "a"), str(tmp_path / "*.txt"), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    assert [d["doc_id"] for d in lines(tmp_path / "out.jsonl")] == ["one", "two", "three"]
    assert "3 documents" in result.stderr and "documents/s" in result.stderr


def test_stdin_text_and_jsonl():
    text = run("extract", "-", stdin=GOOD)
    assert json.loads(text.stdout)["doc_id"] == "stdin"
    assert json.loads(text.stdout)["records"][0]["admitted"] == 13
    rows = json.dumps({"id": 7, "text": GOOD}, ensure_ascii=False) + "\n"
    assert json.loads(run("extract", "-", stdin=rows).stdout)["doc_id"] == "7"


def test_jsonl_meta_passes_through_and_a_given_date_wins(tmp_path: Path):
    source = jsonl(tmp_path / "batch.jsonl", [
        {"doc_id": "given", "text": DATED, "published": "2023-06-30", "url": "https://x.vn/a", "title": "Tân Lập"},
        {"id": "found", "text": DATED}])
    result = run("extract", str(source), "-o", str(tmp_path / "out.jsonl"))
    given, found = lines(tmp_path / "out.jsonl")
    assert given["meta"] == {"title": "Tân Lập", "published": "2023-06-30", "author": None, "source": None,
                             "url": "https://x.vn/a", "date_source": "input", "encoding": None}
    assert given["records"][0]["period"]["start"] == "2023"          # "năm nay" against the given date
    assert found["meta"]["published"] == "2019-01-05T08:00" and found["records"][0]["period"]["start"] == "2019"
    assert result.returncode == 0


def test_saved_html_page_gives_the_article_not_the_chrome(tmp_path: Path):
    html = PAGE.read_text(encoding="utf-8")
    source = jsonl(tmp_path / "pages.jsonl", [{"id": "row", "html": html, "url": "https://baodongthap.vn/a.html"}])
    result = run("extract", str(PAGE), str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    page, row = lines(tmp_path / "out.jsonl")
    assert page["doc_id"] == "page" and row["meta"]["url"] == "https://baodongthap.vn/a.html"
    for doc in (page, row):
        assert doc["meta"]["published"] == "2022-12-18"
        assert doc["meta"]["title"] == "Huyện Tam Nông kết nạp 215 đảng viên mới"
        text = doc["text"]
        assert "gtag" not in text and "Trang chủ" not in text and "Tháp Mười" not in text   # script, menu, related
        facts = {(r["unit"]["name"], m, r[m]) for r in doc["records"] for m in ("admitted", "share_pct", "members")
                 if r[m] is not None}
        assert ("Đảng bộ huyện Tam Nông", "admitted", 215) in facts and ("Đảng bộ huyện Tam Nông", "members", 3412) in facts
        assert not any(value in (180, 20) for _, _, value in facts)
        for record in doc["records"]:     # offsets point into the text written beside them
            start, end = record["evidence"]["spans"].get("admitted", (0, 0))
            assert record["admitted"] is None or text[start:end].replace(".", "") == str(record["admitted"])


def test_meta_says_where_the_publication_date_came_from(tmp_path: Path):
    (tmp_path / "undated.html").write_text(UNDATED_PAGE, encoding="utf-8")
    source = jsonl(tmp_path / "batch.jsonl", [
        {"id": "given", "text": DATED, "published": "2023-06-30"}, {"id": "dateline", "text": DATED},
        {"id": "none", "text": THIS_YEAR}, {"id": "given page", "html": UNDATED_PAGE, "published": "2023-06-30"}])
    result = run("extract", str(PAGE), str(tmp_path / "undated.html"), str(source), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    meta = {d["doc_id"]: (d["meta"]["published"], d["meta"]["date_source"]) for d in lines(tmp_path / "out.jsonl")}
    assert meta == {"page": ("2022-12-18", "page"), "undated": (None, None), "given": ("2023-06-30", "input"),
                    "dateline": ("2019-01-05T08:00", "text"), "none": (None, None),
                    "given page": ("2023-06-30", "input")}


def test_a_date_source_is_one_of_three_and_needs_a_date():
    from pydantic import ValidationError

    from extractor.schema import Meta
    assert Meta(published="2020-12-22", date_source="page").date_source == "page"
    with pytest.raises(ValidationError, match="without a published date"):
        Meta(date_source="text")
    with pytest.raises(ValidationError, match="date_source"):
        Meta(published="2020-12-22", date_source="htmldate")


def test_csv_round_trips_through_the_csv_module(tmp_path: Path):
    jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": GOOD}, {"id": "empty", "text": ""},
                                  {"id": "b", "text": "- " + THIS_YEAR, "published": "2020-03-01"}])
    assert run("extract", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "docs.jsonl")).returncode == 0
    result = run("extract", str(tmp_path / "in.jsonl"), "--format", "csv", "--bom", "-o", str(tmp_path / "facts.csv"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "facts.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with (tmp_path / "facts.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    facts = [(d["doc_id"], r["unit"]["name"], m, str(r[m])) for d in lines(tmp_path / "docs.jsonl")
             for r in d["records"] for m in ("admitted", "attainment_pct") if r[m] is not None]
    assert [(r["doc_id"], r["unit"], r["measure"], r["value"]) for r in rows if r["measure"]] == facts
    assert [r["doc_id"] for r in rows if not r["measure"]] == ["empty"]   # read, and nothing in it
    first = rows[0]
    assert first["period_start"] == "2016" and first["evidence"] == GOOD and first["level"] == "phường"
    assert GOOD[int(first["value_start"]):int(first["value_end"])] == "13"
    dashed = next(r for r in rows if r["doc_id"] == "b")
    assert dashed["evidence"].startswith("'- ")     # a spreadsheet must not read it as a formula


def test_a_bad_batch_still_writes_every_good_document(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (folder / "cp1258.txt").write_bytes(b"\xd0\xe3ng b\xf4 k\xea\xe1t n\xe2\xecp")
    (folder / "batch.jsonl").write_text(
        json.dumps({"id": "j1", "text": GOOD}, ensure_ascii=False) + "\n{broken\n"
        + json.dumps({"doc_id": "j2", "text": GOOD, "published": "hôm qua"}, ensure_ascii=False) + "\n"
        + json.dumps({"doc_id": "j3", "text": GOOD}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("extract", str(folder), "-o", str(folder / "out.jsonl"))    # its own output is not an input
    assert result.returncode == 1
    out = lines(folder / "out.jsonl")
    docs = {d["doc_id"]: d for d in out if "error" not in d}
    errors = {d["doc_id"]: d["error"] for d in out if "error" in d}
    assert list(docs) == ["j1", "j3", "cp1258", "empty", "good"]    # a legacy code page is read, not refused
    assert docs["good"]["records"][0]["admitted"] == 13 and docs["empty"]["records"] == []
    assert set(errors) == {f"{folder / 'batch.jsonl'}:2", "j2", "binary"}
    assert all(e["stage"] == "read" for e in errors.values())
    assert "binary file" in errors["binary"]["message"]
    assert "'published' is not an ISO date" in errors["j2"]["message"]
    assert "5 documents" in result.stderr and "3 errors" in result.stderr

    separate = run("extract", str(folder / "*.txt"), str(folder / "batch.jsonl"), "-o", str(tmp_path / "docs.jsonl"),
                   "--errors", str(tmp_path / "err.jsonl"))
    assert separate.returncode == 1
    assert [d["doc_id"] for d in lines(tmp_path / "docs.jsonl")] == ["cp1258", "empty", "good", "j1", "j3"]
    assert len(lines(tmp_path / "err.jsonl")) == 3


def test_workers_keep_input_order_and_records_only_drops_mentions(tmp_path: Path):
    rows = [{"id": f"d{i:03}", "text": GOOD if i % 3 else THIS_YEAR, "published": "2021-05-01"} for i in range(40)]
    source = jsonl(tmp_path / "in.jsonl", rows)
    one = run("extract", str(source), "-j", "1", "-o", str(tmp_path / "one.jsonl"))
    two = run("extract", str(source), "-j", "2", "--records-only", "-o", str(tmp_path / "two.jsonl"))
    assert one.returncode == two.returncode == 0
    serial, parallel = lines(tmp_path / "one.jsonl"), lines(tmp_path / "two.jsonl")
    assert [d["doc_id"] for d in parallel] == [r["id"] for r in rows]
    assert all("mentions" not in d for d in parallel) and all(d["mentions"] for d in serial)
    assert [d["records"] for d in parallel] == [d["records"] for d in serial]


def test_resume_after_a_killed_run_finishes_without_duplicates(tmp_path: Path):
    long = "\n\n".join([GOOD] * 30)    # slow enough to be caught midway
    rows = [{"id": f"d{i:03}", "text": long} for i in range(300)]
    source = jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "extractor", "extract", str(source), "-j", "1", "-o", str(out)],
                               cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 5):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = out.read_bytes()
    assert 5 <= written.count(b"\n") < len(rows), "the run was not caught midway"
    out.write_bytes(written + written[:40])    # and a line cut in the middle by the kill
    result = run("extract", str(source), "-j", "2", "-o", str(out), "--resume")
    assert result.returncode == 0, result.stderr
    assert [d["doc_id"] for d in lines(out)] == [r["id"] for r in rows]
    assert "already done" in result.stderr
    again = run("extract", str(source), "-o", str(out), "--resume")
    assert f"{len(rows) - 1} already done" in again.stderr    # the last one is done again: it may be cut off
    assert [d["doc_id"] for d in lines(out)] == [r["id"] for r in rows]


def test_resume_of_a_csv_table(tmp_path: Path):
    source = jsonl(tmp_path / "in.jsonl", [{"id": f"d{i}", "text": GOOD} for i in range(5)])
    out = tmp_path / "facts.csv"
    assert run("extract", str(source), "--format", "csv", "-o", str(out)).returncode == 0
    full = out.read_bytes()
    out.write_bytes(full[:len(full) * 3 // 5])      # killed after two documents and a half
    assert run("extract", str(source), "--format", "csv", "-o", str(out), "--resume").returncode == 0
    assert out.read_bytes() == full


def test_evaluate_scores_a_prediction_file(tmp_path: Path):
    out = tmp_path / "pred.jsonl"
    # a generous time budget: a loaded machine is no timeout
    assert run("extract", "corpus", "-o", str(out), "--budget", "60").returncode == 0
    result = run("evaluate", "--pred", str(out), "--gold", "gold", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["strict"]["f1"] > 0.5 and "per_measure" in report and "missed" in report


def test_a_jsonl_line_nested_thousands_deep_is_one_error_line(tmp_path: Path):
    batch = tmp_path / "deep.jsonl"
    batch.write_text(json.dumps({"id": "a", "text": GOOD}, ensure_ascii=False) + "\n" + "[" * 3000 + "]" * 3000
                     + "\n" + json.dumps({"id": "b", "text": GOOD}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("extract", str(batch), "-o", str(tmp_path / "out.jsonl"), "-j", "1")
    assert result.returncode == 1
    out = lines(tmp_path / "out.jsonl")
    assert [d["doc_id"] for d in out] == ["a", f"{batch}:2", "b"]
    assert out[1]["error"]["stage"] == "read" and "nested too deep" in out[1]["error"]["message"]


def test_csv_neutralises_formula_cells_doc_ids_included_and_resumes(tmp_path: Path):
    batch = tmp_path / "in.jsonl"
    batch.write_text("".join(json.dumps({"id": doc_id, "text": GOOD}, ensure_ascii=False) + "\n"
                             for doc_id in ("=cmd|x", "+1", "@a", "plain")), encoding="utf-8")
    table = tmp_path / "out.csv"
    assert run("extract", str(batch), "--format", "csv", "-o", str(table), "-j", "1").returncode == 0
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert list(dict.fromkeys(r["doc_id"] for r in rows)) == ["'=cmd|x", "'+1", "'@a", "plain"]
    full = table.read_bytes()
    table.write_bytes(full[:full.index(b"'@a")])    # as if killed before the third document
    resumed = run("extract", str(batch), "--format", "csv", "-o", str(table), "-j", "1", "--resume")
    assert resumed.returncode == 0 and "1 already done" in resumed.stderr   # the last one is done again
    assert table.read_bytes() == full


@pytest.mark.parametrize("arguments, message", [
    (["extract", "{t001}", "-j", "-3"], "extractor extract: error: argument -j/--workers: -3: give a whole number, 1 or more"),
    (["extract", "{t001}", "-j", "abc"], "extractor extract: error: argument -j/--workers: abc: give a whole number, 1 or more"),
    (["extract", "--format", "xml", "{t001}"],
     "extractor extract: error: argument --format: invalid choice: 'xml' (choose from 'jsonl', 'csv')"),
    (["extract", "{t001}", "--bogus"], "extractor extract: error: unrecognized arguments: --bogus"),
    (["extract"], "extractor extract: error: the following arguments are required: paths"),
    (["evaluate", "--cv", "five"], "extractor evaluate: error: argument --cv: invalid int value: 'five'"),
    (["bench", "-n", "many"], "extractor bench: error: argument -n: invalid int value: 'many'"),
    (["extrakt", "{t001}"], "extractor: error: argument command: invalid choice: 'extrakt' (choose from"),
    (["extract", "{t001}", "-o", "{tmp}"], "extractor extract: error: argument -o: {tmp}: is a folder"),
    (["extract", "{t001}", "-o", "{tmp}/missing/out.jsonl"], "extractor extract: error: argument -o: {tmp}/missing/out.jsonl: "
                                                             "the folder {tmp}/missing does not exist"),
    (["extract", "{t001}", "--resume"], "extractor extract: error: argument --resume: needs the output file"),
    (["evaluate", "--pred", "x.jsonl"], "extractor evaluate: error: give --gold (or --cv K)"),
    (["extract", "{t001}", "--dask", "local"], "extractor extract: error: argument --dask: writes a file per shard"),
    (["extract", "{t001}", "--dask", "local", "-o", "{tmp}/out", "--format", "csv"],
     "extractor extract: error: argument --dask: not with --format csv"),
    (["extract", "{tmp}/none.jsonl", "--dask", "local", "-o", "{tmp}/out"],
     "extractor extract: error: {tmp}/none.jsonl: no JSON Lines shard there"),
])
def test_a_bad_argument_is_one_line_on_stderr_and_exit_2(tmp_path: Path, arguments, message):
    result = run(*[a.format(tmp=tmp_path, t001=ROOT / "corpus" / "t001.txt") for a in arguments])
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message.format(tmp=tmp_path) in result.stderr, result.stderr


def test_a_page_with_no_date_in_its_markup_gets_none_from_a_year_in_its_body():
    from extractor.inputs import Article, with_text
    page = with_text(Article("x", html=UNDATED_PAGE))
    assert page.published is None and page.text.startswith("Xã An Bình kết nạp 5 đảng viên")


def test_a_repeated_doc_id_is_warned_of_and_survives_resume(tmp_path: Path):
    batch = tmp_path / "in.jsonl"
    batch.write_text("".join(json.dumps({"id": doc_id, "text": GOOD}, ensure_ascii=False) + "\n"
                             for doc_id in ("a", "b", "a", "c")), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    first = run("extract", str(batch), "-o", str(out), "-j", "1")
    assert "doc_id 'a' appears more than once" in first.stderr
    full = out.read_bytes()
    out.write_bytes(b"".join(full.splitlines(keepends=True)[:3]))   # killed after the second "a"
    resumed = run("extract", str(batch), "-o", str(out), "-j", "1", "--resume")
    assert resumed.returncode == 0 and out.read_bytes() == full
    assert [d["doc_id"] for d in lines(out)] == ["a", "b", "a", "c"]


def _big_batch(tmp_path: Path, n: int = 4000) -> Path:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("t0*.txt"))]
    batch = tmp_path / "big.jsonl"
    batch.write_text("".join(json.dumps({"id": f"d{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n"
                             for i in range(n)), encoding="utf-8")
    return batch


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split(") ")[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_writes_the_summary_and_exits_130(tmp_path: Path, workers: str):
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "extractor", "extract", str(_big_batch(tmp_path)), "-o", str(out),
                                "-j", workers], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while (not out.exists() or out.stat().st_size < 20000) and time.time() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert lines(out) and all("doc_id" in d for d in lines(out))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "extractor", "extract", str(_big_batch(tmp_path)), "-o", str(out),
                                "-j", "2"], cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while len(_children(process.pid)) < 2 and time.time() < deadline:
        time.sleep(0.2)
    workers = _children(process.pid)
    assert workers
    process.kill()
    process.wait()
    deadline = time.time() + 10
    while any(_running(w) for w in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert [w for w in workers if _running(w)] == []


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"   # a zombie has ended
    except (OSError, IndexError):
        return False


def test_the_extract_script_takes_files_as_its_own_verb_and_helps(tmp_path: Path, capsys):
    from extractor.cli import extract_main
    assert extract_main([str(ROOT / "corpus" / "t001.txt"), "-o", str(tmp_path / "out.jsonl"), "-j", "1"]) == 0
    assert [d["doc_id"] for d in lines(tmp_path / "out.jsonl")] == ["t001"]
    for command in ("extract", "evaluate", "train"):
        help_text = run(command, "--help").stdout
        assert "example:" in help_text and "exit codes:" in help_text


def test_an_article_over_its_time_budget_is_an_error_line_and_the_batch_goes_on(tmp_path: Path):
    slow = "Đảng bộ xã An Bình kết nạp 5 đảng viên; " * 5000   # 200,000 characters of one list: seconds
    batch = tmp_path / "in.jsonl"
    batch.write_text("".join(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n"
                             for doc_id, text in (("a", GOOD), ("slow", slow), ("b", GOOD))), encoding="utf-8")
    result = run("extract", str(batch), "-o", str(tmp_path / "out.jsonl"), "-j", "1", "--budget", "0.1")
    out = lines(tmp_path / "out.jsonl")
    assert result.returncode == 1 and [d["doc_id"] for d in out] == ["a", "slow", "b"]
    assert out[1]["error"]["stage"] == "timeout" and "records" in out[2]


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese software writes it: base letters precomposed, tones combining."""
    import unicodedata
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(base.encode("cp1258") + "".join(c for c in decomposed if c in tones).encode("cp1258"))
    return b"".join(out)


@pytest.mark.parametrize("name, encode, how", [
    ("utf16", lambda t: t.encode("utf-16"), "utf-16"),
    ("utf16le", lambda t: t.encode("utf-16-le"), "utf_16_le"),
    ("cp1258", _cp1258, "cp1258"),
    ("mojibake", lambda t: t.encode("utf-8").decode("latin-1").encode("utf-8"), "mojibake repaired"),
])
def test_text_in_another_encoding_is_read_and_its_offsets_point_into_the_text_given(tmp_path: Path, name, encode, how):
    from extractor.inputs import decode
    (tmp_path / f"{name}.txt").write_bytes(encode(GOOD))
    assert how in (decode(encode(GOOD))[1] or "")
    result = run("extract", str(tmp_path / f"{name}.txt"), "-o", str(tmp_path / "out.jsonl"), "-j", "1")
    assert result.returncode == 0, result.stderr
    doc = lines(tmp_path / "out.jsonl")[0]
    record = doc["records"][0]
    start, end = record["evidence"]["spans"]["admitted"]
    assert record["admitted"] == 13 and doc["text"][start:end] == "13" and how in doc["meta"]["encoding"]


def test_extract_loads_no_export_or_review_library():
    """spaCy, underthesea and matplotlib serve export and review only: `extract` stays light."""
    code = ("import sys, extractor.cli, extractor.export; from extractor import cli, export; "
            "assert cli.EXPORT_FORMATS == export.FORMATS")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
    light = "import sys, extractor.cli; print(sorted({'spacy', 'underthesea', 'matplotlib'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", light], capture_output=True, text=True).stdout.strip() == "[]"
