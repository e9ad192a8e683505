"""The hfbpe command line: train, push, encode, info; user mistakes are one line and exit 1."""

from __future__ import annotations

import json
import subprocess
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hfbpe
from hfbpe.cli import main


@pytest.fixture(scope="module")
def data_file(tmp_path_factory, multilingual_slice):
    path = tmp_path_factory.mktemp("cli") / "data.parquet"
    pq.write_table(pa.table({"text": multilingual_slice[:200], "n": list(range(200))}), path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_encode_info(capsys, tmp_path, data_file, multilingual_slice):
    out_dir = tmp_path / "tok"
    code, out, err = run(
        capsys, "train", str(data_file), "--vocab-size", "700", "--output", str(out_dir),
        "--special-tokens", "<|bos|>", "<|eos|>", "--bos-token", "<|bos|>", "--no-progress", "--num-threads", "1",
    )
    assert code == 0, err
    assert f"saved 700 tokens to {out_dir}" in out and "200 documents" in out
    expected = hfbpe.train(multilingual_slice[:200], 700, special_tokens=["<|bos|>", "<|eos|>"], show_progress=False)
    loaded = hfbpe.from_pretrained(out_dir)
    assert loaded.merges == expected.merges and loaded.special_token_roles == {"bos_token": "<|bos|>"}

    code, out, _ = run(capsys, "encode", str(out_dir), "hello world")
    assert code == 0 and json.loads(out) == expected.encode("hello world")
    code, out, _ = run(capsys, "encode", str(out_dir), "<|bos|>hi", "--allow-special", "--tokens")
    assert out.splitlines()[0] == "698\t'<|bos|>'"
    code, out, _ = run(capsys, "info", str(out_dir))
    info = json.loads(out)
    assert info["vocab_size"] == 700 and info["special_tokens"] == {"<|bos|>": 698, "<|eos|>": 699}
    assert info["training"]["documents"] == 200


def test_local_files_are_streamed_unless_told_otherwise(capsys, tmp_path, data_file, monkeypatch):
    """Local data is read once, in place: no Arrow copy in datasets' cache (--no-streaming makes one)."""
    import datasets

    streamed_with = []
    real = datasets.load_dataset
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: streamed_with.append(k["streaming"]) or real(*a, **k))
    glob = str(data_file.parent / "*.parquet")
    for flags in ([], ["--no-streaming"]):
        code, _, err = run(capsys, "train", "parquet", "--data-files", glob, "--text-column", "text",
                           "--vocab-size", "300", "--output", str(tmp_path / f"t{len(flags)}"), "--no-progress", *flags)
        assert code == 0, err
    assert streamed_with == [True, False]
    assert hfbpe.from_pretrained(tmp_path / "t0").merges == hfbpe.from_pretrained(tmp_path / "t1").merges


def test_train_superword_streaming(capsys, tmp_path, data_file, multilingual_slice):
    code, _, err = run(
        capsys, "train", "parquet", "--data-files", str(data_file), "--streaming", "--text-column", "text",
        "--vocab-size", "1200", "--superword-transition", "1000", "--max-words", "3", "--merge-filter", ": ",
        "--output", str(tmp_path / "t"), "--no-progress", "--num-threads", "1",
    )
    assert code == 0, err
    expected = hfbpe.train_superword(multilingual_slice[:200], 1200, transition=1000, max_words=3,
                                     merge_filter=[": "], show_progress=False)
    loaded = hfbpe.from_pretrained(tmp_path / "t")
    assert loaded.merges == expected.merges and loaded.pattern == expected.pattern
    assert loaded.training_summary["transition"] == 1000 and loaded.training_summary["max_words"] == 3
    code, _, err = run(capsys, "train", str(data_file), "--vocab-size", "1200", "--superword-pattern", "x+",
                       "--output", str(tmp_path / "u"))
    assert code == 1 and "--superword-pattern needs --superword-transition" in err


def test_train_with_min_frequency_and_max_token_length(capsys, tmp_path, data_file, multilingual_slice):
    code, _, err = run(capsys, "train", str(data_file), "--vocab-size", "900", "--min-frequency", "2",
                       "--max-token-length", "5", "--output", str(tmp_path / "t"), "--no-progress")
    assert code == 0, err
    expected = hfbpe.train(multilingual_slice[:200], 900, min_frequency=2, max_token_length=5, show_progress=False)
    loaded = hfbpe.from_pretrained(tmp_path / "t")
    assert loaded.merges == expected.merges and max(map(len, loaded.mergeable_ranks)) <= 5


def test_train_with_a_builder_and_data_files_streaming(capsys, tmp_path, data_file, multilingual_slice):
    code, out, err = run(
        capsys, "train", "parquet", "--data-files", str(data_file), "--streaming", "--text-column", "text",
        "--vocab-size", "600", "--max-chars", "100000", "--doc-cap", "5000", "--output", str(tmp_path / "t"),
        "--no-progress",
    )
    assert code == 0, err
    summary = hfbpe.from_pretrained(tmp_path / "t").training_summary
    assert summary["max_chars_reached"] and summary["max_chars"] == 100_000 and summary["doc_cap"] == 5000


def test_push(capsys, hub, tmp_path, data_file):
    out_dir = tmp_path / "tok"
    assert run(capsys, "train", str(data_file), "--vocab-size", "500", "--output", str(out_dir), "--no-progress",
               "--push-to-hub", "alice/cli-tok")[0] == 0
    assert "hfbpe.json" in hub.files("alice/cli-tok")
    code, out, err = run(capsys, "push", str(out_dir), "alice/cli-tok2", "--private")
    assert code == 0, err
    assert "pushed to" in out and hub.is_private("alice/cli-tok2")
    code, out, _ = run(capsys, "info", "alice/cli-tok2")
    assert json.loads(out)["vocab_size"] == 500


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "/no/such/file.parquet", "--vocab-size", "300", "--output", "x"], "/no/such/file.parquet: no such file"),
        (["encode", "/no/such/folder", "hi"], "/no/such/folder: no such folder"),
        (["train", "{data}", "--vocab-size", "100", "--output", "{tmp}/o"], "vocab_size must be at least 256"),
        (["train", "{data}", "--vocab-size", "300", "--output", "{tmp}/o", "--text-column", "body"],
         "no column 'body'"),
        (["train", "{data}", "--vocab-size", "300", "--output", "{tmp}/o", "--pattern", "(x"],
         "missing closing parenthesis"),
        (["train", "{tmp}/notes.docx", "--vocab-size", "300", "--output", "{tmp}/o"], "cannot tell the format"),
    ],
)
def test_user_mistakes_are_one_line(capsys, tmp_path, data_file, argv, message):
    (tmp_path / "notes.docx").write_text("x")
    argv = [a.format(data=data_file, tmp=tmp_path) for a in argv] + ["--no-progress"] * (argv[0] == "train")
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("hfbpe: error: ") and message in err and err.count("\n") == 1, err
    assert err.rstrip().endswith("(-v shows the traceback)")
    assert "Traceback" not in err


def test_push_with_a_bad_token_is_one_line(capsys, hub, tmp_path, data_file, monkeypatch):
    run(capsys, "train", str(data_file), "--vocab-size", "300", "--output", str(tmp_path / "t"), "--no-progress")
    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    code, _, err = run(capsys, "push", str(tmp_path / "t"), "alice/x")
    assert code == 1 and "alice/x" in err and "401" in err and err.count("\n") == 1


def test_console_script_is_installed(tmp_path):
    script = shutil.which("hfbpe", path=str(Path(sys.executable).parent)) or shutil.which("hfbpe")
    assert script, "the hfbpe console script is not installed"
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "train" in out.stdout and "push" in out.stdout
    failed = subprocess.run([str(script), "info", str(tmp_path / "nothing")], capture_output=True, text=True,
                            cwd=tmp_path)
    assert failed.returncode == 1 and failed.stderr.startswith("hfbpe: error: ") and "Traceback" not in failed.stderr
    from importlib.metadata import entry_points

    assert any(e.name == "hfbpe" and e.value == "hfbpe.cli:main" for e in entry_points(group="console_scripts"))


def test_verbose_after_the_command_shows_the_traceback(capsys, tmp_path):
    with pytest.raises(FileNotFoundError):
        main(["info", str(tmp_path / "nothing"), "-v"])
    assert main(["info", str(tmp_path / "nothing")]) == 1
