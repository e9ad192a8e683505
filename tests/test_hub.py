"""save_pretrained / from_pretrained / push_to_hub: one folder, four runtimes, the same ids."""

from __future__ import annotations

import json
import os

import pytest
import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tokenizers import Tokenizer as HFTokenizer

import hfbpe
from hfbpe import hub as hub_module

SPECIALS = ["<|bos|>", "<|eos|>", "<|pad|>"]
SPECIAL_TEXT = "<|bos|>Hello, wörld! 你好世界 <|eos|><|pad|>  tail <|bos|>"


@pytest.fixture(scope="module")
def tokenizer(multilingual_slice) -> hfbpe.Tokenizer:
    return hfbpe.train(multilingual_slice[::3], 2500, special_tokens=SPECIALS, show_progress=False)


def assert_same_ids_everywhere(folder_or_repo, tokenizer: hfbpe.Tokenizer, texts: list[str]) -> None:
    """hfbpe, tiktoken, tokenizers and transformers, all loaded from `folder_or_repo`, agree with `tokenizer`."""
    from transformers import AutoTokenizer

    loaded = hfbpe.from_pretrained(folder_or_repo)
    assert loaded.mergeable_ranks == tokenizer.mergeable_ranks
    assert loaded.special_tokens == tokenizer.special_tokens
    assert loaded.merges == tokenizer.merges

    if os.path.isdir(folder_or_repo):
        folder = str(folder_or_repo)
        hf = HFTokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        config = json.load(open(os.path.join(folder, "hfbpe.json"), encoding="utf-8"))
        ranks = load_tiktoken_bpe(os.path.join(folder, "tokenizer.tiktoken"))
    else:
        from huggingface_hub import hf_hub_download

        hf = HFTokenizer.from_pretrained(folder_or_repo)
        config = json.load(open(hf_hub_download(folder_or_repo, "hfbpe.json"), encoding="utf-8"))
        ranks = load_tiktoken_bpe(hf_hub_download(folder_or_repo, "tokenizer.tiktoken"))
    encoding = tiktoken.Encoding(
        name="loaded", pat_str=config["pattern"], mergeable_ranks=ranks, special_tokens=config["special_tokens"]
    )
    auto = AutoTokenizer.from_pretrained(folder_or_repo)

    expected = [tokenizer.encode(t) for t in texts]
    assert sum(map(len, expected)) > 50_000
    assert [loaded.encode(t) for t in texts] == expected
    assert encoding.encode_ordinary_batch(texts) == expected
    assert [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)] == expected
    assert auto(texts, add_special_tokens=False)["input_ids"] == expected
    assert [auto.decode(ids) for ids in expected[:20]] == texts[:20]

    with_specials = tokenizer.encode(SPECIAL_TEXT, allowed_special="all")
    assert encoding.encode(SPECIAL_TEXT, allowed_special="all") == with_specials
    assert hf.encode(SPECIAL_TEXT, add_special_tokens=False).ids == with_specials
    assert auto(SPECIAL_TEXT, add_special_tokens=False)["input_ids"] == with_specials
    assert auto.decode(with_specials) == SPECIAL_TEXT
    assert encoding.decode(with_specials) == SPECIAL_TEXT


# Folders --------------------------------------------------------------------------------


def test_save_and_load_a_folder(tmp_path, tokenizer, held_out_slice):
    folder = tokenizer.save_pretrained(tmp_path / "tok", bos_token="<|bos|>", eos_token="<|eos|>")
    assert sorted(os.listdir(folder)) == sorted(hub_module.FILES)
    assert_same_ids_everywhere(folder, tokenizer, held_out_slice)


def test_special_token_roles_reach_transformers(tmp_path, tokenizer):
    from transformers import AutoTokenizer

    folder = tokenizer.save_pretrained(tmp_path / "tok", bos_token="<|bos|>", eos_token="<|eos|>", pad_token="<|pad|>")
    auto = AutoTokenizer.from_pretrained(folder)
    assert (auto.bos_token, auto.eos_token, auto.pad_token) == ("<|bos|>", "<|eos|>", "<|pad|>")
    assert auto.pad_token_id == tokenizer.special_tokens["<|pad|>"]
    loaded = hfbpe.from_pretrained(folder)
    assert loaded.special_token_roles == {"bos_token": "<|bos|>", "eos_token": "<|eos|>", "pad_token": "<|pad|>"}
    again = loaded.save_pretrained(tmp_path / "again")  # roles travel with the tokenizer
    assert AutoTokenizer.from_pretrained(again).eos_token == "<|eos|>"


def test_no_roles_when_none_given(tmp_path, tokenizer):
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(tokenizer.save_pretrained(tmp_path / "tok"))
    assert auto.bos_token is None and auto.eos_token is None and auto.pad_token is None


def test_a_role_must_name_a_special_token(tmp_path, tokenizer):
    with pytest.raises(ValueError, match=r"eos_token='</s>' is not one of the special tokens"):
        tokenizer.save_pretrained(tmp_path / "tok", eos_token="</s>")
    with pytest.raises(TypeError, match="bos_token must be a str"):
        tokenizer.save_pretrained(tmp_path / "tok", bos_token=5)
    assert not (tmp_path / "tok").exists()


def test_saving_into_an_existing_folder_replaces_only_its_files(tmp_path, tokenizer):
    folder = tmp_path / "tok"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    (folder / "hfbpe.json").write_text("old")
    tokenizer.save_pretrained(folder)
    assert (folder / "keep.txt").read_text() == "mine"
    assert json.loads((folder / "hfbpe.json").read_text())["vocab_size"] == tokenizer.n_vocab
    assert [p.name for p in tmp_path.iterdir()] == ["tok"]  # no staging folder left behind


def test_a_failed_save_changes_nothing(tmp_path, tokenizer, monkeypatch):
    folder = tmp_path / "tok"
    tokenizer.save_pretrained(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    other = hfbpe.train(["something else entirely"] * 3, 270, show_progress=False)

    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(hub_module.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        other.save_pretrained(folder)
    with pytest.raises(OSError, match="No space left"):
        calls.clear()
        other.save_pretrained(tmp_path / "new")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tok"]


def test_from_pretrained_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no hfbpe.json"):
        hfbpe.from_pretrained(tmp_path / "empty")
    (tmp_path / "future").mkdir()
    (tmp_path / "future" / "hfbpe.json").write_text(json.dumps({"format_version": 99}))
    with pytest.raises(ValueError, match="format_version 99"):
        hfbpe.from_pretrained(tmp_path / "future")


def test_model_card(tmp_path, tokenizer):
    card = (tokenizer.save_pretrained(tmp_path / "tok") / "README.md").read_text(encoding="utf-8")
    front, body = card.split("---\n")[1], card.split("---\n", 2)[2]
    assert "library_name: hfbpe" in front and "- tokenizer" in front
    assert "| vocabulary size | 2,500 ids: 256 bytes, 2,241 merges, 3 special tokens |" in body
    assert "| split pattern | `gpt4` |" in body
    assert 'hfbpe.from_pretrained("your-username/your-tokenizer")' in body
    assert "AutoTokenizer.from_pretrained" in body and "load_tiktoken_bpe" in body


def test_model_card_names_a_hub_dataset(tmp_path, tokenizer):
    tokenizer = hfbpe.from_pretrained(tokenizer.save_pretrained(tmp_path / "tok"))
    tokenizer.training_summary = {"data": {"dataset": "someone/corpus", "split": "train", "column": "text"}}
    card = (tokenizer.save_pretrained(tmp_path / "tok2") / "README.md").read_text(encoding="utf-8")
    assert 'datasets:\n- "someone/corpus"\n---' in card
    assert "| trained on | dataset `someone/corpus`, split `train`, column `text` |" in card
