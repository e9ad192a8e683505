"""A benchmark corpus of any size that grows like real text: sharded parquet from the dev corpus.

    python benchmarks/make_corpus.py --size 10GB --out /tmp/hfbpe-corpus/10GB
    python benchmarks/make_corpus.py --size 300MB --out /tmp/c --seed 1 --chart /tmp/c.png

Repeating the development corpus would not do: its distinct pieces would stop
growing after its 87 MB, while in real text new words keep appearing (Heaps'
law, distinct ~ K * bytes^beta). So the corpus is made of the dev corpus's own
paragraphs, reassembled into documents, with a share of their words replaced by
words of an invented lexicon, and the lexicon grows just fast enough that the
distinct pieces (GPT-4 pattern, as hfbpe counts them) continue the curve
measured on prefixes of the dev corpus:

- Documents: each output document takes the paragraph count and source of a
  random dev document; each of its paragraphs is, with probability 1/2, that
  document's own and otherwise a random paragraph of the same source, so the
  sources (and with them the languages and scripts) keep their share of bytes.
- Invented words come from a character model of the dev corpus's words: an
  order-2 Markov chain over code points trained on the distinct letter runs,
  started from the first letter of the word it replaces (so the script and the
  capital stay). A replaced word takes a new invented word or reuses one of
  the same script (earlier ones more often, as frequent words are old words).
- Calibration: before each block of 32 MB, the number of new invented words is
  set from how far the distinct pieces counted so far (hfbpe.count on every
  block, exactly as written) fall short of the target curve: the dev curve
  itself up to its size, then its end point continued with the exponent fitted
  on its prefixes. The curve of the output is therefore measured, not assumed;
  it is written to heaps.json beside the shards and drawn with the dev curve.

Shards hold about --shard-size of text (default 256 MB) in row groups of 1,000
documents, snappy-compressed, as FineWeb's parquet shards are written. Columns:
text, source (the dev corpus's source of the document) and id. Sizes are UTF-8
text bytes (MB = 10^6). The output is deterministic for a seed: the same seed
and size give the same files. Everything is written into a staging folder
beside --out and renamed into place at the end; an existing --out is replaced
only then.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import hfbpe

DEFAULT_DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"
BLOCK_BYTES = 32_000_000
ROW_GROUP_ROWS = 1000
SLOT_SHARE = 0.08  # words of a block that may take an invented word (new or reused)
MAX_WORD_CHARS = 40
REUSE_POWER = 3.0  # reuse index = len * u**3: the older the invented word, the more it recurs

# Coarse script buckets by code point, so that a reused invented word keeps the script
# of the word it replaces: (first code point of the range, bucket).
_SCRIPT_RANGES = [
    (0x0000, 0), (0x0370, 1), (0x0400, 2), (0x0530, 3), (0x0590, 4), (0x0600, 5), (0x0900, 6),
    (0x0E00, 7), (0x0F00, 0), (0x1100, 8), (0x1200, 0), (0x1E00, 0), (0x1F00, 1), (0x2000, 0),
    (0x3040, 9), (0x3100, 0), (0x3400, 10), (0xA000, 0), (0xAC00, 8), (0xD800, 0), (0xF900, 10),
    (0xFB00, 0), (0x20000, 10), (0x30000, 0),
]
_SCRIPT_STARTS = np.array([start for start, _ in _SCRIPT_RANGES], dtype=np.int64)
_SCRIPT_IDS = np.array([bucket for _, bucket in _SCRIPT_RANGES], dtype=np.int8)


def parse_size(text: str) -> int:
    """'10GB', '300MB', '0.1G', '5e8' -> bytes (decimal units)."""
    match = re.fullmatch(r"\s*([0-9.]+(?:e[0-9]+)?)\s*([kmgt]?)b?\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10GB, 300MB)")
    scale = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}[match.group(2)]
    size = int(float(match.group(1)) * scale)
    if size < 1:
        raise argparse.ArgumentTypeError(f"the size must be positive, got {text!r}")
    return size


def script_of(code_points: np.ndarray) -> np.ndarray:
    return _SCRIPT_IDS[np.searchsorted(_SCRIPT_STARTS, code_points, side="right") - 1]


def utf8_lengths(code_points: np.ndarray) -> np.ndarray:
    return 1 + (code_points >= 0x80) + (code_points >= 0x800) + (code_points >= 0x10000)


# The dev corpus, cut into paragraphs and words --------------------------------------------------


def letter_table() -> np.ndarray:
    """is_letter[code point]: Unicode general category L*, what \\p{L} means in the split patterns."""
    import unicodedata

    table = np.zeros(0x110000, dtype=bool)
    for cp in range(0x80, 0x110000):
        if unicodedata.category(chr(cp))[0] == "L":
            table[cp] = True
    table[ord("A") : ord("Z") + 1] = table[ord("a") : ord("z") + 1] = True
    return table


class DevCorpus:
    """The dev corpus's paragraphs as one byte buffer (blank lines between them left out), with
    its words (letter runs) located in it, and the set of distinct words."""

    def __init__(self, path: Path):
        table = pq.read_table(path, columns=["text", "source"])
        texts = table.column("text").to_pylist()
        sources = table.column("source").to_pylist()
        self.source_names = sorted(set(sources))
        source_id = {name: i for i, name in enumerate(self.source_names)}
        self.texts = texts
        self.types: set[str] = set()
        is_letter = letter_table()
        chunks, par_lengths, par_sources, doc_first, doc_count = [], [], [], [], []
        w_offsets, w_lengths, w_seeds, w_pars = [], [], [], []
        base = 0  # where the document's first paragraph starts in the buffer
        for text, source in zip(texts, sources):
            paragraphs = text.split("\n\n")
            first_par = len(par_lengths)
            doc_first.append(first_par)
            doc_count.append(len(paragraphs))
            data = text.encode("utf-8")
            ascii_text = len(data) == len(text)
            lengths = [len(p) for p in paragraphs] if ascii_text else [len(p.encode("utf-8")) for p in paragraphs]
            par_lengths.extend(lengths)
            par_sources.extend([source_id[source]] * len(paragraphs))
            chunks.append(data.replace(b"\n\n", b"", len(paragraphs) - 1) if len(paragraphs) > 1 else data)
            cps = np.frombuffer(data, dtype=np.uint8) if ascii_text else np.frombuffer(
                text.encode("utf-32-le"), dtype=np.uint32)
            letter = np.concatenate([[False], is_letter[cps], [False]]).view(np.int8)
            edges = np.diff(letter)
            begins, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]  # letter runs, in characters
            if len(begins):
                self.types.update(text[a:b] for a, b in zip(begins.tolist(), ends.tolist()))
                seeds = cps[begins].astype(np.int32)
                if ascii_text:
                    byte_begins, byte_ends = begins, ends
                else:
                    byte_at = np.concatenate([[0], np.cumsum(utf8_lengths(cps))])
                    byte_begins, byte_ends = byte_at[begins], byte_at[ends]
                # Paragraph of each word, and its place in the buffer without the blank lines.
                par_ends = np.cumsum(np.array(lengths, dtype=np.int64) + 2) - 2  # in the document's bytes
                par = np.searchsorted(par_ends, byte_begins, side="right")
                w_offsets.append(base + byte_begins - 2 * par)
                w_lengths.append((byte_ends - byte_begins).astype(np.int32))
                w_seeds.append(seeds)
                w_pars.append(first_par + par)
            base += len(chunks[-1])
        self.src = b"".join(chunks)
        self.par_length = np.array(par_lengths, dtype=np.int64)
        self.par_offset = np.cumsum(self.par_length) - self.par_length
        self.par_source = np.array(par_sources, dtype=np.int16)
        self.doc_first = np.array(doc_first, dtype=np.int64)
        self.doc_count = np.array(doc_count, dtype=np.int64)
        self.doc_source = self.par_source[self.doc_first]
        self.w_offset = np.concatenate(w_offsets)
        self.w_length = np.concatenate(w_lengths)
        self.w_seed = np.concatenate(w_seeds)
        self.w_script = script_of(self.w_seed)
        w_par = np.concatenate(w_pars)
        self.par_w_count = np.bincount(w_par, minlength=len(par_lengths)).astype(np.int64)
        self.par_w_first = np.cumsum(self.par_w_count) - self.par_w_count
        # Paragraphs grouped by source, to draw a random paragraph of a given source.
        order = np.argsort(self.par_source, kind="stable")
        self.pars_by_source = order
        self.source_start = np.searchsorted(self.par_source[order], np.arange(len(self.source_names)))
        self.source_size = np.bincount(self.par_source, minlength=len(self.source_names))
        self.bytes = len(self.src) + 2 * int((self.doc_count - 1).sum())

    def source_share(self) -> dict[str, float]:
        """Each source's share of the text bytes."""
        per_source = np.bincount(self.par_source, weights=self.par_length, minlength=len(self.source_names))
        per_source += 2 * np.bincount(self.doc_source, weights=self.doc_count - 1, minlength=len(self.source_names))
        return {name: float(b) / self.bytes for name, b in zip(self.source_names, per_source)}

    def non_ascii_share(self) -> float:
        return int(np.count_nonzero(np.frombuffer(self.src, dtype=np.uint8) >= 0x80)) / self.bytes


def heaps_curve(texts: list[str], points: int = 24) -> tuple[list[int], list[int]]:
    """Distinct pieces (GPT-4 pattern) on prefixes of `texts`, at about `points` sizes spaced evenly in log."""
    array = pa.array(texts, type=pa.large_string())
    sizes = np.cumsum([len(t.encode("utf-8")) for t in texts])
    counts = hfbpe.WordCounts(hfbpe.PATTERNS["gpt4"])
    xs, ys, done = [], [], 0
    for target in np.geomspace(min(1e6, sizes[-1]), sizes[-1], points):
        end = int(np.searchsorted(sizes, target)) + 1
        if end <= done:
            continue
        counts += hfbpe.count(array.slice(done, end - done), show_progress=False)
        done = end
        xs.append(int(sizes[end - 1]))
        ys.append(len(counts))
    return xs, ys


def fit_exponent(xs, ys, low: float = 0.0, high: float = float("inf")) -> tuple[float, float]:
    """(beta, K) of distinct = K * bytes^beta, least squares in log-log over low <= bytes <= high."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    keep = (x >= low) & (x <= high)
    beta, log_k = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return float(beta), float(np.exp(log_k))


# The character model ---------------------------------------------------------------------------


class CharModel:
    """An order-2 Markov chain over code points, trained on the distinct letter runs of the corpus.

    Contexts are (previous-but-one, previous) code point ids; id 0 marks the
    start of a word as a context and its end as a next symbol. Sampling draws
    every word of a batch at once: each context's cumulative probabilities sit
    in one sorted array, offset by the context's number, so one searchsorted
    finds the next symbol of every word.
    """

    def __init__(self, words: set[str]):
        joined = "\x00" + "\x00".join(sorted(words)) + "\x00"
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        self.code_point, ids = np.unique(cps, return_inverse=True)  # code_point[0] == 0, the marker
        self.id_of = {int(cp): i for i, cp in enumerate(self.code_point)}
        v = len(self.code_point)
        self.v = v
        at = np.nonzero(ids[1:-1])[0] + 1  # every letter; its context is (ids[i-1], ids[i]) -> ids[i+1]
        keys = (ids[at - 1] * v + ids[at]) * v + ids[at + 1]
        transitions, counts = np.unique(keys, return_counts=True)
        contexts = transitions // v
        self.next_symbol = transitions % v
        self.context_keys, first = np.unique(contexts, return_index=True)
        context_index = np.searchsorted(self.context_keys, contexts)
        totals = np.add.reduceat(counts, first)
        cumulative = np.cumsum(counts) - np.repeat(np.cumsum(totals) - totals, np.diff(np.append(first, len(counts))))
        self.cdf = context_index + cumulative / totals[context_index]
        last = np.append(first[1:], len(counts)) - 1
        self.cdf[last] = context_index[last] + 1.0  # exactly the end of each context's range

    def sample(self, seeds: np.ndarray, max_chars: np.ndarray, rng: np.random.Generator) -> tuple[bytes, np.ndarray]:
        """New words starting with the code points `seeds`, each of at most max_chars code points and
        in the script of its seed (letter runs of the corpus can switch script, "MITY以获得": a word
        ends where its chain would). Returns their UTF-8 bytes back to back, and their byte lengths."""
        n = len(seeds)
        out = np.zeros((n, MAX_WORD_CHARS), dtype=np.int64)
        out[:, 0] = [self.id_of[int(s)] for s in seeds]
        script = script_of(seeds)
        previous = np.zeros(n, dtype=np.int64)
        alive = max_chars > 1
        for step in range(1, MAX_WORD_CHARS):
            rows = np.nonzero(alive)[0]
            if len(rows) == 0:
                break
            keys = previous[rows] * self.v + out[rows, step - 1]
            context = np.searchsorted(self.context_keys, keys)
            pick = np.searchsorted(self.cdf, context + rng.random(len(rows)), side="right")
            symbol = self.next_symbol[pick]
            symbol[script_of(self.code_point[symbol]) != script[rows]] = 0
            out[rows, step] = symbol
            previous[rows] = out[rows, step - 1]
            alive[rows[(symbol == 0) | (step + 1 >= max_chars[rows])]] = False
        letters = out != 0
        chars = self.code_point[out[letters]]
        text = chars.astype("<u4").tobytes().decode("utf-32-le").encode("utf-8")
        row_of_char = np.repeat(np.arange(n), letters.sum(axis=1))
        lengths = np.bincount(row_of_char, weights=utf8_lengths(chars), minlength=n).astype(np.int64)
        return text, lengths


# The invented lexicon -----------------------------------------------------------------------------


class Lexicon:
    """Invented words: their bytes, and per script the ids in order of invention."""

    def __init__(self, scripts: int):
        self.chunks: list[bytes] = []
        self.base = 0  # bytes in all chunks so far
        self.offsets: list[np.ndarray] = []
        self.lengths: list[np.ndarray] = []
        self.size = 0
        self.by_script: list[list[np.ndarray]] = [[] for _ in range(scripts)]
        self.script_size = np.zeros(scripts, dtype=np.int64)
        self._flat: dict[int, np.ndarray] = {}
        self._buffer: bytes | None = None

    def add(self, data: bytes, lengths: np.ndarray, scripts: np.ndarray) -> np.ndarray:
        ids = np.arange(self.size, self.size + len(lengths))
        self.offsets.append(self.base + np.cumsum(lengths) - lengths)
        self.lengths.append(lengths)
        self.chunks.append(data)
        self.base += len(data)
        self.size += len(lengths)
        for script in np.unique(scripts):
            self.by_script[script].append(ids[scripts == script])
            self.script_size[script] += int((scripts == script).sum())
            self._flat.pop(int(script), None)
        self._buffer = None
        return ids

    def reuse(self, scripts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An earlier invented word of each script (-1 where that script has none yet)."""
        out = np.full(len(scripts), -1, dtype=np.int64)
        for script in np.unique(scripts):
            if self.script_size[script] == 0:
                continue
            if script not in self._flat:
                self._flat[int(script)] = np.concatenate(self.by_script[script])
            ids = self._flat[int(script)]
            rows = np.nonzero(scripts == script)[0]
            out[rows] = ids[(len(ids) * rng.random(len(rows)) ** REUSE_POWER).astype(np.int64)]
        return out

    def arrays(self) -> tuple[bytes, np.ndarray, np.ndarray]:
        if self._buffer is None:
            self._buffer = b"".join(self.chunks)
            self.chunks = [self._buffer]
            self.offsets = [np.concatenate(self.offsets)] if self.offsets else []
            self.lengths = [np.concatenate(self.lengths)] if self.lengths else []
        offsets = self.offsets[0] if self.offsets else np.zeros(0, np.int64)
        lengths = self.lengths[0] if self.lengths else np.zeros(0, np.int64)
        return self._buffer, offsets, lengths


# Blocks of documents ---------------------------------------------------------------------------


def ranges(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The concatenation of arange(first[i], first[i] + count[i]) for every i."""
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(first - np.cumsum(count) + count, count)
    return starts + np.arange(total)


class Generator:
    def __init__(self, dev: DevCorpus, model: CharModel, seed: int):
        self.dev = dev
        self.model = model
        self.rng = np.random.default_rng(seed)
        self.lexicon = Lexicon(int(_SCRIPT_IDS.max()) + 1)
        self.mean_doc = dev.bytes / len(dev.doc_first)

    def block(self, size: int, fresh: int) -> tuple[bytes, np.ndarray, np.ndarray, int]:
        """About `size` bytes of documents with `fresh` new invented words (fewer if the block has too few words).

        Returns (text bytes, document offsets (n + 1), document sources, new words used).
        """
        dev, rng = self.dev, self.rng
        docs = rng.integers(0, len(dev.doc_first), size=max(1, int(1.3 * size / self.mean_doc)))
        counts = dev.doc_count[docs]
        pars = ranges(dev.doc_first[docs], counts)
        swap = rng.random(len(pars)) < 0.5
        source = dev.par_source[pars[swap]]
        pick = (rng.random(len(source)) * dev.source_size[source]).astype(np.int64)
        pars[swap] = dev.pars_by_source[dev.source_start[source] + pick]
        # Keep whole documents until the block is full.
        doc_of_par = np.repeat(np.arange(len(docs)), counts)
        doc_bytes = np.bincount(doc_of_par, weights=dev.par_length[pars] + 2, minlength=len(docs)) - 2
        keep_docs = int(np.searchsorted(np.cumsum(doc_bytes), size)) + 1
        keep_docs = min(keep_docs, len(docs))
        keep_pars = int(counts[:keep_docs].sum())
        docs, counts, pars, doc_of_par = docs[:keep_docs], counts[:keep_docs], pars[:keep_pars], doc_of_par[:keep_pars]

        # The words of those paragraphs, and which of them take an invented word.
        words = ranges(dev.par_w_first[pars], dev.par_w_count[pars])
        par_of_word = np.repeat(np.arange(len(pars)), dev.par_w_count[pars])
        share = max(SLOT_SHARE, min(1.0, 1.5 * fresh / max(1, len(words))))
        slots = np.nonzero(rng.random(len(words)) < share)[0]
        fresh = min(fresh, len(slots))
        is_fresh = np.zeros(len(slots), dtype=bool)
        is_fresh[rng.choice(len(slots), size=fresh, replace=False)] = True
        replacement = np.full(len(slots), -1, dtype=np.int64)
        scripts = dev.w_script[words[slots]]
        if fresh:
            replaced = words[slots[is_fresh]]
            max_chars = np.clip(dev.w_length[replaced] + 4, 6, MAX_WORD_CHARS)
            data, lengths = self.model.sample(dev.w_seed[replaced], max_chars, rng)
            replacement[is_fresh] = self.lexicon.add(data, lengths, scripts[is_fresh])
        replacement[~is_fresh] = self.lexicon.reuse(scripts[~is_fresh], rng)
        taken = replacement >= 0
        slots, replacement = slots[taken], replacement[taken]
        data, offsets = self._assemble(pars, doc_of_par, len(docs), words[slots], par_of_word[slots], replacement)
        return data, offsets, dev.doc_source[docs], fresh

    def _assemble(self, pars, doc_of_par, n_docs, words, par_of_word, replacement):
        """The text of the block (paragraphs joined by blank lines, words replaced) and its document offsets.

        The output is a sequence of pieces of one buffer (the dev paragraphs, the
        invented words, a blank line): paragraph i with k replaced words is k + 1
        stretches of its own bytes with the k words between them, then a blank
        line if the next paragraph is of the same document. Every piece's place
        is computed with array arithmetic; only the final join walks them.
        """
        dev = self.dev
        lex, lex_offset, lex_length = self.lexicon.arrays()
        buffer = dev.src + lex + b"\n\n"
        lex_base, sep_at = len(dev.src), len(dev.src) + len(lex)
        n_par, n_words = len(pars), len(words)
        k = np.bincount(par_of_word, minlength=n_par)  # replaced words per paragraph
        before = np.cumsum(k) - k  # replaced words in earlier paragraphs
        has_sep = np.append(doc_of_par[1:] == doc_of_par[:-1], False)
        seps_before = np.cumsum(has_sep) - has_sep
        # Stretches of paragraph bytes: paragraph i's first is number i + before[i]; word j ends number i + j.
        n_src = n_par + n_words
        src_start = np.empty(n_src, dtype=np.int64)
        src_end = np.empty(n_src, dtype=np.int64)
        first = np.arange(n_par) + before
        src_start[first] = dev.par_offset[pars]
        src_end[first + k] = dev.par_offset[pars] + dev.par_length[pars]
        at = par_of_word + np.arange(n_words)
        src_end[at] = dev.w_offset[words]
        src_start[at + 1] = dev.w_offset[words] + dev.w_length[words]
        # Where each piece goes: stretch m of paragraph i is piece 2m - i + seps_before[i].
        par_of_src = np.repeat(np.arange(n_par), k + 1)
        n_pieces = n_src + n_words + int(has_sep.sum())
        start = np.empty(n_pieces, dtype=np.int64)
        end = np.empty(n_pieces, dtype=np.int64)
        src_piece = 2 * np.arange(n_src) - par_of_src + seps_before[par_of_src]
        start[src_piece], end[src_piece] = src_start, src_end
        word_piece = src_piece[at] + 1
        start[word_piece] = lex_base + lex_offset[replacement]
        end[word_piece] = start[word_piece] + lex_length[replacement]
        sep_piece = src_piece[first + k][has_sep] + 1
        start[sep_piece], end[sep_piece] = sep_at, sep_at + 2
        # (Slicing bytes copies, yet is several times faster than slicing a memoryview.)
        data = b"".join([buffer[a:b] for a, b in zip(start.tolist(), end.tolist())])
        # A document starts at the first piece of its first paragraph.
        piece_end = np.cumsum(end - start)
        doc_start_par = np.nonzero(np.append(True, doc_of_par[1:] != doc_of_par[:-1]))[0]
        first_piece = src_piece[first[doc_start_par]]
        offsets = np.append(piece_end[first_piece] - (end - start)[first_piece], piece_end[-1] if n_pieces else 0)
        assert len(offsets) == n_docs + 1
        return data, offsets.astype(np.int64)


# Writing -------------------------------------------------------------------------------------------


class ShardWriter:
    SCHEMA = pa.schema([("text", pa.string()), ("source", pa.string()), ("id", pa.string())])

    def __init__(self, folder: Path, shard_bytes: int, source_names: list[str], seed: int):
        self.folder = folder
        self.shard_bytes = shard_bytes
        self.source_names = np.array(source_names, dtype=object)
        self.seed = seed
        self.shard = -1
        self.writer: pq.ParquetWriter | None = None
        self.in_shard = 0
        self.documents = 0
        self.files: list[str] = []
        self.source_bytes = np.zeros(len(source_names), dtype=np.int64)
        self.non_ascii_bytes = 0

    def write(self, data: bytes, offsets: np.ndarray, sources: np.ndarray) -> None:
        self.source_bytes += np.bincount(sources, weights=np.diff(offsets), minlength=len(self.source_bytes)).astype(
            np.int64)
        self.non_ascii_bytes += int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) >= 0x80))
        start = 0
        n = len(offsets) - 1
        while start < n:
            if self.writer is None or self.in_shard >= self.shard_bytes:
                self._next_shard()
            # Documents until the shard is full, in row groups of ROW_GROUP_ROWS.
            room = self.shard_bytes - self.in_shard
            end = int(np.searchsorted(offsets, offsets[start] + room, side="left"))
            end = min(max(end, start + 1), n)
            for first in range(start, end, ROW_GROUP_ROWS):
                last = min(first + ROW_GROUP_ROWS, end)
                self._row_group(data, offsets[first : last + 1], sources[first:last])
            self.in_shard += int(offsets[end] - offsets[start])
            start = end

    def _row_group(self, data: bytes, offsets: np.ndarray, sources: np.ndarray) -> None:
        base = int(offsets[0])
        body = data[base : int(offsets[-1])]
        text = pa.Array.from_buffers(
            pa.string(), len(offsets) - 1, [None, pa.py_buffer((offsets - base).astype(np.int32)), pa.py_buffer(body)]
        )
        ids = [f"{self.seed}-{self.documents + i}" for i in range(len(sources))]
        table = pa.table([text, pa.array(self.source_names[sources], pa.string()), pa.array(ids, pa.string())],
                         schema=self.SCHEMA)
        self.writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.documents += len(sources)

    def _next_shard(self) -> None:
        self.close()
        self.shard += 1
        name = f"shard-{self.shard:05d}.parquet"
        self.files.append(name)
        self.writer = pq.ParquetWriter(self.folder / name, self.SCHEMA, compression="snappy")
        self.in_shard = 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# The target curve and the run ---------------------------------------------------------------------


class Target:
    """Distinct pieces wanted at each size: the dev curve up to its end, then its end point
    continued with the exponent fitted on its prefixes."""

    def __init__(self, xs: list[int], ys: list[int], beta: float):
        self.log_x = np.log(xs)
        self.log_y = np.log(ys)
        self.beta = beta
        self.end_x, self.end_y = xs[-1], ys[-1]

    def __call__(self, size: float) -> float:
        if size <= self.end_x:
            return float(np.exp(np.interp(np.log(size), self.log_x, self.log_y)))
        return self.end_y * (size / self.end_x) ** self.beta


def make_corpus(size: int, out: Path, *, seed: int, dev_path: Path, shard_bytes: int, chart: Path | None,
                log=print) -> dict:
    started = time.perf_counter()
    dev = DevCorpus(dev_path)
    log(f"dev corpus: {dev.bytes / 1e6:.1f} MB, {len(dev.doc_first)} documents, {len(dev.par_offset)} paragraphs, "
        f"{len(dev.w_offset)} words ({time.perf_counter() - started:.1f} s)")
    dev_x, dev_y = heaps_curve(dev.texts)
    beta, k = fit_exponent(dev_x, dev_y, low=1e6)
    log(f"dev Heaps curve: {dev_y[-1]} distinct pieces in {dev_x[-1] / 1e6:.1f} MB; beta = {beta:.3f} (fit over >= 1 MB)")
    model = CharModel(dev.types)
    target = Target(dev_x, dev_y, beta)
    generator = Generator(dev, model, seed)

    out = out.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        writer = ShardWriter(staging, shard_bytes, dev.source_names, seed)
        counts = hfbpe.WordCounts(hfbpe.PATTERNS["gpt4"])
        written, distinct = 0, 0
        curve_x, curve_y, fresh_words = [], [], []
        # A block's growth in distinct pieces is what its reused material brings
        # (dev paragraphs, earlier invented words in new places: the background,
        # which shrinks as the dev corpus is used up, hence predicted from the last
        # two blocks' trend) plus about one per new invented word; whatever the
        # prediction misses shows up in the next block's shortfall.
        backgrounds: list[float] = []
        while written < size:
            want = min(BLOCK_BYTES, size - written)
            if not backgrounds:
                fresh = 0  # the first block: the dev paragraphs alone, as the dev curve starts
            else:
                trend = 1.0 if len(backgrounds) < 2 or backgrounds[-2] <= 0 else backgrounds[-1] / backgrounds[-2]
                background = backgrounds[-1] * float(np.clip(trend, 0.5, 1.0))
                fresh = int(max(0.0, target(written + want) - distinct - background))
            data, offsets, sources, fresh = generator.block(want, fresh)
            if written + len(data) > size:  # the last block: whole documents up to the size
                end = int(np.searchsorted(offsets, size - written, side="left"))
                end = max(1, min(end, len(offsets) - 1))
                data, offsets, sources = data[: offsets[end]], offsets[: end + 1], sources[:end]
            text = pa.Array.from_buffers(pa.large_string(), len(offsets) - 1,
                                         [None, pa.py_buffer(offsets), pa.py_buffer(data)])
            counts += hfbpe.count(text, show_progress=False)
            backgrounds.append(max(0.0, len(counts) - distinct - fresh))
            distinct = len(counts)
            writer.write(data, offsets, sources)
            written += len(data)
            curve_x.append(written)
            curve_y.append(distinct)
            fresh_words.append(fresh)
            log(f"  {written / 1e6:9.0f} MB  {distinct:>10} distinct (target {target(written):>10.0f})  "
                f"{fresh:>8} new words  {time.perf_counter() - started:6.0f} s")
        writer.close()
        gen_beta, gen_k = fit_exponent(curve_x, curve_y, low=max(1e8, dev_x[-1]))
        record = {
            "size": size,
            "bytes": written,
            "seed": seed,
            "documents": writer.documents,
            "shards": writer.files,
            "shard_bytes": shard_bytes,
            "dev": {"path": str(dev_path), "bytes": dev_x, "distinct": dev_y, "beta": beta, "k": k,
                    "fit_from": 1e6},
            "generated": {"bytes": curve_x, "distinct": curve_y, "new_words": fresh_words,
                          "beta": gen_beta if len(curve_x) > 2 and curve_x[-1] > 2e8 else None, "k": gen_k,
                          "fit_from": max(1e8, dev_x[-1])},
            "invented_words": generator.lexicon.size,
            "source_share": {"dev": dev.source_share(), "generated": {
                name: int(b) / max(1, written) for name, b in zip(dev.source_names, writer.source_bytes)}},
            "non_ascii_share": {"dev": dev.non_ascii_share(), "generated": writer.non_ascii_bytes / max(1, written)},
            "seconds": time.perf_counter() - started,
        }
        (staging / "heaps.json").write_text(json.dumps(record, indent=1))
        if chart is not None:
            draw_chart(record, staging / "heaps.png")
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if chart is not None and chart != out / "heaps.png":
        chart.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "heaps.png", chart)
    return record


def draw_chart(record: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart", file=sys.stderr)
        return
    dev, gen = record["dev"], record["generated"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.loglog(np.array(gen["bytes"]) / 1e6, gen["distinct"], "-", color="tab:orange", lw=2,
              label="generated corpus (hfbpe.count of every 32 MB block)")
    ax.loglog(np.array(dev["bytes"]) / 1e6, dev["distinct"], "o", color="tab:blue", ms=4,
              label="dev corpus prefixes")
    x = np.geomspace(dev["fit_from"], max(gen["bytes"][-1], dev["bytes"][-1]), 50)
    ax.loglog(x / 1e6, dev["k"] * x ** dev["beta"], "--", color="tab:blue", lw=1,
              label=f"dev fit: beta = {dev['beta']:.3f}")
    if gen["beta"] is not None:
        xg = np.geomspace(gen["fit_from"], gen["bytes"][-1], 50)
        ax.loglog(xg / 1e6, gen["k"] * xg ** gen["beta"], ":", color="tab:red", lw=1.5,
                  label=f"generated fit (>= {gen['fit_from'] / 1e6:.0f} MB): beta = {gen['beta']:.3f}")
    ax.set_xlabel("text MB (UTF-8)")
    ax.set_ylabel("distinct pieces (GPT-4 pattern)")
    ax.set_title("Heaps' law: distinct pieces vs corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, required=True, help="text bytes to write, e.g. 10GB, 300MB")
    parser.add_argument("--out", type=Path, required=True, help="folder for the shards (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="the dev corpus parquet (columns text, source)")
    parser.add_argument("--shard-size", type=parse_size, default=256_000_000, help="text bytes per shard")
    parser.add_argument("--chart", type=Path, nargs="?", const=Path("heaps.png"), default=None,
                        help="also draw the Heaps chart (heaps.png in --out; a path copies it there too)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    log = (lambda *a, **k: None) if args.quiet else (lambda *a, **k: print(*a, **k, flush=True))
    chart = None if args.chart is None else (args.out / "heaps.png" if args.chart == Path("heaps.png") else args.chart)
    record = make_corpus(args.size, args.out, seed=args.seed, dev_path=args.dev, shard_bytes=args.shard_size,
                         chart=chart, log=log)
    log(f"wrote {record['bytes'] / 1e6:.0f} MB in {len(record['shards'])} shards, {record['documents']} documents, "
        f"{record['generated']['distinct'][-1]} distinct pieces, in {record['seconds']:.0f} s")
    shares = record["source_share"]
    log("bytes by source (dev -> generated): " + ", ".join(
        f"{name} {shares['dev'][name]:.1%} -> {shares['generated'][name]:.1%}" for name in shares["dev"]))
    log(f"non-ASCII bytes: {record['non_ascii_share']['dev']:.1%} -> {record['non_ascii_share']['generated']:.1%}")
    if record["generated"]["beta"] is not None:
        log(f"Heaps exponent: dev {record['dev']['beta']:.3f}, generated {record['generated']['beta']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
