"""Benchmark: compatible="tokenizers" against HF tokenizers' BpeTrainer on the dev corpus.

    python benchmarks/bench_tokenizers_compat.py [--data ../shared/corpus/dev.parquet] [--out DIR]

For each vocab size (8,192, 32,768, 65,536), without and with min_frequency=2 and
max_token_length=16, BpeTrainer (a BPE model with a ByteLevel pre-tokenizer, add_prefix_space
False, initial_alphabet ByteLevel.alphabet(), one special token) and hfbpe.train(...,
pattern="gpt2", compatible="tokenizers") with the same options each train on every document,
each in a process of its own. BpeTrainer gets the documents as a list of str (made before its
clock starts); hfbpe the parquet column as Arrow. The two tokenizer.json files are compared:
vocab and merges must be equal item for item (exit status 1 otherwise). Then the 32,768
tokenizer's tiktoken encoding is compared with tokenizers' on every document. Writes
tokenizers_compat_results.md and .json next to this file (or in --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"
SIZES = (8_192, 32_768, 65_536)
OPTIONS = ({}, {"min_frequency": 2, "max_token_length": 16})
SPECIAL = "<|endoftext|>"


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def child(args: argparse.Namespace) -> None:
    """One training in a process of its own: prints its figures as JSON, writes tokenizer.json to --save."""
    from tokenizers import pre_tokenizers

    options = json.loads(args.options)
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    shards = sorted(args.data.glob("*.parquet")) if args.data.is_dir() else None
    if args.child == "tokenizers":
        from tokenizers import Tokenizer, models, trainers

        if shards is None:
            texts = pq.read_table(args.data, columns=["text"]).column("text").to_pylist()
        else:  # read in batches, as a stream: the whole text as str would not fit beside BpeTrainer's tables
            texts = (batch.column(0).to_pylist() for path in shards
                     for batch in pq.ParquetFile(path).iter_batches(batch_size=8192, columns=["text"]))
        began = time.perf_counter()
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        trainer = trainers.BpeTrainer(vocab_size=args.vocab, special_tokens=[SPECIAL], initial_alphabet=alphabet,
                                      show_progress=False, **options)
        tok.train_from_iterator(texts, trainer)
        seconds = time.perf_counter() - began
        tok.save(args.save)
    else:
        import hfbpe

        if shards is None:
            data = pq.read_table(args.data, columns=["text"]).column("text")
            began = time.perf_counter()
        else:
            from datasets import load_dataset

            began = time.perf_counter()
            data = load_dataset("parquet", data_files=[str(p) for p in shards], split="train", streaming=True)
        tok = hfbpe.train(data, args.vocab, text_column="text" if shards else None, pattern="gpt2", compatible="tokenizers", special_tokens=[SPECIAL],
                          initial_alphabet=alphabet, show_progress=False, **options)
        seconds = time.perf_counter() - began
        tok.to_tokenizers().save(args.save)
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))


def run_child(data: Path, trainer: str, vocab: int, options: dict, save: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", trainer, "--data", str(data), "--vocab", str(vocab),
                          "--options", json.dumps(options), "--save", str(save)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def model_of(path: Path) -> tuple[dict, list]:
    model = json.loads(path.read_text(encoding="utf-8"))["model"]
    merges = [m if isinstance(m, list) else m.split(" ") for m in model["merges"]]
    return model["vocab"], merges


def runtimes_agree(data: Path, hfbpe_json: Path) -> dict:
    """Encodes every document with tiktoken (from the hfbpe tokenizer) and tokenizers (from its
    tokenizer.json, BpeTrainer's merges): how many documents differ."""
    from tokenizers import Tokenizer as HFTokenizer

    import hfbpe

    texts = pq.read_table(data, columns=["text"]).column("text").to_pylist()
    hf = HFTokenizer.from_file(str(hfbpe_json))
    vocab = {t: i for t, i in json.loads(hfbpe_json.read_text())["model"]["vocab"].items()}
    tok = hfbpe.Tokenizer.from_ranks(
        "gpt2", {_bytes_of(t): i for t, i in vocab.items() if t != SPECIAL}, {SPECIAL: vocab[SPECIAL]})
    began = time.perf_counter()
    ours = tok.to_tiktoken().encode_ordinary_batch(texts, num_threads=1)
    tiktoken_seconds = time.perf_counter() - began
    began = time.perf_counter()
    theirs = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    tokenizers_seconds = time.perf_counter() - began
    differ = sum(a != b for a, b in zip(ours, theirs))
    tokens = sum(map(len, theirs))
    return {"documents": len(texts), "documents_differing": differ, "tokens_tokenizers": tokens,
            "tokens_tiktoken": sum(map(len, ours)), "tiktoken_seconds": tiktoken_seconds,
            "tokenizers_seconds": tokenizers_seconds}


def _bytes_of(token: str) -> bytes:
    from hfbpe.hf_format import byte_to_char

    byte_of = {c: b for b, c in enumerate(byte_to_char())}
    return bytes(byte_of[c] for c in token)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--child")
    parser.add_argument("--vocab", type=int)
    parser.add_argument("--options", default="{}")
    parser.add_argument("--save")
    parser.add_argument("--shards", type=Path, help="also train at vocab 32,768 on these parquet shards (a folder "
                        "from make_corpus.py): BpeTrainer reading them in batches, hfbpe streaming them")
    parser.add_argument("--skip-dev", action="store_true", help="only the --shards row")
    args = parser.parse_args()
    if args.child:
        return child(args)
    import tokenizers

    import hfbpe

    rows = []
    all_equal = True
    agree = None
    runs = [] if args.skip_dev else [(args.data, vocab, options) for options in OPTIONS for vocab in SIZES]
    if args.shards:
        runs.append((args.shards, 32_768, {}))
    with tempfile.TemporaryDirectory() as tmp:
        for data, vocab, options in runs:
            paths = {name: Path(tmp) / f"{name}-{vocab}-{len(options)}.json" for name in ("tokenizers", "hfbpe")}
            figures = {name: run_child(data, name, vocab, options, path) for name, path in paths.items()}
            (hv, hm), (ov, om) = (model_of(paths[n]) for n in ("tokenizers", "hfbpe"))
            equal = hv == ov and hm == om
            all_equal &= equal
            row = {"data": data.name, "vocab_size": vocab, "options": options, "vocab_equal": hv == ov,
                   "merges_equal": hm == om, "merges": len(hm), "tokenizers": figures["tokenizers"], "hfbpe": figures["hfbpe"],
                   "speedup": figures["tokenizers"]["seconds"] / figures["hfbpe"]["seconds"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if data == args.data and vocab == 32_768 and not options:
                agree = runtimes_agree(args.data, paths["hfbpe"])
                print(json.dumps(agree), flush=True)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "hfbpe": hfbpe.__version__, "tokenizers": tokenizers.__version__, "rows": rows, "runtimes": agree}
    stem = "tokenizers_compat_shards_results" if args.skip_dev else "tokenizers_compat_results"
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# compatible=\"tokenizers\" against HF tokenizers' BpeTrainer", "",
             f"tokenizers {tokenizers.__version__}, {os.cpu_count()} cores; each training in a fresh process.", "",
             "| data | vocab | options | vocab equal | merges equal | BpeTrainer s | hfbpe s | speed-up | "
             "BpeTrainer peak MB | hfbpe peak MB |",
             "|---|---:|---|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        opts = ", ".join(f"{k}={v}" for k, v in r["options"].items()) or "-"
        lines.append(f"| {r['data']} | {r['vocab_size']:,} | {opts} | {r['vocab_equal']} | {r['merges_equal']} | "
                     f"{r['tokenizers']['seconds']:.2f} | {r['hfbpe']['seconds']:.2f} | {r['speedup']:.1f}x | "
                     f"{r['tokenizers']['peak_rss_mb']:.0f} | {r['hfbpe']['peak_rss_mb']:.0f} |")
    if agree is not None:
        lines += ["", f"Encoding all {agree['documents']:,} documents with the 32,768 tokenizer: tiktoken "
                  f"(hfbpe's encode) and tokenizers (its tokenizer.json, BpeTrainer's merges) differ on "
                  f"{agree['documents_differing']} documents ({agree['tokens_tiktoken']:,} against "
                  f"{agree['tokens_tokenizers']:,} tokens)."]
    (args.out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    sys.exit(0 if all_equal else 1)


if __name__ == "__main__":
    main()
