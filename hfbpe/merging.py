"""Merging: run the native BPE merge loop over word counts."""

from __future__ import annotations

import logging
import time
import warnings
from typing import NamedTuple

from . import _core
from ._progress import progress_bar, progress_enabled
from .errors import TrainingWarning

logger = logging.getLogger("hfbpe")


class TrainedMerges(NamedTuple):
    """What the merge loop learned: merges in order, and the bytes of the token each one made."""

    merges: list[tuple[int, int]]
    token_bytes: list[bytes]


def learn_merges(
    counts: _core.WordCounts,
    num_merges: int,
    *,
    show_progress: bool | None = None,
    release_counts: bool = False,
    num_threads: int = 1,
    stacklevel: int = 3,
) -> tuple[TrainedMerges, dict]:
    """Learns up to `num_merges` merges from `counts`; returns them (with their tokens' bytes) and a summary.

    Merge k creates token 256 + k. The summary holds the number of merges, of
    words that took part, the time taken (in all, setting up: words and their
    initial pair counts, and the merge loop proper) and the bytes the
    trainer's tables held (trainer_bytes) and how often each merged pair occurred when it
    was merged (merge_counts, in merge order). With release_counts
    the counts are emptied shard by shard as the trainer copies their words,
    so that the trainer's tables do not sit on top of them.
    num_threads: with 2 or more, merges of many words are applied by two
    threads (the merges are the same).
    stacklevel: where a TrainingWarning points, as for warnings.warn, counted
    from this function (3: the caller of the function that called it).
    """
    empty = len(counts) == 0
    start = time.perf_counter()
    bar = progress_bar(progress_enabled(show_progress), desc="hfbpe: merging", unit=" merges", total=num_merges)
    done = 0

    def on_progress(merges_done: int) -> None:
        nonlocal done
        bar.update(merges_done - done)
        done = merges_done

    try:
        merges, words, setup_seconds, loop_seconds, token_bytes, trainer_bytes, merge_counts = _core.train(
            counts, num_merges, on_progress, release_counts, num_threads
        )
    finally:
        bar.close()
    if len(merges) < num_merges:
        reason = "holds no text" if empty else f"only has pairs for {len(merges)} merges"
        warnings.warn(
            f"the training input {reason}: the vocabulary has {256 + len(merges)} ordinary tokens "
            f"instead of the {256 + num_merges} asked for",
            TrainingWarning,
            stacklevel=stacklevel,
        )
    summary = {
        "merges": len(merges),
        "words": words,
        "merge_seconds": time.perf_counter() - start,
        "merge_setup_seconds": setup_seconds,
        "merge_loop_seconds": loop_seconds,
        "trainer_bytes": trainer_bytes,
        "merge_counts": merge_counts,
    }
    return TrainedMerges(merges, token_bytes), summary
