"""How hfbpe talks to the Hub when the Hub misbehaves: retries with bounded backoff, a timeout on
every request, and errors that name the repo.

- A call that fails with 429, a server error (500, 502, 503, 504) or a transport failure (a dropped
  connection, a timeout) is tried again HFBPE_HUB_RETRIES times (default 4) after 0.5, 1, 2, ...
  seconds; a client error (401, 403, 404, ...) is final at once.
- A request that gets no byte from the Hub for HFBPE_HUB_TIMEOUT seconds (default 60) gives up.
  huggingface_hub sends its API calls (create_commit among them) with no timeout, so a Hub that
  accepts the connection and then stalls would hang a push for ever. A stalled push therefore ends
  after at most (retries + 1) timeouts plus the backoff. Downloads keep huggingface_hub's own
  timeouts and retries unless HFBPE_HUB_TIMEOUT is set (see `download`).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import time
from collections.abc import Iterator
from typing import Any, Callable, TypeVar

from ._settings import env_number

RETRY_STATUSES = {429, 500, 502, 503, 504}
DEFAULT_RETRIES = 4
DEFAULT_TIMEOUT = 60.0

T = TypeVar("T")

# The timeout of the requests made inside `timeouts()` by this thread (or task), and whether it
# replaces timeouts huggingface_hub set itself (when HFBPE_HUB_TIMEOUT is set); None outside.
_timeout: contextvars.ContextVar[tuple[float, bool] | None] = contextvars.ContextVar("hfbpe_hub_timeout",
                                                                                     default=None)


def request_timeout() -> float:
    """HFBPE_HUB_TIMEOUT in seconds (a positive number)."""
    return env_number("HFBPE_HUB_TIMEOUT", DEFAULT_TIMEOUT)


def retries() -> int:
    """HFBPE_HUB_RETRIES (a whole number, 0 or more)."""
    return int(env_number("HFBPE_HUB_RETRIES", DEFAULT_RETRIES, whole=True, zero_ok=True))


def _fill_in_timeout(request: Any) -> None:
    """An httpx request hook: gives the request the timeout of `timeouts()`, if any. Timeouts
    huggingface_hub sets itself (downloads: HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT) are
    kept unless HFBPE_HUB_TIMEOUT is set."""
    setting = _timeout.get()
    if setting is None:
        return
    seconds, override = setting
    current = dict(request.extensions.get("timeout") or {})
    for kind in ("connect", "read", "write", "pool"):
        if override or current.get(kind) is None:
            current[kind] = seconds
    request.extensions = {**request.extensions, "timeout": current}


@contextlib.contextmanager
def timeouts() -> Iterator[None]:
    """Within the block, this thread's Hub requests give up after HFBPE_HUB_TIMEOUT seconds.

    The hook is added to huggingface_hub's shared httpx client (once; it does nothing outside the
    block). huggingface_hub before 1.0 uses requests, where the hook has no place: its own
    timeouts apply there."""
    seconds = request_timeout()
    from huggingface_hub.utils import get_session

    hooks = getattr(get_session(), "event_hooks", None)
    if isinstance(hooks, dict) and _fill_in_timeout not in hooks.get("request", []):
        hooks["request"].append(_fill_in_timeout)
    token = _timeout.set((seconds, bool(os.environ.get("HFBPE_HUB_TIMEOUT"))))
    try:
        yield
    finally:
        _timeout.reset(token)


def retrying(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """call(*args, **kwargs), tried again on 429, server errors and transport failures."""
    from huggingface_hub.errors import HfHubHTTPError

    last = retries()
    for attempt in range(last + 1):
        try:
            return call(*args, **kwargs)
        except HfHubHTTPError as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            if status not in RETRY_STATUSES or attempt == last:
                raise
        except Exception as error:  # noqa: BLE001 - only transport failures are retried
            if not is_transport_error(error) or attempt == last:
                raise
        time.sleep(min(0.5 * 2**attempt, 8.0))
    raise AssertionError("unreachable")  # pragma: no cover


def is_transport_error(error: BaseException) -> bool:
    module = type(error).__module__.split(".")[0]
    return module in {"httpx", "httpx2", "httpcore", "httpcore2", "requests", "urllib3"} or isinstance(
        error, (ConnectionError, TimeoutError))


def _is_timeout(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or any("Timeout" in kind.__name__ for kind in type(error).__mro__)


def download(repo_id: str, filename: str, *, revision: str | None = None, token: str | bool | None = None) -> str:
    """hf_hub_download of one file (through huggingface_hub's cache), with errors naming the repo.

    huggingface_hub sets its own timeouts on downloads (HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT,
    10 s each; HFBPE_HUB_TIMEOUT replaces both when set) and retries a timeout five times itself,
    with 1 to 8 s of backoff: a stalled Hub ends a download with TimeoutError after about
    6 timeouts + 23 s."""
    from huggingface_hub import constants, hf_hub_download

    with timeouts(), naming_the_repo(repo_id, constants.ENDPOINT, doing="loading"):
        return hf_hub_download(repo_id, filename, revision=revision, token=token)


class naming_the_repo:
    """Adds the repo id to Hub errors, keeping the error itself (its type, status, server
    message); turns a timeout into TimeoutError and other transport failures into ConnectionError,
    both naming the repo and the endpoint. doing: "pushing to" or "loading"."""

    def __init__(self, repo_id: str, endpoint: str, doing: str = "pushing to") -> None:
        self.repo_id = repo_id
        self.endpoint = endpoint
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> bool:
        if error is None:
            return False
        from huggingface_hub.errors import HfHubHTTPError

        if isinstance(error, HfHubHTTPError):
            error.append_to_message(f"\n(while {self.doing} {self.repo_id!r})")
            return False  # re-raised as it is, now naming the repo
        if _is_timeout(error):
            if self.doing == "loading":
                how_long = ("the timeout (HFBPE_HUB_TIMEOUT, or huggingface_hub's HF_HUB_ETAG_TIMEOUT and "
                            "HF_HUB_DOWNLOAD_TIMEOUT), also when huggingface_hub tried again")
            else:
                how_long = f"{request_timeout():g} s (HFBPE_HUB_TIMEOUT), tried {retries() + 1} times"
            raise TimeoutError(
                f"{self.doing} {self.repo_id!r}: the Hub at {self.endpoint} sent nothing for {how_long}"
            ) from error
        if is_transport_error(error):
            raise ConnectionError(
                f"{self.doing} {self.repo_id!r}: could not reach the Hub at {self.endpoint}: {error}"
            ) from error
        return False
