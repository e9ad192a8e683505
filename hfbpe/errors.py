"""hfbpe's own warning and error types (PatternError comes from the native core)."""

from ._core import PatternError


class TrainingWarning(UserWarning):
    """Training finished, but not as asked: too few pairs for the vocabulary, or rows skipped as unreadable."""


__all__ = ["PatternError", "TrainingWarning"]
