"""Every kind of input hfbpe.train takes gives the merges of the same texts as a Python list."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset, DatasetDict, IterableDatasetDict, load_dataset

import hfbpe
from hfbpe.sources import open_source

VOCAB = 256 + 300


def train(data, vocab_size=VOCAB, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hfbpe.TrainingWarning)
        return hfbpe.train(data, vocab_size, show_progress=False, num_threads=2, **kwargs)


@pytest.fixture(scope="module")
def texts(multilingual_slice) -> list[str]:
    return multilingual_slice[:400]


@pytest.fixture(scope="module")
def expected(texts) -> list[tuple[int, int]]:
    return train(texts).merges


@pytest.fixture(scope="module")
def files(tmp_path_factory, texts):
    """The texts as parquet (small row groups), json lines, and a text file of their lines."""
    folder = tmp_path_factory.mktemp("data")
    table = pa.table({"id": list(range(len(texts))), "text": texts})
    pq.write_table(table, folder / "data.parquet", row_group_size=37)
    with open(folder / "data.jsonl", "w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"id": i, "text": text}) + "\n")
    with open(folder / "data.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(t.replace("\r", "") for t in texts))
    return folder


# Datasets -----------------------------------------------------------------------------


def test_dataset(texts, expected):
    ds = Dataset.from_dict({"text": texts, "id": list(range(len(texts)))})
    tokenizer = train(ds)
    assert tokenizer.merges == expected
    assert tokenizer.training_summary["documents"] == len(texts)
    assert tokenizer.training_summary["data"]["column"] == "text"


def test_dataset_loaded_from_parquet(files, expected):
    ds = load_dataset("parquet", data_files=str(files / "data.parquet"), split="train")
    assert train(ds).merges == expected
    assert train(ds, batch_size=5).merges == expected


@pytest.mark.parametrize("builder, name", [("parquet", "data.parquet"), ("json", "data.jsonl")])
def test_streaming_dataset(files, expected, builder, name):
    ds = load_dataset(builder, data_files=str(files / name), split="train", streaming=True)
    assert train(ds, text_column="text").merges == expected
    assert train(ds).merges == expected  # the only string column, found in the first batch for json


def test_streaming_text_files(files):
    streamed = load_dataset("text", data_files=str(files / "data.txt"), split="train", streaming=True)
    lines = [row["text"] for row in load_dataset("text", data_files=str(files / "data.txt"), split="train")]
    assert len(lines) > 1000
    assert train(streamed).merges == train(lines).merges


def test_dataset_dict_needs_a_split(texts, expected):
    dd = DatasetDict({"train": Dataset.from_dict({"text": texts}), "test": Dataset.from_dict({"text": ["x"]})})
    with pytest.raises(ValueError, match=r"splits \['train', 'test'\]; choose one with split="):
        train(dd)
    with pytest.raises(ValueError, match=r"split 'validation' is not in this DatasetDict; it has \['train', 'test'\]"):
        train(dd, split="validation")
    assert train(dd, split="train").merges == expected


def test_iterable_dataset_dict(files, expected):
    dd = load_dataset("parquet", data_files={"train": str(files / "data.parquet")}, streaming=True)
    assert isinstance(dd, IterableDatasetDict)
    with pytest.raises(ValueError, match="choose one with split="):
        train(dd)
    assert train(dd, split="train").merges == expected


def test_sliced_and_sharded_datasets(texts):
    ds = Dataset.from_dict({"text": texts})
    assert train(ds.select(range(50, 250))).merges == train(texts[50:250]).merges
    assert train(ds.shard(num_shards=3, index=1)).merges == train(ds.shard(num_shards=3, index=1)["text"]).merges
    picked = [7, 3, 300, 3, 120]  # not contiguous: datasets gathers these rows
    assert train(ds.select(picked)).merges == train([texts[i] for i in picked]).merges
    shuffled = ds.shuffle(seed=1)
    assert train(shuffled).merges == train(shuffled["text"]).merges


# Arrow --------------------------------------------------------------------------------


@pytest.mark.parametrize("string_type", [pa.string(), pa.large_string(), pa.string_view()])
def test_arrow_table_array_and_chunked_array(texts, expected, string_type):
    array = pa.array(texts, type=string_type)
    assert train(pa.table({"n": range(len(texts)), "text": array})).merges == expected
    assert train(array).merges == expected
    chunked = pa.chunked_array([array.slice(0, 123), array.slice(123, 0), array.slice(123)])
    assert train(chunked).merges == expected
    assert train(pa.RecordBatch.from_arrays([array], names=["text"])).merges == expected


def test_arrow_array_sliced_with_an_offset(texts):
    array = pa.array(texts, type=pa.large_string())
    part = array.slice(17, 101)  # non-zero offset into the same buffers
    assert train(part).merges == train(texts[17:118]).merges


def test_dictionary_encoded_strings(texts, expected):
    assert train(pa.array(texts).dictionary_encode()).merges == expected


def test_python_list_of_batches(texts, expected):
    batches = [texts[i : i + 33] for i in range(0, len(texts), 33)]
    assert train(batches).merges == expected
    assert train(iter(batches)).merges == expected


def test_rows_as_dicts_with_text_column(texts, expected):
    rows = ({"text": t, "n": i} for i, t in enumerate(texts))
    assert train(rows, text_column="text").merges == expected


# Nulls, types, columns ----------------------------------------------------------------


def test_nulls_are_skipped_and_counted(texts, expected):
    with_nulls = []
    for i, text in enumerate(texts):
        with_nulls.append(text)
        if i % 3 == 0:
            with_nulls.append(None)
    nulls = len(with_nulls) - len(texts)
    for data in [with_nulls, pa.array(with_nulls), Dataset.from_dict({"text": with_nulls})]:
        tokenizer = train(data)
        assert tokenizer.merges == expected
        assert tokenizer.training_summary["nulls"] == nulls
        assert tokenizer.training_summary["documents"] == len(texts)


def test_an_arrow_array_sliced_inside_its_validity_bitmap(texts):
    with_nulls = [None if i % 5 == 2 else t for i, t in enumerate(texts)]
    part = pa.array(with_nulls).slice(3, 77)  # the bitmap is read from bit 3 on
    expected = [t for t in with_nulls[3:80] if t is not None]
    tokenizer = train(part)
    assert tokenizer.merges == train(expected).merges
    assert tokenizer.training_summary["nulls"] == sum(t is None for t in with_nulls[3:80])


def test_wrong_column_type_is_named():
    ds = Dataset.from_dict({"text": [1, 2, 3]})
    with pytest.raises(TypeError, match=r"column 'text' holds int64, expected strings"):
        train(ds, text_column="text")
    with pytest.raises(TypeError, match=r"no string column to train on; the columns are: text \(int64\)"):
        train(ds)
    with pytest.raises(TypeError, match=r"the array holds list<item: string>, expected strings"):
        train(pa.array([["a"], ["b"]]))


def test_missing_column_lists_the_columns():
    ds = Dataset.from_dict({"text": ["a"], "title": ["b"]})
    with pytest.raises(ValueError, match=r"no column 'body'; the columns are \['text', 'title'\]"):
        train(ds, text_column="body")
    with pytest.raises(ValueError, match=r"several string columns \['text', 'title'\]; choose one with text_column="):
        train(ds)
    assert train(ds, text_column="title", vocab_size=256).vocab_size == 256


def test_split_needs_a_dataset_dict():
    with pytest.raises(ValueError, match="split='train' only applies to a DatasetDict"):
        train(["abc"], split="train")


# Invalid UTF-8 ------------------------------------------------------------------------


def arrow_strings(values: list[bytes], large: bool = False) -> pa.Array:
    """A string array built from raw bytes, which Arrow does not check for UTF-8."""
    offsets, position = [0], 0
    for v in values:
        position += len(v)
        offsets.append(position)
    offset_type = "q" if large else "i"
    import array as pyarray

    return pa.Array.from_buffers(
        pa.large_string() if large else pa.string(),
        len(values),
        [None, pa.py_buffer(pyarray.array(offset_type, offsets).tobytes()), pa.py_buffer(b"".join(values))],
    )


@pytest.mark.parametrize("large", [False, True])
def test_invalid_utf8_rows_are_skipped_counted_and_warned(large):
    good = [b"hello world", "gr\u00fc\u00dfe welt".encode(), b"hello hello"]
    bad = [b"\xff\xfe", b"abc\xc3", b"\xed\xa0\x80 surrogate", b"\xc0\xaf overlong", b"\xf4\x90\x80\x80 too high"]
    array = arrow_strings([good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4]], large)
    with pytest.warns(hfbpe.TrainingWarning, match="skipped 5 Arrow strings that are not well-formed UTF-8"):
        tokenizer = hfbpe.train(array, 256 + 10, show_progress=False)
    assert tokenizer.merges == train([g.decode() for g in good], 256 + 10).merges
    assert tokenizer.training_summary["invalid_utf8"] == 5
    assert tokenizer.training_summary["documents"] == 3


# Limits -------------------------------------------------------------------------------


def test_max_chars_takes_whole_documents_until_the_total_passes_it():
    docs = ["aaaa", "bbbbbb", "cccc", "dddd"]  # 4, 10, 14, 18 characters in all
    for max_chars, taken in [(1, 1), (4, 2), (9, 2), (10, 3), (13, 3), (14, 4), (100, 4)]:
        summary = train(docs, max_chars=max_chars).training_summary
        assert summary["documents"] == taken, max_chars
        assert summary["chars"] == sum(len(d) for d in docs[:taken])


def test_max_chars_counts_characters_not_bytes(texts):
    """The same documents give the same cut as str, as Arrow and across batch sizes (nanochat's loop as oracle)."""
    budget = 50_000

    def nanochat_prefix(docs, doc_cap=None):
        out, nchars = [], 0
        for doc in docs:
            doc = doc[:doc_cap] if doc_cap else doc
            out.append(doc)
            nchars += len(doc)
            if nchars > budget:
                break
        return out

    assert sum(len(t.encode()) for t in texts) > 2 * sum(len(t) for t in texts[:50])  # plenty of non-ASCII
    for doc_cap in [None, 1000]:
        prefix = nanochat_prefix(texts, doc_cap)
        expected = train(prefix)
        for data in [texts, pa.array(texts), Dataset.from_dict({"text": texts})]:
            for batch_size in [1, 7, 8192]:
                tokenizer = train(data, max_chars=budget, doc_cap=doc_cap, batch_size=batch_size)
                assert tokenizer.merges == expected.merges
                assert tokenizer.training_summary["chars"] == sum(len(d) for d in prefix)
                assert tokenizer.training_summary["documents"] == len(prefix)


def test_doc_cap_crops_every_document_in_characters(texts):
    cropped = [t[:300] for t in texts]
    for data in [texts, pa.array(texts), pa.array(texts, type=pa.large_string())]:
        tokenizer = train(data, doc_cap=300)
        assert tokenizer.merges == train(cropped).merges
        assert tokenizer.training_summary["chars"] == sum(len(t) for t in cropped)
        assert tokenizer.training_summary["bytes"] == sum(len(t.encode()) for t in cropped)


@pytest.mark.parametrize("name, value", [("max_chars", 0), ("doc_cap", -5), ("max_chars", 1.5)])
def test_bad_limits(name, value):
    with pytest.raises((ValueError, TypeError), match=name):
        train(["abc"], **{name: value})


def test_streaming_stops_reading_at_max_chars(files, texts):
    """A stream is closed once max_chars is reached, not read to its end; rows come in full batches."""
    read = []

    def note(row):
        read.append(row["id"])
        return row

    ds = load_dataset("parquet", data_files=str(files / "data.parquet"), split="train", streaming=True).map(note)
    first = next(open_source(ds, text_column="text", batch_size=10).batches)
    assert len(first) == 10
    read.clear()
    tokenizer = train(ds, text_column="text", max_chars=100, batch_size=10)
    assert tokenizer.training_summary["documents"] <= 3
    assert tokenizer.training_summary["max_chars_reached"]
    assert 10 <= len(read) < 60 < len(texts)


# Memory -------------------------------------------------------------------------------

MEMORY_PROBE = textwrap.dedent(
    """
    import json, sys, warnings
    from datasets import IterableDataset
    import hfbpe

    def rows(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    ds = IterableDataset.from_generator(rows, gen_kwargs={"path": sys.argv[1]})
    warnings.simplefilter("ignore")
    tok = hfbpe.train(ds, 256 + 50, show_progress=False, batch_size=1000)
    s = tok.training_summary
    # VmHWM, the peak RSS of this process image (ru_maxrss would carry over the parent's peak across exec)
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(hwm * 1024, s["bytes"], s["distinct_pieces"])
    """
)


def test_streaming_memory_does_not_grow_with_the_data(tmp_path, texts):
    """Streaming 15x more text raises peak RSS by a small fraction of the extra text: only the
    piece table grows with the data, and here it does not grow at all (the same texts repeat).

    The stream is a generator-backed IterableDataset: datasets' own parquet and json
    streaming readers buffer more of a file as it grows, which is theirs to fix.
    """
    sizes = {}
    for copies in (4, 60):
        path = tmp_path / f"data{copies}.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for _ in range(copies):
                for text in texts:
                    f.write(json.dumps({"text": text}) + "\n")
        # cwd: not the repository root, whose hfbpe/ source folder would shadow the installed package
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True, check=True, cwd=tmp_path
        )
        sizes[copies] = tuple(int(x) for x in out.stdout.split())
    (small_rss, small_bytes, small_distinct), (big_rss, big_bytes, big_distinct) = sizes[4], sizes[60]
    assert big_bytes == 15 * small_bytes and big_distinct == small_distinct
    assert big_bytes - small_bytes > 60_000_000
    # Were the text kept, RSS would grow by at least its size; allow a quarter of it for allocator noise.
    assert big_rss - small_rss < (big_bytes - small_bytes) / 4, sizes


def test_a_hub_dataset_is_named_by_its_repo_id(tmp_path, texts):
    """datasets caches "someone/corpus" under someone___corpus/; the description (and the model card) name it."""
    folder = tmp_path / "someone___corpus" / "default" / "0.0.0"
    folder.mkdir(parents=True)
    Dataset.from_dict({"text": texts[:20]}).save_to_disk(str(folder))
    from datasets import load_from_disk

    ds = load_from_disk(str(folder))
    assert open_source(ds).description["dataset"] == "someone/corpus"
    in_memory = Dataset.from_dict({"text": ["a"]})
    assert "/" not in str(open_source(in_memory).description.get("dataset", ""))


def test_dataframes_are_read_as_tables_and_dicts_are_refused(texts, expected):
    import pandas as pd

    frame = pd.DataFrame({"text": texts, "n": range(len(texts))})
    assert train(frame).merges == expected
    with pytest.raises(TypeError, match=r"iterates over its keys; pass the texts themselves"):
        train({"text": texts})


def test_a_stream_batch_of_nothing_but_nulls(files, texts):
    """After a Python-level map, a batch whose only value is None has Arrow type null."""
    with_nulls = texts[:30] + [None] + texts[30:60]
    ds = Dataset.from_dict({"text": with_nulls}).to_iterable_dataset().map(lambda row: row)
    tokenizer = train(ds, batch_size=1)
    assert tokenizer.merges == train(texts[:60]).merges
    assert tokenizer.training_summary["nulls"] == 1


def test_progress_total_counts_texts_not_batches(texts):
    assert open_source(texts).num_rows == len(texts)
    assert open_source([texts[:10], texts[10:20]]).num_rows is None


def test_a_dataset_column_is_read_from_arrow(texts, expected):
    ds = Dataset.from_dict({"text": texts, "title": ["t"] * len(texts)})
    tokenizer = train(ds["text"])
    assert tokenizer.merges == expected
    assert tokenizer.training_summary["data"]["column"] == "text"  # read as the dataset's column
    assert train(ds.to_iterable_dataset()["text"]).merges == expected
    with pytest.raises(ValueError, match="text_column='title' given with the column 'text'"):
        train(ds["text"], text_column="title")
