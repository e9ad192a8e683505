"""Train a superword (SuperBPE) tokenizer and compare it with the ordinary one of the same size.

    python examples/train_superword.py ../shared/corpus/dev.parquet --vocab-size 32768 --out superword

Stage 1 learns ordinary merges up to 80 % of the vocabulary (--transition to change it); stage 2
goes on with pieces that span words (" in order to", "of the"), at most --max-words words a token.
One training of the ordinary tokenizer at the full size gives stage 1 too (its first merges), so
the data is counted twice in all. One document in ten is held apart; bytes per token on those are
printed for both tokenizers, with the superword tokens learned most often.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import datasets

import hfbpe


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="a .parquet, .jsonl or .txt file")
    parser.add_argument("--vocab-size", type=int, default=32768)
    parser.add_argument("--transition", type=int, help="ordinary tokens after stage 1 (default: 80 %% of the vocabulary)")
    parser.add_argument("--max-words", type=int, default=4)
    parser.add_argument("--max-rows", type=int, help="read only the first rows")
    parser.add_argument("--out", type=Path, help="save the superword tokenizer here")
    args = parser.parse_args()

    builder = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".txt": "text"}[args.data.suffix]
    ds = datasets.load_dataset(builder, data_files=str(args.data), split="train")
    if args.max_rows:
        ds = ds.select(range(min(args.max_rows, len(ds))))
    held = ds.filter(lambda _, i: i % 10 == 0, with_indices=True)
    train = ds.filter(lambda _, i: i % 10 != 0, with_indices=True)
    text_column = "text" if "text" in ds.column_names else None
    transition = args.transition or int(args.vocab_size * 0.8)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)  # small data may run out of pairs
        ordinary = hfbpe.train(train, args.vocab_size, text_column=text_column)
        superword = hfbpe.train_superword(train, args.vocab_size, transition=transition, stage1=ordinary,
                                          max_words=args.max_words, text_column=text_column)
    summary = superword.training_summary or {}  # None only for tokenizers made by hand
    print(f"stage 2: {summary['distinct_pieces']:,} distinct runs, {summary['merges']:,} merges in "
          f"{summary['stage2_seconds']:.1f} s ({summary['filtered_merges']} refused by max_words)")
    first_new = superword.n_vocab - len(superword.special_tokens) - summary["merges"]
    multiword = [superword.token_bytes(i) for i in range(first_new, first_new + summary["merges"])
                 if len(superword.token_bytes(i).split()) > 1]
    print("first multi-word tokens:", ", ".join(repr(t.decode("utf-8", "replace")) for t in multiword[:12]))

    group_by = "source" if "source" in ds.column_names else None
    report = hfbpe.evaluate({"ordinary": ordinary, "superword": superword}, held, text_column=text_column,
                            group_by=group_by, baseline="ordinary")
    print(report.to_text())
    if args.out:
        folder = superword.save_pretrained(args.out, evaluation=report)
        print(f"saved to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
