"""Finding calendars, loading them (through the cache), cross-file checks and the window index."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from anniv import engine
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


@dataclass
class Catalog:
    """Every loaded calendar, plus the problems found while loading (broken files are left out).

    The window index is built on first use: events kept on a fixed month-day are found by
    looking up each day of the window, so a query costs time in proportion to its results.
    """

    calendars: tuple[Calendar, ...]
    problems: list[Problem] = field(default_factory=list)
    broken: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.events: tuple[Event, ...] = tuple(e for c in self.calendars for e in c.events)
        self.by_id: dict[str, Event] = {}
        for ev in self.events:
            self.by_id.setdefault(ev.id, ev)
        self._fixed: dict[tuple[int, int], list[Event]] | None = None
        self._other: list[Event] = []
        self._recent: list[tuple[date, Event]] = []

    def calendar(self, cal_id: str) -> Calendar | None:
        return next((c for c in self.calendars if c.id == cal_id), None)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def _build_index(self) -> None:
        fixed: dict[tuple[int, int], list[Event]] = {}
        for ev in self.events:
            md = engine.fixed_month_day(ev)
            if md is None:
                self._other.append(ev)
            else:
                fixed.setdefault(md, []).append(ev)
            if ev.day_counts or (ev.date.precision == "day" and ev.date.year >= 1):
                try:
                    g = engine.event_gregorian(ev)
                except (ValueError, AnnivError):
                    g = None
                if g is not None:
                    self._recent.append((g, ev))
        self._recent.sort(key=lambda pair: pair[0])
        self._fixed = fixed

    def candidates(self, start: date, end: date) -> Iterator[Event]:
        """Events that may have an anniversary in ``start``..``end`` (a superset; the engine
        decides). Long windows simply scan everything."""
        if (end - start).days > 400:
            yield from self.events
            return
        if self._fixed is None:
            self._build_index()
        assert self._fixed is not None
        day = start
        one = timedelta(days=1)
        while day <= end:
            yield from self._fixed.get((day.month, day.day), ())
            if day.month in (2, 3) and day.day in (28, 1) and not (day.year % 4 == 0 and (day.year % 100 or day.year % 400 == 0)):
                yield from self._fixed.get((2, 29), ())
            day += one
        yield from self._other
        # day counts: only events whose 100th..10,000th day can reach the window
        lo = start - timedelta(days=max(_max_day_count() - 1, 0))
        hi = end - timedelta(days=98)
        import bisect

        i = bisect.bisect_left(self._recent, lo, key=lambda pair: pair[0])
        while i < len(self._recent) and self._recent[i][0] <= hi:
            yield self._recent[i][1]
            i += 1

    def query(self, q: engine.Query) -> list[engine.Anniversary]:
        return engine.anniversaries(self.candidates(q.start, q.end), q)


def _max_day_count() -> int:
    from anniv.milestones import DAY_COUNTS

    return max(DAY_COUNTS)


def cross_check(calendars: Iterable[Calendar]) -> list[Problem]:
    """Checks that need the whole catalogue: ids unique across files, ``related`` ids exist,
    aliases that point at two events, two events sharing a title and date."""
    problems: list[Problem] = []
    first: dict[str, Event] = {}
    cals = list(calendars)
    for cal in cals:
        for ev in cal.events:
            if ev.id in first and first[ev.id].path != ev.path:
                other = first[ev.id]
                problems.append(Problem(ev.path, ev.line, ev.col, f"duplicate event id {ev.id!r}: also in {other.path}:{other.line}; ids are unique across all calendars"))
            first.setdefault(ev.id, ev)
    aliases: dict[str, Event] = {}
    titles: dict[tuple[str, str], Event] = {}
    for cal in cals:
        for ev in cal.events:
            for rel in ev.related:
                if rel not in first:
                    problems.append(Problem(ev.path, ev.line, ev.col, f"related id {rel!r} of {ev.id!r} is not an event in the catalogue"))
            key = (ev.title.casefold(), ev.date.iso())
            if key in titles and titles[key].id != ev.id:
                problems.append(Problem(ev.path, ev.line, ev.col, f"{ev.id!r} has the same title and date as {titles[key].id!r}; merge them or tell them apart"))
            titles.setdefault(key, ev)
            for name in (ev.title, *ev.aliases):
                k = name.casefold()
                if k in aliases and aliases[k].id != ev.id:
                    problems.append(Problem(ev.path, ev.line, ev.col, f"alias {name!r} of {ev.id!r} also names {aliases[k].id!r}; the claim checker will call it ambiguous", "warning"))
                aliases.setdefault(k, ev)
    return problems


def load_catalog(data_dir: Path, paths: list[Path] | None = None, use_cache: bool = True) -> Catalog:
    """Load every calendar of ``data_dir`` (or just ``paths``). Files with errors are left out
    and named in ``problems``; the caller decides whether that is fatal."""
    from anniv import cache

    files = paths if paths is not None else calendar_files(data_dir)
    roots = seed_roots(data_dir)
    calendars: list[Calendar] = []
    problems: list[Problem] = []
    broken: list[str] = []
    store = cache.Cache.open() if use_cache else None
    for path in files:
        display = _display(path)
        cal, probs = (None, [])
        if path.is_symlink() and not _inside(path, data_dir):
            probs = [Problem(display, 0, 0, "symlink points outside the data folder; copy the file in instead")]
        else:
            hit = store.get(path) if store else None
            if hit is not None:
                cal, probs = hit
            else:
                from anniv.records import read_calendar

                cal, probs = read_calendar(path, display, roots)
                if store is not None:
                    store.put(path, cal, probs)
        problems.extend(probs)
        if cal is not None and not any(p.severity == "error" for p in probs):
            calendars.append(cal)
        else:
            broken.append(display)
    if store is not None:
        store.close()
    problems.extend(cross_check(calendars))
    return Catalog(tuple(calendars), problems, tuple(broken))


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
    if not cat.calendars and cat.errors:
        raise DataError(cat.errors)
    return cat
