"""Tokenizer: a trained byte-level BPE vocabulary, with rustbpe's interface and tiktoken underneath."""

from __future__ import annotations

import operator
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import AbstractSet, Literal

import tiktoken

from .counting import count_texts
from .merging import TrainedMerges, learn_merges
from .patterns import resolve_pattern


class Tokenizer:
    """A byte-level BPE tokenizer: a split pattern, an ordered list of merges and special tokens.

    Ids 0-255 are the single bytes, id 256 + k is the bytes of merge k, and
    special tokens follow. Encoding and decoding go through tiktoken, whose
    result this class defines: `encode` returns exactly what
    `self.to_tiktoken().encode_ordinary` does.

    It can also hold any tiktoken rank table (`Tokenizer.from_ranks`, hfbpe.extend): ids in any
    order, with gaps, special tokens anywhere; `merges` is then not defined.

    It is also a drop-in for `rustbpe.Tokenizer`: `Tokenizer()`,
    `train_from_iterator`, `get_pattern`, `get_mergeable_ranks`, `vocab_size`,
    `encode`, `decode` and `batch_encode` behave as rustbpe's do.
    """

    def __init__(
        self,
        pattern: str | None = None,
        merges: Iterable[tuple[int, int]] = (),
        special_tokens: dict[str, int] | None = None,
    ) -> None:
        """
        pattern: the split regex, or a name in hfbpe.PATTERNS; None means "gpt4".
        merges: (left_id, right_id) pairs in merge order; merge k creates id 256 + k.
        special_tokens: special token text -> id; ids must not collide with ordinary tokens.
        """
        self._set(resolve_pattern(pattern), list(merges), dict(special_tokens or {}))
        # What hfbpe.train measured (documents, bytes, seconds, the data's description), or None.
        self.training_summary: dict | None = None
        # Which special token is bos/eos/pad/unk, as saved and loaded with the files (see save_pretrained).
        self.special_token_roles: dict[str, str] = {}
        # Settings for transformers carried over from a base tokenizer (hfbpe.train_new_from), saved
        # and loaded with the files: tokenizer_config.json keys (chat_template, model_max_length,
        # padding_side, ...) and "post_processor", a template of special tokens named by their text
        # (as TemplateProcessing has it: {"single": [...], "pair": [...]}, "$A"/"$B" for the texts).
        self.transformers_config: dict = {}

    @classmethod
    def _from_training(cls, pattern: str | None, trained: TrainedMerges, special_tokens: dict[str, int]) -> Tokenizer:
        """A tokenizer for what the merge loop learned (see _set_trained); pattern as for __init__."""
        tokenizer = cls()  # the byte tokens only, at once replaced
        tokenizer._set_trained(resolve_pattern(pattern), trained, special_tokens)
        return tokenizer

    def _set(self, pattern: str, merges: list[tuple[int, int]], special_tokens: dict[str, int]) -> None:
        # One tight pass: merges from a file or a caller are checked as the table grows.
        token_bytes = [bytes([b]) for b in range(256)]
        ranks = {b: i for i, b in enumerate(token_bytes)}
        checked = []
        n = 256
        for k, merge in enumerate(merges):
            try:
                left, right = merge
                left, right = operator.index(left), operator.index(right)
            except (TypeError, ValueError):
                raise TypeError(f"merge {k} must be a pair of ints, got {merge!r}") from None
            if not (0 <= left < n and 0 <= right < n):
                raise ValueError(f"merge {k} ({left}, {right}) refers to a token that does not exist yet")
            merged = token_bytes[left] + token_bytes[right]
            if merged in ranks:
                raise ValueError(f"merge {k} ({left}, {right}) gives {merged!r}, already token {ranks[merged]}")
            ranks[merged] = n
            token_bytes.append(merged)
            checked.append((left, right))
            n += 1
        self._install(pattern, checked, token_bytes, ranks, special_tokens)

    @classmethod
    def from_ranks(
        cls,
        pattern: str | None,
        mergeable_ranks: dict[bytes, int],
        special_tokens: dict[str, int] | None = None,
    ) -> Tokenizer:
        """A tokenizer over any tiktoken rank table: token bytes -> id (the rank tiktoken merges by,
        the lowest first), which must hold every single byte; ids need not start at 0 or be
        contiguous. pattern and special_tokens as for __init__."""
        if not isinstance(mergeable_ranks, dict):
            raise TypeError(f"mergeable_ranks must be a dict of bytes -> int, got {type(mergeable_ranks).__name__}")
        ids: dict[int, bytes] = {}
        for token, rank in mergeable_ranks.items():
            if not isinstance(token, bytes) or not token:
                raise TypeError(f"mergeable_ranks keys must be non-empty bytes, got {token!r}")
            if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
                raise ValueError(f"token {token!r} has rank {rank!r}; ranks are ints from 0")
            if rank in ids:
                raise ValueError(f"tokens {ids[rank]!r} and {token!r} share rank {rank}")
            ids[rank] = token
        missing = [b for b in range(256) if bytes([b]) not in mergeable_ranks]
        if missing:
            raise ValueError(f"mergeable_ranks lacks the single bytes {missing[:8]}{'...' if len(missing) > 8 else ''}: "
                             "every byte needs a token")
        token_bytes: list[bytes | None] = [None] * (max(ids) + 1)
        for rank, token in ids.items():
            token_bytes[rank] = token
        tokenizer = cls()
        tokenizer._install(resolve_pattern(pattern), None, token_bytes, dict(mergeable_ranks),
                           dict(special_tokens or {}))
        return tokenizer

    def _set_trained(self, pattern: str, trained: TrainedMerges, special_tokens: dict[str, int]) -> None:
        # The trainer's merges each make a new token (it fails otherwise), and
        # it hands over their bytes: nothing to check or concatenate here.
        token_bytes = [bytes([b]) for b in range(256)] + trained.token_bytes
        ranks = dict(zip(token_bytes, range(len(token_bytes))))
        self._install(pattern, trained.merges, token_bytes, ranks, special_tokens)

    def _install(
        self,
        pattern: str,
        merges: list[tuple[int, int]] | None,
        token_bytes: list[bytes | None],
        ranks: dict[bytes, int],
        special_tokens: dict[str, int],
    ) -> None:
        # merges is None for a rank table that is not 256 bytes + merges (token_bytes has None at
        # the ids that are no byte sequence).
        for text, token_id in special_tokens.items():
            if not isinstance(text, str) or not text:
                raise TypeError(f"special token names must be non-empty str, got {text!r}")
            if isinstance(token_id, bool) or not isinstance(token_id, int) or token_id < 0:
                raise ValueError(f"special token {text!r} has id {token_id!r}; ids are ints from 0")
            if token_id < len(token_bytes) and (merges is not None or token_bytes[token_id] is not None):
                raise ValueError(f"special token {text!r} has id {token_id!r}, which collides with an ordinary token")
        if len(set(special_tokens.values())) != len(special_tokens):
            raise ValueError("two special tokens share an id")
        self._pattern = pattern
        self._token_bytes = token_bytes
        self._merges = merges
        self._mergeable_ranks = ranks
        self._special_tokens = special_tokens
        self._encoding: tiktoken.Encoding | None = None
        # The merges tokenizer.json lists, as (left bytes, right bytes) in order, when they are
        # BpeTrainer's (compatible="tokenizers"); None lists every split of every token (hf_format).
        self._listed_merges: list[tuple[bytes, bytes]] | None = None

    # rustbpe's interface ------------------------------------------------------------

    def train_from_iterator(
        self,
        iterator: Iterable[str],
        vocab_size: int,
        buffer_size: int = 8192,
        pattern: str | None = None,
    ) -> None:
        """Trains on an iterable of str, replacing what this tokenizer held.

        vocab_size: 256 byte tokens plus the number of merges to learn (no special tokens).
        buffer_size: how many texts are counted per native batch.
        pattern: the split regex or a name in hfbpe.PATTERNS; None means "gpt4".
        """
        num_merges = _num_merges(vocab_size, reserved=0)
        regex = resolve_pattern(pattern)
        counts, count_summary = count_texts(iterator, pattern=regex, batch_size=buffer_size, show_progress=False)
        trained, merge_summary = learn_merges(
            counts, num_merges, show_progress=False, release_counts=True, num_threads=count_summary["num_threads"]
        )
        self._set_trained(regex, trained, {})
        self.special_token_roles = {}  # the special tokens they named are gone
        self.transformers_config = {}
        self.training_summary = {**count_summary, **merge_summary, "vocab_size": self.n_vocab}

    def get_pattern(self) -> str:
        return self._pattern

    def get_mergeable_ranks(self) -> list[tuple[bytes, int]]:
        """(token bytes, id) for every ordinary token, in id order."""
        return [(token, i) for i, token in enumerate(self._token_bytes) if token is not None]

    @property
    def vocab_size(self) -> int:
        """Number of ordinary tokens (256 bytes plus the merges); special tokens not included."""
        return len(self._mergeable_ranks)

    def encode(self, text: str, *, allowed_special: Literal["all"] | AbstractSet[str] = frozenset()) -> list[int]:
        """Token ids of `text`. Special token text is encoded as ordinary text unless listed in `allowed_special`."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if not allowed_special:
            return self.to_tiktoken().encode_ordinary(text)
        return self.to_tiktoken().encode(text, allowed_special=allowed_special, disallowed_special=())

    def decode(self, ids: Sequence[int], errors: str = "replace") -> str:
        """The text of `ids`; bytes that are not valid UTF-8 are handled as `errors` says (as in bytes.decode)."""
        return self.to_tiktoken().decode(list(ids), errors=errors)

    def batch_encode(self, texts: Sequence[str], *, num_threads: int = 8) -> list[list[int]]:
        """`encode` of every text, in parallel."""
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"item {i} of texts is {type(text).__name__}, expected str")
        return self.to_tiktoken().encode_ordinary_batch(texts, num_threads=num_threads)

    # Beyond rustbpe -----------------------------------------------------------------

    @property
    def pattern(self) -> str:
        """The split regex."""
        return self._pattern

    @property
    def merges(self) -> list[tuple[int, int]]:
        """(left_id, right_id) in merge order; merge k created id 256 + k. A tokenizer over another
        rank table (from_ranks, hfbpe.extend) has none: see `is_rank_table`."""
        if self._merges is None:
            raise ValueError("this tokenizer is a rank table whose ids are not 256 bytes followed by merges "
                             "(from_ranks or hfbpe.extend): it has no merge list; use mergeable_ranks")
        return list(self._merges)

    @property
    def is_rank_table(self) -> bool:
        """Whether the ids are an arbitrary rank table (from_ranks, hfbpe.extend) rather than the
        256 bytes followed by one token per merge."""
        return self._merges is None

    @property
    def listed_merges(self) -> list[tuple[bytes, bytes]] | None:
        """The merges tokenizer.json lists, as (left, right) token bytes in order: for a tokenizer
        trained with compatible="tokenizers", BpeTrainer's own, so that HF runtimes encode as
        BpeTrainer's tokenizer.json does. None: every split of every token into two, ordered so
        that HF runtimes encode exactly as `encode` (tiktoken) does (see hfbpe.hf_format)."""
        return None if self._listed_merges is None else list(self._listed_merges)

    @property
    def mergeable_ranks(self) -> dict[bytes, int]:
        """Token bytes -> id for every ordinary token, as tiktoken takes them."""
        return dict(self._mergeable_ranks)

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes of an ordinary token (special tokens have text, see `special_tokens`)."""
        if not 0 <= token_id < len(self._token_bytes) or self._token_bytes[token_id] is None:
            raise ValueError(f"{token_id} is not an ordinary token id (0 to {len(self._token_bytes) - 1})")
        return self._token_bytes[token_id]

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special token text -> id."""
        return dict(self._special_tokens)

    @property
    def n_vocab(self) -> int:
        """Number of ids, special tokens included."""
        return max([len(self._token_bytes) - 1, *self._special_tokens.values()]) + 1

    def token_byte_lengths(self) -> list[int]:
        """The number of bytes of every id, special tokens as 0: the denominator of bits per byte
        (nanochat's token_bytes). Counted on the raw token bytes, never on decoded text, where a
        partial UTF-8 sequence would become a 3-byte replacement character."""
        lengths = [0 if b is None else len(b) for b in self._token_bytes]
        lengths += [0] * (self.n_vocab - len(lengths))
        return lengths

    def truncated(self, vocab_size: int) -> Tokenizer:
        """The tokenizer that training at `vocab_size` would have given: the first merges, and the
        special tokens (counted in vocab_size, as in hfbpe.train) moved to follow them, in id order.
        One training at the largest size gives every smaller one (see hfbpe.sweep).

        A rank table (hfbpe.extend) keeps its ids below vocab_size instead, special tokens where
        they are: an extended tokenizer truncated is the extension by fewer tokens."""
        if self._merges is None:
            return self._truncated_ranks(vocab_size)
        specials = sorted(self._special_tokens, key=self._special_tokens.__getitem__)
        num_merges = _num_merges(vocab_size, reserved=len(specials))
        if num_merges > len(self._merges):
            raise ValueError(
                f"vocab_size {vocab_size} is larger than this tokenizer's {self.n_vocab} ids "
                f"({len(self._merges)} merges, {len(specials)} special tokens)"
            )
        token_bytes = self._token_bytes[: 256 + num_merges]
        ranks = dict(zip(token_bytes, range(len(token_bytes))))
        first_special = 256 + num_merges
        out = Tokenizer()
        out._install(self._pattern, self._merges[:num_merges], token_bytes, ranks,
                     {s: first_special + i for i, s in enumerate(specials)})
        out.special_token_roles = dict(self.special_token_roles)
        out.transformers_config = dict(self.transformers_config)
        if self.training_summary is not None:
            out.training_summary = {**self.training_summary, "vocab_size": out.n_vocab, "merges": num_merges,
                                    "truncated_from": self.n_vocab}
            if "merge_counts" in self.training_summary:
                out.training_summary["merge_counts"] = self.training_summary["merge_counts"][:num_merges]
        return out

    def _truncated_ranks(self, vocab_size: int) -> Tokenizer:
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
            raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
        if vocab_size > self.n_vocab:
            raise ValueError(f"vocab_size {vocab_size} is larger than this tokenizer's {self.n_vocab} ids")
        cut = [t for t, i in self._special_tokens.items() if i >= vocab_size]
        cut += [bytes([b]) for b in range(256) if self._mergeable_ranks[bytes([b])] >= vocab_size]
        if cut:
            raise ValueError(f"vocab_size {vocab_size} would drop {cut[0]!r}, whose id is "
                             f"{self._special_tokens.get(cut[0]) or self._mergeable_ranks.get(cut[0])}")
        ranks = {t: i for t, i in self._mergeable_ranks.items() if i < vocab_size}
        out = Tokenizer.from_ranks(self._pattern, ranks, self._special_tokens)
        if self._listed_merges is not None:
            # BpeTrainer's merges make their tokens in id order: the first ones are a smaller training's.
            out._listed_merges = [(left, right) for left, right in self._listed_merges if left + right in ranks]
        out.special_token_roles = dict(self.special_token_roles)
        out.transformers_config = dict(self.transformers_config)
        summary = self.training_summary
        if summary is not None:
            out.training_summary = {**summary, "vocab_size": out.n_vocab, "truncated_from": self.n_vocab}
            first_new = summary.get("first_new_id")
            if first_new is not None and "merge_counts" in summary:
                kept = max(0, out.n_vocab - first_new)
                out.training_summary["merge_counts"] = summary["merge_counts"][:kept]
                out.training_summary["merges"] = min(summary.get("merges", kept), kept)
        return out

    def evaluate(self, data, *, name: str = "hfbpe", **options):
        """hfbpe.evaluate of this tokenizer alone (named `name`); options as for hfbpe.evaluate."""
        from .evaluation import evaluate

        return evaluate({name: self}, data, **options)

    def to_tiktoken(self, name: str | None = None) -> tiktoken.Encoding:
        """A tiktoken Encoding with this vocabulary; `encode_ordinary` on it gives the ids of `encode`."""
        if name is None and self._encoding is not None:
            return self._encoding
        encoding = tiktoken.Encoding(
            name=name or "hfbpe",
            pat_str=self._pattern,
            mergeable_ranks=self._mergeable_ranks,
            special_tokens=self._special_tokens,
        )
        if name is None:
            self._encoding = encoding
        return encoding

    def to_tokenizers(self):
        """A 🤗 `tokenizers.Tokenizer` with the same ids as `encode` (special tokens always split off,
        as in tokenizers). Needs the `tokenizers` package."""
        import json

        from tokenizers import Tokenizer as HFTokenizer

        from .hf_format import tokenizer_json

        return HFTokenizer.from_str(json.dumps(tokenizer_json(
            self._pattern, self._mergeable_ranks, self._special_tokens, self.transformers_config.get("post_processor"),
            self._listed_merges)))

    def to_transformers(self, **roles: str | None):
        """A transformers `PreTrainedTokenizerFast` over `to_tokenizers()`; `roles` are bos_token,
        eos_token, pad_token, unk_token (default: this tokenizer's special_token_roles). Needs transformers."""
        from transformers import PreTrainedTokenizerFast

        chosen = self._roles(**roles)
        settings = {"clean_up_tokenization_spaces": False,
                    **{k: v for k, v in self.transformers_config.items() if k != "post_processor"}}
        return PreTrainedTokenizerFast(tokenizer_object=self.to_tokenizers(), **settings, **chosen)

    # Files and the Hub ---------------------------------------------------------------

    def save_pretrained(
        self,
        directory: str | os.PathLike,
        *,
        bos_token: str | None = None,
        eos_token: str | None = None,
        pad_token: str | None = None,
        unk_token: str | None = None,
        evaluation=None,
    ) -> Path:
        """Writes the tokenizer into `directory` for hfbpe, tiktoken, HF tokenizers and transformers.

        Files: tokenizer.json, tokenizer_config.json, special_tokens_map.json
        (transformers' AutoTokenizer), tokenizer.tiktoken (tiktoken's rank
        file), hfbpe.json and README.md (a model card). They are written to a
        temporary folder first: `directory` changes only once all of them exist, in one
        step (an existing folder is swapped with the staged one, its other files kept).
        bos_token, eos_token, pad_token, unk_token: which special token plays
        each role for transformers; None keeps what this tokenizer was loaded
        with (no role at all for a freshly trained one).
        evaluation: an hfbpe.Report (from evaluate or sweep) to show in the model card, with its
            figures as evaluation.json and its chart as evaluation.png (with matplotlib).
        """
        from . import hub

        roles = self._roles(bos_token=bos_token, eos_token=eos_token, pad_token=pad_token, unk_token=unk_token)
        return hub.save_pretrained(self, directory, roles, evaluation)

    def push_to_hub(
        self,
        repo_id: str,
        *,
        private: bool | None = None,
        token: str | None = None,
        revision: str | None = None,
        commit_message: str | None = None,
        create_pr: bool = False,
        bos_token: str | None = None,
        eos_token: str | None = None,
        pad_token: str | None = None,
        unk_token: str | None = None,
        evaluation=None,
    ):
        """Uploads the files of `save_pretrained` to the Hub model repo `repo_id` in one commit.

        The repo is created if it does not exist (`private` applies then).
        token: a Hub token; None uses the one huggingface_hub finds.
        revision: the branch to commit to (made from main if it does not exist);
            create_pr opens a pull request instead.
        evaluation: as for save_pretrained.
        Returns huggingface_hub's CommitInfo. Hub errors keep their type and name the repo;
        an unreachable Hub raises ConnectionError.
        """
        from . import hub

        roles = self._roles(bos_token=bos_token, eos_token=eos_token, pad_token=pad_token, unk_token=unk_token)
        return hub.push_to_hub(
            self,
            repo_id,
            roles,
            private=private,
            token=token,
            revision=revision,
            commit_message=commit_message,
            create_pr=create_pr,
            evaluation=evaluation,
        )

    def _roles(self, **given: str | None) -> dict[str, str]:
        from . import hub

        merged = {**self.special_token_roles, **{k: v for k, v in given.items() if v is not None}}
        return hub.check_roles(self, merged)

    def __repr__(self) -> str:
        return (
            f"Tokenizer(vocab_size={self.vocab_size}, special_tokens={len(self._special_tokens)}, "
            f"pattern={self._pattern[:40]!r}{'...' if len(self._pattern) > 40 else ''})"
        )


def _num_merges(vocab_size: int, reserved: int) -> int:
    """Merges to learn for `vocab_size` ids of which `reserved` go to special tokens."""
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
    if vocab_size < 256 + reserved:
        needed = "256 byte tokens" + (f" + {reserved} special tokens" if reserved else "")
        raise ValueError(f"vocab_size must be at least {256 + reserved} ({needed}), got {vocab_size}")
    return vocab_size - 256 - reserved
