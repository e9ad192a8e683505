"""Typical use of hfbpe's public API, type-checked with mypy --strict by tests/test_typing.py (never run)."""

from __future__ import annotations

import tiktoken

import hfbpe
from hfbpe import _core


def train_and_use(texts: list[str]) -> tuple[list[int], str, int]:
    tok: hfbpe.Tokenizer = hfbpe.train(texts, 512, special_tokens=["<|bos|>"], show_progress=False)
    ids: list[int] = tok.encode("hello world")
    text: str = tok.decode(ids)
    enc: tiktoken.Encoding = tok.to_tiktoken()
    smaller: hfbpe.Tokenizer = tok.truncated(400)
    ranks: dict[bytes, int] = smaller.mergeable_ranks
    return ids + enc.encode_ordinary(text), text, len(ranks)


def counts_and_merges(texts: list[str]) -> hfbpe.Tokenizer:
    counts: hfbpe.WordCounts = hfbpe.count(texts, pattern="gpt2", num_threads=1)
    counts += hfbpe.count(["more text"], pattern="gpt2")
    total: int = counts.total
    assert total > 0
    return hfbpe.train_from_counts(counts, 300, merge_filter=[": "], max_words=2)


def superword_and_extend(texts: list[str], base: hfbpe.Tokenizer) -> hfbpe.Tokenizer:
    sw: hfbpe.Tokenizer = hfbpe.train_superword(texts, 600, transition=500, max_words=3)
    more: hfbpe.Tokenizer = hfbpe.extend(base, texts, add=10)
    report: hfbpe.Report = hfbpe.evaluate({"superword": sw, "extended": more}, texts)
    print(report.to_markdown())
    return sw


def native(piece: bytes) -> list[int]:
    table = _core.WordCounts()
    table.add(piece, 3)
    merge_filter = _core.MergeFilter(2, [b": "])
    allowed: bool = merge_filter.allows(piece)
    encoder = _core.PieceEncoder.from_ranks([bytes([b]) for b in range(256)])
    return encoder.encode(piece) if allowed else []
