"""Command line: `extract` articles to JSON Lines or CSV, `evaluate` predictions against gold,
`review` a batch in the browser, `export` datasets (spaCy, CoNLL, Label Studio) and
`import-labelstudio` corrected ones as gold, `bench` the speed."""
from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator, NoReturn, Optional, Union

from tqdm import tqdm

from .batch import Options, cores, csv_error_row, error_line, finished, open_output, run
from .evaluate import GoldError, format_report, load_documents, score
from .inputs import Article, InputError, read_articles, with_text
from .learned import untrained
from .pipeline import Pipeline

DEV_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "dev"
# export.FORMATS, written here so that `extract` does not load spaCy and underthesea (a test checks them equal)
EXPORT_FORMATS = ("spacy", "conll", "labelstudio")


def _extract(args: argparse.Namespace) -> int:
    """articles to JSON Lines documents or a CSV table of facts

    Read articles (.txt, .jsonl, .html files, folders, glob patterns, - for stdin) and write one
    JSON document per article, or one CSV row per fact, in input order."""
    if args.dask:
        return _extract_on_dask(args)
    output = Path(args.output) if args.output and args.output != "-" else None
    errors = Path(args.errors) if args.errors else None
    if args.resume and output is None:
        args.parser.error("argument --resume: needs the output file (-o FILE) of the run to finish")
    _refuse(args.parser, [("-o", output, _unwritable_file), ("--errors", errors, _unwritable_file)])
    try:
        done = (finished(output, args.format) + (finished(errors, "jsonl") if errors else Counter())) \
            if args.resume else Counter()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    totals = Counter()
    started = time.perf_counter()
    own_files = [p for p in (output, errors) if p is not None]
    articles = _not_done(read_articles(args.paths, skip=own_files), done, totals)
    out = open_output(output, args.format, args.bom, append=args.resume)
    error_out = errors.open("a" if args.resume else "w", encoding="utf-8") if errors else None
    progress = tqdm(unit=" docs", file=sys.stderr, disable=not sys.stderr.isatty())
    interrupted = False
    try:
        for outcome in run(articles, Options(args.format, args.records_only, args.budget, args.with_text), args.workers):
            if outcome.error:
                target = error_out or out
                target.write(csv_error_row(outcome) if target is out and args.format == "csv" else error_line(outcome))
                target.flush()
                progress.write(f"error: {outcome.error['message']} ({outcome.error['stage']})", file=sys.stderr)
            else:
                out.write(outcome.output)
                out.flush()
            totals.update(outcome.totals)
            progress.update()
    except KeyboardInterrupt:   # Ctrl-C: what was written stays written; say how far it got
        interrupted = True
    finally:
        progress.close()
        out.close()
        if error_out:
            error_out.close()
    print(_summary(totals, time.perf_counter() - started, args.resume)
          + ("; interrupted: --resume finishes the run" if interrupted else ""), file=sys.stderr)
    return 130 if interrupted else 1 if totals["errors"] else 0


def _summary(totals: Counter, seconds: float, resume: bool = False) -> str:
    done_now = totals["documents"] + totals["errors"]
    return (f"{totals['documents']} documents, {totals['records']} records, {totals['facts']} facts, "
            f"{totals['errors']} errors" + (f", {totals['skipped']} already done" if resume else "")
            + f"; {seconds:.1f} s, {done_now / seconds:.1f} documents/s")


def _extract_on_dask(args: argparse.Namespace) -> int:
    """--dask: JSON Lines shards in, one JSON Lines file per shard in the -o folder (extractor.dask)."""
    from .dask import run_on_cluster, shards

    if not args.output or args.output == "-":
        args.parser.error("argument --dask: writes a file per shard: give their folder (-o FOLDER)")
    single_machine = [flag for flag, given in (("--format csv", args.format == "csv"), ("--resume", args.resume),
                                               ("--errors", args.errors), ("--bom", args.bom)) if given]
    if single_machine:
        args.parser.error(f"argument --dask: not with {', '.join(single_machine)} (JSON Lines, errors inline)")
    try:
        files = shards(args.paths)
    except ValueError as error:
        args.parser.error(str(error))
    started = time.perf_counter()
    try:
        totals = run_on_cluster(files, args.output, Options(records_only=args.records_only, budget=args.budget),
                                args.dask, args.workers)
    except OSError as error:     # no scheduler at that address, an output folder that cannot be written
        print(f"extract --dask {args.dask}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"extract --dask: interrupted; the shards finished are in {args.output}", file=sys.stderr)
        return 130
    print(_summary(totals, time.perf_counter() - started) + f"; {len(files)} shards on Dask", file=sys.stderr)
    return 1 if totals["errors"] else 0


def _refuse(parser: argparse.ArgumentParser,
            arguments: Iterable[tuple[str, Optional[Path], Callable[[Path], Optional[str]]]]) -> None:
    """Stops with one line and exit code 2 when a path given is wrong (each as its option, the path or
    None, and the check that says what is wrong with it), before any article is read."""
    for option, path, problem_of in arguments:
        problem = problem_of(path) if path is not None else None
        if problem:
            parser.error(f"argument {option}: {path}: {problem}")


def _unwritable_file(path: Path) -> Optional[str]:
    """Why a file cannot be written there."""
    if path.is_dir():
        return "is a folder; give a file name"
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist"
    return None


def _unwritable_folder(path: Path) -> Optional[str]:
    return "is a file; give a folder" if path.exists() and not path.is_dir() else None


def _not_a_folder(path: Path) -> Optional[str]:
    return None if path.is_dir() else "not a folder"


def _not_a_file(path: Path) -> Optional[str]:
    return None if path.is_file() else "no such file"


def _unmakeable_folder(path: Path) -> Optional[str]:
    """Why a folder cannot be made (or written into) there."""
    return "give a folder (it is created; its parent must exist)" \
        if path.is_file() or not path.parent.is_dir() else None


def _workers(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value}: give a whole number, 1 or more")
    return number


def _not_done(articles: Iterable[Union[Article, InputError]], done: Counter, totals: Counter) -> Iterator:
    """The articles still to do: an id's first occurrences that an earlier run wrote are skipped,
    and an id seen again in the input is worth a warning (its documents are told apart by order)."""
    seen: Counter = Counter()
    for article in articles:
        seen[article.doc_id] += 1
        if seen[article.doc_id] == 2:
            print(f"warning: doc_id {article.doc_id!r} appears more than once in the input", file=sys.stderr)
        if seen[article.doc_id] <= done[article.doc_id]:
            totals["skipped"] += 1
        else:
            yield article


def _evaluate(args: argparse.Namespace) -> int:
    """score the pipeline or a prediction file against gold

    Score predictions against gold as RECORDS.md section 5 says: facts strict and lenient, per
    measure, per document, record keys, mentions, and every miss. --cv K cross-validates the learned
    decisions on the real articles, folds by website."""
    if args.cv:
        return _cross_validate(args)
    if not args.gold:
        args.parser.error("give --gold (or --cv K)")
    corpus = Path(args.corpus) if args.corpus else None
    gold, errors = load_documents([Path(args.gold)], corpus)
    if args.pred:
        predictions, pred_errors = load_documents([Path(args.pred)])
        errors += pred_errors
    elif corpus is not None:
        pipeline = Pipeline()
        predictions = {}
        for item in read_articles([str(corpus)]):
            if isinstance(item, InputError):
                errors.append(str(item))
            elif item.doc_id in gold:
                try:
                    predictions[item.doc_id] = pipeline.extract(with_text(item).text or "", item.doc_id)
                except Exception as error:
                    errors.append(f"{item.doc_id}: {type(error).__name__}: {error}")
    else:
        args.parser.error("give --corpus (to run the pipeline) or --pred (a prediction file)")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if not gold:
        print(f"evaluate: no gold document could be read from {args.gold}: nothing to score", file=sys.stderr)
        return 1
    unpredicted = sorted(set(gold) - set(predictions))
    if unpredicted:   # scored as all missed; say so, a file may be missing
        print(f"warning: {len(unpredicted)} gold documents have no prediction: {', '.join(unpredicted[:10])}"
              + (" ..." if len(unpredicted) > 10 else ""), file=sys.stderr)
    report = score(predictions, gold)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 1 if errors else 0


def _review(args: argparse.Namespace) -> int:
    """a static site to check a batch by eye: the articles with their mentions and records

    Write a static site: index.html lists the documents (with --gold: strict P/R/F1 each, worst
    first) under pictures of the batch; each document's page shows the article with its mentions
    marked and its records beside it, and with --gold the missed and spurious facts. INPUT is
    articles, as for extract, or an extract output whose lines carry their text."""
    folder = Path(args.output)
    gold_folder = Path(args.gold) if args.gold else None
    _refuse(args.parser, [("-o", folder, _unwritable_folder), ("--gold", gold_folder, _not_a_folder)])
    gold, gold_errors = load_documents([gold_folder]) if gold_folder else ({}, [])
    started = time.perf_counter()
    from . import review   # matplotlib: loaded only for this command
    from .annotated import in_input_order
    summary = review.write_site(in_input_order(args.paths, args.workers, skip=[folder]), folder, gold)
    for error in gold_errors + summary.errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{summary.line()}; {time.perf_counter() - started:.1f} s; open {folder / 'index.html'}", file=sys.stderr)
    return 1 if gold_errors or summary.errors else 0


def _export(args: argparse.Namespace) -> int:
    """datasets: spaCy DocBin, CoNLL-2003 IOB, Label Studio tasks

    Write documents as a dataset: the pipeline's output on articles, or documents already made (an
    extract output JSON Lines; gold with --from-gold) with their text, or with the text of the
    articles given beside them."""
    output = Path(args.output)
    gold = Path(args.from_gold) if args.from_gold else None
    _refuse(args.parser, [("-o", output, _unwritable_file), ("--from-gold", gold, _not_a_folder)])
    started = time.perf_counter()
    from .annotated import annotated
    from .export import config_path, export   # spaCy and underthesea: loaded only for this command
    summary = export(annotated(args.paths, gold, args.workers), args.format, output, gold=gold is not None)
    for error in summary.errors:
        print(f"error: {error}", file=sys.stderr)
    written = f"{output}" + (f" and its labelling config {config_path(output)}" if args.format == "labelstudio" else "")
    print(f"{summary.documents} documents, {summary.mentions} mentions, {summary.records} records, "
          f"{len(summary.errors)} errors; {time.perf_counter() - started:.1f} s; written to {written}", file=sys.stderr)
    return 1 if summary.errors else 0


def _import_labelstudio(args: argparse.Namespace) -> int:
    """a Label Studio export to gold files

    Read a Label Studio JSON export of tasks made by `export --format labelstudio` and write one
    gold file per annotated task (RECORDS.md section 4), each checked as the evaluator checks gold."""
    source, output = Path(args.export), Path(args.output)
    _refuse(args.parser, [("EXPORT.json", source, _not_a_file), ("-o", output, _unmakeable_folder)])
    from .labelstudio import gold_json, read_export   # loaded only for this command
    documents, errors, unlabelled = read_export(source)
    output.mkdir(exist_ok=True)
    for doc in documents:
        (output / f"{doc.doc_id}.json").write_text(gold_json(doc), encoding="utf-8")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(documents)} gold files written to {output}, {len(errors)} tasks refused, "
          f"{unlabelled} tasks with no annotation skipped", file=sys.stderr)
    return 1 if errors else 0


def _train(args: argparse.Namespace) -> int:
    """fit the learned decisions on the team corpus and the dev set

    Fit the measure, unit and period models on the gold of the team articles listed in
    corpus/training.ids and of the dev set, and write them into the package."""
    from .learned import MODEL_PATH
    from .train import default_sources, examples_of, fit

    pipeline = Pipeline(decisions=untrained())
    team, dev = default_sources(Path(args.dev) if args.dev else None)
    examples, aligned, total = [], 0, 0
    for source in team + ([dev] if dev else []):
        found, a, t = examples_of(pipeline, source)
        examples, aligned, total = examples + found, aligned + a, total + t
    decisions = fit(examples)
    out = Path(args.output) if args.output else MODEL_PATH
    decisions.save(out)
    print(f"{len(examples)} articles, {aligned} of {total} gold facts aligned to a value; "
          f"model written to {out} ({out.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


def _cross_validate(args: argparse.Namespace) -> int:
    from .train import cross_validate, default_sources, examples_of

    team, dev = default_sources(Path(args.dev))
    if dev is None:
        args.parser.error(f"argument --cv: no real articles at {args.dev}/corpus")
    pipeline = Pipeline(decisions=untrained())
    extra = [e for source in team for e in examples_of(pipeline, source)[0]]
    examples, aligned, total = examples_of(pipeline, dev)
    predictions, folds = cross_validate(pipeline, examples, extra, args.cv)
    gold = {e.doc_id: e.gold for e in examples}
    report = score(predictions, gold)
    fold_reports = [score({d: predictions[d] for d in fold}, {d: gold[d] for d in fold}) for fold in folds]
    if args.save_predictions:
        with open(args.save_predictions, "w", encoding="utf-8") as out:
            for doc_id in sorted(predictions):
                out.write(predictions[doc_id].model_dump_json(exclude_none=False) + "\n")
    if args.json:
        data = report.as_dict()
        data["folds"] = [{"documents": fold, "strict": r.strict.as_dict(), "lenient": r.lenient.as_dict()}
                         for fold, r in zip(folds, fold_reports)]
        data["aligned"] = {"facts": total, "aligned": aligned}
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(format_report(report))
        print(f"\n{args.cv} folds by website, out of fold; {aligned} of {total} gold facts aligned to a value")
        for n, (fold, r) in enumerate(zip(folds, fold_reports), 1):
            print(f"fold {n}: {len(fold):>3} articles  strict F1 {r.strict.f1:.3f}  lenient F1 {r.lenient.f1:.3f}")
    return 0


_EXTRACT_EPILOG = """example:
  extract scrape/ "pages/**/*.html" -o records.jsonl -j 4
  extract articles.jsonl --format csv --bom -o facts.csv --resume
  extract "s3://bucket/news/*.jsonl" --dask tcp://scheduler:8786 -o s3://bucket/records/

exit codes: 0 all articles read; 1 some articles failed (their error lines are written);
  2 bad arguments; 130 interrupted (Ctrl-C; --resume finishes the run)"""
_EVALUATE_EPILOG = """example:
  extractor evaluate --corpus ../shared/dev/corpus --gold ../shared/dev/gold
  extractor evaluate --pred records.jsonl --gold gold --json
  extractor evaluate --cv 5 --save-predictions oof.jsonl

exit codes: 0 scored; 1 a gold or prediction file broke the spec (named on stderr), or no gold;
  2 bad arguments"""
_REVIEW_EPILOG = """example:
  extractor review corpus/ -o review/ --gold gold        # then open review/index.html
  extractor extract scrape/ --with-text -o records.jsonl && extractor review records.jsonl -o review/

exit codes: 0 site written; 1 some documents could not be shown (each named on stderr and in the
  index) or a gold file broke the spec; 2 bad arguments"""


_EXPORT_EPILOG = """example:
  extractor export --format spacy corpus/ -o corpus.spacy              # the pipeline's output
  extractor export --format conll records.jsonl corpus/ -o corpus.conll  # an extract output, texts from the articles
  extractor export --format labelstudio corpus/ -o tasks.json          # also writes tasks.config.xml
  extractor export --format labelstudio --from-gold gold/ corpus/ -o gold-tasks.json

exit codes: 0 every document written; 1 some documents failed (named on stderr, the rest written);
  2 bad arguments"""
_IMPORT_EPILOG = """example:
  extractor import-labelstudio project-1-at-2024-05-01.json -o gold/

exit codes: 0 every annotated task written; 1 some tasks broke the mapping or the spec (named on stderr
  with file, task and field; the rest written); 2 bad arguments"""
_TRAIN_EPILOG = """example:
  extractor train                     # team corpus + ../shared/dev when present, into the package

exit codes: 0 model written; 1 gold that breaks the spec; 2 bad arguments"""


def _command(commands: argparse._SubParsersAction, name: str, run: Callable[[argparse.Namespace], int],
             epilog: str) -> argparse.ArgumentParser:
    """A subcommand that `run` carries out. The first line of `run`'s docstring is its help in the list
    of commands, the rest its description (one paragraph: argparse prints it as it is, so its line
    breaks are folded); the epilog (examples, exit codes) keeps its line breaks."""
    help_line, _, description = inspect.cleandoc(run.__doc__ or "").partition("\n\n")
    command = commands.add_parser(name, help=help_line, description=" ".join(description.split()), epilog=epilog,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    command.set_defaults(run=run, parser=command)
    return command


class Parser(argparse.ArgumentParser):
    """A bad argument is one line on stderr and exit code 2: the usage block argparse prints
    before it would hide the one line that says what is wrong. Subcommands get this class too
    (argparse makes their parsers of the parent's class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="extractor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    extract = _command(commands, "extract", _extract, _EXTRACT_EPILOG)
    extract.add_argument("paths", nargs="+", help=".txt, .jsonl, .html files, folders, glob patterns, - for stdin")
    extract.add_argument("-o", "--output", help="output file (default: standard output)")
    extract.add_argument("--format", choices=("jsonl", "csv"), default="jsonl",
                         help="jsonl: one document per line; csv: one row per fact")
    extract.add_argument("--records-only", action="store_true", help="JSON Lines without the mentions")
    extract.add_argument("--bom", action="store_true", help="start the file with a UTF-8 BOM (for Excel)")
    extract.add_argument("--errors", help="write error lines to this file instead of the output")
    extract.add_argument("--resume", action="store_true",
                         help="skip documents already in the output (and errors) file; append the rest")
    extract.add_argument("-j", "--workers", type=_workers, default=cores(),
                         help="worker processes (default: cores); with --dask local, the cluster's workers")
    extract.add_argument("--dask", metavar="SCHEDULER",
                         help="run on Dask: 'local' (a cluster of -j processes here) or a scheduler's address "
                              "(tcp://host:8786); the inputs are JSON Lines shards (paths, globs, folders or fsspec "
                              "URLs such as s3://bucket/news/*.jsonl) and -o is the folder (or URL) for one JSON Lines "
                              "file per shard")
    extract.add_argument("--budget", type=float, default=Options.budget, metavar="SECONDS",
                         help="time an article may take per 100,000 characters (1 s at least); over it, the "
                              "article is an error line with stage 'timeout' and the batch goes on (default: 5)")
    extract.add_argument("--with-text", action="store_true",
                         help="every JSON line carries its article's text (what `review` shows the offsets in, "
                              "and what `export` reads without the article files)")
    evaluate = _command(commands, "evaluate", _evaluate, _EVALUATE_EPILOG)
    evaluate.add_argument("--gold", help="folder of gold .json / .jsonl files")
    evaluate.add_argument("--corpus", help="folder of articles: run the pipeline on them")
    evaluate.add_argument("--pred", help="prediction file (.jsonl) to score instead of running the pipeline")
    evaluate.add_argument("--json", action="store_true", help="machine-readable report")
    evaluate.add_argument("--cv", type=int, metavar="K",
                          help="cross-validate the learned decisions on the real articles of --dev: K folds by website")
    evaluate.add_argument("--dev", default=str(DEV_DEFAULT), help="the dev set (corpus/, gold/, urls.tsv) for --cv")
    evaluate.add_argument("--save-predictions", metavar="FILE", help="with --cv: the out-of-fold predictions as JSON Lines")
    review_ = _command(commands, "review", _review, _REVIEW_EPILOG)
    review_.add_argument("paths", nargs="+", metavar="INPUT",
                         help=".txt, .jsonl, .html files, folders, glob patterns, - for stdin; or an extract output .jsonl")
    review_.add_argument("-o", "--output", required=True, help="the folder to write the site into")
    review_.add_argument("--gold", help="folder of gold .json / .jsonl files: score each document and mark its errors")
    review_.add_argument("-j", "--workers", type=_workers, default=cores(),
                         help="worker processes for articles (default: cores)")
    train = _command(commands, "train", _train, _TRAIN_EPILOG)
    train.add_argument("--dev", default=str(DEV_DEFAULT), help="the dev set to train on too, when present")
    train.add_argument("-o", "--output", help="where to write the model (default: inside the package)")
    exporter = _command(commands, "export", _export, _EXPORT_EPILOG)
    exporter.add_argument("paths", nargs="+", metavar="INPUT",
                          help="articles (.txt, .jsonl, .html files, folders, globs) or extract outputs (.jsonl)")
    exporter.add_argument("--format", choices=EXPORT_FORMATS, required=True,
                          help="spacy: a DocBin; conll: WORD -X- _ IOB lines; labelstudio: tasks JSON and its config")
    exporter.add_argument("-o", "--output", required=True, help="the file to write")
    exporter.add_argument("--from-gold", metavar="DIR", help="export this gold (texts from the INPUT articles); "
                                                            "Label Studio gets it as annotations")
    exporter.add_argument("-j", "--workers", type=_workers, default=cores(), help="worker processes (default: cores)")
    importer = _command(commands, "import-labelstudio", _import_labelstudio, _IMPORT_EPILOG)
    importer.add_argument("export", metavar="EXPORT.json", help="Label Studio's JSON export")
    importer.add_argument("-o", "--output", required=True, metavar="DIR", help="the gold folder to write into")
    commands.add_parser("bench", help="speed and memory benchmark (bench --help for its options)", add_help=False)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from . import bench
        return bench.main(argv[1:])
    args, unknown = _parser().parse_known_args(argv)
    if unknown:   # named by the command they were given to, not by the top parser
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except GoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def extract_main(argv: Optional[list[str]] = None) -> int:
    """The `extract` console script: `extract FILE...` is `extractor extract FILE...`."""
    return main(["extract", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
