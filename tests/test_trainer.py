"""The merge loop: hfbpe's merges against a pure-Python reference and against rustbpe."""

from __future__ import annotations

import random
import warnings

import pytest
import reference_bpe
import rustbpe

import hfbpe
from hfbpe import _core

GPT4 = hfbpe.PATTERNS["gpt4"]


def rustbpe_ranks(texts, vocab_size: int, pattern: str) -> list[tuple[bytes, int]]:
    tokenizer = rustbpe.Tokenizer()
    tokenizer.train_from_iterator(texts, vocab_size, pattern=pattern)
    return [(bytes(b), i) for b, i in tokenizer.get_mergeable_ranks()]


def hfbpe_merges(texts, vocab_size: int, pattern: str) -> list[tuple[int, int]]:
    """hfbpe.train's merges; small inputs may run out of pairs, which only warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)
        return hfbpe.train(texts, vocab_size, pattern=pattern, show_progress=False).merges


def random_text(seed: int, n_words: int = 600) -> str:
    """A few KB of Zipf-distributed words (many equal pair counts, so the tie rule matters)."""
    rng = random.Random(seed)
    alphabet = "abcdeéß你好 "
    lexicon = ["".join(rng.choice(alphabet[:-1]) for _ in range(rng.randint(1, 7))) for _ in range(80)]
    weights = [1 / (rank + 1) for rank in range(len(lexicon))]
    words = rng.choices(lexicon, weights, k=n_words)
    seps = rng.choices([" ", " ", " ", ", ", ".\n", "  ", "\n\n", "'s ", " 12 ", " 2024 "], k=n_words)
    return "".join(w + s for w, s in zip(words, seps))


SMALL_INPUTS = {
    "english": ["The quick brown fox jumps over the lazy dog. " * 3, "the dog sleeps; the fox doesn't."],
    "all_ties": ["abcd efgh ijkl"],  # every pair occurs once: order is the (left, right) order
    "overlapping_runs": ["aaaaaaa bbbb aaa", "aaaa", "aaaaaaaaaaa ab ab ab"],
    "multilingual": ["Grüße aus Köln — 你好，世界！ नमस्ते दुनिया 😀👍🏽 Привет, мир! ٣٤٥ ١٢"],
    "digits": ["1234567890 3.14159 2025-11-28 0000000 12 12 12 1,000,000"],
    "whitespace": ["a\n\n\tb  c\r\n\r\n   d\t\t e \u00a0f\u3000g"],
    "random_a": [random_text(1)],
    "random_b": [random_text(2), random_text(3)],
}


@pytest.mark.parametrize("name", sorted(SMALL_INPUTS))
@pytest.mark.parametrize("pattern_name", ["gpt4", "gpt2", "o200k", "nanochat"])
def test_reference_agrees_on_small_inputs(name, pattern_name):
    texts = SMALL_INPUTS[name]
    pattern = hfbpe.PATTERNS[pattern_name]
    vocab_size = 256 + 120
    expected = reference_bpe.train(texts, vocab_size, pattern)
    assert expected, "the input should allow at least one merge"
    assert hfbpe_merges(texts, vocab_size, pattern) == expected


@pytest.mark.parametrize("name", ["english", "all_ties", "overlapping_runs", "random_b"])
def test_rustbpe_agrees_on_small_inputs(name):
    texts = SMALL_INPUTS[name]
    expected = rustbpe_ranks(texts, 256 + 120, GPT4)
    assert reference_bpe.mergeable_ranks(hfbpe_merges(texts, 256 + 120, GPT4)) == expected


@pytest.mark.parametrize("pattern_name", ["gpt4", "gpt2", "o200k", "nanochat"])
def test_rustbpe_agrees_on_adversarial_strings(pattern_name):
    from test_pretokenizer import ADVERSARIAL

    texts = [text for text in ADVERSARIAL.values() for _ in range(3)] + ["'s 's ’s", "\r\n" * 5]
    pattern = hfbpe.PATTERNS[pattern_name]
    expected = rustbpe_ranks(texts, 256 + 400, pattern)
    assert reference_bpe.mergeable_ranks(hfbpe_merges(texts, 256 + 400, pattern)) == expected


def test_rustbpe_agrees_on_mongolian_vowel_separator():
    """U+180E after a space: PCRE2's \\s matches it, rustbpe's does not (see test_pretokenizer)."""
    texts = ["x \u180e!", " \u180e1"]
    expected = rustbpe_ranks(texts, 256 + 20, GPT4)
    assert reference_bpe.mergeable_ranks(hfbpe_merges(texts, 256 + 20, GPT4)) == expected


def test_all_ties_follow_pair_order():
    # Every pair of "abcd efgh" occurs once, so the merges come in (left, right) order.
    merges = hfbpe_merges(["abcd efgh"], 300, r"\S+|\s+")
    assert merges[:3] == [(ord("a"), ord("b")), (ord("c"), ord("d")), (ord("e"), ord("f"))]


def test_reference_agrees_on_corpus_slice(small_slice):
    size = sum(len(t.encode("utf-8")) for t in small_slice)
    assert 30_000 < size < 100_000
    expected = reference_bpe.train(small_slice, 400, GPT4)
    assert len(expected) == 144
    tokenizer = hfbpe.train(small_slice, 400, pattern="gpt4", show_progress=False)
    assert tokenizer.merges == expected
    assert tokenizer.get_mergeable_ranks() == reference_bpe.mergeable_ranks(expected)


@pytest.mark.parametrize("vocab_size", [512, 2048, 4096])
@pytest.mark.parametrize("pattern_name", ["gpt4", "gpt2", "nanochat", "o200k"])
def test_rustbpe_agrees_merge_for_merge(multilingual_slice, pattern_name, vocab_size):
    pattern = hfbpe.PATTERNS[pattern_name]
    expected = rustbpe_ranks(multilingual_slice, vocab_size, pattern)
    assert len(expected) == vocab_size

    dropin = hfbpe.Tokenizer()
    dropin.train_from_iterator(multilingual_slice, vocab_size, pattern=pattern)
    assert dropin.get_mergeable_ranks() == expected

    trained = hfbpe.train(multilingual_slice, vocab_size, pattern=pattern_name, show_progress=False)
    assert trained.get_mergeable_ranks() == expected
    assert trained.pattern == pattern
    assert trained.n_vocab == vocab_size
    token_bytes = [b for b, _ in trained.get_mergeable_ranks()]
    assert len(set(token_bytes)) == vocab_size


def test_nanochat_pattern_is_gpt4_with_two_digit_numbers():
    assert hfbpe.PATTERNS["nanochat"] == GPT4.replace(r"\p{N}{1,3}", r"\p{N}{1,2}")
    assert hfbpe.PATTERNS["cl100k"] == GPT4


@pytest.fixture(scope="module")
def baseline_2048(multilingual_slice):
    return hfbpe.train(multilingual_slice, 2048, num_threads=1, show_progress=False).merges


@pytest.mark.parametrize("batch_size", [1, 7, 8192])
@pytest.mark.parametrize("num_threads", [1, 2, 7])
def test_threads_and_batches_do_not_change_merges(multilingual_slice, baseline_2048, num_threads, batch_size):
    tokenizer = hfbpe.train(
        multilingual_slice, 2048, num_threads=num_threads, batch_size=batch_size, show_progress=False
    )
    assert len(tokenizer.merges) == 2048 - 256
    assert tokenizer.merges == baseline_2048


def test_generator_input(multilingual_slice, baseline_2048):
    consumed = []

    def texts():
        for text in multilingual_slice:
            consumed.append(1)
            yield text

    tokenizer = hfbpe.train(texts(), 2048, batch_size=100, show_progress=False)
    assert len(consumed) == len(multilingual_slice)
    assert tokenizer.merges == baseline_2048

    dropin = hfbpe.Tokenizer()
    dropin.train_from_iterator(iter(multilingual_slice), 2048, buffer_size=64)
    assert dropin.merges == baseline_2048


def test_dataset_column_input(multilingual_slice, baseline_2048):
    datasets = pytest.importorskip("datasets")
    column = datasets.Dataset.from_dict({"text": multilingual_slice})["text"]
    tokenizer = hfbpe.train(column, 2048, show_progress=False)
    assert tokenizer.merges == baseline_2048


# 64-bit counts ---------------------------------------------------------------------


def test_counts_beyond_32_bits():
    counts = _core.WordCounts()
    counts.add(b"abab", 3_000_000_000)  # pair (a, b): 6e9, which is 1_705_032_704 modulo 2**32
    counts.add(b"cd", 2_000_000_000)  # pair (c, d): 2e9
    counts.add(b"ef", 5)
    counts.add(b"ef", 2**32)  # adds up past 2**32 in one entry
    assert len(counts) == 3
    assert counts.total == 3_000_000_000 + 2_000_000_000 + 5 + 2**32
    assert counts.to_dict() == {b"abab": 3_000_000_000, b"cd": 2_000_000_000, b"ef": 2**32 + 5}

    merges, words, *_ = _core.train(counts, 10)
    # In 64 bits: (a,b) 6e9, then (e,f) 4_294_967_301, then (ab,ab) 3e9, then (c,d) 2e9.
    # Wrapped to 32 bits, (a,b) would count 1_705_032_704 and (e,f) 5: (b,a) with 3e9 would come first.
    assert merges == [(97, 98), (101, 102), (256, 256), (99, 100)]
    assert words == 3
    assert merges == reference_bpe.train_from_counts(counts.to_dict(), 10)


def test_pair_counts_that_overflow_64_bits_are_an_error_not_a_wrap():
    # The piece count fits in int64, but its pair (a, b) occurs twice: 2**63 occurrences.
    counts = _core.WordCounts()
    counts.add(b"abab", 2**62)
    try:
        merges, *_ = _core.train(counts, 3)
    except OverflowError:
        return  # README: "an overflow is an error, never a wrap"
    assert merges == [(97, 98), (256, 256)], "the pair count wrapped around"


def test_piece_count_overflow_is_an_error():
    counts = _core.WordCounts()
    counts.add(b"ab", 2**62)
    with pytest.raises(OverflowError):
        counts.add(b"ab", 2**62)
    assert counts.to_dict() == {b"ab": 2**62}


# Tokens reached by two merge orders -------------------------------------------------


def random_counts(rng: random.Random) -> dict[bytes, int]:
    alphabet = b"abcd"[: rng.randint(1, 4)]
    counts: dict[bytes, int] = {}
    for _ in range(rng.randint(1, 25)):
        word = bytes(rng.choice(alphabet) for _ in range(rng.randint(2, 10)))
        counts[word] = counts.get(word, 0) + rng.randint(1, 40)
    return counts


@pytest.mark.parametrize("num_threads", [1, 2])
def test_long_words_with_many_occurrences(num_threads):
    """The merge loop finds a pair in blocks of symbols (eight 16-bit ones at a
    time here): words of up to 70 bytes from two or three letters put
    occurrences at every offset of a block, across block edges, overlapping
    ("aaa") and back to back ("abab"), checked against the reference trainer."""
    rng = random.Random(77)
    for trial in range(60):
        alphabet = b"abc"[: rng.randint(2, 3)]
        counts: dict[bytes, int] = {}
        for _ in range(rng.randint(1, 30)):
            word = bytes(rng.choice(alphabet) for _ in range(rng.randint(2, 70)))
            counts[word] = counts.get(word, 0) + rng.randint(1, 9)
        word_counts = _core.WordCounts()
        for piece, n in counts.items():
            word_counts.add(piece, n)
        merges, *_ = _core.train(word_counts, 40, num_threads=num_threads)
        assert merges == reference_bpe.train_from_counts(counts, 40), counts


def test_long_words_in_merges_shared_by_two_threads():
    """Merges of 512 words or more are scanned by two threads, each half of the
    list, and both sides of the merge list their words on two threads: with
    3,000 long two- and three-letter words every early merge is shared."""
    rng = random.Random(78)
    table = _core.WordCounts()
    for _ in range(3000):
        table.add(bytes(rng.choice(b"abc") for _ in range(rng.randint(8, 70))), rng.randint(1, 9))
    one, *_ = _core.train(table, 200, None, False, 1)
    two, *_ = _core.train(table, 200, None, False, 2)
    assert two == one


def test_merges_never_recreate_an_existing_token():
    """Plain BPE cannot reach the same bytes twice; the trainer's internal-error guard never fires.

    Why: a span of a word that ends up as one token is never merged across its
    edges, so its tokens evolve exactly as the same bytes would alone (merges
    scan left to right and enter the span fresh). Every word holding those
    bytes as one token therefore got it from the same merge at the same step.
    Checked here on many small, repetitive inputs (where reuse of substrings
    is as likely as it gets), with the reference trainer, hfbpe and rustbpe.
    """
    rng = random.Random(1234)
    for trial in range(300):
        counts = random_counts(rng)
        expected = reference_bpe.train_from_counts(counts, 60)
        vocab = reference_bpe.vocabulary(expected)
        assert len(set(vocab)) == len(vocab), f"reference BPE recreated a token for {counts}"

        word_counts = _core.WordCounts()
        for piece, n in counts.items():
            word_counts.add(piece, n)
        merges, *_ = _core.train(word_counts, 60)
        assert merges == expected, counts

        if trial % 10 == 0:
            text = " ".join(piece.decode() for piece, n in counts.items() for _ in range(n))
            ranks = rustbpe_ranks([text], 256 + 60, r"\S+")
            assert [b for b, _ in ranks] == vocab


def test_pairs_too_rare_to_merge_are_left_out_without_changing_merges():
    """The trainer does not track pairs that appear with a count below the
    count of the num_merges-th most frequent word: no pair that rare can be
    merged within num_merges merges. Many words with counts crowded around that
    bound, merges checked against the reference trainer."""
    # Tight: the last merge's count is the bound itself. Disjoint words of equal count need one merge each.
    counts = {b"ab": 5, b"cd": 5, b"ef": 5, b"gh": 4}
    word_counts = _core.WordCounts()
    for piece, n in counts.items():
        word_counts.add(piece, n)
    assert _core.train(word_counts, 3)[0] == [(97, 98), (99, 100), (101, 102)]

    rng = random.Random(99)
    for trial in range(90):
        counts = {}
        alphabet = b"abcde"[: rng.randint(2, 5)]
        choices = [rng.randint(1, 9)] if trial % 3 == 0 else [1, 2, 3, 4, 5, 6, 8, 13, 50]
        for _ in range(rng.randint(20, 120)):
            word = bytes(rng.choice(alphabet) for _ in range(rng.randint(2, 8)))
            counts[word] = counts.get(word, 0) + rng.choice(choices)
        num_merges = rng.randint(1, len(counts) + 5)
        word_counts = _core.WordCounts()
        for piece, n in counts.items():
            word_counts.add(piece, n)
        merges, *_ = _core.train(word_counts, num_merges)
        assert merges == reference_bpe.train_from_counts(counts, num_merges), (counts, num_merges)


def test_tokenizer_refuses_merges_that_recreate_a_token():
    a, b, c = ord("a"), ord("b"), ord("c")
    merges = [(a, b), (256, c), (b, c), (a, 258)]  # "ab"+"c" and "a"+"bc" are both "abc"
    with pytest.raises(ValueError, match="already token 257"):
        hfbpe.Tokenizer(merges=merges)
    tokenizer = hfbpe.Tokenizer(merges=merges[:3])
    assert tokenizer.vocab_size == 259
    assert tokenizer.encode("abc") == [257]


def test_vocabulary_is_distinct_and_exactly_the_size_asked(multilingual_slice):
    tokenizer = hfbpe.train(multilingual_slice, 3000, special_tokens=["<|bos|>"], show_progress=False)
    token_bytes = [b for b, _ in tokenizer.get_mergeable_ranks()]
    assert len(token_bytes) == 2999 == tokenizer.vocab_size
    assert len(set(token_bytes)) == len(token_bytes)
    assert [i for _, i in tokenizer.get_mergeable_ranks()] == list(range(2999))
    assert tokenizer.n_vocab == 3000
    # The trainer hands over its tokens' bytes; the same merges given by hand
    # (checked and concatenated one by one) must give the same vocabulary.
    rebuilt = hfbpe.Tokenizer(tokenizer.get_pattern(), tokenizer.merges, tokenizer.special_tokens)
    assert rebuilt.get_mergeable_ranks() == tokenizer.get_mergeable_ranks()
    encoding = tokenizer.to_tiktoken()
    text = multilingual_slice[0]
    assert encoding.decode(encoding.encode_ordinary(text)) == text


def test_train_reports_pieces_and_progress():
    counts = _core.WordCounts()
    for piece, n in {b"hello": 5, b"help": 3, b"h": 9, b"": 4}.items():
        counts.add(piece, n)
    seen = []
    merges, words, _, _, token_bytes, trainer_bytes, merge_counts, skipped, filtered, stopped = _core.train(counts, 50, seen.append)
    assert words == 2  # "h" and "" hold no pair
    assert skipped == [] and filtered == [] and not stopped
    assert trainer_bytes > 0
    assert token_bytes == [b"el", b"hel", b"lo", b"hello", b"help"]
    assert merges == reference_bpe.train_from_counts(counts.to_dict(), 50)
    # "el" (8, ties with "he" and wins as the smaller pair), "h"+"el" (8), then "l"+"o" (5, ties with
    # "hel"+"l" = (257, 108) and wins as (108, 111)), "hel"+"lo" (5), "hel"+"p" (3).
    assert merges == [(101, 108), (104, 256), (108, 111), (257, 258), (257, 112)]
    assert merge_counts == [8, 8, 5, 5, 3]
    assert seen and seen[-1] == len(merges)


def test_release_counts_frees_them_after_loading_and_keeps_the_merges(multilingual_slice):
    counts = hfbpe.count(multilingual_slice[:200], show_progress=False).table
    kept_merges, *_ = _core.train(counts, 300)
    assert len(counts) > 0 and counts.memory_bytes > 0
    released_merges, *_ = _core.train(counts, 300, None, True)
    assert released_merges == kept_merges
    assert len(counts) == 0 and counts.memory_bytes == _core.WordCounts().memory_bytes


def test_vocabularies_past_65536_ids_continue_the_smaller_ones():
    """Up to 65,536 ids the trainer keeps words as 16-bit symbols, beyond as 32-bit ones.

    BPE is prefix-consistent: the first k merges of a longer run are the merges
    of a run asked for k. Checked across the switch, on random words with
    enough distinct pairs for 70,000 merges."""
    rng = random.Random(5)
    counts = _core.WordCounts()
    for _ in range(60_000):
        counts.add(rng.randbytes(rng.randint(2, 9)), rng.randint(1, 3))
    # Long repetitive words too: the 32-bit scan (four symbols a block) meets
    # occurrences at every block offset and in merges shared by two threads.
    for _ in range(2_000):
        counts.add(bytes(rng.choice(b"ab") for _ in range(rng.randint(8, 60))), rng.randint(1, 3))
    long_run, *_ = _core.train(counts, 70_000)
    assert len(long_run) == 70_000 and max(max(m) for m in long_run) >= 65_536
    short_run, *_ = _core.train(counts, 65_280)
    assert long_run[:65_280] == short_run
    long_run_two_threads, *_ = _core.train(counts, 70_000, None, False, 2)
    assert long_run_two_threads == long_run


def test_running_out_of_pairs_warns_at_the_callers_line():
    calls = [
        lambda: hfbpe.train(["ab ab"], 300, show_progress=False),
        lambda: hfbpe.train_from_counts(hfbpe.count(["ab ab"], show_progress=False), 300, show_progress=False),
        lambda: hfbpe.Tokenizer().train_from_iterator(["ab ab"], 300),
    ]
    for call in calls:
        with pytest.warns(hfbpe.TrainingWarning) as record:
            call()
        assert [w.filename for w in record] == [__file__]


def test_two_threads_give_the_same_merges():
    """Merges of 512 words or more are shared with a second thread; here the first merges
    touch thousands of words. Checked against the reference and against one thread."""
    rng = random.Random(21)
    counts: dict[bytes, int] = {}
    for _ in range(12000):
        word = bytes(rng.choice(b"abc") for _ in range(rng.randint(3, 12)))
        counts[word] = counts.get(word, 0) + rng.randint(1, 5)
    assert sum(b"ab" in word for word in counts) > 2 * 512  # the first merges are shared
    table = _core.WordCounts()
    for piece, n in counts.items():
        table.add(piece, n)
    one, *_ = _core.train(table, 30, None, False, 1)
    two, *_ = _core.train(table, 30, None, False, 2)
    assert two == one == reference_bpe.train_from_counts(counts, 30)


def test_counts_named_by_their_pattern_train_with_its_regex():
    """WordCounts may carry a pattern's name; the trained tokenizer holds the regex itself."""
    counts = hfbpe.WordCounts("gpt4")
    counts.add(b"hello", 3)
    counts.add(b" world", 2)
    tokenizer = hfbpe.train_from_counts(counts, 260, show_progress=False)
    assert tokenizer.get_pattern() == hfbpe.PATTERNS["gpt4"]
    assert tokenizer.encode("hello world") == [259, 32, 119, 111, 114, 108, 100]
