"""File operations an export relies on for durability: atomic replacement, directory fsync,
an advisory lock, and publishing a finished file or directory under its real name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from ._errors import ExportFileError


def _temporary_prefix(path: Path) -> str:
    """How the temporary files of :func:`atomic_write` to ``path`` begin (they end ``.tmp``)."""
    return "." + path.name + "."


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def clear_unfinished_writes(path: Path) -> None:
    """Delete the temporary files that :func:`atomic_write` calls to ``path`` killed before
    their rename left behind."""
    for stale in path.parent.glob(_temporary_prefix(path) + "*.tmp"):
        stale.unlink(missing_ok=True)


def fsync_path(path: Path) -> None:
    """fsync a file (or directory) by name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Make renames and creations in ``directory`` durable (not possible everywhere)."""
    with contextlib.suppress(OSError):
        fsync_path(directory)


class Lock:
    """An exclusive advisory lock on ``path`` (created if absent), held until :meth:`release`.

    A second export of the same target (an overlapping scheduled run) must not interleave
    its rows with ours; the lock is taken before anything is cut or written.
    """

    def __init__(self, path: Path, *, directory: bool) -> None:
        self.path = path
        if directory:
            path.mkdir(exist_ok=True)
            fd = os.open(path, os.O_RDONLY)
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        self._fd: int | None = fd
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Windows
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            self._fd = None
            raise ExportFileError(f"another export is writing {path} right now") from None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def publish(source: Path, target: Path) -> None:
    """Put the finished ``source`` (file or directory) in place of ``target``.

    A file is replaced atomically. A directory cannot be swapped in one rename, so the old
    one is moved aside first and deleted only after the new one is in place; a crash in
    between leaves the old dataset under ``<target>.old`` and the new one complete.
    """
    if source.is_dir():
        old = _aside(target)
        if target.exists() or target.is_symlink():
            if old.exists():
                remove(old)
            os.replace(target, old)
        os.replace(source, target)
        fsync_dir(target.parent)
        drop_aside(target)
    else:
        if target.is_dir():
            raise ExportFileError(f"{target} is a directory; cannot replace it with a file")
        os.replace(source, target)
        fsync_dir(target.parent)


def drop_aside(target: Path) -> None:
    """Delete the old dataset :func:`publish` put aside, if it is still there (a publish
    killed after the new one was in place). Only a directory target has one: a file is
    replaced in one rename."""
    old = _aside(target)
    if target.is_dir() and old.exists():
        remove(old)


def _aside(target: Path) -> Path:
    """Where :func:`publish` keeps the old dataset while it puts the new one in place."""
    return target.with_name(target.name + ".old")


def remove(path: Path) -> None:
    """Delete a file or a directory tree, if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
