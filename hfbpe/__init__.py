"""hfbpe: train GPT-style byte-level BPE tokenizers, fast, merge-for-merge identical to rustbpe."""

import importlib.metadata

from ._core import PatternError
from .errors import EvaluationWarning, TrainingWarning
from .evaluation import evaluate
from .extend import extend
from .hub import from_pretrained
from .patterns import PATTERNS
from .report import Report
from .retrain import train_new_from
from .superword import train_superword
from .sweep import sweep
from .tokenizer import Tokenizer
from .training import count, train, train_from_counts
from .word_counts import WordCounts

# One place for the version: pyproject.toml, read back from the installed package's metadata.
__version__ = importlib.metadata.version("hfbpe")

__all__ = [
    "PATTERNS",
    "EvaluationWarning",
    "PatternError",
    "Report",
    "Tokenizer",
    "TrainingWarning",
    "WordCounts",
    "count",
    "evaluate",
    "extend",
    "from_pretrained",
    "sweep",
    "train",
    "train_from_counts",
    "train_new_from",
    "train_superword",
    "__version__",
]
