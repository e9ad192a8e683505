"""hfbpe: train GPT-style byte-level BPE tokenizers, fast, merge-for-merge identical to rustbpe."""

from ._core import PatternError, WordCounts
from .errors import TrainingWarning
from .hub import from_pretrained
from .patterns import PATTERNS
from .tokenizer import Tokenizer
from .training import train

__version__ = "0.1.0"

__all__ = [
    "PATTERNS",
    "PatternError",
    "Tokenizer",
    "TrainingWarning",
    "WordCounts",
    "from_pretrained",
    "train",
    "__version__",
]
