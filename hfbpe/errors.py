"""hfbpe's own warning and error types (PatternError comes from the native core)."""

from ._core import PatternError


class TrainingWarning(UserWarning):
    """Training finished, but not as asked: too few pairs for the vocabulary, or rows skipped as unreadable."""


class EvaluationWarning(UserWarning):
    """An evaluation figure is not what the tokenizer itself would give (see the message)."""


__all__ = ["EvaluationWarning", "PatternError", "TrainingWarning"]
