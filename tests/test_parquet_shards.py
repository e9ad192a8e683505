"""Parquet shards streamed through datasets: every document counted once, the same merges as the
memory-mapped Dataset, datasets' meaning of the data kept, bounded memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import warnings

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import load_dataset

import hfbpe
from hfbpe.sources import _releasing_pool, open_source, parquet_files

VOCAB = 256 + 400


def train(data, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)
        return hfbpe.train(data, VOCAB, show_progress=False, num_threads=2, **kwargs)


def write_shards(folder, texts, shards, *, row_group_size=50, copies=1):
    """`shards` parquet files, the texts dealt out round robin (each copied `copies` times), with a
    `source` column and a numeric `n`; returns the paths and every document's text in file order."""
    paths, documents = [], []
    for i in range(shards):
        mine = [t for _ in range(copies) for t in texts[i::shards]]
        table = pa.table({"n": list(range(len(mine))), "text": mine, "source": [f"s{i % 3}" for _ in mine]})
        path = folder / f"shard-{i:03d}.parquet"
        pq.write_table(table, path, row_group_size=row_group_size, compression="snappy")
        paths.append(str(path))
        documents.extend(mine)
    return paths, documents


@pytest.fixture(scope="module")
def shards(tmp_path_factory, multilingual_slice):
    folder = tmp_path_factory.mktemp("shards")
    return write_shards(folder, multilingual_slice, shards=7)


def test_every_document_is_counted_once(shards):
    paths, documents = shards
    ds = load_dataset("parquet", data_files=paths, split="train", streaming=True)
    assert parquet_files(ds, "text") is not None  # read directly, not through datasets' iterator
    summary = train(ds, text_column="text").training_summary
    assert summary["documents"] == len(documents)
    assert summary["bytes"] == sum(len(t.encode("utf-8")) for t in documents)


def test_streamed_memory_mapped_and_listed_give_the_same_merges(shards):
    paths, documents = shards
    streamed = train(load_dataset("parquet", data_files=paths, split="train", streaming=True), text_column="text")
    mapped = train(load_dataset("parquet", data_files=paths, split="train"), text_column="text")
    assert streamed.merges == mapped.merges == train(documents).merges
    # datasets' own iterator (a map forces it) reads the same rows
    through_datasets = load_dataset("parquet", data_files=paths, split="train", streaming=True).map(lambda row: row)
    assert parquet_files(through_datasets, "text") is None
    assert train(through_datasets, text_column="text").merges == streamed.merges


def test_rows_known_before_reading(shards):
    paths, documents = shards
    source = open_source(load_dataset("parquet", data_files=paths, split="train", streaming=True), text_column="text")
    assert source.num_rows == len(documents)  # from the files' metadata: the progress bar's total


def test_filters_and_shards_keep_datasets_rows(shards):
    paths, documents = shards
    kept = [t for i, p in enumerate(paths) for t in pq.read_table(p).filter(pa.compute.equal(
        pq.read_table(p)["source"], "s1"))["text"].to_pylist()]
    ds = load_dataset("parquet", data_files=paths, split="train", streaming=True, filters=[("source", "==", "s1")])
    assert parquet_files(ds, "text") is not None
    tokenizer = train(ds, text_column="text")
    assert tokenizer.training_summary["documents"] == len(kept)
    assert tokenizer.merges == train(kept).merges
    # A shard of the stream (as a Dask task gets it) reads its own files only.
    whole = load_dataset("parquet", data_files=paths, split="train", streaming=True)
    part = whole.shard(num_shards=3, index=1)
    expected = [t for p in part._ex_iterable.kwargs["files"] for t in pq.read_table(p)["text"].to_pylist()]
    assert train(part, text_column="text").training_summary["documents"] == len(expected) < len(documents)


def test_a_column_of_other_type_goes_through_datasets(tmp_path):
    path = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"text": ["a b", "c d"] * 20, "n": list(range(40))}), path)
    ds = load_dataset("parquet", data_files=str(path), split="train", streaming=True)
    assert parquet_files(ds, "n") is None
    with pytest.raises(TypeError, match="'n'"):
        train(ds, text_column="n")


def test_a_corrupt_shard_is_named(tmp_path, shards):
    paths, _ = shards
    bad = tmp_path / "shard-bad.parquet"
    bad.write_bytes(b"PAR1" + b"\0" * 100 + b"not a parquet footer")
    ds = load_dataset("parquet", data_files=paths[:2] + [str(bad)], split="train", streaming=True)
    with pytest.raises(ValueError, match="shard-bad.parquet"):
        train(ds, text_column="text")


def test_row_groups_listed_one_by_one_and_bad_files_skipped(tmp_path, shards):
    """datasets' reshard() lists a file once per row group; a bad file skipped ("warn", "skip")
    drops only its own rows, wherever it is listed."""
    paths, _ = shards
    resharded = load_dataset("parquet", data_files=paths[:2], split="train", streaming=True).reshard()
    files = parquet_files(resharded, "text")
    assert files is not None and len(files.parts) > 2
    assert [t for a in files.batches() for t in a.to_pylist()] == [
        t for p in paths[:2] for t in pq.read_table(p)["text"].to_pylist()]
    bad = tmp_path / "shard-bad.parquet"
    bad.write_bytes(b"PAR1" + b"\0" * 100 + b"not a parquet footer")
    good = pq.read_table(paths[0])["text"].to_pylist()
    for mode in ("warn", "skip"):
        files.on_bad_files = mode
        files.parts = [(str(bad), (0,)), (paths[0], None), (str(bad), None)]
        assert [t for a in files.batches() for t in a.to_pylist()] == good


def test_the_reading_thread_stops_on_an_error(shards):
    """An error in the counter (a bad max_chars is checked first; here a KeyboardInterrupt-like stop)
    leaves no reading thread behind."""
    import threading

    paths, _ = shards
    ds = load_dataset("parquet", data_files=paths, split="train", streaming=True)
    tokenizer = train(ds, text_column="text", max_chars=1000)
    assert tokenizer.training_summary["max_chars_reached"]
    assert not [t for t in threading.enumerate() if t.name == "hfbpe-read-ahead"]


MEMORY_PROBE = textwrap.dedent(
    """
    import glob, sys, warnings
    from datasets import load_dataset
    import hfbpe

    def peak_after(files):
        ds = load_dataset("parquet", data_files=files, split="train", streaming=True)
        tok = hfbpe.train(ds, 256 + 50, text_column="text", show_progress=False, batch_size=256)
        s = tok.training_summary
        hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        return [hwm * 1024, s["bytes"], s["distinct_pieces"], s["documents"]]

    warnings.simplefilter("ignore")
    files = sorted(glob.glob(sys.argv[1] + "/*.parquet"))
    # Every shard once first: threads, allocator arenas and Arrow's pool settle there.
    print(*peak_after(files), *peak_after(files * 4))
    """
)


def test_peak_memory_does_not_grow_with_the_number_of_shards(tmp_path, multilingual_slice):
    """Streaming 96 shards after 24 (the same texts again, so the piece table stays the same
    size) raises peak RSS by a small fraction of the extra text: shards are read a row group at
    a time and let go. Documents are short and batches small (256 rows), so what is read ahead,
    a few batches, is small beside the text."""
    texts = [t[:2000] for t in multilingual_slice[:300]]
    for i in range(24):
        write_shards(tmp_path, texts, 1, copies=8, row_group_size=500)
        (tmp_path / "shard-000.parquet").rename(tmp_path / f"part-{i:03d}.parquet")
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(tmp_path)], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    small_rss, small_bytes, small_distinct, small_docs, big_rss, big_bytes, big_distinct, big_docs = (
        int(x) for x in out.stdout.split())
    assert big_docs == 4 * small_docs and big_bytes == 4 * small_bytes and big_distinct == small_distinct
    assert big_bytes - small_bytes > 200_000_000
    assert big_rss - small_rss < (big_bytes - small_bytes) / 4, (small_rss, big_rss, small_bytes, big_bytes)


def test_a_shard_is_not_decoded_ahead_of_counting(tmp_path, multilingual_slice):
    """Reading one large shard while the consumer is slow holds a few row groups, not the file:
    memory does not grow with the size of a shard."""
    texts = [t[:4000] for t in multilingual_slice]
    paths, _ = write_shards(tmp_path, texts, 1, copies=12, row_group_size=len(texts) // 4)
    metadata = pq.read_metadata(paths[0])
    group_bytes = max(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    assert metadata.num_row_groups >= 40
    files = parquet_files(load_dataset("parquet", data_files=paths, split="train", streaming=True), "text")
    assert files is not None
    files.readers = 1
    pool = _releasing_pool()
    most = rows = 0
    for array in files.batches():
        rows += len(array)
        time.sleep(0.01)  # counting takes far longer than decoding
        most = max(most, pool.bytes_allocated())
    assert rows == metadata.num_rows
    assert most < 8 * group_bytes, (most, group_bytes, metadata.num_row_groups)


def test_batches_are_sized_by_the_text_column_behind_a_struct(monkeypatch, tmp_path, multilingual_slice):
    """A struct column before the text makes the row groups' column numbers differ from the
    schema's field numbers: the batch size still comes from the text's own bytes."""
    monkeypatch.setattr(hfbpe.sources, "BATCH_BYTES", 1_000_000)
    texts = [(t * 4)[:4000] for t in (multilingual_slice * 20)[:2000]]
    table = pa.table({"meta": [{"tag": "x", "n": i} for i in range(len(texts))], "text": texts})
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path, row_group_size=len(texts))
    files = parquet_files(load_dataset("parquet", data_files=[str(path)], split="train", streaming=True), "text")
    assert files is not None
    sizes = [sum(len(t.encode()) for t in array.to_pylist()) for array in files.batches()]
    assert sum(sizes) == sum(len(t.encode()) for t in texts)
    assert len(sizes) >= 4 and max(sizes) < 2_000_000, sizes  # 4.7 MB of text


def test_batches_are_decoded_into_a_pool_that_gives_memory_back(monkeypatch, shards):
    """The reader decodes into jemalloc where pyarrow has it (the default mimalloc pool kept the
    freed batches' pages through training); ARROW_DEFAULT_MEMORY_POOL still chooses."""
    try:
        jemalloc = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc pool")
    paths, _ = shards
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    files = parquet_files(load_dataset("parquet", data_files=paths, split="train", streaming=True), "text")
    assert files is not None
    before_default, before_jemalloc = pa.total_allocated_bytes(), jemalloc.bytes_allocated()
    batches = files.batches()
    first = next(batches)
    assert jemalloc.bytes_allocated() - before_jemalloc >= first.nbytes > 0
    assert pa.total_allocated_bytes() == before_default
    del first
    batches.close()
    assert jemalloc.bytes_allocated() == before_jemalloc
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    assert _releasing_pool().backend_name == pa.default_memory_pool().backend_name
