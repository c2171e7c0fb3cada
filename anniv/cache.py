"""On-disk cache of parsed calendar files.

One entry per data file, keyed on the file's resolved path, mtime, size and the code version,
so editing one file re-parses only that file. Entries are plain data written with ``marshal``
(no pickle: loading a cache never runs code) and decoded back into model values; an entry that
is corrupt, foreign, from another code version or not owned by the user is ignored and rebuilt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

from anniv import model
from anniv.errors import Problem

MAGIC = "anniv-cache-1"
_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (model.HistDate, model.Observance, model.Source, model.Commemoration, model.AltDate, model.Event, model.Calendar, Problem)
}


def code_version() -> str:
    """Changes whenever the code that turns YAML into values changes."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("records.py", "model.py", "dates.py", "cache.py", "__init__.py"):
        try:
            st = (here / name).stat()
        except OSError:
            continue
        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path | None:
    """``ANNIV_CACHE_DIR``, else ``$XDG_CACHE_HOME/anniv``, else ``~/.cache/anniv``; None when
    ``ANNIV_NO_CACHE=1``."""
    if os.environ.get("ANNIV_NO_CACHE") == "1":
        return None
    explicit = os.environ.get("ANNIV_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "anniv"


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(_encode(getattr(value, f.name)) for f in dataclasses.fields(value))]
    if isinstance(value, tuple):
        return tuple(_encode(v) for v in value)
    if isinstance(value, list):
        return ("__list__", tuple(_encode(v) for v in value))
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        cls = _CLASSES[value[0]]
        return cls(*(_decode(v) for v in value[1:]))
    if isinstance(value, tuple):
        if len(value) == 2 and value[0] == "__list__":
            return [_decode(v) for v in value[1]]
        return tuple(_decode(v) for v in value)
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    raise ValueError(f"unexpected value of type {type(value).__name__} in cache")


class Cache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.version = code_version()

    @classmethod
    def open(cls) -> Cache:
        return cls(cache_dir())

    def _entry(self, path: Path) -> tuple[Path, tuple[Any, ...]] | None:
        if self.folder is None:
            return None
        try:
            real = path.resolve()
            st = real.stat()
        except OSError:
            return None
        name = hashlib.sha256(str(real).encode()).hexdigest()[:32] + ".marshal"
        return self.folder / name, (MAGIC, self.version, str(real), st.st_mtime_ns, st.st_size)

    def get(self, path: Path) -> tuple[model.Calendar | None, list[Problem]] | None:
        entry = self._entry(path)
        if entry is None:
            return None
        file, key = entry
        try:
            st = file.stat()
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                return None  # someone else could have written it: never trust it
            data = marshal.loads(file.read_bytes())
            if not isinstance(data, tuple) or len(data) != 3 or data[0] != key:
                return None
            cal = _decode(data[1])
            problems = _decode(data[2])
            if cal is not None and not isinstance(cal, model.Calendar):
                return None
            return cal, list(problems)
        except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError):
            return None

    def put(self, path: Path, cal: model.Calendar | None, problems: list[Problem]) -> None:
        entry = self._entry(path)
        if entry is None:
            return
        file, key = entry
        from anniv.fsutil import atomic_write

        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # type: ignore[union-attr]
            atomic_write(file, marshal.dumps((key, _encode(cal), _encode(tuple(problems)))), durable=False)
        except OSError:
            pass  # a cache that cannot be written only costs speed

    def close(self) -> None:
        """Nothing is held open; kept so callers can treat the cache as a resource."""
