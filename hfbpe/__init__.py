"""hfbpe: train GPT-style byte-level BPE tokenizers, fast, merge-for-merge identical to rustbpe."""

from ._core import PatternError
from .counting import count
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
from .training import train, train_from_counts
from .word_counts import WordCounts

__version__ = "0.1.0"

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
