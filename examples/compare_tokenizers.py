"""Compare tokenizers on held-out text, per source, and sweep the vocabulary size from one training.

Offline, on the development corpus beside this repository:

    python examples/compare_tokenizers.py --out comparison

Trains three tokenizers on the corpus minus its last 5 % of rows: hfbpe with the GPT-4 pattern,
hfbpe with the GPT-2 pattern, and HF tokenizers' BpeTrainer with the GPT-4 pattern; evaluates them
on those held-out rows per `source`; then trains hfbpe once at the largest --sweep size and
evaluates every size cut from it. Writes comparison.md, comparison.png, sweep.md, sweep.png and
both reports as JSON into --out, and the GPT-4 tokenizer into --out/tokenizer with the comparison
in its model card.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import datasets

import hfbpe

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"


def train_with_hf_tokenizers(texts: Iterable[str], vocab_size: int) -> Any:
    """BpeTrainer on the same pieces as hfbpe's gpt4 pattern: GPT-4's Split, then bytes."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(hfbpe.PATTERNS["gpt4"]), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV, help="a parquet file with text and source columns")
    parser.add_argument("--vocab-size", type=int, default=32768)
    parser.add_argument("--sweep", default="1024,2048,4096,8192,16384,32768", help="vocabulary sizes")
    parser.add_argument("--max-rows", type=int, help="use only this many rows of the data")
    parser.add_argument("--out", type=Path, required=True, help="folder for the tables and charts")
    args = parser.parse_args()
    if not args.data.is_file():
        parser.error(f"{args.data}: no such file")

    data = datasets.load_dataset("parquet", data_files=str(args.data), split="train")
    if args.max_rows:
        data = data.select(range(min(args.max_rows, len(data))))
    held = max(1, len(data) // 20)
    train, evaluation = data.select(range(len(data) - held)), data.select(range(len(data) - held, len(data)))
    print(f"training on {len(train):,} documents, evaluating on {len(evaluation):,}", flush=True)

    start = time.perf_counter()
    gpt4 = hfbpe.train(train, args.vocab_size, text_column="text", show_progress=False)
    gpt2 = hfbpe.train(train, args.vocab_size, text_column="text", pattern="gpt2", show_progress=False)
    hf = train_with_hf_tokenizers((t for t in train["text"] if t), args.vocab_size)
    print(f"trained three tokenizers in {time.perf_counter() - start:.1f} s", flush=True)

    tokenizers = {"hfbpe-gpt4": gpt4, "hfbpe-gpt2": gpt2, "tokenizers-gpt4": hf}
    report = hfbpe.evaluate(tokenizers, evaluation, text_column="text", group_by="source", baseline="hfbpe-gpt4",
                            show_progress=False)
    print(report.to_text(), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "comparison.md").write_text(report.to_markdown())
    report.save(args.out / "comparison.json")
    report.plot(args.out / "comparison.png")
    gpt4.save_pretrained(args.out / "tokenizer", evaluation=report)

    sizes = [int(s) for s in args.sweep.split(",")]
    _, sweep = hfbpe.sweep(train, sizes, eval_data=evaluation, text_column="text", group_by="source",
                           show_progress=False)
    print(sweep.to_text(), flush=True)
    (args.out / "sweep.md").write_text(sweep.to_markdown())
    sweep.save(args.out / "sweep.json")
    sweep.plot(args.out / "sweep.png")
    print(f"wrote {args.out}/comparison.png and {args.out}/sweep.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
