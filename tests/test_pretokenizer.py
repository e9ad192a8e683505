"""Pre-tokenization: hfbpe._core.Pretokenizer(p).split(text) must equal regex.findall(p, text)."""

from __future__ import annotations

from collections import Counter

import pytest
import regex

import hfbpe
from hfbpe import _core
from hfbpe.counting import count_texts

NAMED = ["gpt4", "gpt2", "o200k", "nanochat"]

ADVERSARIAL = {
    "empty": "",
    "emoji": "a😀b 😀😀 x😀 😀!",
    "emoji_zwj_family": "👨‍👩‍👧‍👦 family 👩🏽‍💻",
    "emoji_skin_tones": "👍🏽👍🏿 ok👋🏻",
    "emoji_flags": "🇩🇪🇫🇷 🇯🇵x 🏳️‍🌈",
    "emoji_variation_selector": "✌\ufe0f ❤️ ☺\ufe0e",
    "combining_marks": "e\u0301te\u0301 n\u0303o Z\u0351\u0336a\u0364l\u0308g\u0310o \u0301lead ' \u0301",
    "cjk": "你好，世界！日本語のテキスト 한국어 텍스트 中文123数字",
    "arabic_digits": "٠١٢٣٤٥٦٧٨٩ abc١٢٣def ١٢٣٤",
    "devanagari": "नमस्ते दुनिया ०१२३४५६७८९ १२",
    "fullwidth_digits": "１２３４５６７ ＡＢＣ１２ 12１2",
    "math_alphanumerics": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛𝟜 ⅫⅣ ½ ² x²",
    "crlf_runs": "a\r\n\r\nb\r\r\r\n\n\nc\n \n \nd\r\n",
    "crlf_crlf_only": "\r\n\r\n",
    "newline_runs": "x\n\n\n\ny \n\n  \n z\n",
    "tabs": "\t\tindented\tcode\t \t\n\tx\t",
    "nbsp": "a\u00a0b \u00a0\u00a0x\u00a0 \u00a0",
    "line_separators": "a\u2028b\u2029c \u2028 x\u0085\u0085y \u0085",
    "info_separators": "a\x1cb\x1d\x1e\x1f c \x1f\x1fd",
    "vertical_tab_form_feed": "a\vb\fc \v\f d\v\v",
    "ideographic_space": "a\u3000b \u3000\u3000c",
    "zero_width": "a\u200bb\u200dc\ufeffd \u200b",
    "control": "\x00\x01a\x7f\x00 b",
    "apostrophes": "I'm you'll they've she'd it's we're don't",
    "apostrophes_uppercase": "IT'S WE'LL THEY'VE I'M 'S 'LL 'Ll 'lL 'D",
    "apostrophes_typographic": "it’s we’ll ’s ‘quoted’ ''s '''",
    "apostrophe_edge": "' 's 'x ''",
    "long_s_and_kelvin": "'ſ 'ſt it'ſ '\u212a '\u212aelvin ſ \u212a",
    "dotted_i": "'İ 'ı İstanbul",
    "punctuation_runs": "Hello,world!!!\n\n\n   foo... ;-) <<>> ---\n",
    "leading_trailing_spaces": "   leading and trailing   ",
    "spaces_between_words": "a  b   c    d     e",
    "numbers": "1 12 123 1234 12345 123456 3.14159 1,000,000",
}

LONG = {
    "100k_spaces_then_letter": " " * 100_000 + "a",
    "50k_newlines_then_letter": "\n" * 50_000 + "x",
    "space_tab_run_then_punct": " \t" * 20_000 + "!",
    "mixed_whitespace_run": (" \n\t\u00a0\r\n" * 10_000) + "end",
    "long_word": "a" * 200_000,
    "long_number": "7" * 100_000,
}


def split(pattern: str, text: str) -> list[str]:
    return _core.Pretokenizer(pattern).split(text)


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
@pytest.mark.parametrize("pattern_name", NAMED)
def test_adversarial_strings(pattern_name, name):
    pattern = hfbpe.PATTERNS[pattern_name]
    text = ADVERSARIAL[name]
    assert split(pattern, text) == regex.findall(pattern, text)


@pytest.mark.parametrize("name", sorted(LONG))
@pytest.mark.parametrize("pattern_name", NAMED)
def test_long_runs(pattern_name, name):
    pattern = hfbpe.PATTERNS[pattern_name]
    text = LONG[name]
    pieces = split(pattern, text)
    assert "".join(pieces) == text
    assert pieces == regex.findall(pattern, text)


@pytest.mark.parametrize("pattern_name", NAMED)
def test_corpus_slice(multilingual_slice, pattern_name):
    pattern = hfbpe.PATTERNS[pattern_name]
    pretokenizer = _core.Pretokenizer(pattern)
    compiled = regex.compile(pattern)
    for i, text in enumerate(multilingual_slice):
        pieces = pretokenizer.split(text)
        expected = compiled.findall(text)
        if pieces != expected:
            first = next(k for k, (a, b) in enumerate(zip(pieces, expected)) if a != b)
            pytest.fail(f"document {i}: piece {first}: {pieces[first:first + 3]!r} != {expected[first:first + 3]!r}")


@pytest.mark.parametrize("pattern_name", NAMED)
def test_counter_counts_what_findall_finds(multilingual_slice, pattern_name):
    pattern = hfbpe.PATTERNS[pattern_name]
    compiled = regex.compile(pattern)
    expected = Counter(p.encode("utf-8") for text in multilingual_slice for p in compiled.findall(text) if p)
    counts, summary = count_texts(multilingual_slice, pattern=pattern_name, num_threads=2, batch_size=97)
    assert counts.to_dict() == expected
    assert counts.total == sum(expected.values())
    assert len(counts) == len(expected)
    assert summary["documents"] == len(multilingual_slice)
    assert summary["bytes"] == sum(len(t.encode("utf-8")) for t in multilingual_slice)


def test_counter_directly():
    counter = _core.Counter(hfbpe.PATTERNS["gpt4"], 3)
    counter.count(["hello world", "hello  there", ""], 0)
    counter.count(("hello",), 3)
    counts = counter.take_counts()
    assert counts.to_dict() == {b"hello": 3, b" world": 1, b" ": 1, b" there": 1}
    assert counter.documents == 4
    assert counter.bytes == len("hello world") + len("hello  there") + len("hello")
    assert len(counter.take_counts()) == 0  # take_counts starts again from empty


@pytest.mark.parametrize(
    "pattern, text",
    [
        (r"\w*", "ab cd é ü, x"),
        (r"a*", "baaac"),
        (r"a*", "ééa😀aa"),
        (r"x*", "ééé😀"),
        (r"", "héllo 😀"),
        (r"|a", "aab"),
        (r"a|", "aab"),
        (r"\b", "ab cd"),
        (r"(?=a)", "aaa"),
        (r"\s*", "a  b\n\nc"),
        (r"(?:ab)*", "ababxab"),
    ],
)
def test_empty_match_semantics(pattern, text):
    pieces = split(pattern, text)
    assert "" in pieces
    assert pieces == regex.findall(pattern, text)


def test_empty_matches_are_not_counted():
    counts, _ = count_texts(["baaac", "aa"], pattern=r"a*", num_threads=1)
    assert counts.to_dict() == {b"aaa": 1, b"aa": 1}


@pytest.mark.parametrize("pattern_name", NAMED)
def test_text_kinds(pattern_name):
    """Python stores str as 1, 2 or 4 bytes per character; each is converted to UTF-8."""
    pattern = hfbpe.PATTERNS[pattern_name]
    for text in ["ascii only", "latin-1: café ÿ ß", "bmp: Привет 你好", "astral: 😀 𝔘 a𝟙"]:
        assert split(pattern, text) == regex.findall(pattern, text)
        counts, _ = count_texts([text], pattern=pattern, num_threads=1)
        assert counts.to_dict() == Counter(p.encode("utf-8") for p in regex.findall(pattern, text) if p)


def test_pretokenizer_properties():
    pretokenizer = _core.Pretokenizer(hfbpe.PATTERNS["gpt4"])
    assert pretokenizer.pattern == hfbpe.PATTERNS["gpt4"]
    assert isinstance(pretokenizer.jit, bool)


def test_split_rejects_lone_surrogate():
    with pytest.raises(ValueError, match="lone surrogate at character 1"):
        split(hfbpe.PATTERNS["gpt4"], "a\ud800b")


def test_invalid_pattern():
    with pytest.raises(hfbpe.PatternError, match=r"offset 4.*missing closing parenthesis"):
        _core.Pretokenizer("(abc")
    assert issubclass(hfbpe.PatternError, ValueError)


# Differences found between PCRE2 and the regex module ----------------------------------


@pytest.mark.parametrize("pattern_name", NAMED)
def test_mongolian_vowel_separator(pattern_name):
    """U+180E has been a format character (Cf), not white space, since Unicode 6.3.

    regex (and rustbpe's fancy-regex) do not match it with \\s; PCRE2 10.47 still
    counts it among its horizontal space characters, so hfbpe spells \\s as
    \\p{White_Space} before compiling.
    """
    pattern = hfbpe.PATTERNS[pattern_name]
    for text in [" \u180e1", "x \u180e!"]:
        assert split(pattern, text) == regex.findall(pattern, text)


@pytest.mark.parametrize(
    "pattern, text",
    [
        (r"\w+", "x² ½ y"),  # No: \w in PCRE2 (L, N, Mn, Pc), not in regex (UTS #18: Nd only)
        (r"\w+", "नमस्ते दुनिया"),  # Mc vowel signs: \w in regex, not in PCRE2
        (r"\w+", "Ⓐb ⓩ"),  # So with Other_Alphabetic: \w in regex, not in PCRE2
        (r"\b\S+?\b|\s+|\S", "कीमत नमस्ते x² a\u0303b"),  # \b over UTS #18 word characters, marks included
        (r"\B.", "कीमत ab"),
    ],
)
def test_custom_pattern_word_classes(pattern, text):
    """README: pieces exactly as regex.findall gives them, for "any regex of your own"."""
    assert split(pattern, text) == regex.findall(pattern, text)


def _code_points_pcre2_knows() -> str:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    unassigned = set(_core.Pretokenizer(r"\p{Cn}").split(every))
    return "".join(c for c in every if c not in unassigned)


@pytest.fixture(scope="module")
def known_code_points() -> str:
    return _code_points_pcre2_knows()


@pytest.mark.parametrize(
    "pattern",
    [r"\s", r"\S", r"\w", r"\W", r"\d", r"\D", r"[^\s\p{L}\p{N}]", r"[\w']", r"[^\w\s]", r"[\S\d]",
     r"\p{L}", r"\p{N}"],
)
def test_character_classes_on_every_code_point(pattern, known_code_points):
    """Each class matches the same code points as in the regex module, over every
    code point assigned in PCRE2's Unicode tables (newer ones are tested above)."""
    assert split(pattern, known_code_points) == regex.findall(pattern, known_code_points)


@pytest.mark.parametrize(
    "pattern, text",
    [
        (r"\\s", "\\s \u180e"),  # an escaped backslash, then a plain s
        (r"[]\s]+", "]] \u180e]"),  # a ']' first in a class is a literal
        (r"(?#\s)x\s", "x \u180e x\u180e"),  # a comment is left alone
        (r"[^]\s]+", "ab \u180e]c"),
    ],
)
def test_class_rewriting_leaves_literals_alone(pattern, text):
    assert split(pattern, text) == regex.findall(pattern, text)


@pytest.mark.parametrize("pattern", ["[[:alpha:]]+", r"[^[:space:]]", "x|[a[:digit:]]"])
def test_posix_classes_are_refused(pattern):
    """The regex module reads [:alpha:] as Unicode, tiktoken and rustbpe as ASCII: no spelling agrees with both."""
    with pytest.raises(hfbpe.PatternError, match=r"POSIX class \[:\w+:\] at offset \d+.*\\p\{\.\.\.\}"):
        _core.Pretokenizer(pattern)
    assert split(r"[\[:a]+", "[:a:]") == regex.findall(r"[\[:a]+", "[:a:]") == ["[:a:"]  # an escaped [ opens none


def test_extended_mode_comments_are_left_alone():
    pattern = "(?x) a # [ a comment with a bracket\n | \\w+"
    assert split(pattern, "héllo wörld a") == regex.findall(pattern, "héllo wörld a")


def test_class_rewriting_leaves_quoted_text_alone():
    # The regex module has no \Q...\E; in PCRE2 it quotes a literal backslash and s.
    assert split(r"\Q\s\E+", "\\s\\ss \u180e") == ["\\s", "\\ss"]


CATEGORIES = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Cn"]


def _categories(ch: str) -> tuple[set[str], set[str]]:
    """The general categories of `ch` in PCRE2's Unicode tables and in the regex module's."""
    pcre2 = {c for c in CATEGORIES if split(rf"\p{{{c}}}", ch) == [ch]}
    module = {c for c in CATEGORIES if regex.fullmatch(rf"\p{{{c}}}", ch)}
    return pcre2, module


@pytest.mark.parametrize(
    "pattern_name, text, changed",
    [("gpt4", "a\u0558b", "\u0558"), ("gpt2", "a\u0558b", "\u0558"), ("o200k", "\u0295Aa", "\u0295")],
)
def test_characters_whose_category_changed_between_unicode_versions(pattern_name, text, changed):
    """PCRE2 10.47 has Unicode 16.0 tables; the regex module carries its own Unicode version, older or
    newer (U+0558 became a letter, U+0295 moved from Ll to Lo). Where both read the character the same
    way the splits agree; where their tables differ the splits differ, as they must."""
    pattern = hfbpe.PATTERNS[pattern_name]
    pcre2, module = _categories(changed)
    if pcre2 == module:
        assert split(pattern, text) == regex.findall(pattern, text)
    else:
        assert split(pattern, text) != regex.findall(pattern, text)


# The native splitter (tests/test_unicode_splitter.py holds it against PCRE2 on all of Unicode) ----------


def test_named_patterns_take_the_native_splitter():
    for name in ["gpt4", "cl100k", "nanochat", "gpt2", "o200k"]:
        assert _core.Pretokenizer(hfbpe.PATTERNS[name]).native_splitter, name
    assert set(hfbpe.PATTERNS) == {"gpt4", "cl100k", "nanochat", "gpt2", "o200k"}
    for similar in [hfbpe.PATTERNS["gpt4"] + "|x", "(?:" + hfbpe.PATTERNS["gpt2"] + ")", hfbpe.PATTERNS["o200k"][1:]]:
        assert not _core.Pretokenizer(similar).native_splitter  # similar is not enough


ASCII_EDGES = ["a", "Z", "q", "s", "S", "l", "L", "v", "e", "R", " ", "  ", "'", "'s", "'ll", "'LL", "'vE", "'re",
               "'t", "'M", "'d", "'x", "\t", "\r", "\n", "\r\n", "\n\n", " \n", "0", "7", "12", "123", "4567",
               "(", "-", "_", ".", ",", "...", "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x00", "x'", " '",
               "é", "ß", "中", "١", "²", "\u00a0", "\u0085", "\u2028", "\u3000", "\u0301", "😀", "Ω", "ſ", "\u212a",
               "\u180e", "—", "«"]


@pytest.mark.parametrize("pattern_name", ["gpt4", "nanochat", "gpt2"])  # o200k: tests/test_unicode_splitter.py
def test_native_splitter_agrees_with_regex(pattern_name):
    """The splitter gives regex.findall's pieces.

    Random strings dense in its edges: every ASCII character, contractions in
    any case, digit runs, runs of spaces with and without CR/LF, and
    non-ASCII characters of every class it tells apart (letters, digits,
    spaces, marks, the long s that (?i) matches as "s")."""
    import random

    rng = random.Random(11)
    alphabet = ASCII_EDGES + [chr(c) for c in range(128)]
    pattern = hfbpe.PATTERNS[pattern_name]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert split(pattern, text) == regex.findall(pattern, text), repr(text)


@pytest.mark.parametrize("pattern_name", ["gpt4", "nanochat", "gpt2"])  # o200k: tests/test_unicode_splitter.py
def test_native_splitter_long_letter_runs(pattern_name):
    """Letter runs are scanned eight bytes at a time: runs of every length
    from 0 to 30, ending at every offset of the eight-byte window, at the end
    of the text, or at the characters next to the letter range ('@', '[',
    '`', '{'), at non-ASCII letters (which continue the run) and at other
    non-ASCII characters."""
    import random

    rng = random.Random(5)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    stops = ["", "@", "[", "`", "{", " ", "0", "'", "\n", "é", "ſ", "\u212a", "中", "١", "\u00a0", "😀", "\x7f"]
    pattern = hfbpe.PATTERNS[pattern_name]
    for _ in range(6000):
        lead = "".join(rng.choice(letters + " '.\n") for _ in range(rng.randint(0, 9)))
        run = "".join(rng.choice(letters) for _ in range(rng.randint(0, 30)))
        tail = "".join(rng.choice(stops) + rng.choice(["", run[:3], "xyz"]) for _ in range(rng.randint(0, 3)))
        text = lead + run + tail
        assert split(pattern, text) == regex.findall(pattern, text), repr(text)
