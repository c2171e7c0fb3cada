"""anniv due: the anniversaries in a window, round ones first."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from anniv.commands import _common

if TYPE_CHECKING:
    from anniv.cli import Context

ORDER = 10
HELP = "anniversaries in a window (default: this month), round milestones first"
FORMATS = ("table", "json", "csv", "md", "ics")


def add_arguments(p: argparse.ArgumentParser) -> None:
    _common.add_window(p)
    p.add_argument(
        "--tag", action="append", default=[], metavar="T", help="only events with this tag (repeatable: any of them)"
    )
    p.add_argument("--calendar", action="append", default=[], metavar="C", help="only this calendar (repeatable)")
    p.add_argument(
        "--round", action="store_true", help="only round anniversaries (multiples of 5) and day-count milestones"
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="output format (table: a styled table on a terminal, aligned text otherwise)",
    )
    p.add_argument(
        "--lang",
        choices=("en", "ko", "zh"),
        default="en",
        help="language of ordinals and (where records have them) titles",
    )
    p.add_argument(
        "--sort",
        choices=("round", "date", "rank"),
        default="round",
        help="round: round milestones first, then by date (default); date; rank",
    )
    p.add_argument(
        "--day-counts-age",
        type=int,
        default=3,
        metavar="YEARS",
        help="list 100/1,000/10,000-day counts for events younger than this (default 3; records can opt in)",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import engine, render
    from anniv.errors import UsageError

    start, end, title = _common.window(args, ctx.today)
    if args.day_counts_age < 0:
        raise UsageError("--day-counts-age cannot be negative")
    cat = _common.load(ctx)
    unknown = [c for c in args.calendar if cat.calendar(c) is None]
    if unknown:
        known = ", ".join(c.id for c in cat.calendars)
        raise UsageError(f"unknown calendar {', '.join(unknown)}; known: {known}")
    q = engine.Query(start, end, ctx.today, tuple(args.tag), tuple(args.calendar), args.round, args.day_counts_age)
    found = cat.query(q)
    found = order(found, args.sort)
    if args.format == "ics":
        from anniv import ics

        ctx.out(ics.window_feed(cat, found, title, lang=args.lang).decode("utf-8"))
        return 0
    rows = [render.row_dict(a, ctx.today, args.lang) for a in found]
    heading = f"Anniversaries, {title}"
    ctx.out(render.listing(rows, heading, args.format, ctx.terminal()))
    return 0


def order(found: list, how: str) -> list:  # type: ignore[type-arg]
    """round: round milestones first (by date), then the rest by date; rank: roundest first."""
    if how == "date":
        return found
    if how == "rank":
        return sorted(found, key=lambda a: (-a.rank, a.sort_key()))
    return sorted(found, key=lambda a: (not a.is_round, a.sort_key()))
