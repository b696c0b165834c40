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
from typing import Iterable, Iterator

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


def _outcomes(shard: OpenFile, options: Options) -> Iterator[Outcome]:
    load(options)   # once per worker process: its later shards find the pipeline built
    name = _name(shard)
    try:
        with shard as lines:
            for item in jsonl_articles(lines, name):
                yield process(item)
    except (OSError, EOFError) as error:   # a shard that cannot be read (to its end) is an error line, not the end
        yield Outcome(name, error={"stage": "read", "message": f"{name}: cannot read: {error}"})


def _extract_shard(shard: OpenFile, target: OpenFile, options: Options) -> Counter:
    """One shard's documents and error lines, written to its file as they come (memory stays flat
    however long the shard); its totals of documents, records, facts and errors."""
    totals: Counter = Counter()
    with target as out:
        for outcome in _outcomes(shard, options):
            out.write(jsonl_of(outcome))
            totals.update(outcome.totals)
    return totals


def extract_shards(files: list[OpenFile], output: str, options: Options = Options()) -> Counter:
    """Every shard's documents to `output` (a folder or URL) as NNNNN-SHARD.jsonl, on the Dask
    client in use (or Dask's default scheduler); the totals of documents, records, facts and errors.
    Each shard's task writes its own file (as `to_textfiles` would), so that writing and counting
    are one pass: a bag written with `to_textfiles` and counted beside it extracted every article twice."""
    if options.format != "jsonl":
        raise ValueError("Dask writes JSON Lines")
    fs, folder = fsspec.core.url_to_fs(output)
    fs.makedirs(folder, exist_ok=True)
    names = [f"{i:05d}-{Path(f.path).name.split('.')[0]}" for i, f in enumerate(files)]
    targets = fsspec.open_files(f"{output.rstrip('/')}/*.jsonl", mode="wt", encoding="utf-8", newline="",
                                name_function=names.__getitem__, num=len(files))
    pairs = dask.bag.from_sequence(list(zip(files, targets)), npartitions=len(files))
    return sum(pairs.starmap(_extract_shard, options=options).compute(), Counter())


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
