"""The scripts in examples/ run as a user runs them (a subprocess, from the repository root) and do what they say."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tiktoken

import hfbpe
from conftest import corpus_path
from hfbpe import hub as hub_module

REPO = Path(__file__).resolve().parents[1]

NANOCHAT_SPECIALS = [
    "<|bos|>",
    "<|user_start|>",
    "<|user_end|>",
    "<|assistant_start|>",
    "<|assistant_end|>",
    "<|python_start|>",
    "<|python_end|>",
    "<|output_start|>",
    "<|output_end|>",
]


def run_example(script: str, *args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Runs examples/`script` with this Python, from the repository root, and returns what it printed."""
    return subprocess.run(
        [sys.executable, f"examples/{script}", *map(str, args)],
        cwd=REPO,
        env={**os.environ, **(env or {})},  # conftest's HF_HOME and offline settings apply in the child too
        capture_output=True,
        text=True,
        timeout=300,
    )


def check_ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def write_parquet(path: Path, texts: list[str | None]) -> Path:
    pq.write_table(pa.table({"text": pa.array(texts, pa.string()), "id": list(range(len(texts)))}), path)
    return path


def varied_texts(n: int) -> list[str]:
    """n documents of exactly 100 characters each, varied enough for a few hundred merges."""
    words = ["tokenizer", "stream", "merge", "Hub", "parquet", "Straße", "分词", "bytes", "pair", "count"]
    out = []
    for i in range(n):
        text = f"Doc {i}: " + " ".join(words[(i * k) % len(words)] for k in range(1, 12)) + f" {i * 7919}."
        out.append(text.ljust(100, "!")[:100])
    return out


# nanochat's recipe -------------------------------------------------------------------------


def test_nanochat_style_saves_a_tokenizer_nanochat_can_unpickle(tmp_path, held_out_slice):
    out = tmp_path / "nanochat-tokenizer"
    stdout = check_ok(
        run_example(
            "train_nanochat_style.py", "--data", corpus_path(), "--vocab-size", 600, "--max-chars", 2_000_000,
            "--output", out,
        )
    )
    assert "vocabulary: 600 ids (335 merges, specials 591..599)" in stdout
    assert "(stopped at --max-chars)" in stdout
    assert re.search(r"compression on the first 100 documents: \d+\.\d\d bytes per token", stdout)
    # Every file of save_pretrained plus the pickle, and no temporary file left behind.
    assert sorted(os.listdir(out)) == sorted([*hub_module.FILES, "merges.png", "tokenizer.pkl", "token_bytes.npy"])
    import numpy as np

    lengths = np.load(out / "token_bytes.npy")
    saved = hfbpe.from_pretrained(out)
    assert lengths.tolist() == [len(saved.token_bytes(i)) for i in range(saved.vocab_size)] + [0] * 9

    # What nanochat's RustBPETokenizer.from_directory does: unpickle a tiktoken Encoding.
    with open(out / "tokenizer.pkl", "rb") as f:
        encoding = pickle.load(f)
    assert isinstance(encoding, tiktoken.Encoding)
    assert encoding.name == "nanochat"
    assert encoding.n_vocab == 600
    assert [encoding.encode_single_token(s) for s in NANOCHAT_SPECIALS] == list(range(591, 600))

    loaded = hfbpe.from_pretrained(out)
    assert loaded.pattern == hfbpe.PATTERNS["nanochat"] == encoding._pat_str
    assert loaded.special_tokens == {s: 591 + i for i, s in enumerate(NANOCHAT_SPECIALS)}
    texts = held_out_slice[:60] + ["Numbers split in twos: 1234567 and 3.14159; <|bos|>hi<|assistant_end|>"]
    expected = [loaded.encode(t) for t in texts]
    assert encoding.encode_ordinary_batch(texts) == expected
    assert sum(map(len, expected)) > 10_000
    chat = "<|bos|><|user_start|>2+2?<|user_end|><|assistant_start|>4<|assistant_end|>"
    assert encoding.encode(chat, allowed_special="all") == loaded.encode(chat, allowed_special="all")
    assert encoding.encode(chat, allowed_special="all")[:2] == [591, 592]

    summary = loaded.training_summary
    assert summary["max_chars_reached"] is True
    assert summary["max_chars"] == 2_000_000 and summary["doc_cap"] == 10_000
    assert 2_000_000 <= summary["chars"] < 2_000_000 + 10_000  # stops after the document that crosses the limit
    assert loaded.special_token_roles == {"bos_token": "<|bos|>"}
    assert json.loads((out / "tokenizer_config.json").read_text())["bos_token"] == "<|bos|>"


# Streaming ---------------------------------------------------------------------------------


def test_streaming_reads_only_up_to_max_chars(tmp_path):
    data = write_parquet(tmp_path / "tiny.parquet", varied_texts(400))  # 40,000 characters
    out = tmp_path / "streamed"
    stdout = check_ok(
        run_example("train_streaming.py", "--data", data, "--vocab-size", 300, "--max-chars", 1050, "--output", out)
    )
    assert "(IterableDataset)" in stdout
    # 100 characters a document: the 11th takes the count past 1,050 and is the last one read.
    assert "stopped after 1,100 characters (--max-chars 1,050); the stream was closed, 11 documents" in stdout
    loaded = hfbpe.from_pretrained(out)
    assert loaded.n_vocab == 300 and loaded.special_tokens == {"<|endoftext|>": 299}
    assert loaded.training_summary["documents"] == 11
    assert loaded.training_summary["data"]["column"] == "text"

    stdout = check_ok(
        run_example("train_streaming.py", "--data", data, "--vocab-size", 300, "--max-chars", 0, "--output", out)
    )
    assert "read the whole stream: 40,000 characters, 400 documents" in stdout
    assert hfbpe.from_pretrained(out).training_summary["documents"] == 400


# Pushing to a Hub (the tests' fake one) ------------------------------------------------------


def test_push_to_hub_then_load_back(hub, tmp_path):
    data = write_parquet(tmp_path / "tiny.parquet", varied_texts(300))
    # The hub fixture patches huggingface_hub in this process only; the child reads the environment.
    env = {
        "HF_ENDPOINT": hub.endpoint,
        "HF_TOKEN": "hf_alice_token",
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_CACHE": str(tmp_path / "cache"),
        "HF_TOKEN_PATH": str(tmp_path / "hf-home" / "token"),  # never a token saved by `hf auth login`
    }
    stdout = check_ok(
        run_example("push_to_hub.py", "alice/example-tok", "--private", "--data", data, "--vocab-size", 320, env=env)
    )
    assert f"pushing to {hub.endpoint}/alice/example-tok" in stdout
    assert f"commit: {hub.endpoint}/alice/example-tok/commit/{hub.refs('alice/example-tok')['main']}" in stdout
    assert "same ids from hfbpe and transformers" in stdout
    files = hub.files("alice/example-tok")
    assert set(hub_module.FILES) <= set(files)
    assert json.loads(files["hfbpe.json"])["vocab_size"] == 320
    assert json.loads(files["tokenizer_config.json"])["eos_token"] == "<|endoftext|>"
    assert hub.is_private("alice/example-tok")
    assert not hub.server_errors
    # The ids the script printed are the ones the pushed tokenizer gives, loaded here from the Hub.
    printed = re.search(r"hfbpe\.from_pretrained\('alice/example-tok'\)\.encode -> (\[.*\])", stdout).group(1)
    sample = "Hello, world! Tokenizers on the Hub load anywhere: 1234 €, 你好, <|endoftext|>"
    assert json.loads(printed) == hfbpe.from_pretrained("alice/example-tok").encode(sample, allowed_special="all")

    # Someone else's namespace: the Hub's 403, in one line.
    result = run_example("push_to_hub.py", "bob/example-tok", "--from", tmp_path / "nothing-here", env=env)
    assert result.returncode == 1 and "nothing-here: no such folder" in result.stderr
    saved = hfbpe.from_pretrained("alice/example-tok").save_pretrained(tmp_path / "saved")
    result = run_example("push_to_hub.py", "bob/example-tok", "--from", saved, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("push_to_hub.py: error: ") and "403" in result.stderr
    assert "(while pushing to 'bob/example-tok')" in result.stderr


# User mistakes: one line, exit 1 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "script", ["train_nanochat_style.py", "train_streaming.py", "push_to_hub.py", "distributed_dask.py"]
)
def test_a_missing_file_is_one_line_and_exit_1(script):
    args = ["--data", "no/such/corpus.parquet"]
    if script == "push_to_hub.py":
        args = ["alice/never-pushed", *args]
    result = run_example(script, *args)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"{script}: error: {REPO / 'no/such/corpus.parquet'}: no such file "
        + ("(give a parquet file with --data, or a saved tokenizer with --from)" if script == "push_to_hub.py"
           else "(give a local parquet file with --data, or stream with --hub-dataset)")
    ]


def test_a_bad_column_or_vocab_size_is_one_line_and_exit_1(tmp_path):
    data = write_parquet(tmp_path / "tiny.parquet", varied_texts(20))
    result = run_example("train_streaming.py", "--data", data, "--text-column", "body", "--output", tmp_path / "o")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "train_streaming.py: error: no column 'body'; the columns are ['text', 'id']"
    )
    result = run_example("train_nanochat_style.py", "--data", data, "--vocab-size", 100, "--output", tmp_path / "o")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "train_nanochat_style.py: error: vocab_size must be at least 265 (256 byte tokens + 9 special tokens), got 100"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


# Dask ---------------------------------------------------------------------------------------


def test_distributed_dask_matches_a_local_run(tmp_path, multilingual_slice):
    data = write_parquet(tmp_path / "data.parquet", multilingual_slice[:300])
    out = tmp_path / "tok"
    stdout = check_ok(run_example("distributed_dask.py", "--data", data, "--vocab-size", 800, "--output", out,
                                  "--compare"))
    assert "cluster: 2 workers, 4 shards, 300 documents" in stdout
    assert "merges identical" in stdout
    assert hfbpe.from_pretrained(out).n_vocab == 800


# The command in the README ---------------------------------------------------------------------


def test_the_readme_command(corpus):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"python examples/train_tokenizer\.py (\S+) --vocab-size (\d+)", readme)
    assert found, "the README no longer shows the train_tokenizer.py command"
    path = found.group(1)
    if (REPO / path).resolve() != corpus_path().resolve():  # HFBPE_DEV_CORPUS points elsewhere
        path = str(corpus_path())
    stdout = check_ok(run_example("train_tokenizer.py", path, "--vocab-size", 400))  # the README's 8192, smaller
    assert re.search(rf"trained 400 tokens on {len(corpus)} documents \(\d+\.\d MB\)", stdout)
    assert "special tokens: {'<|endoftext|>': 399}" in stdout
    assert "bytes per token" in stdout


def test_compare_tokenizers_writes_tables_and_charts(tmp_path):
    out = tmp_path / "comparison"
    stdout = check_ok(run_example("compare_tokenizers.py", "--data", corpus_path(), "--max-rows", 600,
                                  "--vocab-size", 700, "--sweep", "300,700", "--out", out))
    assert "hfbpe-gpt2" in stdout and "tokenizers-gpt4" in stdout
    assert sorted(os.listdir(out)) == ["comparison.json", "comparison.md", "comparison.png", "sweep.json",
                                       "sweep.md", "sweep.png", "tokenizer"]
    card = (out / "tokenizer" / "README.md").read_text()
    assert "## Evaluation" in card and "tokenizers-gpt4" in card and (out / "tokenizer" / "evaluation.png").is_file()
    rows = json.loads((out / "sweep.json").read_text())["rows"]
    assert {r["vocab_size"] for r in rows} == {300, 700}


def test_retrain_and_extend_keeps_the_shape_and_every_id(tmp_path):
    from transformers import AutoTokenizer

    out = tmp_path / "out"
    stdout = check_ok(run_example("retrain_and_extend.py", "--data", corpus_path(), "--max-rows", 1500,
                                  "--vocab-size", 800, "--add", 300, "--out", out))
    base = AutoTokenizer.from_pretrained(out / "base")
    retrained = AutoTokenizer.from_pretrained(out / "retrained")
    extended = AutoTokenizer.from_pretrained(out / "extended")
    assert "300 new from id 800" in stdout and re.search(r"^extended +Han ", stdout, re.M)
    assert len(retrained) == 800 and len(extended) == 1100
    assert base.chat_template == retrained.chat_template == extended.chat_template is not None
    assert base.bos_token == retrained.bos_token == extended.bos_token == "<|begin_of_text|>"
    every_base_id = list(range(len(base)))
    assert extended.convert_ids_to_tokens(every_base_id) == base.convert_ids_to_tokens(every_base_id)
    assert retrained.convert_ids_to_tokens(every_base_id) != base.convert_ids_to_tokens(every_base_id)
    chinese = "分词器把文本切成词元。"
    assert len(extended(chinese)["input_ids"]) < len(base(chinese)["input_ids"])


def test_train_superword_example(tmp_path):
    out = tmp_path / "super"
    stdout = check_ok(run_example("train_superword.py", corpus_path(), "--max-rows", 1500, "--vocab-size", 3000,
                                  "--out", out))
    assert re.search(r"stage 2: [\d,]+ distinct runs, [\d,]+ merges", stdout)
    assert "first multi-word tokens: '" in stdout and re.search(r"^superword ", stdout, re.M)
    loaded = hfbpe.from_pretrained(out)
    assert loaded.n_vocab == 3000 and loaded.training_summary["transition"] == 2400
    assert (out / "evaluation.json").exists()
