"""The `hfbpe` command: train, push, encode and inspect tokenizers from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__

# A local file given as DATA is read with the datasets builder for its extension.
BUILDERS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".txt": "text", ".csv": "csv", ".arrow": "arrow"}


class UserError(Exception):
    """A mistake in the command line or its input: printed as one line, no traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("hfbpe: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - sorted into user mistakes and bugs below
        if args.verbose or not _is_user_error(error):
            raise
        print(f"hfbpe: error: {_one_line(error)} (-v shows the traceback)", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hfbpe", description="Train byte-level BPE tokenizers on Hugging Face datasets.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details and show full tracebacks")
    parser.add_argument("--version", action="version", version=f"hfbpe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    # -v also after the command ("hfbpe train ... -v"); SUPPRESS keeps a subcommand from resetting it.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    train = commands.add_parser("train", parents=[verbose], help="train a tokenizer and save it (and push it)")
    train.add_argument("data", help="a datasets.load_dataset name: a builder (parquet, json, text) with --data-files, "
                       "a local folder or file, or a Hub dataset id")
    train.add_argument("--vocab-size", type=int, required=True, help="final vocabulary size, special tokens included")
    train.add_argument("--output", type=Path, required=True, help="folder to save the tokenizer into")
    train.add_argument("--config", help="the dataset configuration (load_dataset's name=)")
    train.add_argument("--split", help="the split to train on (default: the only one)")
    train.add_argument("--data-files", nargs="+", help="files for a builder such as parquet, json or text")
    train.add_argument("--streaming", action=argparse.BooleanOptionalAction, default=None,
                       help="stream the data (the default for local files: they are read once, in place) or not "
                       "(the default for Hub datasets: downloaded and cached whole)")
    train.add_argument("--text-column", help="the column holding the text (default: the only string column)")
    train.add_argument("--pattern", default="gpt4", help="gpt4, gpt2, o200k, nanochat, or a regex")
    train.add_argument("--special-tokens", nargs="*", default=[], help="special tokens; they take the last ids")
    train.add_argument("--bos-token", help="which special token is bos for transformers")
    train.add_argument("--eos-token", help="which special token is eos for transformers")
    train.add_argument("--pad-token", help="which special token is pad for transformers")
    train.add_argument("--max-chars", type=int, help="stop after this many characters")
    train.add_argument("--doc-cap", type=int, help="crop every document to this many characters")
    train.add_argument("--num-threads", type=int, help="counting threads (default: every core)")
    train.add_argument("--dask-scheduler", help="count on this Dask cluster (address of its scheduler)")
    train.add_argument("--superword-transition", type=int, metavar="T",
                       help="train a superword (SuperBPE) tokenizer: ordinary BPE up to T tokens, then tokens that "
                       "span words (hfbpe.train_superword)")
    train.add_argument("--superword-pattern", help="stage 2's split (default: hfbpe.patterns.SUPERWORD)")
    train.add_argument("--max-words", type=int,
                       help="no token spans more than this many words (default with --superword-transition: 4)")
    train.add_argument("--merge-filter", nargs="+", metavar="REGEX", default=[],
                       help="regexes no token may contain (matched on its bytes), e.g. ': ' or '\n[^\n]'")
    train.add_argument("--min-frequency", type=int, default=1,
                       help="stop once no pair occurs this many times (HF tokenizers' BpeTrainer option)")
    train.add_argument("--max-token-length", type=int, help="no token longer than this many bytes (with "
                       "--compatible tokenizers: shorter than this, or of 2 bytes, as BpeTrainer has it)")
    train.add_argument("--compatible", choices=["rustbpe", "tokenizers"], default="rustbpe",
                       help="whose merges and ids to reproduce: rustbpe's (the default) or HF tokenizers' "
                       "BpeTrainer's (special tokens first, its tie-break, its tokenizer.json)")
    train.add_argument("--initial-alphabet", choices=["byte-level"],
                       help="with --compatible tokenizers: start from every byte, as BpeTrainer with "
                       "initial_alphabet=ByteLevel.alphabet() (and transformers) does")
    train.add_argument("--push-to-hub", metavar="REPO", help="also push the tokenizer to this Hub repo")
    train.add_argument("--private", action="store_true", help="create the Hub repo private")
    train.add_argument("--no-progress", action="store_true", help="no progress bars")
    train.add_argument("--sweep", type=_sizes, metavar="N,N,...",
                       help="also evaluate these vocabulary sizes, all cut from one training at the largest of "
                       "them and --vocab-size")
    train.add_argument("--eval-data", help="data to evaluate on, read like DATA (default with --sweep: documents "
                       "held apart from DATA); the table goes into the model card")
    train.add_argument("--eval-split", help="the split of --eval-data")
    train.add_argument("--group-by", help="a column of the evaluation data to report per value (e.g. source)")
    train.add_argument("--chart", type=Path, help="also write the evaluation chart (PNG) here")
    train.set_defaults(run=run_train)

    retrain = _from_base(commands.add_parser(
        "retrain", parents=[verbose], help="train new merges in a base tokenizer's shape (pattern, special tokens "
        "and roles, chat template, settings)"))
    retrain.add_argument("--vocab-size", type=int, required=True, help="final vocabulary size, special tokens included")
    retrain.set_defaults(run=run_retrain)

    extend = _from_base(commands.add_parser(
        "extend", parents=[verbose], help="add tokens learned on DATA to a base tokenizer, keeping every id it has"))
    size = extend.add_mutually_exclusive_group(required=True)
    size.add_argument("--add", type=int, help="how many tokens to add")
    size.add_argument("--vocab-size", type=int, help="the number of ids afterwards, the base's included")
    extend.set_defaults(run=run_extend)

    evaluate = commands.add_parser("eval", parents=[verbose], help="compare tokenizers on data: tokens, bytes per "
                                   "token per group, unused tokens")
    evaluate.add_argument("tokenizers", nargs="+", metavar="TOKENIZER",
                          help="a saved tokenizer folder, a tokenizer.json, a Hub repo id, or tiktoken:NAME "
                          "(cl100k_base, o200k_base, ...); NAME=TOKENIZER names it in the table")
    evaluate.add_argument("--data", required=True, help="the text, read as train reads DATA")
    evaluate.add_argument("--data-files", nargs="+")
    evaluate.add_argument("--config")
    evaluate.add_argument("--split")
    evaluate.add_argument("--streaming", action=argparse.BooleanOptionalAction, default=None)
    evaluate.add_argument("--text-column")
    evaluate.add_argument("--group-by", help="a column to report per value (e.g. source, language)")
    evaluate.add_argument("--baseline", help="the name of the tokenizer the others are compared with")
    evaluate.add_argument("--chart", type=Path, help="write a chart of bytes per token (PNG) here")
    evaluate.add_argument("--json", type=Path, help="write the whole report as JSON here")
    evaluate.add_argument("--markdown", type=Path, help="write the table as markdown here")
    evaluate.add_argument("--num-threads", type=int)
    evaluate.add_argument("--no-progress", action="store_true")
    evaluate.set_defaults(run=run_eval)

    push = commands.add_parser("push", parents=[verbose], help="push a saved tokenizer to the Hub")
    push.add_argument("directory", type=Path)
    push.add_argument("repo", help="the Hub repo id, e.g. your-name/my-tokenizer")
    push.add_argument("--private", action="store_true")
    push.add_argument("--revision", help="branch to commit to")
    push.add_argument("--commit-message")
    push.add_argument("--create-pr", action="store_true")
    push.set_defaults(run=run_push)

    encode = commands.add_parser("encode", parents=[verbose], help="print the ids of a text")
    encode.add_argument("tokenizer", help="a saved tokenizer folder or a Hub repo id")
    encode.add_argument("text")
    encode.add_argument("--allow-special", action="store_true", help="encode special token text as special tokens")
    encode.add_argument("--tokens", action="store_true", help="print each token's text with its id")
    encode.set_defaults(run=run_encode)

    info = commands.add_parser("info", parents=[verbose], help="describe a saved tokenizer")
    info.add_argument("tokenizer", help="a saved tokenizer folder or a Hub repo id")
    info.set_defaults(run=run_info)
    return parser


def load_data(args: argparse.Namespace):
    import datasets

    path = Path(args.data)
    name, data_files = args.data, args.data_files
    if path.is_file():
        builder = BUILDERS.get(path.suffix)
        if builder is None:
            raise UserError(f"{path}: cannot tell the format; expected one of {', '.join(BUILDERS)}")
        name, data_files = builder, [str(path)]
    elif not path.exists() and args.data.endswith(tuple(BUILDERS)) and "/" in args.data.replace("\\", "/"):
        raise UserError(f"{args.data}: no such file")
    streaming = args.streaming if args.streaming is not None else _is_local(path, data_files)
    data = datasets.load_dataset(name, args.config, data_files=data_files, split=args.split, streaming=streaming)
    if args.split is None and isinstance(data, (datasets.DatasetDict, datasets.IterableDatasetDict)) and len(data) == 1:
        data = next(iter(data.values()))
    return data


def _is_local(path: Path, data_files: Sequence[str] | None) -> bool:
    """Whether DATA is local: a file or folder here, or data files that are all local paths or globs."""
    import glob

    if path.exists():
        return True
    return bool(data_files) and all(glob.glob(str(Path(f).expanduser())) for f in data_files)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected vocabulary sizes such as 4096,8192, got {text!r}") from None
    if not sizes:
        raise argparse.ArgumentTypeError("no vocabulary size given")
    return sizes


def _eval_args(args: argparse.Namespace) -> argparse.Namespace:
    """The arguments that read --eval-data (like DATA, but its own split and no data files)."""
    return argparse.Namespace(data=args.eval_data, data_files=None, config=None, split=args.eval_split,
                              streaming=args.streaming)


def run_train(args: argparse.Namespace) -> int:
    import hfbpe

    if (args.group_by or args.chart) and not (args.sweep or args.eval_data):
        raise UserError("--group-by and --chart need --sweep or --eval-data")
    if args.sweep:
        if args.compatible != "rustbpe" or args.initial_alphabet:
            raise UserError("--sweep does not take --compatible or --initial-alphabet yet")
        if args.superword_transition is not None:
            raise UserError("--sweep and --superword-transition do not go together")
        return _train_with_sweep(args)
    if args.superword_transition is None and args.superword_pattern is not None:
        raise UserError("--superword-pattern needs --superword-transition")
    if args.compatible == "tokenizers" and args.superword_transition is not None:
        raise UserError("--compatible tokenizers and --superword-transition do not go together")
    if args.initial_alphabet and args.compatible != "tokenizers":
        raise UserError("--initial-alphabet needs --compatible tokenizers")
    data = load_data(args)
    client = None
    if args.dask_scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise UserError("--dask-scheduler needs Dask: pip install 'dask[distributed]'") from None
        try:
            client = Client(args.dask_scheduler, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise UserError(f"cannot reach the Dask scheduler at {args.dask_scheduler}: {error}") from None
    options = {"client": client} if client is not None else {}
    if args.superword_transition is not None:
        how = hfbpe.train_superword
        options.update(transition=args.superword_transition, superword_pattern=args.superword_pattern,
                       max_words=4 if args.max_words is None else args.max_words)
    else:
        how = hfbpe.train
        options.update(max_words=args.max_words)
        if args.compatible == "tokenizers":
            from .hf_format import byte_to_char

            options.update(compatible="tokenizers",
                           initial_alphabet=list(byte_to_char()) if args.initial_alphabet else [])
    try:
        tokenizer = how(
            data,
            args.vocab_size,
            text_column=args.text_column,
            pattern=args.pattern,
            special_tokens=args.special_tokens,
            max_chars=args.max_chars,
            doc_cap=args.doc_cap,
            num_threads=args.num_threads,
            show_progress=False if args.no_progress else None,
            merge_filter=args.merge_filter,
            min_frequency=args.min_frequency,
            max_token_length=args.max_token_length,
            **options,
        )
    finally:
        if client is not None:
            client.close()
    report = None
    if args.eval_data:
        report = tokenizer.evaluate(load_data(_eval_args(args)), text_column=args.text_column,
                                    group_by=args.group_by, num_threads=args.num_threads,
                                    show_progress=False if args.no_progress else None)
    return _save_and_report(args, tokenizer, report)


def _train_with_sweep(args: argparse.Namespace) -> int:
    import hfbpe

    if args.dask_scheduler:
        raise UserError("--sweep does not run on a Dask cluster yet; count there with hfbpe.count instead")
    sizes = sorted(set(args.sweep) | {args.vocab_size})
    eval_data = load_data(_eval_args(args)) if args.eval_data else None
    largest, report = hfbpe.sweep(
        load_data(args), sizes, eval_data=eval_data, text_column=args.text_column, group_by=args.group_by,
        pattern=args.pattern, special_tokens=args.special_tokens, num_threads=args.num_threads,
        show_progress=False if args.no_progress else None, max_chars=args.max_chars, doc_cap=args.doc_cap,
    )
    tokenizer = largest.truncated(args.vocab_size) if args.vocab_size < largest.n_vocab else largest
    return _save_and_report(args, tokenizer, report)


def _save_and_report(args: argparse.Namespace, tokenizer, report) -> int:
    roles = {"bos_token": args.bos_token, "eos_token": args.eos_token, "pad_token": args.pad_token}
    folder = tokenizer.save_pretrained(args.output, evaluation=report, **roles)
    if report is not None:
        print(report.to_text())
        if args.chart:
            report.plot(args.chart)
    summary = tokenizer.training_summary or {}
    print(
        f"saved {tokenizer.n_vocab} tokens to {folder} ({summary.get('documents', 0):,} documents, "
        f"{summary.get('bytes', 0) / 1e6:,.1f} MB; counting {summary.get('count_seconds', 0):.1f} s, "
        f"merging {summary.get('merge_seconds', 0):.1f} s)"
    )
    if args.push_to_hub:
        commit = tokenizer.push_to_hub(args.push_to_hub, private=args.private or None, evaluation=report, **roles)
        print(f"pushed to {commit.commit_url}")
    return 0


def run_push(args: argparse.Namespace) -> int:
    from .hub import load_folder

    directory = args.directory.expanduser()
    if not directory.is_dir():  # a folder, never a Hub repo: push must not download what it uploads
        raise UserError(f"{directory}: no such folder")
    tokenizer = load_folder(directory)
    commit = tokenizer.push_to_hub(
        args.repo,
        private=args.private or None,
        revision=args.revision,
        commit_message=args.commit_message,
        create_pr=args.create_pr,
    )
    print(f"pushed to {commit.pr_url or commit.commit_url}")
    return 0


def run_retrain(args: argparse.Namespace) -> int:
    import hfbpe

    tokenizer = hfbpe.train_new_from(
        _base(args.base), load_data(args), args.vocab_size, text_column=args.text_column, max_chars=args.max_chars,
        doc_cap=args.doc_cap, num_threads=args.num_threads, show_progress=False if args.no_progress else None,
    )
    folder = tokenizer.save_pretrained(args.output)
    summary = tokenizer.training_summary or {}
    print(f"saved {tokenizer.n_vocab} tokens in the shape of {args.base} to {folder} "
          f"({summary.get('documents', 0):,} documents, {summary.get('bytes', 0) / 1e6:,.1f} MB; special tokens "
          f"{', '.join(tokenizer.special_tokens) or 'none'})")
    if args.push_to_hub:
        commit = tokenizer.push_to_hub(args.push_to_hub, private=args.private or None)
        print(f"pushed to {commit.commit_url}")
    return 0


def _from_base(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of the commands that start from a base tokenizer (retrain, extend)."""
    command.add_argument("base", help="a tokenizer folder (hfbpe's, or tokenizer.json as transformers saves it), "
                         "a tokenizer.json, a Hub repo id, or tiktoken:NAME")
    command.add_argument("data", help="what train takes as DATA")
    command.add_argument("--output", type=Path, required=True, help="folder to save the tokenizer into")
    command.add_argument("--config", help="the dataset configuration (load_dataset's name=)")
    command.add_argument("--split", help="the split to train on (default: the only one)")
    command.add_argument("--data-files", nargs="+", help="files for a builder such as parquet, json or text")
    command.add_argument("--streaming", action=argparse.BooleanOptionalAction, default=None)
    command.add_argument("--text-column", help="the column holding the text (default: the only string column)")
    command.add_argument("--max-chars", type=int, help="stop after this many characters")
    command.add_argument("--doc-cap", type=int, help="crop every document to this many characters")
    command.add_argument("--num-threads", type=int, help="counting threads (default: every core)")
    command.add_argument("--push-to-hub", metavar="REPO", help="also push the tokenizer to this Hub repo")
    command.add_argument("--private", action="store_true", help="create the Hub repo private")
    command.add_argument("--no-progress", action="store_true", help="no progress bars")
    return command


def _base(spec: str):
    """A base tokenizer given on the command line: tiktoken:NAME, or a location hfbpe reads."""
    return _named_tokenizer(spec)[1] if spec.startswith("tiktoken:") else spec


def run_extend(args: argparse.Namespace) -> int:
    import hfbpe

    tokenizer = hfbpe.extend(
        _base(args.base), load_data(args), add=args.add, vocab_size=args.vocab_size, text_column=args.text_column,
        max_chars=args.max_chars, doc_cap=args.doc_cap, num_threads=args.num_threads,
        show_progress=False if args.no_progress else None,
    )
    folder = tokenizer.save_pretrained(args.output)
    summary = tokenizer.training_summary or {}
    print(f"saved {tokenizer.n_vocab} ids to {folder}: the {summary['base_vocab_size']} of {args.base} and "
          f"{summary['merges']} new ones from id {summary['first_new_id']} ({summary.get('documents', 0):,} "
          f"documents, {summary.get('bytes', 0) / 1e6:,.1f} MB; {summary['skipped_merges']} merges skipped "
          "that would have repeated a token of the base)")
    if args.push_to_hub:
        commit = tokenizer.push_to_hub(args.push_to_hub, private=args.private or None)
        print(f"pushed to {commit.commit_url}")
    return 0


def _named_tokenizer(spec: str) -> tuple[str, object]:
    """NAME=TOKENIZER or TOKENIZER; tiktoken:NAME is one of tiktoken's encodings."""
    name, _, location = spec.rpartition("=") if "=" in spec and not spec.startswith("tiktoken:") else ("", "", spec)
    if location.startswith("tiktoken:"):
        import tiktoken

        encoding = location.split(":", 1)[1]
        try:
            return name or encoding, tiktoken.get_encoding(encoding)
        except ValueError as error:
            raise UserError(f"{location}: {error}") from None
    label = name or (Path(location).name if Path(location).exists() else location)
    return label, location


def run_eval(args: argparse.Namespace) -> int:
    import hfbpe

    tokenizers = dict(_named_tokenizer(spec) for spec in args.tokenizers)
    if len(tokenizers) != len(args.tokenizers):
        raise UserError("two tokenizers have the same name; name them NAME=TOKENIZER")
    data_args = argparse.Namespace(data=args.data, data_files=args.data_files, config=args.config, split=args.split,
                                   streaming=args.streaming)
    report = hfbpe.evaluate(tokenizers, load_data(data_args), text_column=args.text_column, group_by=args.group_by,
                            baseline=args.baseline, num_threads=args.num_threads,
                            show_progress=False if args.no_progress else None)
    print(report.to_text())
    if args.chart:
        report.plot(args.chart)
    if args.json:
        report.save(args.json)
    if args.markdown:
        from ._files import write_atomically

        text = report.to_markdown()
        write_atomically(args.markdown, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    stats = report.stats()
    print(f"\n{stats.documents:,} documents, {stats.bytes / 1e6:,.1f} MB in {report.seconds:.1f} s "
          f"({stats.bytes / 1e6 / max(report.seconds, 1e-9):,.0f} MB/s)")
    return 0


def run_encode(args: argparse.Namespace) -> int:
    import hfbpe

    tokenizer = hfbpe.from_pretrained(args.tokenizer)
    ids = tokenizer.encode(args.text, allowed_special="all" if args.allow_special else frozenset())
    if args.tokens:
        for token_id in ids:
            print(f"{token_id}\t{tokenizer.decode([token_id])!r}")
    else:
        print(json.dumps(ids))
    return 0


def run_info(args: argparse.Namespace) -> int:
    import hfbpe

    tokenizer = hfbpe.from_pretrained(args.tokenizer)
    info = {
        "vocab_size": tokenizer.n_vocab,
        "ordinary_tokens": tokenizer.vocab_size,
        "merges": None if tokenizer.is_rank_table else len(tokenizer.merges),
        "pattern": tokenizer.pattern,
        "special_tokens": tokenizer.special_tokens,
        "special_token_roles": tokenizer.special_token_roles,
        "training": {k: v for k, v in (tokenizer.training_summary or {}).items() if k != "merge_counts"} or None,
    }
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


def _is_user_error(error: BaseException) -> bool:
    if isinstance(error, (UserError, ValueError, TypeError, FileNotFoundError, NotADirectoryError, ConnectionError,
                          PermissionError)):
        return True
    try:
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, HfHubHTTPError) or type(error).__name__ in {"DatasetNotFoundError", "DataFilesNotFoundError"}


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
