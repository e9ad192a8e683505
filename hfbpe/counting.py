"""Counting: pre-tokenize texts on native threads into WordCounts."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable

from . import _core
from ._progress import progress_bar, progress_enabled
from .patterns import resolve_pattern
from .sources import text_batches

logger = logging.getLogger("hfbpe")

WordCounts = _core.WordCounts


def default_num_threads() -> int:
    """All cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def resolve_num_threads(num_threads: int | None) -> int:
    if num_threads is None:
        return default_num_threads()
    if isinstance(num_threads, bool) or not isinstance(num_threads, int):
        raise TypeError(f"num_threads must be an int or None, got {type(num_threads).__name__}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be at least 1, got {num_threads}")
    return num_threads


def count_texts(
    texts: Iterable[str],
    *,
    pattern: str | None = None,
    num_threads: int | None = None,
    batch_size: int = 8192,
    show_progress: bool | None = None,
) -> tuple[_core.WordCounts, dict]:
    """Counts the pieces of every text; returns the counts and a summary (documents, bytes, seconds).

    texts: any iterable of str; each batch of `batch_size` texts is split and
        counted with the GIL released.
    pattern: a name in hfbpe.PATTERNS or a regex; None means "gpt4".
    """
    regex = resolve_pattern(pattern)
    threads = resolve_num_threads(num_threads)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    counter = _core.Counter(regex, threads)
    start = time.perf_counter()
    bar = progress_bar(progress_enabled(show_progress), desc="hfbpe: counting", unit=" docs", unit_scale=True)
    try:
        position = 0
        for batch in text_batches(texts, batch_size):
            counter.count(batch, position)
            position += len(batch)
            bar.update(len(batch))
    finally:
        bar.close()
    counts = counter.take_counts()
    summary = {
        "documents": counter.documents,
        "bytes": counter.bytes,
        "distinct_pieces": len(counts),
        "count_seconds": time.perf_counter() - start,
    }
    return counts, summary
