"""The vocabulary as Hugging Face `tokenizers` JSON (tokenizer.json), encoding exactly as tiktoken does.

tiktoken merges, inside each piece, the adjacent pair whose concatenated
*bytes* have the lowest rank; HF's BPE model merges the adjacent pair whose
*pair* comes first in its `merges` list. With only the training merges the
two part ways whenever tiktoken reaches a token through a split that training
did not use ("a"+"bc" for a token trained as "ab"+"c"). So the list holds every
split of every token into two tokens, ordered by the rank of the token they
make: HF's lowest-ranked pair then makes tiktoken's lowest-ranked token.
The tests check the two agree on the development corpus and on adversarial text.
"""

from __future__ import annotations

from functools import lru_cache

from .patterns import split_keeping_gaps


@lru_cache(maxsize=1)
def byte_to_char() -> tuple[str, ...]:
    """GPT-2's byte-level alphabet: printable bytes stand for themselves, the others
    (controls, space, some Latin-1) are moved to code points from U+0100 on, so every
    byte becomes one visible character that HF's ByteLevel pre-tokenizer expects."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars: dict[int, str] = {b: chr(b) for b in printable}
    shifted = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + shifted)
            shifted += 1
    return tuple(chars[b] for b in range(256))


def as_byte_level(token: bytes) -> str:
    table = byte_to_char()
    return "".join(table[b] for b in token)


def all_merges(mergeable_ranks: dict[bytes, int]) -> list[tuple[bytes, bytes]]:
    """Every (left, right) pair of tokens whose concatenation is a token, by the rank of
    that token, then by the ranks of left and right.

    Among pairs that make the same token, tiktoken takes the leftmost and HF the
    one listed first; they could only choose differently if two different splits
    of one token were candidates in the same piece at once, which the tests (the
    whole development corpus, adversarial text, tiny alphabets) never meet."""
    merges: list[tuple[int, int, int, bytes, bytes]] = []
    for token, rank in mergeable_ranks.items():
        for cut in range(1, len(token)):
            left, right = token[:cut], token[cut:]
            left_rank = mergeable_ranks.get(left)
            right_rank = mergeable_ranks.get(right)
            if left_rank is not None and right_rank is not None:
                merges.append((rank, left_rank, right_rank, left, right))
    merges.sort()
    return [(left, right) for _, _, _, left, right in merges]


def template_processing(template: dict, special_tokens: dict[str, int]) -> dict:
    """HF's TemplateProcessing for `template` ({"single": [...], "pair": [...]}, items "$A", "$B"
    or a special token's text), with the ids the tokens have in `special_tokens`."""
    def items(sequence: list[str]) -> list[dict]:
        out = []
        for item in sequence:
            if item in ("$A", "$B"):
                out.append({"Sequence": {"id": item[1], "type_id": 0 if item == "$A" else 1}})
            elif item in special_tokens:
                out.append({"SpecialToken": {"id": item, "type_id": 0}})
            else:
                raise ValueError(f"the post-processor template names {item!r}, which is not a special token")
        return out

    used = {i for key in ("single", "pair") for i in template.get(key, []) if i not in ("$A", "$B")}
    return {
        "type": "TemplateProcessing",
        "single": items(template.get("single", ["$A"])),
        "pair": items(template.get("pair", ["$A", "$B"])),
        "special_tokens": {t: {"id": t, "ids": [special_tokens[t]], "tokens": [t]} for t in sorted(used)},
    }


def tokenizer_json(pattern: str, mergeable_ranks: dict[bytes, int], special_tokens: dict[str, int],
                   post_processor: dict | None = None, merges: list[tuple[bytes, bytes]] | None = None) -> dict:
    """The contents of tokenizer.json for this vocabulary (as a dict, ready for json.dump).
    post_processor: a template for template_processing (special tokens added around the text).
    merges: the merges to list, (left, right) token bytes in order (Tokenizer.listed_merges);
    None lists all_merges, with which HF encodes as tiktoken does.
    A pattern made by patterns.keeping_gaps(split) is written as the split itself: HF's Split
    (behavior Isolated) keeps the text between matches as pieces on its own.

    The special tokens are in the model's vocab too, at their ids (as in GPT-2's tokenizer.json):
    tokenizers gives an added token the id the model's vocab has for its text, and numbers the
    others after the model's vocab, which would move special tokens that sit below the largest
    ordinary id (first, or between a base's tokens and an extension's)."""
    vocab = {as_byte_level(token): rank for token, rank in mergeable_ranks.items()}
    for text, token_id in special_tokens.items():
        if vocab.setdefault(text, token_id) != token_id:
            raise ValueError(f"special token {text!r} (id {token_id}) has the text of ordinary token "
                             f"{vocab[text]}; tokenizer.json cannot hold both")
    vocab = dict(sorted(vocab.items(), key=lambda item: item[1]))
    listed = all_merges(mergeable_ranks) if merges is None else merges
    merges_json = [[as_byte_level(left), as_byte_level(right)] for left, right in listed]
    added_tokens = [
        {
            "id": token_id,
            "content": text,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for text, token_id in sorted(special_tokens.items(), key=lambda item: item[1])
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added_tokens,
        "normalizer": None,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": split_keeping_gaps(pattern) or pattern},
                 "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
            ],
        },
        "post_processor": _post_processor(post_processor, special_tokens),
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": merges_json,
        },
    }


def _post_processor(template: dict | None, special_tokens: dict[str, int]) -> dict:
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    if template is None:
        return byte_level
    return {"type": "Sequence", "processors": [byte_level, template_processing(template, special_tokens)]}
