"""Report: what hfbpe.evaluate measured, as rows, a table (terminal or markdown), JSON and a chart."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._files import write_atomically

ALL = "all"  # the label of the whole data in a report's rows


@dataclass
class GroupStats:
    """What the text of a group holds, whatever the tokenizer."""

    documents: int = 0
    bytes: int = 0
    chars: int = 0
    words: int = 0  # runs of characters between Unicode whitespace, as str.split() counts them

    def __iadd__(self, other: GroupStats) -> GroupStats:
        self.documents += other.documents
        self.bytes += other.bytes
        self.chars += other.chars
        self.words += other.words
        return self


@dataclass
class TokenizerResult:
    """One tokenizer's tokens per group and how often each of its ids was produced."""

    name: str
    n_vocab: int
    tokens: dict[Any, int]
    usage: np.ndarray
    token_bytes: list[bytes | None]
    special_ids: set[int] = field(default_factory=set)
    method: str = "pieces"  # "pieces": counted pieces encoded once each; "texts": every text encoded


def escape_token(token: bytes) -> str:
    """A token's bytes as readable text: UTF-8 where it is, \\x.. for the rest, control
    characters and whitespace other than the space escaped."""
    text = token.decode("utf-8", errors="backslashreplace")
    return "".join(c if c == " " or (c.isprintable() and not c.isspace()) else repr(c)[1:-1] for c in text)


class Report:
    """Figures of one or several tokenizers on the same data, for the whole data and per group.

    `rows()` has one dict per (tokenizer, group): documents, bytes, chars, words, tokens,
    bytes_per_token, chars_per_token, tokens_per_word and, with a baseline,
    `token_change_vs_baseline` ((tokens - baseline's) / baseline's: negative is fewer tokens).
    `vocabulary(name)` says which ordinary tokens the data never produced.
    """

    def __init__(
        self,
        *,
        groups: list[Any],
        stats: dict[Any, GroupStats],
        results: list[TokenizerResult],
        baseline: str | None = None,
        group_by: str | None = None,
        data: dict[str, Any] | None = None,
        seconds: float = 0.0,
        vocab_sweep: bool = False,
    ) -> None:
        self.group_by = group_by
        self.baseline = baseline
        self.data = dict(data or {})
        self.seconds = seconds
        # True for hfbpe.sweep's reports: the tokenizers are one training cut at several sizes.
        self.vocab_sweep = vocab_sweep
        self._groups = [g for g in groups if g is not None]
        self._stats = dict(stats)
        self._results = {r.name: r for r in results}

    # Figures --------------------------------------------------------------------------

    @property
    def tokenizers(self) -> list[str]:
        return list(self._results)

    @property
    def groups(self) -> list[str]:
        """"all" and then every value of group_by."""
        return [ALL, *self._groups]

    def stats(self, group: str = ALL) -> GroupStats:
        if group == ALL:
            total = GroupStats()
            for s in self._stats.values():
                total += s
            return total
        return self._stats[group]

    def tokens(self, tokenizer: str, group: str = ALL) -> int:
        """The tokens `tokenizer` makes of the group's text (the whole data for "all")."""
        per_group = self._result(tokenizer).tokens
        if group == ALL:
            return sum(per_group.values())
        return per_group[group]

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for name, result in self._results.items():
            for group in self.groups:
                s = self.stats(group)
                tokens = self.tokens(name, group)
                row: dict[str, Any] = {
                    "tokenizer": name,
                    "group": group,
                    "vocab_size": result.n_vocab,
                    "documents": s.documents,
                    "bytes": s.bytes,
                    "chars": s.chars,
                    "words": s.words,
                    "tokens": tokens,
                    "bytes_per_token": s.bytes / tokens if tokens else None,
                    "chars_per_token": s.chars / tokens if tokens else None,
                    "tokens_per_word": tokens / s.words if s.words else None,
                }
                if self.baseline is not None:
                    base = self.tokens(self.baseline, group)
                    row["token_change_vs_baseline"] = (tokens - base) / base if base else None
                rows.append(row)
        return rows

    def vocabulary(self, tokenizer: str, examples: int = 10) -> dict[str, Any]:
        """The ordinary tokens (special tokens left out) of `tokenizer` that the data never produced:
        how many, their share, some of them (the longest first), and the longest tokens it has."""
        result = self._result(tokenizer)
        ordinary = [i for i, b in enumerate(result.token_bytes) if b is not None and i not in result.special_ids]
        unused = [i for i in ordinary if result.usage[i] == 0]
        by_length = sorted(ordinary, key=lambda i: (-len(result.token_bytes[i]), i))
        unused_by_length = sorted(unused, key=lambda i: (-len(result.token_bytes[i]), i))
        return {
            "ordinary_tokens": len(ordinary),
            "unused_tokens": len(unused),
            "unused_share": len(unused) / len(ordinary) if ordinary else 0.0,
            "longest_tokens": [escape_token(result.token_bytes[i]) for i in by_length[:examples]],
            "unused_examples": [escape_token(result.token_bytes[i]) for i in unused_by_length[:examples]],
        }

    def usage(self, tokenizer: str) -> np.ndarray:
        """How often the data produced each id of `tokenizer` (int64, indexed by id)."""
        return self._result(tokenizer).usage.copy()

    def _result(self, tokenizer: str) -> TokenizerResult:
        try:
            return self._results[tokenizer]
        except KeyError:
            raise KeyError(f"no tokenizer {tokenizer!r} in this report; it has {self.tokenizers}") from None

    # Output ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "group_by": self.group_by,
            "baseline": self.baseline,
            "seconds": self.seconds,
            "vocab_sweep": self.vocab_sweep,
            "rows": self.rows(),
            "vocabulary": {name: self.vocabulary(name) for name in self.tokenizers},
            "methods": {name: r.method for name, r in self._results.items()},
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Writes to_dict() as JSON (to a temporary file renamed into place)."""
        content = json.dumps(self.to_dict(), indent=1, ensure_ascii=False).encode("utf-8")

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                f.write(content)

        write_atomically(path, write)
        return Path(path).expanduser()

    def _table(self) -> tuple[list[str], list[list[str]]]:
        header = ["tokenizer", "group", "vocab", "docs", "MB", "tokens", "bytes/token", "chars/token", "tokens/word"]
        if self.baseline is not None:
            header.append(f"vs {self.baseline}")
        lines = []
        for row in self.rows():
            if not self._groups and row["group"] != ALL:
                continue
            cells = [
                row["tokenizer"], row["group"], f"{row['vocab_size']:,}", f"{row['documents']:,}",
                f"{row['bytes'] / 1e6:,.2f}", f"{row['tokens']:,}", _fmt(row["bytes_per_token"]),
                _fmt(row["chars_per_token"]), _fmt(row["tokens_per_word"]),
            ]
            if self.baseline is not None:
                change = row["token_change_vs_baseline"]
                cells.append("—" if change is None or row["tokenizer"] == self.baseline else f"{100 * change:+.1f}%")
            lines.append(cells)
        return header, lines

    def to_text(self) -> str:
        """The table aligned for a terminal, then the unused tokens of each tokenizer."""
        header, lines = self._table()
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        left = {0, 1}

        def render(cells: list[str]) -> str:
            return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

        out = [render(header), render(["-" * w for w in widths])]
        out += [render(line) for line in lines]
        out.append("")
        for name in self.tokenizers:
            v = self.vocabulary(name, examples=5)
            longest = ", ".join(f"'{t}'" for t in v["longest_tokens"])  # already escaped
            out.append(f"{name}: {v['unused_tokens']:,} of {v['ordinary_tokens']:,} ordinary tokens never produced "
                       f"({100 * v['unused_share']:.1f}%); longest tokens: {longest}")
        return "\n".join(out)

    def to_markdown(self) -> str:
        """The table and the unused tokens as GitHub markdown (what a model card shows)."""
        header, lines = self._table()
        numeric = {i for i, h in enumerate(header) if i >= 2}
        out = ["| " + " | ".join(header) + " |",
               "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|"]
        out += ["| " + " | ".join(_md(c) for c in line) + " |" for line in lines]
        out += ["", "| tokenizer | ordinary tokens | never produced | longest tokens |", "|---|---:|---:|---|"]
        for name in self.tokenizers:
            v = self.vocabulary(name, examples=5)
            longest = ", ".join(f"`{_md(t)}`" for t in v["longest_tokens"])
            out.append(f"| {_md(name)} | {v['ordinary_tokens']:,} | {v['unused_tokens']:,} "
                       f"({100 * v['unused_share']:.1f}%) | {longest} |")
        return "\n".join(out) + "\n"

    def plot(self, path: str | os.PathLike) -> Path:
        """Draws bytes per token as a PNG: bars per group and tokenizer, or for a vocab-size sweep
        a line per group against vocab size. Needs matplotlib (pip install "hfbpe[plot]")."""
        from .charts import draw_report

        return draw_report(self, path)

    def __repr__(self) -> str:
        return (f"Report(tokenizers={self.tokenizers}, groups={self.groups}, "
                f"documents={self.stats().documents:,}, bytes={self.stats().bytes:,})")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("`", "'")
