"""anniv commemorate: record how an anniversary was marked, under its event, in place.

  anniv commemorate cpv-entry --date 2025-10-24 --what "Kim Jong-un visits the CPV cemetery" \
      --by "Kim Jong-un" --place "Hoechang County" \
      --source-title "North's Kim pays tribute …" --source-url https://…

The commemoration is inserted as text under the event — appended to its `commemorations:` list,
or under a new `commemorations:` key — in the file's own indentation and line endings; every
other line keeps its bytes. `--anniversary` defaults to the commemoration's year minus the
event's year ("ahead of the 70th" in the same year counts as the 70th). The edited file is
validated before it replaces the old one atomically; a failing edit changes nothing and exits 1.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from anniv.commands import _common
from anniv.commands.add import add_source_arguments, source_from

if TYPE_CHECKING:
    from anniv.cli import Context
    from anniv.model import Calendar, Event

ORDER = 86
HELP = "record how an event's anniversary was marked (date, number, what, who, source)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("event_id", metavar="ID", help="the event's id (anniv show / the calendar files list them)")
    p.add_argument("--date", required=True, metavar="D", help="when it was marked: YYYY-MM-DD, YYYY-MM or YYYY")
    p.add_argument(
        "--anniversary",
        type=int,
        metavar="N",
        help="which anniversary it marked (default: the date's year minus the event's)",
    )
    p.add_argument("--what", required=True, metavar="TEXT", help="what happened, in one sentence of our own words")
    p.add_argument("--by", action="append", default=[], metavar="NAME", help="who marked it (repeatable)")
    p.add_argument("--place", metavar="P", help="where")
    p.add_argument("--dry-run", action="store_true", help="print the change as a diff and write nothing")
    add_source_arguments(p)


def run(args: argparse.Namespace, ctx: Context) -> int:
    _common.editable_data_dir(ctx)
    from anniv import editing
    from anniv.errors import UsageError

    use_cache = ctx.env.get("ANNIV_NO_CACHE") != "1"
    source = source_from(args)
    path = editing.find_event_file(ctx.data_dir, args.event_id, use_cache=use_cache)
    original, before, doc = editing.load_for_edit(path, ctx.data_dir)
    event = _event(before, args.event_id)
    number = args.anniversary
    if number is None:
        editing.parse_date(args.date, "--date")
        number = default_anniversary(event, args.date)
    elif number < 1:
        raise UsageError("--anniversary must be 1 or more")
    spec = editing.CommemorationSpec(
        date=args.date,
        anniversary=number,
        what=editing.check_text(args.what, "--what"),
        sources=(source,),
        by=tuple(editing.check_text(b, "--by") for b in args.by),
        place=editing.check_text(args.place or "", "--place"),
    )
    first = editing.add_commemoration(doc, args.event_id, spec)
    new = doc.data()
    _, warnings = editing.validate(
        ctx.data_dir, path, before, new, touched=(args.event_id,), commemoration=spec, use_cache=use_cache
    )
    for w in warnings:
        ctx.warn(str(w))
    if args.dry_run:
        ctx.out(editing.unified_diff(path, original, new))
        return 0
    editing.commit(path, original, new)
    from anniv.milestones import ordinal

    how = "" if args.anniversary is not None else " (the number computed from the date)"
    ctx.out(
        f"recorded the {ordinal(number)} anniversary{how} of {args.event_id!r}, marked {args.date}, in {path} at line {first}\n"
    )
    return 0


def _event(cal: Calendar, event_id: str) -> Event:
    from anniv.editing import EditError

    for ev in cal.events:
        if ev.id == event_id:
            return ev
    raise EditError(f"{cal.path}: no event with id {event_id!r}")


def default_anniversary(event: Event, when: str) -> int:
    """The commemoration's year minus the year the event counts from (the Gregorian year of a
    Julian date, as the loader's check does); refused when that is not a positive number."""
    from anniv import dates
    from anniv.editing import EditError

    hd = event.date
    base = hd.year
    if hd.calendar == "julian" and hd.month is not None and hd.day is not None:
        base = dates.julian_to_gregorian(hd.year, hd.month, hd.day)[0]
    n = dates.parse_hist_date(when).year - base
    if n < 1:
        raise EditError(
            f"--date {when} is not after the first anniversary of {event.id!r} ({hd.iso()}); give --anniversary N if the date is right"
        )
    return n
