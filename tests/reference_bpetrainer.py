"""A small, deliberately naive model of HF tokenizers' BpeTrainer for a byte-level BPE: the
yardstick for hfbpe's compatible="tokenizers" mode.

It takes the pieces' counts (bytes), writes each piece in GPT-2's byte-level characters and
follows BpeTrainer's rules (docs/guides/tokenizers.md):

- ids: the special tokens in the order given, then the alphabet (characters seen in the
  words plus initial_alphabet) sorted by code point, then one id per merge;
- every step merges the most frequent adjacent pair, weighted by its word's count; among equal
  counts the smallest (left id, right id) pair;
- it stops when the vocabulary (special tokens included) has vocab_size entries, when no pair
  is left, or when the best pair occurs fewer than min_frequency times;
- with max_token_length, a pair of two tokens of a1 and a2 characters may only be merged if
  a1 + a2 < max_token_length, unless both are single characters (BpeTrainer counts the pairs
  of single characters before it applies the limit).

The only bookkeeping is the pairs' counts, which a merge changes by recounting the words it
rewrote: only fit for inputs of a few tens of KB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reference_bpe import add_pairs, best_pair, merge_into

from hfbpe.hf_format import as_byte_level


def train(
    counts: Mapping[bytes, int],
    vocab_size: int,
    *,
    special_tokens: Iterable[str] = (),
    initial_alphabet: Iterable[str] = (),
    min_frequency: int = 0,
    max_token_length: int | None = None,
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """BpeTrainer's vocab (token -> id) and merges, both in byte-level characters."""
    vocab: dict[str, int] = {}
    for text in special_tokens:
        vocab.setdefault(text, len(vocab))
    words = {as_byte_level(piece): count for piece, count in counts.items() if piece}
    alphabet = {c for word in words for c in word} | {s[0] for s in initial_alphabet}
    for c in sorted(alphabet):
        vocab.setdefault(c, len(vocab))
    names = {i: s for s, i in vocab.items()}
    pieces = [([vocab[c] for c in word], count) for word, count in words.items()]
    merges: list[tuple[str, str]] = []
    limit = max_token_length if max_token_length is not None else float("inf")

    def mergeable(pair: tuple[int, int]) -> bool:
        left, right = len(names[pair[0]]), len(names[pair[1]])
        return (left == 1 and right == 1) or left + right < limit

    stats: dict[tuple[int, int], int] = {}
    for ids, count in pieces:
        add_pairs(stats, ids, count)
    while len(vocab) < vocab_size:
        found = best_pair(stats, None if max_token_length is None else mergeable)
        if found is None or found[1] < min_frequency:
            break
        pair = found[0]
        token = names[pair[0]] + names[pair[1]]
        new_id = vocab.setdefault(token, len(vocab))
        names[new_id] = token
        merges.append((names[pair[0]], names[pair[1]]))
        pieces = [(merge_into(ids, pair, new_id, count, stats), count) for ids, count in pieces]
    return vocab, merges
