"""Benchmark: superword (SuperBPE) tokenizers against ordinary ones on the dev corpus.

    python benchmarks/bench_superword.py [--data ../shared/corpus/dev.parquet] [--out DIR]

One document in ten is held apart from all training. At 32,768 and 65,536 ids, the superword
tokenizer (transition at 80 %, max_words 4) is compared with the ordinary tokenizer of the same
size: bytes per token per source on the held-apart documents (hfbpe.evaluate), stage 2's time,
distinct runs and tables against stage 1's, and each stage's peak memory (a child process per
stage, so that one stage's peak is not the other's; "RSS before" is the child's peak once the
corpus is read, before training). Then the superword tokenizer at 32,768 is
saved, loaded back and every document of the corpus is encoded by hfbpe, tiktoken, tokenizers and
transformers (exit status 1 if any document differs), and tiktoken's encoding speed (one thread,
the whole corpus) is measured for both kinds. Writes superword_results.md and .json next to this
file (or in --out).
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
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import hfbpe

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"
SIZES = (32_768, 65_536)


def split_corpus(path: Path) -> tuple[pa.Table, pa.Table]:
    table = pq.read_table(path, columns=["text", "source"])
    held = [i % 10 == 0 for i in range(table.num_rows)]
    return table.filter(pa.array([not h for h in held])), table.filter(pa.array(held))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike getrusage's maxrss, not carried over
    from the parent through fork and exec)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def child(args: argparse.Namespace) -> None:
    """One stage in a process of its own; prints its figures as JSON and saves the tokenizer into
    --save (stage 2) or --folder (stage 1), after the timing."""
    train, _ = split_corpus(args.data)
    texts = train.column("text")
    before = peak_rss_mb()
    began = time.perf_counter()
    if args.child == "stage1":
        tok = hfbpe.train(texts, args.vocab, show_progress=False)
        tok.save_pretrained(args.folder)
    else:
        stage1 = hfbpe.from_pretrained(args.folder)
        tok = hfbpe.train_superword(texts, args.vocab, transition=args.transition, stage1=stage1, show_progress=False)
    seconds = time.perf_counter() - began
    peak = peak_rss_mb()
    if args.child == "stage2":
        tok.save_pretrained(args.save)
    s = tok.training_summary
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "rss_before_mb": before,
                      "distinct_pieces": s["distinct_pieces"], "count_table_bytes": s["count_table_bytes"],
                      "trainer_bytes": s["trainer_bytes"], "count_seconds": s["count_seconds"],
                      "merge_seconds": s["merge_seconds"], "filtered_merges": s.get("filtered_merges")}))


def run_child(data: Path, *argv: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--data", str(data), *argv], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--child", choices=["stage1", "stage2"], help=argparse.SUPPRESS)
    parser.add_argument("--vocab", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--transition", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    warnings.simplefilter("ignore", hfbpe.TrainingWarning)
    train, held = split_corpus(args.data)
    work = Path(tempfile.mkdtemp(prefix="hfbpe-superword-"))
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "data": str(args.data),
                     "train_documents": train.num_rows, "held_apart_documents": held.num_rows, "sizes": {}}

    texts = train.column("text")
    ordinary_largest = hfbpe.train(texts, max(SIZES), show_progress=False)
    tokenizers: dict[str, hfbpe.Tokenizer] = {}
    for size in SIZES:
        transition = int(size * 0.8)
        stage1_dir = work / f"stage1-{transition}"
        stage1 = run_child(args.data, "--child", "stage1", "--vocab", str(transition), "--folder", str(stage1_dir))
        superword_dir = work / f"superword-{size}"
        stage2 = run_child(args.data, "--child", "stage2", "--vocab", str(size), "--transition", str(transition),
                           "--folder", str(stage1_dir), "--save", str(superword_dir))
        tokenizers[f"ordinary {size}"] = ordinary_largest.truncated(size)
        tokenizers[f"superword {size}"] = hfbpe.from_pretrained(superword_dir)  # trained once, by the child
        results["sizes"][size] = {"transition": transition, "stage1": stage1, "stage2": stage2}
        print(f"{size}: stage 1 {stage1['seconds']:.1f} s, stage 2 {stage2['seconds']:.1f} s, "
              f"{stage2['distinct_pieces']:,} distinct runs", flush=True)

    report = hfbpe.evaluate(tokenizers, held, group_by="source", show_progress=False)
    results["evaluation"] = report.to_dict()
    table = report.to_markdown()
    report.plot(args.out / "superword_chart.png")

    # Four runtimes on every document, from the saved files.
    from tokenizers import Tokenizer as HFTokenizer
    from transformers import AutoTokenizer

    folder = work / "superword-32768"
    loaded = tokenizers["superword 32768"]
    documents = pq.read_table(args.data, columns=["text"]).column("text").to_pylist()
    runtimes = {
        "hfbpe": lambda: [loaded.encode(t) for t in documents],
        "tiktoken": lambda: loaded.to_tiktoken().encode_ordinary_batch(documents, num_threads=2),
        "tokenizers": lambda: [e.ids for e in HFTokenizer.from_file(str(folder / "tokenizer.json")).encode_batch(
            documents, add_special_tokens=False)],
        "transformers": lambda: AutoTokenizer.from_pretrained(folder)(documents, add_special_tokens=False)["input_ids"],
    }
    ids = {}
    for name, run in runtimes.items():
        began = time.perf_counter()
        ids[name] = run()
        print(f"{name}: {time.perf_counter() - began:.1f} s", flush=True)
    differ = sum(len({json.dumps(ids[name][i]) for name in ids}) > 1 for i in range(len(documents)))
    results["runtimes"] = {"documents": len(documents), "differ": differ}

    speed = {}
    corpus_mb = sum(len(t.encode()) for t in documents) / 1e6
    for name, tok in tokenizers.items():
        encoding = tok.to_tiktoken()
        began = time.perf_counter()
        n = sum(len(encoding.encode_ordinary(t)) for t in documents)
        seconds = time.perf_counter() - began
        speed[name] = {"seconds": seconds, "mb_per_s": corpus_mb / seconds, "tokens": n}
        print(f"tiktoken, {name}: {corpus_mb / seconds:.2f} MB/s", flush=True)
    results["tiktoken_encoding"] = speed
    (args.out / "superword_results.json").write_text(json.dumps(results, indent=1, default=str))
    write_markdown(args.out / "superword_results.md", results, report, table)
    return 1 if differ else 0


def write_markdown(path: Path, results: dict, report, table) -> None:
    lines = ["# Superword tokenizers on the dev corpus", "",
             f"Machine: {results['machine']}. Training: {results['train_documents']:,} documents; "
             f"bytes per token on the {results['held_apart_documents']:,} held apart.", ""]
    lines += ["## Bytes per token (held-apart documents)", "", table, ""]
    lines += ["## Training", "", "| vocab | stage | seconds | distinct pieces | count table MB | trainer MB | "
              "peak RSS MB | RSS before MB |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for size, r in results["sizes"].items():
        for stage in ("stage1", "stage2"):
            f = r[stage]
            lines.append(f"| {size:,} | {stage} ({'to ' + str(r['transition']) if stage == 'stage1' else 'runs'}) | "
                         f"{f['seconds']:.1f} | {f['distinct_pieces']:,} | {f['count_table_bytes'] / 1e6:.0f} | "
                         f"{f['trainer_bytes'] / 1e6:.0f} | {f['peak_rss_mb']:.0f} | {f['rss_before_mb']:.0f} |")
    rt = results["runtimes"]
    lines += ["", f"## Runtimes: {rt['documents']:,} documents encoded by hfbpe, tiktoken, tokenizers and "
              f"transformers (superword 32,768): {rt['differ']} differ", "",
              "## tiktoken encoding speed (one thread, whole corpus)", "", "| tokenizer | MB/s | tokens |",
              "|---|---:|---:|"]
    for name, s in results["tiktoken_encoding"].items():
        lines.append(f"| {name} | {s['mb_per_s']:.2f} | {s['tokens']:,} |")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
