"""hfbpe.evaluate, Report, Tokenizer.truncated and hfbpe.sweep: token counts equal to encoding every
text with each runtime, truncation equal to training at the smaller size."""

from __future__ import annotations

import json
import sys

import numpy as np
import pyarrow as pa
import pytest
import tiktoken
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, normalizers, pre_tokenizers, trainers

import hfbpe
from hfbpe.foreign import read_tokenizer

SPECIALS = ["<|bos|>", "<|endoftext|>"]


@pytest.fixture(scope="module")
def trained(multilingual_slice) -> hfbpe.Tokenizer:
    return hfbpe.train(multilingual_slice, 3000, special_tokens=SPECIALS, show_progress=False)


@pytest.fixture(scope="module")
def hf_trained(multilingual_slice) -> HFTokenizer:
    """A tokenizer trained by HF tokenizers' BpeTrainer: its merges are its own, not hfbpe's export."""
    tok = HFTokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1500, special_tokens=["<|endoftext|>"], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(multilingual_slice[::2], trainer)
    return tok


@pytest.fixture(scope="module")
def held_out_table(corpus) -> pa.Table:
    """Documents from the end of the corpus (not in multilingual_slice), with their source."""
    rows = [(s, t) for s, t in corpus[-1500:] if len(t) < 30_000]
    return pa.table({"text": [t for _, t in rows], "source": [s for s, _ in rows]})


def token_counts(tokenizer, texts: list[str]) -> list[int]:
    """The tokens of each text, encoded with the tokenizer's own code (HF's batch calls, which
    encode texts side by side, for tokenizers and transformers)."""
    if isinstance(tokenizer, hfbpe.Tokenizer):
        return [len(tokenizer.encode(t)) for t in texts]
    if isinstance(tokenizer, tiktoken.Encoding):
        return [len(tokenizer.encode_ordinary(t)) for t in texts]
    if isinstance(tokenizer, HFTokenizer):
        return [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]  # transformers


def direct_count(tokenizer, texts: list[str]) -> int:
    """Tokens of all the texts (token_counts summed)."""
    return sum(token_counts(tokenizer, texts))


def test_piece_encoder_equals_tiktoken_on_every_piece(trained, held_out_slice):
    bpe = read_tokenizer(trained)
    encoder = bpe.piece_encoder()
    enc = trained.to_tiktoken()
    splitter = hfbpe._core.Pretokenizer(trained.pattern)
    pieces = {p for text in held_out_slice[:200] for p in splitter.split(text)}
    # Long pieces take the heap path (more than 64 bytes): runs of spaces, letters, punctuation.
    pieces |= {" " * 200, "a" * 150, "ab" * 90, "é" * 70, "-" * 300, "\n" * 100, "Straße" * 30}
    for piece in pieces:
        assert encoder.encode(piece.encode("utf-8")) == enc.encode_ordinary(piece), piece


def test_token_counts_equal_encoding_every_text(trained, hf_trained, held_out_table):
    from transformers import PreTrainedTokenizerFast

    texts = held_out_table.column("text").to_pylist()
    sources = held_out_table.column("source").to_pylist()
    runtimes = {
        "hfbpe": trained,
        "tiktoken": trained.to_tiktoken(),
        "tokenizers": trained.to_tokenizers(),
        "transformers": trained.to_transformers(),
        "bpetrainer": hf_trained,
        "bpetrainer-transformers": PreTrainedTokenizerFast(tokenizer_object=hf_trained),
    }
    report = hfbpe.evaluate(runtimes, held_out_table, group_by="source", baseline="hfbpe", show_progress=False)
    assert set(report.groups) == {"all", *sources}
    for name, tok in runtimes.items():
        per_text = token_counts(tok, texts)  # each text encoded once, summed per group
        assert report.tokens(name) == sum(per_text), name
        for source in set(sources):
            mine = sum(n for n, s in zip(per_text, sources) if s == source)
            assert report.tokens(name, source) == mine, (name, source)
    # The four runtimes of one vocabulary agree; the other tokenizer is another vocabulary.
    assert len({report.tokens(n) for n in ["hfbpe", "tiktoken", "tokenizers", "transformers"]}) == 1
    stats = report.stats()
    assert stats.documents == len(texts)
    assert stats.bytes == sum(len(t.encode("utf-8")) for t in texts)
    assert stats.chars == sum(len(t) for t in texts)
    assert stats.words == sum(len(t.split()) for t in texts)
    row = next(r for r in report.rows() if r["tokenizer"] == "bpetrainer" and r["group"] == "all")
    assert row["bytes_per_token"] == pytest.approx(stats.bytes / report.tokens("bpetrainer"))
    assert row["token_change_vs_baseline"] == pytest.approx(report.tokens("bpetrainer") / report.tokens("hfbpe") - 1)


def test_usage_counts_and_unused_tokens(trained, held_out_slice):
    texts = held_out_slice[:300]
    report = trained.evaluate(texts, show_progress=False)
    ids = [i for t in texts for i in trained.encode(t)]
    usage = report.usage("hfbpe")
    assert usage.sum() == len(ids) == report.tokens("hfbpe")
    assert np.array_equal(usage, np.bincount(ids, minlength=trained.n_vocab))
    vocab = report.vocabulary("hfbpe")
    assert vocab["ordinary_tokens"] == trained.vocab_size  # special tokens left out
    assert vocab["unused_tokens"] == trained.vocab_size - len(set(ids))
    assert vocab["unused_share"] == pytest.approx(vocab["unused_tokens"] / trained.vocab_size)
    longest = max(len(b) for b in trained.mergeable_ranks)
    assert len(vocab["longest_tokens"]) == 10
    assert all(len(t) <= 4 * longest for t in vocab["longest_tokens"])


def test_added_tokens_in_the_text_count_as_hf_finds_them(trained, hf_trained):
    texts = ["before<|endoftext|>after and <|endoftext|><|endoftext|> more", "no special text here",
             "a <|bos|> in the middle", None, "<|endoftext|>"]
    tokenizers = {"ours": trained.to_tokenizers(), "bpetrainer": hf_trained, "tiktoken": trained.to_tiktoken()}
    report = hfbpe.evaluate(tokenizers, texts, show_progress=False)
    present = [t for t in texts if t is not None]
    for name, tok in tokenizers.items():
        assert report.tokens(name) == direct_count(tok, present), name
    eot = hf_trained.token_to_id("<|endoftext|>")
    assert report.usage("bpetrainer")[eot] == 4
    assert report.usage("tiktoken")[trained.special_tokens["<|endoftext|>"]] == 0  # encode_ordinary: plain text


def test_ignore_merges_and_unsupported_shapes_stay_exact(trained, held_out_slice):
    texts = held_out_slice[:150] + ["ÅNGSTRÖM ﬁ ﬀ Ⅻ"]
    config = json.loads(trained.to_tokenizers().to_str())
    config["model"]["ignore_merges"] = True  # as Llama-3's tokenizer.json has it
    llama_like = HFTokenizer.from_str(json.dumps(config))
    normalized = HFTokenizer.from_str(trained.to_tokenizers().to_str())
    normalized.normalizer = normalizers.NFKC()
    prefixed = HFTokenizer.from_str(trained.to_tokenizers().to_str())
    prefixed.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizers = {"ignore_merges": llama_like, "nfkc": normalized, "prefix_space": prefixed}
    report = hfbpe.evaluate(tokenizers, texts, show_progress=False)
    methods = report.to_dict()["methods"]
    assert methods == {"ignore_merges": "pieces", "nfkc": "texts", "prefix_space": "texts"}
    for name, tok in tokenizers.items():
        assert report.tokens(name) == direct_count(tok, texts), name
    assert "normalizer NFKC" in read_tokenizer(normalized).unsupported


def test_tokenizers_from_folders_and_files(trained, held_out_slice, tmp_path):
    folder = trained.save_pretrained(tmp_path / "ours")
    trained.to_tokenizers().save(str(tmp_path / "plain.json"))
    (tmp_path / "hf-only").mkdir()
    trained.to_tokenizers().save(str(tmp_path / "hf-only" / "tokenizer.json"))
    texts = held_out_slice[:50]
    report = hfbpe.evaluate([str(folder), str(tmp_path / "plain.json"), str(tmp_path / "hf-only")], texts,
                            show_progress=False)
    assert len(set(report.tokenizers)) == 3
    assert len({report.tokens(n) for n in report.tokenizers}) == 1
    assert report.tokens(report.tokenizers[0]) == direct_count(trained, texts)
    with pytest.raises(FileNotFoundError, match="neither hfbpe.json nor tokenizer.json"):
        hfbpe.evaluate(str(tmp_path), texts)
    with pytest.raises(TypeError, match="cannot read a tokenizer from int"):
        hfbpe.evaluate(3, texts)
    with pytest.raises(ValueError, match="baseline='nope' is not one of"):
        hfbpe.evaluate(trained, texts, baseline="nope")


def test_group_by_errors_name_the_column(trained, held_out_table):
    with pytest.raises(ValueError, match="no column 'language' to group by"):
        hfbpe.evaluate(trained, held_out_table, group_by="language")
    with pytest.raises(TypeError, match="group_by needs data with columns"):
        hfbpe.evaluate(trained, ["a text"], group_by="source")


def test_group_by_on_datasets_and_missing_values(trained, held_out_table):
    import datasets

    ds = datasets.Dataset(held_out_table.slice(0, 300))
    texts, sources = ds["text"], ds["source"]
    report = hfbpe.evaluate({"t": trained}, ds, group_by="source", show_progress=False)
    streamed = hfbpe.evaluate({"t": trained}, ds.to_iterable_dataset(num_shards=3), group_by="source",
                              show_progress=False)
    assert report.rows() == streamed.rows()
    for source in set(sources):
        mine = [t for t, s in zip(texts, sources) if s == source]
        assert report.tokens("t", source) == direct_count(trained, mine)
    table = pa.table({"text": ["one two", "three", None, "four five six"], "lang": ["en", None, "de", "en"]})
    report = hfbpe.evaluate({"t": trained}, table, group_by="lang", show_progress=False)
    assert set(report.groups) == {"all", "en", "de", "(missing)"}
    assert report.stats("en").words == 5 and report.stats("(missing)").documents == 1
    assert report.stats("de").documents == 0  # a missing text counts nowhere


def test_report_outputs(trained, hf_trained, held_out_table, tmp_path):
    report = hfbpe.evaluate({"hfbpe": trained, "bpetrainer": hf_trained}, held_out_table.slice(0, 200),
                            group_by="source", baseline="bpetrainer", show_progress=False)
    text = report.to_text()
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["tokenizer", "group", "vocab"]
    assert len({len(line) for line in lines[:2 + 2 * len(report.groups)]}) == 1  # aligned columns
    markdown = report.to_markdown()
    assert markdown.startswith("| tokenizer | group |") and "vs bpetrainer" in markdown
    path = report.save(tmp_path / "report.json")
    saved = json.loads(path.read_text())
    assert saved["rows"] == json.loads(json.dumps(report.rows()))
    assert saved["vocabulary"]["hfbpe"]["unused_tokens"] == report.vocabulary("hfbpe")["unused_tokens"]
    png = report.plot(tmp_path / "chart.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png", "report.json"]  # nothing left staged


def test_plot_without_matplotlib_names_the_extra(trained, monkeypatch, tmp_path):
    report = trained.evaluate(["some text"], show_progress=False)
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"hfbpe\[plot\]"):
        report.plot(tmp_path / "chart.png")
    assert not (tmp_path / "chart.png").exists()


def test_token_byte_lengths_count_raw_bytes(trained):
    lengths = trained.token_byte_lengths()
    assert len(lengths) == trained.n_vocab
    assert all(lengths[i] == len(trained.token_bytes(i)) for i in range(trained.vocab_size))
    assert all(lengths[i] == 0 for i in trained.special_tokens.values())
    partial = next(i for i in range(256, trained.vocab_size) if trained.token_bytes(i)[-1] >= 0xC0)
    # Decoding would count a partial UTF-8 sequence as U+FFFD, 3 bytes.
    assert lengths[partial] == len(trained.token_bytes(partial)) != len(trained.decode([partial]).encode("utf-8"))


@pytest.mark.parametrize("slice_step", [1, 2])
def test_truncated_equals_training_at_that_size(multilingual_slice, slice_step):
    texts = multilingual_slice[::slice_step]
    big = hfbpe.train(texts, 9000, special_tokens=SPECIALS, show_progress=False)
    for size in [300, 1000, 4096, 8192]:
        cut = big.truncated(size)
        direct = hfbpe.train(texts, size, special_tokens=SPECIALS, show_progress=False)
        assert cut.merges == direct.merges, size
        assert cut.special_tokens == direct.special_tokens, size
        assert cut.n_vocab == direct.n_vocab == size
        assert cut.training_summary["merge_counts"] == direct.training_summary["merge_counts"], size
        sample = texts[5][:2000] + "<|bos|>"
        assert cut.encode(sample, allowed_special="all") == direct.encode(sample, allowed_special="all")
    with pytest.raises(ValueError, match="larger than this tokenizer's 9000 ids"):
        big.truncated(9001)
    with pytest.raises(ValueError, match="at least 258"):
        big.truncated(257)


def test_merge_counts_are_the_counts_of_the_merged_pairs(small_slice):
    from collections import Counter

    tokenizer = hfbpe.train(small_slice, 400, show_progress=False)
    counts = tokenizer.training_summary["merge_counts"]
    assert len(counts) == len(tokenizer.merges) == 144
    assert counts == sorted(counts, reverse=True)  # merging never makes a pair more frequent than the last
    pairs: Counter = Counter()
    for piece, n in hfbpe.count(small_slice, show_progress=False).items():
        for a, b in zip(piece, piece[1:]):
            pairs[(a, b)] += n
    best = max(pairs.values())
    assert counts[0] == best and pairs[tokenizer.merges[0]] == best


def test_sweep_trains_once_and_evaluates_every_size(multilingual_slice, held_out_table, tmp_path):
    import datasets

    data = datasets.Dataset.from_dict({"text": multilingual_slice})
    largest, report = hfbpe.sweep(data, [500, 2000, 1000], eval_data=held_out_table, group_by="source",
                                  show_progress=False)
    assert largest.n_vocab == 2000 and report.vocab_sweep
    assert report.tokenizers == ["500", "1000", "2000"]
    texts = held_out_table.column("text").to_pylist()
    for size in [500, 1000, 2000]:
        direct = hfbpe.train(data, size, show_progress=False)
        assert report.tokens(str(size)) == direct_count(direct, texts)
    bpt = [report.stats().bytes / report.tokens(n) for n in report.tokenizers]
    assert bpt == sorted(bpt)  # more merges, fewer tokens
    assert report.plot(tmp_path / "sweep.png").stat().st_size > 10_000
    # Without eval_data, the last rows are held apart and not trained on.
    largest, held = hfbpe.sweep(data, [400], show_progress=False)
    assert held.stats().documents == max(1, int(len(data) * 0.05))
    assert largest.training_summary["documents"] == len(data) - held.stats().documents


def test_model_card_shows_the_evaluation(trained, held_out_table, tmp_path, hub):
    report = trained.evaluate(held_out_table.slice(0, 100), group_by="source", show_progress=False)
    folder = trained.save_pretrained(tmp_path / "tok", evaluation=report)
    card = (folder / "README.md").read_text()
    assert "## Evaluation" in card and "![bytes per token](evaluation.png)" in card
    assert report.to_markdown().splitlines()[2] in card
    assert (folder / "evaluation.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((folder / "evaluation.json").read_text())["rows"][0]["tokens"] == report.tokens("hfbpe")
    trained.push_to_hub("alice/evaluated", evaluation=report)
    files = hub.files("alice/evaluated")
    assert {"evaluation.png", "evaluation.json"} <= set(files)
    assert "## Evaluation" in files["README.md"].decode()


def test_cli_eval_prints_the_table(trained, hf_trained, held_out_table, tmp_path, capsys):
    import pyarrow.parquet as pq

    from hfbpe import cli

    data = tmp_path / "eval.parquet"
    pq.write_table(held_out_table.slice(0, 200), data)
    ours = trained.save_pretrained(tmp_path / "ours")
    hf_trained.save(str(tmp_path / "bpetrainer.json"))
    code = cli.main(["eval", f"mine={ours}", str(tmp_path / "bpetrainer.json"), "--data", str(data),
                     "--group-by", "source", "--baseline", "mine", "--chart", str(tmp_path / "c.png"),
                     "--json", str(tmp_path / "r.json"), "--markdown", str(tmp_path / "r.md"), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:2] == ["tokenizer", "group"]
    texts = held_out_table.slice(0, 200).column("text").to_pylist()
    rows = json.loads((tmp_path / "r.json").read_text())["rows"]
    mine = next(r for r in rows if r["tokenizer"] == "mine" and r["group"] == "all")
    assert mine["tokens"] == direct_count(trained, texts)
    assert f"{mine['tokens']:,}" in out and "MB/s" in out
    assert (tmp_path / "c.png").is_file() and (tmp_path / "r.md").read_text().startswith("| tokenizer |")
    assert cli.main(["eval", str(ours), "--data", str(data), "--group-by", "nope", "--no-progress"]) == 1
    assert "no column 'nope' to group by" in capsys.readouterr().err


def test_cli_train_with_sweep_puts_the_chart_in_the_card(held_out_table, multilingual_slice, tmp_path, capsys):
    import pyarrow.parquet as pq

    from hfbpe import cli

    train_file, eval_file = tmp_path / "train.parquet", tmp_path / "eval.parquet"
    pq.write_table(pa.table({"text": multilingual_slice[::4]}), train_file)
    pq.write_table(held_out_table.slice(0, 200), eval_file)
    code = cli.main(["train", str(train_file), "--vocab-size", "800", "--sweep", "400,1200", "--eval-data",
                     str(eval_file), "--group-by", "source", "--text-column", "text", "--output",
                     str(tmp_path / "tok"), "--chart", str(tmp_path / "sweep.png"), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "1,200" in out and "800" in out
    saved = hfbpe.from_pretrained(tmp_path / "tok")
    assert saved.n_vocab == 800
    assert saved.merges == hfbpe.train(multilingual_slice[::4], 800, show_progress=False).merges
    card = (tmp_path / "tok" / "README.md").read_text()
    assert "## Evaluation" in card and "hfbpe.sweep" in card
    assert (tmp_path / "tok" / "evaluation.png").is_file() and (tmp_path / "sweep.png").is_file()
    assert cli.main(["train", str(train_file), "--vocab-size", "800", "--output", str(tmp_path / "x"),
                     "--group-by", "source"]) == 1
    assert "need --sweep or --eval-data" in capsys.readouterr().err


def test_a_piece_that_is_a_token_is_that_token_as_tiktoken_has_it():
    # "abcd" is a token, but merging its bytes goes a, b, c, d -> ab, c, d (bc is blocked) and
    # stops: tiktoken looks the whole piece up first, and so must the count.
    ranks = {bytes([b]): b for b in range(256)}
    ranks.update({b"ab": 256, b"bc": 257, b"bcd": 258, b"abcd": 259})
    enc = tiktoken.Encoding("toy", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    assert enc.encode_ordinary("abcd") == [259]
    assert read_tokenizer(enc).piece_encoder().encode(b"abcd") == [259]
    texts = ["abcd abcd xbcd abc", "bcd abcde"]
    report = hfbpe.evaluate(enc, texts, show_progress=False)
    assert report.tokens("toy") == direct_count(enc, texts)


def test_words_are_what_str_split_counts():
    texts = [" leading and trailing \n", "", "   ", "a\u3000b\u00a0c\u2028d\x1ce\x85f", "one"]
    report = hfbpe.evaluate(hfbpe.Tokenizer(), texts, show_progress=False)
    assert report.stats().words == sum(len(t.split()) for t in texts) == 10


def test_hf_truncation_padding_and_repeated_merges_do_not_change_counts(trained, held_out_slice):
    texts = held_out_slice[:40]
    config = json.loads(trained.to_tokenizers().to_str())
    config["truncation"] = {"direction": "Right", "max_length": 16, "strategy": "LongestFirst", "stride": 0}
    config["padding"] = {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None,
                         "pad_id": 0, "pad_type_id": 0, "pad_token": "<|bos|>"}
    limited = HFTokenizer.from_str(json.dumps(config))
    assert len(limited.encode(texts[0]).ids) == 16
    report = hfbpe.evaluate({"limited": limited}, texts, show_progress=False)
    assert report.tokens("limited") == direct_count(trained, texts)
    # A merge listed again further down: HF's BPE keeps the later position (a map built in order).
    merges = config["model"]["merges"]
    config["model"]["merges"] = merges + [merges[0]]
    config.pop("truncation"), config.pop("padding")
    repeated = HFTokenizer.from_str(json.dumps(config))
    report = hfbpe.evaluate({"repeated": repeated}, texts, show_progress=False)
    assert report.tokens("repeated") == direct_count(repeated, texts)


def test_a_group_named_like_a_report_label_is_refused(trained):
    table = pa.table({"text": ["a", "b"], "g": ["all", "x"]})
    with pytest.raises(ValueError, match="group value 'all' clashes"):
        hfbpe.evaluate(trained, table, group_by="g")
