"""Merging: run the native BPE merge loop over word counts."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from typing import NamedTuple

from . import _core
from ._progress import progress_bar, progress_enabled
from .errors import TrainingWarning

logger = logging.getLogger("hfbpe")


class TrainedMerges(NamedTuple):
    """What the merge loop learned: merges in order, and the bytes of the token each one made."""

    merges: list[tuple[int, int]]
    token_bytes: list[bytes]
    # Pairs passed over because their bytes already were a token of the start vocabulary
    # (only when training continues one): (left, right, count when they came up).
    skipped: list[tuple[int, int, int]] = []
    # Pairs passed over because the merge filter refused their token: (left, right, count).
    filtered: list[tuple[int, int, int]] = []


class Start(NamedTuple):
    """A vocabulary for the merge loop to continue (hfbpe.extend): the bytes of every id (None for
    special tokens and unused ids) and a native encoder of pieces into those ids."""

    token_bytes: list[bytes | None]
    encoder: _core.PieceEncoder


def merge_filter(max_words: int | None = None, forbidden: Sequence[str | bytes] = (),
                 max_token_length: int | None = None) -> _core.MergeFilter | None:
    """The native filter of which tokens the merge loop may make, or None when nothing is filtered.

    max_words: no token spans more than this many words (maximal runs of bytes other than ASCII
        whitespace: " of the" is two, ", and" two, "\n\n" none).
    forbidden: regexes (PCRE2, matched on a token's bytes without UTF mode, so `.` is one byte);
        no token any of them finds anywhere is made, e.g. b": " or rb"\n[^\n]" (a token going on
        past a newline).
    max_token_length: no token longer than this many bytes (HF tokenizers' BpeTrainer option of that
        name counts a byte-level token's characters, which are its bytes).

    A refused pair is passed over for good; the others keep their order (count, then the
    smallest pair of ids), so the filter changes which merges are eligible and nothing else.
    """
    for name, value in (("max_words", max_words), ("max_token_length", max_token_length)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int or None, got {value!r}")
    if isinstance(forbidden, (str, bytes)):
        raise TypeError("merge_filter must be a sequence of regexes (str or bytes), got a single one; wrap it in a list")
    patterns = []
    for i, pattern in enumerate(forbidden):
        if isinstance(pattern, str):
            pattern = pattern.encode("utf-8")
        if not isinstance(pattern, bytes) or not pattern:
            raise TypeError(f"merge_filter[{i}] must be a non-empty regex (str or bytes), got {pattern!r}")
        patterns.append(pattern)
    if max_words is None and max_token_length is None and not patterns:
        return None
    return _core.MergeFilter(max_words or 0, patterns, max_token_length or 0)


def filter_summary(native: _core.MergeFilter | None) -> dict:
    """How a filter reads in a training summary (and hfbpe.json)."""
    if native is None:
        return {}
    return {"max_words": native.max_words or None, "max_token_length": native.max_bytes or None,
            "merge_filter": [p.decode("utf-8", "backslashreplace") for p in native.forbidden]}


def check_min_frequency(min_frequency: int) -> int:
    if isinstance(min_frequency, bool) or not isinstance(min_frequency, int) or min_frequency < 1:
        raise ValueError(f"min_frequency must be an int of at least 1, got {min_frequency!r}")
    return min_frequency


def learn_merges(
    counts: _core.WordCounts,
    num_merges: int,
    *,
    show_progress: bool | None = None,
    release_counts: bool = False,
    num_threads: int = 1,
    stacklevel: int = 3,
    start: Start | None = None,
    merge_filter: _core.MergeFilter | None = None,
    min_frequency: int = 1,
    byte_order: bytes | None = None,
    base_tokens: int | None = None,
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
    start: continue this vocabulary instead of starting from the 256 bytes: every piece is
    encoded into its tokens first, merge k creates id len(start.token_bytes) + k, and a pair
    whose bytes already are a token is skipped (listed in TrainedMerges.skipped and counted in
    the summary's skipped_merges).
    merge_filter: from merging.merge_filter: pairs whose token it refuses are passed over
    (TrainedMerges.filtered, the summary's filtered_merges); so is a pair whose bytes the filtered
    loop already made by another split (skipped_merges).
    min_frequency: stop once no pair occurs this many times (HF tokenizers' BpeTrainer option).
    byte_order: the 256 bytes, each once: id k is byte byte_order[k] (not byte k), which orders
    the tie-break among equal counts (tokenizers_compat.byte_order, BpeTrainer's).
    base_tokens: the ordinary tokens before any merge, as the warning of a short vocabulary counts
    them (None: the 256 bytes, or the start's ids).
    """
    empty = len(counts) == 0
    began = time.perf_counter()
    bar = progress_bar(progress_enabled(show_progress), desc="hfbpe: merging", unit=" merges", total=num_merges)
    done = 0

    def on_progress(merges_done: int) -> None:
        nonlocal done
        bar.update(merges_done - done)
        done = merges_done

    try:
        (merges, words, setup_seconds, loop_seconds, token_bytes, trainer_bytes, merge_counts, skipped,
         filtered, stopped) = _core.train(
            counts, num_merges, on_progress, release_counts, num_threads,
            None if start is None else start.token_bytes, None if start is None else start.encoder, merge_filter,
            check_min_frequency(min_frequency), byte_order,
        )
    finally:
        bar.close()
    if len(merges) < num_merges:
        reason = "holds no text" if empty else f"only has pairs for {len(merges)} merges"
        if stopped:
            reason = f"has no pair occurring min_frequency={min_frequency} times after {len(merges)} merges"
        elif merge_filter is not None and not empty:
            reason += " that the merge filter allows"
        first = base_tokens if base_tokens is not None else 256 if start is None else len(start.token_bytes)
        warnings.warn(
            f"the training input {reason}: the vocabulary has {first + len(merges)} ordinary tokens "
            f"instead of the {first + num_merges} asked for",
            TrainingWarning,
            stacklevel=stacklevel,
        )
    summary = {
        "merges": len(merges),
        "words": words,
        "merge_seconds": time.perf_counter() - began,
        "merge_setup_seconds": setup_seconds,
        "merge_loop_seconds": loop_seconds,
        "trainer_bytes": trainer_bytes,
        "merge_counts": merge_counts,
    }
    if start is not None or merge_filter is not None:
        summary["skipped_merges"] = len(skipped)
    if merge_filter is not None:
        summary.update(filter_summary(merge_filter), filtered_merges=len(filtered))
    if min_frequency > 1:
        summary["min_frequency"] = min_frequency
    return TrainedMerges(merges, token_bytes, skipped, filtered), summary
