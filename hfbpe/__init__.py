"""hfbpe: train GPT-style byte-level BPE tokenizers, fast, merge-for-merge identical to rustbpe."""

from ._core import PatternError, WordCounts
from .patterns import PATTERNS
from .tokenizer import Tokenizer
from .training import train
from .errors import TrainingWarning

__version__ = "0.1.0"

__all__ = ["PATTERNS", "PatternError", "Tokenizer", "TrainingWarning", "WordCounts", "train", "__version__"]
