"""Fuzzes the native splitter of the named patterns against PCRE2.

    python tests/fuzz_splitter.py --cases 3000000 [--seed 1] [--patterns gpt4 gpt2 ...]

Each case is a random string over an alphabet dense in the splitter's edge
cases (every ASCII character, letters of many scripts, digits that are and
are not decimal, non-ASCII white space, marks, joiners, the caseless
contraction letters), with now and then any code point at all. It is split
by the named pattern (the native splitter) and by the same pattern wrapped in
a group, which PCRE2 matches; a difference is shrunk to a short string and
reported. tests/test_unicode_splitter.py runs a small number of cases.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from hfbpe import PATTERNS, _core

FUZZED = ["gpt4", "nanochat", "gpt2", "o200k"]

EDGES = (
    [chr(c) for c in range(128)]
    + list("'''ss lLvVrReEdDmMtT  \r\n\r\n\t")
    + list("éÉàçñöüÿßÆæøłĳǅǈǋ")  # Latin-1 and Latin Extended, titlecase digraphs (Lt)
    + list("ΩωΣσςάΆ")  # Greek
    + list("ЖжЯяёЁ")  # Cyrillic
    + list("عربيةـ")  # Arabic, the tatweel U+0640 (Lm)
    + list("नमस्ते\u0903\u093e")  # Devanagari with virama (Mn) and visarga (Mc)
    + list("中文日本語あア한국")  # CJK, kana, Hangul (Lo)
    + ["ʰ", "ˆ", "ª", "º", "ᵃ", "ー", "々"]  # modifier letters (Lm) and ordinal indicators (Lo)
    + ["😀", "👍", "🏽", "\u200d", "\u200c", "\ufe0f", "🇩", "🇪"]  # emoji, ZWJ/ZWNJ, variation selector
    + ["\U0001d400", "\U0001d41a", "\U00020000", "\U0001d7d9", "\U00010400", "\U00010428"]  # astral L, N
    + list("٠١٢٣٤٥٦٧٨٩۵१२０１２³²¹½ⅫⅣ①")  # Nd in other scripts, fullwidth, No, Nl
    + ["\u00a0", "\u0085", "\u1680", "\u2000", "\u2005", "\u200a", "\u2028", "\u2029", "\u202f",
       "\u205f", "\u3000", "\u180e", "\u200b", "\ufeff", "\x1c", "\x1f"]  # white space and near misses
    + ["\u0301", "\u0300", "\u0308", "\u20dd", "\u0903", "\u0488"]  # marks: Mn, Mc, Me
    + ["\u017f", "\u212a", "\u0130", "\u0131", "\u212b", "\u1e9e", "\u01c5", "K", "k", "S", "s"]  # case folding
    + ["’", "‘", "ʼ", "—", "«", "»", "…", "€", "©", "/", "//", "\\"]
    + ["\U0010fffd", "\U000e0041", "\ue000", "\ufffd", "\u0558", "\u0295"]  # private use, tags, unassigned
)


def any_code_point(rng: random.Random) -> str:
    while True:
        c = rng.randrange(0x110000)
        if not 0xD800 <= c < 0xE000:
            return chr(c)


def random_text(rng: random.Random, max_len: int) -> str:
    n = rng.randint(0, max_len)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.03:
            out.append(any_code_point(rng))
        elif r < 0.10:
            out.append(rng.choice(" \n\r\t") * rng.randint(2, 5))  # runs of spaces
        else:
            out.append(rng.choice(EDGES))
    return "".join(out)


def splitters(names: list[str]) -> list[tuple[str, _core.Pretokenizer, _core.Pretokenizer]]:
    out = []
    for name in names:
        pattern = PATTERNS[name]
        native, reference = _core.Pretokenizer(pattern), _core.Pretokenizer("(?:" + pattern + ")")
        assert native.native_splitter and not reference.native_splitter, name
        out.append((name, native, reference))
    return out


def shrink(text: str, native: _core.Pretokenizer, reference: _core.Pretokenizer) -> str:
    """A shorter string on which the two still differ."""
    changed = True
    while changed:
        changed = False
        for k in range(len(text)):
            shorter = text[:k] + text[k + 1:]
            if native.split(shorter) != reference.split(shorter):
                text, changed = shorter, True
                break
    return text


def fuzz(cases: int, seed: int, names: list[str], max_len: int = 24, report_every: float = 0.0) -> list[str]:
    """Runs `cases` random strings through each named pattern; returns the failures found (shrunk)."""
    rng = random.Random(seed)
    pairs = splitters(names)
    failures = []
    started = last = time.monotonic()
    for case in range(1, cases + 1):
        text = random_text(rng, max_len)
        for name, native, reference in pairs:
            if native.split(text) != reference.split(text):
                small = shrink(text, native, reference)
                failures.append(f"{name}: {small!r}: native {native.split(small)!r} "
                                f"!= PCRE2 {reference.split(small)!r}")
                if len(failures) >= 20:
                    return failures
        if report_every and time.monotonic() - last > report_every:
            last = time.monotonic()
            print(f"{case} cases, {case / (last - started):.0f}/s, {len(failures)} failures", flush=True)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-len", type=int, default=24)
    parser.add_argument("--patterns", nargs="+", default=[n for n in FUZZED if _core.Pretokenizer(PATTERNS[n]).native_splitter])
    args = parser.parse_args(argv)
    started = time.monotonic()
    failures = fuzz(args.cases, args.seed, args.patterns, args.max_len, report_every=30.0)
    seconds = time.monotonic() - started
    for failure in failures:
        print(failure)
    print(f"{args.cases} cases x {len(args.patterns)} patterns ({' '.join(args.patterns)}), seed {args.seed}: "
          f"{len(failures)} failures in {seconds:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
