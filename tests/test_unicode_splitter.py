"""The native splitter of the named patterns: exactly PCRE2's pieces on all of Unicode.

PCRE2 is the reference (tests/test_pretokenizer.py holds PCRE2 against
regex.findall): each named pattern is compared with the same pattern wrapped
in a group, which is not the exact named string and so goes through PCRE2.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest
import regex

import hfbpe
from hfbpe import _core

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_splitter  # noqa: E402

NAMED = ["gpt4", "nanochat", "gpt2", "o200k"]


def _generator():
    spec = importlib.util.spec_from_file_location("unicode_classes", ROOT / "cpp" / "unicode_classes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator():
    return _generator()


@pytest.fixture(scope="module")
def pcre2_flags(generator) -> bytes:
    return generator.flags_from_pcre2()


@pytest.fixture(scope="module")
def pcre2_caseless(generator) -> list[tuple[int, str]]:
    return generator.caseless_letters()


def native(name: str) -> _core.Pretokenizer:
    splitter = _core.Pretokenizer(hfbpe.PATTERNS[name])
    assert splitter.native_splitter
    return splitter


def reference(name: str) -> _core.Pretokenizer:
    splitter = _core.Pretokenizer("(?:" + hfbpe.PATTERNS[name] + ")")
    assert not splitter.native_splitter
    return splitter


# The table --------------------------------------------------------------------------------


def test_compiled_table_is_what_pcre2_matches(pcre2_flags):
    """Every code point's flags, as built into the module, against PCRE2's own
    matching of each class; a PCRE2 with other Unicode tables fails here until
    cpp/unicode_classes.py is rerun."""
    compiled = _core._unicode_classes()
    expected = pcre2_flags
    assert len(compiled) == len(expected) == 0x110000
    differ = [c for c in range(0x110000) if compiled[c] != expected[c] and not 0xD800 <= c < 0xE000]
    assert not differ, [f"U+{c:04X}: {compiled[c]} != {expected[c]}" for c in differ[:10]]


def test_generated_file_is_current(generator, pcre2_flags, pcre2_caseless):
    """The committed cpp/unicode_classes.inc (caseless letters and versions included) is what the generator writes now."""
    text = generator.render(pcre2_flags, pcre2_caseless, _core._pcre2_versions())
    assert text == generator.OUTPUT.read_text(encoding="utf-8")


def test_caseless_letters_are_long_s_and_kelvin(pcre2_caseless):
    assert pcre2_caseless == [(0x017F, "s"), (0x212A, "k")]
    assert _core._pcre2_versions()[1] == "16.0.0"  # the Unicode the tests' expectations were written for


def test_flag_bits_agree_with_the_header(generator):
    header = (ROOT / "cpp" / "unicode_classes.hpp").read_text(encoding="utf-8")
    assert "kOther = 0, kLetter = 1, kDigit = 2, kSpace = 3" in header
    assert f"kUpperSet = {generator.UPPER_SET};" in header and f"kLowerSet = {generator.LOWER_SET};" in header
    assert f"kBlockShift = {generator.SHIFT};" in header


# Every code point in a few contexts ---------------------------------------------------------

CONTEXTS = {
    "alone": ("", ""),
    "between_letters": ("ab", "cd "),
    "after_space": (" ", "x"),
    "after_apostrophe": ("'", ""),
    "apostrophe_second": ("'l", " "),
    "in_digits": ("12", "3 "),
    "in_spaces": ("  ", "  x"),
    "after_newline": ("\r\n", "\n"),
    "upper_lower": ("A", "b"),
    "before_upper": ("", "A "),
}


@pytest.fixture(scope="module")
def every_code_point() -> list[str]:
    return [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]


@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_every_code_point_in_context(context, every_code_point):
    before, after = CONTEXTS[context]
    text = before + (after + before).join(every_code_point) + after
    # nanochat differs from gpt4 in its digit runs only.
    for name in NAMED if context in ("in_digits", "alone") else ["gpt4", "gpt2", "o200k"]:
        if native(name)._piece_digest(text) != reference(name)._piece_digest(text):
            got, want = native(name).split(text), reference(name).split(text)
            first = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            pytest.fail(f"{name}, {context}: piece {first}: {got[first:first + 3]!r} != PCRE2 {want[first:first + 3]!r}")


# Random strings dense in edge cases ------------------------------------------------------------


@pytest.mark.parametrize("name", NAMED)
def test_fuzz_against_pcre2(name):
    """A small run of tests/fuzz_splitter.py (run it with --cases N for more)."""
    assert fuzz_splitter.fuzz(cases=6000, seed=7, names=[name]) == []
    assert fuzz_splitter.fuzz(cases=300, seed=8, names=[name], max_len=400) == []


# Code points where regex's newer Unicode differs from PCRE2's Unicode 16 (see test_pretokenizer.py).
NEWER_IN_REGEX = {"\u0558", "\u0295"}


@pytest.mark.parametrize("name", NAMED)
def test_random_strings_against_regex(name):
    rng = random.Random(13)
    alphabet = [c for c in fuzz_splitter.EDGES if c not in NEWER_IN_REGEX]
    splitter = native(name)
    compiled = regex.compile(hfbpe.PATTERNS[name])
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert splitter.split(text) == compiled.findall(text), repr(text)


# The rules the splitter must get right, spelled out -----------------------------------------------

CASES = [
    # \p{N}{1,3} counts characters, not bytes.
    ("gpt4", "١٢٣٤٥", ["١٢٣", "٤٥"]),
    ("nanochat", "١٢٣٤٥", ["١٢", "٣٤", "٥"]),
    ("gpt4", "x²³¹⁴", ["x", "²³¹", "⁴"]),  # superscripts: \p{N} but not Nd
    ("o200k", "１２３４", ["１２３", "４"]),
    ("gpt2", "１２３４5 ٦", ["１２３４5", " ٦"]),
    # \s+(?!\S) gives back the last character of the run, whatever its size.
    ("gpt4", "a \u3000b", ["a", " ", "\u3000b"]),
    ("gpt4", "a\u2000\u2001\u2002", ["a", "\u2000\u2001\u2002"]),  # the run ends the text: all of it
    ("gpt2", "a\u00a0\u00a0b", ["a", "\u00a0", "\u00a0", "b"]),  # no lead but U+0020 in gpt2
    ("o200k", "a \u205f1", ["a", " ", "\u205f", "1"]),
    # \s*[\r\n] ends at the last CR/LF of the run, including non-ASCII spaces before it.
    ("gpt4", "a\u3000\n\u00a0\n  b", ["a", "\u3000\n\u00a0\n", " ", " b"]),
    ("o200k", "a\u2028\r\n\u2029x", ["a", "\u2028\r\n", "\u2029x"]),
    ("gpt2", "a\u2028\n b", ["a", "\u2028\n", " b"]),  # gpt2 has no CR/LF rule
    # The lead character: any non-letter, non-digit but CR/LF, including non-ASCII spaces and marks.
    ("gpt4", "\u00a0abc\u0301abc \u0085x", ["\u00a0abc", "\u0301abc", " ", "\u0085x"]),
    ("gpt4", "\nabc", ["\n", "abc"]),
    ("gpt4", "«ab»", ["«ab", "»"]),
    # Marks are not letters.
    ("gpt4", "e\u0301te", ["e", "\u0301te"]),
    ("gpt2", "e\u0301te", ["e", "\u0301", "te"]),
    ("o200k", "e\u0301te", ["e\u0301te"]),  # o200k's letter sets hold the marks
    #  ?[^\s\p{L}\p{N}]++[\r\n]*: the optional space is U+0020 only.
    ("gpt4", "a \u2014\u2014\n\nb", ["a", " \u2014\u2014\n\n", "b"]),
    ("gpt4", "a\u00a0\u2014b", ["a", "\u00a0", "\u2014b"]),
    # Contractions: gpt4 and o200k caseless (the long s is an "s"), gpt2 case-sensitive.
    ("gpt4", "it'\u017f 'LL 'Re 'ſt", ["it", "'\u017f", " '", "LL", " '", "Re", " '", "ſt"]),
    ("gpt4", "it'\u017ft it'\u0130t it'\u212at", ["it", "'\u017f", "t", " it", "'\u0130t", " it", "'\u212at"]),
    ("gpt2", "it'\u017f it'S it's", ["it", "'", "\u017f", " it", "'", "S", " it", "'s"]),
    ("o200k", "IT'\u017f we'LL", ["IT'\u017f", " we'LL"]),
    # o200k's backtracking letter runs: a mark or Lo/Lm is in both sets.
    ("o200k", "\u0301A \u02b0A", ["\u0301", "A", " \u02b0", "A"]),
    ("o200k", "HELLOworld HELLO", ["HELLOworld", " HELLO"]),
    ("o200k", "ǅungla ǈ", ["ǅungla", " ǈ"]),  # titlecase (Lt) is in the upper set only
    ("o200k", "a!\n/\n//x", ["a", "!\n/\n//", "x"]),
    # Astral letters and digits.
    ("gpt4", "\U0001d400\U0001d41a \U00020000x \U0001d7d9\U0001d7da", ["\U0001d400\U0001d41a", " \U00020000x", " ", "\U0001d7d9\U0001d7da"]),
]


@pytest.mark.parametrize("name, text, pieces", CASES)
def test_rules(name, text, pieces):
    assert native(name).split(text) == pieces
    assert reference(name).split(text) == pieces
    assert regex.findall(hfbpe.PATTERNS[name], text) == pieces


@pytest.mark.parametrize("name", NAMED)
def test_letter_runs_across_scripts(name):
    """A letter run that meets non-ASCII letters goes on through them and back
    into the eight-byte scan, at every offset of the eight-byte window."""
    rng = random.Random(17)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    wide = ["é", "ß", "Ω", "ж", "中", "\U00020000", "\u0301", "ſ", "ª", "ǅ"]
    stops = ["", " ", "!", "1", "١", "\u00a0", "\u3000", "😀", "'s", "'ſ", "\n"]
    splitter, pcre = native(name), reference(name)
    for _ in range(3000):
        text = "".join(rng.choice([rng.choice(letters) * rng.randint(1, 11), rng.choice(wide)])
                       for _ in range(rng.randint(1, 6))) + rng.choice(stops)
        text = rng.choice(["", " ", "'", "\u00a0"]) + text + text[: rng.randint(0, 4)]
        assert splitter.split(text) == pcre.split(text), repr(text)


def test_counter_counts_what_pcre2_splits():
    """The counter splits with the same splitter."""
    from collections import Counter

    rng = random.Random(19)
    texts = [fuzz_splitter.random_text(rng, 80) for _ in range(600)]
    for name in NAMED:
        pcre = reference(name)
        expected = Counter(p.encode("utf-8") for t in texts for p in pcre.split(t))
        counts, _ = hfbpe.counting.count_texts(texts, pattern=name, num_threads=2, batch_size=37)
        assert counts.to_dict() == expected, name
