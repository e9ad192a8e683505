"""Benchmark: training byte-level BPE tokenizers with hfbpe, rustbpe and HF tokenizers.

How to run (from the repo root, after pip install ".[bench]": rustbpe, tokenizers, matplotlib):

    python benchmarks/bench_train.py                        # everything, 3 reps (about 9 minutes on 2 cores)
    python benchmarks/bench_train.py --reps 1               # one rep (about 3 minutes)
    python benchmarks/bench_train.py --vocab 8192 --reps 1 --contestants hfbpe rustbpe   # a quick look

Every trainer learns a vocabulary from the same texts (`--data`, by default
../shared/corpus/dev.parquet, column `text`) with the GPT-4 split pattern and no
minimum frequency, for each vocab size in `--vocab` (256 byte tokens plus merges,
no special tokens). Each measurement is a fresh Python process, so no run
inherits another's heap, caches or threads. Runs are interleaved (for each rep:
for each vocab: for each contestant), so slow drift on a noisy machine spreads
over all contestants instead of landing on one; the report gives medians over reps.

Contestants:
    hfbpe          hfbpe.train(Dataset, vocab) -- reads the Arrow data in place.
    rustbpe        rustbpe.Tokenizer().train_from_iterator(strings of the Dataset, vocab).
    hfbpe-list     hfbpe.Tokenizer().train_from_iterator(iter(list of str), vocab) (rustbpe's interface).
    rustbpe-list   rustbpe.Tokenizer().train_from_iterator(iter(list of str), vocab).
    hf-tokenizers  HF tokenizers' BpeTrainer, byte-level, GPT-4 split, strings of the Dataset.
    baseline       loads the Dataset and reads every string once; nothing else.
    baseline-list  reads the parquet file into a Python list of str; nothing else.
    count-1t/-2t   hfbpe.count(Dataset, num_threads=1 or 2): counting only, --count-runs
                   times per rep (default 3), alternating 1t and 2t.
The Dataset is `datasets.load_dataset("parquet", data_files=PATH, split="train")`;
the list is `pq.read_table(PATH, columns=["text"])["text"].to_pylist()`. Loading
either happens before the timer starts.

What the numbers mean (MB = 10^6 bytes):
    wall s        time of the training call only (time.perf_counter around it),
                  median over reps. For the baselines: the time to read the strings.
    peak RSS MB   the child process's peak resident memory (VmHWM in /proc/self/status),
                  data, libraries and interpreter included. Not ru_maxrss, which
                  after fork+exec still holds the parent's peak.
    working MB    peak RSS minus the peak RSS of the baseline fed the same way
                  (baseline for Dataset-fed contestants, baseline-list for -list
                  ones): the memory training needs on top of holding the data.
    count s, merge s   hfbpe's two phases, from tok.training_summary.
    loop s        the merge loop proper, after the initial pair counts: hfbpe's
                  merge_loop_seconds; rustbpe's from the timestamps of its log
                  lines "Starting merge loop" and "Finished training" (its
                  logger is set to INFO for this, about 100 progress lines).
    x time, x mem ratio of wall time / working memory to rustbpe fed the same way
                  (rustbpe-list for -list contestants, rustbpe otherwise):
                  below 1 is better than rustbpe. x loop: the same for loop s.
    counting MB/s per thread   text bytes / counting seconds / threads.
    2-thread speedup           count-1t seconds / count-2t seconds.

hfbpe promises merges identical to rustbpe's: the mergeable ranks of hfbpe,
hfbpe-list and rustbpe-list are compared with rustbpe's for every vocab and rep;
the script exits with status 1 if any differ (or any run failed).

Results go to --out (default benchmarks/): results.md (tables), results.json
(every raw measurement and the machine), chart.png (median wall time and working
memory per vocab and contestant; needs matplotlib, the "bench" extra).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "corpus" / "dev.parquet"
DEFAULT_OUT = REPO_ROOT / "benchmarks"
DEFAULT_VOCABS = [8192, 32768, 65536]
RESULT_PREFIX = "BENCH_RESULT "  # marks the child's JSON line, in case a library prints to stdout
DATASET_BATCH = 1000  # rows per ds.iter batch when feeding strings from the Dataset
CHILD_TIMEOUT_S = 3600


@dataclass(frozen=True)
class Contestant:
    name: str
    per_vocab: bool  # trains a vocabulary (run for every vocab) or not (run once per rep)
    baseline: str | None  # whose peak RSS is subtracted to give working memory
    reference: str | None  # whose time and working memory the ratios divide by
    ranks: bool  # produces mergeable ranks for the identity check with rustbpe


# The order here is the order of runs within a rep and of rows in the tables.
CONTESTANTS: dict[str, Contestant] = {
    c.name: c
    for c in [
        Contestant("baseline", False, None, None, False),
        Contestant("baseline-list", False, None, None, False),
        Contestant("count-1t", False, "baseline", None, False),
        Contestant("count-2t", False, "baseline", None, False),
        Contestant("hfbpe", True, "baseline", "rustbpe", True),
        Contestant("rustbpe", True, "baseline", "rustbpe", True),
        Contestant("hfbpe-list", True, "baseline-list", "rustbpe-list", True),
        Contestant("rustbpe-list", True, "baseline-list", "rustbpe-list", True),
        Contestant("hf-tokenizers", True, "baseline", "rustbpe", False),
    ]
}
TRAINERS = [c.name for c in CONTESTANTS.values() if c.per_vocab]
COUNT_CONTESTANTS = ("count-1t", "count-2t")


# ----------------------------------------------------------------------------------------------
# The child: one measurement in a fresh process.
# ----------------------------------------------------------------------------------------------


def _proc_status_mb(field: str) -> float:
    """A memory field of /proc/self/status (reported in KiB) in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"{field} not in /proc/self/status")


def _load_dataset(path: str) -> Any:
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    return datasets.load_dataset("parquet", data_files=path, split="train")


def _load_list(path: str) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["text"])
    texts = table["text"].to_pylist()
    del table  # only the list is the input; the Arrow copy would be extra memory the trainer did not ask for
    return texts


def _dataset_strings(ds: Any) -> Iterator[str]:
    """Strings of the Dataset the way a user feeds an iterator-based trainer: batched reads, one str at a time."""
    return (t for batch in ds.iter(batch_size=DATASET_BATCH) for t in batch["text"])


# Each setup function imports its library and loads the data (not timed) and returns
# the training call (timed) and a function that turns its result into a report (not timed).
Setup = tuple[Callable[[], Any], Callable[[Any], tuple[dict, list[tuple[bytes, int]] | None]]]


def _hfbpe_report(tok: Any) -> tuple[dict, list[tuple[bytes, int]]]:
    keys = ("documents", "bytes", "distinct_pieces", "count_seconds", "merge_seconds", "merge_setup_seconds",
            "merge_loop_seconds", "num_threads", "merges", "vocab_size")
    info = {k: tok.training_summary.get(k) for k in keys}
    return info, [(bytes(b), int(r)) for b, r in tok.get_mergeable_ranks()]


# rustbpe reports its phases only as log lines (through Python's logging, logger
# "rustbpe"); their timestamps split its training into counting, the initial
# pair counts and the merge loop.
RUSTBPE_PHASE_LINES = {"pairs_start": "Computing initial pair counts", "loop_start": "Starting merge loop",
                       "end": "Finished training"}


class _RustbpePhases(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for phase, prefix in RUSTBPE_PHASE_LINES.items():
            if message.startswith(prefix):
                self.times[phase] = record.created


def _rustbpe_report(tok: Any, phases: _RustbpePhases) -> tuple[dict, list[tuple[bytes, int]]]:
    info: dict = {"vocab_size": tok.vocab_size, "pattern": tok.get_pattern()}
    t = phases.times
    if len(t) == len(RUSTBPE_PHASE_LINES):
        info["merge_setup_seconds"] = t["loop_start"] - t["pairs_start"]
        info["merge_loop_seconds"] = t["end"] - t["loop_start"]
    return info, [(bytes(b), int(r)) for b, r in tok.get_mergeable_ranks()]


def _setup_child(name: str, data: str, vocab: int, pattern: str) -> Setup:
    if name == "baseline":
        ds = _load_dataset(data)

        def read_all() -> int:
            n = 0
            for batch in ds.iter(batch_size=DATASET_BATCH):
                n += len(batch["text"])
            return n

        return read_all, lambda n: ({"documents": n}, None)
    if name == "baseline-list":
        import pyarrow.parquet  # noqa: F401  imported before the timer, as the -list contestants do

        return (lambda: _load_list(data)), lambda texts: ({"documents": len(texts)}, None)
    if name in COUNT_CONTESTANTS:
        import hfbpe

        ds = _load_dataset(data)
        threads = int(name[len("count-"):-1])

        def count() -> Any:
            return hfbpe.count(ds, text_column="text", num_threads=threads, show_progress=False)

        return count, lambda counts: (dict(counts.summary, data=None), None)
    if name == "hfbpe":
        import hfbpe

        ds = _load_dataset(data)
        return (lambda: hfbpe.train(ds, vocab, text_column="text", show_progress=False)), _hfbpe_report
    if name == "hfbpe-list":
        import hfbpe

        texts = _load_list(data)

        def train_hfbpe_list() -> Any:
            tok = hfbpe.Tokenizer()
            tok.train_from_iterator(iter(texts), vocab)
            return tok

        return train_hfbpe_list, _hfbpe_report
    if name in ("rustbpe", "rustbpe-list"):
        phases = _RustbpePhases()  # installed before the import: rustbpe's log bridge caches levels
        rust_logger = logging.getLogger("rustbpe")
        rust_logger.setLevel(logging.INFO)
        rust_logger.addHandler(phases)
        rust_logger.propagate = False
        import rustbpe

        source: Any = _load_dataset(data) if name == "rustbpe" else _load_list(data)

        def train_rustbpe() -> Any:
            tok = rustbpe.Tokenizer()
            texts = _dataset_strings(source) if name == "rustbpe" else iter(source)
            tok.train_from_iterator(texts, vocab)  # default pattern: GPT-4's, checked by the parent
            return tok

        return train_rustbpe, lambda tok: _rustbpe_report(tok, phases)
    if name == "hf-tokenizers":
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

        ds = _load_dataset(data)

        def train_hf() -> Any:
            tok = Tokenizer(models.BPE())
            # Split with the GPT-4 regex first, then map bytes to ByteLevel's printable alphabet
            # without its own GPT-2 regex: the same pieces the other trainers count.
            tok.pre_tokenizer = pre_tokenizers.Sequence([
                pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ])
            trainer = trainers.BpeTrainer(
                vocab_size=vocab,
                min_frequency=0,
                show_progress=False,
                initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # all 256 bytes, like the others
                special_tokens=[],
            )
            tok.train_from_iterator(_dataset_strings(ds), trainer=trainer, length=len(ds))
            return tok

        return train_hf, lambda tok: ({"vocab_size": tok.get_vocab_size()}, None)
    raise ValueError(f"unknown contestant {name!r}")


def child_main(name: str, data: str, vocab: int, pattern: str, ranks_out: str) -> None:
    train, report = _setup_child(name, data, vocab, pattern)
    rss_before = _proc_status_mb("VmRSS")
    peak_before = _proc_status_mb("VmHWM")
    start = time.perf_counter()
    result = train()
    wall = time.perf_counter() - start
    peak = _proc_status_mb("VmHWM")  # read before the report, which builds Python objects of its own
    info, ranks = report(result)
    if ranks is not None:
        with open(ranks_out, "wb") as f:
            pickle.dump(ranks, f, protocol=pickle.HIGHEST_PROTOCOL)
    line = {
        "contestant": name,
        "wall_s": wall,
        "peak_rss_mb": peak,
        "rss_before_mb": rss_before,
        "peak_before_mb": peak_before,
        "info": info,
        "ranks_file": ranks_out if ranks is not None else None,
    }
    print(RESULT_PREFIX + json.dumps(line), flush=True)


# ----------------------------------------------------------------------------------------------
# The parent: runs the children, checks ranks, summarizes, writes the results.
# ----------------------------------------------------------------------------------------------


def run_child(name: str, data: Path, vocab: int | None, pattern: str, workdir: Path) -> dict:
    ranks_out = workdir / f"ranks-{name}-{vocab}-{time.monotonic_ns()}.pkl"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--data", str(data),
           "--child-vocab", str(vocab or 0), "--child-pattern", pattern, "--child-ranks-out", str(ranks_out)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")  # a local file: no network round trips
    # cwd outside the repo, so the repo's hfbpe/ folder cannot shadow the installed package.
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    for line in reversed(proc.stdout.splitlines()):
        if proc.returncode == 0 and line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
    return {"contestant": name, "error": f"exit status {proc.returncode}: " + "\n".join(tail)}


class RanksCheck:
    """Keeps a digest of every run's ranks and the first full ranks per (vocab, contestant)."""

    def __init__(self) -> None:
        self.digests: dict[tuple[int, str], set[str]] = {}
        self.first: dict[tuple[int, str], list[tuple[bytes, int]]] = {}

    def add(self, vocab: int, name: str, ranks_file: str) -> str:
        path = Path(ranks_file)
        raw = path.read_bytes()
        path.unlink()
        ranks = pickle.loads(raw)
        digest = hashlib.sha256(repr(ranks).encode()).hexdigest()[:16]
        self.digests.setdefault((vocab, name), set()).add(digest)
        self.first.setdefault((vocab, name), ranks)
        return digest

    def verdict(self, vocab: int, names: list[str]) -> dict:
        """Each rank-producing contestant against rustbpe (or rustbpe-list if rustbpe did not run)."""
        reference = next((r for r in ("rustbpe", "rustbpe-list") if (vocab, r) in self.digests), None)
        others = [n for n in names if CONTESTANTS[n].ranks and n != reference and (vocab, n) in self.digests]
        if reference is None or not others:
            return {"reference": reference, "checked": [], "identical": None, "details": {}}
        ref_digests = self.digests[(vocab, reference)]
        details: dict[str, str] = {}
        for name in others:
            if len(ref_digests) == 1 and self.digests[(vocab, name)] == ref_digests:
                details[name] = "identical"
            else:
                details[name] = self._first_difference(vocab, name, reference)
        if len(ref_digests) > 1:
            details[reference] = f"{reference} itself differed between reps"
        return {"reference": reference, "checked": others,
                "identical": all(v == "identical" for v in details.values()), "details": details}

    def _first_difference(self, vocab: int, name: str, reference: str) -> str:
        mine, theirs = self.first[(vocab, name)], self.first[(vocab, reference)]
        for i, (a, b) in enumerate(zip(mine, theirs)):
            if a != b:
                return f"differs first at rank {i}: {name} {a!r} vs {reference} {b!r}"
        if len(mine) != len(theirs):
            return f"{len(mine)} ranks vs {len(theirs)}"
        return "first reps identical, but some rep differed"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(runs: list[dict], names: list[str], vocabs: list[int]) -> list[dict]:
    """One row per (vocab, contestant) with medians, working memory and ratios; once-per-rep rows get vocab None."""
    ok = [r for r in runs if "error" not in r]

    def pick(name: str, vocab: int | None) -> list[dict]:
        return [r for r in ok if r["contestant"] == name and r["vocab"] == vocab]

    def median_peak(name: str | None) -> float | None:
        return _median([r["peak_rss_mb"] for r in ok if r["contestant"] == name]) if name else None

    rows: list[dict] = []
    for vocab in [None, *vocabs]:
        for name in names:
            contestant = CONTESTANTS[name]
            if contestant.per_vocab != (vocab is not None):
                continue
            mine = pick(name, vocab)
            wall = _median([r["wall_s"] for r in mine])
            peak = _median([r["peak_rss_mb"] for r in mine])
            base = median_peak(contestant.baseline)
            working = peak - base if peak is not None and base is not None else None
            row = {"vocab": vocab, "contestant": name, "runs": len(mine), "wall_s": wall, "peak_rss_mb": peak,
                   "working_mb": working, "baseline": contestant.baseline,
                   "count_s": _median([r["info"]["count_seconds"] for r in mine if "count_seconds" in r["info"]]),
                   "merge_s": _median([r["info"]["merge_seconds"] for r in mine if "merge_seconds" in r["info"]]),
                   "loop_s": _median([r["info"]["merge_loop_seconds"] for r in mine
                                      if "merge_loop_seconds" in r["info"]]),
                   "reference": contestant.reference, "time_ratio": None, "mem_ratio": None, "loop_ratio": None}
            rows.append(row)
    for row in rows:
        ref = next((r for r in rows if r["vocab"] == row["vocab"] and r["contestant"] == row["reference"]), None)
        if ref is None:
            continue
        if row["wall_s"] is not None and ref["wall_s"]:
            row["time_ratio"] = row["wall_s"] / ref["wall_s"]
        if row["working_mb"] is not None and ref["working_mb"]:
            row["mem_ratio"] = row["working_mb"] / ref["working_mb"]
        if row["loop_s"] is not None and ref["loop_s"]:
            row["loop_ratio"] = row["loop_s"] / ref["loop_s"]
    return rows


def counting_stats(runs: list[dict]) -> dict:
    ok = [r for r in runs if "error" not in r]

    def per_thread_mbs(r: dict) -> float:
        info = r["info"]
        return info["bytes"] / 1e6 / info["count_seconds"] / info["num_threads"]

    t1 = _median([r["info"]["count_seconds"] for r in ok if r["contestant"] == "count-1t"])
    t2 = _median([r["info"]["count_seconds"] for r in ok if r["contestant"] == "count-2t"])
    return {
        "count_1t_mb_s": _median([per_thread_mbs(r) for r in ok if r["contestant"] == "count-1t"]),
        "count_2t_mb_s_per_thread": _median([per_thread_mbs(r) for r in ok if r["contestant"] == "count-2t"]),
        "speedup_2t": t1 / t2 if t1 and t2 else None,
        "train_count_mb_s_per_thread": _median([per_thread_mbs(r) for r in ok if r["contestant"] == "hfbpe"]),
        "train_count_threads": next((r["info"]["num_threads"] for r in ok if r["contestant"] == "hfbpe"), None),
    }


def machine_info(args: argparse.Namespace, data: Path) -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass

    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    def git(*cmd: str) -> str | None:
        try:
            out = subprocess.run(["git", *cmd], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
            return out.stdout.strip() if out.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            return None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join(["python", *sys.argv]),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
        "python": platform.python_version(),
        "versions": {d: version(d) for d in ("hfbpe", "rustbpe", "tokenizers", "datasets", "pyarrow")},
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "data": str(data),
        "data_bytes_on_disk": data.stat().st_size,
        "vocabs": args.vocab,
        "reps": args.reps,
    }


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


TABLE_COLUMNS = ["vocab", "contestant", "wall s", "peak RSS MB", "working MB", "count s", "merge s",
                 "loop s", "vs", "x time", "x mem", "x loop"]
TEXT_COLUMNS = {"vocab", "contestant", "vs"}  # left-aligned; numbers are right-aligned


def table_cells(row: dict) -> list[str]:
    return [
        "—" if row["vocab"] is None else str(row["vocab"]),
        row["contestant"],
        _fmt(row["wall_s"], ".2f"),
        _fmt(row["peak_rss_mb"], ".0f"),
        _fmt(row["working_mb"], ".0f"),
        _fmt(row["count_s"], ".2f"),
        _fmt(row["merge_s"], ".2f"),
        _fmt(row["loop_s"], ".2f"),
        row["reference"] or "—",
        _fmt(row["time_ratio"], ".2f"),
        _fmt(row["mem_ratio"], ".2f"),
        _fmt(row["loop_ratio"], ".2f"),
    ]


def text_table(rows: list[dict]) -> str:
    cells = [TABLE_COLUMNS] + [table_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(TABLE_COLUMNS))]
    lines = []
    for k, c in enumerate(cells):
        lines.append("  ".join(v.ljust(w) if TABLE_COLUMNS[i] in TEXT_COLUMNS else v.rjust(w)
                               for i, (v, w) in enumerate(zip(c, widths))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def counting_line(counting: dict) -> str:
    return (f"hfbpe counting: {_fmt(counting['count_1t_mb_s'], '.1f')} MB/s on 1 thread; "
            f"{_fmt(counting['count_2t_mb_s_per_thread'], '.1f')} MB/s per thread on 2 threads, "
            f"speedup {_fmt(counting['speedup_2t'], '.2f')}x; inside hfbpe.train "
            f"({counting['train_count_threads'] or '—'} threads): "
            f"{_fmt(counting['train_count_mb_s_per_thread'], '.1f')} MB/s per thread")


def ranks_lines(ranks: dict[int, dict]) -> list[str]:
    lines = []
    for vocab, v in ranks.items():
        if v["identical"] is None:
            lines.append(f"vocab {vocab}: not checked (needs rustbpe or rustbpe-list and another rank producer)")
        else:
            verdict = "yes" if v["identical"] else "NO"
            details = "; ".join(f"{k}: {d}" for k, d in v["details"].items())
            lines.append(f"vocab {vocab}: ranks identical to {v['reference']}: {verdict} ({details})")
    return lines


def markdown(rows: list[dict], counting: dict, ranks: dict[int, dict], meta: dict, failures: list[dict]) -> str:
    out = [
        "# Training benchmark results",
        "",
        f"Byte-level BPE on `{Path(meta['data']).name}` ({meta['data_bytes_on_disk'] / 1e6:.0f} MB parquet), "
        f"GPT-4 split pattern, no minimum frequency, vocab = 256 + merges, no special tokens. "
        f"Medians over {meta['reps']} rep(s), each run in a fresh process. MB = 10^6 bytes.",
        "",
        "| " + " | ".join(TABLE_COLUMNS) + " |",
        "|" + "|".join("---" if c in TEXT_COLUMNS else "---:" for c in TABLE_COLUMNS) + "|",
    ]
    out += ["| " + " | ".join(table_cells(r)) + " |" for r in rows]
    out += [
        "",
        "- wall s: the training call only (data already loaded); for baselines, reading the strings once.",
        "- peak RSS MB: the process's VmHWM. working MB: peak RSS minus the peak RSS of `baseline` "
        "(Dataset-fed) or `baseline-list` (-list contestants).",
        "- x time, x mem: wall time and working memory divided by those of the contestant in `vs` "
        "(rustbpe fed the same way); below 1 beats it.",
        "- count s, merge s: hfbpe's phases from `training_summary`. loop s: the merge loop proper, after the "
        "initial pair counts (hfbpe: `merge_loop_seconds`; rustbpe: between its log lines \"Starting merge loop\" "
        "and \"Finished training\"); x loop: its ratio to rustbpe's.",
        "",
        f"**Counting:** {counting_line(counting)}.",
        "",
        "**Ranks** (hfbpe promises rustbpe's merges exactly):",
        "",
        *[f"- {line}" for line in ranks_lines(ranks) or ["not checked"]],
        "",
    ]
    if failures:
        out += ["**Failed runs:** " + "; ".join(f"{f['contestant']} vocab {f.get('vocab')}" for f in failures), ""]
    v = meta["versions"]
    out += [
        f"**Machine:** {meta['nproc']} cores (nproc), {meta['cpu_model']}; load average at start "
        f"{' '.join(meta['loadavg_start'])}, at end {' '.join(meta['loadavg_end'])}.",
        "",
        f"**Versions:** hfbpe {v['hfbpe']} (commit {(meta['git_commit'] or '?')[:12]}"
        f"{', uncommitted changes' if meta['git_dirty'] else ''}), rustbpe {v['rustbpe']}, "
        f"tokenizers {v['tokenizers']}, datasets {v['datasets']}, pyarrow {v['pyarrow']}, Python {meta['python']}.",
        "",
        f"**Date:** {meta['date']}. **Command:** `{meta['command']}` (from the repo root). "
        "Chart: [chart.png](chart.png); raw measurements: [results.json](results.json).",
        "",
    ]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# The chart: two panels of grouped bars, drawn with matplotlib (the optional "bench" extra).

COLORS = {"hfbpe": "#1f77b4", "hfbpe-list": "#7fb7e0", "rustbpe": "#d62728", "rustbpe-list": "#f4a3a3",
          "hf-tokenizers": "#7f7f7f"}


def _bar_label(value: float) -> str:
    """Three significant figures at most, no scientific notation: 0.42, 3.39, 15.5, 1245."""
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def chart_png(rows: list[dict], vocabs: list[int], names: list[str], meta: dict, path: Path) -> bool:
    """Median wall time and working memory per vocab and contestant; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = [n for n in names if CONTESTANTS[n].per_vocab]
    values = {(r["vocab"], r["contestant"], key): r[key] for r in rows for key in ("wall_s", "working_mb")}
    fig, axes = plt.subplots(2, 1, figsize=(10, 8.5))
    panels = [("wall_s", "Wall time of the training call (lower is better)", "seconds"),
              ("working_mb", "Working memory: peak RSS minus the baseline's (lower is better)", "MB")]
    width = 0.8 / max(len(names), 1)
    for ax, (key, title, unit) in zip(axes, panels):
        for b, name in enumerate(names):
            xs, heights = [], []
            for g, vocab in enumerate(vocabs):
                v = values.get((vocab, name, key))
                if v is not None:
                    xs.append(g - 0.4 + (b + 0.5) * width)
                    heights.append(v)
            bars = ax.bar(xs, heights, width * 0.92, label=name, color=COLORS.get(name, "#888888"))
            ax.bar_label(bars, labels=[_bar_label(h) for h in heights], fontsize=8, padding=2)
        ax.set_xticks(range(len(vocabs)), [f"vocab {v}" for v in vocabs])
        ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
        ax.set_ylabel(unit)
        ax.margins(y=0.12)
        ax.grid(axis="y", color="#e5e5e5")
        ax.set_axisbelow(True)
    fig.suptitle(f"Training byte-level BPE, GPT-4 pattern, {Path(meta['data']).name} "
                 f"(median of {meta['reps']} rep(s), {meta['nproc']} cores, {meta['date'][:16].replace('T', ' ')})",
                 fontsize=11)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, ncols=len(names), loc="upper center", bbox_to_anchor=(0.5, 0.955),
               fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return True


def write_atomic(path: Path, text: str) -> None:
    """Writes to a temporary name beside path, then renames, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"parquet file with a `text` column "
                        f"(default: {DEFAULT_DATA.relative_to(REPO_ROOT.parent)} beside the repo)")
    parser.add_argument("--vocab", type=int, nargs="+", default=DEFAULT_VOCABS, help="vocab sizes (256 + merges)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions; the report gives medians")
    parser.add_argument("--count-runs", type=int, default=3, help="runs of count-1t and count-2t per rep, "
                        "alternating (they take seconds, and their ratio, the 2-thread speedup, is noisy)")
    parser.add_argument("--contestants", nargs="+", choices=list(CONTESTANTS), default=list(CONTESTANTS),
                        metavar="NAME", help=f"which to run (default all: {' '.join(CONTESTANTS)}); the baselines "
                        "that working memory needs are added")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where results.md/.json and chart.png go")
    # The hidden child mode: one measurement in this fresh process.
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-vocab", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child-pattern", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child-ranks-out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    if args.count_runs < 1:
        parser.error("--count-runs must be at least 1")
    if any(v <= 256 for v in args.vocab):
        parser.error("every --vocab must be above 256 (256 byte tokens plus at least one merge)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(args.child, str(args.data), args.child_vocab, args.child_pattern, args.child_ranks_out)
        return 0

    data = args.data.resolve()
    if not data.is_file():
        print(f"no such data file: {data}", file=sys.stderr)
        return 2
    wanted = set(args.contestants)
    wanted |= {CONTESTANTS[n].baseline for n in args.contestants if CONTESTANTS[n].baseline}
    names = [n for n in CONTESTANTS if n in wanted]  # the canonical run order
    from hfbpe import PATTERNS  # only for hf-tokenizers' Split; imported here so that child stays hfbpe-free

    pattern = PATTERNS["gpt4"]
    meta = machine_info(args, data)
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench_train_"))
    runs: list[dict] = []
    ranks = RanksCheck()
    try:
        # One unrecorded run first: builds the datasets cache (Arrow files) and warms the page cache,
        # so the first measured run does not pay for either.
        print("warm-up (not recorded) ...", file=sys.stderr, flush=True)
        for name in ("baseline", "baseline-list"):
            warm = run_child(name, data, None, pattern, workdir)
            if "error" in warm:
                print(f"warm-up {name} failed: {warm['error']}", file=sys.stderr)
                return 2
        for rep in range(args.reps):
            counters = [n for n in names if n in COUNT_CONTESTANTS]
            plan = [(n, None) for n in names if not CONTESTANTS[n].per_vocab and n not in COUNT_CONTESTANTS]
            plan += [(n, None) for _ in range(args.count_runs) for n in counters]  # 1t, 2t, 1t, 2t, ...
            plan += [(n, v) for v in args.vocab for n in names if CONTESTANTS[n].per_vocab]
            for name, vocab in plan:
                run = run_child(name, data, vocab, pattern, workdir)
                run.update(rep=rep, vocab=vocab)
                if run.get("ranks_file"):
                    run["ranks_sha256_16"] = ranks.add(vocab, name, run.pop("ranks_file"))
                if "pattern" in run.get("info", {}):
                    run["info"]["pattern_is_gpt4"] = run["info"].pop("pattern") == pattern
                runs.append(run)
                what = f"[rep {rep + 1}/{args.reps}] {name}" + (f" vocab {vocab}" if vocab else "")
                if "error" in run:
                    print(f"{what}: FAILED {run['error']}", file=sys.stderr, flush=True)
                else:
                    print(f"{what}: {run['wall_s']:.2f} s, peak {run['peak_rss_mb']:.0f} MB",
                          file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    meta["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]

    rows = summarize(runs, names, args.vocab)
    counting = counting_stats(runs)
    ranks_verdict = {v: ranks.verdict(v, names) for v in args.vocab}
    failures = [r for r in runs if "error" in r]
    wrong_pattern = [r for r in runs if r.get("info", {}).get("pattern_is_gpt4") is False]

    print()
    print(text_table(rows))
    print()
    print(counting_line(counting))
    for line in ranks_lines(ranks_verdict):
        print(line)
    if wrong_pattern:
        print("rustbpe's default pattern is NOT hfbpe.PATTERNS['gpt4']: the comparison is not like for like")
    for f in failures:
        print(f"FAILED: {f['contestant']} vocab {f.get('vocab')}: {f['error']}")

    write_atomic(out_dir / "results.md", markdown(rows, counting, ranks_verdict, meta, failures))
    write_atomic(out_dir / "results.json", json.dumps(
        {"meta": meta, "summary": rows, "counting": counting,
         "ranks": {str(v): x for v, x in ranks_verdict.items()}, "runs": runs}, indent=1) + "\n")
    if chart_png(rows, args.vocab, names, meta, out_dir / "chart.png"):
        print(f"\nwrote {out_dir / 'results.md'}, results.json and chart.png")
    else:
        print(f"\nwrote {out_dir / 'results.md'} and results.json; no chart: matplotlib is not installed "
              "(pip install '.[bench]')")
    mismatch = any(v["identical"] is False for v in ranks_verdict.values())
    return 1 if mismatch or failures or wrong_pattern else 0


if __name__ == "__main__":
    sys.exit(main())
