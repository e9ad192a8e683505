"""Progress bars and the summary log line."""

from __future__ import annotations

import logging

import datasets
import pyarrow as pa

import hfbpe
from hfbpe._progress import progress_enabled


def test_bars_show_counting_and_merging_when_asked(capsys):
    data = pa.array(["hello world", None, "hello there"] * 50)
    hfbpe.train(data, 256 + 5, show_progress=True)
    err = capsys.readouterr().err
    assert "hfbpe: counting" in err and "150/150" in err  # documents, with the total known
    assert "MB/s" in err  # text read per second
    assert "hfbpe: merging" in err and "5/5" in err


def test_counting_bar_shows_an_eta_when_the_size_is_known(capsys, tmp_path):
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["hello world " * 50] * 400}), tmp_path / "a.parquet", row_group_size=50)
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "a.parquet"), split="train", streaming=True)
    hfbpe.train(ds, 256 + 5, show_progress=True, batch_size=50)
    err = capsys.readouterr().err
    assert "100%" in err and "<" in err  # a bar with a total: percent done and time left
    assert "400/400" in err


def test_bars_off_when_asked_or_when_datasets_bars_are_disabled(capsys):
    hfbpe.train(["hello world"] * 10, 256 + 3, show_progress=False)
    assert "hfbpe:" not in capsys.readouterr().err
    datasets.disable_progress_bars()
    try:
        assert not progress_enabled(None)
        assert progress_enabled(True)
    finally:
        datasets.enable_progress_bars()


def test_summary_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="hfbpe"):
        hfbpe.train(pa.array(["ab ab", None, "abc"]), 256 + 2, show_progress=False)
    (message,) = [r.getMessage() for r in caplog.records if r.name == "hfbpe"]
    assert "2 documents, 8 bytes" in message
    assert "1 nulls and 0 invalid UTF-8 rows skipped" in message
    assert "2 merges" in message and "counting" in message and "merging" in message
