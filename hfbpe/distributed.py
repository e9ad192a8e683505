"""Counting on a Dask cluster: every worker counts a shard where it can open it, the
tables are added in a tree, and only the (small) table of distinct pieces travels."""

from __future__ import annotations

import time
from typing import Any

from ._settings import env_number
from .counting import count_local
from .sources import _datasets_module, _pick_split as pick
from .word_counts import WordCounts


def count_on_cluster(data: Any, client: Any, *, split: str | None, options: dict[str, Any]) -> WordCounts:
    """Counts `data` on the workers of `client` (a distributed.Client) and returns the summed counts.

    Shards: a Dataset is cut into contiguous shards, which pickle as references
    to its memory-mapped Arrow files (each worker maps them itself); a streaming
    dataset is one task per data file (shard); anything else is cut into
    contiguous slices, which do travel to the workers.
    """
    if options.get("max_chars") is not None:
        raise ValueError("max_chars takes a prefix of the data in order, which a cluster cannot; "
                         "count without client= or drop max_chars")
    start = time.perf_counter()
    workers = client.scheduler_info()["workers"]
    if not workers:
        raise RuntimeError("the Dask cluster has no workers")
    shards = make_shards(_pick_split(data, split), 2 * len(workers))
    futures = [client.submit(count_shard, shard, options, pure=False) for shard in shards]
    # Add the tables pairwise, on the workers, so no single process receives them all.
    while len(futures) > 1:
        paired = [client.submit(add_counts, a, b, pure=False) for a, b in zip(futures[::2], futures[1::2])]
        if len(futures) % 2:
            paired.append(futures[-1])
        futures = paired
    counts: WordCounts = _result(futures[0], client)
    counts.summary["count_seconds"] = time.perf_counter() - start  # wall time, not the workers' sum
    counts.summary["workers"] = len(workers)
    counts.summary["shards"] = len(shards)
    return counts


# A scheduler that dies cancels the client's futures at once; one that stops answering (a
# stopped or wedged process, a network partition) would leave Future.result waiting for ever.
# So the wait is cut into short slices, between which the scheduler is asked for its identity
# every PROBE_SECONDS; no answer within HFBPE_DASK_TIMEOUT seconds (default 30) ends the wait.
PROBE_SECONDS = 5.0


def _result(future: Any, client: Any) -> WordCounts:
    from concurrent.futures import CancelledError

    address = getattr(client.scheduler, "address", None) or "the scheduler"
    timeout = _dask_timeout()
    next_probe = time.monotonic() + PROBE_SECONDS
    while True:
        # Future.done() reads the client's local state; Future.result(timeout=...) would go through
        # the client's event loop on every slice, where a timeout racing a worker's death can fail
        # inside distributed itself.
        if future.done():
            try:
                return future.result()
            except CancelledError as error:
                if client.status != "running" or "connection-lost" in str(error):
                    raise ConnectionError(f"lost the Dask scheduler at {address} while counting: {error}") from None
                raise
        time.sleep(0.1)
        if time.monotonic() >= next_probe:
            try:
                client.sync(client.scheduler.identity, callback_timeout=timeout)
            except TimeoutError:
                raise TimeoutError(f"the Dask scheduler at {address} did not answer for {timeout:g} s while "
                                   f"counting (HFBPE_DASK_TIMEOUT)") from None
            except (OSError, CancelledError) as error:
                raise ConnectionError(f"lost the Dask scheduler at {address} while counting: {error}") from None
            next_probe = time.monotonic() + PROBE_SECONDS


def _dask_timeout() -> float:
    return env_number("HFBPE_DASK_TIMEOUT", 30.0)


def make_shards(data: Any, n: int) -> list[Any]:
    try:
        import datasets
    except ImportError:  # pragma: no cover - a dependency
        datasets = None
    if datasets is not None and isinstance(data, datasets.Dataset):
        n = max(1, min(n, len(data)))
        return [data.shard(num_shards=n, index=i, contiguous=True) for i in range(n)]
    if datasets is not None and isinstance(data, datasets.IterableDataset):
        # One task per file: a task is small enough to retry, and a worker reads its file directly.
        n = max(1, data.num_shards)
        return [data.shard(num_shards=n, index=i) for i in range(n)]
    import pyarrow as pa

    if isinstance(data, (pa.Table, pa.RecordBatch, pa.Array, pa.ChunkedArray)):
        size = max(1, -(-len(data) // n))
        return [data.slice(i, size) for i in range(0, len(data), size)] or [data]
    items = list(data)  # a Python iterable: cut into contiguous slices
    size = max(1, -(-len(items) // n))
    return [items[i : i + size] for i in range(0, len(items), size)] or [items]


def _pick_split(data: Any, split: str | None) -> Any:
    datasets = _datasets_module()
    if datasets is not None and isinstance(data, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        return pick(data, split)
    return data


def count_shard(shard: Any, options: dict[str, Any]) -> WordCounts:
    """Runs on a worker."""
    return count_local(shard, show_progress=False, **options)


def add_counts(a: WordCounts, b: WordCounts) -> WordCounts:
    """Runs on a worker. A task's inputs are other tasks' results, which Dask may hand to
    another task or keep for a retry: they are never changed."""
    return a + b
