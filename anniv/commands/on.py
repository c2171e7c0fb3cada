"""anniv on MM-DD: on this day — every event kept on that day, with that year's ordinal,
roundest and most important first.

``--year`` picks the year (default: this year). Events kept by a rule or on a lunar date are
listed when that year's observance falls on the day. In a common year, ``02-29`` lists the
events dated 29 February and the day each is kept instead.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anniv.cli import Context

ORDER = 40
HELP = "on this day: every event kept on MM-DD with that year's ordinal, by rank"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("day", metavar="MM-DD", help="the month and day, e.g. 10-25")
    p.add_argument("--year", type=int, metavar="YYYY", help="whose ordinals to show (default: this year)")
    p.add_argument("--format", choices=("table", "json", "csv", "md"), default="table", help="output format")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="only events with this tag (repeatable)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from datetime import date, timedelta

    from anniv import dates, desk, engine, render
    from anniv.commands import _common
    from anniv.errors import UsageError

    try:
        month, day = dates.parse_month_day(args.day)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    year = ctx.today.year if args.year is None else args.year
    if not 1 <= year <= 9999:
        raise UsageError("--year must be from 1 to 9999")
    cat = _common.load(ctx)
    note = ""
    if (month, day) == (2, 29) and not dates.is_gregorian_leap(year):
        start, end = date(year, 2, 28), date(year, 3, 1)
        q = engine.Query(start, end, ctx.today, tuple(args.tag), day_count_age_years=0)
        found = [a for a in cat.query(q) if a.event.date.month == 2 and a.event.date.day == 29]
        note = f"{year} has no 29 February; events dated 29 February and the day each is kept instead."
    else:
        the_day = date(year, month, day)
        q = engine.Query(the_day, the_day + timedelta(days=0), ctx.today, tuple(args.tag), day_count_age_years=0)
        found = cat.query(q)
    rows = [render.row_dict(a, ctx.today) for a in desk.on_day(found)]
    title = f"On {date(2000, month, day).strftime('%d %B').lstrip('0')}, {year}"
    if note:
        title += f" ({note})"
    ctx.out(render.listing(rows, title, args.format, ctx.terminal()))
    return 0
