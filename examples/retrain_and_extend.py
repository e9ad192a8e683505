"""Retrain a model's tokenizer on your data, or extend it to a new language keeping every id.

Offline, on the development corpus beside this repository:

    python examples/retrain_and_extend.py --out retrain-and-extend

With a real model's tokenizer (a folder as transformers saves it, a Hub repo id, or tiktoken:NAME):

    python examples/retrain_and_extend.py --base path/to/llama3-tokenizer --out retrain-and-extend

Without --base, a stand-in is made first: a tokenizer trained on the corpus's Latin-script documents,
saved by transformers with special tokens after its vocabulary, bos/eos roles and a chat template,
as a model's tokenizer folder is. Then:

- retrained: `hfbpe.train_new_from(base, documents, vocab_size)`: the base's pattern, special tokens,
  roles and chat template, new merges learned on all the training documents (every id may change);
- extended: `hfbpe.extend(base, chinese, add=N)`: every id of the base kept, N tokens learned on the
  corpus's documents holding Han characters added after them.

Both are saved into --out, then evaluated with the base on held-apart documents of each script.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import datasets
import regex

import hfbpe

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
CHAT_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}<|eot_id|>{% endfor %}"
HAN = regex.compile(r"\p{Han}")


def stand_in_base(texts: list[str], vocab_size: int, folder: Path) -> Path:
    """A model-like tokenizer folder, written by transformers: what --base usually names."""
    tok = hfbpe.train(texts, vocab_size, special_tokens=SPECIALS, show_progress=False)
    fast = tok.to_transformers(bos_token=SPECIALS[0], eos_token=SPECIALS[2])
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(folder)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV, help="a parquet file with a text column")
    parser.add_argument("--base", help="the tokenizer to start from; default: a stand-in trained here")
    parser.add_argument("--vocab-size", type=int, default=32768, help="ids of the stand-in and the retrained one")
    parser.add_argument("--add", type=int, default=16000, help="tokens the extension adds")
    parser.add_argument("--max-rows", type=int, help="use only this many rows of the data")
    parser.add_argument("--out", type=Path, default=Path("retrain-and-extend"))
    args = parser.parse_args()

    datasets.disable_progress_bars()
    ds = datasets.load_dataset("parquet", data_files=str(args.data), split="train")
    if args.max_rows:
        ds = ds.select(range(min(args.max_rows, len(ds))))
    ds = ds.map(lambda row: {"script": "Han" if HAN.search(row["text"]) else "other"})
    held = ds.filter(lambda _, i: i % 10 == 9, with_indices=True)
    train = ds.filter(lambda _, i: i % 10 != 9, with_indices=True)
    latin = train.filter(lambda row: row["script"] == "other")
    chinese = train.filter(lambda row: row["script"] == "Han")
    print(f"training documents: {len(latin):,} without Han characters, {len(chinese):,} with; "
          f"{len(held):,} held apart")

    base = args.base or str(stand_in_base(latin["text"], args.vocab_size, args.out / "base"))

    began = time.perf_counter()
    retrained = hfbpe.train_new_from(base, train, args.vocab_size, text_column="text")
    print(f"retrained in {time.perf_counter() - began:.1f} s: {retrained.n_vocab:,} ids, special tokens "
          f"{retrained.special_tokens}, roles {retrained.special_token_roles}")
    retrained.save_pretrained(args.out / "retrained")

    began = time.perf_counter()
    extended = hfbpe.extend(base, chinese, add=args.add, text_column="text")
    summary = extended.training_summary or {}  # None only for tokenizers made by hand
    print(f"extended in {time.perf_counter() - began:.1f} s: {summary['base_vocab_size']:,} ids kept, "
          f"{extended.n_vocab - summary['first_new_id']:,} new from id {summary['first_new_id']:,} "
          f"({summary['skipped_merges']} merges skipped: their bytes already were a token)")
    extended.save_pretrained(args.out / "extended")

    report = hfbpe.evaluate({"base": base, "retrained": retrained, "extended": extended}, held,
                            text_column="text", group_by="script", baseline="base")
    print(report.to_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
