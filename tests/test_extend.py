"""hfbpe.extend: every id of a base kept, new tokens learned on new data as the pure-Python reference
(tests/reference_bpe.extend_from_counts) learns them, and four runtimes giving the same ids. Bases of
every supported shape are built here; nothing is downloaded."""

from __future__ import annotations

import json

import pytest
import tiktoken
from reference_bpe import extend_from_counts, rank_encode
from test_retrain import CHAT_TEMPLATE, LLAMA_SPECIALS, MESSAGES, llama_like_folder  # noqa: F401 (a fixture)
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

import hfbpe
from hfbpe.foreign import read_tokenizer
from hfbpe.hf_format import as_byte_level, byte_to_char


def chinese(texts: list[str]) -> list[str]:
    return [t for t in texts if sum("\u4e00" <= c <= "\u9fff" for c in t[:400]) > 40]


def latin(texts: list[str]) -> list[str]:
    return [t for t in texts if not any("\u4e00" <= c <= "\u9fff" for c in t[:400])]


def gpt2_order_encoding(tokenizer: hfbpe.Tokenizer, name: str = "gpt2-order") -> tiktoken.Encoding:
    """`tokenizer`'s table with its bytes numbered as GPT-2's and cl100k's are (rank 0 is "!", the
    printable bytes first): the same encoding, other ids."""
    order = sorted(range(256), key=lambda b: ord(byte_to_char()[b]))
    ranks = {bytes([b]): i for i, b in enumerate(order)}
    for token, rank in tokenizer.mergeable_ranks.items():
        if len(token) > 1:
            ranks[token] = rank
    specials = {"<|endoftext|>": max(ranks.values()) + 2}  # a gap before it, as cl100k has
    return tiktoken.Encoding(name, pat_str=tokenizer.pattern, mergeable_ranks=ranks, special_tokens=specials)


def hf_trained(texts: list[str], vocab_size: int) -> HFTokenizer:
    """A GPT-2-shaped tokenizer trained by HF tokenizers: special tokens first, then its own alphabet order."""
    tok = HFTokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<|endoftext|>", "<pad>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok


@pytest.fixture(scope="module")
def bases(multilingual_slice, llama_like_folder):  # noqa: F811
    western = latin(multilingual_slice)[::2]
    ours = hfbpe.train(western, 700, special_tokens=["<|bos|>", "<|eos|>"], show_progress=False)
    return {
        "hfbpe, special tokens last": ours,
        "tiktoken, GPT-2 byte order": gpt2_order_encoding(hfbpe.train(western, 600, pattern="gpt2",
                                                                      show_progress=False)),
        "tokenizers, special tokens first": hf_trained(western[:60], 500),
        "transformers folder, Llama-3 shape": llama_like_folder[0],
    }


@pytest.mark.parametrize("kind", ["hfbpe, special tokens last", "tiktoken, GPT-2 byte order",
                                  "tokenizers, special tokens first", "transformers folder, Llama-3 shape"])
def test_equals_the_reference_and_keeps_every_id(bases, small_slice, kind):
    base = bases[kind]
    bpe = read_tokenizer(base)
    counts = hfbpe.count(chinese(small_slice) + latin(small_slice)[:5], pattern=bpe.pattern, show_progress=False)
    extended = hfbpe.extend(base, counts, add=150)

    base_ranks = {t: i for i, t in enumerate(bpe.token_bytes) if t is not None and i not in bpe.special_ids}
    first_new = bpe.n_vocab
    new_tokens, skipped, words = extend_from_counts(dict(counts.items()), base_ranks, first_new, 150)
    assert len(new_tokens) == 150
    assert [extended.token_bytes(first_new + k) for k in range(150)] == new_tokens
    assert extended.training_summary["skipped_merges"] == len(skipped)
    assert extended.training_summary["first_new_id"] == first_new
    # Every base id keeps its bytes; special tokens keep their ids.
    for token, i in base_ranks.items():
        assert extended.token_bytes(i) == token
    assert extended.special_tokens == bpe.special_names
    # The extension encodes every piece of its data as training left it.
    ranks = extended.mergeable_ranks
    for piece, ids in words.items():
        assert rank_encode(piece, ranks) == ids, piece
        assert extended.to_tiktoken()._encode_single_piece(piece) == ids, piece


def test_skipped_merges_of_a_base_trained_elsewhere(bases, small_slice):
    # A base trained on other text reaches some tokens by other splits than the new data's words do:
    # such a pair is skipped, and the reference skips the same ones (see the test above).
    base = bases["tokenizers, special tokens first"]
    extended = hfbpe.extend(base, chinese(small_slice) + latin(small_slice), add=300, show_progress=False)
    summary = extended.training_summary
    assert summary["merges"] == 300 and summary["skipped_merges"] == len(summary["skipped"])
    assert len(set(extended.mergeable_ranks)) == len(extended.mergeable_ranks)  # one id per byte string


def test_extending_with_the_same_data_is_training_longer(multilingual_slice):
    data = multilingual_slice[::5]
    base = hfbpe.train(data, 800, show_progress=False)
    extended = hfbpe.extend(base, data, add=400, show_progress=False)
    assert not extended.is_rank_table  # 256 bytes and merges, nothing after them: the merges go on
    assert extended.merges == hfbpe.train(data, 1200, show_progress=False).merges
    assert extended.training_summary["skipped_merges"] == 0


def test_four_runtimes_agree_on_extended_tokenizers(bases, multilingual_slice, held_out_slice, tmp_path):
    from transformers import AutoTokenizer

    new_data = chinese(multilingual_slice)
    texts = chinese(held_out_slice)[:6] + latin(held_out_slice)[:6]
    for n, kind in enumerate(bases):
        extended = hfbpe.extend(bases[kind], new_data, add=1500, show_progress=False)
        folder = extended.save_pretrained(tmp_path / str(n))
        reloaded = hfbpe.from_pretrained(folder)
        assert reloaded.mergeable_ranks == extended.mergeable_ranks
        assert reloaded.special_tokens == extended.special_tokens
        hf = HFTokenizer.from_file(str(folder / "tokenizer.json"))
        auto = AutoTokenizer.from_pretrained(folder)
        lines = (folder / "tokenizer.tiktoken").read_bytes().splitlines()
        import base64
        ranks = {base64.b64decode(t): int(r) for t, r in (line.split() for line in lines)}
        encoding = tiktoken.Encoding("file", pat_str=extended.pattern, mergeable_ranks=ranks,
                                     special_tokens=extended.special_tokens)
        for text in texts:
            ids = extended.encode(text)
            assert reloaded.encode(text) == ids
            assert encoding.encode_ordinary(text) == ids
            assert hf.encode(text, add_special_tokens=False).ids == ids, kind
            assert auto(text, add_special_tokens=False)["input_ids"] == ids, kind
            assert extended.decode(ids) == text
        # Every id means the same token in tokenizers and transformers, special tokens included
        # (they sit below the largest id: first, or between the base's ids and the new ones).
        # An id that is neither (a gap in the base, as cl100k has) is no token anywhere.
        named = {i: as_byte_level(t) for t, i in extended.mergeable_ranks.items()}
        named |= {token_id: text for text, token_id in extended.special_tokens.items()}
        assert [hf.id_to_token(i) for i in range(extended.n_vocab)] == [named.get(i) for i in range(extended.n_vocab)]
        assert hf.get_vocab_size() == len(auto) == len(named)
        for text, token_id in extended.special_tokens.items():
            assert auto.convert_tokens_to_ids(text) == token_id, kind
            assert hf.encode(f"a{text}b", add_special_tokens=False).ids == extended.encode(
                f"a{text}b", allowed_special="all")
            assert encoding.encode(text, allowed_special="all") == [token_id]


def test_llama_shape_keeps_specials_roles_template_and_the_bos_template(bases, multilingual_slice, tmp_path):
    from transformers import AutoTokenizer

    folder = bases["transformers folder, Llama-3 shape"]
    base = AutoTokenizer.from_pretrained(folder)
    extended = hfbpe.extend(folder, chinese(multilingual_slice), add=200, show_progress=False)
    first = len(base) - len(LLAMA_SPECIALS)
    assert extended.special_tokens == {t: first + i for i, t in enumerate(LLAMA_SPECIALS)}  # ids kept
    assert extended.training_summary["first_new_id"] == len(base)  # after the special tokens
    assert extended.special_token_roles == {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
    auto = AutoTokenizer.from_pretrained(extended.save_pretrained(tmp_path / "x"))
    assert len(auto) == len(base) + 200
    text = "Hallo, wie geht's? 你好，世界"
    assert auto(text)["input_ids"] == [first, *extended.encode(text)]
    assert auto.apply_chat_template(MESSAGES, tokenize=False) == base.apply_chat_template(MESSAGES, tokenize=False)
    assert auto.model_max_length == 8192


def test_truncated_extension_is_the_smaller_extension(bases, small_slice):
    base = bases["hfbpe, special tokens last"]
    data = chinese(small_slice)
    large = hfbpe.extend(base, data, add=200, show_progress=False)
    small = hfbpe.extend(base, data, add=80, show_progress=False)
    cut = large.truncated(small.n_vocab)
    assert cut.mergeable_ranks == small.mergeable_ranks and cut.special_tokens == small.special_tokens
    assert cut.training_summary["merge_counts"] == small.training_summary["merge_counts"]
    with pytest.raises(ValueError, match="would drop '<\\|eos\\|>'"):
        large.truncated(base.n_vocab - 1)


def test_rank_table_tokenizers_push_and_load(hub, bases, small_slice):
    base = bases["tiktoken, GPT-2 byte order"]
    extended = hfbpe.extend(base, chinese(small_slice), vocab_size=base.n_vocab + 50, show_progress=False)
    assert extended.n_vocab == base.n_vocab + 50
    extended.push_to_hub("alice/extended")
    pulled = hfbpe.from_pretrained("alice/extended")
    assert pulled.mergeable_ranks == extended.mergeable_ranks
    assert pulled.token_byte_lengths() == extended.token_byte_lengths()
    with pytest.raises(ValueError, match="has no merge list"):
        pulled.merges  # noqa: B018


def test_from_ranks_checks_its_table():
    ranks = {bytes([b]): 255 - b for b in range(256)}
    tokenizer = hfbpe.Tokenizer.from_ranks("gpt2", {**ranks, b"ab": 300}, {"<|x|>": 256})
    assert tokenizer.n_vocab == 301 and tokenizer.encode("ab") == [300] and tokenizer.encode("ba") == [157, 158]
    with pytest.raises(ValueError, match="not an ordinary token id"):
        tokenizer.token_bytes(257)
    with pytest.raises(ValueError, match="lacks the single bytes \\[0\\]"):
        hfbpe.Tokenizer.from_ranks(None, {bytes([b]): b for b in range(1, 256)})
    with pytest.raises(ValueError, match="share rank 3"):
        hfbpe.Tokenizer.from_ranks(None, {**ranks, b"ab": 3})
    with pytest.raises(ValueError, match="collides with an ordinary token"):
        hfbpe.Tokenizer.from_ranks(None, ranks, {"<|x|>": 7})


def test_bad_sizes_and_bases_are_refused(bases):
    base = bases["hfbpe, special tokens last"]
    with pytest.raises(TypeError, match="exactly one of add"):
        hfbpe.extend(base, ["text"])
    with pytest.raises(TypeError, match="exactly one of add"):
        hfbpe.extend(base, ["text"], add=3, vocab_size=800)
    with pytest.raises(ValueError, match="smaller than the base's 700 ids"):
        hfbpe.extend(base, ["text"], vocab_size=600)
    with pytest.raises(ValueError, match="another split pattern"):
        hfbpe.extend(base, hfbpe.count(["text"], pattern="gpt2", show_progress=False), add=3)
    with pytest.raises(TypeError, match="keeps the base's pattern"):
        hfbpe.extend(base, ["text"], add=3, pattern="gpt2")


def _byte_level_json(vocab: dict[bytes, int], merges: list[tuple[bytes, bytes]]) -> HFTokenizer:
    def text(b: bytes) -> str:
        return "".join(byte_to_char()[x] for x in b)

    config = json.loads(hfbpe.Tokenizer("gpt2").to_tokenizers().to_str())
    config["model"]["vocab"] = {text(t): i for t, i in vocab.items()}
    config["model"]["merges"] = [[text(a), text(b)] for a, b in merges]
    return HFTokenizer.from_str(json.dumps(config))


def test_tokenizers_bases_that_are_no_rank_table_are_refused():
    singles = {bytes([b]): b for b in range(256)}
    # "abc" made as "a" + "bc", while "ab" comes first: HF's merges give ab|c, the ranks "abc" whole.
    hf = _byte_level_json({**singles, b"ab": 256, b"bc": 257, b"abc": 258},
                          [(b"a", b"b"), (b"b", b"c"), (b"a", b"bc")])
    with pytest.raises(ValueError, match="on the piece b'abc' of the data its merges give \\[256, 99\\]"):
        hfbpe.extend(hf, ["abc abc"], add=5, show_progress=False)
    hfbpe.extend(hf, ["ab ab bc"], add=2, show_progress=False)  # data on which the two agree
    swapped = _byte_level_json({**singles, b"ab": 257, b"cd": 256}, [(b"a", b"b"), (b"c", b"d")])
    with pytest.raises(ValueError, match="do not make their tokens in id order"):
        hfbpe.extend(swapped, ["ab"], add=2, show_progress=False)


def test_cli_extend(bases, small_slice, tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hfbpe import cli

    base = bases["hfbpe, special tokens last"]
    base_folder = base.save_pretrained(tmp_path / "base")
    data = tmp_path / "zh.parquet"
    pq.write_table(pa.table({"text": chinese(small_slice)}), data)
    assert cli.main(["extend", str(base_folder), str(data), "--add", "100", "--output", str(tmp_path / "out"),
                     "--no-progress"]) == 0
    assert "the 700 of" in capsys.readouterr().out
    saved = hfbpe.from_pretrained(tmp_path / "out")
    assert saved.mergeable_ranks == hfbpe.extend(base, chinese(small_slice), add=100,
                                                 show_progress=False).mergeable_ranks
    with pytest.raises(SystemExit) as exit_info:  # one of --add and --vocab-size is required
        cli.main(["extend", str(base_folder), str(data), "--output", str(tmp_path / "y")])
    assert exit_info.value.code == 2
