"""A small, deliberately naive byte-level BPE trainer, the yardstick for hfbpe's merges.

minbpe-style: split every text with `regex.findall(pattern, text)`, count the
pieces, then repeatedly

1. count every adjacent pair of token ids, weighted by the count of its piece,
2. pick the pair with the highest count; among equal counts the smallest
   (left, right) pair,
3. replace its occurrences in every piece, left to right, by the new id 256 + k.

No heap and no index of where pairs occur: every step looks through every pair
for the best and through every piece for it, and keeps the pair counts by
recounting the pieces a merge rewrote, so it is only fit for inputs of a few
tens of KB.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import re

import regex


def count_pieces(texts: Iterable[str], pattern: str) -> Counter[bytes]:
    """UTF-8 bytes of every non-empty piece -> how often it occurs."""
    counts: Counter[bytes] = Counter()
    for text in texts:
        for piece in regex.findall(pattern, text):
            if piece:
                counts[piece.encode("utf-8")] += 1
    return counts


def merge_ids(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """`ids` with every occurrence of `pair`, scanned left to right, replaced by `new_id`."""
    out = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def add_pairs(stats: dict[tuple[int, int], int], ids: list[int], count: int) -> None:
    """Adds `count` (negative to take a piece away) to each adjacent pair of `ids` in `stats`; a
    pair whose count falls to zero is dropped."""
    for pair in zip(ids, ids[1:]):
        n = stats.get(pair, 0) + count
        if n:
            stats[pair] = n
        else:
            del stats[pair]


def best_pair(stats: Mapping[tuple[int, int], int], keep=None) -> tuple[tuple[int, int], int] | None:
    """The pair with the highest count, of those keep(pair) accepts (all without it), and that
    count; among equal counts the smallest (left, right). None where no pair is left."""
    candidates = stats if keep is None else {pair: n for pair, n in stats.items() if keep(pair)}
    if not candidates:
        return None
    top = max(candidates.values())
    return min(pair for pair, count in candidates.items() if count == top), top


def merge_into(ids: list[int], pair: tuple[int, int], new_id: int, count: int,
               stats: dict[tuple[int, int], int]) -> list[int]:
    """`ids` with `pair` merged (merge_ids), its pairs in `stats` recounted if it changed."""
    if pair[0] not in ids:
        return ids
    merged = merge_ids(ids, pair, new_id)
    if len(merged) < len(ids):
        add_pairs(stats, ids, -count)
        add_pairs(stats, merged, count)
    return merged


def train_from_counts(counts: Mapping[bytes, int], num_merges: int) -> list[tuple[int, int]]:
    """Up to `num_merges` merges learned from piece counts; merge k creates id 256 + k."""
    # A piece of a single token holds no pair and never changes again: leave it out.
    words = [(list(piece), count) for piece, count in counts.items() if len(piece) >= 2 and count > 0]
    stats: dict[tuple[int, int], int] = {}
    for ids, count in words:
        add_pairs(stats, ids, count)
    merges: list[tuple[int, int]] = []
    for k in range(num_merges):
        found = best_pair(stats)
        if found is None:
            break
        best, _ = found
        words = [(merge_into(ids, best, 256 + k, count, stats), count) for ids, count in words]
        merges.append(best)
    return merges


def train(texts: Iterable[str], vocab_size: int, pattern: str) -> list[tuple[int, int]]:
    """Merges for a vocabulary of `vocab_size` ids (256 bytes + merges), as rustbpe counts it."""
    return train_from_counts(count_pieces(texts, pattern), vocab_size - 256)


def vocabulary(merges: Iterable[tuple[int, int]]) -> list[bytes]:
    """Bytes of every id: 256 single bytes, then one entry per merge (duplicates kept)."""
    tokens = [bytes([b]) for b in range(256)]
    for left, right in merges:
        tokens.append(tokens[left] + tokens[right])
    return tokens


def mergeable_ranks(merges: Iterable[tuple[int, int]]) -> list[tuple[bytes, int]]:
    """(bytes, id) for every id, in id order, as rustbpe's get_mergeable_ranks returns them."""
    return [(token, i) for i, token in enumerate(vocabulary(merges))]


def rank_encode(piece: bytes, ranks: Mapping[bytes, int]) -> list[int]:
    """tiktoken's encoding of one piece: the piece whole if it is a token, else its bytes, merging
    the adjacent pair whose concatenation has the lowest rank (the leftmost of equal ones) until
    no concatenation is a token."""
    if piece in ranks:
        return [ranks[piece]]
    parts = [piece[i:i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            break
        i = best[1]
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return [ranks[p] for p in parts]


def extend_from_counts(
    counts: Mapping[bytes, int], base: Mapping[bytes, int], first_new: int, num_merges: int,
    allows=None, filtered: list[tuple[int, int]] | None = None, min_frequency: int = 1,
) -> tuple[list[bytes], list[tuple[int, int]], dict[bytes, list[int]]]:
    """Continued BPE from the rank table `base`: every piece encoded by the base, then the same loop
    as train_from_counts, new ids from `first_new`, and a best pair whose bytes already are a token
    skipped for good rather than merged. Returns the new tokens' bytes in id order, the skipped
    pairs in the order met, and the final tokens of every piece (of two or more base tokens).
    allows(token bytes) -> bool: a merge filter; a best pair whose token it refuses is passed over
    for good too, and appended to `filtered`. Training stops once the best pair occurs fewer than
    min_frequency times."""
    vocab = {rank: token for token, rank in base.items()}
    known = set(base)
    words = {piece: rank_encode(piece, base) for piece, count in counts.items() if count > 0}
    live = [(piece, ids, counts[piece]) for piece, ids in words.items() if len(ids) >= 2]
    stats: dict[tuple[int, int], int] = {}
    for _, ids, count in live:
        add_pairs(stats, ids, count)
    new_tokens: list[bytes] = []
    skipped: list[tuple[int, int]] = []
    passed_over: set[tuple[int, int]] = set()
    while len(new_tokens) < num_merges:
        found = best_pair(stats, (lambda pair: pair not in passed_over) if passed_over else None)
        if found is None or found[1] < min_frequency:
            break
        best = found[0]
        token = vocab[best[0]] + vocab[best[1]]
        if token in known:
            skipped.append(best)
            passed_over.add(best)
            continue
        if allows is not None and not allows(token):
            filtered.append(best)
            passed_over.add(best)
            continue
        new_id = first_new + len(new_tokens)
        vocab[new_id] = token
        known.add(token)
        new_tokens.append(token)
        live = [(piece, merge_into(ids, best, new_id, count, stats), count) for piece, ids, count in live]
        for piece, ids, _ in live:
            words[piece] = ids
    return new_tokens, skipped, words


def words_in(token: bytes) -> int:
    """Words in a token as max_words counts them: runs of bytes other than ASCII whitespace."""
    return len(re.findall(rb"[^ \t\n\v\f\r]+", token))


def split_with_gaps(pattern: str, text: str) -> list[str]:
    """The pieces of a split by `pattern` that keeps its matches and the text between them."""
    pieces, at = [], 0
    for match in regex.finditer(pattern, text):
        if match.start() > at:
            pieces.append(text[at:match.start()])
        if match.end() > match.start():
            pieces.append(match.group())
        at = match.end()
    if at < len(text):
        pieces.append(text[at:])
    return pieces
