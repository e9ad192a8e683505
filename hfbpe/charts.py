"""Charts as PNG files (matplotlib, the optional extra hfbpe[plot])."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ._files import write_atomically

if TYPE_CHECKING:
    from .report import Report


def _figure(width: float, height: float):
    """A figure of matplotlib's object API: pyplot (and the user's own figures and backend) untouched."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError('charts need matplotlib: pip install "hfbpe[plot]"') from None
    return Figure(figsize=(width, height))


def _save(fig, path: str | os.PathLike) -> Path:
    fig.tight_layout()
    write_atomically(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))
    return Path(path).expanduser()


def draw_report(report: Report, path: str | os.PathLike) -> Path:
    """Bytes per token: for a vocab-size sweep a line per group against vocab size, otherwise
    horizontal bars, one per tokenizer within each group (higher is better compression)."""
    rows = report.rows()
    groups = report.groups if report.group_by else ["all"]
    if report.vocab_sweep:
        fig = _figure(7.5, 4.5)
        ax = fig.subplots()
        for group in groups:
            mine = sorted((r for r in rows if r["group"] == group), key=lambda r: r["vocab_size"])
            ax.plot([r["vocab_size"] for r in mine], [r["bytes_per_token"] or 0 for r in mine], "o-", label=group,
                    linewidth=2.4 if group == "all" else 1.4)
        ax.set_xscale("log", base=2)
        sizes = sorted({r["vocab_size"] for r in rows})
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("vocabulary size (ids)")
        ax.set_ylabel("bytes per token (higher: fewer tokens)")
        ax.set_title("compression against vocabulary size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, title=report.group_by or None)
    else:
        names = report.tokenizers
        height = 0.8 / len(names)
        fig = _figure(7.5, 1.6 + 0.35 * len(groups) * len(names))
        ax = fig.subplots()
        for k, name in enumerate(names):
            values = [next(r["bytes_per_token"] or 0 for r in rows if r["tokenizer"] == name and r["group"] == g)
                      for g in groups]
            positions = [i + (k - (len(names) - 1) / 2) * height for i in range(len(groups))]
            bars = ax.barh(positions, values, height=height * 0.95, label=name)
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
        ax.set_yticks(range(len(groups)), groups)
        ax.invert_yaxis()
        ax.set_xlabel("bytes per token (higher: fewer tokens)")
        ax.set_title("compression" + (f" by {report.group_by}" if report.group_by else ""))
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(len(names), 4),
                  frameon=False)
    return _save(fig, path)


def draw_merge_counts(counts: list[int], path: str | os.PathLike) -> Path:
    """How often each merge's pair was seen when it was learned, against its rank (log-log)."""
    fig = _figure(7.5, 4)
    ax = fig.subplots()
    ax.loglog(range(1, len(counts) + 1), [max(c, 1) for c in counts], linewidth=1.4)
    ax.set_xlabel("merge rank")
    ax.set_ylabel("pair count when merged")
    ax.set_title("merge frequency")
    ax.grid(True, which="both", alpha=0.3)
    return _save(fig, path)
