"""Saving, loading and pushing tokenizers: a folder (or Hub repo) that hfbpe, tiktoken,
HF tokenizers and transformers all load to the same ids."""

from __future__ import annotations

import base64
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._files import exchange, fsync_directory, link_tree, make_public
from .hf_format import tokenizer_json
from .hub_calls import download, naming_the_repo, retrying, timeouts
from .model_card import EVALUATION_CHART, EVALUATION_FILE, MERGES_CHART, evaluation_section, merges_section, model_card
from .tokenizer import Tokenizer

if TYPE_CHECKING:
    from .report import Report

CONFIG_FILE = "hfbpe.json"  # what hfbpe.from_pretrained reads
TIKTOKEN_FILE = "tokenizer.tiktoken"  # base64 token + rank lines, for tiktoken.load.load_tiktoken_bpe
HF_TOKENIZER_FILE = "tokenizer.json"
HF_CONFIG_FILE = "tokenizer_config.json"
HF_SPECIAL_TOKENS_FILE = "special_tokens_map.json"
CARD_FILE = "README.md"
FILES = (CONFIG_FILE, TIKTOKEN_FILE, HF_TOKENIZER_FILE, HF_CONFIG_FILE, HF_SPECIAL_TOKENS_FILE, CARD_FILE)

ROLES = ("bos_token", "eos_token", "pad_token", "unk_token")
FORMAT_VERSION = 1


def check_roles(tokenizer: Tokenizer, roles: dict[str, str | None]) -> dict[str, str]:
    """The special-token roles that are set, each checked to name one of the tokenizer's special tokens."""
    out = {}
    for role, text in roles.items():
        if text is None:
            continue
        if not isinstance(text, str):
            raise TypeError(f"{role} must be a str naming a special token, got {type(text).__name__}")
        if text not in tokenizer.special_tokens:
            raise ValueError(f"{role}={text!r} is not one of the special tokens {sorted(tokenizer.special_tokens)}")
        out[role] = text
    return out


def _vocabulary(tokenizer: Tokenizer) -> dict[str, list]:
    """hfbpe.json's vocabulary: the merges, or for a rank table (hfbpe.extend) the base64 bytes of
    every id, null where an id is no byte sequence."""
    if not tokenizer.is_rank_table:
        return {"merges": [list(m) for m in tokenizer.merges]}
    ranks = tokenizer.mergeable_ranks
    by_id: list[str | None] = [None] * (max(ranks.values()) + 1)
    for token, i in ranks.items():
        by_id[i] = base64.b64encode(token).decode("ascii")
    out: dict[str, list] = {"ranks": by_id}
    if tokenizer.listed_merges is not None:  # BpeTrainer's merges (compatible="tokenizers")
        out["listed_merges"] = [[base64.b64encode(side).decode("ascii") for side in merge]
                                for merge in tokenizer.listed_merges]
    return out


def render_files(tokenizer: Tokenizer, roles: dict[str, str], repo_id: str | None = None,
                 evaluation: Report | None = None) -> dict[str, bytes]:
    """The contents of every file of a saved tokenizer (with `evaluation`, its JSON and chart
    too: the chart when matplotlib is installed)."""
    from . import __version__

    ranks = tokenizer.mergeable_ranks
    specials = tokenizer.special_tokens
    summary = tokenizer.training_summary or {}
    config = {
        "format_version": FORMAT_VERSION,
        "hfbpe_version": __version__,
        "pattern": tokenizer.pattern,
        "vocab_size": tokenizer.n_vocab,
        "special_tokens": specials,
        "special_token_roles": roles,
        "transformers_config": _jsonable(tokenizer.transformers_config),
        **_vocabulary(tokenizer),
        "training": _jsonable(summary),
    }
    tiktoken_lines = b"".join(base64.b64encode(token) + b" %d\n" % rank for token, rank in ranks.items())
    added_tokens_decoder = {
        str(token_id): {
            "content": text,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for text, token_id in sorted(specials.items(), key=lambda item: item[1])
    }
    hf_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": added_tokens_decoder,
        "clean_up_tokenization_spaces": False,
        "model_max_length": int(1e30),
        **{k: v for k, v in tokenizer.transformers_config.items() if k != "post_processor"},
        **{role: roles.get(role) for role in ROLES},
    }
    extra: dict[str, bytes] = {}
    sections = []
    if evaluation is not None:
        extra[EVALUATION_FILE] = _json_bytes(evaluation.to_dict())
        chart = _chart_bytes(lambda path: evaluation.plot(path))
        if chart is not None:
            extra[EVALUATION_CHART] = chart
        sections.append(evaluation_section(evaluation, chart is not None))
    if summary.get("merge_counts"):
        from .charts import draw_merge_counts

        chart = _chart_bytes(lambda path: draw_merge_counts(summary["merge_counts"], path))
        if chart is not None:
            extra[MERGES_CHART] = chart
            sections.append(merges_section())
    return {
        CONFIG_FILE: _json_bytes(config),
        TIKTOKEN_FILE: tiktoken_lines,
        HF_TOKENIZER_FILE: _json_bytes(tokenizer_json(tokenizer.pattern, ranks, specials,
                                                      tokenizer.transformers_config.get("post_processor"),
                                                      tokenizer.listed_merges)),
        HF_CONFIG_FILE: _json_bytes(hf_config),
        HF_SPECIAL_TOKENS_FILE: _json_bytes(roles),
        CARD_FILE: model_card(tokenizer, roles, repo_id, "".join(sections) or None,
                              evaluated=evaluation is not None).encode("utf-8"),
        **extra,
    }


def _chart_bytes(draw) -> bytes | None:
    """draw(path)'s PNG as bytes, or None without matplotlib (the card then goes without the chart)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    with tempfile.TemporaryDirectory(prefix="hfbpe-chart-") as folder:
        path = Path(folder) / "chart.png"
        draw(path)
        return path.read_bytes()


def save_pretrained(tokenizer: Tokenizer, directory: str | os.PathLike, roles: dict[str, str],
                    evaluation: Report | None = None) -> Path:
    """Writes every file into `directory`; nothing there changes unless all of them were written."""
    target = Path(directory).expanduser()
    files = render_files(tokenizer, roles, evaluation=evaluation)
    if _foreign_card(target / CARD_FILE):
        del files[CARD_FILE]  # a model's own card stays; the tokenizer's goes without one
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        make_public(staging, directory=True)
        for name, content in files.items():
            with open(staging / name, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
        if not target.exists():
            os.rename(staging, target)  # the whole folder appears at once
            return target
        if not target.is_dir():
            raise NotADirectoryError(f"{target} exists and is not a directory")
        # The folder's other files (a model's weights, its own card) join the staged folder as hard
        # links, and the two folders are swapped in one step: the folder holds the old files or
        # the new ones, never a mix, whatever fails where.
        try:
            link_tree(target, staging, skip=set(files))
            fsync_directory(staging)
            exchange(staging, target)
        except OSError as error:
            if error.errno not in _NO_SWAP:
                raise
            # No atomic swap on this system or file system (or no hard links to its files):
            # each file is replaced at once instead.
            for name in files:
                os.replace(staging / name, target / name)
        fsync_directory(target.parent)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# What renameat2 and link say where they cannot be used (not a failure of the save itself).
_NO_SWAP = {errno.ENOSYS, errno.EINVAL, errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}


def load_folder(directory: Path) -> Tokenizer:
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{directory} holds no {CONFIG_FILE}: not a tokenizer saved by hfbpe")
    return tokenizer_from_config(json.loads(path.read_text(encoding="utf-8")), str(directory))


def tokenizer_from_config(config: dict[str, Any], where: str) -> Tokenizer:
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(f"{where}: {CONFIG_FILE} has format_version {version!r}; this hfbpe reads {FORMAT_VERSION}")
    try:
        if "ranks" in config:  # a rank table (see _vocabulary)
            ranks = {base64.b64decode(token): i for i, token in enumerate(config["ranks"]) if token is not None}
            tokenizer = Tokenizer.from_ranks(config["pattern"], ranks, config["special_tokens"])
            if config.get("listed_merges") is not None:
                tokenizer._listed_merges = _listed_merges(config["listed_merges"], ranks, where)
        else:
            tokenizer = Tokenizer(config["pattern"], [tuple(m) for m in config["merges"]], config["special_tokens"])
    except KeyError as e:
        raise ValueError(f"{where}: {CONFIG_FILE} lacks {e.args[0]!r}") from None
    tokenizer.training_summary = config.get("training") or None
    tokenizer.special_token_roles = dict(config.get("special_token_roles") or {})
    tokenizer.transformers_config = dict(config.get("transformers_config") or {})
    return tokenizer


def _listed_merges(listed: list, ranks: dict[bytes, int], where: str) -> list[tuple[bytes, bytes]]:
    merges = []
    for k, pair in enumerate(listed):
        left, right = (base64.b64decode(side) for side in pair)
        if left not in ranks or right not in ranks or left + right not in ranks:
            raise ValueError(f"{where}: {CONFIG_FILE}'s listed merge {k} joins tokens that are not in its ranks")
        merges.append((left, right))
    return merges


def from_pretrained(
    repo_id_or_path: str | os.PathLike, *, revision: str | None = None, token: str | bool | None = None
) -> Tokenizer:
    """Loads a tokenizer saved by `Tokenizer.save_pretrained` or pushed by `Tokenizer.push_to_hub`.

    repo_id_or_path: a local folder, or a Hub repo id ("user/name").
    revision: a branch, tag or commit of the Hub repo.
    token: a Hub token; None uses the one huggingface_hub finds (HF_TOKEN, the login).

    Hub files go through huggingface_hub's cache, so HF_HOME, HF_ENDPOINT,
    HF_HUB_OFFLINE and HF_TOKEN behave as everywhere else.
    """
    path = Path(repo_id_or_path).expanduser()
    if path.is_dir():
        return load_folder(path)
    repo_id = hub_repo_id(repo_id_or_path)
    config_path = download(repo_id, CONFIG_FILE, revision=revision, token=token)
    return load_folder(Path(config_path).parent)


def hub_repo_id(location: str | os.PathLike) -> str:
    """`location`, which is not a folder, as a Hub repo id ("user/name"); FileNotFoundError when it
    reads as a path instead (a file, or absolute, relative or with more than one slash)."""
    path, repo_id = Path(location).expanduser(), str(location)
    if path.exists() or repo_id.startswith(("/", "./", "../", "~")) or repo_id.count("/") > 1:
        raise FileNotFoundError(f"{repo_id}: no such folder (and not a Hub repo id such as 'user/name')")
    return repo_id


def push_to_hub(
    tokenizer: Tokenizer,
    repo_id: str,
    roles: dict[str, str],
    *,
    private: bool | None = None,
    token: str | None = None,
    revision: str | None = None,
    commit_message: str | None = None,
    create_pr: bool = False,
    evaluation: Report | None = None,
):
    """Creates the repo if needed and uploads every file in one commit; returns the CommitInfo."""
    from huggingface_hub import CommitOperationAdd, HfApi

    api = HfApi(token=token)
    files = render_files(tokenizer, roles, repo_id, evaluation=evaluation)
    message = commit_message or f"Upload tokenizer ({tokenizer.n_vocab} tokens) trained with hfbpe"
    with timeouts(), naming_the_repo(repo_id, api.endpoint):
        retrying(api.create_repo, repo_id, private=private, exist_ok=True, repo_type="model")
        if revision is not None and not revision.startswith("refs/pr/"):
            # A branch that does not exist yet is made from main, as transformers' push_to_hub does.
            retrying(api.create_branch, repo_id, branch=revision, exist_ok=True, repo_type="model")
        if retrying(_repo_has_foreign_card, api, repo_id, revision):
            del files[CARD_FILE]  # pushing a tokenizer into a model's repo keeps the model's card
        operations = [CommitOperationAdd(path_in_repo=name, path_or_fileobj=content) for name, content in files.items()]
        # A commit is one request, applied whole or not at all by the Hub: retrying it after an
        # error can at worst commit the same files twice, never part of them.
        return retrying(
            api.create_commit,
            repo_id,
            operations,
            commit_message=message,
            revision=revision,
            create_pr=create_pr,
            repo_type="model",
        )


def _is_hfbpe_card(text: str) -> bool:
    front = text.split("---", 2)[1] if text.startswith("---") else ""
    return "library_name: hfbpe" in front


def _foreign_card(path: Path) -> bool:
    """Whether `path` is a README.md that hfbpe did not write (a model's card, say)."""
    try:
        return not _is_hfbpe_card(path.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return False


def _repo_has_foreign_card(api, repo_id: str, revision: str | None) -> bool:
    from huggingface_hub.errors import EntryNotFoundError

    if not api.file_exists(repo_id, CARD_FILE, revision=revision):
        return False
    try:
        path = api.hf_hub_download(repo_id, CARD_FILE, revision=revision)
    except EntryNotFoundError:
        return False
    return _foreign_card(Path(path))


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)
