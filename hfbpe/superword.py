"""Superword tokenizers (SuperBPE): ordinary BPE up to a transition, then BPE continued on pieces
that span several words.

Stage 1 is hfbpe.train at `transition` ordinary tokens with the usual pattern. Stage 2 counts the
data again, cut by the superword split (by default the SuperBPE authors' pattern: only digit groups,
runs of punctuation and runs of spaces before a space or line end are cut, so " in order to" stays
one piece), encodes every distinct piece once with stage 1's tokens and continues the merge loop from
there, as hfbpe.extend does: same tie-break, and a pair whose bytes already are a token is skipped.
Stage 2 only ever counts distinct runs, never whole documents, so it takes seconds.

The tokenizer splits text with the superword split keeping the text between matches
(patterns.keeping_gaps) and encodes each piece by the rank of the merged bytes, as every hfbpe
tokenizer does; tokenizer.json holds the split itself (Split, behavior Isolated), tiktoken the
pattern that matches the gaps too, and the two give the same ids.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from . import _core
from .counting import resolve_num_threads
from .merging import Start, learn_merges, merge_filter as make_merge_filter
from .patterns import SUPERWORD, keeping_gaps, resolve_pattern
from .tokenizer import Tokenizer, _num_merges
from .training import _check_special_tokens, _check_tiktoken_accepts, _count_summary, count, train


def train_superword(
    data: Any,
    vocab_size: int,
    *,
    transition: int,
    pattern: str = "gpt4",
    superword_pattern: str | None = None,
    max_words: int | None = 4,
    merge_filter: Sequence[str | bytes] = (),
    min_frequency: int = 1,
    max_token_length: int | None = None,
    stage1: Tokenizer | None = None,
    special_tokens: Sequence[str] = (),
    text_column: str | None = None,
    split: str | None = None,
    max_chars: int | None = None,
    doc_cap: int | None = None,
    num_threads: int | None = None,
    show_progress: bool | None = None,
    batch_size: int = 8192,
    client: Any = None,
) -> Tokenizer:
    """Trains a superword tokenizer of `vocab_size` ids.

    data: what hfbpe.train takes; it is read twice (once per stage), so not a one-shot iterator
        (unless `stage1` is given: then once).
    transition: the ordinary tokens (bytes included) after stage 1; stage 2 adds the rest.
    pattern: stage 1's split pattern, as for hfbpe.train.
    superword_pattern: stage 2's split, kept with the text between its matches; None is
        hfbpe.patterns.SUPERWORD. It must never match the empty string.
    max_words: no stage-2 token spans more than this many words (runs of bytes other than ASCII
        whitespace); None for no limit. merge_filter: regexes no stage-2 token may contain (see
        hfbpe.train). Stage-1 tokens are ordinary pieces of `pattern`. min_frequency and
        max_token_length: as for hfbpe.train, in both stages.
    stage1: a tokenizer from hfbpe.train with `pattern` on this data and at least `transition`
        ordinary tokens: its first merges are stage 1 (one stage-1 training serves several sizes).
    special_tokens, text_column, split, max_chars, doc_cap, num_threads, show_progress,
        batch_size, client: as for hfbpe.train (special tokens take the last ids).

    The training summary holds both stages' counts and times (stage1, and the rest for stage 2:
    distinct_pieces are the distinct runs).
    """
    specials = _check_special_tokens(special_tokens)
    if isinstance(transition, bool) or not isinstance(transition, int):
        raise TypeError(f"transition must be an int (ordinary tokens after stage 1), got {type(transition).__name__}")
    if transition < 256:
        raise ValueError(f"transition must be at least 256 (the bytes), got {transition}")
    _num_merges(vocab_size, reserved=len(specials))
    if vocab_size < transition + len(specials):
        raise ValueError(f"vocab_size {vocab_size} is smaller than the transition {transition}"
                         + (f" + {len(specials)} special tokens" if specials else ""))
    stage2_merges = vocab_size - transition - len(specials)
    split_regex = SUPERWORD if superword_pattern is None else resolve_pattern(superword_pattern)
    superword = keeping_gaps(split_regex)
    _core.Pretokenizer(superword)
    _check_tiktoken_accepts(superword)
    _check_keeps_all_text(split_regex, superword)
    native_filter = make_merge_filter(max_words, merge_filter, max_token_length)
    if stage1 is None and isinstance(data, Iterator):
        raise TypeError("train_superword reads the data twice (once per stage): give a Dataset, IterableDataset, "
                        "list or another re-iterable source, not a one-shot iterator")
    options = dict(text_column=text_column, split=split, max_chars=max_chars, doc_cap=doc_cap,
                   num_threads=num_threads, batch_size=batch_size, show_progress=show_progress, client=client)

    began = time.perf_counter()
    first = _stage1(stage1, data, transition, resolve_pattern(pattern),
                    {**options, "min_frequency": min_frequency, "max_token_length": max_token_length})
    stage1_seconds = time.perf_counter() - began

    began = time.perf_counter()
    counts = count(data, pattern=superword, **options)
    tokens = [first.token_bytes(i) for i in range(first.n_vocab)]
    start = Start(tokens, _core.PieceEncoder.from_ranks(tokens))
    count_summary = _count_summary(counts)
    trained, merge_summary = learn_merges(
        counts.table, stage2_merges, show_progress=show_progress, release_counts=client is None,
        num_threads=resolve_num_threads(num_threads), stacklevel=3, start=start, merge_filter=native_filter,
        min_frequency=min_frequency,
    )
    first_special = first.n_vocab + len(trained.merges)  # stage 1 may have run out of pairs early
    tokenizer = Tokenizer(superword, [*first.merges, *trained.merges],
                          {s: first_special + i for i, s in enumerate(specials)})
    tokenizer.training_summary = {
        **count_summary, **merge_summary, "vocab_size": tokenizer.n_vocab, "max_chars": max_chars,
        "doc_cap": doc_cap, "transition": transition, "superword_pattern": split_regex,
        "stage2_seconds": time.perf_counter() - began,
        "stage1": {**{k: v for k, v in (first.training_summary or {}).items() if k != "merge_counts"},
                   "seconds": stage1_seconds},
    }
    return tokenizer


# Texts where a split that can match the empty string shows it: its gaps would then be lost.
_PROBES = ["", "a", " ", "  ", "a b", "a  b", "1", "12345", "..", "a, b!! c", "x\n\ny", " \n", "\t", "é 中文"]


def _check_keeps_all_text(split_regex: str, superword: str) -> None:
    counts = count(_PROBES, pattern=superword, show_progress=False, num_threads=1)
    kept = sum(len(piece) * n for piece, n in counts.items())
    if kept != counts.summary["bytes"]:
        raise ValueError(f"superword_pattern {split_regex!r} can match the empty string, which would lose the text "
                         "between its matches; make every branch take at least one character")


def _stage1(stage1: Tokenizer | None, data: Any, transition: int, regex: str, options: dict) -> Tokenizer:
    """Stage 1's tokenizer: `transition` ordinary tokens, no special tokens."""
    if stage1 is None:
        return train(data, transition, pattern=regex, **options)
    if not isinstance(stage1, Tokenizer) or stage1.is_rank_table:
        raise TypeError("stage1 must be an hfbpe Tokenizer from hfbpe.train (256 bytes and merges)")
    if stage1.pattern != regex:
        raise ValueError("stage1 was trained with another split pattern than `pattern`")
    if 256 + len(stage1.merges) < transition:
        raise ValueError(f"stage1 has {256 + len(stage1.merges)} ordinary tokens, fewer than the transition {transition}")
    first = Tokenizer(regex, stage1.merges[: transition - 256])
    if stage1.training_summary is not None:
        first.training_summary = {k: v for k, v in stage1.training_summary.items() if k != "merge_counts"}
        first.training_summary["truncated_from"] = stage1.n_vocab
    return first
