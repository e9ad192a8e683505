"""Progress bars: tqdm in a terminal, nothing otherwise."""

from __future__ import annotations

import sys


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def progress_enabled(show_progress: bool | None) -> bool:
    """None means: show when stderr is a terminal and datasets' progress bars are not disabled."""
    if show_progress is not None:
        return bool(show_progress)
    try:
        from datasets.utils.logging import is_progress_bar_enabled
    except ImportError:  # pragma: no cover - datasets is a dependency, but keep bars usable without it
        pass
    else:
        if not is_progress_bar_enabled():
            return False
    return sys.stderr.isatty()


def progress_bar(enabled: bool, **kwargs):
    """A tqdm bar when enabled, else an object with the same update/close methods that does nothing."""
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(**kwargs)
