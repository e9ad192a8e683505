"""Count on a Dask cluster, merge once: the shape of training on hundreds of GB.

Offline, on a local cluster of two worker processes and the development corpus:

    python examples/distributed_dask.py --vocab-size 32768

On a real cluster, with a Hub dataset every worker can read:

    python examples/distributed_dask.py --scheduler tcp://scheduler:8786 \\
        --hub-dataset HuggingFaceFW/fineweb-edu --hub-config sample-10BT --vocab-size 65536

Counting is embarrassingly parallel and the table of distinct pieces is small
next to the corpus, so each worker counts the shards it opens itself (a
memory-mapped Dataset's Arrow files, a streaming dataset's data files), the
tables are added pairwise on the workers, and only the final table comes back
for the merge loop. --compare also trains locally and checks the merges agree.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import datasets

import hfbpe

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev.parquet"


class UserError(Exception):
    """A mistake in the arguments or the input: reported in one line, without a traceback."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (default: start a local cluster)")
    parser.add_argument("--workers", type=int, default=2, help="workers of the local cluster (default: %(default)s)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a local .parquet file (default: %(default)s)")
    source.add_argument("--hub-dataset", metavar="NAME", help="a Hub dataset, streamed by every worker")
    parser.add_argument("--hub-config", help="the Hub dataset's configuration")
    parser.add_argument("--hub-split", default="train")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--vocab-size", type=int, default=32768)
    parser.add_argument("--output", type=Path, default=Path("dask-tokenizer"))
    parser.add_argument("--compare", action="store_true", help="also train locally and check the merges are equal")
    return parser.parse_args()


def open_data(args: argparse.Namespace) -> Any:
    if args.hub_dataset:
        return datasets.load_dataset(args.hub_dataset, args.hub_config, split=args.hub_split, streaming=True)
    path = args.data.resolve()
    if not path.is_file():
        raise UserError(f"{path}: no such file (give a local parquet file with --data, or stream with --hub-dataset)")
    # A Dataset backed by memory-mapped Arrow files: its shards pickle as references to them.
    return datasets.load_dataset("parquet", data_files=str(path), split="train")


def connect(args: argparse.Namespace) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UserError("this example needs Dask: pip install 'dask[distributed]'") from None
    if args.scheduler:
        return Client(args.scheduler), None
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def run(args: argparse.Namespace) -> int:
    data = open_data(args)
    client, cluster = connect(args)
    try:
        start = time.perf_counter()
        # One counting thread per worker: the cluster's workers already use the cores.
        tokenizer = hfbpe.train(data, args.vocab_size, text_column=args.text_column, client=client,
                                num_threads=1, show_progress=False)
        seconds = time.perf_counter() - start
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary = tokenizer.training_summary or {}  # None only for tokenizers made by hand
    print(f"cluster: {summary['workers']} workers, {summary['shards']} shards, {summary['documents']:,} documents, "
          f"{summary['bytes'] / 1e6:,.1f} MB")
    print(f"trained {tokenizer.n_vocab} tokens in {seconds:.1f} s "
          f"(counting on the cluster {summary['count_seconds']:.1f} s, merging here {summary['merge_seconds']:.1f} s)")
    if args.compare:
        start = time.perf_counter()
        local = hfbpe.train(data, args.vocab_size, text_column=args.text_column, show_progress=False)
        local_seconds = time.perf_counter() - start
        same = local.merges == tokenizer.merges
        print(f"local run: {local_seconds:.1f} s; merges {'identical' if same else 'DIFFERENT'}")
        if not same:
            return 1
    tokenizer.save_pretrained(args.output)
    print(f"saved to {args.output}/")
    return 0


def main() -> int:
    args = parse_args()
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"{Path(sys.argv[0]).name}: interrupted", file=sys.stderr)
        return 130
    except (UserError, ValueError, TypeError, OSError, datasets.exceptions.DatasetsError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{Path(sys.argv[0]).name}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
