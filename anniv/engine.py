"""The date engine: pure functions from events, a window and ``today`` to anniversaries.

Nothing here reads the clock, the environment or a file. Years elapsed are always ``Y − y``
with astronomical years, so BCE dates need no special case (there is no year 0 to skip: -550
is 551 BC and 2018 − (−550) = 2568).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from anniv import dates, kernel, milestones
from anniv.errors import AnnivError, Problem
from anniv.model import Event, HistDate


@dataclass(frozen=True, slots=True)
class Anniversary:
    """One anniversary instance: the ``count``-th year (or day) of ``event`` kept on ``date``.

    ``date`` is the Gregorian day it is kept; for month- and year-precision events it is the
    first day of that month or year and ``precision`` says so.
    """

    event: Event
    date: date
    kind: str  # "years" or "days"
    count: int
    precision: str = "day"

    @property
    def tier(self) -> int:
        return milestones.tier_of(self.kind, self.count)

    @property
    def is_round(self) -> bool:
        return self.tier >= 1

    @property
    def rank(self) -> int:
        return milestones.rank(self.tier, self.event.importance)

    def ordinal(self, lang: str = "en") -> str:
        return milestones.ordinal_of(self.kind, self.count, lang)

    @property
    def milestone(self) -> str | None:
        return milestones.milestone_name(self.count) if self.kind == "years" else None

    def label(self, lang: str = "en") -> str:
        """ "75th anniversary", "centenary (100th anniversary)", "1,000 days", "제75주년"."""
        return milestones.label_of(self.kind, self.count, lang)

    def sort_key(self) -> tuple[datetime.date, int, str, str, int]:
        return (self.date, -self.rank, self.event.id, self.kind, self.count)


@dataclass(frozen=True, slots=True)
class Query:
    """What to list: a window (inclusive), filters, and the day-count policy.

    Day counts (100, 1,000, 10,000 days) are listed for events that opt in with
    ``milestones: {days: true}`` and for events younger than ``day_count_age_years`` at ``today``.
    """

    start: date
    end: date
    today: date
    tags: tuple[str, ...] = ()
    calendars: tuple[str, ...] = ()
    round_only: bool = False
    day_count_age_years: int = 3
    partial: bool = True  # include month- and year-precision events

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")


def base_year(ev: Event) -> int:
    """The year anniversaries count from: the written year, except Julian dates kept
    ``converted``, which count from the Gregorian year of the converted date."""
    hd = ev.date
    if hd.calendar == "julian" and ev.observed.on == "converted" and hd.day is not None:
        return _julian_md(hd)[0]
    return hd.year


@cache
def _julian_md(hd: HistDate) -> tuple[int, int, int]:
    assert hd.month is not None and hd.day is not None
    return dates.julian_to_gregorian(hd.year, hd.month, hd.day)


def fixed_month_day(ev: Event) -> tuple[int, int] | None:
    """The Gregorian month-day an event is kept on every year, or None when it moves
    (lunar dates, rules) or the date lacks a day."""
    hd = ev.date
    obs = ev.observed
    if hd.day is None or hd.month is None or obs.rule:
        return None
    if obs.on and obs.on not in ("converted", "nominal"):
        return dates.parse_month_day(obs.on)
    if hd.calendar == "korean-lunar":
        return None
    if hd.calendar == "julian" and obs.on == "converted":
        _, m, d = _julian_md(hd)
        return m, d
    return hd.month, hd.day


def kept_on(ev: Event, year: int) -> date | None:
    """The Gregorian day on which the anniversary of ``year`` (in the event's own counting,
    see ``base_year``) is kept, or None if it is not kept that year (leap-years-only, or a
    year without a Python date). Korean lunar years past the KASI tables raise DateRangeError.
    """
    hd = ev.date
    if hd.day is None or hd.month is None:
        return None
    if ev.observed.rule:
        return dates.Rule(ev.observed.rule).date_in(year)
    md = fixed_month_day(ev)
    if md is not None:
        return dates.day_in_year(year, md[0], md[1], ev.leap_day)
    return dates.lunar_observance(year, hd.month, hd.day, hd.leap_month)


def event_gregorian(ev: Event) -> date | None:
    """The Gregorian date the event happened (day precision, CE only), for day counts."""
    hd = ev.date
    if hd.day is None or hd.month is None or hd.year < 1:
        return None
    if hd.calendar == "julian":
        y, m, d = _julian_md(hd)
        return date(y, m, d) if y >= 1 else None
    if hd.calendar == "korean-lunar":
        return dates.lunar_to_gregorian(hd.year, hd.month, hd.day, hd.leap_month)
    return date(hd.year, hd.month, hd.day)


def occurrences(
    ev: Event,
    q: Query,
    kept: Callable[[Event, int], date | None] | None = None,
    gregorian: Callable[[Event], date | None] | None = None,
) -> Iterable[Anniversary]:
    """Every anniversary of ``ev`` kept inside the query's window (years ≥ 1, day counts).

    ``kept`` and ``gregorian`` stand in for ``kept_on`` and ``event_gregorian`` (same
    answers, e.g. from a catalogue's precomputed index). The counting itself is
    ``kernel.occurrences``, which the quick path shares."""
    keep = kept or kept_on
    hd = ev.date
    if hd.precision != "day" and not q.partial:
        return
    greg = 0
    if hd.precision == "day" and (ev.day_counts or q.day_count_age_years > 0):
        g = (gregorian or event_gregorian)(ev)
        greg = g.toordinal() if g is not None else 0

    def kept_ord(year: int) -> int:
        d = keep(ev, year)
        return d.toordinal() if d is not None else 0

    found = kernel.occurrences(
        hd.precision,
        hd.month,
        base_year(ev),
        kept_ord,
        greg,
        ev.day_counts,
        q.start.toordinal(),
        q.end.toordinal(),
        q.today.toordinal(),
        q.day_count_age_years,
    )
    for o, kind, count in found:
        yield Anniversary(ev, date.fromordinal(o), kind, count, hd.precision)


def anniversaries(
    events: Iterable[Event],
    q: Query,
    kept: Callable[[Event, int], date | None] | None = None,
    gregorian: Callable[[Event], date | None] | None = None,
) -> list[Anniversary]:
    """The anniversaries of ``events`` in the window, filtered, in a stable order:
    by date, then rank (roundest first), then event id. ``kept``, ``gregorian``: see
    ``occurrences``."""
    tags = set(q.tags)
    cals = set(q.calendars)
    out: list[Anniversary] = []
    seen: set[str] = set()
    for ev in events:
        if ev.id in seen:
            continue
        seen.add(ev.id)
        if cals and ev.calendar_id not in cals:
            continue
        if tags and not tags.intersection(ev.tags):
            continue
        for a in occurrences(ev, q, kept, gregorian):
            if q.round_only and not a.is_round:
                continue
            out.append(a)
    out.sort(key=Anniversary.sort_key)
    return out


def next_milestones(ev: Event, today: date, count: int = 3) -> list[Anniversary]:
    """The next ``count`` round (multiple-of-5) anniversaries after ``today``."""
    out: list[Anniversary] = []
    start = today + timedelta(days=1)
    year = start.year
    while len(out) < count and year <= 9999:
        window_end = date(min(year + 25, 9999), 12, 31)
        q = Query(start, window_end, today, round_only=True, day_count_age_years=0)
        out.extend(a for a in anniversaries([ev], q) if a.kind == "years")
        if ev.date.calendar == "korean-lunar" and year + 25 > dates.LUNAR_LAST_YEAR:
            break
        start = window_end + timedelta(days=1)
        year = start.year
    return out[:count]


def commemoration_drift(ev: Event) -> list[Problem]:
    """Warnings for commemorations more than a year (366 days) from the anniversary they name.

    The loader compares years only (a 75th of 1950-10-25 may be dated 2024–2026); this compares
    days: the commemoration's date, taken as the whole month or year when that is all it gives,
    must come within 366 days of the day the ``anniversary``-th is kept. Events without a day,
    or whose anniversary cannot be placed (leap-years-only, past the lunar tables), are skipped.
    """
    import calendar as calendar_mod

    out: list[Problem] = []
    for c in ev.commemorations:
        try:
            kept = kept_on(ev, base_year(ev) + c.anniversary)
        except (ValueError, AnnivError):
            continue
        hd = c.date
        if kept is None or not 1 <= hd.year <= 9999:
            continue
        first = date(hd.year, hd.month or 1, hd.day or 1)
        if hd.day is not None:
            last = first
        elif hd.month is not None:
            last = first.replace(day=calendar_mod.monthrange(hd.year, hd.month)[1])
        else:
            last = date(hd.year, 12, 31)
        slack = timedelta(days=366)
        if last < kept - slack or first > kept + slack:
            gap = (kept - last).days if last < kept else (first - kept).days
            message = (
                f"commemoration dated {hd.iso()} of {ev.id!r} is {gap} days from the {milestones.ordinal(c.anniversary)} anniversary "
                f"({kept.isoformat()}); it should fall within a year of it — check the date or the anniversary number"
            )
            out.append(Problem(ev.path, ev.line, ev.col, message, "warning"))
    return out
