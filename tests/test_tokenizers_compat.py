"""compatible="tokenizers": the vocab and merges of HF tokenizers' BpeTrainer, item for item, checked
against the real library and against the naive model of its rules (reference_bpetrainer)."""

from __future__ import annotations

import itertools
import json
import warnings

import pytest
import reference_bpetrainer
from reference_bpe import count_pieces, extend_from_counts
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

import hfbpe
from hfbpe.patterns import GPT2, GPT4

ALPHABET = pre_tokenizers.ByteLevel.alphabet()


def bpetrainer(texts: list[str], vocab_size: int, pattern: str = "gpt2", **options) -> tuple[dict, list]:
    """BpeTrainer's vocab and merges for a byte-level BPE: ByteLevel with GPT-2's regex, or
    Split(pattern, isolated) + ByteLevel(use_regex=False)."""
    return _model(json.loads(bpetrainer_tokenizer(texts, vocab_size, pattern, **options).to_str()))


def bpetrainer_tokenizer(texts: list[str], vocab_size: int, pattern: str = "gpt2", **options) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    if pattern == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False, **options))
    return tok


def _model(config: dict) -> tuple[dict, list]:
    model = config["model"]
    return model["vocab"], [list(m) if isinstance(m, list) else m.split(" ") for m in model["merges"]]


def ours(texts: list[str], vocab_size: int, pattern: str = "gpt2", **options) -> hfbpe.Tokenizer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)  # bytes the data lacks, short vocabularies
        return hfbpe.train(texts, vocab_size, pattern=pattern, compatible="tokenizers", num_threads=2,
                           show_progress=False, **options)


def assert_equal_to_bpetrainer(tok: hfbpe.Tokenizer, expected: tuple[dict, list]) -> None:
    vocab, merges = _model(json.loads(tok.to_tokenizers().to_str()))
    expected_vocab, expected_merges = expected
    assert merges == [list(m) for m in expected_merges]
    # Bytes BpeTrainer never saw have no id there; hfbpe numbers them after its ids.
    assert {t: i for t, i in vocab.items() if i < len(expected_vocab)} == expected_vocab
    extra = {t: i for t, i in vocab.items() if i >= len(expected_vocab)}
    assert all(len(t) == 1 for t in extra) and sorted(extra.values()) == list(
        range(len(expected_vocab), len(expected_vocab) + len(extra)))


OPTIONS = [
    {},
    {"initial_alphabet": ALPHABET},
    {"special_tokens": ["<|endoftext|>", "<pad>"], "initial_alphabet": ALPHABET},
    {"min_frequency": 2},
    {"max_token_length": 16, "min_frequency": 2},
    {"max_token_length": 5},
    {"max_token_length": 2},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "plain")
@pytest.mark.parametrize("vocab_size", [300, 2000, 6000])
def test_equal_to_bpetrainer_on_the_multilingual_slice(multilingual_slice, options, vocab_size):
    texts = multilingual_slice[:120]
    assert_equal_to_bpetrainer(ours(texts, vocab_size, **options), bpetrainer(texts, vocab_size, **options))


@pytest.mark.parametrize("options", [{}, {"initial_alphabet": ALPHABET, "max_token_length": 8}],
                         ids=["plain", "alphabet,max_token_length"])
def test_equal_to_bpetrainer_with_a_split_pattern(small_slice, options):
    texts = small_slice[:80]
    tok = ours(texts, 3000, pattern=GPT4, **options)
    assert_equal_to_bpetrainer(tok, bpetrainer(texts, 3000, pattern=GPT4, **options))


ADVERSARIAL = [
    # Equal counts everywhere: the tie-break decides every merge, and bytes below 0x21 or in
    # 0x7F-0xA0 and 0xAD have byte-level characters above 0xFF, so byte order is not its order.
    ["ab ba \x01\x02 \x02\x01 \x7f\xa0 \xad! !\xad ÿÀ Àÿ"] * 3,
    ["aaaaaaaaaaaaaaaa aaaa aaa aa a"] * 5 + ["abababab baba"] * 5,
    ["\t\t\n\n  \r\n" * 20, "😀😀😀 😀 中文中文中 文", "ĀāĂ ăĄą"],
    [" ".join(chr(c) for c in range(0x20, 0x250))] * 2,
    ["x"],
    ["tie tie tic tac toe " * 7, "eit eit cit cat eot " * 7],
]


@pytest.mark.parametrize("texts", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
@pytest.mark.parametrize("vocab_size", [40, 260, 400])
@pytest.mark.parametrize("options", [{}, {"initial_alphabet": ALPHABET}, {"max_token_length": 3},
                                     {"min_frequency": 3, "special_tokens": ["<s>"]}],
                         ids=["plain", "alphabet", "max_token_length", "min_frequency,special"])
def test_equal_to_bpetrainer_on_adversarial_text(texts, vocab_size, options):
    assert_equal_to_bpetrainer(ours(texts, vocab_size, **options), bpetrainer(texts, vocab_size, **options))


# Vocabulary sizes at which min_frequency ends training early (955 and 768 merges of the 1330
# the slice allows): the reference is pure Python, and merges past the point a test needs cost.
@pytest.mark.parametrize(("options", "vocab_size"), [({"min_frequency": 8}, 1500), ({"max_token_length": 4}, 800),
                                                    ({"max_token_length": 9}, 800),
                                                    ({"max_token_length": 1, "min_frequency": 2}, 1500)])
def test_min_frequency_and_max_token_length_equal_the_reference(small_slice, options, vocab_size):
    texts = small_slice[:40]
    counts = hfbpe.count(texts, pattern="gpt2", num_threads=1, show_progress=False)
    expected = reference_bpetrainer.train(count_pieces(texts, GPT2), vocab_size, **options)
    tok = ours(texts, vocab_size, **options)
    if "min_frequency" in options:
        assert tok.n_vocab < vocab_size  # it did end training
    assert_equal_to_bpetrainer(tok, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)
        again = hfbpe.train_from_counts(counts, vocab_size, compatible="tokenizers", show_progress=False, **options)
    assert again.mergeable_ranks == tok.mergeable_ranks and again.listed_merges == tok.listed_merges
    if "max_token_length" in options:
        longest = max(len(t) for t in tok.mergeable_ranks)
        assert longest == max(options["max_token_length"] - 1, 2)
        assert tok.training_summary["max_token_length"] == options["max_token_length"]


def test_ids_special_tokens_first_then_the_alphabet_in_code_point_order(small_slice):
    tok = ours(small_slice[:10], 700, special_tokens=["<s>", "</s>"], initial_alphabet=ALPHABET)
    assert tok.special_tokens == {"<s>": 0, "</s>": 1} and tok.n_vocab == 700
    chars = hfbpe.hf_format.byte_to_char()
    by_id = sorted(range(256), key=lambda b: chars[b])
    assert [tok.mergeable_ranks[bytes([b])] for b in by_id] == list(range(2, 258))
    # The merges' tokens follow, one id each, in merge order.
    listed = tok.listed_merges
    assert len(listed) == 700 - 258
    assert [tok.mergeable_ranks[left + right] for left, right in listed] == list(range(258, 700))
    assert tok.training_summary["compatible"] == "tokenizers" and tok.training_summary["alphabet"] == 256


def test_bytes_the_data_lacks_get_ids_after_bpetrainers_with_a_warning():
    with pytest.warns(hfbpe.TrainingWarning, match="never occur in the data"):
        tok = hfbpe.train(["abc abd abe"] * 4, 10, pattern="gpt2", compatible="tokenizers", show_progress=False)
    vocab, merges = bpetrainer(["abc abd abe"] * 4, 10)
    # BpeTrainer's 10 ids (a b c d e, the space and 4 merges), then the 250 bytes the text lacks
    assert len(vocab) == 10 and tok.n_vocab == 10 + 256 - 6
    # Every byte still encodes, where BpeTrainer's tokenizer.json would drop it.
    assert tok.decode(tok.encode("xyz ÿ")) == "xyz ÿ"
    assert_equal_to_bpetrainer(tok, (vocab, merges))


def test_min_frequency_stops_with_a_warning_naming_the_merges():
    texts = ["low lower lowest"] * 3 + ["newer wider"]
    _, merges = bpetrainer(texts, 1000, min_frequency=3)
    with pytest.warns(hfbpe.TrainingWarning, match=f"min_frequency=3 times after {len(merges)} merges"):
        tok = hfbpe.train(texts, 1000, pattern="gpt2", compatible="tokenizers", min_frequency=3,
                          initial_alphabet=ALPHABET, show_progress=False)
    assert_equal_to_bpetrainer(tok, bpetrainer(texts, 1000, min_frequency=3, initial_alphabet=ALPHABET))


def test_saved_files_hold_bpetrainers_tokenizer_json_and_load_back(tmp_path, small_slice):
    from transformers import AutoTokenizer

    texts = small_slice[:30]
    options = {"special_tokens": ["<|endoftext|>"], "initial_alphabet": ALPHABET, "max_token_length": 12}
    theirs = bpetrainer_tokenizer(texts, 1200, **options)
    expected = _model(json.loads(theirs.to_str()))
    tok = ours(texts, 1200, **options)
    folder = tok.save_pretrained(tmp_path / "tok")
    assert _model(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))) == expected
    back = hfbpe.from_pretrained(folder)
    assert back.listed_merges == tok.listed_merges and back.mergeable_ranks == tok.mergeable_ranks
    assert back.special_tokens == {"<|endoftext|>": 0}
    # Runtimes reading the files encode as BpeTrainer's own tokenizer does.
    auto = AutoTokenizer.from_pretrained(str(folder))
    for text in texts[:10]:
        ids = theirs.encode(text, add_special_tokens=False).ids
        assert auto.encode(text, add_special_tokens=False) == ids
        assert back.to_tokenizers().encode(text, add_special_tokens=False).ids == ids
        assert back.decode(ids) == text
    # A smaller vocabulary cut from it is BpeTrainer's at that size.
    smaller = tok.truncated(800)
    assert _model(json.loads(smaller.to_tokenizers().to_str())) == bpetrainer(texts, 800, **options)


def test_bad_options_are_refused_before_counting():
    with pytest.raises(ValueError, match="compatible must be one of"):
        hfbpe.train(["a"], 300, compatible="hf")
    with pytest.raises(ValueError, match="goes with compatible=\"tokenizers\""):
        hfbpe.train(["a"], 300, initial_alphabet=ALPHABET)
    with pytest.raises(ValueError, match="not one of the 256 characters"):
        hfbpe.train(["a"], 300, compatible="tokenizers", initial_alphabet=["中"])
    with pytest.raises(TypeError, match="single str"):
        hfbpe.train(["a"], 300, compatible="tokenizers", initial_alphabet="abc")
    with pytest.raises(ValueError, match="no max_words or merge_filter"):
        hfbpe.train(["a"], 300, compatible="tokenizers", max_words=2)
    with pytest.raises(ValueError, match="max_token_length must be a non-negative int"):
        hfbpe.train(["a"], 300, compatible="tokenizers", max_token_length=-1)
    with pytest.raises(ValueError, match="vocab_size must be a non-negative int"):
        hfbpe.train(["a"], -1, compatible="tokenizers")
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        hfbpe.train(["a"], 3.0, compatible="tokenizers")
    with pytest.raises(ValueError, match="character of the byte-level alphabet"):
        hfbpe.train(["a"], 300, compatible="tokenizers", special_tokens=["Ġ"])


def test_a_special_token_that_a_merge_would_make_is_refused():
    # BpeTrainer would merge "a" + "b" into the special token's id; hfbpe says so instead.
    assert bpetrainer(["ab ab ab"], 10, special_tokens=["ab"])[0]["ab"] == 0
    with pytest.raises(ValueError, match="also the byte-level text of the learned token"):
        ours(["ab ab ab"], 10, special_tokens=["ab"])


def test_max_token_length_zero_and_a_generator_alphabet_are_taken_as_bpetrainer_takes_them():
    texts = ["abcabc abcd abcde"] * 4
    options = {"max_token_length": 0}
    tok = ours(texts, 40, initial_alphabet=(c for c in "xyz"), **options)
    assert_equal_to_bpetrainer(tok, bpetrainer(texts, 40, initial_alphabet=list("xyz"), **options))
    assert max(len(t) for t in tok.mergeable_ranks) == 2


def test_bytes_present_lists_the_bytes_of_every_piece():
    counts = hfbpe.count(["aé\x00", "zz"], pattern="gpt2", show_progress=False)
    assert counts.table.bytes_present() == bytes(sorted(set("aé\x00zz".encode())))


def test_a_length_bound_prunes_rare_pairs_and_keeps_the_merges(small_slice):
    # 24 long words, each far more frequent than any short one, made of four 2-byte units: with
    # tokens of at most 2 bytes they are stuck after a few merges. Counted in the pruning bound,
    # they would set it at 1,000 and leave the short words' pairs untracked; the bound counts only
    # words within the length limit instead.
    units = ["kl", "mn", "op", "qr"]
    texts = small_slice[:30] + [(" " + "".join(p)) * 1000 for p in itertools.permutations(units)]
    counts = hfbpe.count(texts, pattern="gpt2", num_threads=1, show_progress=False)
    for options in ({"max_token_length": 2}, {"max_token_length": 3, "compatible": "tokenizers"}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", hfbpe.TrainingWarning)
            alphabet = len(counts.table.bytes_present()) if "compatible" in options else 256
            pruned = hfbpe.train_from_counts(counts, alphabet + 20, show_progress=False, **options)
        if "compatible" in options:
            assert_equal_to_bpetrainer(pruned, reference_bpetrainer.train(count_pieces(texts, GPT2), alphabet + 20,
                                                                           max_token_length=3))
        else:
            reference, _, _ = extend_from_counts(counts.to_dict(), {bytes([b]): b for b in range(256)}, 256, 20,
                                                 allows=lambda t: len(t) <= 2, filtered=[])
            assert [pruned.token_bytes(i) for i in range(256, 276)] == reference
            # A filter that is not only a length bound tracks every pair: more memory, the same merges.
            tracked = hfbpe.train_from_counts(counts, 276, show_progress=False, merge_filter=["\xff\xfe\xfd"],
                                              **options)
            assert tracked.mergeable_ranks == pruned.mergeable_ranks
            assert pruned.training_summary["trainer_bytes"] < tracked.training_summary["trainer_bytes"]
