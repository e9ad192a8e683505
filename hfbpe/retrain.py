"""Retraining a known tokenizer's shape on new data: `hfbpe.train_new_from`, transformers'
`train_new_from_iterator` done by hfbpe's counter and merge loop.

The shape is what a base tokenizer holds besides its merges: the split pattern, the special (and
added) tokens with their roles, and the settings transformers reads (chat template, maximum
length, padding and truncation sides, a post-processor that adds special tokens around the text).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .foreign import read_tokenizer
from .hub import CONFIG_FILE, HF_CONFIG_FILE, HF_TOKENIZER_FILE, ROLES, from_pretrained, hub_repo_id
from .tokenizer import Tokenizer
from .training import train, train_from_counts
from .word_counts import WordCounts

CHAT_TEMPLATE_FILE = "chat_template.jinja"  # beside tokenizer_config.json, since transformers 5

# tokenizer_config.json settings a retrained tokenizer keeps.
CARRIED_SETTINGS = ("chat_template", "model_max_length", "padding_side", "truncation_side",
                    "clean_up_tokenization_spaces", "add_bos_token", "add_eos_token", "model_input_names")


@dataclass
class Shape:
    """Everything of a base tokenizer that a retrained one keeps."""

    pattern: str
    special_tokens: list[str]  # in the base's id order
    roles: dict[str, str] = field(default_factory=dict)
    transformers_config: dict[str, Any] = field(default_factory=dict)


def train_new_from(base: Any, data: Any, vocab_size: int, **options: Any) -> Tokenizer:
    """A tokenizer of `base`'s shape with merges learned on `data`.

    base: an hfbpe Tokenizer, a folder or Hub repo id holding tokenizer.json (as transformers saves
        it, with tokenizer_config.json beside it) or hfbpe's files, a tokenizers.Tokenizer, a
        transformers PreTrainedTokenizerFast, or a tiktoken Encoding. Supported: byte-level BPE
        whose pre-tokenizer is ByteLevel(use_regex=True) (GPT-2's) or Split(Regex) followed by
        ByteLevel(use_regex=False) (Llama-3's, hfbpe's), and tiktoken encodings; anything else
        (a normalizer, Metaspace, WordPiece, Unigram, byte fallback) raises ValueError saying what.
    data: what hfbpe.train takes, or WordCounts counted with the base's pattern.
    vocab_size: the number of ids, special tokens included, as in hfbpe.train.
    options: hfbpe.train's (text_column, split, max_chars, num_threads, ...); with WordCounts,
        train_from_counts's (num_threads, show_progress).

    Kept: the split pattern; the special and added tokens (all as special tokens, taking the
    last ids in the base's order) and which of them is bos, eos, pad and unk; chat_template,
    model_max_length, padding and truncation side; a TemplateProcessing post-processor (such as
    Llama-3's BOS), with its tokens' new ids.
    """
    shape = read_shape(base)
    if "pattern" in options or "special_tokens" in options:
        raise TypeError("train_new_from takes the pattern and special tokens from the base; use hfbpe.train to choose")
    if isinstance(data, WordCounts):
        if data.pattern is not None and data.pattern != shape.pattern:
            raise ValueError("the counts were made with another split pattern than the base's; count with "
                             "hfbpe.count(data, pattern=<the base's pattern>)")
        tokenizer = train_from_counts(data, vocab_size, special_tokens=shape.special_tokens, **options)
    else:
        tokenizer = train(data, vocab_size, pattern=shape.pattern, special_tokens=shape.special_tokens, **options)
    tokenizer.special_token_roles = dict(shape.roles)
    tokenizer.transformers_config = dict(shape.transformers_config)
    if tokenizer.training_summary is not None:
        tokenizer.training_summary["retrained_from"] = _describe_base(base)
    return tokenizer


def read_shape(base: Any) -> Shape:
    """The shape of `base` (see train_new_from); ValueError for a tokenizer hfbpe cannot retrain."""
    if isinstance(base, Tokenizer):
        return Shape(base.pattern, sorted(base.special_tokens, key=base.special_tokens.__getitem__),
                     dict(base.special_token_roles), dict(base.transformers_config))
    if isinstance(base, (str, os.PathLike)):
        return _shape_of_location(base)
    kind = type(base)
    if kind.__module__.split(".")[0] == "transformers" and hasattr(base, "backend_tokenizer"):
        settings = dict(getattr(base, "init_kwargs", {}) or {})
        settings["chat_template"] = getattr(base, "chat_template", None)
        settings["model_max_length"] = getattr(base, "model_max_length", settings.get("model_max_length"))
        roles = {role: str(getattr(base, role)) for role in ROLES if getattr(base, role, None) is not None}
        return _shape_of_hf(json.loads(base.backend_tokenizer.to_str()), settings, roles, str(kind.__name__))
    if kind.__module__.split(".")[0] == "tokenizers" and kind.__name__ == "Tokenizer":
        return _shape_of_hf(json.loads(base.to_str()), {}, {}, "tokenizers.Tokenizer")
    bpe = read_tokenizer(base)  # tiktoken, or TypeError naming what it got
    return _shape_of_bpe(bpe, "tiktoken Encoding")


def _shape_of_location(location: str | os.PathLike) -> Shape:
    path = Path(location).expanduser()
    if path.is_dir() and (path / CONFIG_FILE).is_file():
        return read_shape(from_pretrained(path))
    if path.is_dir():
        tokenizer_file, config_file = path / HF_TOKENIZER_FILE, path / HF_CONFIG_FILE
        if not tokenizer_file.is_file():
            raise FileNotFoundError(f"{path} holds neither {CONFIG_FILE} nor {HF_TOKENIZER_FILE}")
    else:
        repo_id = hub_repo_id(location)
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError

        def optional(name: str) -> Path | None:
            try:
                return Path(hf_hub_download(repo_id, name))
            except EntryNotFoundError:
                return None

        tokenizer_file = Path(hf_hub_download(repo_id, HF_TOKENIZER_FILE))
        config_file = optional(HF_CONFIG_FILE)
        template_file = optional(CHAT_TEMPLATE_FILE)
    if path.is_dir():
        template_file = path / CHAT_TEMPLATE_FILE
    settings = json.loads(config_file.read_text(encoding="utf-8")) if config_file and config_file.is_file() else {}
    if template_file is not None and template_file.is_file() and not settings.get("chat_template"):
        settings["chat_template"] = template_file.read_text(encoding="utf-8")  # where transformers 5 saves it
    roles = {role: _token_text(settings[role]) for role in ROLES if settings.get(role) is not None}
    return _shape_of_hf(json.loads(tokenizer_file.read_text(encoding="utf-8")), settings, roles, str(location))


def _token_text(value: Any) -> str:
    """tokenizer_config.json writes a role as the token's text or as an AddedToken dict."""
    return value["content"] if isinstance(value, dict) else str(value)


def _shape_of_hf(config: dict, settings: dict, roles: dict[str, str], where: str) -> Shape:
    from tokenizers import Tokenizer as HFTokenizer

    bpe = read_tokenizer(HFTokenizer.from_str(json.dumps(config)), where)
    shape = _shape_of_bpe(bpe, where)
    carried = {k: settings[k] for k in CARRIED_SETTINGS if settings.get(k) is not None}
    if isinstance(carried.get("model_max_length"), (int, float)) and carried["model_max_length"] >= 1e29:
        del carried["model_max_length"]  # transformers' "no limit"
    template = _template(config.get("post_processor"))
    if template is not None:
        carried["post_processor"] = template
    shape.transformers_config = carried
    shape.roles = {role: text for role, text in roles.items() if text in shape.special_tokens}
    return shape


def _shape_of_bpe(bpe, where: str) -> Shape:
    if bpe.pattern is None:
        raise ValueError(f"cannot retrain {where}: {bpe.unsupported}; hfbpe retrains byte-level BPE "
                         "with a ByteLevel or Split + ByteLevel pre-tokenizer, or tiktoken encodings")
    names = bpe.special_names
    return Shape(bpe.pattern, sorted(names, key=names.__getitem__))


def _template(post: dict | None) -> dict | None:
    """A TemplateProcessing post-processor (alone or in a Sequence) as a template of token texts."""
    if post is None:
        return None
    if post.get("type") == "Sequence":
        found = [t for t in (_template(p) for p in post.get("processors") or []) if t is not None]
        return found[0] if found else None
    if post.get("type") != "TemplateProcessing":
        return None

    def texts(items: list[dict]) -> list[str]:
        out = []
        for item in items:
            if "Sequence" in item:
                out.append("$A" if item["Sequence"]["id"] == "A" else "$B")
            else:
                out.append(item["SpecialToken"]["id"])
        return out

    return {"single": texts(post.get("single") or []), "pair": texts(post.get("pair") or [])}


def _describe_base(base: Any) -> str:
    if isinstance(base, (str, os.PathLike)):
        return str(base)
    return getattr(base, "name_or_path", None) or getattr(base, "name", None) or type(base).__name__
