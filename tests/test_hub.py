"""save_pretrained / from_pretrained / push_to_hub: one folder, four runtimes, the same ids."""

from __future__ import annotations

import json
import os

import pytest
import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tokenizers import Tokenizer as HFTokenizer

import hfbpe
from hfbpe import hub as hub_module

SPECIALS = ["<|bos|>", "<|eos|>", "<|pad|>"]
SPECIAL_TEXT = "<|bos|>Hello, wörld! 你好世界 <|eos|><|pad|>  tail <|bos|>"


@pytest.fixture(scope="module")
def tokenizer(multilingual_slice) -> hfbpe.Tokenizer:
    return hfbpe.train(multilingual_slice[::3], 2500, special_tokens=SPECIALS, show_progress=False)


def assert_same_ids_everywhere(folder_or_repo, tokenizer: hfbpe.Tokenizer, texts: list[str]) -> None:
    """hfbpe, tiktoken, tokenizers and transformers, all loaded from `folder_or_repo`, agree with `tokenizer`."""
    from transformers import AutoTokenizer

    loaded = hfbpe.from_pretrained(folder_or_repo)
    assert loaded.mergeable_ranks == tokenizer.mergeable_ranks
    assert loaded.special_tokens == tokenizer.special_tokens
    assert loaded.merges == tokenizer.merges

    if os.path.isdir(folder_or_repo):
        folder = str(folder_or_repo)
        hf = HFTokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        config = json.load(open(os.path.join(folder, "hfbpe.json"), encoding="utf-8"))
        ranks = load_tiktoken_bpe(os.path.join(folder, "tokenizer.tiktoken"))
    else:
        from huggingface_hub import hf_hub_download

        hf = HFTokenizer.from_pretrained(folder_or_repo)
        config = json.load(open(hf_hub_download(folder_or_repo, "hfbpe.json"), encoding="utf-8"))
        ranks = load_tiktoken_bpe(hf_hub_download(folder_or_repo, "tokenizer.tiktoken"))
    encoding = tiktoken.Encoding(
        name="loaded", pat_str=config["pattern"], mergeable_ranks=ranks, special_tokens=config["special_tokens"]
    )
    auto = AutoTokenizer.from_pretrained(folder_or_repo)

    expected = [tokenizer.encode(t) for t in texts]
    assert sum(map(len, expected)) > 50_000
    assert [loaded.encode(t) for t in texts] == expected
    assert encoding.encode_ordinary_batch(texts) == expected
    assert [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)] == expected
    assert auto(texts, add_special_tokens=False)["input_ids"] == expected
    assert [auto.decode(ids) for ids in expected[:20]] == texts[:20]

    with_specials = tokenizer.encode(SPECIAL_TEXT, allowed_special="all")
    assert encoding.encode(SPECIAL_TEXT, allowed_special="all") == with_specials
    assert hf.encode(SPECIAL_TEXT, add_special_tokens=False).ids == with_specials
    assert auto(SPECIAL_TEXT, add_special_tokens=False)["input_ids"] == with_specials
    assert auto.decode(with_specials) == SPECIAL_TEXT
    assert encoding.decode(with_specials) == SPECIAL_TEXT


# Folders --------------------------------------------------------------------------------


def test_save_and_load_a_folder(tmp_path, tokenizer, held_out_slice):
    folder = tokenizer.save_pretrained(tmp_path / "tok", bos_token="<|bos|>", eos_token="<|eos|>")
    # The merge-frequency chart of the card comes along (matplotlib is a test dependency).
    assert sorted(os.listdir(folder)) == sorted([*hub_module.FILES, "merges.png"])
    assert "![merge frequency](merges.png)" in (folder / "README.md").read_text()
    assert len(tokenizer.training_summary["merge_counts"]) == len(tokenizer.merges)
    assert_same_ids_everywhere(folder, tokenizer, held_out_slice)


def test_special_token_roles_reach_transformers(tmp_path, tokenizer):
    from transformers import AutoTokenizer

    folder = tokenizer.save_pretrained(tmp_path / "tok", bos_token="<|bos|>", eos_token="<|eos|>", pad_token="<|pad|>")
    auto = AutoTokenizer.from_pretrained(folder)
    assert (auto.bos_token, auto.eos_token, auto.pad_token) == ("<|bos|>", "<|eos|>", "<|pad|>")
    assert auto.pad_token_id == tokenizer.special_tokens["<|pad|>"]
    loaded = hfbpe.from_pretrained(folder)
    assert loaded.special_token_roles == {"bos_token": "<|bos|>", "eos_token": "<|eos|>", "pad_token": "<|pad|>"}
    again = loaded.save_pretrained(tmp_path / "again")  # roles travel with the tokenizer
    assert AutoTokenizer.from_pretrained(again).eos_token == "<|eos|>"


def test_no_roles_when_none_given(tmp_path, tokenizer):
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(tokenizer.save_pretrained(tmp_path / "tok"))
    assert auto.bos_token is None and auto.eos_token is None and auto.pad_token is None


def test_a_role_must_name_a_special_token(tmp_path, tokenizer):
    with pytest.raises(ValueError, match=r"eos_token='</s>' is not one of the special tokens"):
        tokenizer.save_pretrained(tmp_path / "tok", eos_token="</s>")
    with pytest.raises(TypeError, match="bos_token must be a str"):
        tokenizer.save_pretrained(tmp_path / "tok", bos_token=5)
    assert not (tmp_path / "tok").exists()


def test_saving_into_an_existing_folder_replaces_only_its_files(tmp_path, tokenizer):
    folder = tmp_path / "tok"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    (folder / "hfbpe.json").write_text("old")
    tokenizer.save_pretrained(folder)
    assert (folder / "keep.txt").read_text() == "mine"
    assert json.loads((folder / "hfbpe.json").read_text())["vocab_size"] == tokenizer.n_vocab
    assert [p.name for p in tmp_path.iterdir()] == ["tok"]  # no staging folder left behind


def test_a_failed_save_changes_nothing(tmp_path, tokenizer, monkeypatch):
    folder = tmp_path / "tok"
    tokenizer.save_pretrained(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    other = hfbpe.train(["something else entirely"] * 3, 270, show_progress=False)

    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(hub_module.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left"):
        other.save_pretrained(folder)
    with pytest.raises(OSError, match="No space left"):
        calls.clear()
        other.save_pretrained(tmp_path / "new")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tok"]


def test_from_pretrained_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no hfbpe.json"):
        hfbpe.from_pretrained(tmp_path / "empty")
    (tmp_path / "future").mkdir()
    (tmp_path / "future" / "hfbpe.json").write_text(json.dumps({"format_version": 99}))
    with pytest.raises(ValueError, match="format_version 99"):
        hfbpe.from_pretrained(tmp_path / "future")


def test_model_card(tmp_path, tokenizer):
    card = (tokenizer.save_pretrained(tmp_path / "tok") / "README.md").read_text(encoding="utf-8")
    front, body = card.split("---\n")[1], card.split("---\n", 2)[2]
    assert "library_name: hfbpe" in front and "- tokenizer" in front
    assert "| vocabulary size | 2,500 ids: 256 bytes, 2,241 merges, 3 special tokens |" in body
    assert "| split pattern | `gpt4` |" in body
    assert 'hfbpe.from_pretrained("your-username/your-tokenizer")' in body
    assert "AutoTokenizer.from_pretrained" in body and "load_tiktoken_bpe" in body


def test_model_card_names_a_hub_dataset(tmp_path, tokenizer):
    tokenizer = hfbpe.from_pretrained(tokenizer.save_pretrained(tmp_path / "tok"))
    tokenizer.training_summary = {"data": {"dataset": "someone/corpus", "split": "train", "column": "text"}}
    card = (tokenizer.save_pretrained(tmp_path / "tok2") / "README.md").read_text(encoding="utf-8")
    assert 'datasets:\n- "someone/corpus"\n---' in card
    assert "| trained on | dataset `someone/corpus`, split `train`, column `text` |" in card


# The Hub (a loopback server of the tests' own, see hub_server.py) -----------------------


def test_push_then_load_everywhere(hub, tokenizer, held_out_slice):
    commit = tokenizer.push_to_hub("alice/tok", bos_token="<|bos|>", eos_token="<|eos|>")
    assert commit.oid and "alice/tok" in commit.commit_url
    files = hub.files("alice/tok")
    assert set(hub_module.FILES) <= set(files)
    assert [c for c in hub.commits("alice/tok")][0]  # one commit holds every file
    card = files["README.md"].decode("utf-8")
    assert card.startswith("---\nlibrary_name: hfbpe\n")
    assert 'hfbpe.from_pretrained("alice/tok")' in card
    assert_same_ids_everywhere("alice/tok", tokenizer, held_out_slice)

    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained("alice/tok")
    assert (auto.bos_token, auto.eos_token) == ("<|bos|>", "<|eos|>")


def test_push_is_a_single_commit_and_pushing_again_updates(hub, tokenizer):
    tokenizer.push_to_hub("alice/tok", commit_message="first")
    first = hub.commits("alice/tok")
    other = hfbpe.train(["a different corpus, a different vocabulary"] * 20, 280, show_progress=False)
    other.push_to_hub("alice/tok", commit_message="second")
    history = hub.commits("alice/tok")
    assert len(history) == len(first) + 1
    assert hfbpe.from_pretrained("alice/tok").mergeable_ranks == other.mergeable_ranks
    first_sha = first[0]["sha"] if isinstance(first[0], dict) else first[0].sha
    assert hfbpe.from_pretrained("alice/tok", revision=first_sha).mergeable_ranks == tokenizer.mergeable_ranks


def test_push_private_and_as_pull_request(hub, tokenizer):
    tokenizer.push_to_hub("alice/secret", private=True)
    assert hub.is_private("alice/secret")
    commit = tokenizer.push_to_hub("alice/secret", create_pr=True, commit_message="proposal", eos_token="<|eos|>")
    assert commit.pr_url and commit.pr_num == 1


def test_bad_token_is_a_clear_error_naming_the_repo(hub, tokenizer):
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError) as info:
        tokenizer.push_to_hub("alice/tok", token="hf_wrong")
    assert info.value.response.status_code == 401
    assert "alice/tok" in str(info.value) and "Invalid credentials" in str(info.value)
    with pytest.raises(KeyError):  # the repo was never created
        hub.files("alice/tok")


def test_no_permission_names_the_repo(hub, tokenizer):
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError) as info:
        tokenizer.push_to_hub("bob/tok")
    assert info.value.response.status_code == 403 and "bob/tok" in str(info.value)


def test_missing_repo(hub):
    from huggingface_hub.errors import RepositoryNotFoundError

    with pytest.raises(RepositoryNotFoundError):
        hfbpe.from_pretrained("alice/nothing-here")


def test_server_down(hub_down, tokenizer, tmp_path):
    with pytest.raises(ConnectionError, match=r"pushing to 'alice/tok': could not reach the Hub at http://127\.0\.0\.1"):
        tokenizer.push_to_hub("alice/tok")
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("hf-cache")] == []


def test_a_models_own_card_is_kept(hub, tokenizer, tmp_path):
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo("alice/model")
    api.upload_file(path_or_fileobj=b"---\nlicense: mit\n---\n# My model\n", path_in_repo="README.md", repo_id="alice/model")
    tokenizer.push_to_hub("alice/model")
    files = hub.files("alice/model")
    assert files["README.md"].startswith(b"---\nlicense: mit") and "tokenizer.json" in files
    tokenizer.push_to_hub("alice/tok")
    tokenizer.push_to_hub("alice/tok", eos_token="<|eos|>")  # hfbpe's own card is updated
    assert b"eos_token" in hub.files("alice/tok")["README.md"]

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "README.md").write_text("# My model\n")
    tokenizer.save_pretrained(folder)
    assert (folder / "README.md").read_text() == "# My model\n" and (folder / "tokenizer.json").is_file()


def test_saved_files_are_readable_by_others(tmp_path, tokenizer):
    old = os.umask(0o022)
    try:
        folder = tokenizer.save_pretrained(tmp_path / "tok")
        counts = hfbpe.count(["some text"], show_progress=False).save(tmp_path / "counts.parquet")
    finally:
        os.umask(old)
    assert folder.stat().st_mode & 0o777 == 0o755
    assert (folder / "tokenizer.json").stat().st_mode & 0o777 == 0o644
    assert counts.stat().st_mode & 0o777 == 0o644


def test_paths_with_a_tilde(tmp_path, tokenizer, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    tokenizer.save_pretrained("~/tok")
    assert (tmp_path / "tok" / "hfbpe.json").is_file()
    assert hfbpe.from_pretrained("~/tok").merges == tokenizer.merges


def test_no_token_is_not_a_connection_error(hub, tokenizer, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises((HfHubHTTPError, OSError)) as info:
        tokenizer.push_to_hub("alice/tok")
    assert not isinstance(info.value, ConnectionError)


def test_push_to_a_new_branch(hub, tokenizer):
    tokenizer.push_to_hub("alice/tok")
    other = hfbpe.train(["a small other corpus"] * 10, 270, show_progress=False)
    other.push_to_hub("alice/tok", revision="v2")
    other.push_to_hub("alice/tok", revision="v2", eos_token=None)  # the branch exists now: no error
    assert hfbpe.from_pretrained("alice/tok", revision="v2").mergeable_ranks == other.mergeable_ranks
    assert hfbpe.from_pretrained("alice/tok").mergeable_ranks == tokenizer.mergeable_ranks


def _snapshot(folder):
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("step", ["open", "write", "fsync", "link", "exchange", "mkdir"])
def test_a_save_that_fails_at_any_step_leaves_the_old_files_or_the_new(tmp_path, tokenizer, monkeypatch, step):
    """A failure injected at every call of each step in turn: the folder is the old one, whole,
    or (once the swap happened) the new one, whole; a model's files stay and nothing is left staged."""
    import builtins

    from hfbpe import _files

    folder = tokenizer.save_pretrained(tmp_path / "tok")
    (folder / "model.safetensors").write_bytes(b"weights" * 1000)
    (folder / "sub").mkdir()
    (folder / "sub" / "config.json").write_text("{}")
    before = _snapshot(folder)
    other = hfbpe.train(["something else entirely"] * 3, 270, show_progress=False)
    reference = other.save_pretrained(tmp_path / "reference")
    after = {**before, **{k: v for k, v in _snapshot(reference).items()}}
    real = {"open": builtins.open, "fsync": os.fsync, "link": os.link, "exchange": _files.exchange,
            "mkdir": os.mkdir}
    for k in range(1, 200):
        calls = [0]

        def fail_at_k(*args, **kwargs):
            calls[0] += 1
            if calls[0] == k:
                raise OSError(28, "No space left on device")
            return real[step if step != "write" else "open"](*args, **kwargs)

        def open_failing_writes(path, mode="r", *args, **kwargs):
            f = real["open"](path, mode, *args, **kwargs)
            if "w" in mode and step == "write":
                calls[0] += 1
                if calls[0] == k:
                    f.close()
                    raise OSError(28, "No space left on device")
            return f

        with monkeypatch.context() as patch:
            if step in ("open", "write"):
                patch.setattr(builtins, "open", fail_at_k if step == "open" else open_failing_writes)
            elif step == "exchange":
                patch.setattr(hub_module, "exchange", fail_at_k)
            elif step == "fsync":
                patch.setattr(os, "fsync", fail_at_k)
            else:
                patch.setattr(os, step, fail_at_k)
            try:
                other.save_pretrained(folder)
            except OSError:
                # Old, whole; or new, whole, when only making the swap durable failed.
                assert _snapshot(folder) in (before, after), (step, k)
                assert sorted(p.name for p in tmp_path.iterdir()) == ["reference", "tok"]
                continue
        break  # the save got through: every call of this step was failed once before it
    assert _snapshot(folder) == after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference", "tok"]


def test_without_an_atomic_swap_files_are_replaced_one_by_one(tmp_path, tokenizer, monkeypatch):
    import errno

    folder = tokenizer.save_pretrained(tmp_path / "tok")
    (folder / "keep.txt").write_text("mine")
    swaps = []

    def no_swap(a, b):
        swaps.append((a, b))
        raise OSError(errno.ENOSYS, "renameat2 is not available")

    monkeypatch.setattr(hub_module, "exchange", no_swap)
    other = hfbpe.train(["something else entirely"] * 3, 270, show_progress=False)
    other.save_pretrained(folder)
    assert swaps and hfbpe.from_pretrained(folder).merges == other.merges
    assert (folder / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tok"]


# A flaky Hub (faults injected into the loopback server) --------------------------------------


def test_push_retries_server_errors_and_dropped_connections(hub, tokenizer, monkeypatch):
    monkeypatch.setenv("HFBPE_HUB_RETRIES", "3")
    hub.inject("POST", r"/commit/", status=503, times=2)
    hub.inject("POST", r"/commit/", kind="drop", times=1)
    tokenizer.push_to_hub("alice/flaky")
    assert all(f.times == 0 for f in hub.faults)  # every fault struck
    assert len(hub.commits("alice/flaky")) == 2  # the initial commit and one of ours, whole
    assert set(hub_module.FILES) <= set(hub.files("alice/flaky"))
    assert hfbpe.from_pretrained("alice/flaky").merges == tokenizer.merges


def test_a_hub_that_keeps_failing_gives_a_clear_error_and_no_partial_commit(hub, tokenizer, monkeypatch):
    import time

    from huggingface_hub.errors import HfHubHTTPError

    monkeypatch.setenv("HFBPE_HUB_RETRIES", "2")
    hub.inject("POST", r"/commit/", status=500, times=100)
    start = time.perf_counter()
    with pytest.raises(HfHubHTTPError, match=r"(?s)500.*while pushing to 'alice/down'"):
        tokenizer.push_to_hub("alice/down")
    assert time.perf_counter() - start < 10  # bounded: 0.5 + 1 s of backoff
    assert [c.title for c in hub.commits("alice/down")] == ["initial commit"]  # nothing of ours
    assert sum(1 for method, path in hub.requests if method == "POST" and "/commit/" in path) == 3
    hub.faults.clear()
    with pytest.raises(HfHubHTTPError, match="403"):  # not retried: a client error is final
        tokenizer.push_to_hub("bob/not-yours")


def test_an_interrupted_download_recovers_on_the_next_call(hub, tokenizer):
    tokenizer.push_to_hub("alice/dl")
    hub.inject("GET", r"/resolve/.*hfbpe\.json", kind="drop", times=3)
    try:
        first = hfbpe.from_pretrained("alice/dl")  # the client may retry on its own
    except Exception:  # noqa: BLE001 - a dropped connection, as huggingface_hub reports it
        first = None
    again = hfbpe.from_pretrained("alice/dl")
    assert again.merges == tokenizer.merges
    assert first is None or first.merges == tokenizer.merges


def test_a_stalled_hub_gives_up_within_the_timeout(hub, tokenizer, monkeypatch):
    import time

    monkeypatch.setenv("HFBPE_HUB_TIMEOUT", "0.5")
    monkeypatch.setenv("HFBPE_HUB_RETRIES", "1")
    hub.inject("POST", r"/commit/", kind="stall", seconds=4, times=100)
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match=r"'alice/stalled'.*sent nothing for 0.5 s \(HFBPE_HUB_TIMEOUT\), tried 2"):
        tokenizer.push_to_hub("alice/stalled")
    assert time.perf_counter() - start < 3.5  # two tries of 0.5 s and 0.5 s of backoff, not 2 x 4 s
    assert sum(1 for method, path in hub.requests if method == "POST" and "/commit/" in path) == 2


def test_a_hub_that_stalls_once_is_retried(hub, tokenizer, monkeypatch):
    monkeypatch.setenv("HFBPE_HUB_TIMEOUT", "0.5")
    hub.inject("POST", r"/commit/", kind="stall", seconds=2, times=1)
    tokenizer.push_to_hub("alice/slow")
    assert hfbpe.from_pretrained("alice/slow").merges == tokenizer.merges


def test_the_timeout_is_checked_and_leaves_other_hub_calls_alone(hub, tokenizer, monkeypatch):
    from huggingface_hub.utils import get_session

    from hfbpe.hub_calls import timeouts

    monkeypatch.setenv("HFBPE_HUB_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="HFBPE_HUB_TIMEOUT='soon'"):
        tokenizer.push_to_hub("alice/never")
    monkeypatch.setenv("HFBPE_HUB_TIMEOUT", "0.25")
    monkeypatch.setenv("HFBPE_HUB_RETRIES", "many")
    with pytest.raises(ValueError, match="HFBPE_HUB_RETRIES='many': expected a whole number"):
        tokenizer.push_to_hub("alice/never")
    monkeypatch.delenv("HFBPE_HUB_RETRIES")
    seen = []
    with timeouts():  # its hook first, then this test's
        get_session().event_hooks["request"].append(lambda request: seen.append(request.extensions["timeout"]))
        get_session().get(f"{hub.endpoint}/api/whoami-v2")
    get_session().get(f"{hub.endpoint}/api/whoami-v2")  # outside: huggingface_hub's own (none)
    assert seen[0] == {"connect": 0.25, "read": 0.25, "write": 0.25, "pool": 0.25}
    assert seen[1]["read"] is None


def test_a_download_that_stalls_once_recovers(hub, tokenizer, monkeypatch):
    import time

    tokenizer.push_to_hub("alice/stall-dl")
    monkeypatch.setenv("HFBPE_HUB_TIMEOUT", "0.3")  # replaces huggingface_hub's 10 s download timeouts
    hub.inject("GET", r"/resolve/.*hfbpe\.json", kind="stall", seconds=3, times=1)
    start = time.perf_counter()
    assert hfbpe.from_pretrained("alice/stall-dl").merges == tokenizer.merges  # huggingface_hub tried again
    assert time.perf_counter() - start < 2.8  # gave up on the stalled request, did not wait 3 s for it
    assert all(f.times == 0 for f in hub.faults)


def test_timeouts_and_dropped_connections_name_the_repo():
    import httpx2

    from hfbpe.hub_calls import naming_the_repo

    with pytest.raises(TimeoutError, match=r"loading 'alice/x': the Hub at http://hub sent nothing"):
        with naming_the_repo("alice/x", "http://hub", doing="loading"):
            raise httpx2.ReadTimeout("timed out")
    with pytest.raises(ConnectionError, match=r"pushing to 'alice/x': could not reach the Hub at http://hub"):
        with naming_the_repo("alice/x", "http://hub"):
            raise httpx2.RemoteProtocolError("peer closed connection")
