"""compatible="tokenizers": the merges, ids and tokenizer.json of HF tokenizers' BpeTrainer.

BpeTrainer runs the same merge loop as rustbpe (the most frequent pair, counted over the
distinct pieces) and differs in four rules, which this module and the native trainer's
`byte_order` reproduce (docs/guides/tokenizers.md):

- ids: the special tokens first, in the order given; then its alphabet, the bytes it has
  seen (plus `initial_alphabet`), ordered by the code point of their byte-level character
  (GPT-2's table, hf_format.byte_to_char); then one id per merge;
- among equal counts, the pair with the smallest (left id, right id) in those ids;
- vocab_size counts exactly those ids: merges = vocab_size - special tokens - alphabet;
- max_token_length=n allows a token of fewer than n characters (bytes, in a byte-level
  BPE), and every 2-byte token: it never counts a longer pair, while the pairs of single
  bytes are counted before the limit applies.

tokenizer.json then lists BpeTrainer's merges, in its order, and nothing else.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import lru_cache

from .errors import TrainingWarning
from .hf_format import byte_to_char
from .merging import TrainedMerges
from .tokenizer import Tokenizer

MODES = ("rustbpe", "tokenizers")


def check_mode(compatible: str) -> bool:
    """Whether `compatible` asks for BpeTrainer's rules."""
    if compatible not in MODES:
        raise ValueError(f"compatible must be one of {MODES}, got {compatible!r}")
    return compatible == "tokenizers"


@lru_cache(maxsize=1)
def byte_order() -> bytes:
    """The 256 bytes in BpeTrainer's alphabet order: by the code point of their byte-level character."""
    chars = byte_to_char()
    return bytes(sorted(range(256), key=lambda b: chars[b]))


def check_special_tokens(specials: list[str]) -> None:
    """BpeTrainer gives a special token that is also one character of the alphabet the
    special token's id in the words, and shifts the alphabet: refused rather than reproduced."""
    chars = set(byte_to_char())
    for text in specials:
        if len(text) == 1 and text in chars:
            raise ValueError(f"special token {text!r} is a character of the byte-level alphabet: BpeTrainer would "
                             "use it as that character too, which compatible='tokenizers' does not reproduce")


def initial_bytes(initial_alphabet: Iterable[str]) -> set[int]:
    """The bytes of `initial_alphabet`, characters of GPT-2's byte-level alphabet (as
    tokenizers.pre_tokenizers.ByteLevel.alphabet() gives them). Like BpeTrainer, a longer
    string stands for its first character."""
    if isinstance(initial_alphabet, str):
        raise TypeError("initial_alphabet must be a sequence of characters, got a single str; "
                        "wrap it in a list (or list(...) its characters)")
    byte_of = {c: b for b, c in enumerate(byte_to_char())}
    out = set()
    for i, item in enumerate(initial_alphabet):
        if not isinstance(item, str) or not item:
            raise TypeError(f"initial_alphabet[{i}] must be a non-empty str, got {item!r}")
        if item[0] not in byte_of:
            raise ValueError(f"initial_alphabet[{i}] is {item[0]!r}, which is not one of the 256 characters of a "
                             "byte-level alphabet (tokenizers.pre_tokenizers.ByteLevel.alphabet())")
        out.add(byte_of[item[0]])
    return out


def max_token_bytes(max_token_length: int | None) -> int | None:
    """The longest token (in bytes) BpeTrainer's max_token_length allows: see the module's notes."""
    if max_token_length is None:
        return None
    # BpeTrainer takes 0 too, which allows what 1 and 2 allow: the 2-byte tokens.
    if isinstance(max_token_length, bool) or not isinstance(max_token_length, int) or max_token_length < 0:
        raise ValueError(f"max_token_length must be a non-negative int or None, got {max_token_length!r}")
    return max(max_token_length - 1, 2)


def num_merges(vocab_size: int, specials: int, alphabet: int) -> int:
    """Merges BpeTrainer learns for vocab_size ids: none when the special tokens and the alphabet fill it."""
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
    if vocab_size < 0:
        raise ValueError(f"vocab_size must be a non-negative int, got {vocab_size!r}")
    return max(0, vocab_size - specials - alphabet)


def to_tokenizer(pattern: str, trained: TrainedMerges, specials: list[str], alphabet: set[int],
                 stacklevel: int = 4) -> Tokenizer:
    """The Tokenizer of a training with byte_order(): BpeTrainer's ids, and its merges for tokenizer.json.

    Bytes outside the alphabet (never seen, not in initial_alphabet) have no id in BpeTrainer's
    vocabulary, whose tokenizer.json then drops them from any text it encodes. hfbpe drops no
    text: they get the ids after BpeTrainer's, with a TrainingWarning."""
    if trained.skipped:
        left, right, _ = trained.skipped[0]
        raise RuntimeError(
            f"internal error: compatible='tokenizers' met a merge ({left}, {right}) that recreates an existing "
            "token; BpeTrainer would merge it into that token's id, which hfbpe does not reproduce")
    order = byte_order()
    token_of = [bytes([b]) for b in order] + trained.token_bytes  # the trainer's ids
    ranks: dict[bytes, int] = {}
    special_ids = {text: i for i, text in enumerate(specials)}
    for b in order:
        if b in alphabet:
            ranks[bytes([b])] = len(specials) + len(ranks)
    for token in trained.token_bytes:
        ranks[token] = len(specials) + len(ranks)
    missing = [b for b in order if b not in alphabet]
    for b in missing:
        ranks[bytes([b])] = len(specials) + len(ranks)
    if missing:
        first = len(specials) + len(ranks) - len(missing)
        warnings.warn(
            f"{len(missing)} bytes never occur in the data and are not in initial_alphabet: BpeTrainer's "
            f"vocabulary has no token for them (its tokenizer.json silently drops them). hfbpe gives them ids "
            f"{first} to {first + len(missing) - 1}, after BpeTrainer's; pass "
            "initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet() for a vocabulary with every byte",
            TrainingWarning, stacklevel=stacklevel)
    for text in specials:
        token = _bytes_of(text)
        if token is not None and token in ranks:
            # BpeTrainer would have given this merge the special token's id (and learned one more).
            raise ValueError(f"special token {text!r} is also the byte-level text of the learned token "
                             f"{ranks[token]}: BpeTrainer would merge into the special token's id, which "
                             "compatible='tokenizers' does not reproduce; rename the special token")
    tokenizer = Tokenizer.from_ranks(pattern, ranks, special_ids)
    tokenizer._listed_merges = [(token_of[left], token_of[right]) for left, right in trained.merges]
    return tokenizer


def _bytes_of(text: str) -> bytes | None:
    """The bytes whose byte-level characters are `text`, or None if it is not made of them."""
    byte_of = {c: b for b, c in enumerate(byte_to_char())}
    if not all(c in byte_of for c in text):
        return None
    return bytes(byte_of[c] for c in text)
