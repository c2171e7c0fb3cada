"""Finding calendars, loading them (through the on-disk index), cross-file checks and the window index.

A catalogue is either eager (built from parsed calendars) or served from the cache
(``anniv.cache``): then events are decoded only when a query needs them, and ``events``,
``by_id`` and ``calendars`` decode everything on first use. Both answer every question the
same way: they share the index built here from each event's ``index_keys``.
"""

from __future__ import annotations

import bisect
import os
import sys
import time
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from anniv import dates, engine, gcpause, kernel
from anniv.errors import AnnivError, DataError, Problem
from anniv.model import Calendar, Event

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_data_dir() -> Path:
    """The calendars shipped with anniv: inside the installed package, or the repository's
    ``calendars/`` when running from a source checkout."""
    for candidate in (PACKAGE_DIR / "calendars", PACKAGE_DIR.parent / "calendars"):
        if candidate.is_dir():
            return candidate
    raise AnnivError("the bundled calendars are missing from this installation; pass --data DIR")


def seed_roots(data_dir: Path) -> tuple[Path, ...]:
    """Where ``seed:`` paths are looked up: the data folder's parent (a repository), the data
    folder, and the package (installed copies ship ``seeds/`` beside ``calendars/``)."""
    data_dir = data_dir.resolve()
    roots = [data_dir.parent, data_dir]
    for extra in (PACKAGE_DIR, PACKAGE_DIR.parent):
        if (extra / "seeds").is_dir() and extra not in roots:
            roots.append(extra)
    return tuple(roots)


def calendar_files(data_dir: Path) -> list[Path]:
    """The ``*.yaml`` files of a data folder, sorted, refusing symlinks that leave it."""
    if not data_dir.is_dir():
        raise AnnivError(f"{data_dir}: not a folder of calendars (give --data DIR or set ANNIV_DATA)")
    return sorted(p for p in data_dir.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


# -- index keys ----------------------------------------------------------------------------------
class _LunarMonths:
    """Where Korean lunar months fall in the Gregorian calendar, for the window index: the
    shipped table (``dates.lunar_months``), kept as (month, leap) -> (first day's ordinal, has a
    30th) for each lunar year asked for."""

    def year(self, y: int) -> dates.LunarYear:
        """Lunar year ``y``'s months; empty outside the KASI tables (1000–2050)."""
        return dates.lunar_months(y) or {}

    def kept(self, y: int, month: int, day: int, leap: bool) -> int:
        """``dates.lunar_observance`` as an ordinal: a missing leap month falls back to the
        ordinary month, day 30 of a 29-day month to day 29."""
        months = self.year(y)
        if leap and (month, True) not in months:
            leap = False
        start, has30 = months[(month, leap)]
        if day == 30 and not has30:
            day = 29
        return start + day - 1


_LUNAR = _LunarMonths()


def _mover_days(ev: Event) -> tuple[int, ...] | None:
    """The ordinal day ``ev`` is kept in each year of ``MOVER_YEARS`` (0: not kept that year),
    or None when that cannot be worked out ahead (the event is then always a candidate)."""
    from anniv.cache import MOVER_YEARS

    lo, hi = MOVER_YEARS
    hd = ev.date
    out: list[int] = []
    try:
        for y in range(lo, hi + 1):
            if ev.observed.rule:
                d = engine.kept_on(ev, y)
                out.append(d.toordinal() if d is not None else 0)
            else:
                assert hd.month is not None and hd.day is not None
                out.append(_LUNAR.kept(y, hd.month, hd.day, hd.leap_month))
    except (ValueError, KeyError, AnnivError, AssertionError, ImportError):
        return None
    return tuple(out)


def index_keys(ev: Event) -> tuple[int, tuple[int, ...] | None, int, bool]:
    """What the window index needs of an event, computed once when it is parsed:

    - the month-day code (month * 32 + day) it is kept on every year; month- and
      year-precision events use the first of their month / of January; 0 for moving events;
    - for moving events, their kept day in each year of ``MOVER_YEARS`` (None: unknown);
    - the Gregorian ordinal of the event day (0 when it has none), for day counts;
    - whether the record opts in to day counts.
    """
    hd = ev.date
    movers: tuple[int, ...] | None = None
    if hd.day is None:
        code = (hd.month or 1) * 32 + 1
    else:
        md = engine.fixed_month_day(ev)
        if md is not None:
            code = md[0] * 32 + md[1]
        else:
            code = 0
            movers = _mover_days(ev)
    greg = 0
    if hd.day is not None and hd.year >= 1:
        try:
            g = engine.event_gregorian(ev)
            greg = g.toordinal() if g is not None else 0
        except (ValueError, OverflowError, AnnivError):
            greg = 0
    return (code, movers, greg, bool(ev.day_counts))


def build_index(keys: Sequence[tuple[int, tuple[int, ...] | None, int, bool]]) -> dict[str, Any]:
    """The window index of events numbered in ``keys`` order (arrays; see ``Catalog``)."""
    builder = IndexBuilder()
    builder.add(keys)
    return builder.finish()


class IndexBuilder:
    """``build_index`` a file's keys at a time, in catalogue order: a cold build adds each
    part's keys as it arrives, while worker processes parse the rest."""

    def __init__(self) -> None:
        self.buckets: list[list[int]] = [[] for _ in range(kernel.MD_CODES)]
        self.movers = array("I")
        self.always = array("I")
        self.tables: dict[int, bytes] = {}
        self.greg: list[tuple[int, int]] = []
        self.greg_of = array("i")
        self.opted: list[tuple[int, int]] = []

    def add(self, keys: Iterable[tuple[int, tuple[int, ...] | None, int, bool]]) -> None:
        buckets, greg_of = self.buckets, self.greg_of
        for i, (code, days, g, dc) in enumerate(keys, len(greg_of)):
            if code:
                buckets[code].append(i)
            elif days is None:
                self.always.append(i)
            else:
                self.movers.append(i)
                self.tables[i] = array("i", days).tobytes()
                seen = set()
                for o in days:
                    if o:
                        d = date.fromordinal(o)
                        c = d.month * 32 + d.day
                        if c not in seen:
                            seen.add(c)
                            buckets[c].append(i)
            greg_of.append(g)
            if g:
                self.greg.append((g, i))
                if dc:
                    self.opted.append((g, i))

    def finish(self) -> dict[str, Any]:
        from anniv.cache import MOVER_YEARS

        start = array("I", [0])
        events = array("I")
        for b in self.buckets:
            events.extend(b)
            start.append(len(events))
        greg, opted = sorted(self.greg), sorted(self.opted)
        return {
            "md_start": start,
            "md_events": events,
            "movers": self.movers,
            "always": self.always,
            "tables": self.tables,
            "greg_ord": array("i", [g for g, _ in greg]),
            "greg_ev": array("I", [i for _, i in greg]),
            "greg_of": self.greg_of,
            "opt_ord": array("i", [g for g, _ in opted]),
            "opt_ev": array("I", [i for _, i in opted]),
            "mover_years": MOVER_YEARS,
        }


# -- the catalogue -------------------------------------------------------------------------------
class Catalog:
    """Every loaded calendar, plus the problems found while loading (broken files are left out).

    The window index is built on first use (or comes from the cache): events kept on a fixed
    month-day are found by looking up each day of the window, moving events by the days they
    fall on in ``MOVER_YEARS``, and day counts by binary search on the event's Gregorian day,
    so a query costs time in proportion to its results.
    """

    def __init__(
        self, calendars: Iterable[Calendar] = (), problems: list[Problem] | None = None, broken: Iterable[str] = ()
    ) -> None:
        self.problems: list[Problem] = list(problems or [])
        self.broken: tuple[str, ...] = tuple(broken)
        self._calendars: tuple[Calendar, ...] | None = tuple(calendars)
        self._events: tuple[Event, ...] | None = tuple(e for c in self._calendars for e in c.events)
        self._reset()
        # served from the cache: (header, display, first, count) per usable file
        self._files: list[tuple[tuple[str, str, str, str], str, int, int]] = []
        self._store: Any = None
        self._memo: dict[int, Event] = {}
        self._starts: list[int] = []
        self._reload: Callable[[], Catalog] | None = None

    def _reset(self) -> None:
        self._by_id: dict[str, Event] | None = None
        self._index: dict[str, Any] | None = None

    @classmethod
    def _served(
        cls,
        store: Any,
        files: list[tuple[tuple[str, str, str, str], str, int, int]],
        index: dict[str, Any],
        problems: list[Problem],
        broken: list[str],
        memo: dict[int, Event],
        reload: Callable[[], Catalog],
    ) -> Catalog:
        cat = cls((), problems, broken)
        cat._calendars = None
        cat._events = None
        cat._files = files
        cat._store = store
        cat._index = index
        cat._memo = memo
        cat._reload = reload
        return cat

    # -- lazy access -----------------------------------------------------------------------------
    def _file_of(self, i: int) -> tuple[tuple[str, str, str, str], str, int, int]:
        if len(self._starts) != len(self._files):
            self._starts = [f[2] for f in self._files]
        return self._files[bisect.bisect_right(self._starts, i) - 1]

    def _decode(self, i: int) -> Event:
        ev = self._memo.get(i)
        if ev is None:
            from anniv.indexer import decode_event

            header, display, _, _ = self._file_of(i)
            ev = self._memo[i] = decode_event(self._store.blob(i), header[0], display)
        return ev

    def _recover(self) -> None:
        """A cached event failed its checksum: reload from the YAML (rewriting the cache)."""
        assert self._reload is not None
        fresh = self._reload()
        self.__dict__.update(fresh.__dict__)

    def _guarded(self, fn: Callable[[], Any]) -> Any:
        from anniv.cache import CacheCorrupt

        try:
            return fn()
        except CacheCorrupt:
            self._recover()
            return fn()

    def _all(self) -> tuple[Event, ...]:
        if self._events is None:
            total = sum(f[3] for f in self._files)
            self._events = tuple(self._guarded(lambda: [self._decode(i) for i in range(total)]))
        return self._events

    @property
    def events(self) -> tuple[Event, ...]:
        return self._all()

    @events.setter
    def events(self, value: Iterable[Event]) -> None:
        """Replace the events (tests use this to index a bare list); the index is rebuilt."""
        self._events = tuple(value)
        self._store = None
        self._files = []
        self._memo = {}
        self._reset()

    @property
    def calendars(self) -> tuple[Calendar, ...]:
        if self._calendars is None:
            from anniv.indexer import calendar_of

            events = self._all()
            self._calendars = tuple(
                calendar_of(h, events[first : first + count], display) for h, display, first, count in self._files
            )
        return self._calendars

    @property
    def calendar_ids(self) -> tuple[str, ...]:
        """The ids of the loaded calendars, without decoding any event."""
        if self._calendars is None:
            return tuple(f[0][0] for f in self._files)
        return tuple(c.id for c in self._calendars)

    @property
    def by_id(self) -> dict[str, Event]:
        if self._by_id is None:
            by: dict[str, Event] = {}
            for ev in self._all():
                by.setdefault(ev.id, ev)
            self._by_id = by
        return self._by_id

    def calendar(self, cal_id: str) -> Calendar | None:
        if self._calendars is None:
            from anniv.indexer import calendar_of

            for h, display, first, count in self._files:
                if h[0] == cal_id:

                    def decode_all(first: int = first, count: int = count) -> list[Event]:
                        return [self._decode(i) for i in range(first, first + count)]

                    evs = tuple(self._guarded(decode_all))
                    return calendar_of(h, evs, display)
            return None
        return next((c for c in self._calendars if c.id == cal_id), None)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    # -- the window index ------------------------------------------------------------------------
    def _ix(self) -> dict[str, Any]:
        if self._index is None:
            self._index = build_index([index_keys(ev) for ev in self._all()])
        return self._index

    def _numbers(self, start: date, end: date, today: date | None = None, age: int | None = None) -> list[int]:
        """Event numbers that may have an anniversary in ``start``..``end``, first-seen order.
        With ``today`` and ``age`` (a query's day-count policy) day counts are pruned to the
        events that can have one."""
        ix = self._ix()
        total = len(self._events) if self._events is not None else sum(f[3] for f in self._files)
        return kernel.candidates(
            ix, start.toordinal(), end.toordinal(), total, today.toordinal() if today else None, age
        )

    def _event(self, i: int) -> Event:
        if self._events is not None:
            return self._events[i]
        return self._decode(i)

    def candidates(self, start: date, end: date) -> Iterator[Event]:
        """Events that may have an anniversary in ``start``..``end`` (a superset; the engine
        decides). Long windows simply scan everything."""
        events = self._guarded(lambda: [self._event(i) for i in self._numbers(start, end)])
        yield from events

    def query(self, q: engine.Query) -> list[engine.Anniversary]:
        def run() -> list[engine.Anniversary]:
            nums = self._numbers(q.start, q.end, q.today, q.day_count_age_years)
            if q.calendars and self._events is None:
                wanted = set(q.calendars)
                keep = [(f[2], f[2] + f[3]) for f in self._files if f[0][0] in wanted]
                nums = [i for i in nums if any(a <= i < b for a, b in keep)]
            events = [self._event(i) for i in nums]
            return engine.anniversaries(events, q, *self._hooks(nums, events))

        return list(self._guarded(run))

    def _hooks(
        self, nums: list[int], events: list[Event]
    ) -> tuple[Callable[[Event, int], date | None], Callable[[Event], date | None]]:
        """``engine.kept_on`` and ``engine.event_gregorian`` answered from the index for these
        events (moving events' kept days, every event's Gregorian day), else computed."""
        ix = self._ix()
        tables = ix["tables"]
        greg_of = ix["greg_of"]
        lo, hi = ix["mover_years"]
        mine: dict[int, array[int]] = {}
        grego: dict[int, int] = {}
        for i, ev in zip(nums, events, strict=True):
            grego[id(ev)] = greg_of[i]
            raw = tables.get(i)
            if raw is not None:
                t = array("i")
                t.frombytes(raw)
                if len(t) == hi - lo + 1:
                    mine[id(ev)] = t

        def kept(ev: Event, year: int) -> date | None:
            t = mine.get(id(ev))
            if t is not None and lo <= year <= hi:
                o = t[year - lo]
                return date.fromordinal(o) if o else None
            return engine.kept_on(ev, year)

        def gregorian(ev: Event) -> date | None:
            o = grego.get(id(ev))
            return date.fromordinal(o) if o else engine.event_gregorian(ev)

        return kept, gregorian


# -- cross-file checks ---------------------------------------------------------------------------
def _xkey(ev: Event) -> tuple[Any, ...]:
    return (ev.id, ev.line, ev.col, ev.title, ev.date.iso(), ev.aliases, ev.related)


def _cross(rows: Iterable[tuple[str, tuple[Any, ...]]]) -> list[Problem]:
    """Checks that need the whole catalogue, on (path, cross-check key) rows in catalogue order."""
    check = CrossCheck()
    check.add(rows)
    return check.finish()


class CrossCheck:
    """``_cross`` a file's rows at a time, in catalogue order, so a cold build checks each part
    as it arrives. Problems come out as one pass over the whole catalogue gives them: every
    duplicate id first, then for each event its unknown related ids, a title and date it
    shares, and its ambiguous aliases. Only the related ids wait for the end, as they may name
    an event of a later file."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, int]] = {}
        self.duplicates: list[Problem] = []
        self.aliases: dict[str, str] = {}
        self.titles: dict[tuple[str, str], str] = {}
        self.later: list[tuple[int, int, Problem]] = []  # (row, 1 title / 2 alias, problem)
        self.related: list[tuple[int, str, int, int, str, tuple[str, ...]]] = []
        self.n = 0

    def add(self, rows: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        first, aliases, titles, later = self.first, self.aliases, self.titles, self.later
        for n, (path, (eid, line, col, title, iso, names, related)) in enumerate(rows, self.n):
            self.n = n + 1
            if eid in first and first[eid][0] != path:
                opath, oline = first[eid]
                self.duplicates.append(
                    Problem(
                        path,
                        line,
                        col,
                        f"duplicate event id {eid!r}: also in {opath}:{oline}; ids are unique across all calendars",
                    )
                )
            first.setdefault(eid, (path, line))
            if related:
                self.related.append((n, path, line, col, eid, related))
            key = (title.casefold(), iso)
            if key in titles and titles[key] != eid:
                later.append(
                    (
                        n,
                        1,
                        Problem(
                            path,
                            line,
                            col,
                            f"{eid!r} has the same title and date as {titles[key]!r}; merge them or tell them apart",
                        ),
                    )
                )
            titles.setdefault(key, eid)
            for name in (title, *names):
                k = name.casefold()
                if k in aliases and aliases[k] != eid:
                    later.append(
                        (
                            n,
                            2,
                            Problem(
                                path,
                                line,
                                col,
                                f"alias {name!r} of {eid!r} also names {aliases[k]!r}; the claim checker will call it ambiguous",
                                "warning",
                            ),
                        )
                    )
                aliases.setdefault(k, eid)

    def finish(self) -> list[Problem]:
        unknown = [
            (n, 0, Problem(path, line, col, f"related id {rel!r} of {eid!r} is not an event in the catalogue"))
            for n, path, line, col, eid, related in self.related
            for rel in related
            if rel not in self.first
        ]
        # a stable sort by row, then kind, keeps each event's problems in the order found
        return self.duplicates + [p for _, _, p in sorted(unknown + self.later, key=lambda t: (t[0], t[1]))]


def cross_check(calendars: Iterable[Calendar]) -> list[Problem]:
    """Checks that need the whole catalogue: ids unique across files, ``related`` ids exist,
    aliases that point at two events, two events sharing a title and date."""
    return _cross((ev.path, _xkey(ev)) for cal in calendars for ev in cal.events)


# -- loading -------------------------------------------------------------------------------------
class _Progress:
    """A rich progress bar on stderr, shown only on a terminal once work has taken a second."""

    def __init__(self, total: int, label: str, enabled: bool) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.started = time.monotonic()
        self.done = 0
        self._bar: Any = None
        self._task: Any = None

    def advance(self, amount: int) -> None:
        self.done += amount
        if not self.enabled:
            return
        if self._bar is None and time.monotonic() - self.started > 1.0 and self.done < self.total:
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(file=sys.stderr), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, completed=self.done)
        elif self._bar is not None:
            self._bar.update(self._task, completed=self.done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _parse(path: Path, display: str, data_dir: Path, roots: tuple[Path, ...]) -> tuple[Calendar | None, list[Problem]]:
    if path.is_symlink() and not _inside(path, data_dir):
        return None, [Problem(display, 0, 0, "symlink points outside the data folder; copy the file in instead")]
    from anniv.records import read_calendar

    return read_calendar(path, display, roots)


def _usable(cal: Calendar | None, probs: list[Problem]) -> bool:
    return cal is not None and not any(p.severity == "error" for p in probs)


def _parse_iter(
    files: Sequence[Path], data_dir: Path, progress: bool | None
) -> Generator[tuple[Path, str, Calendar | None, list[Problem]], None, None]:
    """Parse ``files`` one by one while ``_parsing`` (gc paused, a progress bar on a terminal
    once parsing has taken a second); both are undone when the iteration ends or is abandoned."""
    roots = seed_roots(data_dir)
    sizes = _sizes(files)
    with _parsing(sizes, progress) as bar:
        for path, size in zip(files, sizes, strict=True):
            display = _display(path)
            cal, probs = _parse(path, display, data_dir, roots)
            yield path, display, cal, probs
            bar.advance(size)


def _sizes(files: Iterable[Path]) -> list[int]:
    out = []
    for p in files:
        try:
            out.append(p.stat().st_size)
        except OSError:
            out.append(0)
    return out


@contextmanager
def _parsing(sizes: list[int], progress: bool | None) -> Iterator[_Progress]:
    """The garbage collector paused (the parser makes many small objects that are never
    cyclic) and a progress bar for ``sizes`` bytes, both undone however parsing ends."""
    bar = _Progress(sum(sizes), "anniv: reading calendars", sys.stderr.isatty() if progress is None else progress)
    try:
        with gcpause.paused():
            yield bar
    finally:
        bar.close()


def _fresh_part(job: tuple[Path, str, Any, Path, tuple[Path, ...], bool], spool: str | None = None) -> Any:
    """Parse one file and encode everything the index keeps of it: an ``indexer.FilePart``
    (with the job's last item False, only the events: an eager load needs no index keys).
    Runs in a worker process when several files are parsed at once, so it returns plain
    values only (bytes, tuples). ``spool``: see ``FilePart.pack``."""
    from anniv import indexer

    path, display, key, data_dir, roots, for_index = job
    cal, probs = _parse(path, display, data_dir, roots)
    ok = _usable(cal, probs)
    events = cal.events if ok and cal is not None else ()
    indexed = events if for_index else ()
    keys = [index_keys(ev) for ev in indexed]
    part = indexer.FilePart(
        key if key is not None else (str(path), -1, -1),  # never matches a real stat
        display,
        (cal.id, cal.name, cal.description, cal.leap_day) if cal is not None else None,
        tuple((p.line, p.col, p.message, p.severity) for p in probs),
        ok,
        [indexer.encode_event(ev) for ev in events],
        keys,
        [_xkey(ev) for ev in indexed],
        [indexer.quick_record(ev, k[2]) for ev, k in zip(indexed, keys, strict=True)],
    )
    if for_index:
        part.pack(spool)  # the index's layout, made here: in a worker process, in parallel
    return part


COUNTED_AHEAD = 10  # an index stores the JSON runs of counts of years up to this many years ahead
COUNTED_MOST = 4096  # and at most this many (older events' runs are written when asked for)


def _counted(writer: Any, runs: dict[str, Any]) -> list[Any]:
    """The blocks of ``quick.counted_table`` an index written by ``writer`` stores: the runs of
    every count its events reach by ``COUNTED_AHEAD`` years from now."""
    from anniv import quick

    if writer.first_year is None:
        return []
    last = min(date.today().year + COUNTED_AHEAD - writer.first_year, COUNTED_MOST)
    return quick.counted_table(runs, last)


def _fresh_spooled(job_and_spool: tuple[Any, str | None]) -> Any:
    return _fresh_part(*job_and_spool)


PARALLEL_MIN_BYTES = 512 * 1024  # about 500 records: less is not worth a worker process


def workers_for(sizes: Sequence[int]) -> int:
    """How many processes parse ``sizes`` (bytes per file): ``ANNIV_JOBS`` when set, else one
    per CPU this process may use, at most one per file and per ``PARALLEL_MIN_BYTES``. Only
    where fork is the way to start them (Linux) and no other thread is running, which a fork
    could catch holding a lock."""
    env = os.environ.get("ANNIV_JOBS", "")
    if env.isdigit() and int(env) >= 1:
        wanted = int(env)
    else:
        try:
            wanted = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            wanted = os.cpu_count() or 1
    threading = sys.modules.get("threading")
    if sys.platform != "linux" or (threading is not None and threading.active_count() > 1):
        return 1
    return max(1, min(wanted, len(sizes), sum(sizes) // PARALLEL_MIN_BYTES))


def _before_fork() -> None:
    """Import and set up, once, what every worker would otherwise do for itself before its
    first record: the readers and YAML's resolver tables, the JSON row's skeleton and encoder
    (about 30 ms a process). Forked workers then share them."""
    from anniv import fastread, indexer, render

    fastread._resolver()
    render.run_layout()
    render._run_texts()
    render.json_line("")
    del indexer  # imported for the workers


def _fresh_parts(
    jobs: list[tuple[Path, str, Any, Path, tuple[Path, ...], bool]],
    progress: bool | None,
    closing: list[Any] | None = None,
    spool: str | None = None,
) -> Generator[Any, None, None]:
    """``_fresh_part`` of every job, in order, while ``_parsing``. Several files are parsed by worker processes at once (see
    ``workers_for``); a cold index of 10k records builds about 1.8 times as fast on 2 CPUs.

    With ``closing``, a pool that has handed over every part is closed but not waited for: it
    goes into ``closing`` and the caller joins it (``_join``) once its own work is done, so the
    workers' exit (about 15 ms at 10k records: they let go of everything they built) overlaps
    the building of the index. A pool stopped early is terminated at once. ``spool`` (the
    index file): workers hand over their records through spool files beside it
    (``indexer.Spool``), which the caller removes."""
    sizes = _sizes(job[0] for job in jobs)
    with _parsing(sizes, progress) as bar:
        workers = workers_for(sizes) if len(jobs) > 1 else 1
        if workers > 1:
            import multiprocessing

            _before_fork()
            pool = multiprocessing.get_context("fork").Pool(workers)
            handed = 0
            try:
                work = pool.imap(_fresh_spooled, [(job, spool) for job in jobs])
                for part, size in zip(work, sizes, strict=True):
                    bar.advance(size)
                    handed += 1
                    yield part
            finally:
                if handed == len(jobs) and closing is not None:
                    pool.close()  # no work is left: the workers exit on their own
                    closing.append(pool)
                else:
                    pool.terminate()
                    pool.join()
        else:
            for job, size in zip(jobs, sizes, strict=True):
                part = _fresh_part(job)
                bar.advance(size)
                yield part


def _join(closing: list[Any]) -> None:
    """Wait for the pools ``_fresh_parts`` left closing."""
    while closing:
        closing.pop().join()


def _parse_all(
    files: Sequence[Path], data_dir: Path, progress: bool | None
) -> list[tuple[Path, str, Calendar | None, list[Problem]]]:
    return list(_parse_iter(files, data_dir, progress))


def load_catalog(
    data_dir: Path, paths: list[Path] | None = None, use_cache: bool = True, progress: bool | None = None
) -> Catalog:
    """Load every calendar of ``data_dir`` (or just ``paths``). Files with errors are left out
    and named in ``problems``; the caller decides whether that is fatal.

    With ``use_cache`` (and a cache folder, see ``cache.cache_dir``) the folder's index is
    used when it matches every file; changed or new files alone are parsed again. Cached and
    uncached loads give the same catalogue. ``progress``: show progress bars (default: when
    stderr is a terminal).
    """
    files = list(paths) if paths is not None else calendar_files(data_dir)
    if use_cache:
        from anniv import cache

        folder = cache.cache_dir(os.environ)
        if folder is not None:
            return _load_cached(data_dir, files, paths is not None, folder, progress)
    calendars: list[Calendar] = []
    problems: list[Problem] = []
    broken: list[str] = []
    if len(files) > 1 and workers_for(_sizes(files)) > 1:
        # worker processes parse and encode; events come back as the index's bytes and are
        # decoded here while the workers go on (an Event pickles at about 75 µs, this at 26)
        from anniv import indexer

        roots = seed_roots(data_dir)
        with _workers_winding_down() as (closing, _):
            jobs = [(p, _display(p), None, data_dir, roots, False) for p in files]
            for part in _fresh_parts(jobs, progress, closing):
                problems.extend(Problem(part.display, line, col, msg, sev) for line, col, msg, sev in part.problems)
                if part.usable:
                    events = tuple(indexer.decode_event(b, part.header[0], part.display) for b in part.blobs)
                    calendars.append(indexer.calendar_of(part.header, events, part.display))
                else:
                    broken.append(part.display)
            problems.extend(cross_check(calendars))
        return Catalog(tuple(calendars), problems, tuple(broken))
    else:
        for _, display, cal, probs in _parse_all(files, data_dir, progress):
            problems.extend(probs)
            if _usable(cal, probs):
                assert cal is not None
                calendars.append(cal)
            else:
                broken.append(display)
    problems.extend(cross_check(calendars))
    return Catalog(tuple(calendars), problems, tuple(broken))


def _load_cached(data_dir: Path, files: list[Path], explicit: bool, folder: str, progress: bool | None) -> Catalog:
    from anniv import cache

    roots = seed_roots(data_dir)
    try:
        base = str(data_dir.resolve())
    except OSError:
        base = str(data_dir)
    identity = (base, tuple(str(p) for p in files) if explicit else None, tuple(str(r) for r in roots))
    target = cache.index_file(folder, identity)
    displays = [_display(p) for p in files]
    keys: list[Any] = []
    for p in files:
        if p.is_symlink() and not _inside(p, data_dir):
            keys.append(("outside", str(p)))
        else:
            keys.append(cache.file_key(p))
    old = cache.open_index(target, identity)
    if old is not None:
        if [tuple(f["key"]) if isinstance(f["key"], (list, tuple)) else f["key"] for f in old.files] == keys and all(
            k is not None for k in keys
        ):
            if [f["display"] for f in old.files] == displays:
                try:
                    return _serve(old, data_dir, files, progress)
                except (ValueError, TypeError, KeyError, IndexError, cache.CacheCorrupt):
                    old = None
    return _rebuild(old, target, identity, data_dir, files, displays, keys, progress)


def _serve(idx: Any, data_dir: Path, files: list[Path], progress: bool | None) -> Catalog:
    """A catalogue over a valid index: nothing is decoded until a query needs it."""
    from anniv import cache

    problems: list[Problem] = []
    broken: list[str] = []
    usable: list[tuple[tuple[str, str, str, str], str, int, int]] = []
    for f in idx.files:
        display = f["display"]
        problems.extend(Problem(display, line, col, msg, sev) for line, col, msg, sev in f["problems"])
        if f["usable"]:
            h = f["header"]
            if not (isinstance(h, tuple) and len(h) == 4):
                raise ValueError("bad header")
            usable.append((h, display, f["first"], f["count"]))
        else:
            broken.append(display)
    displays = [f["display"] for f in idx.files]
    problems.extend(Problem(displays[k], line, col, msg, sev) for k, line, col, msg, sev in idx.cross())
    index = cache.window_index(idx)
    total = sum(u[3] for u in usable)
    if total != idx.n or (index["md_events"] and max(index["md_events"]) >= max(total, 1)):
        raise ValueError("index does not match the events")

    def reload() -> Catalog:
        from anniv import cache

        identity = idx.header["identity"]
        target = cache.index_file(cache.cache_dir(os.environ) or Path("."), identity)
        keys = [cache.file_key(p) for p in files]
        return _rebuild(None, target, identity, data_dir, files, [_display(p) for p in files], keys, progress)

    return Catalog._served(idx, usable, index, problems, broken, {}, reload)


class _Memory:
    """Event blobs held in memory, for a catalogue whose index could not be written."""

    def __init__(self, blobs: list[bytes]) -> None:
        self.blobs = blobs

    def blob(self, i: int) -> bytes:
        return self.blobs[i]


@contextmanager
def _workers_winding_down() -> Iterator[tuple[list[Any], set[str]]]:
    """What a build's worker processes leave: the pools ``_fresh_parts`` closed (joined
    here, once the index is written: the workers exit meanwhile) and their spool files
    (copied into the index or given up, removed here), however the build ends."""
    closing: list[Any] = []
    spooled: set[str] = set()
    try:
        yield closing, spooled
    finally:
        _join(closing)
        for path in spooled:
            try:
                os.unlink(path)
            except OSError:
                pass


def _rebuild(
    old: Any,
    target: str,
    identity: tuple[Any, ...],
    data_dir: Path,
    files: list[Path],
    displays: list[str],
    keys: list[Any],
    progress: bool | None,
) -> Catalog:
    """Parse the files that changed (all, without a usable old index), reuse the others'
    pieces as they are, write the new index and serve from it."""
    with _workers_winding_down() as (closing, spooled):
        from anniv import cache, indexer, render

        reuse: dict[Any, int] = {}
        if old is not None:
            for k, f in enumerate(old.files):
                key = tuple(f["key"]) if isinstance(f["key"], (list, tuple)) else f["key"]
                reuse[key] = k
        todo = [p for p, key in zip(files, keys, strict=True) if key is None or key not in reuse]
        key_of = dict(zip(files, keys, strict=True))
        roots = seed_roots(data_dir)
        jobs = [(p, _display(p), key_of[p], data_dir, roots, True) for p in todo]
        stream = _fresh_parts(jobs, progress, closing, target)  # in order, parsed here or by worker processes
        pending = set(todo)
        try:  # records go to the index file as they come: a cold build never holds them all
            writer: indexer.IndexWriter | None = indexer.IndexWriter(target)
        except OSError:
            writer = None  # an unwritable cache folder: serve from memory, as before
        let_go = False  # some parts' records went to the writer and are no longer in memory
        parts: list[indexer.FilePart] = []
        reparsed = []
        builder, check = IndexBuilder(), CrossCheck()
        for path, display, key in zip(files, displays, keys, strict=True):
            part = None
            if key is not None and key in reuse and path not in pending:
                try:
                    part = indexer.file_part(old, reuse[key])
                    part.display = display
                except cache.CacheCorrupt:
                    part = None
            if part is None:
                part = next(stream) if path in pending else _fresh_part((path, display, key, data_dir, roots, True))
                reparsed.append(display)
                if part.packed is not None and part.packed.spooled is not None:
                    spooled.add(part.packed.spooled[0])
            if writer is not None:
                try:
                    writer.add(part)
                except OSError:
                    writer.abort()
                    writer = None
                else:
                    part.blobs, part.quick, part.packed = [], [], None
                    let_go = True
            parts.append(part)
            # the window index and the cross-file checks take each part as it comes
            builder.add(part.keys)
            if part.usable:
                check.add((part.display, x) for x in part.xkeys)
        stream.close()
        index = builder.finish()
        cross = check.finish()
        number = {p.display: k for k, p in enumerate(parts)}
        cross_t = [(number[pr.path], pr.line, pr.col, pr.message, pr.severity) for pr in cross]
        LAST_REPARSED[:] = reparsed
        written = None
        if writer is not None:
            try:
                slots, runs = render.run_layout()
                writer.finish(
                    identity, {**index, "row_slots": slots, "row_runs": runs}, cross_t, _counted(writer, runs)
                )
                written = cache.open_index(target, identity)
            except OSError:
                pass
        problems: list[Problem] = []
        broken: list[str] = []
        usable: list[tuple[tuple[str, str, str, str], str, int, int]] = []
        first = 0
        for p in parts:
            problems.extend(Problem(p.display, line, col, msg, sev) for line, col, msg, sev in p.problems)
            if p.usable:
                assert p.header is not None
                usable.append((p.header, p.display, first, p.count))
                first += p.count
            else:
                broken.append(p.display)
        problems.extend(cross)
        # serve from the file just written (memory-mapped), else from the records in memory, else
        # (records handed to a write that then failed) parse again without the cache
        if written is not None and written.n == first:
            store: Any = written
        elif not let_go:
            store = _Memory([b for p in parts for b in p.event_blobs()])
        else:
            return load_catalog(data_dir, None, use_cache=False, progress=progress)
        del parts

        def reload() -> Catalog:
            return load_catalog(data_dir, None, use_cache=False, progress=progress)

        return Catalog._served(store, usable, index, problems, broken, {}, reload)


# Display paths of the files the last cached load parsed (for tests and the benchmarks).
LAST_REPARSED: list[str] = []


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def require_clean(cat: Catalog) -> Catalog:
    """Raise DataError when any file failed entirely and nothing usable is left."""
    if not cat.calendar_ids and cat.errors:
        raise DataError(cat.errors)
    return cat
