"""Scale out on Dask: JSON Lines shards (local paths, or any URL fsspec reads: s3://, hdfs://,
gs://, ...) through the pipeline on a Dask cluster, one partition per shard. Each shard becomes one
JSON Lines file in the output folder, its documents in its own order, with the error line of every
article that failed, exactly as `extract` writes them; each worker process loads the rules and the
model once, on its first shard.

    python -m extractor extract "s3://bucket/news/*.jsonl" --dask tcp://scheduler:8786 -o s3://bucket/records/
"""
# The module is extractor.dask; `import dask` below still means the library, because imports are
# absolute (this file is never run from inside its own folder).
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

import dask
import dask.bag
import fsspec
from fsspec.core import OpenFile
from fsspec.implementations.local import LocalFileSystem

from .batch import Options, Outcome, jsonl_of, load, process
from .inputs import jsonl_articles


def shards(sources: Iterable[str]) -> list[OpenFile]:
    """The JSON Lines shards named: files, glob patterns and local folders (their .jsonl files, all
    the way down), in the order given. Raises ValueError naming a source that names no shard."""
    found = []
    for source in sources:
        pattern = str(Path(source) / "**" / "*.jsonl") if Path(source).is_dir() else source
        files = [f for f in fsspec.open_files(pattern, mode="rb", compression="infer") if f.fs.isfile(f.path)]
        if not files:
            raise ValueError(f"{source}: no JSON Lines shard there")
        found += files
    return found


def _name(shard: OpenFile) -> str:
    """A local shard by its path, as `extract` names files; any other by its URL."""
    return shard.path if isinstance(shard.fs, LocalFileSystem) else shard.full_name


def _outcomes(shard: OpenFile, options: Options) -> list[Outcome]:
    load(options)   # once per worker process: its later shards find the pipeline built
    outcomes = []
    try:
        with shard as lines:
            for item in jsonl_articles(lines, _name(shard)):
                outcomes.append(process(item))
    except (OSError, EOFError) as error:   # a shard that cannot be read (to its end) is an error line, not the end
        outcomes.append(Outcome(_name(shard), error={"stage": "read", "message": f"{_name(shard)}: cannot read: {error}"}))
    return outcomes


def _line(outcome: Outcome) -> str:
    return jsonl_of(outcome).rstrip("\n")   # to_textfiles ends each line


def _tally(outcomes: Iterable[Outcome]) -> Counter:
    totals: Counter = Counter()
    for outcome in outcomes:
        totals.update({"errors": 1} if outcome.error else
                      {"documents": 1, "records": outcome.records, "facts": outcome.facts})
    return totals


def extract_shards(files: list[OpenFile], output: str, options: Options = Options()) -> Counter:
    """Every shard's documents to `output` (a folder or URL) as NNNNN-SHARD.jsonl, on the Dask
    client in use (or Dask's default scheduler); the totals of documents, records, facts and errors.
    The writing and the totals are one computation, so each article is extracted once."""
    if options.format != "jsonl":
        raise ValueError("Dask writes JSON Lines")
    names = [f"{i:05d}-{Path(f.path).name.split('.')[0]}" for i, f in enumerate(files)]
    outcomes = dask.bag.from_sequence(files, npartitions=len(files)).map(_outcomes, options).flatten()
    fs, folder = fsspec.core.url_to_fs(output)
    fs.makedirs(folder, exist_ok=True)
    writes = outcomes.map(_line).to_textfiles(f"{output.rstrip('/')}/*.jsonl", name_function=names.__getitem__,
                                              encoding="utf-8", last_endline=True, compute=False)
    totals = outcomes.reduction(_tally, _sum)
    return dask.compute(writes, totals)[1]


def _sum(counters: Iterable[Counter]) -> Counter:
    return sum(counters, Counter())


def run_on_cluster(files: list[OpenFile], output: str, options: Options, scheduler: str, workers: int) -> Counter:
    """`extract_shards` on the scheduler at `scheduler` (tcp://host:8786), or on a cluster of
    `workers` local processes when it is "local"."""
    from distributed import Client, LocalCluster

    if scheduler != "local":
        with Client(scheduler):
            return extract_shards(files, output, options)
    # One thread per worker: the pipeline is pure Python, so a second thread would only wait for the first.
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster):
        return extract_shards(files, output, options)
