"""Push a tokenizer to the Hugging Face Hub, then load it back with hfbpe and transformers.

    hf auth login                      # or export HF_TOKEN=hf_...
    python examples/push_to_hub.py your-username/my-tokenizer
    python examples/push_to_hub.py your-username/my-tokenizer --from nanochat-tokenizer --private

Without --from, a small tokenizer is trained first on the development corpus
beside this repository (or --data). The repo is created if it does not exist,
and every file of `save_pretrained` goes up in one commit. The Hub is the one
HF_ENDPOINT names (https://huggingface.co by default) and the token is the one
huggingface_hub finds (HF_TOKEN, or `hf auth login`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import datasets
from huggingface_hub import constants

import hfbpe

# The development corpus sits beside the repository: ../shared/corpus/dev.parquet from its root.
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev.parquet"
SAMPLE = "Hello, world! Tokenizers on the Hub load anywhere: 1234 €, 你好, <|endoftext|>"


class UserError(Exception):
    """A mistake in the arguments or the input: reported in one line, without a traceback."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", help="the model repo to push to, e.g. your-username/my-tokenizer")
    parser.add_argument("--private", action="store_true",
                        help="create the repo private (an existing repo keeps its visibility)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--from", dest="from_dir", type=Path, metavar="DIR",
                        help="push a tokenizer saved with save_pretrained instead of training one")
    source.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="a local .parquet file with a 'text' column to train on (default: %(default)s)")
    parser.add_argument("--vocab-size", type=int, default=4096,
                        help="vocabulary size of the tokenizer trained here (default: %(default)s)")
    parser.add_argument("--max-chars", type=int, default=20_000_000,
                        help="characters to train on, to keep this quick (default: %(default)s)")
    return parser.parse_args()


def get_tokenizer(args: argparse.Namespace) -> hfbpe.Tokenizer:
    if args.from_dir is not None:
        # from_pretrained takes anything that is not a folder for a Hub repo id: check first,
        # so a mistyped folder is reported as such rather than as a missing repo.
        if not args.from_dir.is_dir():
            raise UserError(f"{args.from_dir}: no such folder")
        return hfbpe.from_pretrained(args.from_dir)  # its special-token roles come along and are pushed too
    path = args.data.resolve()
    if not path.is_file():
        raise UserError(f"{path}: no such file (give a parquet file with --data, or a saved tokenizer with --from)")
    dataset = datasets.load_dataset("parquet", data_files=str(path), split="train")
    tokenizer = hfbpe.train(dataset, args.vocab_size, text_column="text", special_tokens=["<|endoftext|>"],
                            max_chars=args.max_chars)
    # Naming the role puts it in tokenizer_config.json, so AutoTokenizer's eos_token is set.
    tokenizer.special_token_roles = {"eos_token": "<|endoftext|>"}
    print(f"trained {tokenizer.n_vocab} tokens on {(tokenizer.training_summary or {})['bytes'] / 1e6:.1f} MB of {path.name}")
    return tokenizer


def run(args: argparse.Namespace) -> int:
    tokenizer = get_tokenizer(args)

    print(f"pushing to {constants.ENDPOINT}/{args.repo}")
    # private=None leaves the Hub's default (public) for a new repo; True asks for a private one.
    commit = tokenizer.push_to_hub(args.repo, private=True if args.private else None)
    print(f"commit: {commit.commit_url}")

    # Load it back the way a user of the repo would: from the Hub, through huggingface_hub's cache.
    loaded = hfbpe.from_pretrained(args.repo)
    ids = loaded.encode(SAMPLE, allowed_special="all")
    print(f"hfbpe.from_pretrained({args.repo!r}).encode -> {ids}")
    if ids != tokenizer.encode(SAMPLE, allowed_special="all"):
        raise UserError("the tokenizer loaded back from the Hub encodes differently from the one pushed")

    try:
        from transformers import AutoTokenizer  # optional: the push does not need it
    except ImportError:
        print("transformers is not installed: skipping AutoTokenizer.from_pretrained (pip install transformers)")
        return 0
    auto = AutoTokenizer.from_pretrained(args.repo)
    auto_ids = auto(SAMPLE, add_special_tokens=False)["input_ids"]
    print(f"AutoTokenizer.from_pretrained({args.repo!r}) -> {auto_ids}")
    if auto_ids != ids:
        raise UserError("transformers' AutoTokenizer gives other ids than hfbpe for the same repo")
    print("same ids from hfbpe and transformers")
    return 0


def main() -> int:
    args = parse_args()
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"{Path(sys.argv[0]).name}: interrupted", file=sys.stderr)
        return 130
    # A missing folder or file, no token or a wrong one (401), a repo of someone else's (403), an
    # unreachable Hub: one line saying what is wrong. huggingface_hub's HTTP errors are OSErrors.
    except (UserError, ValueError, TypeError, OSError, datasets.exceptions.DatasetsError) as error:
        message = " ".join(str(error).split()) or type(error).__name__  # one line, whatever the error's layout
        print(f"{Path(sys.argv[0]).name}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
