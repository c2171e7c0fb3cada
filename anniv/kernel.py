"""The arithmetic every listing shares, kept free of heavy imports.

This module imports only ``datetime`` and ``anniv.milestones`` (none of which pull
in ``re``, ``typing``, ``dataclasses`` or a date library), because ``anniv.quick`` answers
``anniv due`` from the on-disk index with it before the rest of anniv is imported. The engine
(``engine.occurrences``), the catalogue (``Catalog._numbers``) and the renderer
(``render.row_dict``) call the same functions, so the quick path and the full path cannot
drift apart. Days are proleptic Gregorian ordinals (``date.toordinal()``) throughout.
"""

from anniv import milestones

TYPE_CHECKING = False  # not typing's: importing typing costs the quick path milliseconds
if TYPE_CHECKING:
    from datetime import date as date
    from datetime import timedelta as timedelta
    from typing import Any
else:
    try:  # the C module alone: importing datetime.py first costs two more milliseconds
        from _datetime import date, timedelta  # noqa: F401 (windows takes timedelta from here)
    except ImportError:  # not CPython
        from datetime import date, timedelta  # noqa: F401

MAX_ORDINAL = date.max.toordinal()
LEAP_CODE = 2 * 32 + 29  # month-day code (month * 32 + day) of Feb 29
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A quick record (``indexer.quick_record``) keeps an event's precision and leap-day policy as
# their place in these tuples: small ints cost nothing to decode, where strings would each be
# looked up among the interned ones.
PRECISIONS = ("day", "month", "year")
LEAP_DAYS = ("feb28", "mar1", "leap-years-only")
LONG_WINDOW_DAYS = 400  # longer windows scan every event
MD_CODES = 13 * 32  # month-day codes of the window index: month * 32 + day
# What ``dynamic_fields`` returns, in order.
DYNAMIC_NAMES = ("date", "kind", "count", "ordinal", "label", "milestone", "round", "rank", "weekday", "days_until")


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def day_in_year(year: int, month: int, day: int, leap_day: str = "feb28") -> int:
    """The ordinal of the Gregorian ``year``'s ``month``-``day`` under a leap-day policy for
    Feb 29 (``feb28``, ``mar1`` or ``leap-years-only``); 0 when it is not kept that year or
    the year has no Python date (outside 1..9999)."""
    if not 1 <= year <= 9999:
        return 0
    if month == 2 and day == 29 and not is_leap(year):
        if leap_day == "mar1":
            month, day = 3, 1
        elif leap_day == "leap-years-only":
            return 0
        else:
            day = 28
    o: int = date(year, month, day).toordinal()
    return o


def occurrences(
    precision: str,
    month: int | None,
    y0: int,
    kept: object,
    greg: int,
    opt_in: bool,
    start: int,
    end: int,
    today: int,
    age: int,
) -> list[tuple[int, str, int]]:
    """Every anniversary of one event kept from ordinal ``start`` to ``end`` (inclusive), as
    (ordinal, kind, count): years ≥ 1 counted from ``y0`` and, for day-precision events, the
    100/1,000/10,000-day counts from the Gregorian day ``greg`` (0: none) when the record opts
    in or the event is younger than ``age`` years at ``today``.

    ``kept(year)`` gives the ordinal the anniversary of ``year`` is kept on (0: not kept);
    it is called for day precision only. For an event kept on a fixed month-day other than
    Feb 29, ``kept`` may instead be that month-day's (ordinal, year) pairs inside the window
    (``window_days``): the same answers without a call per year. Month- and year-precision events are listed on the
    first of their month (``month``) or of January.
    """
    out: list[tuple[int, str, int]] = []
    if precision == "day":
        if type(kept) is list:
            for o, year in kept:
                if year - y0 >= 1:
                    out.append((o, "years", year - y0))
        else:
            for year in range(date.fromordinal(start).year - 1, date.fromordinal(end).year + 1):
                if year - y0 < 1:
                    continue
                o = kept(year)  # type: ignore[operator]
                if o and start <= o <= end:
                    out.append((o, "years", year - y0))
        if counts_days(greg, opt_in, today, age):
            out.extend(day_counts(greg, start, end))
    else:
        for year in range(max(date.fromordinal(start).year, 1), date.fromordinal(end).year + 1):
            o = date(year, month or 1, 1).toordinal()
            if year - y0 >= 1 and start <= o <= end:
                out.append((o, "years", year - y0))
    return out


def counts_days(greg: int, opt_in: bool, today: int, age: int) -> bool:
    """Whether an event on the Gregorian day ``greg`` (0: none) is counted in days: it opts in,
    or it is younger than ``age`` years at ``today`` (``age`` 0: only those that opt in)."""
    return bool(greg) and (opt_in or (age > 0 and (today - greg) / 365.2425 < age))


def day_counts(greg: int, start: int, end: int) -> list[tuple[int, str, int]]:
    """The 100th, 1,000th and 10,000th days from ``greg`` that fall from ``start`` to ``end``."""
    out = []
    for n in milestones.DAY_COUNTS:
        o = greg + n - 1  # inclusive: the event day is day 1
        if o > MAX_ORDINAL:
            break
        if start <= o <= end:
            out.append((o, "days", n))
    return out


def window_days(start: int, end: int) -> dict[int, list[tuple[int, int]]]:
    """Month-day code (month * 32 + day) -> the (ordinal, year) of each day of the window
    with that month-day, in order."""
    out: dict[int, list[tuple[int, int]]] = {}
    for o in range(start, end + 1):
        d = date.fromordinal(o)
        out.setdefault(d.month * 32 + d.day, []).append((o, d.year))
    return out


def shown_day(o: int, precision: str) -> tuple[str, str | None]:
    """How a listing shows the day ``o``: (``2025-10-25``, or ``2025-10`` / ``2025`` for month-
    and year-precision events; the weekday, for day precision only)."""
    day = _DAYS.get((o, precision))
    if day is None:
        d = date.fromordinal(o)
        if precision == "month":
            shown = d.isoformat()[:7]
        elif precision == "year":
            shown = str(d.year)
        else:
            shown = d.isoformat()
        day = _DAYS[(o, precision)] = (shown, WEEKDAYS[d.weekday()] if precision == "day" else None)
    return day


def dynamic_fields(
    o: int, kind: str, count: int, precision: str, importance: int, today: int, lang: str
) -> tuple[str, str, int, str, str, str | None, bool, int, str | None, int]:
    """What a listing row says of one anniversary beyond the event itself: (shown date, kind,
    count, ordinal, label, milestone name, round?, rank, weekday, days until)."""
    day = shown_day(o, precision)
    ordinal, label, name, tier = count_names(kind, count, lang)
    return (
        day[0],
        kind,
        count,
        ordinal,
        label,
        name,
        tier >= 1,
        milestones.rank(tier, importance),
        day[1],
        o - today,
    )


def count_names(kind: str, count: int, lang: str) -> tuple[str, str, str | None, int]:
    """``milestones.names_of``, worked out once per process for each (kind, count, lang)."""
    key = (kind, count, lang)
    names = _NAMES.get(key)
    if names is None:
        names = _NAMES[key] = milestones.names_of(kind, count, lang)
    return names


# Memos: a month's listing repeats the same few hundred counts and thirty-odd days thousands
# of times. (kind, count, lang) -> (ordinal, label, milestone name, tier);
# (ordinal, precision) -> (shown date, weekday).
_DAYS: dict[tuple[int, str], tuple[str, str | None]] = {}
_NAMES: dict[tuple[str, int, str], tuple[str, str, str | None, int]] = {}


def candidates(
    ix: "dict[str, Any]", start: int, end: int, total: int, today: int | None = None, age: int | None = None
) -> list[int]:
    """Event numbers that may have an anniversary from ordinal ``start`` to ``end``, in
    first-seen order, from a window index (see ``catalog.build_index``). With ``today`` and
    ``age`` (a query's day-count policy) day counts are pruned to the events that can have
    one. Windows longer than ``LONG_WINDOW_DAYS`` list every event."""
    if end - start > LONG_WINDOW_DAYS:
        return list(range(total))
    st, evs = ix["md_start"], ix["md_events"]
    seen: dict[int, None] = {}
    add = seen.setdefault
    for o in range(start, end + 1):
        d = date.fromordinal(o)
        c = d.month * 32 + d.day
        for i in evs[st[c] : st[c + 1]]:
            add(i)
        if (c == 2 * 32 + 28 or c == 3 * 32 + 1) and not is_leap(d.year):
            for i in evs[st[LEAP_CODE] : st[LEAP_CODE + 1]]:
                add(i)
    lo, hi = ix["mover_years"]
    if date.fromordinal(start).year - 1 < lo or date.fromordinal(end).year > hi:
        for i in ix["movers"]:
            add(i)
    for i in ix["always"]:
        add(i)
    # day counts: the n-th day is event day + n - 1. Without a query every dated event
    # counts; with one, only those that opt in or are young enough.
    for n in milestones.DAY_COUNTS:
        a, b = start - (n - 1), end - (n - 1)
        spans = []
        if today is None:
            spans.append((ix["greg_ord"], ix["greg_ev"], a))
        else:
            spans.append((ix["opt_ord"], ix["opt_ev"], a))
            if age is not None and age > 0:
                floor = today - int(age * 365.2425) - 2
                spans.append((ix["greg_ord"], ix["greg_ev"], max(a, floor)))
        for ords, nums, first in spans:
            if first <= b:
                j, stop = search(ords, first), search(ords, b, right=True)
                for i in nums[j:stop]:
                    add(i)
    return list(seen)


def search(a: "Any", x: int, right: bool = False) -> int:
    """``bisect.bisect_left`` (``bisect_right`` with ``right``) of ``x`` in the sorted ``a``:
    a dozen steps for the few searches of a query, where importing bisect would cost the
    quick path a third of a millisecond."""
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        v = a[mid]
        if v < x or (right and v == x):
            lo = mid + 1
        else:
            hi = mid
    return lo
