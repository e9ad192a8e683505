"""Named split patterns: the regexes that cut text into pieces before BPE."""

from __future__ import annotations

#: GPT-4 / cl100k_base, as rustbpe and nanochat write it (the default).
GPT4 = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""
)

#: GPT-2 / r50k_base.
GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

#: GPT-4o / o200k_base.
O200K = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

#: nanochat's variant of GPT4: numbers split into groups of at most two digits.
NANOCHAT = GPT4.replace(r"\p{N}{1,3}", r"\p{N}{1,2}")

PATTERNS: dict[str, str] = {
    "gpt4": GPT4,
    "cl100k": GPT4,
    "gpt2": GPT2,
    "o200k": O200K,
    "nanochat": NANOCHAT,
}


def resolve_pattern(pattern: str | None) -> str:
    """Returns the regex for `pattern`: a name from PATTERNS, a regex of its own, or None for GPT4."""
    if pattern is None:
        return GPT4
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a str (a name in hfbpe.PATTERNS or a regex), got {type(pattern).__name__}")
    if not pattern:
        raise ValueError("pattern must not be empty")
    return PATTERNS.get(pattern, pattern)


#: The superword split the SuperBPE authors released: only digit groups, runs of two or more
#: punctuation characters and runs of spaces not followed by a non-space are cut out; the text
#: between those matches (words and the single spaces between them) stays whole. Applied as a
#: split that keeps both the matches and the text between them (see keeping_gaps).
SUPERWORD = r"""\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)"""

_GAPS_BEFORE, _GAPS_MIDDLE, _GAPS_AFTER = "(?:", ")|(?:(?!(?:", "))[\\s\\S])+"


def keeping_gaps(split: str) -> str:
    """A findall pattern whose matches are the pieces of a split by `split` that keeps both its
    matches and the text between them (HF's Split with behavior "Isolated").

    At any place, either `split` matches there (and gives the same match) or the second branch
    takes characters up to the next place where it matches: the gaps, which tiktoken's findall
    would otherwise drop. `split` must never match the empty string."""
    return f"{_GAPS_BEFORE}{split}{_GAPS_MIDDLE}{split}{_GAPS_AFTER}"


def split_keeping_gaps(pattern: str) -> str | None:
    """The `split` of a pattern made by keeping_gaps(split), or None for any other pattern."""
    if not (pattern.startswith(_GAPS_BEFORE) and pattern.endswith(_GAPS_AFTER)):
        return None
    inner = pattern[len(_GAPS_BEFORE):-len(_GAPS_AFTER)]
    half, rest = divmod(len(inner) - len(_GAPS_MIDDLE), 2)
    if rest or half <= 0:
        return None
    split = inner[:half]
    return split if keeping_gaps(split) == pattern else None
