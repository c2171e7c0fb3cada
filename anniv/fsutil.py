"""The one way anniv writes a file: a temp file in the same folder, fsync, then rename.

A reader sees the old file or the new one, whole, never half of either; a crash leaves at most
a stray ``.*.tmp`` file, which the next write of the same target removes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(target: Path, data: bytes, durable: bool = True, mode: int = 0o644) -> None:
    """Replace ``target`` with ``data`` atomically. With ``durable`` the data and the folder
    entry are flushed to disk before returning (fsync on the file, then on the folder)."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
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
            return
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
