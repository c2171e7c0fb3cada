"""The on-disk index of a data folder: parsed records, encoded per event, plus the window index.

One cache file per data folder (and file list), validated against every calendar file's
(resolved path, mtime_ns, size), the folder's seed roots and the code version. Inside:

- a small header (``marshal`` of plain values; never pickle, so loading it runs no code) with
  one entry per file (its key, calendar header, problems and where its pieces lie), the first
  cross-file error, and where each array lies;
- per-event blobs (``marshal`` of a tuple) decoded only when an event is a candidate, each
  checked against its CRC-32 before decoding, and the quick path's records (``anniv.quick``);
- per-file blobs of index keys and cross-check keys, read only when one file changed, so the
  unchanged files are copied over without being parsed or decoded; the cross-file problems;
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
import os
import zlib

from anniv.kernel import MD_CODES

TYPE_CHECKING = False  # not typing's: importing typing costs the quick path milliseconds
if TYPE_CHECKING:  # this module is read on the quick path (anniv.quick): imports stay light
    from collections.abc import Iterable
    from typing import Any

    from anniv.model import Calendar, Event, HistDate, Source

MAGIC = b"ANNIVIX5"
PREFIX_SIZE = 16  # magic (8 bytes), header length and header CRC-32 (4 bytes each, little-endian)
# Moving events (Korean lunar dates, rules) are indexed under every Gregorian day they fall on
# in these years; a window outside them lists every moving event as a candidate.
MOVER_YEARS = (1950, 2049)
NO_DAY = 0  # month-day code of events that are only found through the "movers" list


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
    "__init__.py",
)


def code_version() -> str:
    """Changes whenever code that turns YAML into values or values into index keys changes:
    the size and mtime of each module in ``VERSIONED`` (compared as text, not hashed)."""
    here = os.path.dirname(os.path.realpath(__file__))
    out = []
    for name in VERSIONED:
        try:
            st = os.stat(os.path.join(here, name))
        except OSError:
            continue
        out.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(out)


def cache_dir() -> str | None:
    """``ANNIV_CACHE_DIR``, else ``$XDG_CACHE_HOME/anniv``, else ``~/.cache/anniv``; None when
    ``ANNIV_NO_CACHE=1``."""
    if os.environ.get("ANNIV_NO_CACHE") == "1":
        return None
    explicit = os.environ.get("ANNIV_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "anniv")


# -- events as plain tuples ----------------------------------------------------------------------
def _date_t(d: "HistDate") -> "tuple[Any, ...]":
    return (d.year, d.month, d.day, d.calendar, d.leap_month, d.qualifier)


def _source_t(s: "Source") -> tuple[str, ...]:
    return (s.title, s.publisher, s.url, s.published, s.accessed, s.note, s.seed)


def encode_event(ev: "Event") -> bytes:
    """Everything but the file-wide fields (calendar id, path), as marshal bytes."""
    o = ev.observed
    return marshal.dumps(
        (
            ev.id,
            ev.title,
            _date_t(ev.date),
            ev.summary,
            (o.on, o.rule, o.note),
            ev.leap_day,
            ev.aliases,
            ev.titles,
            ev.tags,
            ev.places,
            ev.importance,
            tuple(_source_t(s) for s in ev.sources),
            tuple(
                (_date_t(c.date), c.anniversary, c.what, c.by, c.place, tuple(_source_t(s) for s in c.sources))
                for c in ev.commemorations
            ),
            tuple((_date_t(a.date), a.note) for a in ev.alternative_dates),
            ev.related,
            ev.day_counts,
            ev.time,
            ev.tz,
            ev.notes,
            ev.line,
            ev.col,
        )
    )


def decode_event(blob: bytes, calendar_id: str, path: str) -> "Event":
    """The inverse of ``encode_event``; raises CacheCorrupt on anything unexpected."""
    from anniv.model import NO_OBSERVANCE, AltDate, Commemoration, Event, HistDate, Observance, Source

    try:
        (
            eid,
            title,
            dt,
            summary,
            ob,
            leap,
            aliases,
            titles,
            tags,
            places,
            imp,
            srcs,
            comms,
            alts,
            related,
            dc,
            time,
            tz,
            notes,
            line,
            col,
        ) = marshal.loads(blob)
        return Event(
            eid,
            title,
            HistDate(*dt),
            calendar_id,
            summary,
            NO_OBSERVANCE if ob == ("", "", "") else Observance(*ob),
            leap,
            aliases,
            titles,
            tags,
            places,
            imp,
            tuple([Source(*s) for s in srcs]),
            tuple(
                [
                    Commemoration(HistDate(*c[0]), c[1], c[2], c[3], c[4], tuple([Source(*s) for s in c[5]]))
                    for c in comms
                ]
            ),
            tuple([AltDate(HistDate(*a[0]), a[1]) for a in alts]),
            related,
            dc,
            time,
            tz,
            notes,
            path,
            line,
            col,
        )
    except (ValueError, TypeError, EOFError) as exc:
        raise CacheCorrupt(str(exc)) from None


# -- per-file pieces -----------------------------------------------------------------------------
class FilePart:
    """One calendar file as the index stores it.

    ``key`` is (resolved path, mtime_ns, size). ``header`` is (id, name, description, leap_day)
    or None for a file that yielded no calendar; ``problems`` are (line, col, message,
    severity) tuples whose path is the file's display path at load time. ``blobs`` are the
    encoded events, ``keys`` the index keys (see ``catalog.index_keys``), ``xkeys`` the
    cross-check keys and ``quick`` the quick-path records (``quick.record``) of each event;
    ``usable`` is False for files left out as broken; ``count`` is the number of events.
    """

    __slots__ = ("key", "display", "header", "problems", "usable", "blobs", "keys", "xkeys", "quick", "count")

    def __init__(
        self,
        key: tuple[str, int, int],
        display: str,
        header: tuple[str, str, str, str] | None,
        problems: tuple[tuple[int, int, str, str], ...],
        usable: bool,
        blobs: list[bytes],
        keys: "list[tuple[Any, ...]]",
        xkeys: "list[tuple[Any, ...]]",
        quick: list[tuple[bytes, bytes]],
    ) -> None:
        self.key = key
        self.display = display
        self.header = header
        self.problems = problems
        self.usable = usable
        self.blobs = blobs
        self.keys = keys
        self.xkeys = xkeys
        self.quick = quick
        self.count = len(blobs)  # kept when the blobs are let go once written


def file_key(path: str | os.PathLike[str]) -> tuple[str, int, int] | None:
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
        self.files: "list[dict[str, Any]]" = header["files"]
        self.n: int = header["events"]
        self._arrays: dict[str, tuple[int, int, str, int]] = header["arrays"]
        self._cast: dict[str, memoryview] = {}
        n = self.n
        self._lengths = {"offsets": n + 1, "crcs": n, "qslot": n, "qoffsets": 2 * n + 1, "qcrcs": 2 * n}
        self._view: memoryview | None = None
        for off, size, code, _ in self._arrays.values():
            if off < 0 or size < 0 or off % 8 or body + off + size > len(mm) or code not in "IiQ" or len(code) != 1:
                raise ValueError("an array lies outside the file")
        self._q: tuple[memoryview, memoryview, memoryview] | None = None

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
            view = raw.cast(code)
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

    def quick_blob(self, i: int, part: int = 0) -> bytes:
        """Part 0 or 1 of event ``i``'s quick record (see ``quick.record``)."""
        q = self._q
        if q is None:
            q = self._q = (self.array("qslot"), self.array("qoffsets"), self.array("qcrcs"))
        k = 2 * q[0][i] + part
        data = self._mm[self._body + q[1][k] : self._body + q[1][k + 1]]
        if zlib.crc32(data) != q[2][k]:
            raise CacheCorrupt(f"quick record {i} fails its checksum")
        return data

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

    def part(self, k: int) -> FilePart:
        """File ``k`` as a FilePart, its event blobs copied raw (not decoded)."""
        f = self.files[k]
        first, count = f["first"], f["count"]
        return FilePart(
            tuple(f["key"]),
            f["display"],
            f["header"],
            f["problems"],
            f["usable"],
            [self.blob(i) for i in range(first, first + count)],
            list(self.extra(f["keys_at"])),
            list(self.extra(f["xkeys_at"])),
            [(self.quick_blob(i), self.quick_blob(i, 1)) for i in range(first, first + count)],
        )


def _trusted(fd: int) -> bool:
    st = os.fstat(fd)
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def open_index(file: str | os.PathLike[str], identity: "tuple[Any, ...]") -> Index | None:
    """The index in ``file`` if it is ours, whole, and made for ``identity`` by this code."""
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError:
        return None
    try:
        if not _trusted(fd):
            return None  # someone else could have written it: never trust it
        size = os.fstat(fd).st_size
        if size < PREFIX_SIZE:
            return None
        mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
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


class IndexWriter:
    """Writes an index file as its parts arrive, so a cold build never holds every record.

    Event records, quick records and per-file keys go to three unnamed temporary files in
    the cache folder as each part is added; ``finish`` writes the header (which needs every
    offset), the three regions after it, and the arrays last, through ``fsutil.atomic_write``.
    Only offsets, checksums and the parts' keys stay in memory. Raises OSError when the folder
    cannot be written; ``abort`` lets the regions go."""

    def __init__(self, file: str | os.PathLike[str]) -> None:
        from array import array

        from anniv.fsutil import scratch_file

        self.file = os.fspath(file)
        folder = os.path.dirname(os.path.abspath(self.file))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        self._regions = [scratch_file(folder) for _ in range(3)]  # events, quick records, keys
        self._sizes = [0, 0, 0]
        self.offsets = array("Q", [0])
        self.crcs = array("I")
        # quick records are laid out in month-day order within each file (see ``add``):
        # qslot[event] is the record's place in that layout, qoffsets and qcrcs follow it
        self.qslot = array("I")
        self.qoffsets = array("Q")  # within the quick region until ``finish``
        self.qcrcs = array("I")
        self.files: "list[dict[str, Any]]" = []
        self.first = 0

    def _put(self, region: int, blob: bytes) -> int:
        start = self._sizes[region]
        self._regions[region].write(blob)
        self._sizes[region] += len(blob)
        return start

    def _extra(self, value: "Any") -> tuple[int, int, int]:
        data = marshal.dumps(value)
        return (self._put(2, data), len(data), zlib.crc32(data))  # within the keys region

    def add(self, part: FilePart) -> None:
        for blob in part.blobs:
            self._put(0, blob)
            self.offsets.append(self._sizes[0])
            self.crcs.append(zlib.crc32(blob))
        # A window's candidates are found day by day, so records kept on nearby days are
        # written next to each other: a month's listing then reads a twelfth of each file's
        # records in a few runs of pages instead of faulting pages in all over the region.
        order = list(range(len(part.quick)))
        if len(part.keys) == len(order):
            order.sort(key=lambda j: part.keys[j][0])
        slots = [0] * len(order)
        for place, j in enumerate(order):
            slots[j] = self.first + place
            for blob in part.quick[j]:
                self.qoffsets.append(self._put(1, blob))
                self.qcrcs.append(zlib.crc32(blob))
        self.qslot.extend(slots)
        self.files.append(
            {
                "key": part.key,
                "display": part.display,
                "header": part.header,
                "problems": tuple(part.problems),
                "usable": part.usable,
                "first": self.first,
                "count": part.count,
                "keys_at": self._extra(tuple(part.keys)),
                "xkeys_at": self._extra(tuple(part.xkeys)),
            }
        )
        self.first += part.count

    def finish(
        self, identity: "tuple[Any, ...]", index: "dict[str, Any]", cross: "Iterable[tuple[int, int, int, str, str]]"
    ) -> None:
        """Write the file (atomically) with ``index`` (the window index: its ``array.array``
        values become arrays, anything else goes into the header) and ``cross`` (cross-file
        problems as (file number, line, col, message, severity))."""
        from array import array
        from pathlib import Path

        from anniv.fsutil import atomic_write

        cross = tuple(cross)
        errors = [c for c in cross if c[4] == "error"]
        cross_at = self._extra(cross)
        events, quick, keys = self._sizes
        shift = {"keys_at": events + quick, "xkeys_at": events + quick}
        for f in self.files:
            for name, by in shift.items():
                off, length, crc = f[name]
                f[name] = (off + by, length, crc)
        end = events + quick + keys
        wide = end >= 2**32  # offsets fit 32 bits below 4 GB
        qoffsets = array("Q" if wide else "I", [o + events for o in self.qoffsets])
        qoffsets.append(events + quick)
        arrays = {
            "offsets": self.offsets if wide else array("I", self.offsets),
            "crcs": self.crcs,
            "qslot": self.qslot,
            "qoffsets": qoffsets,
            "qcrcs": self.qcrcs,
            **{k: v for k, v in index.items() if isinstance(v, array)},
        }
        where: dict[str, tuple[int, int, str, int]] = {}
        blobs: list[bytes] = []
        at = end + (-end % 8)
        pad = b"\0" * (at - end)
        for name, arr in arrays.items():
            data = arr.tobytes()
            where[name] = (at, len(data), arr.typecode, zlib.crc32(data))
            blobs += [pad, data]
            pad = b"\0" * (-len(data) % 8)
            at += len(data) + len(pad)
        header = marshal.dumps(
            {
                "identity": identity,
                "version": code_version(),
                "files": self.files,
                "events": self.first,
                "arrays": where,
                "cross_at": (cross_at[0] + events + quick, *cross_at[1:]),
                "cross_errors": (len(errors), errors[0] if errors else None),
                **{k: v for k, v in index.items() if not isinstance(v, array)},
            }
        )
        prefix = MAGIC + len(header).to_bytes(4, "little") + zlib.crc32(header).to_bytes(4, "little")
        try:
            atomic_write(Path(self.file), [prefix, header, *self._regions, *blobs], durable=False, mode=0o600)
        finally:
            self.abort()

    def abort(self) -> None:
        for region in self._regions:
            region.close()


def index_file(folder: str | os.PathLike[str], identity: "tuple[Any, ...]") -> str:
    """Where the index of ``identity`` (data folder, file list, seed roots) lives. The name
    only spreads folders over files; the identity inside is what is checked."""
    raw = repr(identity).encode("utf-8", "surrogatepass")
    return os.path.join(folder, f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}.idx")


def calendar_of(header: tuple[str, str, str, str], events: "tuple[Event, ...]", path: str) -> "Calendar":
    from anniv.model import Calendar

    cid, name, desc, leap = header
    return Calendar(cid, name, desc, leap, events, path)


def window_index(idx: Index) -> "dict[str, Any]":
    """The window index stored in ``idx`` (see ``catalog.build_index``): its arrays as
    read-only memoryviews of the map, checked on first use."""
    out: "dict[str, Any]" = {}
    for name in WINDOW_ARRAYS:
        out[name] = idx.array(name)
    h = idx.header
    if len(out["md_start"]) != MD_CODES + 1 or not isinstance(h["tables"], dict):
        raise ValueError("malformed index")
    out["tables"] = h["tables"]
    out["mover_years"] = tuple(h["mover_years"])
    return out


# The window index's arrays (``catalog.build_index``), by name.
WINDOW_ARRAYS = ("md_start", "md_events", "movers", "always", "greg_ord", "greg_ev", "greg_of", "opt_ord", "opt_ev")
