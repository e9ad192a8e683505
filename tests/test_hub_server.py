"""The fake Hub (tests/hub_server.py) driven by the real huggingface_hub client: push, list,
download, history, pull requests, and the errors the client raises for bad tokens, missing
repos, revisions and files, foreign namespaces, a server that is down, and offline mode."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationDelete,
    HfApi,
    constants,
    hf_hub_download,
    snapshot_download,
)
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

README = "---\nlibrary_name: hfbpe\ntags: [tokenizer]\n---\n# Title\n"
TOKENIZER = {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}}


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder as a tokenizer push would make it: README with metadata, JSON, text in a subfolder."""
    root = tmp_path / "to-push"
    (root / "extra").mkdir(parents=True)
    (root / "README.md").write_text(README, encoding="utf-8")
    (root / "tokenizer.json").write_text(json.dumps(TOKENIZER, indent=2), encoding="utf-8")
    # About 2 MB of multilingual text: bigger than a socket buffer, still a "regular" file.
    (root / "extra" / "notes.txt").write_text("Grüße, 你好, hello\n" * 90_000, encoding="utf-8")
    return root


def local_files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def pushed(api: HfApi, folder: Path, repo_id: str = "alice/tok", **kwargs):
    api.create_repo(repo_id, exist_ok=True)
    return api.upload_folder(repo_id=repo_id, folder_path=folder, **kwargs)


# Creating repos and pushing --------------------------------------------------------------


def test_create_repo_and_exist_ok(hub):
    api = HfApi()
    url = api.create_repo("alice/tok")
    assert url.repo_id == "alice/tok" and url.repo_type == "model"
    assert url == f"{hub.endpoint}/alice/tok"
    with pytest.raises(HfHubHTTPError) as info:
        api.create_repo("alice/tok")
    assert info.value.response.status_code == 409
    assert api.create_repo("alice/tok", exist_ok=True).repo_id == "alice/tok"

    assert api.create_repo("alice/data", repo_type="dataset", private=True).repo_type == "dataset"
    assert hub.is_private("alice/data", repo_type="dataset")
    assert api.repo_exists("alice/tok") and api.repo_exists("alice/data", repo_type="dataset")
    assert not api.repo_exists("alice/data")  # a dataset is no model
    assert not api.repo_exists("alice/nothing")
    # A new repo starts with the Hub's "initial commit" of .gitattributes.
    assert list(hub.files("alice/tok")) == [".gitattributes"]
    assert [c.title for c in hub.commits("alice/tok")] == ["initial commit"]
    assert api.whoami()["name"] == "alice"
    assert not hub.server_errors


def test_upload_folder_then_list_and_download(hub, folder):
    api = HfApi()
    commit = pushed(api, folder)
    assert len(commit.oid) == 40 and commit.pr_url is None
    expected = local_files(folder)

    assert hub.commits("alice/tok")[0].sha == commit.oid
    assert {p: c for p, c in hub.files("alice/tok").items() if p != ".gitattributes"} == expected
    assert sorted(api.list_repo_files("alice/tok")) == sorted([".gitattributes", *expected])
    top = {entry.path: type(entry).__name__ for entry in api.list_repo_tree("alice/tok")}
    assert top == {".gitattributes": "RepoFile", "README.md": "RepoFile", "tokenizer.json": "RepoFile", "extra": "RepoFolder"}
    assert api.file_exists("alice/tok", "extra/notes.txt")
    assert not api.file_exists("alice/tok", "vocab.json")

    for path, content in expected.items():
        assert Path(hf_hub_download("alice/tok", path)).read_bytes() == content
    snapshot = Path(snapshot_download("alice/tok"))
    assert snapshot.name == commit.oid
    assert {p: c for p, c in local_files(snapshot).items() if p != ".gitattributes"} == expected

    info = api.model_info("alice/tok", files_metadata=True)
    assert info.sha == commit.oid
    assert info.library_name == "hfbpe" and "tokenizer" in info.tags
    assert info.card_data.library_name == "hfbpe"
    sizes = {s.rfilename: s.size for s in info.siblings}
    assert sizes["extra/notes.txt"] == len(expected["extra/notes.txt"])
    assert api.repo_info("alice/tok", revision=commit.oid).sha == commit.oid
    assert not hub.server_errors


def test_history_old_revisions_stay_downloadable(hub, folder):
    api = HfApi()
    first = pushed(api, folder).oid
    old = (folder / "tokenizer.json").read_bytes()
    new = json.dumps({**TOKENIZER, "version": 2}).encode()

    second = api.create_commit(
        "alice/tok",
        operations=[
            CommitOperationAdd("tokenizer.json", new),
            CommitOperationDelete("extra/notes.txt"),
        ],
        commit_message="Update the tokenizer",
        commit_description="and drop the notes",
    ).oid
    assert second != first
    log = hub.commits("alice/tok")
    assert [c.sha for c in log[:2]] == [second, first]
    assert log[0].title == "Update the tokenizer" and log[0].description == "and drop the notes"
    assert log[0].author == "alice" and log[0].parent == first

    assert Path(hf_hub_download("alice/tok", "tokenizer.json")).read_bytes() == new
    assert Path(hf_hub_download("alice/tok", "tokenizer.json", revision=first)).read_bytes() == old
    assert Path(hf_hub_download("alice/tok", "extra/notes.txt", revision=first)).exists()
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download("alice/tok", "extra/notes.txt")
    assert "extra/notes.txt" not in api.list_repo_files("alice/tok")
    assert "extra/notes.txt" in api.list_repo_files("alice/tok", revision=first)

    # Pushing the same folder again: the preupload oids tell the client nothing changed but
    # the two files of the second commit.
    third = api.upload_folder(repo_id="alice/tok", folder_path=folder).oid
    assert hub.files("alice/tok")["tokenizer.json"] == old
    assert hub.files("alice/tok", revision=third) == hub.files("alice/tok", revision=first)
    assert not hub.server_errors


def test_create_pr(hub, folder):
    api = HfApi()
    main = pushed(api, folder).oid
    pr = api.upload_file(
        path_or_fileobj=b"proposed\n",
        path_in_repo="tokenizer.json",
        repo_id="alice/tok",
        commit_message="Propose a tokenizer",
        create_pr=True,
    )
    assert pr.pr_num == 1 and pr.pr_revision == "refs/pr/1"
    assert pr.pr_url == f"{hub.endpoint}/alice/tok/discussions/1"
    assert hub.refs("alice/tok") == {"main": main, "refs/pr/1": pr.oid}
    assert hub.files("alice/tok")["tokenizer.json"] == (folder / "tokenizer.json").read_bytes()
    assert hub.files("alice/tok", revision="refs/pr/1")["tokenizer.json"] == b"proposed\n"
    assert Path(hf_hub_download("alice/tok", "tokenizer.json", revision="refs/pr/1")).read_bytes() == b"proposed\n"
    # A second commit on the same PR, then a second PR.
    again = api.upload_file(path_or_fileobj=b"v2\n", path_in_repo="v2.txt", repo_id="alice/tok", revision="refs/pr/1")
    assert hub.refs("alice/tok")["refs/pr/1"] == again.oid
    assert api.create_commit("alice/tok", [CommitOperationAdd("x", b"x")], commit_message="x", create_pr=True).pr_num == 2
    assert not hub.server_errors


def test_invalid_readme_metadata_is_refused(hub, folder):
    (folder / "README.md").write_text("---\ntags: [unclosed\n---\n# Title\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Invalid metadata in README.md"):
        pushed(HfApi(), folder)
    assert list(hub.files("alice/tok")) == [".gitattributes"]


# Errors -----------------------------------------------------------------------------------


def test_bad_token_is_401(hub, folder, monkeypatch):
    pushed(HfApi(), folder)
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_token")
    api = HfApi()
    for call in (
        lambda: api.model_info("alice/tok"),
        lambda: api.create_repo("alice/other"),
        lambda: hf_hub_download("alice/tok", "README.md"),
    ):
        with pytest.raises(HfHubHTTPError) as info:
            call()
        error = info.value
        assert type(error) is HfHubHTTPError and error.response.status_code == 401
        assert "Invalid credentials in Authorization header" in str(error)
        assert error.server_message == "Invalid credentials in Authorization header"
        assert error.request_id  # echoed from the client's X-Amzn-Trace-Id


def test_writing_needs_a_token(hub, monkeypatch):
    hub.seed("alice/tok", {"a.txt": "a"})
    monkeypatch.delenv("HF_TOKEN")
    api = HfApi()
    with pytest.raises(HfHubHTTPError) as info:
        api.create_repo("alice/new")
    assert info.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as info:
        api.upload_file(path_or_fileobj=b"b", path_in_repo="b.txt", repo_id="alice/tok")
    assert info.value.response.status_code == 401
    # Reading a public repo needs none.
    assert Path(hf_hub_download("alice/tok", "a.txt")).read_bytes() == b"a"


def test_missing_repo_revision_and_file(hub):
    api = HfApi()
    sha = hub.seed("alice/tok", {"a.txt": "a"})
    with pytest.raises(RepositoryNotFoundError) as info:
        api.model_info("alice/nothing")
    assert info.value.response.status_code == 404 and info.value.repo_id == "alice/nothing"
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("alice/nothing", "a.txt")
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download("alice/nothing")
    with pytest.raises(RepositoryNotFoundError):
        api.list_repo_files("alice/nothing")

    with pytest.raises(RevisionNotFoundError) as info:
        hf_hub_download("alice/tok", "a.txt", revision="no-such-branch")
    assert info.value.response.status_code == 404
    with pytest.raises(RevisionNotFoundError):
        api.model_info("alice/tok", revision="0" * 40)

    with pytest.raises(RemoteEntryNotFoundError) as info:
        hf_hub_download("alice/tok", "b.txt")
    assert isinstance(info.value, EntryNotFoundError) and info.value.response.status_code == 404
    # The client caches the miss under the commit the server named.
    assert (Path(constants.HF_HUB_CACHE) / "models--alice--tok" / ".no_exist" / sha / "b.txt").exists()
    with pytest.raises(RemoteEntryNotFoundError):
        list(api.list_repo_tree("alice/tok", path_in_repo="no-such-folder"))


def test_dataset_is_not_a_model(hub):
    hub.seed("alice/corpus", {"data.txt": "text"}, repo_type="dataset")
    with pytest.raises(RepositoryNotFoundError):
        HfApi().model_info("alice/corpus")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("alice/corpus", "data.txt")
    path = hf_hub_download("alice/corpus", "data.txt", repo_type="dataset")
    assert Path(path).read_bytes() == b"text" and "datasets--alice--corpus" in path
    assert HfApi().dataset_info("alice/corpus").id == "alice/corpus"


def test_private_repo_is_hidden_from_others(hub, tmp_path):
    hub.seed("alice/secret", {"a.txt": "a"}, private=True)
    assert Path(hf_hub_download("alice/secret", "a.txt")).read_bytes() == b"a"
    with pytest.raises(RepositoryNotFoundError) as info:
        HfApi(token="hf_bob_token").model_info("alice/secret")
    assert info.value.response.status_code == 404
    with pytest.raises(RepositoryNotFoundError) as info:
        # (Another cache: with alice's copy cached, the client would fall back to it on the error.)
        hf_hub_download("alice/secret", "a.txt", token=False, cache_dir=tmp_path / "anonymous")
    assert info.value.response.status_code == 401  # anonymous: 401, as on the Hub
    assert not HfApi(token=False).repo_exists("alice/secret")


def test_other_users_namespace_is_403(hub, folder):
    bob = HfApi(token="hf_bob_token")
    bob.create_repo("bob/tok")
    bob.upload_folder(repo_id="bob/tok", folder_path=folder)
    alice = HfApi()
    with pytest.raises(HfHubHTTPError) as info:
        alice.create_repo("bob/other")
    assert info.value.response.status_code == 403 and "rights" in str(info.value)
    with pytest.raises(HfHubHTTPError) as info:
        alice.upload_folder(repo_id="bob/tok", folder_path=folder, commit_message="hijack")
    assert info.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as info:
        alice.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id="bob/tok", create_pr=True)
    assert info.value.response.status_code == 403
    # The client's exist_ok=True swallows the 403 when the repo exists and can be read.
    assert alice.create_repo("bob/tok", exist_ok=True).repo_id == "bob/tok"
    assert [c.author for c in hub.commits("bob/tok")] == ["bob", "bob"]
    assert Path(hf_hub_download("bob/tok", "README.md")).read_text(encoding="utf-8") == README


# No server, offline mode --------------------------------------------------------------------


def test_server_down(hub_down, monkeypatch):
    api = HfApi()
    assert api.endpoint == hub_down
    with pytest.raises(httpx2.ConnectError):
        api.model_info("alice/tok")
    with pytest.raises(httpx2.ConnectError):
        api.create_repo("alice/tok", exist_ok=True)
    # hf_hub_download turns it into LocalEntryNotFoundError, after retrying with backoff
    # (1+2+4+8+8 seconds of sleep, skipped here).
    from huggingface_hub.utils import _http

    monkeypatch.setattr(_http.time, "sleep", lambda seconds: None)
    with pytest.raises(LocalEntryNotFoundError) as info:
        hf_hub_download("alice/tok", "README.md")
    assert isinstance(info.value.__cause__, httpx2.ConnectError)


def test_offline_after_download(hub, folder, monkeypatch):
    pushed(HfApi(), folder)
    path = hf_hub_download("alice/tok", "tokenizer.json")
    snapshot = snapshot_download("alice/tok")
    asked = len(hub.requests)

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hf_hub_download("alice/tok", "tokenizer.json") == path
    assert snapshot_download("alice/tok") == snapshot
    with pytest.raises(LocalEntryNotFoundError):
        hf_hub_download("alice/tok", "not-downloaded.txt")
    assert len(hub.requests) == asked  # nothing reached the server
    assert os.path.realpath(path).startswith(str(Path(constants.HF_HUB_CACHE).resolve()))


# The protocol itself, and the patching ---------------------------------------------------------


def test_resolve_headers_and_ranges(hub):
    sha = hub.seed("alice/tok", {"dir/f.txt": "0123456789"})
    url = f"{hub.endpoint}/alice/tok/resolve/main/dir/f.txt"
    with httpx2.Client() as client:
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["Content-Length"] == "10"
        assert head.headers["X-Repo-Commit"] == sha
        assert head.headers["ETag"].startswith('"') and len(head.headers["ETag"]) == 42
        assert not [name for name in head.headers if name.lower().startswith("x-xet")]
        part = client.get(url, headers={"Range": "bytes=4-"})
        assert part.status_code == 206 and part.content == b"456789"
        assert part.headers["Content-Range"] == "bytes 4-9/10"
        assert client.get(url, headers={"Range": "bytes=20-"}).status_code == 416
        missing = client.head(f"{hub.endpoint}/alice/tok/resolve/main/nope")
        assert missing.status_code == 404 and missing.headers["X-Error-Code"] == "EntryNotFound"
        assert missing.headers["X-Repo-Commit"] == sha
        # Unquoted refs/pr/N works as well as the client's refs%2Fpr%2FN.
        HfApi().create_commit("alice/tok", [CommitOperationAdd("p.txt", b"p")], commit_message="pr", create_pr=True)
        for rev in ("refs/pr/1", "refs%2Fpr%2F1"):
            assert client.get(f"{hub.endpoint}/alice/tok/resolve/{rev}/p.txt").content == b"p"


def test_hub_client_patches_and_restores(tmp_path):
    from hub_server import FakeHub, hub_client

    before = (constants.ENDPOINT, constants.HUGGINGFACE_CO_URL_TEMPLATE, constants.HF_HUB_OFFLINE, constants.HF_HUB_CACHE)
    with FakeHub({"tok": "carol"}) as fake, hub_client(fake.endpoint, tmp_path / "cache", token="tok"):
        assert constants.ENDPOINT == fake.endpoint and not constants.HF_HUB_OFFLINE
        HfApi().create_repo("carol/x")
        assert list(fake.files("carol/x")) == [".gitattributes"]
    after = (constants.ENDPOINT, constants.HUGGINGFACE_CO_URL_TEMPLATE, constants.HF_HUB_OFFLINE, constants.HF_HUB_CACHE)
    assert after == before
