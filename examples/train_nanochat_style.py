"""Train a tokenizer the way nanochat's tok_train.py does, and save it where nanochat can load it.

Offline, on the development corpus beside this repository:

    python examples/train_nanochat_style.py --output nanochat-tokenizer

On a Hub dataset, streamed (nothing is downloaded whole):

    python examples/train_nanochat_style.py --hub-dataset HuggingFaceFW/fineweb-edu --hub-config sample-10BT \\
        --output "${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}/tokenizer"

The recipe is nanochat's: its split pattern (GPT-4's, with numbers in groups of
at most two digits), its nine special tokens taking the last ids, documents
cropped to 10,000 characters and training stopped after 2 billion characters.
The folder gets the files of `save_pretrained` (for hfbpe, tiktoken and
transformers) plus `tokenizer.pkl`, the pickled tiktoken Encoding that
nanochat's `RustBPETokenizer.from_directory` unpickles, and the byte length of
every id (0 for special tokens) for nanochat's bits-per-byte metric:
`token_bytes.npy`, and `token_bytes.pt` (what nanochat's tok_train.py writes)
when torch is installed.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any

import datasets
import numpy as np

import hfbpe

# nanochat/tokenizer.py's SPECIAL_TOKENS, in its order: hfbpe gives them the last
# ids in the order given, as nanochat does, so ids line up with nanochat's own.
SPECIAL_TOKENS = [
    "<|bos|>",
    "<|user_start|>",
    "<|user_end|>",
    "<|assistant_start|>",
    "<|assistant_end|>",
    "<|python_start|>",
    "<|python_end|>",
    "<|output_start|>",
    "<|output_end|>",
]

# The development corpus sits beside the repository: ../shared/corpus/dev.parquet from its root.
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev.parquet"


class UserError(Exception):
    """A mistake in the arguments or the input: reported in one line, without a traceback."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="a local .parquet file with a 'text' column (default: %(default)s)")
    source.add_argument("--hub-dataset", metavar="NAME",
                        help="a Hub dataset to stream instead, e.g. HuggingFaceFW/fineweb-edu")
    parser.add_argument("--hub-config", help="the Hub dataset's configuration, e.g. sample-10BT")
    parser.add_argument("--hub-split", default="train", help="the Hub dataset's split (default: %(default)s)")
    parser.add_argument("--text-column", default="text", help="the column holding the text (default: %(default)s)")
    parser.add_argument("--vocab-size", type=int, default=32768,
                        help="final vocabulary size, the 9 special tokens included (default: %(default)s)")
    parser.add_argument("--max-chars", type=int, default=2_000_000_000,
                        help="stop after this many characters, as nanochat does (default: %(default)s)")
    parser.add_argument("--doc-cap", type=int, default=10_000,
                        help="crop each document to this many characters (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=Path("nanochat-tokenizer"),
                        help="folder to save the tokenizer into (default: %(default)s)")
    return parser.parse_args()


def load_data(args: argparse.Namespace) -> Any:
    """A Dataset (local file, read in place from its Arrow buffers) or an IterableDataset (Hub, streamed)."""
    if args.hub_dataset:
        # Streaming reads the dataset shard by shard; hfbpe closes the stream once max_chars is reached,
        # so a 2-billion-character run never fetches the rest of a multi-terabyte dataset.
        return datasets.load_dataset(args.hub_dataset, args.hub_config, split=args.hub_split, streaming=True)
    path = args.data.resolve()  # a relative --data is relative to the current directory
    if not path.is_file():
        raise UserError(f"{path}: no such file (give a local parquet file with --data, or stream with --hub-dataset)")
    return datasets.load_dataset("parquet", data_files=str(path), split="train")


def save(tokenizer: hfbpe.Tokenizer, output: Path) -> None:
    # <|bos|> is nanochat's document delimiter; naming it lets transformers' AutoTokenizer know it too.
    tokenizer.save_pretrained(output, bos_token="<|bos|>")
    # nanochat's RustBPETokenizer.from_directory does pickle.load(open(dir/"tokenizer.pkl")) and wants a
    # tiktoken Encoding.
    encoding = tokenizer.to_tiktoken(name="nanochat")
    write_staged(output / "tokenizer.pkl", lambda f: pickle.dump(encoding, f))
    # Bytes per id from the raw token bytes (decoding would count a partial UTF-8 token as U+FFFD).
    lengths = np.asarray(tokenizer.token_byte_lengths(), dtype=np.int32)
    write_staged(output / "token_bytes.npy", lambda f: np.save(f, lengths))
    try:
        import torch
    except ImportError:
        return
    write_staged(output / "token_bytes.pt", lambda f: torch.save(torch.from_numpy(lengths), f))


def write_staged(path: Path, write: Any) -> None:
    """write(file) under a temporary name, then renamed to `path`: an interrupted run never
    leaves a truncated file where nanochat would load it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def compression(tokenizer: hfbpe.Tokenizer, data: Any, text_column: str, n_docs: int = 100) -> tuple[int, float]:
    """UTF-8 bytes per token on the first documents (of the training data: a quick sanity check, not a benchmark)."""
    texts = [row[text_column] for row in islice(iter(data), n_docs)]
    texts = [t for t in texts if isinstance(t, str)]
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    n_tokens = sum(len(ids) for ids in tokenizer.batch_encode(texts))
    return len(texts), n_bytes / max(n_tokens, 1)


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    data = load_data(args)
    load_seconds = time.perf_counter() - start

    tokenizer = hfbpe.train(
        data,
        args.vocab_size,
        text_column=args.text_column,
        pattern="nanochat",
        special_tokens=SPECIAL_TOKENS,
        max_chars=args.max_chars,
        doc_cap=args.doc_cap,
    )

    start = time.perf_counter()
    save(tokenizer, args.output)
    save_seconds = time.perf_counter() - start

    summary = tokenizer.training_summary or {}  # None only for tokenizers made by hand
    n_docs, bytes_per_token = compression(tokenizer, data, args.text_column)
    stopped = "stopped at --max-chars" if summary["max_chars_reached"] else "read the whole dataset"
    print(f"vocabulary: {tokenizer.n_vocab} ids ({len(tokenizer.merges)} merges, "
          f"specials {min(tokenizer.special_tokens.values())}..{max(tokenizer.special_tokens.values())})")
    print(f"trained on {summary['documents']:,} documents, {summary['chars']:,} characters, "
          f"{summary['bytes'] / 1e6:,.1f} MB ({stopped})")
    print(f"seconds: loading {load_seconds:.2f}, counting {summary['count_seconds']:.2f}, "
          f"merging {summary['merge_seconds']:.2f}, saving {save_seconds:.2f}")
    print(f"compression on the first {n_docs} documents: {bytes_per_token:.2f} bytes per token")
    print(f"saved to {args.output}/ (tokenizer.pkl for nanochat, tokenizer.json for transformers)")
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
