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


def exchange(a: str | os.PathLike, b: str | os.PathLike) -> None:
    """Swaps two paths in one step (Linux renameat2 with RENAME_EXCHANGE): a reader sees either
    both as they were or both swapped. OSError where the system cannot (then nothing changed)."""
    import ctypes
    import ctypes.util
    import errno

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        raise OSError(errno.ENOSYS, "renameat2 is not available") from None
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


def link_tree(source: str | os.PathLike, destination: str | os.PathLike, skip: set[str]) -> None:
    """Recreates every entry of `source` (but the names in `skip`, at its top) in `destination`
    as hard links (folders made anew, symbolic links copied): nothing is copied, whatever size
    the files are. OSError where links cannot be made (another file system)."""
    from pathlib import Path

    source, destination = Path(source), Path(destination)
    for entry in os.scandir(source):
        if entry.name in skip:
            continue
        target = destination / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            os.mkdir(target)
            os.chmod(target, entry.stat().st_mode & 0o7777)
            link_tree(entry.path, target, set())
        else:
            os.link(entry.path, target)


def fsync_directory(path: str | os.PathLike) -> None:
    """Makes a folder's entries (new, renamed) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
