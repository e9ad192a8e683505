"""Train a tokenizer on a local corpus (parquet, JSON lines or text) and show what it learned.

    python examples/train_tokenizer.py ../shared/corpus/dev.parquet --vocab-size 8192
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import datasets

import hfbpe

BUILDERS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".txt": "text"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a .parquet, .jsonl or .txt file")
    parser.add_argument("--vocab-size", type=int, default=8192, help="final vocabulary size, special tokens included")
    parser.add_argument("--text-column", default="text", help="the column holding the text")
    parser.add_argument("--pattern", default="gpt4", help=f"one of {sorted(hfbpe.PATTERNS)} or a regex")
    parser.add_argument("--special-tokens", nargs="*", default=["<|endoftext|>"])
    args = parser.parse_args()

    builder = BUILDERS.get(args.path.suffix)
    if builder is None:
        parser.error(f"{args.path}: expected one of {', '.join(BUILDERS)}")
    if not args.path.is_file():
        parser.error(f"{args.path}: no such file")
    dataset = datasets.load_dataset(builder, data_files=str(args.path), split="train")
    if args.text_column not in dataset.column_names:
        parser.error(f"{args.path} has no column {args.text_column!r}; it has {dataset.column_names}")

    # The Dataset goes in as it is: hfbpe reads the column's Arrow buffers in place.
    start = time.perf_counter()
    tokenizer = hfbpe.train(
        dataset,
        args.vocab_size,
        text_column=args.text_column,
        pattern=args.pattern,
        special_tokens=args.special_tokens,
    )
    seconds = time.perf_counter() - start

    summary = tokenizer.training_summary or {}  # None only for tokenizers made by hand
    sample = [t for t in dataset.select(range(min(len(dataset), 200)))[args.text_column] if t is not None]
    n_bytes = sum(len(t.encode("utf-8")) for t in sample)
    n_tokens = sum(len(ids) for ids in tokenizer.batch_encode(sample))
    longest = sorted(tokenizer.mergeable_ranks, key=len, reverse=True)[:8]
    print(
        f"trained {tokenizer.n_vocab} tokens on {summary['documents']} documents ({summary['bytes'] / 1e6:.1f} MB) "
        f"in {seconds:.1f} s: counting {summary['count_seconds']:.1f} s, merging {summary['merge_seconds']:.1f} s"
    )
    print(f"first merges: {[tokenizer.decode([256 + k]) for k in range(min(10, len(tokenizer.merges)))]}")
    print(f"longest tokens: {[t.decode('utf-8', 'replace') for t in longest]}")
    print(f"special tokens: {tokenizer.special_tokens}")
    print(f"compression on the first {len(sample)} documents: {n_bytes / max(n_tokens, 1):.2f} bytes per token")
    example = "Tokenizers split text into pieces; 分词器把文本切成片段."
    ids = tokenizer.encode(example)
    print(f"{example!r} -> {len(ids)} tokens: {[tokenizer.decode([i]) for i in ids]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
