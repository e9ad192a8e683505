"""Extending a tokenizer: `hfbpe.extend` keeps every id of a base tokenizer and adds tokens learned on
new data, so that a model's embeddings stay valid and only the new rows need learning.

The data is counted with the base's split pattern, every distinct piece is encoded by the base, and
the merge loop continues from those tokens with the usual tie-break (highest count, then the
smallest (left, right) pair of ids). New ids follow the base's largest id (after its special tokens
when those come last). A pair whose bytes already are a token of the base (reachable in the base by
another split) is skipped, never merged: the training summary counts them (skipped_merges).

The result is a rank table that tiktoken encodes by the rank of the merged bytes, as every hfbpe
tokenizer is, so a base must encode exactly that way: hfbpe and tiktoken bases do; a tokenizers
BPE base is taken when its merges are in the order of its ids and give, on every distinct piece
of the data, the same tokens as its rank table (else ValueError naming the first piece that differs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _core
from .counting import resolve_num_threads
from .foreign import ByteLevelBPE, read_tokenizer
from .merging import Start, learn_merges, merge_filter as make_merge_filter
from .retrain import Shape, _describe_base, read_shape
from .tokenizer import Tokenizer
from .training import _check_tiktoken_accepts, _count_summary, count
from .word_counts import WordCounts


def extend(
    base: Any,
    data: Any,
    *,
    add: int | None = None,
    vocab_size: int | None = None,
    num_threads: int | None = None,
    show_progress: bool | None = None,
    max_words: int | None = None,
    merge_filter: Sequence[str | bytes] = (),
    min_frequency: int = 1,
    max_token_length: int | None = None,
    **options: Any,
) -> Tokenizer:
    """`base` with up to `add` new tokens learned on `data` (or as many as make `vocab_size` ids).

    base: what hfbpe.train_new_from takes (an hfbpe Tokenizer, a folder or Hub repo id, a
        tokenizers.Tokenizer, a PreTrainedTokenizerFast, a tiktoken Encoding).
    data: what hfbpe.train takes, or WordCounts counted with the base's pattern.
    add: how many tokens to add; or vocab_size: the number of ids afterwards (base's included).
    num_threads, show_progress, max_words, merge_filter, min_frequency, max_token_length: as for
        hfbpe.train (they apply to the new tokens only).
    options: hfbpe.count's (text_column, split, max_chars, doc_cap, batch_size, client).

    Every token of the base keeps its id and bytes; its special tokens, their roles and its
    transformers settings are kept. Fewer tokens are added (with a TrainingWarning) when the data
    runs out of pairs.
    """
    native_filter = make_merge_filter(max_words, merge_filter, max_token_length)
    shape = read_shape(base)
    bpe = read_tokenizer(base)
    start_tokens, specials = _rank_table(bpe)
    first_new = len(start_tokens)
    num_merges = _num_new(add, vocab_size, first_new)
    if "pattern" in options or "special_tokens" in options:
        raise TypeError("extend keeps the base's pattern and special tokens")
    if isinstance(data, WordCounts):
        if options:
            raise TypeError(f"with WordCounts, extend takes no counting options ({', '.join(sorted(options))})")
        if data.pattern is not None and data.pattern != shape.pattern:
            raise ValueError("the counts were made with another split pattern than the base's; count with "
                             "hfbpe.count(data, pattern=<the base's pattern>)")
        counts, release = data, False
    else:
        _check_tiktoken_accepts(shape.pattern)
        counts = count(data, pattern=shape.pattern, num_threads=num_threads, show_progress=show_progress, **options)
        release = options.get("client") is None  # as in hfbpe.train: the counts are this call's own
    encoder = _core.PieceEncoder.from_ranks(start_tokens)
    if not bpe.from_ranks:
        _check_ranks_agree(bpe, encoder, counts)

    count_summary = _count_summary(counts)
    trained, merge_summary = learn_merges(
        counts.table, num_merges, show_progress=show_progress, release_counts=release,
        num_threads=resolve_num_threads(num_threads), stacklevel=3, start=Start(start_tokens, encoder),
        merge_filter=native_filter, min_frequency=min_frequency,
    )
    tokenizer = _extended(base, shape, start_tokens, specials, trained)
    tokenizer.training_summary = {
        **count_summary, **merge_summary, "vocab_size": tokenizer.n_vocab, "first_new_id": first_new,
        "extended_from": _describe_base(base), "base_vocab_size": first_new,
        "skipped": [[tokenizer.token_bytes(left).hex(), tokenizer.token_bytes(right).hex(), n]
                    for left, right, n in trained.skipped[:100]],
    }
    return tokenizer


def _num_new(add: int | None, vocab_size: int | None, first_new: int) -> int:
    if (add is None) == (vocab_size is None):
        raise TypeError("give exactly one of add (tokens to add) and vocab_size (ids afterwards)")
    value, name = (add, "add") if add is not None else (vocab_size, "vocab_size")
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    new = value if add is not None else value - first_new
    if new < 0:
        raise ValueError(f"vocab_size {vocab_size} is smaller than the base's {first_new} ids" if add is None
                         else f"add must be at least 0, got {add}")
    return new


def _rank_table(bpe: ByteLevelBPE) -> tuple[list[bytes | None], dict[str, int]]:
    """The base's bytes by id (None for special and unused ids) and its special tokens."""
    if bpe.pattern is None:
        raise ValueError(f"cannot extend {bpe.name}: {bpe.unsupported}")
    specials = dict(bpe.special_names)
    tokens = list(bpe.token_bytes)
    for token_id in specials.values():
        tokens[token_id] = None  # its text is matched whole before splitting, never merged to
    seen: dict[bytes, int] = {}
    for token_id, token in enumerate(tokens):
        if token is not None and seen.setdefault(token, token_id) != token_id:
            raise ValueError(f"cannot extend {bpe.name}: ids {seen[token]} and {token_id} are both {token!r}")
    return tokens, specials


def _check_ranks_agree(bpe: ByteLevelBPE, ranks: _core.PieceEncoder, counts: WordCounts) -> None:
    """A tokenizers BPE merges by the order of its merge list; the extension encodes by the rank of the
    merged bytes (tiktoken's way, which every runtime reproduces). They agree only if the merges make
    their tokens in id order, and only the data can show whether they agree on it."""
    rules = bpe.rules
    if len(rules) > 1:
        results = rules[:, 2].astype("int64")
        bad = (results[1:] < results[:-1]).nonzero()[0]  # hfbpe lists every split of a token
        if len(bad):
            k = int(bad[0]) + 1
            raise ValueError(
                f"cannot extend {bpe.name}: its merges do not make their tokens in id order (merge {k} makes id "
                f"{int(results[k])} after merge {k - 1} made id {int(results[k - 1])}), so its ids are not a rank "
                "table that tiktoken and the other runtimes could encode identically")
    rule_encoder = bpe.piece_encoder()
    piece = rule_encoder.first_difference(ranks, counts.table)
    if piece is not None:
        raise ValueError(
            f"cannot extend {bpe.name}: on the piece {piece!r} of the data its merges give "
            f"{rule_encoder.encode(piece)} and its ids read as a rank table give {ranks.encode(piece)}; "
            "an extension must encode as a rank table (tiktoken's way), which would change this base's tokens")


def _extended(base: Any, shape: Shape, start_tokens: list[bytes | None], specials: dict[str, int],
              trained) -> Tokenizer:
    first_new = len(start_tokens)
    if isinstance(base, Tokenizer) and not base.is_rank_table and not base.special_tokens:
        # 256 bytes and merges, with nothing after them: the new merges simply follow.
        tokenizer = Tokenizer(shape.pattern, [*base.merges, *trained.merges])
    else:
        ranks = {token: i for i, token in enumerate(start_tokens) if token is not None}
        ranks.update({token: first_new + k for k, token in enumerate(trained.token_bytes)})
        tokenizer = Tokenizer.from_ranks(shape.pattern, ranks, specials)
    tokenizer.special_token_roles = dict(shape.roles)
    tokenizer.transformers_config = dict(shape.transformers_config)
    return tokenizer

