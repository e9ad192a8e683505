"""Train a tokenizer on a streamed dataset (an IterableDataset), reading only as much as max_chars asks.

Offline, streaming the development corpus beside this repository:

    python examples/train_streaming.py --max-chars 20_000_000 --output streamed-tokenizer

A Hub dataset, streamed: only the shards needed for --max-chars are fetched.

    python examples/train_streaming.py --hub-dataset HuggingFaceFW/fineweb-edu --hub-config sample-10BT \\
        --max-chars 200_000_000 --vocab-size 32768 --output fineweb-tokenizer

With `streaming=True`, `datasets.load_dataset` returns an IterableDataset:
nothing is downloaded or converted up front. hfbpe reads it batch by batch as
Arrow, keeps no batch once it is counted, and closes the stream as soon as
max_chars characters have been read, so memory is bounded by the table of
distinct pieces rather than by the size of the dataset.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import datasets

import hfbpe

# The development corpus sits beside the repository: ../shared/corpus/dev.parquet from its root.
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev.parquet"


class UserError(Exception):
    """A mistake in the arguments or the input: reported in one line, without a traceback."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="a local .parquet file to stream (default: %(default)s)")
    source.add_argument("--hub-dataset", metavar="NAME",
                        help="a Hub dataset to stream instead, e.g. HuggingFaceFW/fineweb-edu")
    parser.add_argument("--hub-config", help="the Hub dataset's configuration, e.g. sample-10BT")
    parser.add_argument("--hub-split", default="train", help="the Hub dataset's split (default: %(default)s)")
    parser.add_argument("--text-column", default="text", help="the column holding the text (default: %(default)s)")
    parser.add_argument("--vocab-size", type=int, default=8192,
                        help="final vocabulary size, special tokens included (default: %(default)s)")
    parser.add_argument("--max-chars", type=int, default=20_000_000,
                        help="stop reading after this many characters; 0 reads everything (default: %(default)s)")
    parser.add_argument("--special-tokens", nargs="*", default=["<|endoftext|>"])
    parser.add_argument("--output", type=Path, default=Path("streamed-tokenizer"),
                        help="folder to save the tokenizer into (default: %(default)s)")
    return parser.parse_args()


def open_stream(args: argparse.Namespace) -> datasets.IterableDataset:
    if args.hub_dataset:
        return datasets.load_dataset(args.hub_dataset, args.hub_config, split=args.hub_split, streaming=True)
    path = args.data.resolve()  # a relative --data is relative to the current directory
    if not path.is_file():
        raise UserError(f"{path}: no such file (give a local parquet file with --data, or stream with --hub-dataset)")
    # The same call as for a Hub dataset: a local file streams too, without being converted to Arrow first.
    return datasets.load_dataset("parquet", data_files=str(path), split="train", streaming=True)


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, KiB on Linux


def run(args: argparse.Namespace) -> int:
    stream = open_stream(args)
    print(f"streaming {args.hub_dataset or args.data} ({type(stream).__name__})")

    start = time.perf_counter()
    tokenizer = hfbpe.train(
        stream,
        args.vocab_size,
        text_column=args.text_column,
        special_tokens=args.special_tokens,
        max_chars=args.max_chars or None,  # None: read the stream to its end
    )
    seconds = time.perf_counter() - start
    tokenizer.save_pretrained(args.output)

    summary = tokenizer.training_summary or {}  # None only for tokenizers made by hand
    if summary["max_chars_reached"]:
        read = f"stopped after {summary['chars']:,} characters (--max-chars {args.max_chars:,}); the stream was closed"
    else:
        read = f"read the whole stream: {summary['chars']:,} characters"
    print(f"{read}, {summary['documents']:,} documents, {summary['bytes'] / 1e6:,.1f} MB")
    print(f"trained {tokenizer.n_vocab} tokens in {seconds:.1f} s "
          f"(counting {summary['count_seconds']:.1f} s, merging {summary['merge_seconds']:.1f} s)")
    peak = peak_rss_mb()
    if peak is not None:
        print(f"peak memory: {peak:,.0f} MB")
    example = "Streaming keeps memory flat: 1234567 characters, one batch at a time."
    print(f"{example!r} -> {[tokenizer.decode([i]) for i in tokenizer.encode(example)]}")
    print(f"saved to {args.output}/")
    return 0


def main() -> int:
    args = parse_args()
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"{Path(sys.argv[0]).name}: interrupted", file=sys.stderr)
        return 130
    # Missing files, unknown datasets or columns, a bad vocabulary size, an unreachable Hub:
    # one line saying what is wrong. (OSError covers huggingface_hub's HTTP errors too.)
    except (UserError, ValueError, TypeError, OSError, datasets.exceptions.DatasetsError) as error:
        message = " ".join(str(error).split()) or type(error).__name__  # one line, whatever the error's layout
        print(f"{Path(sys.argv[0]).name}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
