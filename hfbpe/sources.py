"""What hfbpe trains on, turned into batches for the native counter.

Arrow-backed data (a datasets.Dataset, an IterableDataset, pyarrow tables and
arrays) is handed over as Arrow string arrays, sliced in place: no Python str
is made per row and the text is not copied. Any other iterable gives lists of
str. Nothing here holds on to a batch once the next one is asked for, so a
stream is read with bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
import re
from itertools import chain, islice
from typing import Any, Union

import pyarrow as pa

# A batch is an Arrow string/large_string array, or a list of str (None for a missing value).
Batch = Union[pa.Array, list]


@dataclass
class Source:
    """Batches of texts, with what is known about them before reading."""

    batches: Iterator[Batch]
    num_rows: int | None = None  # known for a Dataset, a table or a sized collection
    description: dict[str, Any] = field(default_factory=dict)  # dataset, config, split, column when known


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
    try:
        import datasets
    except ImportError:  # pragma: no cover - a dependency, but Arrow and lists work without it
        return None
    return datasets


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

    return Source(batches(), len(ds), _describe(ds.info, ds.split, column, _hub_id_from_cache(ds)))


def _iterable_dataset_source(ds, text_column: str | None, batch_size: int) -> Source:
    schema = ds.features.arrow_schema if ds.features is not None else None
    column = choose_column(schema, text_column) if schema is not None else text_column

    def batches() -> Iterator[Batch]:
        stream = ds.select_columns([column]) if column is not None else ds
        name = column
        for table in stream.with_format("arrow").iter(batch_size=batch_size):
            if name is None:  # features unknown until the first batch (json, say)
                name = choose_column(table.schema, None)
                description["column"] = name
            yield from _string_chunks(table.column(name), name)

    def rebatched() -> Iterator[Batch]:
        # After a Python-level map, a stream comes one row per table: count
        # them in batches, or every row would wait for every thread.
        pending: list[pa.Array] = []
        rows = 0
        for array in batches():
            if not pending and len(array) >= batch_size:
                yield array
                continue
            pending.append(array)
            rows += len(array)
            if rows >= batch_size:
                yield _concat(pending)
                pending, rows = [], 0
        if pending:
            yield _concat(pending)

    description = _describe(ds.info, ds.split, column or "")
    return Source(rebatched(), None, description)


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


def _concat(arrays: list[pa.Array]) -> pa.Array:
    if len({a.type for a in arrays}) > 1:  # string next to large_string, say
        arrays = [a.cast(pa.large_string()) for a in arrays]
    return pa.concat_arrays(arrays)


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
