"""WordCounts: the table of pre-tokenized pieces and their counts, the one thing a corpus
boils down to before the merge loop. Count shards anywhere, add the tables, train once."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import _core
from ._files import make_public

# Summary fields that add up when two tables are combined.
_ADDITIVE = ("documents", "chars", "bytes", "nulls", "invalid_utf8", "count_seconds")
_PATTERN_KEY = b"hfbpe.pattern"
_SUMMARY_KEY = b"hfbpe.summary"


class WordCounts:
    """Pieces (bytes) -> 64-bit counts, with the split pattern that made them.

    Tables add up (`a + b`, `a.update(b)`) only when made with the same
    pattern. They pickle compactly (three flat buffers) and save to parquet
    (columns `piece`: binary, `count`: int64), so they cross process and
    machine boundaries. `summary` holds what counting measured (documents,
    bytes, ...), added up along with the counts.
    """

    def __init__(self, pattern: str | None = None, *, _table: _core.WordCounts | None = None) -> None:
        """pattern: the split regex the pieces come from; None for counts made by hand (they combine with any)."""
        self.pattern = pattern
        self.table = _table if _table is not None else _core.WordCounts()
        self.summary: dict[str, Any] = {}

    # Reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of distinct pieces."""
        return len(self.table)

    @property
    def total(self) -> int:
        """Sum of all counts: the number of pieces counted."""
        return self.table.total

    def to_dict(self) -> dict[bytes, int]:
        return self.table.to_dict()

    def items(self) -> Iterator[tuple[bytes, int]]:
        return iter(self.to_dict().items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WordCounts):
            return NotImplemented
        return self.pattern == other.pattern and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"WordCounts({len(self)} pieces, total {self.total}, pattern={self._pattern_label()})"

    def _pattern_label(self) -> str:
        from .patterns import PATTERNS

        name = next((n for n, p in PATTERNS.items() if p == self.pattern), None)
        return repr(name or self.pattern)

    # Combining --------------------------------------------------------------------------

    def add(self, piece: bytes, count: int = 1) -> None:
        """Adds `count` occurrences of `piece`."""
        self.table.add(piece, count)

    def update(self, other: WordCounts) -> WordCounts:
        """Adds every count of `other` to this table (in place) and returns it."""
        if not isinstance(other, WordCounts):
            raise TypeError(f"can only add WordCounts, got {type(other).__name__}")
        self.pattern = self._common_pattern(other)
        if other is self:
            other = self.copy()
        self.table.update(other.table)
        for key in _ADDITIVE:
            if key in other.summary or key in self.summary:
                self.summary[key] = self.summary.get(key, 0) + other.summary.get(key, 0)
        return self

    def __add__(self, other: WordCounts) -> WordCounts:
        if not isinstance(other, WordCounts):
            return NotImplemented
        return self.copy().update(other)

    def __iadd__(self, other: WordCounts) -> WordCounts:
        return self.update(other)

    def copy(self) -> WordCounts:
        out = WordCounts(self.pattern)
        out.table.update(self.table)
        out.summary = dict(self.summary)
        return out

    def _common_pattern(self, other: WordCounts) -> str | None:
        if self.pattern is not None and other.pattern is not None and self.pattern != other.pattern:
            raise ValueError(
                f"cannot combine counts made with different split patterns: "
                f"{self._pattern_label()} and {other._pattern_label()}"
            )
        return self.pattern if self.pattern is not None else other.pattern

    # Pickling and files -----------------------------------------------------------------

    def __reduce__(self):
        data, offsets, counts = self.table.export()
        return (_from_state, (self.pattern, data, offsets, counts, self.summary))

    def save(self, path: str | os.PathLike) -> Path:
        """Writes a parquet file (written to a temporary name, then renamed into place)."""
        path = Path(path).expanduser()
        data, offsets, counts = self.table.export()
        n = len(counts) // 8
        pieces = pa.Array.from_buffers(pa.large_binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
        values = pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(counts)])
        metadata = {_SUMMARY_KEY: _encode_summary(self.summary)}
        if self.pattern is not None:
            metadata[_PATTERN_KEY] = self.pattern.encode("utf-8")
        table = pa.table({"piece": pieces, "count": values}).replace_schema_metadata(metadata)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            make_public(tmp)
            pq.write_table(table, tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> WordCounts:
        """Reads a file written by `save` (or any parquet file with `piece` binary and `count` int64 columns)."""
        path = Path(path).expanduser()
        table = pq.read_table(path)
        missing = {"piece", "count"} - set(table.column_names)
        if missing:
            raise ValueError(f"{path}: not a word counts file; it lacks the columns {sorted(missing)}")
        pieces = table.column("piece").combine_chunks().cast(pa.large_binary())
        counts = table.column("count").combine_chunks().cast(pa.int64())
        if pieces.null_count or counts.null_count:
            raise ValueError(f"{path}: word counts hold nulls")
        n = len(pieces)
        _, offset_buffer, data_buffer = pieces.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=np.int64)[pieces.offset : pieces.offset + n + 1]
        piece_bytes = memoryview(data_buffer)[offsets[0] : offsets[-1]].tobytes() if n else b""
        values = np.frombuffer(counts.buffers()[1], dtype=np.int64)[counts.offset : counts.offset + n]
        metadata = table.schema.metadata or {}
        pattern = metadata.get(_PATTERN_KEY)
        out = _from_state(
            pattern.decode("utf-8") if pattern is not None else None,
            piece_bytes,
            (offsets - offsets[0]).tobytes() if n else np.zeros(1, np.int64).tobytes(),
            values.tobytes(),
            _decode_summary(metadata.get(_SUMMARY_KEY)),
        )
        return out


def _from_state(pattern, data, offsets, counts, summary) -> WordCounts:
    out = WordCounts(pattern, _table=_core.WordCounts.from_buffers(data, offsets, counts))
    out.summary = dict(summary or {})
    return out


def _encode_summary(summary: dict[str, Any]) -> bytes:
    import json

    return json.dumps({k: v for k, v in summary.items() if k in _ADDITIVE}).encode("utf-8")


def _decode_summary(raw: bytes | None) -> dict[str, Any]:
    import json

    return json.loads(raw) if raw else {}
