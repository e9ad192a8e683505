"""tokenizer.json: HF tokenizers and transformers give tiktoken's ids on every input."""

from __future__ import annotations

import json
import random
import warnings

import pytest
from test_pretokenizer import ADVERSARIAL
from tokenizers import Tokenizer as HFTokenizer

import hfbpe
from hfbpe.hf_format import all_merges, as_byte_level, byte_to_char, tokenizer_json

SPECIALS = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|endoftext|>"]


def hf_tokenizer(tokenizer: hfbpe.Tokenizer) -> HFTokenizer:
    return HFTokenizer.from_str(
        json.dumps(tokenizer_json(tokenizer.pattern, tokenizer.mergeable_ranks, tokenizer.special_tokens))
    )


@pytest.fixture(scope="module", params=["gpt4", "gpt2", "o200k"])
def trained(request, multilingual_slice) -> hfbpe.Tokenizer:
    return hfbpe.train(
        multilingual_slice[::2], 3000, pattern=request.param, special_tokens=SPECIALS, show_progress=False
    )


def random_unicode(rng: random.Random) -> str:
    """Short strings mixing scripts, digits, spaces, line breaks and punctuation."""
    alphabet = "ab cd\n\r\t  éü你好世界ٱ١٢३ 12345 ,.!?'s'll—…😀\u00a0\u2028\u3000\u0301ÀⅫ²"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def test_byte_alphabet_is_a_bijection():
    chars = byte_to_char()
    assert len(set(chars)) == 256
    assert chars[ord("A")] == "A" and chars[ord(" ")] == "\u0120" and chars[ord("\n")] == "\u010a"


def test_every_split_of_every_token_is_a_merge(trained):
    ranks = trained.mergeable_ranks
    merges = all_merges(ranks)
    assert len(merges) >= len(trained.merges)
    made = [ranks[left + right] for left, right in merges]
    assert made == sorted(made)  # in the order of the tokens they make
    training = {(trained.token_bytes(a), trained.token_bytes(b)) for a, b in trained.merges}
    assert training <= set(merges)


def test_hf_gives_tiktoken_ids_on_the_corpus(trained, multilingual_slice, held_out_slice):
    hf = hf_tokenizer(trained)
    encoding = trained.to_tiktoken()
    texts = multilingual_slice + held_out_slice
    expected = encoding.encode_ordinary_batch(texts)
    got = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    assert sum(map(len, expected)) > 200_000
    for text, want, have in zip(texts, expected, got):
        assert have == want, text[:200]
    assert [hf.decode(ids, skip_special_tokens=False) for ids in got[:50]] == texts[:50]


def test_hf_gives_tiktoken_ids_on_adversarial_text(trained):
    hf = hf_tokenizer(trained)
    encoding = trained.to_tiktoken()
    rng = random.Random(7)
    texts = list(ADVERSARIAL.values()) + [random_unicode(rng) for _ in range(3000)]
    for text in texts:
        assert hf.encode(text, add_special_tokens=False).ids == encoding.encode_ordinary(text), repr(text)


def test_special_tokens_in_text(trained):
    hf = hf_tokenizer(trained)
    text = "<|bos|>Hello<|user_start|>你好 world<|user_end|> <|endoftext|>x<|bos|>"
    ids = trained.encode(text, allowed_special="all")
    assert hf.encode(text, add_special_tokens=False).ids == ids
    assert [ids.count(trained.special_tokens[s]) for s in SPECIALS] == [2, 1, 1, 1]
    assert hf.decode(ids, skip_special_tokens=False) == text


def test_repetitive_vocabularies_agree():
    """Tiny alphabets give tokens reachable through many splits: the hard case for pair-ranked BPE."""
    rng = random.Random(3)
    for _ in range(60):
        alphabet = "abc"[: rng.randint(1, 3)] + " "
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(2, 14))) for _ in range(rng.randint(1, 40))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", hfbpe.TrainingWarning)
            tokenizer = hfbpe.train(words, 256 + rng.randint(5, 80), show_progress=False)
        hf, encoding = hf_tokenizer(tokenizer), tokenizer.to_tiktoken()
        for _ in range(40):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
            assert hf.encode(text, add_special_tokens=False).ids == encoding.encode_ordinary(text), (words, text)


def test_vocab_uses_the_byte_level_alphabet(trained):
    vocab = tokenizer_json(trained.pattern, trained.mergeable_ranks, {})["model"]["vocab"]
    assert vocab[as_byte_level(b" the")] == trained.mergeable_ranks[b" the"]
    assert len(vocab) == trained.vocab_size


def test_special_tokens_are_in_the_vocab_at_their_ids(trained):
    # tokenizers numbers an added token missing from the model's vocab after that vocab: only the
    # vocab entry keeps a special token below the largest ordinary id where it is.
    ranks = {bytes([b]): 1 + b for b in range(256)} | {b"ab": 258, b"<s": 259}
    tok = hfbpe.Tokenizer.from_ranks(trained.pattern, ranks, {"<bos>": 0, "<mid>": 257})
    hf = tok.to_tokenizers()
    assert [hf.id_to_token(i) for i in (0, 257, 258)] == ["<bos>", "<mid>", "ab"]
    assert hf.encode("<bos>ab<mid>", add_special_tokens=False).ids == [0, 258, 257]
    clash = hfbpe.Tokenizer.from_ranks(trained.pattern, ranks | {b"<s>": 260}, {"<s>": 261})
    with pytest.raises(ValueError, match=r"special token '<s>' \(id 261\) has the text of ordinary token 260"):
        clash.to_tokenizers()


def test_in_memory_exports(trained, held_out_slice):
    texts = held_out_slice[:40]
    expected = [trained.encode(t) for t in texts]
    assert [e.ids for e in trained.to_tokenizers().encode_batch(texts, add_special_tokens=False)] == expected
    fast = trained.to_transformers(bos_token="<|bos|>", eos_token="<|endoftext|>")
    assert fast(texts, add_special_tokens=False)["input_ids"] == expected
    assert (fast.bos_token, fast.eos_token, fast.pad_token) == ("<|bos|>", "<|endoftext|>", None)
    assert fast.decode(expected[0]) == texts[0]
