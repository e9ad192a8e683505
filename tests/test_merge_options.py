"""min_frequency and max_token_length (HF tokenizers' BpeTrainer options) in the merge loop: merges as
the pure-Python reference learns them, from the bytes and from a base's tokens (extend)."""

from __future__ import annotations

import pytest
from reference_bpe import extend_from_counts

import hfbpe

BYTES = {bytes([b]): b for b in range(256)}


def new_tokens(tok: hfbpe.Tokenizer, first: int) -> list[bytes]:
    return [tok.token_bytes(i) for i in range(first, tok.n_vocab - len(tok.special_tokens))]


def test_min_frequency_stops_where_the_reference_stops(small_slice):
    counts = hfbpe.count(small_slice[:30], num_threads=1, show_progress=False)
    expected, _, _ = extend_from_counts(counts.to_dict(), BYTES, 256, 5000, min_frequency=4)
    assert 100 < len(expected) < 5000
    with pytest.warns(hfbpe.TrainingWarning, match=f"min_frequency=4 times after {len(expected)} merges"):
        tok = hfbpe.train_from_counts(counts, 256 + 5000, min_frequency=4, show_progress=False)
    assert new_tokens(tok, 256) == expected
    assert min(tok.training_summary["merge_counts"]) >= 4 and tok.training_summary["min_frequency"] == 4
    # Unlimited, the loop goes on past that point with the same first merges.
    longer = hfbpe.train_from_counts(counts, 256 + len(expected) + 50, show_progress=False)
    assert longer.merges[: len(expected)] == tok.merges and min(longer.training_summary["merge_counts"]) < 4


def test_max_token_length_equals_the_reference(small_slice):
    counts = hfbpe.count(small_slice[:30], num_threads=1, show_progress=False)
    filtered: list = []
    expected, _, _ = extend_from_counts(counts.to_dict(), BYTES, 256, 300, allows=lambda t: len(t) <= 4,
                                        filtered=filtered)
    tok = hfbpe.train_from_counts(counts, 256 + 300, max_token_length=4, show_progress=False)
    assert new_tokens(tok, 256) == expected
    assert max(len(t) for t in expected) == 4 and filtered
    assert tok.training_summary["filtered_merges"] == len(filtered)
    assert tok.training_summary["max_token_length"] == 4


def test_both_options_when_extending(small_slice):
    base = hfbpe.train(small_slice[:20], 400, show_progress=False, num_threads=1)
    data = small_slice[20:50]
    counts = hfbpe.count(data, num_threads=1, show_progress=False)
    ranks = {base.token_bytes(i): i for i in range(base.n_vocab)}
    expected, skipped, _ = extend_from_counts(counts.to_dict(), ranks, 400, 2000, allows=lambda t: len(t) <= 6,
                                              filtered=[], min_frequency=3)
    with pytest.warns(hfbpe.TrainingWarning, match="min_frequency=3"):
        more = hfbpe.extend(base, data, add=2000, min_frequency=3, max_token_length=6, num_threads=1,
                            show_progress=False)
    assert new_tokens(more, 400) == expected
    assert all(len(t) <= 6 for t in expected) and more.training_summary["skipped_merges"] == len(skipped)


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match="min_frequency"):
        hfbpe.train(["a b"], 300, min_frequency=0)
    with pytest.raises(ValueError, match="max_token_length"):
        hfbpe.train(["a b"], 300, max_token_length=0)
