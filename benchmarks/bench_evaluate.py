"""Benchmark: hfbpe.evaluate against counting the same text, and against encoding every text.

    python benchmarks/bench_evaluate.py [--data ../shared/corpus/dev.parquet] [--reps 3]

Trains an hfbpe tokenizer (GPT-4 pattern, vocab 32768) and one with the GPT-2 pattern on the data,
then times, on the whole data (a memory-mapped Dataset): counting with the GPT-4 pattern
(hfbpe.count), evaluate with one tokenizer, with both (two patterns, one pass), with the first as a
tokenizers.Tokenizer, and, for reference, encoding every text with tiktoken's encode_ordinary_batch.
Medians of --reps runs; MB = 10^6 bytes of UTF-8 text. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import datasets

import hfbpe

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"


def timed(fn, reps: int) -> tuple[float, object]:
    seconds, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    datasets.disable_progress_bars()
    ds = datasets.load_dataset("parquet", data_files=str(args.data), split="train")
    gpt4 = hfbpe.train(ds, 32768, text_column="text", show_progress=False)
    gpt2 = hfbpe.train(ds, 32768, text_column="text", pattern="gpt2", show_progress=False)
    hf = gpt4.to_tokenizers()
    mb = gpt4.training_summary["bytes"] / 1e6

    rows = []
    count_s, _ = timed(lambda: hfbpe.count(ds, text_column="text", show_progress=False), args.reps)
    rows.append(("hfbpe.count (gpt4 pattern)", count_s, None))
    runs = {
        "evaluate: hfbpe gpt4": lambda: hfbpe.evaluate({"gpt4": gpt4}, ds, text_column="text", show_progress=False),
        "evaluate: hfbpe gpt4 + gpt2 (two patterns)": lambda: hfbpe.evaluate(
            {"gpt4": gpt4, "gpt2": gpt2}, ds, text_column="text", show_progress=False),
        "evaluate: gpt4 as tokenizers.Tokenizer": lambda: hfbpe.evaluate(
            {"gpt4": hf}, ds, text_column="text", show_progress=False),
        "evaluate: gpt4 by source (5 groups)": lambda: hfbpe.evaluate(
            {"gpt4": gpt4}, ds, text_column="text", group_by="source", show_progress=False),
    }
    tokens = None
    for label, run in runs.items():
        seconds, report = timed(run, args.reps)
        tokens = tokens or report.tokens("gpt4")
        assert report.tokens("gpt4") == tokens, label
        rows.append((label, seconds, seconds / count_s))
    texts = [t for t in ds["text"] if t is not None]
    encoding = gpt4.to_tiktoken()
    seconds, ids = timed(lambda: encoding.encode_ordinary_batch(texts, num_threads=2), args.reps)
    assert sum(map(len, ids)) == tokens, "evaluate's count differs from encoding every text"
    rows.append(("tiktoken encode_ordinary_batch, every text (2 threads)", seconds, seconds / count_s))

    print(f"{mb:,.1f} MB, {len(ds):,} documents, {tokens:,} tokens (gpt4, vocab 32768), medians of {args.reps}\n")
    print("| run | s | MB/s | x counting time |")
    print("|---|---:|---:|---:|")
    for label, seconds, ratio in rows:
        print(f"| {label} | {seconds:.2f} | {mb / seconds:,.0f} | {'1' if ratio is None else f'{ratio:.2f}'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
