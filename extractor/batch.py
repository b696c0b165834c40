"""Batches: articles through the pipeline in worker processes, in input order, streamed to
JSON Lines or CSV. Each worker loads the rules once; at most a few chunks per worker are in
flight, so memory stays flat however many articles come. Every document is flushed as it
is written, so a killed run loses only the documents in flight, and `resume` finishes it.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import signal
import threading
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, TextIO, Union

from . import gazetteer
from .inputs import Article, InputError, with_text
from .pipeline import Pipeline, StageError
from .schema import Document

CSV_COLUMNS = ["doc_id", "unit", "kind", "level", "period_start", "period_end", "as_of", "group", "measure",
               "value", "approx", "evidence", "value_start", "value_end", "error"]
_CHUNK = 8               # articles per task: enough to hide the cost of a task, small enough to keep order cheap
_IN_FLIGHT_PER_WORKER = 4
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")   # a spreadsheet would run such a cell as a formula


@dataclass(frozen=True)
class Options:
    format: str = "jsonl"        # "jsonl" or "csv"
    records_only: bool = False   # JSON Lines without mentions
    budget: float = 5.0          # seconds an article may take, per 100,000 characters (1 s at least)
    with_text: bool = False      # every JSON line carries its article's text (what review pages show)


@dataclass
class Outcome:
    """One article's result: its formatted output, or the error that stopped it."""
    doc_id: str
    output: str = ""
    records: int = 0
    facts: int = 0
    error: Optional[dict] = None     # {"stage", "message"}

    @property
    def totals(self) -> dict[str, int]:
        """What it adds to a run's totals: an error, or a document with its records and facts."""
        return {"errors": 1} if self.error else {"documents": 1, "records": self.records, "facts": self.facts}


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# ---- one article ------------------------------------------------------------------------
_worker: Optional[tuple[Pipeline, Options]] = None


def _start_worker(options: Options) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle: it writes the summary
    load(options)


def load(options: Options) -> None:
    """This process's pipeline for `process`: the rules and the model load on the first call only."""
    global _worker
    if _worker is None or _worker[1] != options:
        if _worker is None:
            gazetteer.source()   # build the place index now: not inside the first article's time budget
        _worker = (_worker[0] if _worker else Pipeline(), options)


def _die_with_parent() -> None:
    """On Linux, the kernel ends a worker when its parent dies (kill -9 included), so no worker
    outlives the run; elsewhere the pool's own shutdown has to do."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def process(item: Union[Article, InputError]) -> Outcome:
    assert _worker is not None, "call load first"
    pipeline, options = _worker
    if isinstance(item, InputError):
        return Outcome(item.doc_id, error={"stage": "read", "message": str(item)})
    try:
        article = with_text(item)
    except Exception as error:  # a page the HTML reader chokes on must not stop the batch
        message = str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"
        return Outcome(item.doc_id, error={"stage": "html", "message": message})
    text = article.text or ""
    seconds = max(1.0, options.budget * len(text) / 100_000)
    try:
        with _time_budget(seconds):
            doc = pipeline.extract(text, article.doc_id, published=article.published,
                                   title=article.title, url=article.url, published_from=article.published_from)
    except StageError as error:
        return Outcome(item.doc_id, error={"stage": error.stage, "message": str(error)})
    except OverBudget:
        return Outcome(item.doc_id, error={"stage": "timeout", "message": f"{item.doc_id}: over its budget of "
                                           f"{seconds:.1f} s for {len(text):,} characters"})
    if item.html is not None or article.decoded or options.with_text:
        doc.text = article.text   # offsets point into the text taken out of the page or decoded: keep it
    doc.meta.encoding = article.decoded
    facts = sum(len(r.measures()) for r in doc.records)
    output = csv_rows(doc, text) if options.format == "csv" else jsonl_line(doc, options.records_only)
    return Outcome(doc.doc_id, output, len(doc.records), facts)


class OverBudget(BaseException):
    """An article that took longer than its time budget. Not an Exception: no stage may catch it."""


@contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Stop the article after `seconds` of wall time (SIGALRM, where the platform has it)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise OverBudget()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _process_chunk(items: list[Union[Article, InputError]]) -> list[Outcome]:
    return [process(item) for item in items]


def run(items: Iterable[Union[Article, InputError]], options: Options, workers: int) -> Iterator[Outcome]:
    """Outcomes in input order, from `workers` processes (in this one when workers is 1, or
    when the batch is too small to repay starting them)."""
    items = iter(items)
    first = list(itertools.islice(items, workers * _CHUNK))
    if workers <= 1 or len(first) < workers * _CHUNK:
        load(options)    # in this process, which keeps its Ctrl-C
        yield from map(process, itertools.chain(first, items))
        return
    pool = _Workers(options, workers)
    pending: deque = deque()    # (chunk, future), oldest first
    try:
        for chunk in _chunks(itertools.chain(first, items), _CHUNK):
            pending.append((chunk, pool.submit(chunk)))
            if len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                yield from pool.outcomes(pending)
        while pending:
            yield from pool.outcomes(pending)
    finally:
        pool.stop()


class _Workers:
    """The worker processes. Python errors never leave a worker, but a crash in native code or
    the kernel's out-of-memory killer ends one, and with it the pool. A new pool then redoes
    the chunks that were in flight one article at a time: an article that breaks the pool
    twice, alone, is the one reported, and no other is lost."""

    def __init__(self, options: Options, workers: int):
        self.options, self.workers = options, workers
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, initializer=_start_worker, initargs=(self.options,))

    def submit(self, chunk: list) -> Future:
        return self.pool.submit(_process_chunk, chunk)

    def stop(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _restart(self, pending: deque) -> None:
        self.stop()
        self.pool = self._start()
        for index, (chunk, _) in enumerate(pending):
            pending[index] = (chunk, None)     # suspects: to be done one article at a time

    def outcomes(self, pending: deque) -> list[Outcome]:
        chunk, future = pending.popleft()
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                self._restart(pending)
        return [self._alone(item, pending) for item in chunk]

    def _alone(self, item: Union[Article, InputError], pending: deque) -> Outcome:
        for _ in range(2):     # the first break may have come from a chunk still in flight
            try:
                return self.submit([item]).result()[0]
            except BrokenProcessPool:
                self._restart(pending)
        return Outcome(item.doc_id, error={"stage": "worker", "message": f"{item.doc_id}: the worker process died on it"})


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---- formats ----------------------------------------------------------------------------
def jsonl_line(doc: Document, records_only: bool = False) -> str:
    leave_out = {"notes"} | ({"mentions"} if records_only else set()) | ({"text"} if doc.text is None else set())
    return doc.model_dump_json(exclude=leave_out) + "\n"


def error_line(outcome: Outcome) -> str:
    return json.dumps({"doc_id": outcome.doc_id, "error": outcome.error}, ensure_ascii=False) + "\n"


def jsonl_of(outcome: Outcome) -> str:
    """An outcome as a line of JSON Lines output: its document, or its error line."""
    return error_line(outcome) if outcome.error else outcome.output


def csv_rows(doc: Document, text: str) -> str:
    """One row per fact; a document with no fact gets one row with its doc_id alone, so that
    every document read is in the table (and `resume` knows it is done)."""
    rows = []
    for record in doc.records:
        evidence = record.evidence
        assert not isinstance(evidence, str), "a prediction's evidence is offsets"
        sentence = text[evidence.start:evidence.end].replace("\r", " ").replace("\n", " ")
        for measure, value in record.measures().items():
            span = evidence.spans.get(measure, ("", ""))
            period = record.period
            rows.append([doc.doc_id, record.unit.name, record.unit.kind, record.unit.level,
                         period.start if period else None, period.end if period else None, record.as_of,
                         record.group, measure, value, record.approx.get(measure), sentence, *span, None])
    return _csv_text(rows or [[doc.doc_id]])


def csv_error_row(outcome: Outcome) -> str:
    error = outcome.error or {}
    return _csv_text([[outcome.doc_id] + [None] * 13 + [f"{error.get('stage')}: {error.get('message')}"]])


def csv_header() -> str:
    return _csv_text([CSV_COLUMNS])


def _csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_inert(c) for c in row])
    return buffer.getvalue()


def _inert(cell: object) -> object:
    """A cell a spreadsheet would take for a formula ("=cmd|x", "- Năm 2020 ...") gets a "'" in
    front; doc_ids too, and `finished` reads them back without it."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA_START) else cell


# ---- resume -----------------------------------------------------------------------------
def finished(path: Path, format: str) -> Counter:
    """How many documents of each doc_id an earlier run wrote to `path` (an id the input repeats
    is written once per occurrence). The last document in the file may have been cut off by the
    kill: its lines are removed, and it is done again."""
    done: Counter = Counter()
    if not path.exists() or path.stat().st_size == 0:
        return done
    last_id, last_start, position = None, 0, 0
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            start, position = position, position + len(line)
            doc_id = _doc_id_of(line, format, number)
            if doc_id is None:           # the CSV header
                continue
            if doc_id is _CUT_OFF:
                if position < path.stat().st_size:
                    raise ValueError(f"{path}:{number}: not a line this program writes; not resuming from it")
                break
            # a JSON line is a document; CSV rows of one document follow each other
            if doc_id != last_id or format == "jsonl":
                if last_id is not None:
                    done[last_id] += 1
                last_id, last_start = doc_id, start
    with path.open("r+b") as file:
        file.truncate(last_start)
    return done


_CUT_OFF = "\0cut off"


def _doc_id_of(line: bytes, format: str, number: int) -> Optional[str]:
    if not line.endswith(b"\n"):
        return _CUT_OFF
    try:
        text = line.decode("utf-8-sig")
        if format == "csv":
            first = next(csv.reader([text]))[0]
            if first.startswith("'") and first[1:].startswith(_FORMULA_START):
                first = first[1:]
            return None if number == 1 and first == CSV_COLUMNS[0] else first
        return str(json.loads(text)["doc_id"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError, csv.Error):
        return _CUT_OFF


def open_output(path: Optional[Path], format: str, bom: bool, append: bool) -> TextIO:
    """The output file (standard output when no path), with the CSV header when it is new."""
    if path is None:
        stream = open(1, "w", encoding="utf-8", newline="", closefd=False)
    else:
        fresh = not append or not path.exists() or path.stat().st_size == 0
        encoding = "utf-8-sig" if bom and fresh else "utf-8"
        stream = path.open("w" if fresh else "a", encoding=encoding, newline="")
        if not fresh:
            return stream
    if format == "csv":
        stream.write(csv_header())
    return stream
