"""Counting: pre-tokenize texts on native threads into WordCounts."""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import pyarrow as pa

from . import _core
from ._progress import progress_bar, progress_enabled
from .patterns import resolve_pattern
from .sources import open_source, read_ahead, usable_cores
from .word_counts import WordCounts
from .errors import TrainingWarning

logger = logging.getLogger("hfbpe")

def resolve_num_threads(num_threads: int | None) -> int:
    if num_threads is None:
        return usable_cores()
    if isinstance(num_threads, bool) or not isinstance(num_threads, int):
        raise TypeError(f"num_threads must be an int or None, got {type(num_threads).__name__}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be at least 1, got {num_threads}")
    return num_threads


def _check_limit(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def count_local(
    data: Any,
    *,
    pattern: str = "gpt4",
    text_column: str | None = None,
    split: str | None = None,
    max_chars: int | None = None,
    doc_cap: int | None = None,
    num_threads: int | None = None,
    show_progress: bool | None = None,
    batch_size: int = 8192,
) -> WordCounts:
    """Pre-tokenizes and counts `data` in this process (hfbpe.count without a cluster)."""
    table, summary = count_texts(
        data,
        pattern=pattern,
        text_column=text_column,
        split=split,
        max_chars=max_chars,
        doc_cap=doc_cap,
        num_threads=num_threads,
        batch_size=batch_size,
        show_progress=show_progress,
    )
    counts = WordCounts(resolve_pattern(pattern), _table=table)
    counts.summary = summary
    return counts


def count_texts(
    data: Any,
    *,
    pattern: str | None = None,
    text_column: str | None = None,
    split: str | None = None,
    max_chars: int | None = None,
    doc_cap: int | None = None,
    num_threads: int | None = None,
    batch_size: int = 8192,
    show_progress: bool | None = None,
) -> tuple[_core.WordCounts, dict]:
    """Counts the pieces of every text; returns the counts and a summary.

    data, text_column, split: what to read (see hfbpe.train).
    pattern: a name in hfbpe.PATTERNS or a regex; None means "gpt4".
    max_chars: stop after the document that takes the characters read past this.
    doc_cap: crop every document to its first doc_cap characters.
    batch_size: rows per native counting batch, counted with the GIL released.

    The summary holds documents, chars, bytes, nulls, invalid_utf8,
    distinct_pieces, count_seconds and the data's description.
    """
    regex = resolve_pattern(pattern)
    threads = resolve_num_threads(num_threads)
    counter = _core.Counter(
        regex, threads, doc_cap=_check_limit("doc_cap", doc_cap), max_chars=_check_limit("max_chars", max_chars)
    )
    source = open_source(data, text_column=text_column, split=split, batch_size=batch_size)
    start = time.perf_counter()
    bar = _CountingBar(progress_enabled(show_progress), source.num_rows)
    # Arrow data is read (decoded, gathered, fetched) one batch ahead of the one being counted;
    # Python iterables are read as they are counted, in order, on this thread.
    batches = read_ahead(source.batches) if source.arrow else source.batches
    try:
        position = 0
        for batch in batches:
            if isinstance(batch, pa.ChunkedArray):
                counter.count_arrow_chunks([chunk.__arrow_c_array__() for chunk in batch.chunks])
            elif isinstance(batch, pa.Array):
                counter.count_arrow(*batch.__arrow_c_array__())
            else:
                counter.count(batch, position)
            position += len(batch)
            bar.update(len(batch), counter.bytes)
            del batch  # a stream's batch must not outlive its counting
            if counter.exhausted:
                break
    finally:
        bar.close()
        # Closing the read-ahead closes the source on its own thread.
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    counts = counter.take_counts()
    summary = {
        "data": source.description,
        "documents": counter.documents,
        "chars": counter.chars,
        "bytes": counter.bytes,
        "nulls": counter.nulls,
        "invalid_utf8": counter.invalid,
        "max_chars_reached": counter.exhausted,
        "distinct_pieces": len(counts),
        "count_table_bytes": counts.memory_bytes,
        "count_seconds": time.perf_counter() - start,
        "num_threads": threads,
    }
    if counter.invalid:
        warnings.warn(
            f"skipped {counter.invalid} Arrow strings that are not well-formed UTF-8", TrainingWarning, stacklevel=3
        )
    return counts, summary


class _CountingBar:
    """Documents counted (of how many, when known: then tqdm gives the time left) with the text's
    MB and MB/s beside them."""

    def __init__(self, enabled: bool, num_rows: int | None):
        self.bar = progress_bar(enabled, desc="hfbpe: counting", unit=" docs", unit_scale=True, total=num_rows)
        self.start = time.perf_counter()

    def update(self, rows: int, bytes_so_far: int) -> None:
        self.bar.update(rows)
        rate = bytes_so_far / 1e6 / max(1e-9, time.perf_counter() - self.start)
        self.bar.set_postfix_str(f"{bytes_so_far / 1e6:,.0f} MB, {rate:,.0f} MB/s", refresh=False)

    def close(self) -> None:
        self.bar.close()
