"""hfbpe.train_new_from: a base tokenizer's shape (pattern, special tokens and roles, chat template,
post-processor, settings) with merges learned on new data; bases built here, nothing downloaded."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, normalizers, pre_tokenizers, trainers

import hfbpe

LLAMA_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|start|>{{ m['role'] }}\n{{ m['content'] }}<|eot_id|>{% endfor %}"
)
MESSAGES = [{"role": "user", "content": "Hallo, wie geht's?"}, {"role": "assistant", "content": "Gut, danke."}]


@pytest.fixture(scope="module")
def llama_like_folder(multilingual_slice, tmp_path_factory):
    """A Llama-3-shaped tokenizer folder as transformers saves it: Split + ByteLevel, special tokens
    after the vocabulary, a BOS post-processor, a chat template, roles, settings."""
    from transformers import PreTrainedTokenizerFast

    base = hfbpe.train(multilingual_slice[1::2], 700, show_progress=False)
    config = json.loads(base.to_tokenizers().to_str())
    first = base.n_vocab
    config["added_tokens"] = [
        {"id": first + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True} for i, t in enumerate(LLAMA_SPECIALS)
    ]
    config["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [first], "tokens": ["<|begin_of_text|>"]}}},
    ]}
    fast = PreTrainedTokenizerFast(tokenizer_object=HFTokenizer.from_str(json.dumps(config)),
                                   bos_token="<|begin_of_text|>", eos_token="<|eot_id|>", chat_template=CHAT_TEMPLATE,
                                   model_max_length=8192, padding_side="left")
    folder = tmp_path_factory.mktemp("llama-like")
    fast.save_pretrained(folder)
    return folder, fast


def test_llama_shape_carries_pattern_specials_roles_template_and_settings(llama_like_folder, multilingual_slice,
                                                                           held_out_slice, tmp_path):
    from transformers import AutoTokenizer

    folder, base = llama_like_folder
    data = multilingual_slice[::2]
    new = hfbpe.train_new_from(folder, data, 1200, show_progress=False)
    direct = hfbpe.train(data, 1200, special_tokens=LLAMA_SPECIALS, show_progress=False)
    assert new.merges == direct.merges and new.pattern == hfbpe.PATTERNS["gpt4"]
    assert new.special_tokens == {t: 1197 + i for i, t in enumerate(LLAMA_SPECIALS)}  # last ids, base order
    assert new.special_token_roles == {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
    settings = new.transformers_config
    assert settings["chat_template"] == CHAT_TEMPLATE and settings["model_max_length"] == 8192
    assert settings["padding_side"] == "left"
    assert settings["post_processor"]["single"] == ["<|begin_of_text|>", "$A"]

    for loaded_from in [folder, base]:  # a folder and a PreTrainedTokenizerFast give the same shape
        assert hfbpe.retrain.read_shape(loaded_from) == hfbpe.retrain.read_shape(folder)

    out = new.save_pretrained(tmp_path / "new")
    auto = AutoTokenizer.from_pretrained(out)
    assert auto.bos_token == "<|begin_of_text|>" and auto.eos_token == "<|eot_id|>"
    assert auto.model_max_length == 8192 and auto.padding_side == "left"
    text = held_out_slice[0][:3000]
    assert auto(text)["input_ids"] == [1197, *new.encode(text)]  # the BOS template, with its new id
    assert auto(text, add_special_tokens=False)["input_ids"] == new.encode(text)
    assert auto.apply_chat_template(MESSAGES, tokenize=False) == base.apply_chat_template(MESSAGES, tokenize=False)
    reloaded = hfbpe.from_pretrained(out)
    assert reloaded.transformers_config == new.transformers_config
    assert reloaded.special_token_roles == new.special_token_roles
    assert new.to_transformers()(text)["input_ids"] == auto(text)["input_ids"]


def test_gpt2_shape_and_tiktoken_and_hfbpe_bases(multilingual_slice):
    tok = HFTokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(multilingual_slice[:50], trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    data = multilingual_slice[::3]
    new = hfbpe.train_new_from(tok, data, 900, show_progress=False)
    assert new.pattern == hfbpe.PATTERNS["gpt2"]
    assert new.special_tokens == {"<|endoftext|>": 899}  # first in the base, last here
    assert new.merges == hfbpe.train(data, 900, pattern="gpt2", special_tokens=["<|endoftext|>"],
                                     show_progress=False).merges

    ours = hfbpe.train(data[:20], 400, pattern="o200k", special_tokens=["<|a|>", "<|b|>"], show_progress=False)
    ours.special_token_roles = {"eos_token": "<|b|>"}
    for base in [ours, ours.to_tiktoken()]:
        new = hfbpe.train_new_from(base, data, 700, show_progress=False)
        assert new.pattern == hfbpe.PATTERNS["o200k"]
        assert new.special_tokens == {"<|a|>": 698, "<|b|>": 699}
    assert hfbpe.train_new_from(ours, data, 700, show_progress=False).special_token_roles == {"eos_token": "<|b|>"}


def test_from_counts_made_with_the_base_pattern(multilingual_slice):
    base = hfbpe.train(multilingual_slice[:20], 300, pattern="gpt2", show_progress=False)
    counts = hfbpe.count(multilingual_slice[::3], pattern="gpt2", show_progress=False)
    assert hfbpe.train_new_from(base, counts, 800).merges == hfbpe.train_from_counts(counts, 800).merges
    with pytest.raises(ValueError, match="another split pattern than the base's"):
        hfbpe.train_new_from(base, hfbpe.count(["some text"], show_progress=False), 800)
    with pytest.raises(TypeError, match="takes the pattern and special tokens from the base"):
        hfbpe.train_new_from(base, ["text"], 800, pattern="gpt4")


@pytest.mark.parametrize("change, message", [
    (lambda t: setattr(t, "normalizer", normalizers.NFKC()), "normalizer NFKC"),
    (lambda t: setattr(t, "pre_tokenizer", pre_tokenizers.Metaspace()), "pre-tokenizer Metaspace"),
    (lambda t: setattr(t, "pre_tokenizer", pre_tokenizers.ByteLevel(add_prefix_space=True)), "add_prefix_space=True"),
])
def test_unsupported_shapes_are_refused_naming_what(change, message):
    base = HFTokenizer.from_str(hfbpe.Tokenizer().to_tokenizers().to_str())
    change(base)
    with pytest.raises(ValueError, match=f"cannot retrain .*{message}"):
        hfbpe.train_new_from(base, ["some text"], 300)


def test_other_models_are_refused():
    wordpiece = HFTokenizer(models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    with pytest.raises(ValueError, match="model WordPiece, not BPE"):
        hfbpe.train_new_from(wordpiece, ["a"], 300)
    with pytest.raises(TypeError, match="cannot read a tokenizer from list"):
        hfbpe.train_new_from([1, 2], ["a"], 300)


def test_cli_retrain(llama_like_folder, multilingual_slice, tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hfbpe import cli

    folder, _ = llama_like_folder
    data = tmp_path / "data.parquet"
    pq.write_table(pa.table({"text": multilingual_slice[::2]}), data)
    assert cli.main(["retrain", str(folder), str(data), "--vocab-size", "1200", "--output", str(tmp_path / "out"),
                     "--no-progress"]) == 0
    assert "special tokens <|begin_of_text|>, <|end_of_text|>, <|eot_id|>" in capsys.readouterr().out
    saved = hfbpe.from_pretrained(tmp_path / "out")
    assert saved.merges == hfbpe.train(multilingual_slice[::2], 1200, special_tokens=LLAMA_SPECIALS,
                                       show_progress=False).merges
    assert saved.transformers_config["chat_template"] == CHAT_TEMPLATE
    assert cli.main(["retrain", str(tmp_path), str(data), "--vocab-size", "1200", "--output", str(tmp_path / "x")]) == 1
    assert "neither hfbpe.json nor tokenizer.json" in capsys.readouterr().err
