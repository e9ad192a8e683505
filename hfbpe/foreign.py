"""Tokenizers of other libraries read as hfbpe sees a byte-level BPE: a split pattern, the token of
each byte and merge rules, plus the tokenizer's own encoding of whole texts.

Accepted: an hfbpe `Tokenizer`, a `tiktoken.Encoding`, a `tokenizers.Tokenizer`, a transformers
`PreTrainedTokenizerFast`, or a folder or Hub repo id holding hfbpe's files or a `tokenizer.json`.
A tokenizer.json is read as a byte-level BPE of the shape hfbpe writes when its pre-tokenizer is
`ByteLevel(use_regex=True)` (GPT-2's regex) or `Sequence[Split(Regex, Isolated), ByteLevel(use_regex=False)]`
(Llama-3, hfbpe), its model is BPE without dropout, word prefixes/suffixes or byte fallback,
and it has no normalizer (Qwen2's NFC normalizer rules it out). Anything else can still be encoded text by text (`pattern` is None then),
with `unsupported` saying why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .hf_format import byte_to_char
from .hub import CONFIG_FILE, HF_TOKENIZER_FILE, from_pretrained, hub_repo_id
from .hub_calls import download
from .patterns import GPT2, SUPERWORD, keeping_gaps
from .tokenizer import Tokenizer

# (left, right, result, priority) per rule, the lowest priority applied first (see _core.PieceEncoder).
Rules = np.ndarray


@dataclass
class ByteLevelBPE:
    """A tokenizer as evaluation (and retraining) reads it."""

    name: str
    # The split regex whose pieces the tokenizer encodes one by one; None when it does not
    # work that way (see `unsupported`) and texts must be encoded whole with `encode_texts`.
    pattern: str | None
    # Every id's bytes; None for ids that are not byte sequences BPE can produce (special tokens).
    token_bytes: list[bytes | None]
    # Token text -> id of the tokens that the tokenizer's own encode finds in raw text before splitting
    # it (HF's added tokens); empty for tiktoken and hfbpe, whose ordinary encoding ignores them.
    added_tokens: dict[str, int]
    special_ids: set[int]
    # The tokenizer's own ids of whole texts (the exact reference), batched.
    encode_texts: Callable[[list[str]], list[list[int]]]
    # HF's merge order (when not from_ranks): the token of each byte and the rules.
    byte_ids: list[int] | None = None
    rules: Rules | None = None
    whole_tokens: list[tuple[bytes, int]] = field(default_factory=list)
    unsupported: str | None = None  # why `pattern` is None
    # tiktoken's merge order (lowest-ranked token first, every token whole) instead of `rules`.
    from_ranks: bool = False
    # HF's Split keeps the text between the pattern's matches as pieces; tiktoken drops it.
    keeps_unmatched: bool = False
    # Text -> id of the tokens outside the byte-level vocabulary: tiktoken's and hfbpe's special
    # tokens, HF's added tokens (special or not).
    special_names: dict[str, int] = field(default_factory=dict)

    @property
    def n_vocab(self) -> int:
        return len(self.token_bytes)

    def piece_encoder(self):
        """A native encoder of pieces (bytes) for this tokenizer; needs `pattern`."""
        from . import _core

        if self.pattern is None:
            raise ValueError(f"{self.name} cannot be encoded piece by piece: {self.unsupported}")
        if self.from_ranks:
            return _core.PieceEncoder.from_ranks(self.token_bytes)
        return _core.PieceEncoder(
            np.asarray(self.byte_ids, dtype=np.uint32).tobytes(),
            np.ascontiguousarray(self.rules, dtype=np.uint32).tobytes(),
            list(self.whole_tokens),
            self.n_vocab,
        )


def read_tokenizer(tokenizer: Any, name: str | None = None) -> ByteLevelBPE:
    """`tokenizer` (see the module's docstring) as a ByteLevelBPE named `name` (default: a name of its own)."""
    if isinstance(tokenizer, ByteLevelBPE):
        return tokenizer
    if isinstance(tokenizer, Tokenizer):
        return _from_ranks(name or "hfbpe", tokenizer.pattern, tokenizer.mergeable_ranks, tokenizer.special_tokens,
                           lambda texts: tokenizer.batch_encode(texts))
    if isinstance(tokenizer, (str, os.PathLike)):
        return _from_location(tokenizer, name)
    kind = type(tokenizer)
    module = kind.__module__.split(".")[0]
    if module == "tiktoken" and kind.__name__ == "Encoding":
        return _from_ranks(name or tokenizer.name, tokenizer._pat_str, tokenizer._mergeable_ranks,
                           tokenizer._special_tokens, lambda texts: tokenizer.encode_ordinary_batch(texts))
    if module == "tokenizers" and kind.__name__ == "Tokenizer":
        return _from_hf(tokenizer, name or "tokenizers")
    if module == "transformers" and hasattr(tokenizer, "backend_tokenizer"):
        return _from_hf(tokenizer.backend_tokenizer, name or getattr(tokenizer, "name_or_path", "") or "transformers")
    raise TypeError(
        f"cannot read a tokenizer from {kind.__name__}: expected an hfbpe Tokenizer, a tiktoken Encoding, "
        "a tokenizers.Tokenizer, a transformers PreTrainedTokenizerFast, or a folder or Hub repo id"
    )


def _from_location(location: str | os.PathLike, name: str | None) -> ByteLevelBPE:
    path = Path(location).expanduser()
    label = name or str(location)
    if path.is_dir():
        if (path / CONFIG_FILE).is_file():
            return read_tokenizer(from_pretrained(path), label)
        if (path / HF_TOKENIZER_FILE).is_file():
            return _from_hf_file(path / HF_TOKENIZER_FILE, label)
        raise FileNotFoundError(f"{path} holds neither {CONFIG_FILE} nor {HF_TOKENIZER_FILE}")
    if path.is_file() and path.name.endswith(".json"):
        return _from_hf_file(path, label)
    return _from_hf_file(Path(download(hub_repo_id(location), HF_TOKENIZER_FILE)), label)


def _from_hf_file(path: Path, name: str) -> ByteLevelBPE:
    from tokenizers import Tokenizer as HFTokenizer

    return _from_hf(HFTokenizer.from_file(str(path)), name)


# tiktoken's ranks ----------------------------------------------------------------------------


def _from_ranks(name: str, pattern: str, ranks: dict[bytes, int], specials: dict[str, int],
                encode_texts: Callable[[list[str]], list[list[int]]]) -> ByteLevelBPE:
    """tiktoken merges the adjacent pair whose concatenation has the lowest rank: a rule for
    every split of every token into two tokens, with the rank of the token as priority."""
    n_vocab = max([*ranks.values(), *specials.values()]) + 1
    token_bytes: list[bytes | None] = [None] * n_vocab
    for token, rank in ranks.items():
        token_bytes[rank] = token
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    # The rules (every split of every token, natively: see _core.PieceEncoder.from_ranks) are made
    # when an encoder is asked for; tiktoken takes a piece that is a token whole before merging.
    bpe = ByteLevelBPE(name, pattern, token_bytes, {}, set(specials.values()), encode_texts, from_ranks=True)
    bpe.special_names = dict(specials)
    reason = _pattern_problem(pattern) or (f"bytes without a token: {missing[:8]}" if missing else None)
    if reason is not None:
        bpe.pattern, bpe.unsupported = None, reason
    return bpe


def _pattern_problem(pattern: str) -> str | None:
    """Why hfbpe's counter cannot split text with `pattern`, or None."""
    from . import _core

    try:
        _core.Pretokenizer(pattern)
    except ValueError as error:  # PatternError
        return f"hfbpe cannot compile its pattern: {error}"
    return None


# HF tokenizers ---------------------------------------------------------------------------------


def _from_hf(tokenizer: Any, name: str) -> ByteLevelBPE:
    config = json.loads(tokenizer.to_str())
    # A copy without the truncation and padding a tokenizer.json may carry: every token counts.
    tokenizer = type(tokenizer).from_str(tokenizer.to_str())
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def encode_texts(texts: list[str]) -> list[list[int]]:
        return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]

    model = config.get("model") or {}
    added = {t["content"]: t["id"] for t in config.get("added_tokens") or []}
    specials = {t["id"] for t in config.get("added_tokens") or [] if t.get("special")}
    vocab: dict[str, int] = model.get("vocab") or {}
    n_vocab = max([*vocab.values(), *added.values(), -1]) + 1
    char_to_byte = {c: b for b, c in enumerate(byte_to_char())}
    token_bytes: list[bytes | None] = [None] * n_vocab
    for text, token_id in vocab.items():
        if all(c in char_to_byte for c in text):
            token_bytes[token_id] = bytes(char_to_byte[c] for c in text)
    for text, token_id in added.items():
        if token_id not in specials and token_bytes[token_id] is None:
            token_bytes[token_id] = text.encode("utf-8")
    bpe = ByteLevelBPE(name, None, token_bytes, added, specials, encode_texts, keeps_unmatched=True,
                       special_names=dict(added))
    reason = _unsupported_hf(config)
    if reason is None:
        pattern = _hf_pattern(config.get("pre_tokenizer"))
        if pattern is None:
            reason = f"pre-tokenizer {_describe(config.get('pre_tokenizer'))}"
        else:
            reason = _pattern_problem(pattern)
    if reason is None:
        byte_ids = [vocab.get(c) for c in byte_to_char()]
        if None in byte_ids:
            reason = "not every byte has a token"
    if reason is not None:
        bpe.unsupported = reason
        return bpe
    rules = []
    for priority, merge in enumerate(model.get("merges") or []):
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        ids = vocab.get(left), vocab.get(right), vocab.get(left + right)
        if None not in ids:
            rules.append((*ids, priority))
    bpe.pattern = pattern
    bpe.byte_ids = byte_ids
    bpe.rules = np.array(rules, dtype=np.uint32).reshape(-1, 4)
    if model.get("ignore_merges"):
        bpe.whole_tokens = [(token_bytes[i], i) for i in vocab.values() if token_bytes[i] is not None]
    return bpe


def _unsupported_hf(config: dict) -> str | None:
    model = config.get("model") or {}
    if model.get("type") != "BPE":
        return f"model {model.get('type')}, not BPE"
    if config.get("normalizer") is not None:
        return f"normalizer {_describe(config['normalizer'])}"
    if model.get("dropout") not in (None, 0, 0.0):
        return f"BPE with dropout={model.get('dropout')!r}"
    for key in ("continuing_subword_prefix", "end_of_word_suffix"):
        if model.get(key) not in (None, ""):
            return f"BPE with {key}={model.get(key)!r}"
    if model.get("byte_fallback"):
        return "BPE with byte_fallback"
    return None


def _hf_pattern(pre: dict | None) -> str | None:
    """The split regex of a byte-level pre-tokenizer of a supported shape, else None."""
    if pre is None:
        return None
    if pre.get("type") == "ByteLevel":
        if pre.get("use_regex", True) and not pre.get("add_prefix_space", False):
            return GPT2
        return None
    if pre.get("type") == "Sequence":
        steps = pre.get("pretokenizers") or []
        if len(steps) != 2:
            return None
        split, byte_level = steps
        regex = (split.get("pattern") or {}).get("Regex") if split.get("type") == "Split" else None
        if (
            regex is not None
            and split.get("behavior") == "Isolated"
            and not split.get("invert", False)
            and byte_level.get("type") == "ByteLevel"
            and not byte_level.get("use_regex", True)
            and not byte_level.get("add_prefix_space", False)
        ):
            # A Split keeps the text between matches; tiktoken's findall needs it matched. The
            # named patterns leave no such text; the superword split does (hfbpe writes it so).
            return keeping_gaps(regex) if regex == SUPERWORD else regex
    return None


def _describe(step: dict | None) -> str:
    if step is None:
        return "None"
    if step.get("type") == "Sequence":
        inner = step.get("pretokenizers") or step.get("normalizers") or []
        return "Sequence[" + ", ".join(_describe(s) for s in inner) + "]"
    options = {k: v for k, v in step.items() if k != "type" and not isinstance(v, (dict, list))}
    return f"{step.get('type')}({', '.join(f'{k}={v!r}' for k, v in options.items())})"

