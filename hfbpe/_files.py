"""Permissions for what hfbpe writes: tempfile makes staging files and folders private,
but a saved tokenizer or counts file should get the mode any new file would."""

from __future__ import annotations

import os


def umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask would, briefly, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_public(path: str | os.PathLike, *, directory: bool = False) -> None:
    """Gives a staged file or folder the mode a plain open() or mkdir() would have given it."""
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())


def write_atomically(path: str | os.PathLike, write) -> None:
    """Calls write(temporary path) for a file beside `path`, then renames it into place: `path`
    holds the old content or the whole new one, never part of it."""
    import tempfile
    from pathlib import Path

    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        make_public(tmp)
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
