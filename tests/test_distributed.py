"""Counting on a Dask cluster gives the merges of a local run."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pickle

import distributed
import pytest
from datasets import Dataset, load_dataset

import hfbpe
from hfbpe.distributed import make_shards


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def texts(multilingual_slice) -> list[str]:
    return multilingual_slice[:400]


def train(data, **kwargs):
    return hfbpe.train(data, 1200, show_progress=False, num_threads=1, **kwargs)


def test_dataset_on_the_cluster(client, texts, tmp_path):
    pq.write_table(pa.table({"text": texts}), tmp_path / "data.parquet", row_group_size=50)
    ds = load_dataset("parquet", data_files=str(tmp_path / "data.parquet"), split="train",
                      cache_dir=str(tmp_path / "cache"))
    shards = make_shards(ds, 4)
    assert sum(len(s) for s in shards) == len(texts)
    # A shard of a memory-mapped Dataset pickles as a reference to its Arrow file, not as text.
    assert max(len(pickle.dumps(s)) for s in shards) < 20_000 < sum(len(t) for t in texts) // 10
    local = train(ds)
    remote = train(ds, client=client)
    assert remote.merges == local.merges
    summary = remote.training_summary
    assert summary["documents"] == len(texts) and summary["workers"] == 2 and summary["shards"] == 4
    assert summary["data"]["column"] == "text"


def test_streaming_dataset_split_along_its_files(client, texts, tmp_path):
    for i in range(4):
        with open(tmp_path / f"part{i}.jsonl", "w", encoding="utf-8") as f:
            for text in texts[i::4]:
                f.write(json.dumps({"text": text}) + "\n")
    files = sorted(str(p) for p in tmp_path.glob("part*.jsonl"))
    streamed = load_dataset("json", data_files=files, split="train", streaming=True)
    remote = train(streamed, client=client)
    assert remote.merges == train(streamed).merges
    assert remote.training_summary["shards"] == 4


def test_parquet_shards_one_task_each(client, texts, tmp_path):
    """More files than workers: one task per file, each read directly by its worker."""
    for i in range(7):
        pq.write_table(pa.table({"text": texts[i::7]}), tmp_path / f"shard{i}.parquet", row_group_size=20)
    files = sorted(str(p) for p in tmp_path.glob("shard*.parquet"))
    streamed = load_dataset("parquet", data_files=files, split="train", streaming=True)
    remote = train(streamed, client=client)
    assert remote.merges == train(texts).merges
    summary = remote.training_summary
    assert summary["shards"] == 7 and summary["documents"] == len(texts)
    assert summary["bytes"] == sum(len(t.encode("utf-8")) for t in texts)


def test_lists_and_arrow_on_the_cluster(client, texts):
    expected = train(texts).merges
    assert train(texts, client=client).merges == expected
    assert train(pa.array(texts), client=client).merges == expected
    counts = hfbpe.count(Dataset.from_dict({"text": texts}), client=client, show_progress=False)
    assert counts == hfbpe.count(texts, show_progress=False)


def test_max_chars_is_refused_on_a_cluster(client, texts):
    with pytest.raises(ValueError, match="max_chars takes a prefix of the data in order"):
        train(texts, client=client, max_chars=1000)


def test_a_worker_killed_while_counting_changes_nothing(client, texts, tmp_path):
    """The first task to read the third shard kills its worker process; Dask runs the task again
    elsewhere (the nanny restarts the worker). Tasks are pure and their tables are added once:
    the merges and the documents and bytes counted equal a local run's."""
    import os

    from datasets import IterableDataset

    marker = str(tmp_path / "killed-once")
    shards = [texts[i::6] for i in range(6)]

    def generate(shards, marker):
        import os as _os

        for shard in shards:
            if shard is third and not _os.path.exists(marker):
                open(marker, "w").close()
                _os._exit(1)  # the worker process dies in the middle of its shard
            for text in shard:
                yield {"text": text}

    third = shards[2]
    stream = IterableDataset.from_generator(generate, gen_kwargs={"shards": shards, "marker": marker})
    remote = train(stream, client=client)
    assert os.path.exists(marker)  # a worker did die
    local = train(stream)
    assert remote.merges == local.merges
    for key in ("documents", "bytes", "chars"):
        assert remote.training_summary[key] == local.training_summary[key] == (
            len(texts) if key == "documents" else sum(len(t.encode()) if key == "bytes" else len(t) for t in texts))


def test_a_corrupt_shard_on_the_cluster_names_the_file(client, texts, tmp_path):
    for i in range(3):
        pq.write_table(pa.table({"text": texts[i::3]}), tmp_path / f"part{i}.parquet")
    (tmp_path / "part1.parquet").write_bytes(b"PAR1 this is not parquet")
    streamed = load_dataset("parquet", data_files=sorted(str(p) for p in tmp_path.glob("*.parquet")),
                            split="train", streaming=True)
    with pytest.raises(Exception, match=r"part1\.parquet"):
        train(streamed, client=client)


# A scheduler that dies or stops answering --------------------------------------------------


@pytest.fixture
def own_scheduler(tmp_path):
    """A scheduler and one worker in processes of their own (a LocalCluster's scheduler lives in
    this process, where it cannot be killed or stopped alone); yields (scheduler process, client)."""
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    # cwd: not the repository root, whose hfbpe/ source folder would shadow the installed package
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tmp_path}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"], **quiet)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
                               "--nthreads", "1", "--no-dashboard"], **quiet)
    client = None
    try:
        client = distributed.Client(address, timeout=60)
        client.wait_for_workers(1, timeout=60)
        yield scheduler, client
    finally:
        import signal

        for process in (scheduler, worker):
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait()
        if client is not None:  # None: the scheduler never answered, whose error is the one to see
            client.close(timeout=2)


def slow_stream():
    from datasets import IterableDataset

    def documents(shards):
        import time as _time

        for shard in shards:
            for i in range(200):
                _time.sleep(0.05)  # 10 s per shard: the scheduler goes while the workers count
                yield {"text": f"document {i} of shard {shard}"}

    return IterableDataset.from_generator(documents, gen_kwargs={"shards": list(range(4))})


def test_a_scheduler_that_dies_gives_a_clear_error(own_scheduler):
    import threading
    import time

    scheduler, client = own_scheduler
    threading.Timer(2.0, scheduler.kill).start()
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=r"lost the Dask scheduler at tcp://127\.0\.0\.1:\d+ while counting"):
        train(slow_stream(), client=client)
    assert time.monotonic() - start < 10  # at once, not after the shards' 40 s


def test_a_scheduler_that_stops_answering_gives_up_within_the_timeout(own_scheduler, monkeypatch):
    import signal
    import threading
    import time

    monkeypatch.setenv("HFBPE_DASK_TIMEOUT", "2")
    scheduler, client = own_scheduler
    threading.Timer(2.0, scheduler.send_signal, (signal.SIGSTOP,)).start()
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"did not answer for 2 s while counting \(HFBPE_DASK_TIMEOUT\)"):
        train(slow_stream(), client=client)
    assert time.monotonic() - start < 2 + 5 + 2 + 3  # the stop, a probe's interval, its timeout, slack
