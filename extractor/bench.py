"""The speed and memory benchmark: `python -m extractor bench`.

One run reports, over N articles cycled from a corpus folder: documents/s and chars/s per
stage and end to end (one core), articles/s at the corpus's median length, the batch runner
at -j 1 and -j N, the same texts through `underthesea.word_tokenize` alone as the yardstick,
and peak RSS of whole batch runs at two sizes (each in a fresh process).

`bench --review` measures the review site alone: `extractor review` on N documents, from an
extract output that carries the text (with gold) and from the articles themselves. `bench --dask`
measures only the Dask scale-out: the same articles as JSON Lines shards on a local cluster of 1
and of 2 worker processes.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

from .batch import Options, cores, jsonl_line, run
from .evaluate import load_documents
from .inputs import Article
from .pipeline import STAGES, Pipeline


def corpus_texts(folder: Path) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"bench: no .txt articles in {folder}")
    return texts


def cycled(texts: list[str], n: int) -> Iterator[Article]:
    for i, text in zip(range(n), itertools.cycle(texts)):
        yield Article(f"bench{i}", text=text)


def _rate(docs: int, chars: int, seconds: float) -> dict:
    return {"seconds": round(seconds, 3), "docs_per_s": round(docs / seconds, 1),
            "chars_per_s": round(chars / seconds)}


def per_stage(texts: list[str], n: int, rounds: int) -> dict:
    """The pipeline alone, in this process: each stage's share and the whole, from the fastest
    of `rounds` rounds (the machine's other work only ever slows a round down)."""
    articles = list(cycled(texts, n))
    chars = sum(len(a.text or "") for a in articles)
    best: dict = {}
    for _ in range(rounds):
        pipeline = Pipeline()
        started = time.perf_counter()
        for article in articles:
            pipeline.extract(article.text or "", article.doc_id)
        seconds = {**pipeline.seconds, "learned": pipeline.builder.learned_seconds,
                   "end_to_end": time.perf_counter() - started}
        if not best or seconds["end_to_end"] < best["end_to_end"]:
            best = seconds
    return {stage: _rate(n, chars, seconds) for stage, seconds in best.items()}


def median_length(texts: list[str], n: int, rounds: int) -> dict:
    """Articles within a quarter of the median length, end to end on one core."""
    median = statistics.median(len(t) for t in texts)
    typical = [t for t in texts if abs(len(t) - median) <= median / 4]
    return {"median_chars": int(median), "articles": len(typical), **per_stage(typical, n, rounds)["end_to_end"]}


def batch(texts: list[str], n: int, workers: int) -> dict:
    """The batch runner as `extract` uses it: reading, the pipeline, formatting, ordering."""
    chars = sum(len(a.text or "") for a in cycled(texts, n))
    started = time.perf_counter()
    for _ in run(cycled(texts, n), Options(), workers):
        pass
    return {"workers": workers, **_rate(n, chars, time.perf_counter() - started)}


def yardstick(texts: list[str], n: int, rounds: int) -> dict:
    """underthesea.word_tokenize alone over the same texts, fastest of `rounds` rounds."""
    from underthesea import word_tokenize
    articles = [a.text or "" for a in cycled(texts, n)]
    word_tokenize(articles[0])     # its model loads on first use: not part of the rate
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in articles:
            word_tokenize(text)
        best = min(best, time.perf_counter() - started)
    return _rate(n, sum(map(len, articles)), best)


def peak_rss(corpus: Path, n: int, workers: int) -> dict:
    """A whole batch of n articles in a fresh process; its peak resident memory in MB."""
    command = [sys.executable, "-m", "extractor", "bench", "--corpus", str(corpus), "-n", str(n),
               "--rss-child", "--workers", str(workers)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return {"documents": n, **json.loads(result.stdout)}


def dask_speedup(texts: list[str], n: int, rounds: int, shard_count: int = 8) -> dict:
    """`extract --dask local` on n articles cycled into JSON Lines shards, with 1 and with 2 worker
    processes (one thread each): the fastest of `rounds` rounds on each cluster. The clusters' start
    is not counted; the workers load the model in the first round."""
    from distributed import Client, LocalCluster

    from .dask import extract_shards, shards

    articles = list(cycled(texts, n))
    chars = sum(len(a.text or "") for a in articles)
    rates = {}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(shard_count):
            rows = [json.dumps({"id": a.doc_id, "text": a.text}, ensure_ascii=False) for a in articles[number::shard_count]]
            Path(folder, f"{number}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                              silence_logs=40) as cluster, Client(cluster):
                seconds = []
                for round_ in range(rounds):
                    started = time.perf_counter()
                    extract_shards(shards([folder]), f"{folder}/out{workers}-{round_}")
                    seconds.append(time.perf_counter() - started)
                rates[workers] = {"workers": workers, **_rate(n, chars, min(seconds))}
    return {"shards": shard_count, "one": rates[1], "two": rates[2],
            "speedup": round(rates[2]["docs_per_s"] / rates[1]["docs_per_s"], 2)}


def _rss_child(texts: list[str], n: int, workers: int) -> None:
    for _ in run(cycled(texts, n), Options(), workers):
        pass
    print(json.dumps({"peak_rss_mb": round(_peak_rss_mb(), 1)}))


_FUZZ_PIECES = ["kết nạp", "đảng viên", "Đảng bộ xã An Bình", "trong đó", "năm 2020", "hơn", "%", "7/5", "1.045",
                "2,5 triệu", "./.", ";", "(", ")", "\n", "tháng 13", "ngày 31/2", "0" * 30, "\u0000", "\ufeff", "Ð",
                "uỷ", "a\u0301", "<script>", "\r\n"]


def fuzz(texts: list[str], n: int, seed: int = 7) -> dict:
    """`n` articles made by cutting, repeating, shuffling and salting the corpus: crashes, offsets
    that do not point into the text, and the slowest article."""
    rng = random.Random(seed)
    pipeline = Pipeline()
    crashes, violations, slowest = 0, 0, 0.0
    for i in range(n):
        words = rng.choice(texts).split(" ")
        for _ in range(rng.randint(0, 20)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(_FUZZ_PIECES))
        if rng.random() < 0.2:
            rng.shuffle(words)
        text = " ".join(words)[: rng.choice([200, 2000, 20000, 10**6])] * rng.choice([1, 1, 1, 5])
        started = time.perf_counter()
        try:
            doc = pipeline.extract(text, f"fuzz{i}")
        except Exception:   # noqa: BLE001 - counting them is the point
            crashes += 1
            continue
        slowest = max(slowest, time.perf_counter() - started)
        for record in doc.records:
            spans = record.evidence.spans.values()
            if not (0 <= record.evidence.start <= record.evidence.end <= len(text)) or any(
                    not (record.evidence.start <= a < b <= record.evidence.end) for a, b in spans):
                violations += 1
        violations += sum(text[m.start:m.end] != m.text for m in doc.mentions)
    return {"articles": n, "crashes": crashes, "offset_violations": violations, "slowest_s": round(slowest, 3)}


def scaling(texts: list[str], total: int = 2_000_000) -> dict:
    """chars/s on the same `total` characters of real text (article bodies, cycled) cut into
    articles of 2 KB, 20 KB, 200 KB and 2 MB, and into 200 KB articles with the punctuation removed:
    the largest over the smallest rate shows whether any stage grows with the square of the length."""
    pipeline = Pipeline()
    # article bodies only: a page's "Tin liên quan" would end the body of everything after it
    bodies = [read.norm.text[slice(*read.meta.body)] for read in map(pipeline.read, texts)]
    real = "\n\n".join(bodies)
    real = (real * (total // len(real) + 1))[:total]
    flat = real.translate(str.maketrans(".;:!?\n", "      "))
    pipeline.extract(texts[0], "warm-up")   # the gazetteer loads on first use
    rates = {}
    for name, size, source in (("2KB", 2_000, real), ("20KB", 20_000, real), ("200KB", 200_000, real),
                               ("2MB", 2_000_000, real), ("200KB no punctuation", 200_000, flat)):
        size = min(size, total)
        started = time.perf_counter()
        for at in range(0, total - size + 1, size):
            pipeline.extract(source[at:at + size], name)
        rates[name] = round(total // size * size / (time.perf_counter() - started))
    return {"chars_per_s": rates, "ratio": round(max(rates.values()) / min(rates.values()), 2)}


def model_load() -> dict:
    """Seconds to load the trained decisions and the gazetteer, in a fresh process."""
    code = ("import time; t = time.perf_counter(); from extractor.learned import Decisions; Decisions.load(); "
            "m = time.perf_counter(); from extractor import gazetteer; gazetteer.is_place('Hà Nội'); "
            "print(m - t, time.perf_counter() - m)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return {"model_s": round(float(out[0]), 3), "gazetteer_s": round(float(out[1]), 3)}


def review_inputs(corpus: Path, gold: Path, n: int, folder: Path) -> dict[str, Path]:
    """A batch of n documents for `review`, the corpus cycled under new doc_ids: as an extract output
    that carries the text, as articles, and the gold of every copy under the copy's doc_id."""
    pipeline = Pipeline()
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))}
    documents = [pipeline.extract(text, doc_id) for doc_id, text in texts.items()]
    gold_documents = load_documents([gold])[0]
    paths = {"extracted": folder / "extracted.jsonl", "articles": folder / "articles.jsonl", "gold": folder / "gold"}
    paths["gold"].mkdir(parents=True, exist_ok=True)
    with paths["extracted"].open("w", encoding="utf-8") as extracted, \
            paths["articles"].open("w", encoding="utf-8") as articles, \
            (paths["gold"] / "gold.jsonl").open("w", encoding="utf-8") as golds:
        for i, doc in zip(range(n), itertools.cycle(documents)):
            copy_id = f"{doc.doc_id}~{i}"
            extracted.write(jsonl_line(doc.model_copy(update={"doc_id": copy_id, "text": texts[doc.doc_id]})))
            articles.write(json.dumps({"id": copy_id, "text": texts[doc.doc_id]}, ensure_ascii=False) + "\n")
            if doc.doc_id in gold_documents:
                golds.write(gold_documents[doc.doc_id].model_copy(update={"doc_id": copy_id}).model_dump_json() + "\n")
    return paths


def review_speed(corpus: Path, gold: Path, n: int, workers: int) -> dict:
    """Wall time of `extractor review` in a fresh process (start-up and imports included) on n
    documents: from the extract output with gold, and from the articles through the pipeline."""
    with tempfile.TemporaryDirectory() as folder:
        paths = review_inputs(corpus, gold, n, Path(folder))
        runs = {"extract_output_with_gold": [str(paths["extracted"]), "--gold", str(paths["gold"])],
                "articles": [str(paths["articles"]), "-j", str(workers)]}
        report: dict = {"documents": n, "workers": workers}
        for name, arguments in runs.items():
            site = Path(folder) / name
            started, cpu = time.perf_counter(), _children_cpu()
            subprocess.run([sys.executable, "-m", "extractor", "review", *arguments, "-o", str(site)],
                           capture_output=True, check=True)
            report[name] = {"seconds": round(time.perf_counter() - started, 2),
                            "cpu_seconds": round(_children_cpu() - cpu, 2),   # what a busy machine cannot inflate
                            "site_mb": round(sum(f.stat().st_size for f in site.rglob("*")) / 2**20, 1),
                            "index_kb": round((site / "index.html").stat().st_size / 1024)}
    return report


def _children_cpu() -> float:
    """CPU seconds, user and system, of the ended child processes (and their workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    """This process's own high-water mark. Not ru_maxrss: on Linux a child inherits the peak of
    the parent it was forked from, which would hide any growth behind the parent's size."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    from .cli import Parser   # here, not at the top: the command line imports this module

    parser = Parser(prog="extractor bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="corpus", help="folder of .txt articles (default: corpus)")
    parser.add_argument("-n", type=int, default=1000, help="articles per measurement (default: 1000)")
    parser.add_argument("--workers", type=int, default=cores(), help="workers for the parallel run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per one-core rate; the fastest counts")
    parser.add_argument("--rss", default="1000,10000", help="batch sizes whose peak RSS is compared")
    parser.add_argument("--fuzz", type=int, default=10_000, help="generated and mutated articles for the fuzz run")
    parser.add_argument("--review", action="store_true", help="measure only `extractor review` on -n documents")
    parser.add_argument("--gold", default="gold", help="the corpus's gold, for --review (default: gold)")
    parser.add_argument("--dask", action="store_true", help="measure only the Dask scale-out (1 and 2 workers)")
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.review:
        review = review_speed(Path(args.corpus), Path(args.gold), args.n, args.workers)
        print("\n".join(f"review of {review['documents']} documents from {source.replace('_', ' ')}: "
                        f"{run_['seconds']} s, {run_['cpu_seconds']} s of CPU (site {run_['site_mb']} MB, "
                        f"index {run_['index_kb']} KB)"
                        for source, run_ in review.items() if isinstance(run_, dict))
              + f"; articles through the pipeline with -j {review['workers']}")
        return 0
    texts = corpus_texts(Path(args.corpus))
    if args.dask:
        report = dask_speedup(texts, args.n, args.rounds)
        print(f"dask LocalCluster, {args.n} articles in {report['shards']} shards, fastest of {args.rounds} rounds: 1 worker "
              f"{report['one']['docs_per_s']:.1f} docs/s, 2 workers {report['two']['docs_per_s']:.1f} docs/s: "
              f"{report['speedup']}x")
        print(json.dumps(report), file=sys.stderr)
        return 0
    if args.rss_child:
        _rss_child(texts, args.n, args.workers)
        return 0
    report: dict = {"corpus": {"folder": args.corpus, "articles": len(texts),
                               "chars": sum(map(len, texts)), "cycled_to": args.n, "rounds": args.rounds}}
    report["stages"] = per_stage(texts, args.n, args.rounds)
    stage_seconds = {stage: report["stages"][stage]["seconds"] for stage in STAGES}
    # the learned decisions are the models' work inside the records stage (features and scores);
    # the rest of that stage is rules (groups, lists, "mỗi", dedupe) and the options of valued slots
    report["decisions_share"] = round(report["stages"]["learned"]["seconds"] / sum(stage_seconds.values()), 3)
    report["records_share"] = round(stage_seconds["records"] / sum(stage_seconds.values()), 3)
    report["load"] = model_load()
    report["scaling"] = scaling(texts)
    report["fuzz"] = fuzz(texts, args.fuzz)
    report["median_length"] = median_length(texts, args.n, args.rounds)
    report["word_tokenize"] = yardstick(texts, args.n, args.rounds)
    report["ratio_to_word_tokenize"] = round(report["stages"]["end_to_end"]["chars_per_s"]
                                             / report["word_tokenize"]["chars_per_s"], 2)
    one, many = batch(texts, args.n, 1), batch(texts, args.n, args.workers)
    report["batch"] = {"one": one, "many": many, "speedup": round(many["docs_per_s"] / one["docs_per_s"], 2)}
    sizes = [int(s) for s in args.rss.split(",")]
    report["peak_rss"] = [peak_rss(Path(args.corpus), size, 1) for size in sizes]
    first, last = report["peak_rss"][0]["peak_rss_mb"], report["peak_rss"][-1]["peak_rss_mb"]
    report["peak_rss_growth"] = round(last / first - 1, 3)
    print(format_report(report))
    print(json.dumps(report, ensure_ascii=False), file=sys.stderr)
    return 0


def format_report(report: dict) -> str:
    corpus = report["corpus"]
    lines = [f"corpus: {corpus['articles']} articles from {corpus['folder']}/, {corpus['chars']} chars, "
             f"cycled to {corpus['cycled_to']} per measurement; one-core rates are the fastest of "
             f"{corpus['rounds']} rounds", "",
             f"{'stage (one core)':<22}{'docs/s':>10}{'chars/s':>12}"]
    for stage in (*STAGES, "end_to_end"):
        rate = report["stages"][stage]
        lines.append(f"{stage:<22}{rate['docs_per_s']:>10.1f}{rate['chars_per_s']:>12,}")
    typical, tokenize, batch_ = report["median_length"], report["word_tokenize"], report["batch"]
    lines += ["",
              f"learned decisions (the models' features and scores): {report['decisions_share']:.0%} of the run; "
              f"the records stage around them: {report['records_share']:.0%}",
              f"load: trained model {report['load']['model_s']:.2f} s, gazetteer {report['load']['gazetteer_s']:.2f} s",
              "scaling (chars/s): " + ", ".join(f"{k} {v:,}" for k, v in report["scaling"]["chars_per_s"].items())
              + f"; largest / smallest {report['scaling']['ratio']}x",
              f"fuzz: {report['fuzz']['articles']} articles, {report['fuzz']['crashes']} crashes, "
              f"{report['fuzz']['offset_violations']} offset violations, slowest {report['fuzz']['slowest_s']} s",
              f"median length ({typical['median_chars']} chars, {typical['articles']} articles within 25%): "
              f"{typical['docs_per_s']:.1f} articles/s on one core",
              f"underthesea.word_tokenize alone: {tokenize['docs_per_s']:.1f} docs/s, {tokenize['chars_per_s']:,} chars/s; "
              f"pipeline end to end is {report['ratio_to_word_tokenize']}x that",
              f"batch runner: -j 1 {batch_['one']['docs_per_s']:.1f} docs/s, -j {batch_['many']['workers']} "
              f"{batch_['many']['docs_per_s']:.1f} docs/s: {batch_['speedup']}x",
              "peak RSS (-j 1, whole run): " + ", ".join(f"{r['documents']} docs {r['peak_rss_mb']:.0f} MB"
                                                         for r in report["peak_rss"])
              + f"; growth {report['peak_rss_growth']:+.1%}"]
    return "\n".join(lines)
