"""The command line on a batch with bad members: the good documents still come out."""
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

GOOD = "Năm 2016, Đảng bộ phường Xuân Sơn đã kết nạp được 13 đảng viên mới, đạt 100% chỉ tiêu đề ra."


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=ROOT)


def test_batch_with_bad_inputs_keeps_the_good_ones(tmp_path: Path):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (tmp_path / "latin1.txt").write_bytes("Đảng bộ".encode("utf-16"))
    (tmp_path / "batch.jsonl").write_text(
        json.dumps({"id": "j1", "text": GOOD, "published": "2017-01-05"}, ensure_ascii=False)
        + "\n{broken\n" + json.dumps({"doc_id": "j2", "text": ""}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("extract", str(tmp_path), "-o", str(out))
    assert result.returncode == 1
    docs = {d["doc_id"]: d for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(docs) == {"good", "empty", "j1", "j2"}
    assert docs["good"]["records"][0]["admitted"] == 13 and docs["empty"]["records"] == []
    assert docs["j1"]["meta"]["published"] == "2017-01-05"
    assert "binary.txt: binary" in result.stderr and "batch.jsonl:2" in result.stderr
    assert "latin1.txt" in result.stderr


def test_evaluate_scores_a_prediction_file(tmp_path: Path):
    out = tmp_path / "pred.jsonl"
    assert run("extract", "corpus", "-o", str(out)).returncode == 0
    result = run("evaluate", "--pred", str(out), "--gold", "gold", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["strict"]["f1"] > 0.5 and "per_measure" in report and "missed" in report
