"""WordCounts: count shards, add them up, save, pickle, train once or several times."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hfbpe


@pytest.fixture(scope="module")
def texts(multilingual_slice) -> list[str]:
    return multilingual_slice[:300]


def count(data, **kwargs) -> hfbpe.WordCounts:
    return hfbpe.count(data, show_progress=False, num_threads=2, **kwargs)


def test_train_is_count_then_train_from_counts(texts):
    counts = count(texts)
    assert counts.pattern == hfbpe.PATTERNS["gpt4"]
    assert counts.summary["documents"] == len(texts)
    assert counts.total == sum(counts.to_dict().values()) > len(counts) > 10_000
    direct = hfbpe.train(texts, 1000, special_tokens=["<|bos|>"], show_progress=False)
    from_counts = hfbpe.train_from_counts(counts, 1000, special_tokens=["<|bos|>"], show_progress=False)
    assert from_counts.merges == direct.merges
    assert from_counts.special_tokens == direct.special_tokens == {"<|bos|>": 999}
    assert from_counts.pattern == direct.pattern
    assert from_counts.training_summary["documents"] == len(texts)


def test_one_count_serves_several_vocab_sizes(texts):
    counts = count(texts, pattern="gpt2")
    before = counts.to_dict()
    small = hfbpe.train_from_counts(counts, 500, show_progress=False)
    large = hfbpe.train_from_counts(counts, 1500, show_progress=False)
    assert counts.to_dict() == before  # training leaves the counts as they were
    assert large.merges[: len(small.merges)] == small.merges
    assert large.merges == hfbpe.train(texts, 1500, pattern="gpt2", show_progress=False).merges


def test_shards_add_up_to_the_whole(texts):
    whole = count(texts)
    shards = [count(texts[i::3]) for i in range(3)]
    total = shards[0] + shards[1] + shards[2]
    assert total == whole
    assert total.summary["documents"] == len(texts)
    assert total.summary["bytes"] == whole.summary["bytes"]
    in_place = count(texts[0::3])
    in_place.update(shards[1])
    in_place += shards[2]
    assert in_place == whole
    assert shards[0] + shards[1] + shards[2] == whole  # `+` left its operands alone
    doubled = shards[0] + shards[0]
    assert doubled.to_dict() == {p: 2 * n for p, n in shards[0].to_dict().items()}


def test_counts_of_different_patterns_do_not_mix(texts):
    with pytest.raises(ValueError, match="different split patterns: 'gpt4' and 'gpt2'"):
        count(texts[:5]) + count(texts[:5], pattern="gpt2")
    by_hand = hfbpe.WordCounts()
    by_hand.add(b"hello", 3)
    mixed = by_hand + count(["hello"])
    assert mixed.pattern == hfbpe.PATTERNS["gpt4"] and mixed.to_dict() == {b"hello": 4}
    with pytest.raises(TypeError, match="can only add WordCounts"):
        by_hand.update({b"x": 1})


def test_pickle_is_compact_and_exact(texts):
    counts = count(texts)
    blob = pickle.dumps(counts)
    back = pickle.loads(blob)
    assert back == counts and back.summary == counts.summary and back.pattern == counts.pattern
    piece_bytes = sum(len(p) for p in counts.to_dict())
    assert len(blob) < piece_bytes + 16 * len(counts) + 4096


def test_save_and_load(tmp_path, texts):
    counts = count(texts, pattern="o200k")
    path = counts.save(tmp_path / "sub" / "counts.parquet")
    assert [p.name for p in path.parent.iterdir()] == ["counts.parquet"]  # no temporary file left
    table = pq.read_table(path)
    assert table.schema.field("piece").type == pa.large_binary()
    assert table.schema.field("count").type == pa.int64()
    back = hfbpe.WordCounts.load(path)
    assert back == counts
    assert back.pattern == hfbpe.PATTERNS["o200k"]
    assert back.summary["documents"] == len(texts)
    empty = hfbpe.WordCounts("x+").save(tmp_path / "empty.parquet")
    assert len(hfbpe.WordCounts.load(empty)) == 0


def test_load_reads_plain_parquet_and_refuses_other_files(tmp_path):
    pq.write_table(pa.table({"piece": pa.array([b"ab", b"cd"]), "count": pa.array([3, 4], pa.int32())}), tmp_path / "a.parquet")
    loaded = hfbpe.WordCounts.load(tmp_path / "a.parquet")
    assert loaded.to_dict() == {b"ab": 3, b"cd": 4} and loaded.pattern is None
    pq.write_table(pa.table({"text": ["x"]}), tmp_path / "b.parquet")
    with pytest.raises(ValueError, match=r"not a word counts file; it lacks the columns \['count', 'piece'\]"):
        hfbpe.WordCounts.load(tmp_path / "b.parquet")


def test_counts_beyond_32_bits_train():
    counts = hfbpe.WordCounts()
    counts.add(b"ab", 3 * 2**32)
    counts.add(b"abc", 2**33)
    counts.add(b"bc", 2**32 + 1)
    assert counts.total == 3 * 2**32 + 2**33 + 2**32 + 1
    tokenizer = hfbpe.train_from_counts(counts, 258, show_progress=False)
    # ab: 3*2^32 + 2^33 = 5*2^32 beats bc: 2^33 + 2^32 + 1 = 3*2^32 + 1
    assert tokenizer.merges == [(ord("a"), ord("b")), (256, ord("c"))]


def test_bad_counts():
    counts = hfbpe.WordCounts()
    with pytest.raises(ValueError, match="cannot be negative"):
        counts.add(b"x", -1)
    with pytest.raises(TypeError, match="counts must be hfbpe.WordCounts"):
        hfbpe.train_from_counts({b"ab": 1}, 300)


def test_counted_and_added_pieces_meet_in_one_entry():
    """The counter hashes pieces inside their text (reading past a piece's end when the text goes on);
    add() hashes a piece alone. Both must give the same hash, or one piece would get two entries."""
    texts = ["hello world, this is a test of the hash tail " * 3, "ab", "x", "Grüße 你好 12345678 abcdefghijklmnopq"]
    counted = hfbpe.count(texts, show_progress=False).table
    pieces = counted.to_dict()
    for piece, n in pieces.items():
        counted.add(piece, n)
    assert len(counted) == len(pieces)
    assert counted.to_dict() == {piece: 2 * n for piece, n in pieces.items()}


def test_counts_are_exact_for_every_short_piece_length():
    """Pieces of up to 12 bytes are compared inside their text, masked to their length (what
    follows them must not matter): each distinct piece gets one entry with its exact count."""
    import collections
    import random

    import regex

    rng = random.Random(3)
    letters = "abcdefghijklmnop"
    words = [" " + letters[:n] for n in range(0, 15)] + [letters[:n] for n in range(1, 15)] + ["12", "...", "\n\n"]
    texts = ["".join(rng.choice(words) + rng.choice(["", ",", "\n", " 7", "!"]) for _ in range(60)) for _ in range(40)]
    expected = collections.Counter(
        piece.encode() for text in texts for piece in regex.findall(hfbpe.PATTERNS["gpt4"], text)
    )
    counted = hfbpe.count(texts, show_progress=False).table
    assert len(counted) == len(expected)
    assert counted.to_dict() == dict(expected)
