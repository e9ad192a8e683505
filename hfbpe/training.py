"""hfbpe.train: from texts to a trained Tokenizer in one call."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

import tiktoken

from . import _core
from .counting import count_local, resolve_num_threads
from .distributed import count_on_cluster
from .merging import check_min_frequency, learn_merges
from .merging import merge_filter as make_merge_filter
from .patterns import resolve_pattern
from .sources import open_source
from .tokenizer import Tokenizer, _num_merges
from .tokenizers_compat import (
    byte_order,
    check_mode,
    check_special_tokens as check_compat_specials,
    initial_bytes,
    max_token_bytes,
    to_tokenizer,
)
from .tokenizers_compat import num_merges as bpetrainer_merges
from .word_counts import WordCounts

logger = logging.getLogger("hfbpe")


def count(
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
    client: Any = None,
) -> WordCounts:
    """Pre-tokenizes and counts `data` (any input hfbpe.train takes, same arguments).

    client: a dask.distributed Client; the shards of `data` are then counted
        on its workers and the tables added up there (see hfbpe.distributed).
        max_chars cannot be combined with it.

    The result can be added to counts of other shards, saved, pickled, and
    trained on any number of times: `hfbpe.train_from_counts(counts, vocab_size)`.
    """
    if client is None:
        return count_local(data, pattern=pattern, text_column=text_column, split=split, max_chars=max_chars,
                           doc_cap=doc_cap, num_threads=num_threads, show_progress=show_progress,
                           batch_size=batch_size)
    regex = resolve_pattern(pattern)
    # Opening the source checks split and column here, before any worker starts.
    description = open_source(data, text_column=text_column, split=split).description
    options = dict(pattern=regex, text_column=text_column, max_chars=max_chars, doc_cap=doc_cap,
                   num_threads=num_threads, batch_size=batch_size)
    counts = count_on_cluster(data, client, split=split, options=options)
    counts.summary["data"] = description
    return counts


def train(
    data: Any,
    vocab_size: int,
    *,
    text_column: str | None = None,
    split: str | None = None,
    pattern: str = "gpt4",
    special_tokens: Sequence[str] = (),
    max_chars: int | None = None,
    doc_cap: int | None = None,
    num_threads: int | None = None,
    show_progress: bool | None = None,
    batch_size: int = 8192,
    client: Any = None,
    max_words: int | None = None,
    merge_filter: Sequence[str | bytes] = (),
    min_frequency: int = 1,
    max_token_length: int | None = None,
    compatible: str = "rustbpe",
    initial_alphabet: Sequence[str] = (),
) -> Tokenizer:
    """Trains a byte-level BPE tokenizer.

    data: what to train on: a datasets Dataset, IterableDataset (streaming),
        DatasetDict or IterableDatasetDict (with `split`); a pyarrow Table,
        RecordBatch, Array or ChunkedArray of strings; or any iterable of str
        or of lists of str. Arrow-backed data is read in place. Missing values
        (None, Arrow nulls) are skipped and counted.
    vocab_size: the final number of ids, special tokens included; they take
        the last ids, in the order given (nanochat's convention), or the first
        ones with compatible="tokenizers".
    text_column: the column to read; None picks the only string column.
    split: the split of a DatasetDict to read.
    pattern: a name in hfbpe.PATTERNS ("gpt4", "gpt2", "o200k", ...) or a regex of your own.
    special_tokens: special token strings, e.g. ["<|bos|>"].
    max_chars: stop reading after the document that takes the number of
        characters read past max_chars (that document is counted whole, as
        nanochat's tok_train.py does). Characters are code points, as len(str).
    doc_cap: crop every document to its first doc_cap characters.
    num_threads: threads for counting (and two for the largest merges when
        it is 2 or more); None uses every core available.
    show_progress: progress bars; None shows them when stderr is a terminal
        (and datasets.disable_progress_bars() was not called).
    batch_size: rows per native counting batch.
    client: a dask.distributed Client to count on its workers (shards of the
        data are opened where they run; only piece tables travel); the merge
        loop then runs here. Not with max_chars.
    max_words: no token spans more than this many words (runs of bytes other than ASCII
        whitespace); merge_filter: regexes (PCRE2, on a token's bytes, `.` one byte) no token may
        contain, e.g. [r": ", r"\n[^\n]"]. A filter only changes which merges are eligible: a refused
        pair is passed over for good (training_summary["filtered_merges"]), the order of the others
        is kept. Filtering tracks every pair, so training takes more memory.
    min_frequency: stop (with a TrainingWarning) once no pair occurs this many times.
    max_token_length: no token longer than this many bytes (a byte-level BPE's characters, as HF
        tokenizers' BpeTrainer counts them; a filter like the others).
    compatible: "rustbpe" (the default): rustbpe's merges and ids. "tokenizers": exactly what HF
        tokenizers' BpeTrainer learns from the same pieces (a ByteLevel pre-tokenizer with
        add_prefix_space=False, or Split + ByteLevel(use_regex=False)): its merges, its ids
        (special tokens first, then the bytes seen in code-point order of their byte-level
        characters, then the merges), vocab_size counted as it counts it, min_frequency and
        max_token_length as it applies them (a token of fewer than max_token_length bytes, or of
        2 bytes), and
        a tokenizer.json whose vocab and merges are BpeTrainer's; max_words and merge_filter are
        not taken then. See docs/guides/tokenizers.md.
    initial_alphabet: with compatible="tokenizers", byte-level characters in the alphabet even if
        the data lacks them, as BpeTrainer's option of that name; usually
        tokenizers.pre_tokenizers.ByteLevel.alphabet() (every byte).

    The merges equal rustbpe's for the same texts and pattern, whatever
    num_threads, batch_size and the kind of input are. If the texts run out of
    pairs before the vocabulary is full, a TrainingWarning says so and the
    tokenizer is smaller.
    """
    specials = _check_special_tokens(special_tokens)
    options = _merge_options(compatible, initial_alphabet, max_words, merge_filter, max_token_length, min_frequency)
    if options.alphabet is not None:
        check_compat_specials(specials)  # before counting
    if options.alphabet is None:
        _num_merges(vocab_size, reserved=len(specials))  # a bad vocab_size fails before any counting
    else:
        bpetrainer_merges(vocab_size, len(specials), 0)
    regex = resolve_pattern(pattern)
    _core.Pretokenizer(regex)  # PatternError (a ValueError) quoting PCRE2's message and offset
    _check_tiktoken_accepts(regex)
    counts = count(
        data,
        pattern=regex,
        text_column=text_column,
        split=split,
        max_chars=max_chars,
        doc_cap=doc_cap,
        num_threads=num_threads,
        batch_size=batch_size,
        show_progress=show_progress,
        client=client,
    )
    # The counts are this call's own (unless a Dask worker in this process may
    # still hold them): the trainer may free them once it has read them.
    tokenizer = _train(counts, vocab_size, specials, show_progress, num_threads, release_counts=client is None,
                       options=options)
    tokenizer.training_summary.update(max_chars=max_chars, doc_cap=doc_cap)
    return tokenizer


def train_from_counts(
    counts: WordCounts,
    vocab_size: int,
    *,
    special_tokens: Sequence[str] = (),
    num_threads: int | None = None,
    show_progress: bool | None = None,
    max_words: int | None = None,
    merge_filter: Sequence[str | bytes] = (),
    min_frequency: int = 1,
    max_token_length: int | None = None,
    compatible: str = "rustbpe",
    initial_alphabet: Sequence[str] = (),
) -> Tokenizer:
    """Runs the merge loop on counts from `hfbpe.count` (or added up from several shards).

    vocab_size and special_tokens mean what they mean for hfbpe.train; the
    pattern is the one the counts were made with. The counts are not changed,
    so one counting pass can serve several vocabulary sizes. num_threads:
    with 2 or more (None: every core), the largest merges use two threads. max_words,
    merge_filter, min_frequency, max_token_length, compatible and initial_alphabet: as for hfbpe.train.
    """
    if not isinstance(counts, WordCounts):
        raise TypeError(f"counts must be hfbpe.WordCounts, got {type(counts).__name__}")
    specials = _check_special_tokens(special_tokens)
    options = _merge_options(compatible, initial_alphabet, max_words, merge_filter, max_token_length, min_frequency)
    return _train(counts, vocab_size, specials, show_progress, num_threads, release_counts=False, options=options)


class _MergeOptions(NamedTuple):
    filter: _core.MergeFilter | None
    min_frequency: int
    # compatible="tokenizers": the initial_alphabet's bytes; None for rustbpe's rules.
    alphabet: set[int] | None = None
    max_token_length: int | None = None  # as asked for, when the filter's bound differs (BpeTrainer's)


def _merge_options(compatible: str, initial_alphabet: Sequence[str], max_words: int | None,
                   merge_filter: Sequence[str | bytes], max_token_length: int | None,
                   min_frequency: int) -> _MergeOptions:
    """The merge loop's options, checked before any counting."""
    if isinstance(initial_alphabet, str):
        raise TypeError("initial_alphabet must be a sequence of characters, got a single str; "
                        "wrap it in a list (or list(...) its characters)")
    initial_alphabet = list(initial_alphabet)
    if not check_mode(compatible):
        if initial_alphabet:
            raise ValueError('initial_alphabet is a BpeTrainer option: it goes with compatible="tokenizers"')
        return _MergeOptions(make_merge_filter(max_words, merge_filter, max_token_length),
                             check_min_frequency(min_frequency), None)
    if max_words is not None or len(merge_filter) > 0:
        raise ValueError('compatible="tokenizers" trains as BpeTrainer does, which has no max_words or merge_filter')
    # BpeTrainer's default min_frequency is 0, which merges what 1 merges.
    if min_frequency != 0:
        check_min_frequency(min_frequency)
    return _MergeOptions(make_merge_filter(None, (), max_token_bytes(max_token_length)), max(min_frequency, 1),
                         initial_bytes(initial_alphabet), max_token_length)


def _train(
    counts: WordCounts,
    vocab_size: int,
    specials: list[str],
    show_progress: bool | None,
    num_threads: int | None,
    *,
    release_counts: bool,
    options: _MergeOptions,
) -> Tokenizer:
    alphabet = options.alphabet
    if alphabet is not None:  # BpeTrainer's alphabet: the bytes seen, and the initial ones
        check_compat_specials(specials)
        alphabet = alphabet | set(counts.table.bytes_present())
        num_merges = bpetrainer_merges(vocab_size, len(specials), len(alphabet))
    else:
        num_merges = _num_merges(vocab_size, reserved=len(specials))
    threads = resolve_num_threads(num_threads)
    count_summary = _count_summary(counts)
    trained, merge_summary = learn_merges(
        counts.table,
        num_merges,
        show_progress=show_progress,
        release_counts=release_counts,
        num_threads=threads,
        stacklevel=4,
        merge_filter=options.filter,
        min_frequency=options.min_frequency,
        byte_order=None if alphabet is None else byte_order(),
        base_tokens=None if alphabet is None else len(alphabet),
    )
    # None (counts made by hand) means the default pattern, as it does for Tokenizer.
    if alphabet is not None:
        tokenizer = to_tokenizer(resolve_pattern(counts.pattern), trained, specials, alphabet, stacklevel=4)
        merge_summary.update(compatible="tokenizers", alphabet=len(alphabet),
                             first_new_id=len(specials) + len(alphabet))
        if options.max_token_length is not None:
            merge_summary["max_token_length"] = options.max_token_length
    else:
        first_special = 256 + len(trained.merges)
        tokenizer = Tokenizer._from_training(
            counts.pattern, trained, {s: first_special + i for i, s in enumerate(specials)}
        )
    tokenizer.training_summary = {**count_summary, **merge_summary, "vocab_size": tokenizer.n_vocab}
    logger.info(
        "hfbpe: %d documents, %d bytes, %d distinct pieces, %d nulls and %d invalid UTF-8 rows skipped; "
        "%d merges; counting %.2f s, merging %.2f s",
        count_summary.get("documents", 0),
        count_summary.get("bytes", 0),
        count_summary["distinct_pieces"],
        count_summary.get("nulls", 0),
        count_summary.get("invalid_utf8", 0),
        merge_summary["merges"],
        count_summary.get("count_seconds", 0.0),
        merge_summary["merge_seconds"],
    )
    return tokenizer


def _count_summary(counts: WordCounts) -> dict:
    """What counting contributes to a training summary: its own summary, and the distinct pieces and
    the table's size now (counts added up from shards carry their first shard's figure)."""
    return {**counts.summary, "distinct_pieces": len(counts), "count_table_bytes": counts.table.memory_bytes}


def _check_special_tokens(special_tokens: Sequence[str]) -> list[str]:
    if isinstance(special_tokens, str):
        raise TypeError("special_tokens must be a sequence of str, got a single str; wrap it in a list")
    specials = list(special_tokens)
    for i, token in enumerate(specials):
        if not isinstance(token, str) or not token:
            raise TypeError(f"special_tokens[{i}] must be a non-empty str, got {token!r}")
    if len(set(specials)) != len(specials):
        raise ValueError("special_tokens holds the same token twice")
    return specials


def _check_tiktoken_accepts(regex: str) -> None:
    """Encoding goes through tiktoken, so a pattern it cannot compile would give a tokenizer that cannot encode."""
    try:
        tiktoken.Encoding(name="hfbpe-pattern-check", pat_str=regex, mergeable_ranks={bytes([b]): b for b in range(256)},
                          special_tokens={})
    except Exception as e:  # tiktoken raises ValueError from its Rust regex compiler
        raise ValueError(f"tiktoken cannot compile the pattern {regex!r}: {e}") from None
