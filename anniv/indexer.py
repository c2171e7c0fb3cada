"""Writing and unpacking the on-disk index: everything about it that ``anniv due``'s quick
path does not need, kept out of ``anniv.cache`` so that the quick path does not load it.

- events as plain tuples (``encode_event`` / ``decode_event``; marshal, never pickle);
- the quick record of an event (``quick_record``), what ``anniv.quick`` answers from;
- a calendar file's pieces (``FilePart``), read back from an index with ``file_part``;
- ``IndexWriter``, which streams the pieces to disk as files are parsed.

The file layout is described in ``anniv.cache``.
"""

from __future__ import annotations

import marshal
import os
import zlib
from collections.abc import Iterable
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from anniv import engine, kernel, milestones, render
from anniv.cache import MAGIC, QUICK_CHUNK_BITS, CacheCorrupt, Index, code_version
from anniv.errors import AnnivError

if TYPE_CHECKING:
    from anniv.model import Calendar, Event, HistDate, Source


def _date_t(d: HistDate) -> tuple[Any, ...]:
    return (d.year, d.month, d.day, d.calendar, d.leap_month, d.qualifier)


def _source_t(s: Source) -> tuple[str, ...]:
    return (s.title, s.publisher, s.url, s.published, s.accessed, s.note, s.seed)


def encode_event(ev: Event) -> bytes:
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


def decode_event(blob: bytes, calendar_id: str, path: str) -> Event:
    """The inverse of ``encode_event``; raises CacheCorrupt on anything unexpected."""
    from anniv.model import (
        NO_OBSERVANCE,
        make_alt_date,
        make_commemoration,
        make_date,
        make_event,
        make_observance,
        make_source,
    )

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
        return make_event(
            eid,
            title,
            make_date(*dt),
            calendar_id,
            summary,
            NO_OBSERVANCE if ob == ("", "", "") else make_observance(*ob),
            leap,
            aliases,
            titles,
            tags,
            places,
            imp,
            tuple([make_source(*s) for s in srcs]),
            tuple(
                [
                    make_commemoration(make_date(*c[0]), c[1], c[2], c[3], c[4], tuple([make_source(*s) for s in c[5]]))
                    for c in comms
                ]
            ),
            tuple([make_alt_date(make_date(*a[0]), a[1]) for a in alts]),
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

    __slots__ = ("key", "display", "header", "problems", "usable", "blobs", "keys", "xkeys", "quick", "count", "packed")

    def __init__(
        self,
        key: tuple[str, int, int],
        display: str,
        header: tuple[str, str, str, str] | None,
        problems: tuple[tuple[int, int, str, str], ...],
        usable: bool,
        blobs: list[bytes],
        keys: list[tuple[Any, ...]],
        xkeys: list[tuple[Any, ...]],
        quick: list[tuple[tuple[Any, ...] | None, bytes]],
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
        self.packed: Packed | None = None

    def pack(self, spool: str | None = None) -> None:
        """Lay the records out as the index file holds them (``Packed``), in place of the
        lists of blobs: a worker process does this, so the parent only writes them. With
        ``spool`` (the index file being built), the worker writes the bytes into a spool file
        of its own beside it (``Spool``) and hands over only where they lie: they then go
        from file to file in the kernel, never through the parent's memory."""
        from array import array

        blobs = self.blobs
        count = len(self.quick)
        codes = [k[0] for k in self.keys] if len(self.keys) == count else [0] * count
        # A window's candidates are found day by day, so the first parts of the quick records
        # of events kept on the same day are decoded together, in chunks of up to QUICK_CHUNK
        # records in catalogue order, and chunks of nearby days lie next to each other: a month's
        # listing reads a twelfth of each file's chunks, a few runs of pages. The second parts
        # follow in the same order.
        # (marshal format 2, which has no back-references: later formats mark an object that
        # is referred to elsewhere, so the bytes would depend on who else holds the records)
        order = sorted(range(count), key=codes.__getitem__)
        chunks: list[bytes] = []
        where = array("I", [0]) * count  # event -> chunk << QUICK_CHUNK_BITS | place in it
        run: list[int] = []
        for j in order:
            if run and (codes[j] != codes[run[0]] or len(run) == QUICK_CHUNK):
                chunks.append(marshal.dumps(tuple(self.quick[x][0] for x in run), 2))
                run = []
            where[j] = len(chunks) << QUICK_CHUNK_BITS | len(run)
            run.append(j)
        if run:
            chunks.append(marshal.dumps(tuple(self.quick[x][0] for x in run), 2))
        extras = [self.quick[j][1] for j in order]
        laid_out = chunks + extras
        starts = array("Q", accumulate(map(len, laid_out), initial=0))
        crcs = array("I", map(zlib.crc32, laid_out))
        spans = array("Q", [x for k in range(len(laid_out)) for x in (starts[k], starts[k + 1])])
        place = array("I", [0]) * count  # event -> its second part's place among the extras
        for k, j in enumerate(order):
            place[j] = k
        n = len(chunks)
        spooled = Spool.put(spool, blobs, laid_out) if spool is not None else None
        self.packed = Packed(
            b"".join(blobs) if spooled is None else b"",
            array("Q", accumulate(map(len, blobs))),
            array("I", map(zlib.crc32, blobs)),
            b"".join(laid_out) if spooled is None else b"",
            spans[: 2 * n],
            crcs[:n],
            where,
            array("Q", [x for k in place for x in (spans[2 * (n + k)], spans[2 * (n + k) + 1])]),
            array("I", [crcs[n + k] for k in place]),
            min((head[7] for head, _ in self.quick if head is not None), default=None),
            spooled,
        )
        self.blobs, self.quick = [], []

    def event_blobs(self) -> list[bytes]:
        """The encoded events, from the lists or from the packed layout."""
        if self.packed is None:
            return self.blobs
        data, ends = self.packed.event_bytes(), self.packed.ends
        return [data[a:b] for a, b in zip((0, *ends), ends, strict=False)]


class Spool:
    """A worker process's spool file: the packed bytes of the parts it made, one after
    another, in a temp file beside the index (named as ``fsutil.atomic_write`` names its temp
    files, so a build that dies leaves nothing the next write of that index does not sweep
    away). The parent copies from it, and the build removes it."""

    _mine: list[Any] = []  # this process's [path, fd, size], once it has spooled

    @classmethod
    def put(cls, target: str, *pieces: list[bytes]) -> tuple[str, int, list[int]] | None:
        """Append each list of blobs; (path, where the first starts, each list's length),
        or None when the folder cannot be written (the caller keeps the bytes)."""
        try:
            if not cls._mine:
                from anniv.fsutil import spool_file

                cls._mine[:] = [*spool_file(target), 0]
            path, fd, start = cls._mine
            at = start
            lengths = []
            for blobs in pieces:
                length = 0
                for k in range(0, len(blobs), 512):  # writev takes at most IOV_MAX (1024) buffers
                    chunk = blobs[k : k + 512]
                    want = sum(map(len, chunk))
                    done = os.pwritev(fd, chunk, at + length)
                    if done < want:  # a short write: the rest in one piece
                        rest = b"".join(chunk)[done:]
                        while rest:
                            n = os.pwrite(fd, rest, at + length + done)
                            done, rest = done + n, rest[n:]
                    length += want
                lengths.append(length)
                at += length
            cls._mine[2] = at
            return path, start, lengths
        except OSError:
            return None

    @staticmethod
    def copy(path: str, offset: int, length: int, into: Any, files: dict[str, int]) -> None:
        """Copy ``length`` bytes at ``offset`` of the spool ``path`` to the end of the binary
        file ``into`` (``fsutil.copy_range``); ``files`` keeps the spools opened so far (path ->
        descriptor)."""
        from anniv.fsutil import copy_range

        fd = files.get(path)
        if fd is None:
            fd = files[path] = os.open(path, os.O_RDONLY)
        into.flush()
        out = into.fileno()
        copy_range(fd, out, length, offset, os.lseek(out, 0, os.SEEK_END))
        into.seek(0, os.SEEK_END)

    @staticmethod
    def close(files: dict[str, int]) -> None:
        """Close the spools ``copy`` opened (the build that asked for them removes them)."""
        for fd in files.values():
            os.close(fd)
        files.clear()


class Packed:
    """A part's records as they go into the index file's regions: the events one after
    another (``ends``: where each ends, ``crcs``: each one's CRC-32), then the quick records:
    their first parts in chunks (``chunks``: each chunk's start and end, ``chunk_crcs``;
    ``where[i]``: event i's chunk << QUICK_CHUNK_BITS | its place in it), then their second
    parts (``extras``: event i's start and end at ``2 * i``, ``extra_crcs``). Offsets are
    within the part's bytes of each region."""

    __slots__ = (
        "events",
        "ends",
        "crcs",
        "quick",
        "chunks",
        "chunk_crcs",
        "where",
        "extras",
        "extra_crcs",
        "first_year",
        "spooled",
    )

    def __init__(
        self,
        events: bytes,
        ends: Any,
        crcs: Any,
        quick: bytes,
        chunks: Any,
        chunk_crcs: Any,
        where: Any,
        extras: Any,
        extra_crcs: Any,
        first_year: int | None,
        spooled: tuple[str, int, list[int]] | None = None,
    ) -> None:
        self.events, self.ends, self.crcs = events, ends, crcs
        self.quick, self.chunks, self.chunk_crcs, self.where = quick, chunks, chunk_crcs, where
        self.extras, self.extra_crcs = extras, extra_crcs
        self.first_year = first_year  # the earliest base year of a quick record (None: none)
        # (spool path, where the events start, [events' length, quick records' length]) when
        # the bytes are in a spool file rather than in ``events`` and ``quick``
        self.spooled = spooled

    def __reduce__(self) -> tuple[Any, ...]:
        return (Packed, tuple(getattr(self, name) for name in Packed.__slots__))

    def event_bytes(self) -> bytes:
        if self.spooled is None:
            return self.events
        path, start, (length, _) = self.spooled
        with open(path, "rb") as fh:
            fh.seek(start)
            data = fh.read(length)
        if len(data) != length:
            raise OSError(f"{path}: the spool ends early")
        return data


def calendar_of(header: tuple[str, str, str, str], events: tuple[Event, ...], path: str) -> Calendar:
    from anniv.model import Calendar

    cid, name, desc, leap = header
    return Calendar(cid, name, desc, leap, events, path)


def file_part(idx: Index, k: int) -> FilePart:
    """File ``k`` of ``idx`` as a FilePart whose records are already packed: its events and
    quick records are copied raw, one slice of the map each, with their checksums, never
    decoded (a corrupt one still fails its checksum when it is read from the new index)."""
    from array import array

    f = idx.files[k]
    first, count = f["first"], f["count"]
    stop = first + count
    part = FilePart(
        tuple(f["key"]),
        f["display"],
        f["header"],
        f["problems"],
        f["usable"],
        [],
        list(idx.extra(f["keys_at"])),
        list(idx.extra(f["xkeys_at"])),
        [],
    )
    part.count = count
    offsets, where = idx.array("offsets"), idx.array("qchunk")
    cspans, xspans = idx.array("qcspans"), idx.array("qxspans")
    at = offsets[first]
    if count:
        c0 = min(where[first:stop]) >> QUICK_CHUNK_BITS
        c1 = (max(where[first:stop]) >> QUICK_CHUNK_BITS) + 1
        q0, q1 = cspans[2 * c0], max(xspans[2 * first + 1 : 2 * stop : 2])
    else:
        c0 = c1 = q0 = q1 = 0
    part.packed = Packed(
        idx.raw(at, offsets[stop]),
        array("Q", [o - at for o in offsets[first + 1 : stop + 1]]),
        array("I", idx.array("crcs")[first:stop]),
        idx.raw(q0, q1),
        array("Q", [o - q0 for o in cspans[2 * c0 : 2 * c1]]),
        array("I", idx.array("qccrcs")[c0:c1]),
        array("I", [w - (c0 << QUICK_CHUNK_BITS) for w in where[first:stop]]),
        array("Q", [o - q0 for o in xspans[2 * first : 2 * stop]]),
        array("I", idx.array("qxcrcs")[first:stop]),
        f.get("first_year"),
    )
    return part


QUICK_CHUNK = 1 << QUICK_CHUNK_BITS  # at most this many quick records are decoded together (``FilePart.pack``)


def quick_record(ev: Event, greg: int) -> tuple[tuple[Any, ...] | None, bytes]:
    """The quick record of ``ev`` (what ``anniv.quick`` reads), in two parts.

    The first, read for every candidate, is None when the event's counting cannot be planned
    ahead, else one flat tuple of what an English JSON row needs (few objects: decoding them
    is most of the cost of a row), what the common case needs first: the JSON row's texts
    around its slots (``render.run_template``), the first with the title filled in as English
    JSON, then id, importance (1–3), the month-day code (month * 32 + day) of a day-precision
    event kept on one month-day other than Feb 29 (else 0), base year, ``greg`` (the event's
    Gregorian ordinal, 0 for none: ``catalog.index_keys``), opts in to day counts; then what
    other events need: precision (its place in ``kernel.PRECISIONS``), month, fixed month-day
    code (0 when the event moves), leap-day policy (its place in ``kernel.LEAP_DAYS``). It is
    stored with the records of events kept on the same day (``FilePart.pack``).

    The second, marshal bytes read only for tag filters, other languages and formats other
    than JSON, is (``render.static_fields``, title per language, titles in
    ``milestones.LANGS`` as JSON or None when all are the English one, tags, where the title
    lies in the first text). A calendar filter needs neither: an event's calendar is its
    file's."""
    try:
        y0 = engine.base_year(ev)
        md = engine.fixed_month_day(ev)
        precision, leap = kernel.PRECISIONS.index(ev.date.precision), kernel.LEAP_DAYS.index(ev.leap_day)
    except (ValueError, OverflowError, AnnivError):
        return None, marshal.dumps(None)
    if ev.importance not in (1, 2, 3):  # the quick path looks ranks up in tables made for these
        return None, marshal.dumps(None)
    static = render.static_fields(ev)
    titles = tuple(ev.title_in(lang) for lang in milestones.LANGS)
    first = render.json_line(titles[0])
    texts = render.run_template(static)[0]
    try:  # JSON rows are written as UTF-8 bytes (text no encoder takes goes the full path)
        # encoded in one go: JSON text never holds a raw NUL (json.dumps escapes it), so NUL
        # can join the texts and split them again
        *pieces, first_bytes = "\x00".join((*texts, first)).encode("utf-8").split(b"\x00")
    except UnicodeEncodeError:
        return None, marshal.dumps(None)
    if len(pieces) != len(texts) or len(pieces) != 5:
        return None, marshal.dumps(None)
    others = None
    if any(t != titles[0] for t in titles):
        others = tuple(first if t == titles[0] else render.json_line(t) for t in titles)
    code = md[0] * 32 + md[1] if md is not None else 0
    p0, p1, p2, p3, p4 = pieces
    head = (
        p0 + first_bytes + p1,
        p2,
        p3,
        p4,
        ev.id,
        ev.importance,
        code if code and code != kernel.LEAP_CODE and ev.date.precision == "day" else 0,
        y0,
        greg,
        bool(ev.day_counts),
        precision,
        ev.date.month,
        code,
        leap,
    )
    cut = (len(p0), len(p0) + len(first_bytes))
    return head, marshal.dumps((static, titles, others, tuple(ev.tags), cut))


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
        # quick records as ``FilePart.pack`` lays them out: offsets are within the quick region
        # until ``finish``
        self.qchunk = array("I")  # event -> chunk << QUICK_CHUNK_BITS | place in it
        self.qcspans = array("Q")  # each chunk's start and end
        self.qccrcs = array("I")
        self.qxspans = array("Q")  # each event's second part: start and end
        self.qxcrcs = array("I")
        self.first_year: int | None = None  # the earliest base year of a quick record
        self.files: list[dict[str, Any]] = []
        self.first = 0
        self.spools: dict[str, int] = {}  # worker spool files read so far (``Spool.copy``)

    def _put(self, region: int, blob: bytes) -> int:
        start = self._sizes[region]
        self._regions[region].write(blob)
        self._sizes[region] += len(blob)
        return start

    def _copy(self, region: int, path: str, offset: int, length: int) -> int:
        start = self._sizes[region]
        Spool.copy(path, offset, length, self._regions[region], self.spools)
        self._sizes[region] += length
        return start

    def _extra(self, value: Any) -> tuple[int, int, int]:
        data = marshal.dumps(value)
        return (self._put(2, data), len(data), zlib.crc32(data))  # within the keys region

    def add(self, part: FilePart) -> None:
        """Write ``part``'s records (one write per region: a part holds thousands) and keep
        their offsets, checksums and keys. A part a worker did not pack (one copied from the
        old index, or parsed here) is packed first, so there is one layout (``FilePart.pack``)."""
        if part.packed is None:
            part.pack()
        packed = part.packed
        assert packed is not None
        if packed.spooled is not None:
            path, start, (events_length, quick_length) = packed.spooled
            events_at = self._copy(0, path, start, events_length)
            quick_at = self._copy(1, path, start + events_length, quick_length)
        else:
            events_at = self._put(0, packed.events)
            quick_at = self._put(1, packed.quick)
        self.offsets.extend([events_at + end for end in packed.ends])
        self.crcs.extend(packed.crcs)
        base = len(self.qccrcs) << QUICK_CHUNK_BITS
        self.qchunk.extend([base + w for w in packed.where])
        self.qcspans.extend([quick_at + x for x in packed.chunks])
        self.qccrcs.extend(packed.chunk_crcs)
        self.qxspans.extend([quick_at + x for x in packed.extras])
        self.qxcrcs.extend(packed.extra_crcs)
        if packed.first_year is not None and (self.first_year is None or packed.first_year < self.first_year):
            self.first_year = packed.first_year
        self._add_file(part)

    def _add_file(self, part: FilePart) -> None:
        self.files.append(
            {
                "key": part.key,
                "display": part.display,
                "header": part.header,
                "problems": tuple(part.problems),
                "usable": part.usable,
                "first": self.first,
                "count": part.count,
                "first_year": part.packed.first_year if part.packed is not None else None,
                "keys_at": self._extra(tuple(part.keys)),
                "xkeys_at": self._extra(tuple(part.xkeys)),
            }
        )
        self.first += part.count

    def finish(
        self,
        identity: tuple[Any, ...],
        index: dict[str, Any],
        cross: Iterable[tuple[int, int, int, str, str]],
        counted: Iterable[Any] = (),
    ) -> None:
        """Write the file (atomically) with ``index`` (the window index: its ``array.array``
        values become arrays, anything else goes into the header), ``cross`` (cross-file
        problems as (file number, line, col, message, severity)) and ``counted`` (the blocks of
        ``quick.counted_table``, each stored as a blob the header lists as ``counted_en``)."""
        from array import array
        from pathlib import Path

        from anniv.fsutil import atomic_write

        cross = tuple(cross)
        errors = [c for c in cross if c[4] == "error"]
        cross_at = self._extra(cross)
        counted_at = [self._extra(block) for block in counted]
        events, quick, keys = self._sizes
        shift = {"keys_at": events + quick, "xkeys_at": events + quick}
        for f in self.files:
            for name, by in shift.items():
                off, length, crc = f[name]
                f[name] = (off + by, length, crc)
        end = events + quick + keys
        wide = end >= 2**32  # offsets fit 32 bits below 4 GB
        spans = {
            name: array("Q" if wide else "I", [o + events for o in getattr(self, name)])
            for name in ("qcspans", "qxspans")
        }
        arrays = {
            "offsets": self.offsets if wide else array("I", self.offsets),
            "crcs": self.crcs,
            "qchunk": self.qchunk,
            "qcspans": spans["qcspans"],
            "qccrcs": self.qccrcs,
            "qxspans": spans["qxspans"],
            "qxcrcs": self.qxcrcs,
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
                "counted_en": [(off + events + quick, length, crc) for off, length, crc in counted_at],
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
        Spool.close(self.spools)
