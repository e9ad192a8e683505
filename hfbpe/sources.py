"""What hfbpe trains on, turned into batches for the native counter.

Arrow-backed data (a datasets.Dataset, an IterableDataset, pyarrow tables and
arrays) is handed over as Arrow string arrays, sliced in place: no Python str
is made per row and the text is not copied. Any other iterable gives lists of
str. Nothing here holds on to a batch once the next one is asked for, so a
stream is read with bounded memory.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any, Union

import pyarrow as pa

logger = logging.getLogger("hfbpe")

# A batch is an Arrow string/large_string array, or a list of str (None for a missing value).
Batch = Union[pa.Array, list]


@dataclass
class Source:
    """Batches of texts, with what is known about them before reading."""

    batches: Iterator[Batch]
    num_rows: int | None = None  # known for a Dataset, a table or a sized collection
    description: dict[str, Any] = field(default_factory=dict)  # dataset, config, split, column when known
    arrow: bool = False  # batches are Arrow arrays read from data (worth reading ahead)


def open_source(
    data: Any, *, text_column: str | None = None, split: str | None = None, batch_size: int = 8192
) -> Source:
    """Works out what `data` is and how to read its texts.

    data: a datasets Dataset, IterableDataset, DatasetDict or IterableDatasetDict;
        a pyarrow Table, RecordBatch, Array or ChunkedArray of strings; or any
        iterable of str (None for a missing value) or of lists of str.
    text_column: the column holding the text; None picks the only string column.
    split: which split of a DatasetDict to read.
    batch_size: rows per batch.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if data is None:
        raise TypeError("the training data is None")
    if isinstance(data, (str, bytes, bytearray)):
        raise TypeError(
            f"expected a dataset, an Arrow array or an iterable of str, got a single {type(data).__name__}; "
            "wrap it in a list: [text]"
        )

    datasets = _datasets_module()
    if datasets is not None and isinstance(data, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        return open_source(_pick_split(data, split), text_column=text_column, batch_size=batch_size)
    if split is not None and not _is_dataset(data, datasets):
        raise ValueError(f"split={split!r} only applies to a DatasetDict or IterableDatasetDict")
    column_of = _dataset_column(data, datasets)
    if column_of is not None:  # ds["text"]: read the dataset's column, not str by str
        source, name = column_of
        if text_column is not None and text_column != name:
            raise ValueError(f"text_column={text_column!r} given with the column {name!r} of a dataset")
        return open_source(source, text_column=name, batch_size=batch_size)
    if datasets is not None and isinstance(data, datasets.Dataset):
        return _dataset_source(data, text_column, batch_size)
    if datasets is not None and isinstance(data, datasets.IterableDataset):
        return _iterable_dataset_source(data, text_column, batch_size)
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        column = choose_column(data.schema, text_column)
        return Source(
            _arrow_batches(data.column(column), column, batch_size), data.num_rows, {"column": column}
        )
    if isinstance(data, (pa.Array, pa.ChunkedArray)):
        return Source(_arrow_batches(data, None, batch_size), len(data), {})
    if hasattr(data, "__arrow_c_stream__") or type(data).__name__ == "DataFrame":
        # A pandas or polars DataFrame: iterating it would yield its column names.
        table = pa.table(data) if hasattr(data, "__arrow_c_stream__") else pa.Table.from_pandas(data)
        return open_source(table, text_column=text_column, batch_size=batch_size)
    if isinstance(data, Mapping):
        raise TypeError(
            f"got a {type(data).__name__}, which iterates over its keys; pass the texts themselves "
            "(e.g. data['text']) or a datasets.Dataset"
        )
    if text_column is not None:
        return Source(_row_batches(data, text_column, batch_size), _len_or_none(data), {"column": text_column})
    return Source(_python_batches(data, batch_size), _rows_if_known(data), {})


# datasets --------------------------------------------------------------------------------


def _datasets_module():
    # A datasets object can only exist once datasets is imported; importing it here for Arrow or
    # Python input would add about a second to every call.
    return sys.modules.get("datasets")


def _is_dataset(data: Any, datasets) -> bool:
    return datasets is not None and isinstance(data, (datasets.DatasetDict, datasets.IterableDatasetDict))


def _dataset_column(data: Any, datasets) -> tuple[Any, str] | None:
    """(dataset, column name) for the lazy column objects datasets returns for ds["text"]."""
    if datasets is None:
        return None
    kinds = tuple(
        kind
        for kind in (getattr(datasets.arrow_dataset, "Column", None), getattr(datasets.iterable_dataset, "IterableColumn", None))
        if kind is not None
    )
    if kinds and isinstance(data, kinds):
        return data.source, data.column_name
    return None


def _pick_split(data, split: str | None):
    splits = list(data.keys())
    if split is None:
        raise ValueError(f"this {type(data).__name__} has splits {splits}; choose one with split=")
    if split not in data:
        raise ValueError(f"split {split!r} is not in this {type(data).__name__}; it has {splits}")
    return data[split]


def _hub_id_from_cache(ds) -> str | None:
    """datasets caches a Hub dataset "user/name" under a folder named "user___name"; that is
    the only place a loaded Dataset still carries its full repo id."""
    for entry in getattr(ds, "cache_files", None) or []:
        match = re.search(r"[/\\]([\w.-]+)___([\w.-]+)[/\\]", str(entry.get("filename", "")))
        if match:
            return f"{match.group(1)}/{match.group(2)}"
    return None


def _describe(info, split, column: str, hub_id: str | None = None) -> dict[str, Any]:
    description: dict[str, Any] = {"column": column}
    for key, value in (
        ("dataset", hub_id or getattr(info, "dataset_name", None)),
        ("builder", getattr(info, "builder_name", None)),
        ("config", getattr(info, "config_name", None)),
        ("split", str(split) if split is not None else None),
    ):
        if value:
            description[key] = value
    return description


def _dataset_source(ds, text_column: str | None, batch_size: int) -> Source:
    column = choose_column(ds.features.arrow_schema, text_column)

    def batches() -> Iterator[Batch]:
        # Formatted as Arrow, a batch is a slice of the memory-mapped table
        # (or, after a non-contiguous select/shuffle, a gathered copy of that batch only).
        for table in ds.select_columns([column]).with_format("arrow").iter(batch_size=batch_size):
            yield from _string_chunks(table.column(0), column)

    return Source(batches(), len(ds), _describe(ds.info, ds.split, column, _hub_id_from_cache(ds)), arrow=True)


def _iterable_dataset_source(ds, text_column: str | None, batch_size: int) -> Source:
    schema = ds.features.arrow_schema if ds.features is not None else None
    column = choose_column(schema, text_column) if schema is not None else text_column
    description = _describe(ds.info, ds.split, column or "")
    files = parquet_files(ds, column)
    if files is not None:
        return Source(_rebatched(files.batches(), batch_size), files.num_rows, description, arrow=True)

    def batches() -> Iterator[Batch]:
        stream = ds.select_columns([column]) if column is not None else ds
        name = column
        for table in stream.with_format("arrow").iter(batch_size=batch_size):
            if name is None:  # features unknown until the first batch (json, say)
                name = choose_column(table.schema, None)
                description["column"] = name
            yield from _string_chunks(table.column(name), name)

    return Source(_rebatched(batches(), batch_size), None, description, arrow=True)



def open_grouped(
    data: Any, group_column: str, *, text_column: str | None = None, split: str | None = None, batch_size: int = 8192
) -> Source:
    """Like open_source, for data with columns, but each batch is a pair (texts, groups): the text
    column and `group_column` (cast to strings; missing values become None) of the same rows.

    data: a datasets Dataset, IterableDataset, DatasetDict or IterableDatasetDict (with `split`),
        or a pyarrow Table or RecordBatch.
    text_column: None picks the only string column other than `group_column`.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if not isinstance(group_column, str):
        raise TypeError(f"group_by must be a column name (str), got {type(group_column).__name__}")
    datasets = _datasets_module()
    if datasets is not None and isinstance(data, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        return open_grouped(_pick_split(data, split), group_column, text_column=text_column, batch_size=batch_size)
    if split is not None:
        raise ValueError(f"split={split!r} only applies to a DatasetDict or IterableDatasetDict")

    def pick(schema: pa.Schema) -> str:
        if group_column not in schema.names:
            raise ValueError(f"no column {group_column!r} to group by; the columns are {schema.names}")
        others = pa.schema([f for f in schema if f.name != group_column])
        return choose_column(others if text_column is None else schema, text_column)

    def pairs(tables: Iterable[pa.Table], column: str | None) -> Iterator[tuple[pa.Array, pa.Array]]:
        for table in tables:
            name = column or pick(table.schema)
            texts = table.column(name)
            _check_text_type(texts.type, name)
            if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
                texts = texts.cast(pa.large_string())  # views, dictionaries, all-null columns
            groups = table.column(group_column)
            if not pa.types.is_string(groups.type):
                groups = groups.cast(pa.string())
            yield texts, groups

    if datasets is not None and isinstance(data, (datasets.Dataset, datasets.IterableDataset)):
        known = data.features is not None
        column = pick(data.features.arrow_schema) if known else None
        stream = data.select_columns([column, group_column]) if known else data
        tables = stream.with_format("arrow").iter(batch_size=batch_size)
        rows = len(data) if isinstance(data, datasets.Dataset) else None
        description = _describe(data.info, data.split, column or "")
        description["group_by"] = group_column
        return Source(pairs(tables, column), rows, description, arrow=True)
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
        column = pick(table.schema)
        batches = (table.slice(start, batch_size) for start in range(0, table.num_rows, batch_size))
        return Source(pairs(batches, column), table.num_rows, {"column": column, "group_by": group_column})
    raise TypeError(
        f"group_by needs data with columns (a datasets Dataset or IterableDataset, a pyarrow Table), "
        f"got {type(data).__name__}"
    )


def usable_cores() -> int:
    """All cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# A native counting batch holds batch_size rows, or fewer when they hold this many bytes:
# documents of 100 KB would otherwise make a batch of 8192 rows 800 MB.
BATCH_BYTES = 16_000_000


def _rebatched(arrays: Iterator[pa.Array], batch_size: int) -> Iterator[Batch]:
    """Arrays of batch_size rows (or BATCH_BYTES): a stream may come in small tables (a row
    group of a parquet file, or one row per table after a Python-level map), and every batch
    has a cost (threads wake, per-batch tables merge into the result). Small arrays are
    grouped into a ChunkedArray, which copies nothing."""
    pending: list[pa.Array] = []
    rows = size = 0
    for array in arrays:
        if not pending and (len(array) >= batch_size or array.nbytes >= BATCH_BYTES):
            yield array
            continue
        pending.append(array)
        rows += len(array)
        size += array.nbytes
        if rows >= batch_size or size >= BATCH_BYTES:
            yield _chunked(pending)
            pending, rows, size = [], 0, 0
    if pending:
        yield _chunked(pending)


def _chunked(arrays: list[pa.Array]) -> pa.Array | pa.ChunkedArray:
    if len(arrays) == 1:
        return arrays[0]
    if len({a.type for a in arrays}) > 1:  # string next to large_string, say
        arrays = [a.cast(pa.large_string()) for a in arrays]
    return pa.chunked_array(arrays)


# Parquet shards of a streaming dataset, read directly ---------------------------------------


@dataclass
class ParquetFiles:
    """The local parquet files behind a streaming dataset, read with pyarrow in bounded batches.

    datasets' own streaming reader takes every column and buffers more of a
    file the larger it is; this reads only the text column, one row group at a
    time (a few side by side on larger machines, in order), with the builder's
    own filters and its choice for bad files, so the rows are the ones datasets
    would give.
    """

    parts: list[tuple[str, Any]]  # (path, row group ids or None for all)
    column: str
    filters: Any
    scan_options: Any
    on_bad_files: str
    num_rows: int | None
    rows_per_batch: int = 65536
    # Row groups decoded side by side, in order. Decoding a row group's text takes about a
    # third of the time counting it does, so one reader per two counting threads keeps up.
    readers: int = field(default_factory=lambda: max(1, usable_cores() // 2))

    def batches(self) -> Iterator[pa.Array]:
        import pyarrow.dataset as pads
        import pyarrow.parquet as pq

        import pyarrow.fs

        # Local files need no pre-buffering (it reads whole row groups ahead, for remote
        # stores): without it reading takes half the wall time and a fraction of the memory.
        options = self.scan_options or pads.ParquetFragmentScanOptions(pre_buffer=False)
        file_format = pads.ParquetFileFormat(default_fragment_scan_options=options)
        local = pyarrow.fs.LocalFileSystem()
        expression = pq.filters_to_expression(self.filters) if isinstance(self.filters, list) else self.filters

        pool = _releasing_pool()

        def read(fragment) -> list[pa.Array]:
            # One row group per call, never a whole file: Arrow's scanner decodes a file's row
            # groups as fast as it can, whatever the consumer takes, so a 256 MB shard read
            # whole while counting held about its size in memory.
            out: list[pa.Array] = []
            for batch in fragment.to_batches(columns=[self.column], filter=expression,
                                             batch_size=self.rows_per_batch, batch_readahead=0,
                                             fragment_readahead=0, use_threads=False, memory_pool=pool):
                if batch.num_rows:
                    out.extend(_string_chunks(batch.column(0), self.column))
            return out

        # Parts that failed, by index (datasets may list one file several times, a row group
        # each): the rest of such a part is skipped, as datasets skips it.
        bad: set[int] = set()

        def done(part: int, future: Any) -> list[pa.Array]:
            if part in bad:
                future.cancel()
                return []
            try:
                return future.result()
            except (pa.ArrowInvalid, OSError) as error:
                bad.add(part)
                self._bad_file(self.parts[part][0], error)
                return []

        with ThreadPoolExecutor(self.readers, thread_name_prefix="hfbpe-parquet") as threads:
            in_flight: deque = deque()  # (part, future), in the parts' order
            try:
                for part, (path, row_groups) in enumerate(self.parts):
                    try:
                        fragment = file_format.make_fragment(path, filesystem=local)
                        fragment.ensure_complete_metadata()  # read the footer once, not per row group
                        if row_groups is not None:  # sorted and unique, as a subset of them reads
                            fragment = fragment.subset(row_group_ids=list(row_groups))
                        ids = [group.id for group in fragment.row_groups]
                    except (pa.ArrowInvalid, OSError) as error:
                        while in_flight:  # what comes before is reported first
                            yield from done(*in_flight.popleft())
                        self._bad_file(path, error)
                        continue
                    for i in ids:
                        if part in bad:
                            break
                        in_flight.append((part, threads.submit(read, fragment.subset(row_group_ids=[i]))))
                        if len(in_flight) > self.readers:
                            yield from done(*in_flight.popleft())
                while in_flight:
                    yield from done(*in_flight.popleft())
            finally:
                for _, future in in_flight:
                    future.cancel()

    def _bad_file(self, path: str, error: Exception) -> None:
        if self.on_bad_files == "error":
            raise _unreadable(path, error) from error
        if self.on_bad_files == "warn":
            logger.warning("hfbpe: skipping the bad parquet file %s: %s", path, error)


def _unreadable(path: str, error: Exception) -> ValueError:
    return ValueError(f"cannot read the parquet file {path}: {error}")


def _releasing_pool() -> pa.MemoryPool:
    """The Arrow memory pool the parquet reader decodes into: jemalloc where pyarrow has it,
    unless ARROW_DEFAULT_MEMORY_POOL names a pool. Every batch is freed once counted, and
    jemalloc gives those pages back to the system within about a second; the default
    (mimalloc) kept some 90 MB of them through training, which set the peak (1 GB of
    shards: 485-499 MB against 446-470 in alternating runs)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return pa.default_memory_pool()
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # pragma: no cover - a pyarrow built without it (Windows)
        return pa.default_memory_pool()


def parquet_files(ds, column: str | None) -> ParquetFiles | None:
    """How to read a streaming dataset's local parquet files directly, or None where that could
    change what datasets would give (a map, filter, shuffle, skip, take or interleave; a resumed
    or split-by-node stream; a later epoch; remote files; a column that datasets would cast from
    a non-string type)."""
    if column is None:
        return None
    try:
        from datasets.iterable_dataset import ArrowExamplesIterable, SelectColumnsIterable
        from datasets.packaged_modules.parquet.parquet import Parquet
    except ImportError:  # pragma: no cover - a datasets version without these
        return None
    if getattr(ds, "_distributed", None) is not None or getattr(ds, "_starting_state_dict", None) is not None:
        return None
    if getattr(ds, "epoch", 0):
        return None
    examples = ds._ex_iterable
    while type(examples) is SelectColumnsIterable:  # the column was checked against the features already
        examples = examples.ex_iterable
    if type(examples) is not ArrowExamplesIterable:
        return None
    generate = examples.generate_tables_fn
    builder = getattr(generate, "__self__", None)
    if not isinstance(builder, Parquet) or getattr(generate, "__func__", None) is not Parquet._generate_tables:
        return None
    kwargs = examples.kwargs
    paths = kwargs.get("files")
    groups = kwargs.get("row_groups_list")
    if not isinstance(paths, list) or not isinstance(groups, list) or len(paths) != len(groups):
        return None
    local = [_local_path(p) for p in paths]
    if any(p is None for p in local):
        return None
    config = builder.config
    num_rows, num_bytes = 0, 0  # rows for the progress bar; bytes (about) for the batch size
    import pyarrow.parquet as pq

    for path, row_groups in zip(local, groups):
        try:
            metadata = pq.read_metadata(path)
        except (pa.ArrowInvalid, OSError) as error:
            if config.on_bad_files == "error":
                raise _unreadable(path, error) from error
            continue  # skipped (with a warning) when it is read
        schema = metadata.schema.to_arrow_schema()
        field_index = schema.get_field_index(column)
        if field_index < 0 or not _is_text_type(schema.field(field_index).type):
            return None
        # The row groups list their columns as the schema's leaves (a struct column holds
        # several), not as its top-level fields: the text's leaf is found by its path,
        # which a struct's dotted leaf could share only in a contrived schema.
        leaves = [k for k in range(metadata.num_columns) if metadata.schema.column(k).path == column]
        if len(leaves) != 1:
            return None
        leaf = leaves[0]
        ids = range(metadata.num_row_groups) if row_groups is None else row_groups
        for i in ids:
            group = metadata.row_group(i)
            num_rows += group.num_rows
            num_bytes += max(0, group.column(leaf).total_uncompressed_size - 4 * group.num_rows)  # a 4-byte length each
    filtered = config.filters is not None
    # Batches of about 16 MB of text, whatever the row groups hold: a file written as one
    # row group must not be decoded whole. (The column's uncompressed size is about its
    # text when plain-encoded; a dictionary-encoded one only makes batches larger in rows.)
    rows_per_batch = 65536 if num_rows == 0 else int(min(65536, max(64, BATCH_BYTES * num_rows / max(1, num_bytes))))
    return ParquetFiles(
        parts=list(zip(local, groups)),
        column=column,
        filters=config.filters,
        scan_options=config.fragment_scan_options,
        on_bad_files=config.on_bad_files,
        num_rows=None if filtered else num_rows,
        rows_per_batch=rows_per_batch,
    )


def _local_path(path: Any) -> str | None:
    if not isinstance(path, (str, os.PathLike)):
        return None
    path = os.fspath(path)
    if path.startswith("file://"):
        path = path[len("file://") :]
    if "::" in path or "://" in path:  # chained or remote (hf://, https://, s3://): datasets reads those
        return None
    return path if os.path.isfile(path) else None


# Reading ahead -----------------------------------------------------------------------------


def read_ahead(batches: Iterator[Batch], depth: int = 1) -> Iterator[Batch]:
    """The same batches, produced on a thread of their own up to `depth` ahead, so that reading
    and decoding the next batch (pyarrow and the counter both release the GIL) overlaps
    counting this one. Exceptions surface in order. Closing the iterator stops the thread
    and closes `batches` there; it waits at most a second for a read in progress (a slow
    stream must not hold up Ctrl-C), which then finishes on its own."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not hand_over((batch, None)):
                    return
                del batch
            hand_over((done, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            hand_over((done, error))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="hfbpe-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            batch, error = ready.get()
            if batch is done:
                if error is not None:
                    raise error
                return
            yield batch
            del batch
    finally:
        stop.set()
        for _ in range(10):
            try:
                ready.get_nowait()  # the producer may be waiting to hand over a batch
            except queue.Empty:
                pass
            thread.join(timeout=0.1)
            if not thread.is_alive():
                break


# Arrow -----------------------------------------------------------------------------------


def _is_text_type(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_text_type(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t) or t == pa.string_view()


def _is_all_missing(t: pa.DataType) -> bool:
    """Arrow's type for a column of nothing but nulls (a stream's batch can be one)."""
    return pa.types.is_null(t)


def choose_column(schema: pa.Schema, text_column: str | None) -> str:
    """The text column of `schema`: `text_column` if given, else its only string column."""
    if text_column is not None:
        if not isinstance(text_column, str):
            raise TypeError(f"text_column must be a str, got {type(text_column).__name__}")
        if text_column not in schema.names:
            raise ValueError(f"no column {text_column!r}; the columns are {schema.names}")
        _check_text_type(schema.field(text_column).type, text_column)
        return text_column
    strings = [f.name for f in schema if _is_text_type(f.type)]
    if len(strings) == 1:
        return strings[0]
    if not strings:
        columns = ", ".join(f"{f.name} ({f.type})" for f in schema)
        raise TypeError(f"no string column to train on; the columns are: {columns}")
    raise ValueError(f"several string columns {strings}; choose one with text_column=")


def _check_text_type(t: pa.DataType, column: str | None) -> None:
    if not _is_text_type(t) and not _is_all_missing(t):
        where = f"column {column!r}" if column is not None else "the array"
        raise TypeError(f"{where} holds {t}, expected strings (string or large_string)")


def _string_chunks(array: pa.Array | pa.ChunkedArray, column: str | None) -> Iterator[pa.Array]:
    _check_text_type(array.type, column)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            chunk = chunk.cast(pa.large_string())  # views and dictionaries: the counter reads offsets + data
        yield chunk


def _arrow_batches(array: pa.Array | pa.ChunkedArray, column: str | None, batch_size: int) -> Iterator[pa.Array]:
    for chunk in _string_chunks(array, column):
        for start in range(0, len(chunk), batch_size):
            yield chunk.slice(start, batch_size)


# Python iterables ------------------------------------------------------------------------


def _len_or_none(data: Any) -> int | None:
    try:
        return len(data)
    except TypeError:
        return None


def _rows_if_known(data: Any) -> int | None:
    """The number of texts of a list or tuple of str (not of batches: their length counts batches)."""
    if isinstance(data, (list, tuple)) and not (data and isinstance(data[0], (list, tuple))):
        return len(data)
    return None


def _iterate(data: Any) -> Iterator:
    try:
        return iter(data)
    except TypeError:
        raise TypeError(
            f"expected a dataset, an Arrow array or an iterable of str, got {type(data).__name__}"
        ) from None


_END = object()


def _python_batches(data: Any, batch_size: int) -> Iterator[list]:
    """Lists of at most `batch_size` items; an iterable of lists is taken as batches already.

    Items are not checked here: the counter checks each one and names the
    culprit by its position, without a second pass in Python.
    """
    iterator = _iterate(data)
    first = next(iterator, _END)
    if first is _END:
        return
    iterator = chain([first], iterator)
    if isinstance(first, (list, tuple)):
        for batch in iterator:
            if not isinstance(batch, (list, tuple)):
                raise TypeError(f"the input mixes batches (lists of str) with {type(batch).__name__} items")
            yield list(batch)
        return
    while batch := list(islice(iterator, batch_size)):
        yield batch


def _row_batches(data: Any, text_column: str, batch_size: int) -> Iterator[list]:
    """Rows as dicts (a dataset iterated in Python, say): the text of each under `text_column`."""
    iterator = _iterate(data)
    position = 0
    while rows := list(islice(iterator, batch_size)):
        batch = []
        for row in rows:
            if not isinstance(row, dict):
                raise TypeError(f"item {position} of the input is {type(row).__name__}; text_column needs dict rows")
            if text_column not in row:
                raise ValueError(f"item {position} of the input has no key {text_column!r}; it has {list(row)}")
            batch.append(row[text_column])
            position += 1
        yield batch
