"""Benchmark: hfbpe.train_new_from against transformers' train_new_from_iterator, same base shape.

    python benchmarks/bench_retrain.py [--data ../shared/corpus/dev.parquet] [--vocab 32768]

The base is Llama-3-shaped (GPT-4 Split + ByteLevel, three special tokens after the vocabulary,
a BOS post-processor, a chat template), built from a small hfbpe training: nothing is downloaded.
Both retrain it on the whole data (transformers from batches of 1,000 texts of the Dataset, as the
Hugging Face course does; hfbpe from the Dataset itself). Prints wall times and what each kept.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import datasets
from tokenizers import Tokenizer as HFTokenizer
from transformers import PreTrainedTokenizerFast

import hfbpe

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}<|eot_id|>{% endfor %}"


def llama_like_base(texts: list[str]) -> PreTrainedTokenizerFast:
    small = hfbpe.train(texts, 1000, show_progress=False)
    config = json.loads(small.to_tokenizers().to_str())
    first = small.n_vocab
    config["added_tokens"] = [{"id": first + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                               "normalized": False, "special": True} for i, t in enumerate(SPECIALS)]
    config["post_processor"] = {"type": "TemplateProcessing",
                                "single": [{"SpecialToken": {"id": SPECIALS[0], "type_id": 0}},
                                           {"Sequence": {"id": "A", "type_id": 0}}],
                                "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                                "special_tokens": {SPECIALS[0]: {"id": SPECIALS[0], "ids": [first], "tokens": [SPECIALS[0]]}}}
    return PreTrainedTokenizerFast(tokenizer_object=HFTokenizer.from_str(json.dumps(config)), bos_token=SPECIALS[0],
                                   eos_token=SPECIALS[2], chat_template=TEMPLATE, model_max_length=8192)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--vocab", type=int, default=32768)
    args = parser.parse_args()
    datasets.disable_progress_bars()
    ds = datasets.load_dataset("parquet", data_files=str(args.data), split="train")
    base = llama_like_base(ds["text"][:300])

    def batches():
        for start in range(0, len(ds), 1000):
            yield [t for t in ds[start:start + 1000]["text"] if t]

    start = time.perf_counter()
    theirs = base.train_new_from_iterator(batches(), args.vocab)
    their_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = hfbpe.train_new_from(base, ds, args.vocab, text_column="text", show_progress=False)
    our_s = time.perf_counter() - start

    print(f"{ds.data.nbytes / 1e6:.0f} MB Arrow, vocab {args.vocab}")
    print("| retrainer | wall s | x time | ids | special tokens (id) | bos, eos | chat template kept |")
    print("|---|---:|---:|---:|---|---|---|")
    for name, seconds, tok in [("transformers train_new_from_iterator", their_s, theirs),
                               ("hfbpe.train_new_from", our_s, ours.to_transformers())]:
        ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIALS}
        print(f"| {name} | {seconds:.2f} | {seconds / their_s:.3f} | {len(tok):,} | "
              f"{', '.join(f'{t} ({i})' for t, i in ids.items())} | {tok.bos_token}, {tok.eos_token} | "
              f"{tok.chat_template == TEMPLATE} |")
    text = "Hallo Welt"
    print(f"\nBOS template: transformers {theirs(text)['input_ids'][:1]}, hfbpe {ours.to_transformers()(text)['input_ids'][:1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
