"""hfbpe.train_superword and merge filters: stage 2 as the pure-Python reference learns it, multi-word
merges where they are known, max_words and merge_filter respected, and four runtimes giving the same
ids on a superword tokenizer."""

from __future__ import annotations

import json
import warnings
from collections import Counter

import pytest
import regex
import tiktoken
from reference_bpe import extend_from_counts, split_with_gaps, train_from_counts, words_in
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import pre_tokenizers

import hfbpe
from hfbpe import _core
from hfbpe.foreign import read_tokenizer
from hfbpe.patterns import SUPERWORD, keeping_gaps, split_keeping_gaps as split_of

SUPER = keeping_gaps(SUPERWORD)

TRICKY = [
    "", " ", "   ", "a", "In 2024, in order to  see... the  end\n\nof it:  yes!! a/b  \n",
    "x  \n  y", "...\n/", " ?!/\n", "12345678", "a1b22c333", "\t\t x", "中文 man 手册页计划, 页面", "ünïcödé  wörds!!",
    "tail   ", "   lead", "a\r\nb", "--+--", " -- ", "😀😀 ok",
]


@pytest.mark.parametrize("text", TRICKY)
def test_the_findall_pattern_gives_the_pieces_of_the_split(text):
    expected = split_with_gaps(SUPERWORD, text)
    assert "".join(expected) == text
    assert regex.findall(SUPER, text) == expected
    assert [p for p, _ in pre_tokenizers.Split(tokenizers_regex(), "isolated").pre_tokenize_str(text)] == expected
    counts = hfbpe.count([text], pattern=SUPER, num_threads=1, show_progress=False)
    assert counts.to_dict() == {p.encode(): n for p, n in Counter(expected).items()}


def tokenizers_regex():
    from tokenizers import Regex

    return Regex(SUPERWORD)


def test_split_keeping_gaps_reads_back_only_its_own_patterns():
    assert split_of(SUPER) == SUPERWORD
    assert split_of(keeping_gaps("a|b")) == "a|b"
    assert split_of(hfbpe.PATTERNS["gpt4"]) is None
    assert split_of(SUPER + "x") is None


def test_known_multiword_merges_and_max_words():
    texts = ["of the cat"] * 30 + ["of the dog"] * 20 + ["a cat"] * 5
    with pytest.warns(hfbpe.TrainingWarning):  # runs out of pairs once every word is one token
        stage1 = hfbpe.train(texts, 300, show_progress=False)
    assert all(len(stage1.encode(w)) == 1 for w in ("of", " the", " cat", " dog", "a"))
    with pytest.warns(hfbpe.TrainingWarning, match="merge filter"):
        two = hfbpe.train_superword(texts, 400, transition=stage1.n_vocab, stage1=stage1, max_words=2, show_progress=False)
    new = [two.token_bytes(i) for i in range(stage1.n_vocab, two.n_vocab)]
    # (of, the) 50, then (of the, cat) 30 and (of the, dog) 20 hold three words: refused; (a, cat) 5.
    assert new == [b"of the", b"a cat"]
    assert two.training_summary["filtered_merges"] == 2
    with pytest.warns(hfbpe.TrainingWarning):
        three = hfbpe.train_superword(texts, 400, transition=stage1.n_vocab, stage1=stage1, max_words=3, show_progress=False)
    new = [three.token_bytes(i) for i in range(stage1.n_vocab, three.n_vocab)]
    assert new == [b"of the", b"of the cat", b"of the dog", b"a cat"]
    assert three.encode("of the cat") == [stage1.n_vocab + 1]
    assert three.decode(three.encode("of the cat of the dog")) == "of the cat of the dog"


def test_stage2_equals_the_reference_on_corpus_slices(small_slice):
    texts = small_slice[:40]
    transition, added = 1500, 150
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)
        tok = hfbpe.train_superword(texts, transition + added, transition=transition, max_words=3,
                                    merge_filter=[rb"\n[^\n]"], num_threads=2, show_progress=False)
    stage1 = hfbpe.train(texts, transition, show_progress=False, num_threads=1)
    assert tok.merges[: transition - 256] == stage1.merges
    counts = hfbpe.count(texts, pattern=SUPER, num_threads=1, show_progress=False).to_dict()
    base = {stage1.token_bytes(i): i for i in range(stage1.n_vocab)}
    filtered: list = []
    allows = lambda token: words_in(token) <= 3 and regex.search(rb"\n[^\n]", token) is None  # noqa: E731
    new_tokens, skipped, _ = extend_from_counts(counts, base, transition, added, allows=allows, filtered=filtered)
    got = [tok.token_bytes(i) for i in range(transition, tok.n_vocab)]
    assert got == new_tokens
    assert tok.training_summary["filtered_merges"] == len(filtered) > 0
    assert tok.training_summary["skipped_merges"] == len(skipped)
    assert any(words_in(t) >= 2 for t in got), "stage 2 learned no multi-word token"
    assert all(words_in(t) <= 3 and b"\n" not in t.rstrip(b"\n") for t in got)


def test_merge_filter_on_ordinary_training_equals_the_reference(small_slice):
    texts = small_slice[:30]
    counts = hfbpe.count(texts, num_threads=1, show_progress=False)
    forbidden = [rb"th", rb"^ [a-z]{3}$"]
    tok = hfbpe.train_from_counts(counts, 256 + 150, merge_filter=forbidden, show_progress=False)
    filtered: list = []
    allows = lambda token: not any(regex.search(p, token) for p in forbidden)  # noqa: E731
    new_tokens, _, _ = extend_from_counts(counts.to_dict(), {bytes([b]): b for b in range(256)}, 256, 150,
                                          allows=allows, filtered=filtered)
    assert [tok.token_bytes(i) for i in range(256, tok.n_vocab)] == new_tokens
    assert filtered and tok.training_summary["filtered_merges"] == len(filtered)
    assert not any(b"th" in t for t in new_tokens)
    # Without a filter the loop is the ordinary one.
    plain = hfbpe.train_from_counts(counts, 256 + 150, show_progress=False)
    assert plain.merges == train_from_counts(counts.to_dict(), 150)


def test_merge_filter_words_and_patterns():
    f = _core.MergeFilter(2, [b": ", rb"\n[^\n]"])
    assert f.allows(b" of the") and not f.allows(b" of the cat")
    assert not f.allows(b"key: value") and not f.allows(b"a\nb") and f.allows(b"a\n\n")
    for token in (b"", b" ", b"a", b" a b ", b"\t\nx  y\r", b", and", "中文 ab".encode()):
        assert _core.MergeFilter.words_in(token) == words_in(token)
    with pytest.raises(ValueError, match="offset"):
        hfbpe.train(["abc"], 300, merge_filter=["("])
    with pytest.raises(TypeError, match="single one"):
        hfbpe.train(["abc"], 300, merge_filter=": ")
    with pytest.raises(ValueError, match="max_words"):
        hfbpe.train(["abc"], 300, max_words=0)


def test_bad_superword_arguments():
    with pytest.raises(TypeError, match="twice"):
        hfbpe.train_superword(iter(["a b"]), 600, transition=300)
    with pytest.raises(ValueError, match="smaller than the transition"):
        hfbpe.train_superword(["a b"], 500, transition=600)
    with pytest.raises(ValueError, match="empty string"):
        hfbpe.train_superword(["a b"], 600, transition=300, superword_pattern=r"\p{N}*")
    with pytest.warns(hfbpe.TrainingWarning):
        stage1 = hfbpe.train(["a b c"] * 5, 260, show_progress=False)
    with pytest.raises(ValueError, match="fewer than the transition"):
        hfbpe.train_superword(["a b c"], 600, transition=300, stage1=stage1)
    with pytest.raises(ValueError, match="another split pattern"):
        hfbpe.train_superword(["a b c"], 600, transition=258, stage1=stage1, pattern="gpt2")


def test_four_runtimes_agree_on_a_superword_tokenizer(multilingual_slice, held_out_slice, tmp_path):
    from transformers import AutoTokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)
        tok = hfbpe.train_superword(multilingual_slice, 6000, transition=4000, special_tokens=["<|endoftext|>"],
                                    show_progress=False)
    assert max(words_in(tok.token_bytes(i)) for i in range(tok.n_vocab - 1)) == 4  # stage 1 included
    folder = tok.save_pretrained(tmp_path / "super")
    config = json.loads((folder / "tokenizer.json").read_text())
    assert config["pre_tokenizer"]["pretokenizers"][0]["pattern"] == {"Regex": SUPERWORD}
    loaded = hfbpe.from_pretrained(folder)
    assert loaded.pattern == SUPER and loaded.mergeable_ranks == tok.mergeable_ranks
    encoding = tiktoken.Encoding("super", pat_str=tok.pattern, mergeable_ranks=tok.mergeable_ranks,
                                 special_tokens=tok.special_tokens)
    hf = HFTokenizer.from_file(str(folder / "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(folder)
    assert read_tokenizer(hf).pattern == SUPER
    texts = held_out_slice + ["of the  end.. 12345 in order to\n\n  x<|endoftext|>"]
    expected = [loaded.encode(t, allowed_special="all") for t in texts]
    assert encoding.encode_batch(texts, allowed_special="all") == expected
    assert [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)] == expected
    assert auto(texts, add_special_tokens=False)["input_ids"] == expected
    assert all(loaded.decode(ids) == t for ids, t in zip(expected, texts))
    # The superword tokenizer takes fewer tokens than its stage 1 alone on held-out text.
    stage1 = hfbpe.Tokenizer(hfbpe.PATTERNS["gpt4"], tok.merges[: 4000 - 256])
    assert sum(map(len, expected)) < sum(len(stage1.encode(t, allowed_special="all")) for t in texts)
