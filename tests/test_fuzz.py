"""Property-based differential tests (hypothesis): hfbpe's pre-tokenizer against regex.findall on
strings dense in the characters that matter, for the named patterns and for random patterns built
from the constructs they use; and the Arrow path on random, also invalid, UTF-8 with random
offsets and validity. A CI-sized budget here; tests/fuzz_splitter.py runs long."""

from __future__ import annotations

import collections
import os

import pyarrow as pa
import pytest
import regex
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import hfbpe
from fuzz_splitter import EDGES
from hfbpe import _core

# HFBPE_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py runs long.
BUDGET = settings(max_examples=int(os.environ.get("HFBPE_FUZZ_EXAMPLES", "300")), deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

RUNS = ["\r\n", "\n\n", "   ", "  \n", "'s", "'LL", "'Ve", "123456", "1,234.5", "...", "--", "x'", " '"]


def _same_in_both_tables(ch: str) -> bool:
    """Characters whose Unicode properties PCRE2's tables and the regex module's agree on (their
    Unicode versions differ; test_pretokenizer.py shows those characters apart)."""
    probes = [r"\p{L}", r"\p{N}", r"\p{M}", r"\s", r"\p{Lu}", r"\p{Ll}", r"\p{Lt}", r"\p{Lm}", r"\p{Lo}",
              r"\p{Cn}", r"\p{Nd}", r"\w", r"\d"]
    return all(_core.Pretokenizer(p).split(ch) == regex.findall(p, ch) for p in probes)


ALPHABET = sorted({c for c in EDGES if _same_in_both_tables(c)} | {"\u0378", "\U000e0000", "\U0010fffe"} -
                  {"\x00"})  # the regex module and PCRE2 agree on NUL too, but keep texts printable in reports
TEXTS = st.lists(st.sampled_from(ALPHABET + RUNS), max_size=40).map("".join)


def split(pattern: str, text: str) -> list[str]:
    return _core.Pretokenizer(pattern).split(text)


@pytest.mark.parametrize("name", ["gpt4", "gpt2", "o200k", "nanochat"])
@BUDGET
@given(text=TEXTS)
def test_named_patterns_equal_regex_findall(name, text):
    pattern = hfbpe.PATTERNS[name]
    assert split(pattern, text) == regex.findall(pattern, text)


ATOMS = [r"\p{L}", r"\p{N}", r"\s", r"\S", r"[\r\n]", r"[^\s\p{L}\p{N}]", r"[^\r\n\p{L}\p{N}]", r"\p{Lu}",
         r"[\p{Ll}\p{Lm}]", "'", " ", "a", r"\d", r"\w", "."]
QUANTIFIERS = ["", "+", "*", "?", "{1,3}", "++", "?+", "+?", "*?", "{2}"]


@st.composite
def patterns(draw) -> str:
    alternatives = []
    for _ in range(draw(st.integers(1, 4))):
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            atom = draw(st.sampled_from(ATOMS))
            parts.append(atom + draw(st.sampled_from(QUANTIFIERS)))
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from([r"(?!\S)", r"(?=\s)", r"(?!\p{L})"])))
        if draw(st.integers(0, 4)) == 0:
            parts.insert(0, "(?i:'s|'t|ll|ve)")
        alternatives.append("".join(parts))
    return "|".join(alternatives)


@BUDGET
@given(pattern=patterns(), text=TEXTS)
def test_random_patterns_equal_regex_findall(pattern, text):
    try:
        splitter = _core.Pretokenizer(pattern)
    except hfbpe.PatternError:
        assume(False)
    assert splitter.split(text) == regex.findall(pattern, text), pattern


@st.composite
def arrow_strings(draw):
    """A string array over random bytes (valid UTF-8 mostly, not always), random nulls, sliced at a
    random offset: (array, its rows as bytes or None)."""
    rows = draw(st.lists(st.one_of(
        TEXTS.map(lambda t: t.encode("utf-8")),
        st.binary(max_size=12),
        st.just(None),
    ), min_size=1, max_size=20))
    offsets, data, validity = [0], b"", []
    for row in rows:
        data += row or b""
        offsets.append(len(data))
        validity.append(row is not None)
    mask = pa.array(validity, pa.bool_()).buffers()[1]
    array = pa.Array.from_buffers(pa.string(), len(rows), [mask, pa.array(offsets, pa.int32()).buffers()[1],
                                                           pa.py_buffer(data)])
    start = draw(st.integers(0, len(rows) - 1))
    return array.slice(start), rows[start:]


@BUDGET
@given(case=arrow_strings())
def test_arrow_path_counts_valid_rows_and_skips_the_rest(case):
    array, rows = case
    expected: collections.Counter = collections.Counter()
    valid = invalid = 0
    for row in rows:
        if row is None:
            continue
        try:
            text = row.decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
            continue
        valid += 1
        expected.update(p.encode("utf-8") for p in regex.findall(hfbpe.PATTERNS["gpt4"], text))
    counter = _core.Counter(hfbpe.PATTERNS["gpt4"], 2)
    counter.count_arrow(*array.__arrow_c_array__())
    assert counter.take_counts().to_dict() == dict(expected)
    assert (counter.documents, counter.invalid, counter.nulls) == (valid, invalid, sum(r is None for r in rows))
