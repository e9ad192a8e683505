"""hfbpe.Tokenizer: rustbpe's surface, tiktoken underneath, special tokens."""

from __future__ import annotations

import pytest
import rustbpe
import tiktoken

import hfbpe

VOCAB = 2048
SPECIAL_TOKENS = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>", "<|assistant_end|>"]

EXTRA_TEXTS = [
    "",
    "Hello, world! 123 4567",
    "Grüße aus Köln — 你好，世界！ नमस्ते 😀👨‍👩‍👧‍👦 👍🏽 🇩🇪",
    "  leading\n\n\ttabs\r\n\r\nand   spaces   ",
    "I'm you'll THEY'VE it’s",
    "<|bos|> is special text",
    "٠١٢٣ ०१२ １２３ 12345678",
]


@pytest.fixture(scope="module")
def pair(multilingual_slice):
    """(rustbpe tokenizer, hfbpe drop-in tokenizer) trained on the same slice."""
    reference = rustbpe.Tokenizer()
    reference.train_from_iterator(multilingual_slice, VOCAB)
    ours = hfbpe.Tokenizer()
    ours.train_from_iterator(multilingual_slice, VOCAB)
    return reference, ours


@pytest.fixture(scope="module")
def eval_texts(held_out_slice):
    return held_out_slice + EXTRA_TEXTS


def test_surface_matches_rustbpe(pair):
    reference, ours = pair
    assert ours.get_pattern() == reference.get_pattern() == hfbpe.PATTERNS["gpt4"]
    assert ours.vocab_size == reference.vocab_size == VOCAB
    ranks = ours.get_mergeable_ranks()
    assert isinstance(ranks, list)
    assert all(isinstance(b, bytes) and isinstance(i, int) for b, i in ranks)
    assert ranks == [(bytes(b), i) for b, i in reference.get_mergeable_ranks()]


def test_encode_matches_rustbpe(pair, eval_texts):
    reference, ours = pair
    for i, text in enumerate(eval_texts):
        assert ours.encode(text) == reference.encode(text), f"text {i}"


def test_decode_round_trip(pair, eval_texts):
    reference, ours = pair
    for text in eval_texts:
        ids = ours.encode(text)
        assert ours.decode(ids) == text
        assert reference.decode(ids) == text


def test_batch_encode_matches_rustbpe(pair, eval_texts):
    reference, ours = pair
    assert ours.batch_encode(eval_texts) == reference.batch_encode(eval_texts)
    assert ours.batch_encode(eval_texts, num_threads=1) == [ours.encode(t) for t in eval_texts]


def test_to_tiktoken_encodes_like_encode(pair, multilingual_slice, eval_texts):
    _, ours = pair
    encoding = ours.to_tiktoken()
    assert isinstance(encoding, tiktoken.Encoding)
    assert encoding.n_vocab == VOCAB
    for text in multilingual_slice + eval_texts:
        assert encoding.encode_ordinary(text) == ours.encode(text)
    named = ours.to_tiktoken("custom")
    assert named.name == "custom"
    assert named.encode_ordinary(eval_texts[0]) == ours.encode(eval_texts[0])


def test_nanochat_style_usage(multilingual_slice, eval_texts):
    """nanochat's RustBPETokenizer.train_from_iterator, with `import hfbpe as rustbpe`."""
    import hfbpe as rustbpe_alias

    vocab_size = VOCAB
    tokenizer = rustbpe_alias.Tokenizer()
    vocab_size_no_special = vocab_size - len(SPECIAL_TOKENS)
    tokenizer.train_from_iterator(
        iter(multilingual_slice), vocab_size_no_special, pattern=hfbpe.PATTERNS["nanochat"]
    )
    pattern = tokenizer.get_pattern()
    mergeable_ranks = {bytes(k): v for k, v in tokenizer.get_mergeable_ranks()}
    tokens_offset = len(mergeable_ranks)
    assert tokens_offset == vocab_size_no_special
    special_tokens = {name: tokens_offset + i for i, name in enumerate(SPECIAL_TOKENS)}
    enc = tiktoken.Encoding(
        name="rustbpe", pat_str=pattern, mergeable_ranks=mergeable_ranks, special_tokens=special_tokens
    )
    assert enc.n_vocab == vocab_size
    for text in eval_texts:
        assert enc.encode_ordinary(text) == tokenizer.encode(text)
    assert enc.encode("<|bos|>hi<|assistant_end|>", allowed_special="all")[0] == vocab_size - len(SPECIAL_TOKENS)
    assert enc.encode_single_token("<|assistant_end|>") == vocab_size - 1

    reference = rustbpe.Tokenizer()
    reference.train_from_iterator(iter(multilingual_slice), vocab_size_no_special, pattern=hfbpe.PATTERNS["nanochat"])
    assert {bytes(k): v for k, v in reference.get_mergeable_ranks()} == mergeable_ranks


def test_special_tokens_take_the_last_ids(multilingual_slice):
    n = 1000
    tokenizer = hfbpe.train(multilingual_slice, n, special_tokens=["<|bos|>", "<|eos|>"], show_progress=False)
    assert tokenizer.special_tokens == {"<|bos|>": n - 2, "<|eos|>": n - 1}
    assert tokenizer.n_vocab == n
    assert tokenizer.vocab_size == n - 2
    assert len(tokenizer.merges) == n - 2 - 256

    ids = tokenizer.encode("<|bos|>hello<|eos|>", allowed_special="all")
    assert ids[0] == n - 2 and ids[-1] == n - 1
    assert ids[1:-1] == tokenizer.encode("hello")
    assert tokenizer.encode("<|eos|>", allowed_special={"<|eos|>"}) == [n - 1]
    assert tokenizer.decode(ids) == "<|bos|>hello<|eos|>"

    ordinary = tokenizer.encode("<|bos|>hello")  # special text is ordinary text unless allowed
    assert n - 2 not in ordinary and n - 1 not in ordinary
    assert tokenizer.decode(ordinary) == "<|bos|>hello"

    encoding = tokenizer.to_tiktoken()
    assert encoding.n_vocab == n
    assert encoding.encode("<|eos|>", allowed_special="all") == [n - 1]
    with pytest.raises(ValueError):
        encoding.encode("<|eos|>")  # tiktoken's default: special text is an error


def test_special_tokens_beyond_rustbpe_vocab_are_ids_not_merges(multilingual_slice):
    plain = hfbpe.train(multilingual_slice, 998, show_progress=False)
    special = hfbpe.train(multilingual_slice, 1000, special_tokens=["<|bos|>", "<|eos|>"], show_progress=False)
    assert special.merges == plain.merges


def test_rebuild_from_merges(pair, eval_texts):
    _, ours = pair
    rebuilt = hfbpe.Tokenizer(ours.pattern, ours.merges, {"<|x|>": VOCAB})
    assert rebuilt.mergeable_ranks == ours.mergeable_ranks
    assert rebuilt.n_vocab == VOCAB + 1
    for text in eval_texts[:20]:
        assert rebuilt.encode(text) == ours.encode(text)
    assert rebuilt.encode("<|x|>", allowed_special="all") == [VOCAB]


def test_pattern_by_name():
    tokenizer = hfbpe.Tokenizer("gpt2")
    assert tokenizer.get_pattern() == hfbpe.PATTERNS["gpt2"]
    assert hfbpe.Tokenizer().get_pattern() == hfbpe.PATTERNS["gpt4"]
    assert hfbpe.Tokenizer().vocab_size == 256


def test_untrained_tokenizer_encodes_bytes():
    tokenizer = hfbpe.Tokenizer()
    assert tokenizer.encode("hé") == [ord("h"), 0xC3, 0xA9]
    assert tokenizer.decode([ord("h"), 0xC3, 0xA9]) == "hé"


def test_decode_replaces_invalid_utf8(pair):
    _, ours = pair
    assert ours.decode([0xFF, ord("a")]) == "\ufffda"
    with pytest.raises(UnicodeDecodeError):
        ours.decode([0xFF], errors="strict")


def test_invalid_merges_are_refused():
    with pytest.raises(ValueError, match="does not exist yet"):
        hfbpe.Tokenizer(merges=[(97, 257)])
    with pytest.raises(TypeError, match="merge 0"):
        hfbpe.Tokenizer(merges=[(97,)])
    with pytest.raises(ValueError, match="collides"):
        hfbpe.Tokenizer(merges=[(97, 98)], special_tokens={"<|x|>": 256})
    with pytest.raises(ValueError, match="share an id"):
        hfbpe.Tokenizer(special_tokens={"<|x|>": 300, "<|y|>": 300})


def test_encode_rejects_non_str(pair):
    _, ours = pair
    with pytest.raises(TypeError, match="bytes"):
        ours.encode(b"abc")
    with pytest.raises(TypeError, match="item 1"):
        ours.batch_encode(["a", 2])


def test_repr(pair):
    _, ours = pair
    assert repr(ours).startswith(f"Tokenizer(vocab_size={VOCAB}, special_tokens=0, pattern=")


def test_retraining_forgets_the_special_token_roles(tmp_path):
    tokenizer = hfbpe.train(["hello world"] * 5, 260, special_tokens=["<|bos|>"], show_progress=False)
    loaded = hfbpe.from_pretrained(tokenizer.save_pretrained(tmp_path / "a", bos_token="<|bos|>"))
    assert loaded.special_token_roles == {"bos_token": "<|bos|>"}
    loaded.train_from_iterator(["hello there"] * 5, 260)
    assert loaded.special_token_roles == {}
    loaded.save_pretrained(tmp_path / "b")  # no role left pointing at a special token that is gone
