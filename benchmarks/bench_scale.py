"""Benchmark at scale: training on 0.1 to 10 GB of parquet shards with hfbpe, rustbpe and HF tokenizers.

How to run (from the repo root, after pip install ".[bench]"), with a corpus root outside the repo:

    python benchmarks/bench_scale.py --corpus-root /tmp/hfbpe-corpus --make        # all sizes (about 1.5 hours)
    python benchmarks/bench_scale.py --corpus-root /tmp/hfbpe-corpus --sizes 0.1 1 --contestants hfbpe rustbpe

The corpus of each size is benchmarks/make_corpus.py's output in CORPUS_ROOT/<size>GB
(--make writes the missing ones, seed 0). Every trainer learns --vocab ids (default
32768; 256 bytes plus merges, no special tokens) with the GPT-4 split pattern.

Contestants, each run in a fresh process, sizes in increasing order:
    hfbpe          hfbpe.train(load_dataset("parquet", data_files=shards, streaming=True), vocab)
    hfbpe-mmap     hfbpe.train(the same files as a memory-mapped Dataset); the Arrow cache is
                   made beforehand (not timed), in CORPUS_ROOT/.datasets-cache
    hfbpe-cli      `hfbpe train parquet --data-files 'DIR/*.parquet' --vocab-size V --output OUT
                   --text-column text`, the whole command (imports, reading, training, saving)
    rustbpe        rustbpe.Tokenizer().train_from_iterator over the shards' text read with
                   pyarrow in batches (ParquetFile.iter_batches, 8192 rows)
    hf-tokenizers  BpeTrainer (GPT-4 Split + ByteLevel(use_regex=False), 256-byte alphabet),
                   train_from_iterator over the same iterator
    baseline       imports datasets and hfbpe and opens the streaming dataset: its peak RSS is
                   subtracted to give working memory
    reader         reads every text of the shards with hfbpe's streaming reader and counts nothing

rustbpe and HF tokenizers are run up to the largest size they finish within --timeout
(default 900 s); larger sizes are left out, not guessed. hfbpe's mergeable ranks are
compared with rustbpe's wherever rustbpe ran; the script exits with status 1 if they differ.

Reported (MB = 10^6 bytes): wall time of the training call (the whole command for
hfbpe-cli), its phases (counting, merge setup, merge loop), MB/s of text, peak RSS
(VmHWM), working memory (peak RSS minus baseline's), distinct pieces, and for hfbpe
the bytes its tables held per distinct piece, while counting and while training.
Results: --out (default benchmarks/) scale_results.md, scale_results.json, scale_chart.png.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import RESULT_PREFIX, _proc_status_mb, _RustbpePhases, _rustbpe_report  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "benchmarks"
DEFAULT_SIZES = [0.1, 0.3, 1.0, 3.0, 10.0]
CONTESTANTS = ["baseline", "reader", "hfbpe", "hfbpe-mmap", "hfbpe-cli", "rustbpe", "hf-tokenizers"]
PEERS = ("rustbpe", "hf-tokenizers")  # run within --timeout only
ITER_ROWS = 8192
PEER_MEMORY_LIMIT = 20 * 10**9  # address space for rustbpe and HF tokenizers, so that none takes the machine down


def corpus_dir(root: Path, size: float) -> Path:
    return root / f"{size:g}GB"


def shard_files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.glob("*.parquet"))


# ----------------------------------------------------------------------------------------------
# The child: one measurement in a fresh process.
# ----------------------------------------------------------------------------------------------


def _quiet_datasets() -> None:
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()


def _texts(files: list[str]):
    import pyarrow.parquet as pq

    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ITER_ROWS, columns=["text"]):
            yield from batch.column(0).to_pylist()


def _hfbpe_info(tok: Any) -> dict:
    keys = ("documents", "bytes", "distinct_pieces", "count_seconds", "merge_seconds", "merge_setup_seconds",
            "merge_loop_seconds", "merges", "words", "count_table_bytes", "trainer_bytes", "num_threads")
    return {k: tok.training_summary.get(k) for k in keys}


def _ranks(tok: Any) -> list[tuple[bytes, int]]:
    return [(bytes(b), int(r)) for b, r in tok.get_mergeable_ranks()]


def child_main(name: str, folder: str, vocab: int, cache: str, ranks_out: str) -> None:
    files = shard_files(Path(folder))
    ranks = None
    if name in ("hfbpe", "hfbpe-mmap", "baseline", "reader"):
        import datasets

        import hfbpe

        _quiet_datasets()
        streaming = name != "hfbpe-mmap"
        ds = datasets.load_dataset("parquet", data_files=files, split="train", streaming=streaming,
                                   cache_dir=None if streaming else cache)
        start = time.perf_counter()
        if name == "baseline":
            info: dict = {}
        elif name == "reader":
            from hfbpe.sources import open_source

            source = open_source(ds, text_column="text")
            rows = size = 0
            for batch in source.batches:
                rows += len(batch)
                size += batch.nbytes
            info = {"documents": rows, "arrow_bytes": size}
        else:
            tok = hfbpe.train(ds, vocab, text_column="text", show_progress=False)
            info = _hfbpe_info(tok)
            ranks = _ranks(tok)
        wall = time.perf_counter() - start
    elif name == "hfbpe-cli":
        import hfbpe
        from hfbpe import cli

        out = Path(tempfile.mkdtemp(prefix="hfbpe-cli-"))
        start = time.perf_counter()
        status = cli.main(["train", "parquet", "--data-files", f"{folder}/*.parquet", "--vocab-size", str(vocab),
                           "--output", str(out / "tok"), "--text-column", "text", "--no-progress"])
        wall = time.perf_counter() - start
        if status != 0:
            raise SystemExit(status)
        tok = hfbpe.from_pretrained(out / "tok")
        info = _hfbpe_info(tok)
        ranks = _ranks(tok)
        shutil.rmtree(out, ignore_errors=True)
    elif name == "rustbpe":
        import logging

        phases = _RustbpePhases()  # installed before the import: rustbpe's log bridge caches levels
        rust_logger = logging.getLogger("rustbpe")
        rust_logger.setLevel(logging.INFO)
        rust_logger.addHandler(phases)
        rust_logger.propagate = False
        import rustbpe

        start = time.perf_counter()
        tok = rustbpe.Tokenizer()
        tok.train_from_iterator(_texts(files), vocab)  # default pattern: GPT-4's
        wall = time.perf_counter() - start
        info, ranks = _rustbpe_report(tok, phases)
    elif name == "hf-tokenizers":
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

        import hfbpe

        start = time.perf_counter()
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(hfbpe.PATTERNS["gpt4"]), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        trainer = trainers.BpeTrainer(vocab_size=vocab, min_frequency=0, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
        tok.train_from_iterator(_texts(files), trainer=trainer)
        wall = time.perf_counter() - start
        info = {"vocab_size": tok.get_vocab_size()}
    else:
        raise ValueError(f"unknown contestant {name!r}")
    peak = _proc_status_mb("VmHWM")
    if ranks is not None:
        with open(ranks_out, "wb") as f:
            pickle.dump(ranks, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(RESULT_PREFIX + json.dumps({"contestant": name, "wall_s": wall, "peak_rss_mb": peak, "info": info,
                                      "ranks_file": ranks_out if ranks is not None else None}), flush=True)


# ----------------------------------------------------------------------------------------------
# The parent.
# ----------------------------------------------------------------------------------------------


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (PEER_MEMORY_LIMIT, PEER_MEMORY_LIMIT))


def run_child(name: str, folder: Path, vocab: int, cache: Path, workdir: Path, timeout: float | None) -> dict:
    ranks_out = workdir / f"ranks-{name}-{folder.name}-{time.monotonic_ns()}.pkl"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--child-folder", str(folder),
           "--vocab", str(vocab), "--child-cache", str(cache), "--child-ranks-out", str(ranks_out)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=_limit_memory if name in PEERS else None)
    except subprocess.TimeoutExpired:
        return {"contestant": name, "timed_out": True, "wall_s": time.perf_counter() - started}
    for line in reversed(proc.stdout.splitlines()):
        if proc.returncode == 0 and line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
    return {"contestant": name, "error": f"exit status {proc.returncode}: " + "\n".join(tail)}


def prepare_mmap_cache(folder: Path, cache: Path) -> float:
    """Makes the Arrow cache of the shards (what load_dataset does once) outside any timed run."""
    code = ("import sys, datasets; datasets.disable_progress_bars(); "
            "datasets.load_dataset('parquet', data_files=sorted(__import__('glob').glob(sys.argv[1] + '/*.parquet')),"
            " split='train', cache_dir=sys.argv[2])")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(folder), str(cache)], check=True,
                   env=dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1"), cwd=tempfile.gettempdir())
    return time.perf_counter() - started


def summarize(runs: list[dict], sizes: list[float]) -> list[dict]:
    """One row per (size, contestant) with the derived figures."""
    rows = []
    for size in sizes:
        at = {r["contestant"]: r for r in runs if r["size"] == size}
        base = at.get("baseline", {}).get("peak_rss_mb")
        rust = at.get("rustbpe")
        for name in CONTESTANTS:
            r = at.get(name)
            if r is None or name == "baseline":
                continue
            row: dict[str, Any] = {"size_gb": size, "contestant": name}
            if r.get("skipped"):
                row["status"] = r["skipped"]
                rows.append(row)
                continue
            if r.get("timed_out"):
                row["status"] = f"> {r['wall_s']:.0f} s"
                rows.append(row)
                continue
            if "error" in r:
                row["status"] = "error"
                rows.append(row)
                continue
            info = r.get("info", {})
            text_bytes = info.get("bytes") or at.get("hfbpe", {}).get("info", {}).get("bytes")
            row.update(wall_s=r["wall_s"], peak_rss_mb=r["peak_rss_mb"])
            if base is not None:
                row["working_mb"] = r["peak_rss_mb"] - base
            if text_bytes:
                row["mb_per_s"] = text_bytes / 1e6 / r["wall_s"]
            for key in ("count_seconds", "merge_setup_seconds", "merge_loop_seconds", "distinct_pieces", "words"):
                if info.get(key) is not None:
                    row[key] = info[key]
            distinct = info.get("distinct_pieces")
            if distinct and info.get("count_table_bytes"):
                row["count_bytes_per_piece"] = info["count_table_bytes"] / distinct
            if distinct and info.get("trainer_bytes"):
                row["train_bytes_per_piece"] = info["trainer_bytes"] / distinct
            if rust and "wall_s" in rust and not rust.get("timed_out") and "error" not in rust and name != "rustbpe":
                row["x_time_vs_rustbpe"] = r["wall_s"] / rust["wall_s"]
                row["x_peak_rss_vs_rustbpe"] = r["peak_rss_mb"] / rust["peak_rss_mb"]
            if "ranks_equal_rustbpe" in r:
                row["ranks_equal_rustbpe"] = r["ranks_equal_rustbpe"]
            rows.append(row)
    return rows


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_markdown(rows: list[dict], meta: dict, path: Path) -> None:
    lines = [
        f"# Scale benchmark: {meta['date']}",
        "",
        f"Commit {meta['commit']}, vocab {meta['vocab']}, GPT-4 pattern, {meta['machine']}. One run each, "
        "fresh processes; MB = 10^6 bytes; working = peak RSS minus the baseline process's "
        f"({', '.join(f'{s:g} GB: {b:.0f} MB' for s, b in meta['baseline_mb'].items())}).",
        "",
        "| GB | trainer | wall s | MB/s | count s | merge setup s | merge loop s | peak RSS MB | working MB "
        "| distinct pieces | table B/piece (count, train) | x time vs rustbpe | x peak RSS vs rustbpe | ranks = rustbpe |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        if "status" in r:
            lines.append(f"| {r['size_gb']:g} | {r['contestant']} | {r['status']} | | | | | | | | | | | |")
            continue
        per_piece = "—"
        if r.get("count_bytes_per_piece") is not None:
            per_piece = f"{r['count_bytes_per_piece']:.0f}, {_fmt(r.get('train_bytes_per_piece'), 0)}"
        lines.append(
            f"| {r['size_gb']:g} | {r['contestant']} | {_fmt(r.get('wall_s'))} | {_fmt(r.get('mb_per_s'), 0)} "
            f"| {_fmt(r.get('count_seconds'))} | {_fmt(r.get('merge_setup_seconds'))} "
            f"| {_fmt(r.get('merge_loop_seconds'))} | {_fmt(r.get('peak_rss_mb'), 0)} | {_fmt(r.get('working_mb'), 0)} "
            f"| {_fmt(r.get('distinct_pieces'))} | {per_piece} | {_fmt(r.get('x_time_vs_rustbpe'), 3)} "
            f"| {_fmt(r.get('x_peak_rss_vs_rustbpe'), 2)} | {_fmt(r.get('ranks_equal_rustbpe'))} |"
        )
    lines += ["", "The reader row is hfbpe's streaming reader alone (every text read, nothing counted).", ""]
    path.write_text("\n".join(lines))


def draw_chart(rows: list[dict], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart", file=sys.stderr)
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    for name in CONTESTANTS:
        if name in ("baseline", "reader"):
            continue
        mine = [r for r in rows if r["contestant"] == name and "wall_s" in r]
        if not mine:
            continue
        gb = [r["size_gb"] for r in mine]
        left.loglog(gb, [r["wall_s"] for r in mine], "o-", label=name)
        right.loglog(gb, [r["peak_rss_mb"] for r in mine], "o-", label=name)
    for ax, title, unit in ((left, "training time", "wall s"), (right, "peak memory", "peak RSS MB")):
        ax.set_xlabel("corpus GB (parquet shards, UTF-8 text)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("byte-level BPE training at scale, vocab 32768, 2 cores", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-root", type=Path, help="where the corpora are (one folder per size)")
    parser.add_argument("--sizes", type=float, nargs="+", default=DEFAULT_SIZES, help="GB of text")
    parser.add_argument("--vocab", type=int, default=32768)
    parser.add_argument("--contestants", nargs="+", default=CONTESTANTS, choices=CONTESTANTS)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds rustbpe and HF tokenizers may take")
    parser.add_argument("--peers-up-to", type=float, default=None, metavar="GB",
                        help="run rustbpe and HF tokenizers only up to this size (default: every size)")
    parser.add_argument("--make", action="store_true", help="write the corpora that are missing (make_corpus.py)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-folder", help=argparse.SUPPRESS)
    parser.add_argument("--child-cache", help=argparse.SUPPRESS)
    parser.add_argument("--child-ranks-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child, args.child_folder, args.vocab, args.child_cache, args.child_ranks_out)
        return 0
    if args.corpus_root is None:
        parser.error("--corpus-root is required")
    sizes = sorted(args.sizes)
    contestants = [c for c in CONTESTANTS if c in args.contestants or c == "baseline"]
    for size in sizes:
        folder = corpus_dir(args.corpus_root, size)
        if not shard_files(folder):
            if not args.make:
                parser.error(f"no corpus in {folder}; run with --make (or make_corpus.py --size {size:g}GB)")
            print(f"writing the {size:g} GB corpus into {folder}", flush=True)
            subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "make_corpus.py"), "--size",
                            f"{size:g}GB", "--out", str(folder), "--quiet", "--chart"], check=True)
    cache = args.corpus_root / ".datasets-cache"
    workdir = Path(tempfile.mkdtemp(prefix="hfbpe-bench-scale-"))
    runs: list[dict] = []
    gave_up: set[str] = set()
    rust_ranks: dict[float, list] = {}
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        for size in sizes:
            folder = corpus_dir(args.corpus_root, size)
            if "hfbpe-mmap" in contestants:
                print(f"{size:g} GB: preparing the Arrow cache for hfbpe-mmap", flush=True)
                prepare_mmap_cache(folder, cache)
            for name in contestants:
                if name in gave_up:
                    runs.append({"contestant": name, "size": size, "skipped": "not run (timed out below)"})
                    continue
                if name in PEERS and args.peers_up_to is not None and size > args.peers_up_to:
                    runs.append({"contestant": name, "size": size, "skipped": "not run (--peers-up-to)"})
                    continue
                timeout = args.timeout if name in PEERS else 4 * 3600
                result = run_child(name, folder, args.vocab, cache, workdir, timeout)
                result["size"] = size
                if result.get("timed_out"):
                    gave_up.add(name)
                ranks_file = result.pop("ranks_file", None)
                if ranks_file:
                    with open(ranks_file, "rb") as f:
                        ranks = pickle.load(f)
                    os.unlink(ranks_file)
                    if name == "rustbpe":
                        rust_ranks[size] = ranks
                    result["ranks"] = ranks
                runs.append(result)
                status = "timed out" if result.get("timed_out") else result.get("error", "")[:200] or \
                    f"{result['wall_s']:.2f} s, peak RSS {result['peak_rss_mb']:.0f} MB"
                print(f"{size:g} GB  {name:14s} {status}", flush=True)
            if "hfbpe-mmap" in contestants:
                shutil.rmtree(cache, ignore_errors=True)  # 10 GB of Arrow files per size
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = False
    for r in runs:
        ranks = r.pop("ranks", None)
        if ranks is not None and r["contestant"] != "rustbpe" and r["size"] in rust_ranks:
            r["ranks_equal_rustbpe"] = ranks == rust_ranks[r["size"]]
            failed |= not r["ranks_equal_rustbpe"]
        failed |= "error" in r
    rows = summarize(runs, sizes)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                            text=True).stdout.strip()
    meta = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "vocab": args.vocab,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.python_version()}",
        "baseline_mb": {r["size"]: r["peak_rss_mb"] for r in runs if r["contestant"] == "baseline" and
                        "peak_rss_mb" in r},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale_results.json").write_text(json.dumps({"meta": meta, "runs": runs, "rows": rows}, indent=1))
    write_markdown(rows, meta, args.out / "scale_results.md")
    draw_chart(rows, args.out / "scale_chart.png")
    print((args.out / "scale_results.md").read_text())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
