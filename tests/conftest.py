"""Shared fixtures: slices of the development corpus.

The corpus is /work/shared/corpus/dev.parquet, i.e. `shared/corpus/dev.parquet`
next to the repository (override with the environment variable
HFBPE_DEV_CORPUS). Tests that need it are skipped when it is missing; nothing
is ever downloaded.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# No test reaches the network or the user's caches: datasets and huggingface_hub
# stay offline and keep whatever they cache in a folder of this run's own.
_HF_HOME = tempfile.mkdtemp(prefix="hfbpe-tests-hf-home-")
atexit.register(shutil.rmtree, _HF_HOME, ignore_errors=True)
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.pop("HF_DATASETS_CACHE", None)

# reference_bpe.py lives beside the tests; make it importable whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

SOURCES = ("fortunes", "linux-doc", "man-de", "man-zh_CN", "python-doc")


def corpus_path() -> Path:
    env = os.environ.get("HFBPE_DEV_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"


@pytest.fixture(scope="session")
def corpus() -> list[tuple[str, str]]:
    """Every document of the corpus as (source, text), in file order."""
    path = corpus_path()
    if not path.is_file():
        pytest.skip(f"development corpus not found at {path} (set HFBPE_DEV_CORPUS)")
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["text", "source"])
    docs = list(zip(table.column("source").to_pylist(), table.column("text").to_pylist()))
    assert docs, f"{path} holds no documents"
    return docs


def take_per_source(docs: list[tuple[str, str]], bytes_per_source: int, max_doc_chars: int) -> list[str]:
    """Documents of every source, in file order, until each source has `bytes_per_source` UTF-8 bytes.

    Sources are interleaved (one document of each in turn), so that batches mix languages.
    """
    per_source: dict[str, list[str]] = {s: [] for s in SOURCES}
    size = dict.fromkeys(SOURCES, 0)
    for source, text in docs:
        if source not in per_source or len(text) > max_doc_chars or size[source] >= bytes_per_source:
            continue
        per_source[source].append(text)
        size[source] += len(text.encode("utf-8"))
    missing = [s for s in SOURCES if not per_source[s]]
    assert not missing, f"the corpus has no documents of {missing}"
    out = []
    for i in range(max(len(v) for v in per_source.values())):
        out.extend(v[i] for v in per_source.values() if i < len(v))
    return out


@pytest.fixture(scope="session")
def multilingual_slice(corpus) -> list[str]:
    """About 1.3 MB: some documents of each of the five sources (English, German, Chinese, roff, reST)."""
    return take_per_source(corpus, bytes_per_source=260_000, max_doc_chars=60_000)


@pytest.fixture(scope="session")
def small_slice(corpus) -> list[str]:
    """About 50 KB of short documents of every source, for the pure-Python reference trainer."""
    return take_per_source(corpus, bytes_per_source=10_000, max_doc_chars=4_000)


@pytest.fixture(scope="session")
def held_out_slice(corpus) -> list[str]:
    """About 250 KB of documents from the end of the file, none of them in `multilingual_slice`."""
    return take_per_source(corpus[::-1], bytes_per_source=50_000, max_doc_chars=60_000)


# A fake Hugging Face Hub on 127.0.0.1 (tests/hub_server.py) -------------------------------

HUB_TOKENS = {"hf_alice_token": "alice", "hf_bob_token": "bob"}


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """A running FakeHub with users alice and bob (tokens in HUB_TOKENS); huggingface_hub is
    pointed at it, online, without Xet, with an empty cache in tmp_path, and HF_TOKEN is alice's."""
    from huggingface_hub.utils import close_session

    from hub_server import FakeHub, patch_hub_client

    with FakeHub(HUB_TOKENS) as fake:
        patch_hub_client(monkeypatch, fake.endpoint, tmp_path / "hf-cache")
        monkeypatch.setenv("HF_TOKEN", "hf_alice_token")
        try:
            yield fake
        finally:
            close_session()  # close keep-alive connections before the server goes


@pytest.fixture
def hub_down(monkeypatch, tmp_path):
    """The endpoint of a Hub that is down (a free port where nothing listens), with the same
    patching as `hub`; yields the endpoint."""
    import socket

    from huggingface_hub.utils import close_session

    from hub_server import patch_hub_client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = "http://127.0.0.1:%d" % probe.getsockname()[1]
    patch_hub_client(monkeypatch, endpoint, tmp_path / "hf-cache")
    monkeypatch.setenv("HF_TOKEN", "hf_alice_token")
    try:
        yield endpoint
    finally:
        close_session()
