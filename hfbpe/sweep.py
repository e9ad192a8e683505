"""A vocab-size sweep from one training: train at the largest size, cut the tokenizer down to each
smaller one (`Tokenizer.truncated`, which equals training at that size) and evaluate each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .evaluation import evaluate
from .report import Report
from .tokenizer import Tokenizer
from .training import train

# Documents held apart for evaluation when no eval_data is given: this share of a Dataset's rows
# (its last ones), or this many documents at the start of a stream.
HELD_OUT_SHARE = 0.05
HELD_OUT_STREAM_DOCS = 2000


def sweep(
    data: Any,
    sizes: Sequence[int],
    *,
    eval_data: Any = None,
    text_column: str | None = None,
    split: str | None = None,
    eval_split: str | None = None,
    group_by: str | None = None,
    pattern: str = "gpt4",
    special_tokens: Sequence[str] = (),
    num_threads: int | None = None,
    show_progress: bool | None = None,
    **train_options: Any,
) -> tuple[Tokenizer, Report]:
    """Trains once at max(sizes) and evaluates the tokenizer cut to every size.

    data, text_column, split, pattern, special_tokens and train_options: as for hfbpe.train.
    sizes: vocabulary sizes (ids, special tokens included), such as [4096, 8192, 16384, 32768].
    eval_data: the text to evaluate on (eval_split picks its split); None holds documents apart
        from `data`: the last 5 % of a Dataset's rows, or the first 2,000 documents of a stream
        (those are then not trained on).
    group_by: a column of the evaluation data to report per value (a "source", a "language").

    Returns the tokenizer at the largest size and the Report, its tokenizers named by size.
    """
    sizes = sorted({_check_size(s) for s in sizes})
    if not sizes:
        raise ValueError("sizes is empty: give the vocabulary sizes to compare")
    if eval_data is None:
        data, eval_data = _hold_apart(data, split)
        split = eval_split = None
    largest = train(data, sizes[-1], text_column=text_column, split=split, pattern=pattern,
                    special_tokens=special_tokens, num_threads=num_threads, show_progress=show_progress,
                    **train_options)
    # Training that ran out of pairs stopped short: sizes beyond it are the largest tokenizer,
    # named by what it holds (train has warned).
    cut = {str(size): largest.truncated(size) for size in sizes if size < largest.n_vocab}
    cut[str(largest.n_vocab)] = largest
    report = evaluate(cut, eval_data, text_column=text_column, split=eval_split, group_by=group_by,
                      num_threads=num_threads, show_progress=show_progress)
    report.vocab_sweep = True
    return largest, report


def _check_size(size: Any) -> int:
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"vocabulary sizes must be int, got {size!r}")
    if size < 257:
        raise ValueError(f"a vocabulary size must be above 256 (the byte tokens), got {size}")
    return size


def _hold_apart(data: Any, split: str | None) -> tuple[Any, Any]:
    import datasets

    if isinstance(data, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        if split is None:
            raise ValueError(f"this {type(data).__name__} has splits {list(data)}; choose one with split=")
        data = data[split]
    if isinstance(data, datasets.Dataset):
        held = max(1, int(len(data) * HELD_OUT_SHARE))
        if len(data) < 2:
            raise ValueError("the dataset has fewer than 2 rows: nothing to hold apart; give eval_data")
        return data.select(range(len(data) - held)), data.select(range(len(data) - held, len(data)))
    if isinstance(data, datasets.IterableDataset):
        return data.skip(HELD_OUT_STREAM_DOCS), data.take(HELD_OUT_STREAM_DOCS)
    raise TypeError(
        f"cannot hold documents apart from a {type(data).__name__}: give eval_data "
        "(or pass a datasets Dataset or IterableDataset)"
    )
