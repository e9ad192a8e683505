"""Turns what users train on into batches of str for the native counter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice


def text_batches(texts: Iterable[str], batch_size: int) -> Iterator[list]:
    """Yields lists of at most `batch_size` items from an iterable of str.

    Items are not checked here: the counter checks each one and names the
    culprit by its position, without a second pass in Python.
    """
    if texts is None:
        raise TypeError("texts must be an iterable of str, got None")
    if isinstance(texts, (str, bytes, bytearray)):
        raise TypeError(
            f"texts must be an iterable of str, got a single {type(texts).__name__}; wrap it in a list: [text]"
        )
    try:
        iterator = iter(texts)
    except TypeError:
        raise TypeError(f"texts must be an iterable of str, got {type(texts).__name__}") from None
    while True:
        batch = list(islice(iterator, batch_size))
        if not batch:
            return
        yield batch
