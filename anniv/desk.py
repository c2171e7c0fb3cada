"""The editor's desk: story hooks, event timelines and "on this day" — pure functions.

Nothing here reads the clock or a file; ``today`` and the anniversaries come in as arguments,
and the values that come out are frozen dataclasses that the commands render.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from anniv import engine, milestones
from anniv.engine import Anniversary
from anniv.errors import AnnivError
from anniv.model import Commemoration, Event

PRECEDENT_BONUS = 0.5  # the previous round anniversary was marked: likely again, and quotable
DEFAULT_LEAD = 42  # six weeks: the planning lead for a 10th/20th…; bigger milestones get more

# How much longer than the base lead a milestone of each tier needs (tier 5 = centenary).
LEAD_FACTOR: dict[int, float] = {5: 2.0, 4: 1.75, 3: 1.5, 2: 1.0, 1: 0.75, 0: 0.5}


def lead_days(a: Anniversary, base_lead: int = DEFAULT_LEAD) -> int:
    """The planning lead for ``a``: the base lead scaled by roundness (a centenary needs twice
    the lead of a 70th; a 75th one and a half times). Day-count milestones rank like years."""
    return max(1, round(base_lead * LEAD_FACTOR.get(a.tier, 0.5)))


def scan_end(today: date, end: date, base_lead: int = DEFAULT_LEAD) -> date:
    """How far to look for hooks: the window's end, or further when a big milestone's lead
    already reaches today (a centenary twelve weeks out is a hook now)."""
    return max(end, today + timedelta(days=lead_days_for_tier(5, base_lead)))


def lead_days_for_tier(tier: int, base_lead: int = DEFAULT_LEAD) -> int:
    return max(1, round(base_lead * LEAD_FACTOR.get(tier, 0.5)))


@dataclass(frozen=True, slots=True)
class Hook:
    """One anniversary as a story hook.

    ``score`` orders hooks: the rank (roundness × 3 + importance, plus ``PRECEDENT_BONUS`` when
    the previous round anniversary was marked) at full weight while the planning lead has begun,
    tapering with distance before that. ``previous`` is how the last
    comparable anniversary was marked (the previous round one when on record), and
    ``previous_unknown`` names the round anniversary whose commemoration is not on record.
    """

    anniversary: Anniversary
    days_until: int
    lead: int
    plan_from: date
    score: float
    previous: Commemoration | None
    previous_unknown: int | None
    already: Commemoration | None

    @property
    def plan_now(self) -> bool:
        return self.days_until <= self.lead


def last_marked(ev: Event, count: int, today: date) -> tuple[Commemoration | None, int | None]:
    """How the last comparable anniversary before the ``count``-th was marked, and the round
    anniversary whose commemoration is missing from the record (None when nothing is missing).

    Comparable means the previous round anniversary (the 70th for a 75th); when that one is not
    on record the latest earlier round one is quoted instead (the 50th, say) and the 70th is
    flagged. Non-round anniversaries quote the latest earlier commemoration and flag nothing.
    """
    earlier = [c for c in ev.commemorations if c.anniversary < count and began(c, today)]
    prev_round = count - 5 if count % 5 == 0 else count - count % 5
    is_round = milestones.tier(count) >= 1
    exact = [c for c in earlier if c.anniversary == prev_round]
    rounds = [c for c in earlier if milestones.tier(c.anniversary) >= 1]

    def latest(cs: list[Commemoration]) -> tuple[Commemoration, ...]:
        if not cs:
            return ()
        n = max(c.anniversary for c in cs)
        return tuple(c for c in cs if c.anniversary == n)

    if exact:
        return exact[0], None
    missing = prev_round if is_round and prev_round >= 5 else None
    if missing is not None and engine.base_year(ev) + missing > today.year:
        missing = None
    chosen = latest(rounds) or latest(earlier)
    return (chosen[0] if chosen else None), missing


def marked_at(ev: Event, count: int, today: date) -> tuple[Commemoration, ...]:
    """Every recorded commemoration of the ``count``-th anniversary that had begun by ``today``,
    in date order (a 70th may have a state ceremony and a leader's visit)."""
    return tuple(c for c in ev.commemorations if c.anniversary == count and began(c, today))


def hooks(
    found: Iterable[Anniversary], today: date, end: date, base_lead: int = DEFAULT_LEAD, everything: bool = False
) -> list[Hook]:
    """Rank ``found`` (already limited to the scan window) as hooks.

    Kept: anniversaries up to ``end``, plus those beyond it whose planning lead has begun.
    Without ``everything`` only round anniversaries, day-count milestones and major events
    (importance 3) are hooks. Order: score, then date, then event id.
    """
    out: list[Hook] = []
    for a in found:
        if a.date < today:
            continue
        if not everything and not (a.is_round or a.event.importance >= 3):
            continue
        days = (a.date - today).days
        lead = lead_days(a, base_lead)
        if a.date > end and days > lead:
            continue
        urgency = 1.0 if days <= lead else max(0.25, lead / days)
        prev: Commemoration | None = None
        unknown: int | None = None
        already: Commemoration | None = None
        record = 0.0
        if a.kind == "years":
            prev, unknown = last_marked(a.event, a.count, today)
            if prev is not None and a.is_round and prev.anniversary == a.count - 5:
                record = PRECEDENT_BONUS
            done = [c for c in a.event.commemorations if c.anniversary == a.count and ended(c, today)]
            already = done[-1] if done else None
        score = round((a.rank + record) * (0.5 + 0.5 * urgency), 2)
        out.append(Hook(a, days, lead, a.date - timedelta(days=lead), score, prev, unknown, already))
    out.sort(key=lambda h: (-h.score, h.anniversary.date, h.anniversary.event.id, h.anniversary.count))
    return out


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A past (or this year's) anniversary on an event's timeline, with its commemorations.
    ``date`` is None when the day cannot be given (year-precision events, years before AD 1,
    lunar years past the tables)."""

    count: int
    year: int
    date: date | None
    round: bool
    commemorations: tuple[Commemoration, ...]


def timeline_step(elapsed: int, limit: int = 60) -> int:
    """The spacing of a timeline: every round (5th) anniversary, unless that gives more than
    ``limit`` rows, then every 25th, 100th, 500th or 1,000th."""
    for step in (5, 25, 100, 500, 1000):
        if elapsed // step <= limit:
            return step
    return 1000


def timeline(ev: Event, today: date) -> tuple[list[TimelineEntry], int]:
    """Every past round anniversary of ``ev`` up to ``today`` (thinned for very old events, see
    ``timeline_step``) plus every anniversary with a recorded commemoration, oldest first."""
    base = engine.base_year(ev)
    last = today.year - base
    this_year = _kept(ev, today.year)
    if this_year is None or this_year > today:
        last -= 1
    step = timeline_step(max(last, 0))
    by_count: dict[int, list[Commemoration]] = {}
    for c in ev.commemorations:
        by_count.setdefault(c.anniversary, []).append(c)
    counts = set(range(step, last + 1, step)) | {n for n in by_count if n <= max(last, 0) or _past(by_count[n], today)}
    entries = []
    for n in sorted(counts):
        if n < 1:
            continue
        entries.append(
            TimelineEntry(n, base + n, _kept(ev, base + n), milestones.tier(n) >= 1, tuple(by_count.get(n, ())))
        )
    return entries, step


def _past(cs: Sequence[Commemoration], today: date) -> bool:
    return any(began(c, today) for c in cs)


def _period(c: Commemoration) -> tuple[date, date] | None:
    """The first and last day a commemoration's date can mean (``2020-10`` is all October)."""
    hd = c.date
    if hd.year < 1:
        return None
    if hd.day is not None and hd.month is not None:
        d = date(hd.year, hd.month, hd.day)
        return d, d
    if hd.month is not None:
        nxt = (
            date(hd.year + (hd.month == 12), hd.month % 12 + 1, 1)
            if (hd.year, hd.month) != (9999, 12)
            else date(9999, 12, 31)
        )
        return date(hd.year, hd.month, 1), nxt - timedelta(days=1) if nxt.day == 1 else nxt
    return date(hd.year, 1, 1), date(hd.year, 12, 31)


def began(c: Commemoration, today: date) -> bool:
    """The commemoration's date has begun by ``today`` (its month or year may still run)."""
    p = _period(c)
    return p is not None and p[0] <= today


def ended(c: Commemoration, today: date) -> bool:
    """The commemoration is surely past: the whole of its day, month or year is before ``today``
    ("2025-09" is not yet "already marked" on 1 September 2025)."""
    p = _period(c)
    return p is not None and p[1] < today


def _kept(ev: Event, year: int) -> date | None:
    try:
        return engine.kept_on(ev, year)
    except (ValueError, AnnivError):
        return None


def on_day(found: Iterable[Anniversary]) -> list[Anniversary]:
    """Year anniversaries kept on one day, roundest and most important first, then by id.
    Month- and year-precision events are left out: they are not kept on any one day."""
    rows = [a for a in found if a.kind == "years" and a.precision == "day"]
    return sorted(rows, key=lambda a: (-a.rank, -a.count, a.event.id))
