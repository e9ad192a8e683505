"""Evaluating tokenizers on data: tokens, bytes and characters per token, per group of the data,
and the tokens the data never produces.

A byte-level BPE encodes each piece of its split pattern on its own, so the tokens of a corpus are
the sum over its distinct pieces of count x tokens of the piece: evaluation is hfbpe's counting
with the tokenizer's pattern plus encoding each distinct piece once (natively, on every core).
Tokenizers that do not work that way are encoded text by text with their own code.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _core
from ._progress import progress_bar, progress_enabled
from .counting import resolve_num_threads
from .errors import EvaluationWarning
from .foreign import ByteLevelBPE, read_tokenizer
from .report import ALL, GroupStats, Report, TokenizerResult
from .sources import open_grouped, open_source, read_ahead

_WHOLE = None  # the group key of the whole data when it is not grouped
MAX_GROUPS = 1000


def evaluate(
    tokenizers: Any,
    data: Any,
    *,
    text_column: str | None = None,
    split: str | None = None,
    group_by: str | None = None,
    baseline: str | None = None,
    num_threads: int | None = None,
    batch_size: int = 8192,
    show_progress: bool | None = None,
) -> Report:
    """Encodes `data` with each tokenizer and reports how well each compresses it.

    tokenizers: one tokenizer or several, as a list or a dict of name -> tokenizer. A tokenizer is
        an hfbpe Tokenizer, a tiktoken Encoding, a tokenizers.Tokenizer, a transformers
        PreTrainedTokenizerFast, or a folder or Hub repo id holding tokenizer.json (or hfbpe's files).
    data, text_column, split: what to read, as for hfbpe.train.
    group_by: a column (such as "source" or "language"): every figure is also given per value.
    baseline: the name of one of the tokenizers; the others are compared with it.
    num_threads: threads for counting and encoding; None uses every core.

    Token counts are those of each tokenizer's own ordinary encoding: tiktoken's
    `encode_ordinary`, hfbpe's `encode`, and for HF tokenizers `encode(text,
    add_special_tokens=False)` (added tokens written out in the text count as
    HF finds them). They equal encoding every text one by one.
    """
    named = _named_tokenizers(tokenizers)
    if baseline is not None and baseline not in named:
        raise ValueError(f"baseline={baseline!r} is not one of the tokenizers {list(named)}")
    threads = resolve_num_threads(num_threads)
    start = time.perf_counter()
    if group_by is None:
        source = open_source(data, text_column=text_column, split=split, batch_size=batch_size)
    else:
        source = open_grouped(data, group_by, text_column=text_column, split=split, batch_size=batch_size)
    work = _Evaluation(named, threads)
    bar = progress_bar(progress_enabled(show_progress), desc="hfbpe: evaluating", unit=" docs", unit_scale=True,
                       total=source.num_rows)
    batches = read_ahead(source.batches) if source.arrow else source.batches
    try:
        for batch in batches:
            if group_by is None:
                texts = _as_arrow(batch)
                work.add(_WHOLE, texts)
            else:
                texts, groups = batch
                for value, part in _split_by_group(texts, groups):
                    work.add(value, part)
                if len(work.stats) > MAX_GROUPS:
                    raise ValueError(f"the column {group_by!r} holds more than {MAX_GROUPS} values: not a grouping")
            bar.update(len(texts))
            del batch, texts
    finally:
        bar.close()
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    results = work.finish()
    description = dict(source.description)
    return Report(
        groups=sorted(work.stats, key=str),
        stats=work.stats,
        results=results,
        baseline=baseline,
        group_by=group_by,
        data=description,
        seconds=time.perf_counter() - start,
    )


def _named_tokenizers(tokenizers: Any) -> dict[str, ByteLevelBPE]:
    if isinstance(tokenizers, Mapping):
        items = list(tokenizers.items())
    elif isinstance(tokenizers, (list, tuple)):
        items = [(None, t) for t in tokenizers]
    else:
        items = [(None, tokenizers)]
    if not items:
        raise ValueError("no tokenizer to evaluate")
    named: dict[str, ByteLevelBPE] = {}
    for name, tokenizer in items:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"tokenizer names must be str, got {name!r}")
        bpe = read_tokenizer(tokenizer, name)
        label, k = bpe.name, 2
        while label in named:  # two unnamed tokenizers of one kind
            label, k = f"{bpe.name} ({k})", k + 1
        bpe.name = label
        named[label] = bpe
    return named


def _as_arrow(batch: Any) -> pa.Array | pa.ChunkedArray:
    if isinstance(batch, (pa.Array, pa.ChunkedArray)):
        if not (pa.types.is_string(batch.type) or pa.types.is_large_string(batch.type)):
            return batch.cast(pa.large_string())
        return batch
    try:
        return pa.array(batch, type=pa.large_string())
    except (pa.ArrowException, UnicodeEncodeError) as e:
        raise ValueError(f"a batch of texts cannot be read as UTF-8 strings: {e}") from None


MISSING_GROUP = "(missing)"


def _split_by_group(texts, groups) -> Iterable[tuple[str, Any]]:
    values = pc.unique(groups)
    if len(values) == 1:
        yield _group_name(values[0]), texts
        return
    for value in values:
        mask = pc.is_null(groups) if not value.is_valid else pc.fill_null(pc.equal(groups, value), False)
        yield _group_name(value), pc.filter(texts, mask)


def _group_name(value: pa.Scalar) -> str:
    if not value.is_valid:
        return MISSING_GROUP
    name = value.as_py()
    if name in (ALL, MISSING_GROUP):
        raise ValueError(f"the group value {name!r} clashes with the report's own label {name!r}; rename it")
    return name


def _text_stats(texts) -> GroupStats:
    stats = GroupStats()
    chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]
    for chunk in chunks:
        if len(chunk):
            documents, n_bytes, chars, words = _core.text_stats(*chunk.__arrow_c_array__())
            stats += GroupStats(documents=documents, bytes=n_bytes, chars=chars, words=words)
    return stats


def _literal_patterns(texts: list[str], per_pattern: int = 500) -> list[str]:
    """RE2 patterns that together match any of `texts` (a few hundred literals each, so that a
    vocabulary with many added tokens stays within RE2's memory budget)."""
    ordered = sorted(texts, key=len, reverse=True)
    return ["|".join(_re2_literal(t) for t in ordered[i:i + per_pattern]) for i in range(0, len(ordered), per_pattern)]


def _re2_literal(text: str) -> str:
    """`text` as a literal in an RE2 pattern (pyarrow's regex engine)."""
    return "".join(c if c.isalnum() and c.isascii() or ord(c) > 127 else f"\\x{{{ord(c):x}}}" for c in text)


class _Evaluation:
    """The state of one pass over the data: counters per (pattern, group), text figures per group,
    and the tokens of the tokenizers encoded text by text."""

    def __init__(self, named: dict[str, ByteLevelBPE], threads: int) -> None:
        self.named = named
        self.threads = threads
        self.stats: dict[str | None, GroupStats] = {}
        self.patterns = sorted({bpe.pattern for bpe in named.values() if bpe.pattern is not None})
        self.counters: dict[tuple[str, str | None], _core.Counter] = {}
        self.tokens: dict[str, dict[str | None, int]] = {name: {} for name in named}
        self.usage = {name: np.zeros(bpe.n_vocab, dtype=np.int64) for name, bpe in named.items()}
        self.encoders = {name: bpe.piece_encoder() for name, bpe in named.items() if bpe.pattern is not None}
        # Texts that hold an added token's text: the tokenizer finds it before splitting, so those
        # texts get its own encoding in place of their pieces'.
        self.added = {
            name: _literal_patterns([t for t in bpe.added_tokens if t])
            for name, bpe in named.items() if bpe.pattern is not None and any(bpe.added_tokens)
        }
        self.splitters = {p: _core.Pretokenizer(p) for p in self.patterns}

    def add(self, group: str | None, texts) -> None:
        stats = self.stats.setdefault(group, GroupStats())
        stats += _text_stats(texts)
        for pattern in self.patterns:
            counter = self.counters.get((pattern, group))
            if counter is None:
                counter = self.counters[(pattern, group)] = _core.Counter(pattern, self.threads)
            if isinstance(texts, pa.ChunkedArray):
                counter.count_arrow_chunks([chunk.__arrow_c_array__() for chunk in texts.chunks if len(chunk)])
            else:
                counter.count_arrow(*texts.__arrow_c_array__())
        for name, bpe in self.named.items():
            if bpe.pattern is None:
                self._add_exact(name, group, [t for t in texts.to_pylist() if t is not None])
            elif name in self.added:
                self._correct_added(name, group, texts)

    def _add_exact(self, name: str, group: str | None, texts: list[str], sign: int = 1) -> None:
        if not texts:
            return
        ids = self.named[name].encode_texts(texts)
        flat = np.fromiter((i for row in ids for i in row), dtype=np.int64)
        self._record(name, group, sign * len(flat), flat, sign)

    def _record(self, name: str, group: str | None, tokens: int, ids: np.ndarray, sign: int) -> None:
        per_group = self.tokens[name]
        per_group[group] = per_group.get(group, 0) + tokens
        if len(ids):
            usage = self.usage[name]
            if ids.max() >= len(usage):
                raise ValueError(f"{name} produced id {int(ids.max())}, beyond its {len(usage)} ids")
            usage += sign * np.bincount(ids, minlength=len(usage))

    def _correct_added(self, name: str, group: str | None, texts) -> None:
        mask = None
        for pattern in self.added[name]:
            found = pc.match_substring_regex(texts, pattern)
            mask = found if mask is None else pc.or_(mask, found)
        if not pc.any(mask).as_py():
            return
        docs = [t for t in pc.filter(texts, mask).to_pylist() if t is not None]
        self._add_exact(name, group, docs)
        bpe, encoder = self.named[name], self.encoders[name]
        splitter = self.splitters[bpe.pattern]
        ids = [i for doc in docs for piece in splitter.split(doc) for i in encoder.encode(piece.encode("utf-8"))]
        self._record(name, group, -len(ids), np.asarray(ids, dtype=np.int64), -1)

    def finish(self) -> list[TokenizerResult]:
        for (pattern, group), counter in self.counters.items():
            counts = counter.take_counts()
            for name, encoder in self.encoders.items():
                if self.named[name].pattern != pattern:
                    continue
                tokens, usage, piece_bytes = encoder.encode_counts(counts, self.threads)
                per_group = self.tokens[name]
                per_group[group] = per_group.get(group, 0) + tokens
                self.usage[name] += np.frombuffer(usage, dtype=np.int64)
                if piece_bytes != counter.bytes and self.named[name].keeps_unmatched:
                    # HF's Split keeps the text between matches; hfbpe's counter, tiktoken and
                    # regex.findall drop it. Only a pattern that matches every character agrees.
                    warnings.warn(
                        f"the pattern of {name} leaves {counter.bytes - piece_bytes} bytes of "
                        f"{group if group is not None else 'the data'} unmatched; its token count there "
                        "leaves them out, where the tokenizer itself would encode them",
                        EvaluationWarning,
                        stacklevel=3,
                    )
        out = []
        for name, bpe in self.named.items():
            per_group = self.tokens[name]
            out.append(TokenizerResult(
                name=name,
                n_vocab=bpe.n_vocab,
                tokens={g: per_group.get(g, 0) for g in self.stats},
                usage=self.usage[name],
                token_bytes=bpe.token_bytes,
                special_ids=bpe.special_ids,
                method="pieces" if bpe.pattern is not None else "texts",
            ))
        return out
