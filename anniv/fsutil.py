"""The one way anniv writes a file: a temp file in the same folder, fsync, then rename.

A reader sees the old file or the new one, whole, never half of either. A process killed in
the middle leaves at most a stray ``.NAME.*.tmp`` beside the target; the next successful write
of the same target removes such leftovers once they are ``STALE_SECONDS`` old (younger ones may
belong to another process writing right now).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

STALE_SECONDS = 600


def atomic_write(target: Path, data: bytes | list[Any], durable: bool = True, mode: int = 0o644) -> None:
    """Replace ``target`` with ``data`` (bytes, or a list of pieces written one after another:
    bytes, or binary files copied from their start, so that a large file need not be joined
    in memory first) atomically. With ``durable`` the
    data and the folder entry are flushed to disk before returning (fsync on the file, then on
    the folder), so after a power cut the target is the old or the new content, not an empty
    file."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in data if isinstance(data, list) else [data]:
                if isinstance(piece, (bytes, bytearray, memoryview)):
                    fh.write(piece)
                elif hasattr(piece, "readinto"):  # a binary file
                    _copy_file(piece, fh)
                else:
                    raise TypeError(f"cannot write {type(piece).__name__}: give bytes or a binary file")
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        try:
            dfd = os.open(folder, os.O_RDONLY)
        except OSError:
            dfd = -1
        if dfd >= 0:
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    remove_stale_temps(target)


def scratch_file(folder: str | os.PathLike[str]) -> Any:
    """An unnamed temporary file in ``folder`` (binary, read-write) for building a large file
    in pieces before ``atomic_write`` puts it in place: it has no name to leave behind, and
    the space goes back when it is closed or the process ends."""
    return tempfile.TemporaryFile(dir=folder)


def _copy_file(source: Any, fh: Any) -> None:
    """Append the whole binary file ``source`` to the binary file ``fh`` (``copy_range``)."""
    source.flush()
    fh.flush()
    size = os.fstat(source.fileno()).st_size
    at = fh.tell()
    copy_range(source.fileno(), fh.fileno(), size, 0, at)
    fh.seek(at + size)


def copy_range(src: int, dst: int, length: int, src_at: int, dst_at: int) -> None:
    """Copy ``length`` bytes at ``src_at`` of the file ``src`` to ``dst_at`` of ``dst`` (both
    descriptors): in the kernel (``copy_file_range``) where it can, so a large index's pieces
    need not pass through this process's memory; through a buffer where it cannot (another file
    system, an old kernel), from wherever the kernel copy stopped."""
    done = 0
    kernel = hasattr(os, "copy_file_range")
    while done < length:
        n = 0
        if kernel:
            try:
                n = os.copy_file_range(src, dst, length - done, src_at + done, dst_at + done)
            except OSError:
                n = 0
            kernel = n > 0
        if n <= 0:
            data = os.pread(src, min(length - done, 1 << 20), src_at + done)
            if not data:
                raise OSError(f"copying {length} bytes: the source ends after {done}")
            n = os.pwrite(dst, data, dst_at + done)
        done += n


def spool_file(target: str | os.PathLike[str]) -> tuple[str, int]:
    """A named temporary file beside ``target`` (its path and a descriptor open for writing)
    for another process to read before ``target`` is written: named as ``atomic_write`` names
    its temp files, so one left behind by a process that died goes with the next successful
    write of ``target``. The caller removes it."""
    head, name = os.path.split(os.fspath(target))
    fd, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=head or ".")
    return path, fd


def remove_stale_temps(target: Path, older_than: float = STALE_SECONDS) -> int:
    """Delete ``.NAME.*.tmp`` leftovers of ``target`` last modified more than ``older_than``
    seconds ago; returns how many went. Errors are ignored: a leftover only costs space."""
    prefix = f".{target.name}."
    cutoff = time.time() - older_than
    removed = 0
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed
