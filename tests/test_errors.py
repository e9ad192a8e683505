"""Bad input gives clear exceptions; input that runs out warns; Ctrl-C stops training promptly."""

from __future__ import annotations

import base64
import contextlib
import os
import random
import signal
import threading
import time

import pytest

import hfbpe
from hfbpe import _core


def train(texts, vocab_size=300, **kwargs):
    return hfbpe.train(texts, vocab_size, show_progress=False, **kwargs)


# vocab_size ---------------------------------------------------------------------------


@pytest.mark.parametrize("vocab_size", [255, 0, -1])
def test_vocab_size_below_256(vocab_size):
    with pytest.raises(ValueError, match=f"at least 256.*got {vocab_size}"):
        train(["hello"], vocab_size)
    with pytest.raises(ValueError, match="at least 256"):
        hfbpe.Tokenizer().train_from_iterator(["hello"], vocab_size)


def test_vocab_size_too_small_for_special_tokens():
    with pytest.raises(ValueError, match=r"at least 258 \(256 byte tokens \+ 2 special tokens\), got 257"):
        train(["hello"], 257, special_tokens=["<|bos|>", "<|eos|>"])
    tokenizer = train(["hello hello"], 258, special_tokens=["<|bos|>", "<|eos|>"])  # room for no merge
    assert tokenizer.vocab_size == 256
    assert tokenizer.special_tokens == {"<|bos|>": 256, "<|eos|>": 257}


@pytest.mark.parametrize("vocab_size", [300.0, "300", None, True])
def test_vocab_size_not_an_int(vocab_size):
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        train(["hello"], vocab_size)
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        hfbpe.Tokenizer().train_from_iterator(["hello"], vocab_size)


# texts -----------------------------------------------------------------------------


def test_item_that_is_not_a_str():
    with pytest.raises(TypeError, match=r"item 3 of the input is int, expected str"):
        train(["a", "b", "c", 4, "e"])


def test_bad_item_is_named_by_its_position_across_batches():
    texts = ["a"] * 10_001 + [b"bytes"]
    with pytest.raises(TypeError, match=r"item 10001 of the input is bytes"):
        train(texts)
    with pytest.raises(TypeError, match=r"item 10001 of the input is bytes"):
        train(iter(texts), batch_size=7)
    with pytest.raises(TypeError, match=r"item 10001 of the input is bytes"):
        hfbpe.Tokenizer().train_from_iterator(iter(texts), 300, buffer_size=100)


def test_none_item_is_a_missing_value():
    """None stands for a missing value, as a null does in a dataset column: skipped and counted."""
    tokenizer = train(["ab ab", None, "ab", None], 257)
    assert tokenizer.merges == [(ord("a"), ord("b"))]
    assert tokenizer.training_summary["nulls"] == 2
    assert tokenizer.training_summary["documents"] == 2


def test_none_as_texts():
    with pytest.raises(TypeError, match="the training data is None"):
        train(None)


@pytest.mark.parametrize("texts", ["a single text", b"some bytes"])
def test_single_str_as_texts(texts):
    with pytest.raises(TypeError, match="wrap it in a list"):
        train(texts)


def test_not_iterable():
    with pytest.raises(TypeError, match="iterable of str, got int"):
        train(42)


def test_lone_surrogate():
    with pytest.raises(ValueError, match=r"item 1 of the input contains a lone surrogate at character 1\b"):
        train(["fine", "a\ud800b", "fine"])
    # In a later batch, on several threads, and with other text before it in the same item.
    texts = ["fine"] * 50 + ["héllo wörld \udfff"]
    with pytest.raises(ValueError, match=r"item 50 of the input contains a lone surrogate at character 12\b"):
        train(texts, batch_size=16, num_threads=3)


def test_error_from_the_iterator_propagates():
    def texts():
        yield "one"
        yield "two"
        raise RuntimeError("the data loader broke")

    with pytest.raises(RuntimeError, match="the data loader broke"):
        train(texts())


# patterns --------------------------------------------------------------------------


def test_invalid_regex_through_the_drop_in():
    with pytest.raises(hfbpe.PatternError, match=r"offset 4: missing closing parenthesis"):
        hfbpe.Tokenizer().train_from_iterator(["hello"], 300, pattern="(abc")


def test_invalid_regex_through_train():
    """README: a pattern PCRE2 cannot compile gives hfbpe.PatternError quoting PCRE2's message and the offset."""
    with pytest.raises(ValueError) as info:
        train(["hello"], pattern="(abc")
    message = str(info.value)
    assert "missing closing parenthesis" in message and "offset 4" in message, message
    assert isinstance(info.value, hfbpe.PatternError)


def test_pattern_tiktoken_cannot_compile():
    # \p{Xan} is PCRE2-only: counting could use it, but the tokenizer could not encode with it.
    with pytest.raises(ValueError, match="tiktoken cannot compile"):
        train(["hello"], pattern=r"\p{Xan}+|\s+")


def test_empty_or_non_str_pattern():
    with pytest.raises(ValueError, match="must not be empty"):
        train(["hello"], pattern="")
    with pytest.raises(TypeError, match="pattern must be a str"):
        train(["hello"], pattern=3)


# input that runs out ------------------------------------------------------------------


@pytest.mark.parametrize("texts", [[], [""], ["", "", ""]], ids=["no_texts", "empty_text", "empty_texts"])
def test_empty_input_warns(texts):
    with pytest.warns(hfbpe.TrainingWarning, match="holds no text.*256 ordinary tokens instead of the 300"):
        tokenizer = train(texts, 300)
    assert tokenizer.vocab_size == 256
    assert tokenizer.n_vocab == 256
    assert tokenizer.merges == []
    assert tokenizer.encode("ab") == [97, 98]

    drop_in = hfbpe.Tokenizer()
    with pytest.warns(hfbpe.TrainingWarning):
        drop_in.train_from_iterator(iter(texts), 300)
    assert drop_in.vocab_size == 256


def test_input_that_runs_out_of_pairs_warns():
    with pytest.warns(hfbpe.TrainingWarning, match="only has pairs for 2 merges"):
        tokenizer = train(["abab"], 1000, special_tokens=["<|eos|>"])
    assert tokenizer.merges == [(97, 98), (256, 256)]
    assert tokenizer.vocab_size == 258
    assert tokenizer.special_tokens == {"<|eos|>": 258}  # specials follow the last ordinary id


def test_no_warning_when_the_vocabulary_fills(recwarn):
    train(["abab cdcd efef"], 260)
    assert not [w for w in recwarn if issubclass(w.category, hfbpe.TrainingWarning)]


# other arguments -------------------------------------------------------------------


@pytest.mark.parametrize("num_threads", [0, -1])
def test_num_threads_below_one(num_threads):
    with pytest.raises(ValueError, match="num_threads must be at least 1"):
        train(["hello"], num_threads=num_threads)


def test_num_threads_not_an_int():
    with pytest.raises(TypeError, match="num_threads must be an int"):
        train(["hello"], num_threads=1.5)


@pytest.mark.parametrize("batch_size", [0, -5, 1.5])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        train(["hello"], batch_size=batch_size)


def test_bad_special_tokens():
    with pytest.raises(TypeError, match="single str"):
        train(["hello"], special_tokens="<|bos|>")
    with pytest.raises(ValueError, match="same token twice"):
        train(["hello"], special_tokens=["<|bos|>", "<|bos|>"])
    with pytest.raises(TypeError, match=r"special_tokens\[1\]"):
        train(["hello"], special_tokens=["<|bos|>", ""])


# Ctrl-C ----------------------------------------------------------------------------

SIGNAL_DELAY = 0.5  # seconds after the call starts
MAX_LATENCY = 1.5  # seconds from the signal to KeyboardInterrupt reaching Python


@contextlib.contextmanager
def sigint_after(delay: float):
    """Sends the process a real SIGINT from another thread after `delay` seconds.

    The handler raises KeyboardInterrupt while armed; once the block is left it
    only records, so a late signal can never hit the rest of the test session.
    """
    state = {"armed": True, "sent": None}

    def handler(signum, frame):
        if state["armed"]:
            raise KeyboardInterrupt

    def fire():
        state["sent"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, handler)
    timer = threading.Timer(delay, fire)
    timer.start()
    try:
        yield state
    finally:
        state["armed"] = False
        timer.join()
        time.sleep(0.05)  # let a pending signal reach the disarmed handler
        signal.signal(signal.SIGINT, previous)


def run_interrupted(call) -> None:
    start = time.monotonic()
    with sigint_after(SIGNAL_DELAY) as state:
        try:
            call()
        except KeyboardInterrupt:
            caught = time.monotonic()
        else:
            pytest.fail(f"the call finished after {time.monotonic() - start:.2f} s without being interrupted")
    assert state["sent"] is not None
    latency = caught - state["sent"]
    assert 0 <= latency < MAX_LATENCY, f"KeyboardInterrupt took {latency:.2f} s after the signal"
    # Still usable afterwards.
    assert train(["abab abab"], 258).merges == [(97, 98), (256, 256)]


@pytest.fixture(scope="module")
def many_distinct_words() -> _core.WordCounts:
    """250,000 random 8-letter base64 words: about 750,000 merges, several seconds of merging."""
    rng = random.Random(7)
    letters = base64.b64encode(rng.randbytes(1_500_000)).decode()
    text = " ".join(letters[i : i + 8] for i in range(0, len(letters), 8))
    counter = _core.Counter(r"\S+", 2)
    counter.count([text])
    counts = counter.take_counts()
    assert len(counts) > 240_000
    return counts


def test_ctrl_c_while_merging(many_distinct_words):
    run_interrupted(lambda: _core.train(many_distinct_words, 10_000_000))


def test_ctrl_c_while_merging_with_progress(many_distinct_words):
    from hfbpe.merging import learn_merges

    run_interrupted(lambda: learn_merges(many_distinct_words, 10_000_000, show_progress=False))


# Every character is a piece, and each one looks up to 5000 characters ahead:
# counting a few MB takes seconds without being pathological for any single match.
SLOW_PATTERN = r"(?![^z]{0,5000}z)[\s\S]"


def test_ctrl_c_while_counting_one_long_text():
    text = "ab cd ef " * 200_000  # 1.8 million characters
    run_interrupted(lambda: train([text], 300, pattern=SLOW_PATTERN, num_threads=2))


def test_ctrl_c_while_counting_many_texts():
    texts = ["some words " * 1_000] * 200  # 2.2 million characters, 11,000 per text
    run_interrupted(lambda: train(texts, 300, pattern=SLOW_PATTERN, num_threads=2, batch_size=10))


def test_ctrl_c_while_counting_an_arrow_array():
    import pyarrow as pa

    texts = pa.array(["some words " * 1_000] * 200, type=pa.large_string())
    run_interrupted(lambda: train(texts, 300, pattern=SLOW_PATTERN, num_threads=2))


def test_ctrl_c_while_reading_a_stream():
    from datasets import Dataset

    stream = Dataset.from_dict({"text": ["some words " * 1_000] * 200}).to_iterable_dataset()
    run_interrupted(lambda: train(stream, 300, pattern=SLOW_PATTERN, num_threads=2, batch_size=10))


# A streamed training that stops early leaves nothing behind ---------------------------------


def os_threads() -> int:
    """Threads of this process, native ones (the counter's pool, Arrow's) included."""
    return len(os.listdir("/proc/self/task"))


def settled_threads(baseline: int, within: float = 3.0) -> int:
    """The thread count once it is back to `baseline` (or after `within` seconds): a read in progress
    when the stream was closed finishes on its own, a moment later."""
    deadline = time.monotonic() + within
    while os_threads() > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    return os_threads()


def busy_seconds(over: float = 0.5) -> float:
    """CPU seconds the process spends in `over` seconds of the main thread sleeping: about 0 when no
    thread is still working."""
    before = os.times()
    time.sleep(over)
    after = os.times()
    return (after.user - before.user) + (after.system - before.system)


@pytest.fixture
def parquet_stream(tmp_path):
    """Four parquet shards streamed as datasets does, which hfbpe reads directly with a read-ahead thread."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import load_dataset

    for i in range(4):
        pq.write_table(pa.table({"text": [f"shard {i} some words " * 500] * 60}), tmp_path / f"{i}.parquet",
                       row_group_size=10)
    return load_dataset("parquet", data_files=str(tmp_path / "*.parquet"), split="train", streaming=True)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
def test_ctrl_c_in_a_streamed_training_leaves_no_thread_and_no_file(parquet_stream, tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    interrupted = lambda: train(parquet_stream, 300, pattern=SLOW_PATTERN, num_threads=2, batch_size=10)  # noqa: E731
    # The first run starts the thread pools that stay (the counter's, Arrow's, which grows on
    # demand, tqdm's monitor). Three more interruptions must leave no thread of hfbpe's, none
    # working, and no more threads than pool growth explains (a thread left per run would be 3).
    run_interrupted(interrupted)
    baseline = settled_threads(0, within=1.0)
    for _ in range(3):
        run_interrupted(interrupted)
    assert settled_threads(baseline) <= baseline + 2
    assert not [t.name for t in threading.enumerate() if t.name.startswith("hfbpe")]
    assert busy_seconds() < 0.1
    assert list(scratch.iterdir()) == []
    tok = train(parquet_stream, 300, num_threads=2)  # the same stream, at once, in full
    assert tok.training_summary["documents"] == 240


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
def test_an_error_from_a_stream_surfaces_and_leaves_no_thread(parquet_stream):
    from datasets import IterableDataset

    def documents():
        for i in range(200):
            if i == 150:
                raise RuntimeError("the source broke at document 150")
            yield {"text": f"document {i} with some words"}

    train(parquet_stream, 300, num_threads=2)  # Arrow's and the counter's thread pools, which stay
    baseline = os_threads()
    with pytest.raises(RuntimeError, match="the source broke at document 150"):
        train(IterableDataset.from_generator(documents), 300, num_threads=2, batch_size=16)
    assert settled_threads(baseline) <= baseline and busy_seconds() < 0.1
    with pytest.raises(ZeroDivisionError):  # raised by the user's map, in the middle of shard 2
        train(parquet_stream.map(lambda row: row if "shard 2" not in row["text"] else 1 / 0), 300)
    # datasets' own reader (a map keeps hfbpe off the direct parquet path) may grow Arrow's pool by one.
    assert settled_threads(baseline) <= baseline + 1
    assert not [t.name for t in threading.enumerate() if t.name.startswith("hfbpe")]
    assert busy_seconds() < 0.1
    assert train(parquet_stream, 300).training_summary["documents"] == 240
