"""Command line: `extract` articles to JSON Lines, `evaluate` predictions against gold."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, TextIO

from .evaluate import GoldError, format_report, load_documents, score
from .pipeline import Pipeline
from .schema import Document

MAX_CHARS = 2_000_000   # an article longer than this is not an article: refuse it, name it


@dataclass
class Article:
    doc_id: str
    text: str
    published: Optional[str] = None
    title: Optional[str] = None
    url: Optional[str] = None


class InputError(ValueError):
    pass


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 (byte {error.start}): {error.reason}") from None


def _jsonl_articles(path: Path, text: str) -> Iterator[Article | InputError]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc_id = row.get("doc_id") or row.get("id")
            if not isinstance(row.get("text"), str) or doc_id is None:
                raise InputError(f"{path}:{number}: needs 'text' and 'id' or 'doc_id'")
            yield Article(str(doc_id), row["text"], row.get("published"), row.get("title"), row.get("url"))
        except json.JSONDecodeError as error:
            yield InputError(f"{path}:{number}: bad JSON: {error.msg}")
        except (InputError, AttributeError) as error:
            yield error if isinstance(error, InputError) else InputError(f"{path}:{number}: not a JSON object")


def read_articles(paths: list[Path]) -> Iterator[Article | InputError]:
    """Articles of .txt files, folders of them and JSONL files; an unreadable one becomes an error."""
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".jsonl")) if path.is_dir() else [path]
        for file in files:
            try:
                data = file.read_bytes()
                text = _decode(file, data)
            except OSError as error:
                yield InputError(f"{file}: cannot read: {error.strerror}")
                continue
            except InputError as error:
                yield error
                continue
            if file.suffix == ".jsonl":
                yield from _jsonl_articles(file, text)
            elif len(text) > MAX_CHARS:
                yield InputError(f"{file}: {len(text)} characters, more than {MAX_CHARS}: not an article")
            else:
                yield Article(file.stem, text)


def _extract(args: argparse.Namespace) -> int:
    pipeline = Pipeline()
    out: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    failures = documents = records = 0
    try:
        for item in read_articles([Path(p) for p in args.paths]):
            if isinstance(item, InputError):
                failures += 1
                print(f"error: {item}", file=sys.stderr)
                continue
            try:
                doc = pipeline.extract(item.text, item.doc_id, published=item.published, title=item.title,
                                       url=item.url)
            except Exception as error:  # one bad article must not stop the batch
                failures += 1
                print(f"error: {item.doc_id}: {type(error).__name__}: {error}", file=sys.stderr)
                continue
            out.write(doc.model_dump_json(exclude_none=False) + "\n")
            out.flush()
            documents += 1
            records += len(doc.records)
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"{documents} documents, {records} records, {failures} errors", file=sys.stderr)
    return 1 if failures else 0


def _evaluate(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus) if args.corpus else None
    gold, errors = load_documents([Path(args.gold)], corpus)
    if args.pred:
        predictions, pred_errors = load_documents([Path(args.pred)])
        errors += pred_errors
    elif corpus is not None:
        pipeline = Pipeline()
        predictions = {}
        for item in read_articles([corpus]):
            if isinstance(item, InputError):
                errors.append(str(item))
            elif item.doc_id in gold:
                try:
                    predictions[item.doc_id] = pipeline.extract(item.text, item.doc_id)
                except Exception as error:
                    errors.append(f"{item.doc_id}: {type(error).__name__}: {error}")
    else:
        print("evaluate: give --corpus (to run the pipeline) or --pred (a prediction file)", file=sys.stderr)
        return 2
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    report = score(predictions, gold)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 1 if errors else 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="extractor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="articles (.txt, folders, .jsonl) to JSON Lines documents")
    extract.add_argument("paths", nargs="+")
    extract.add_argument("-o", "--output", help="output file (default: standard output)")
    extract.set_defaults(run=_extract)
    evaluate = commands.add_parser("evaluate", help="score the pipeline or a prediction file against gold")
    evaluate.add_argument("--gold", required=True, help="folder of gold .json / .jsonl files")
    evaluate.add_argument("--corpus", help="folder of articles: run the pipeline on them")
    evaluate.add_argument("--pred", help="prediction file (.jsonl) to score instead of running the pipeline")
    evaluate.add_argument("--json", action="store_true", help="machine-readable report")
    evaluate.set_defaults(run=_evaluate)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except GoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
