"""The on-disk index of a data folder: parsed records, encoded per event, plus the window index.

One cache file per data folder (and file list), validated against every calendar file's
(resolved path, mtime_ns, size), the folder's seed roots and the code version. Inside:

- a small header (``marshal`` of plain values; never pickle, so loading it runs no code) with
  one entry per file (its key, calendar header, problems and where its pieces lie), the first
  cross-file error, and where each array lies;
- per-event blobs (``marshal`` of a tuple) decoded only when an event is a candidate, each
  checked against its CRC-32 before decoding, and the quick path's records (``anniv.quick``;
  their first parts in chunks of events kept on one day, ``QUICK_CHUNK_BITS``);
- per-file blobs of index keys and cross-check keys, read only when one file changed, so the
  unchanged files are copied over without being parsed or decoded; the cross-file problems;
  the English JSON runs of counts of years (``quick.counted_table``), in blocks;
- raw arrays, each with its own CRC-32: the blob offsets and checksums, and the window index
  for the whole folder: month-day → event numbers (moving events are listed under every day
  they can fall on in ``MOVER_YEARS``), and arrays sorted by the Gregorian day of the event
  for day counts (events that opt in, and every day-precision CE event). An array is read in
  place from the memory map, and checked, only when it is first used: ``anniv due`` on the
  quick path never touches the event offsets, nor a full load the quick records'.

A cache that is truncated, corrupt, foreign, from another code version, or writable by another
user is ignored and rebuilt; a corrupt event blob found later raises ``CacheCorrupt`` so the
caller can reload from the YAML. Writes go through ``fsutil.atomic_write``.
"""

import marshal
import mmap
import zlib
from zlib import crc32

from anniv.kernel import MD_CODES

try:  # os's system calls without importing os, which brings collections.abc: 2 ms of a quick
    import posix as _system  # answer, whose launcher starts Python without site (and its os)
except ImportError:  # not a POSIX system: os has the same calls
    import os as _system  # type: ignore[no-redef]

TYPE_CHECKING = False  # not typing's: importing typing costs the quick path milliseconds
if TYPE_CHECKING:  # this module is read on the quick path (anniv.quick): imports stay light
    import os
    from collections.abc import Callable, Mapping
    from typing import Any


MAGIC = b"ANNIVIX6"
PREFIX_SIZE = 16  # magic (8 bytes), header length and header CRC-32 (4 bytes each, little-endian)
# Moving events (Korean lunar dates, rules) are indexed under every Gregorian day they fall on
# in these years; a window outside them lists every moving event as a candidate.
MOVER_YEARS = (1950, 2049)
NO_DAY = 0  # month-day code of events that are only found through the "movers" list
# The quick records' first parts are stored in chunks of up to 2**QUICK_CHUNK_BITS events kept
# on the same day (``indexer.FilePart.pack``); array ``qchunk`` gives each event's chunk and place.
QUICK_CHUNK_BITS = 4
QUICK_MASK = (1 << QUICK_CHUNK_BITS) - 1


class CacheCorrupt(Exception):
    """An event blob did not match its checksum or could not be decoded."""


# Modules whose code decides what the index holds: a change to any of them invalidates it.
VERSIONED = (
    "records.py",
    "model.py",
    "dates.py",
    "cache.py",
    "catalog.py",
    "engine.py",
    "milestones.py",
    "errors.py",
    "kernel.py",
    "render.py",
    "quick.py",
    "indexer.py",
    "lunar_months.py",
    "__init__.py",
)


def package_dir() -> str:
    """The real folder of anniv's modules, resolved once per process."""
    if not _HERE:
        _HERE.append(real_path(__file__).rpartition("/")[0] or "/")
    return _HERE[0]


_HERE: list[str] = []


def code_version() -> str:
    """Changes whenever code that turns YAML into values or values into index keys changes:
    the size and mtime of each module in ``VERSIONED`` (compared as text, not hashed)."""
    here = package_dir() + "/"
    out = []
    for name in VERSIONED:
        try:
            st = _system.stat(here + name)
        except OSError:
            continue
        out.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(out)


def cache_dir(env: "Mapping[str, str]") -> str | None:
    """``ANNIV_CACHE_DIR``, else ``$XDG_CACHE_HOME/anniv``, else ``~/.cache/anniv``, in the
    environment ``env``; None when ``ANNIV_NO_CACHE=1``."""
    if env.get("ANNIV_NO_CACHE") == "1":
        return None
    explicit = env.get("ANNIV_CACHE_DIR")
    if explicit:
        return explicit
    base = env.get("XDG_CACHE_HOME")
    if not base:
        home = env.get("HOME")
        if home is None:  # os.path.expanduser asks the password database
            import os

            home = os.path.expanduser("~")
        base = join(home.rstrip("/") or "/", ".cache")
    return join(base, "anniv")


def join(head: str, tail: str) -> str:
    """``os.path.join(head, tail)`` for a relative ``tail``."""
    return head + tail if not head or head.endswith("/") else head + "/" + tail


def is_dir(path: str) -> bool:
    """``os.path.isdir``."""
    try:
        return _system.stat(path).st_mode & 0o170000 == 0o040000
    except (OSError, ValueError):
        return False


def real_path(path: str) -> str:
    """``os.path.realpath(path)`` (not strict: a missing part is kept as written) with system
    calls alone, for the quick path. A loop of links raises OSError."""
    if not path.startswith("/"):
        path = join(_system.getcwd(), path)
    done = ""  # the resolved part, without its trailing slash ("" is the root)
    todo = path.split("/")[::-1]
    links = 0
    while todo:
        part = todo.pop()
        if not part or part == ".":
            continue
        if part == "..":
            done = done.rpartition("/")[0]
            continue
        step = done + "/" + part
        try:
            is_link = _system.lstat(step).st_mode & 0o170000 == 0o120000
        except OSError:
            is_link = False
        if not is_link:
            done = step
            continue
        links += 1
        if links > 40:
            raise OSError("too many levels of symbolic links: " + path)
        target = _system.readlink(step)
        if target.startswith("/"):
            done = ""
        todo.extend(target.split("/")[::-1])
    return done or "/"


def file_key(path: "str | os.PathLike[str]") -> "tuple[str, int, int] | None":
    import os

    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except (OSError, ValueError):
        return None
    return (real, st.st_mtime_ns, st.st_size)


class Index:
    """A loaded (memory-mapped) cache file. Files' pieces and arrays are read on demand."""

    def __init__(self, mm: mmap.mmap, header: "dict[str, Any]", body: int) -> None:
        self._mm = mm
        self.header = header
        self._body = body
        self.files: list[dict[str, Any]] = header["files"]
        self.n: int = header["events"]
        self._arrays: dict[str, tuple[int, int, str, int]] = header["arrays"]
        self._cast: dict[str, memoryview] = {}
        n = self.n
        self._lengths = {"offsets": n + 1, "crcs": n, "qchunk": n, "qxspans": 2 * n, "qxcrcs": n}
        self._view: memoryview | None = None
        for off, size, code, _ in self._arrays.values():
            if off < 0 or size < 0 or off % 8 or body + off + size > len(mm) or code not in "IiQ" or len(code) != 1:
                raise ValueError("an array lies outside the file")
        self._qx: Callable[[int], bytes] | None = None
        self._qc: Callable[[int], tuple[Any, ...]] | None = None

    def array(self, name: str) -> memoryview:
        """The array ``name``, read in place (a memoryview of the map) once its checksum holds."""
        view = self._cast.get(name)
        if view is None:
            off, size, code, crc = self._arrays[name]
            if self._view is None:
                self._view = memoryview(self._mm)
            raw = self._view[self._body + off : self._body + off + size]
            if zlib.crc32(raw) != crc:
                raise CacheCorrupt(f"array {name} fails its checksum")
            view = raw.cast(code)  # type: ignore[call-overload]
            if len(view) != self._lengths.get(name, len(view)):
                raise CacheCorrupt(f"array {name} does not match the event count")
            self._cast[name] = view
        return view

    def blob(self, i: int) -> bytes:
        offsets = self.array("offsets")
        data = self._mm[self._body + offsets[i] : self._body + offsets[i + 1]]
        if zlib.crc32(data) != self.array("crcs")[i]:
            raise CacheCorrupt(f"event {i} fails its checksum")
        return data

    def raw(self, start: int, end: int) -> bytes:
        """The bytes of the body from ``start`` to ``end``, copied as they are."""
        if not 0 <= start <= end or self._body + end > len(self._mm):
            raise CacheCorrupt("a range lies outside the file")
        return self._mm[self._body + start : self._body + end]

    def quick_head(self, i: int) -> "tuple[Any, ...] | None":
        """The first part of event ``i``'s quick record (see ``indexer.quick_record``)."""
        where, read = self.quick_chunks()
        q = where[i]
        head: tuple[Any, ...] | None = read(q >> QUICK_CHUNK_BITS)[q & QUICK_MASK]
        return head

    def quick_extra(self, i: int) -> bytes:
        """The second part of event ``i``'s quick record, as marshal bytes."""
        return self.quick_extras()(i)

    def quick_extras(self) -> "Callable[[int], bytes]":
        """``quick_extra`` as a function with its arrays bound to it (attribute look-ups were
        a third of its cost when called for every record)."""
        read = self._qx
        if read is None:
            bound: list[Any] = []  # the arrays, checked on the first call: most queries make none

            def read(i: int) -> bytes:
                if not bound:
                    bound.extend((self.array("qxspans"), self.array("qxcrcs"), self._map_body()))
                spans, crcs, body = bound
                data = bytes(body[spans[2 * i] : spans[2 * i + 1]])
                if crc32(data) != crcs[i]:
                    raise CacheCorrupt(f"quick record {i} fails its checksum")
                return data

            self._qx = read
        return read

    def quick_chunks(self) -> "tuple[memoryview, Callable[[int], tuple[Any, ...]]]":
        """What the quick path reads first parts with: event -> chunk << QUICK_CHUNK_BITS |
        place in it, and a function giving a chunk's records (read in place from the map once
        its CRC-32 holds)."""
        read = self._qc
        if read is None:
            spans, crcs, body = self.array("qcspans"), self.array("qccrcs"), self._map_body()
            if len(spans) != 2 * len(crcs):
                raise CacheCorrupt("the chunk arrays do not match")
            loads = marshal.loads

            def read(c: int) -> "tuple[Any, ...]":
                data = body[spans[2 * c] : spans[2 * c + 1]]
                if crc32(data) != crcs[c]:
                    raise CacheCorrupt(f"quick chunk {c} fails its checksum")
                try:
                    recs = loads(data)
                except (ValueError, EOFError, TypeError):
                    recs = None
                if type(recs) is not tuple:
                    raise CacheCorrupt(f"quick chunk {c} cannot be read")
                return recs

            self._qc = read
        return self.array("qchunk"), read

    def _map_body(self) -> memoryview:
        if self._view is None:
            self._view = memoryview(self._mm)
        return self._view[self._body :]

    def extra(self, where: tuple[int, int, int]) -> "Any":
        """A per-file blob (index keys or cross-check keys) stored after the events."""
        off, length, crc = where
        data = self._mm[self._body + off : self._body + off + length]
        if len(data) != length or zlib.crc32(data) != crc:
            raise CacheCorrupt("a per-file blob fails its checksum")
        try:
            return marshal.loads(data)
        except (ValueError, TypeError, EOFError) as exc:
            raise CacheCorrupt(str(exc)) from None

    def cross(self) -> tuple[tuple[int, int, int, str, str], ...]:
        """Problems between files, as (file number, line, col, message, severity)."""
        value: tuple[tuple[int, int, int, str, str], ...] = self.extra(self.header["cross_at"])
        return value


def _trusted(fd: int) -> bool:
    st = _system.fstat(fd)
    return st.st_uid == _system.getuid() and not st.st_mode & 0o022


def open_index(file: "str | os.PathLike[str]", identity: "tuple[Any, ...]") -> Index | None:
    """The index in ``file`` if it is ours, whole, and made for ``identity`` by this code."""
    try:
        fd = _system.open(file, _system.O_RDONLY)
    except OSError:
        return None
    try:
        if not _trusted(fd):
            return None  # someone else could have written it: never trust it
        size = _system.fstat(fd).st_size
        if size < PREFIX_SIZE:
            return None
        mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    finally:
        _system.close(fd)
    try:
        magic = mm[:8]
        hlen = int.from_bytes(mm[8:12], "little")
        hcrc = int.from_bytes(mm[12:16], "little")
        if magic != MAGIC or PREFIX_SIZE + hlen > len(mm):
            raise ValueError("foreign or truncated")
        raw = mm[PREFIX_SIZE : PREFIX_SIZE + hlen]
        if zlib.crc32(raw) != hcrc:
            raise ValueError("header checksum")
        header = marshal.loads(raw)
        if (
            not isinstance(header, dict)
            or header.get("identity") != identity
            or header.get("version") != code_version()
        ):
            raise ValueError("made for other files or another code version")
        return Index(mm, header, PREFIX_SIZE + hlen)
    except (ValueError, TypeError, EOFError, KeyError):
        mm.close()
        return None


def index_file(folder: "str | os.PathLike[str]", identity: "tuple[Any, ...]") -> str:
    """Where the index of ``identity`` (data folder, file list, seed roots) lives. The name
    only spreads folders over files; the identity inside is what is checked."""
    raw = repr(identity).encode("utf-8", "surrogatepass")
    return join(str(folder), f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}.idx")


def window_index(idx: Index, names: "tuple[str, ...] | None" = None) -> "dict[str, Any]":
    """The window index stored in ``idx`` (see ``catalog.build_index``): its arrays (those in
    ``names``, by default all) as read-only memoryviews of the map, checked on first use."""
    out: dict[str, Any] = {}
    for name in WINDOW_ARRAYS if names is None else names:
        out[name] = idx.array(name)
    h = idx.header
    if len(out["md_start"]) != MD_CODES + 1 or not isinstance(h["tables"], dict):
        raise ValueError("malformed index")
    out["tables"] = h["tables"]
    out["mover_years"] = tuple(h["mover_years"])
    return out


# The window index's arrays (``catalog.build_index``), by name.
WINDOW_ARRAYS = ("md_start", "md_events", "movers", "always", "greg_ord", "greg_ev", "greg_of", "opt_ord", "opt_ev")
