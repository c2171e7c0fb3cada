"""Pieces several commands share: loading the catalogue with warnings, windows, formats."""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from anniv.errors import UsageError

if TYPE_CHECKING:
    from anniv.catalog import Catalog
    from anniv.cli import Context


def load(ctx: Context, paths: list[Any] | None = None) -> Catalog:
    """The catalogue for listing commands: broken files are skipped with a warning naming them
    (run ``anniv check`` for the details); nothing usable at all is an error."""
    from anniv.catalog import load_catalog, require_clean

    cat = load_catalog(ctx.data_dir, paths, use_cache=ctx.env.get("ANNIV_NO_CACHE") != "1")
    if cat.broken:
        ctx.warn(
            f"anniv: warning: skipped {len(cat.broken)} file(s) with errors: {', '.join(cat.broken)} (run 'anniv check' for details)"
        )
    across = [p for p in cat.errors if p.path not in cat.broken]
    if across:
        ctx.warn(
            f"anniv: warning: {len(across)} problem(s) between files, first: {across[0]} (run 'anniv check' for all)"
        )
    return require_clean(cat)


def add_window(p: argparse.ArgumentParser, default: str = "this month") -> None:
    g = p.add_argument_group("window", f"default: {default}")
    g.add_argument("--month", metavar="YYYY-MM", help="one calendar month")
    g.add_argument("--year", metavar="YYYY", type=int, help="one calendar year")
    g.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (with --to)")
    g.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, inclusive")
    g.add_argument("--next", metavar="N[d|w|m|y]", help="from today for N days (30d), weeks, months or years")


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a date; write YYYY-MM-DD") from None


def month_window(text: str) -> tuple[date, date]:
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
        raise UsageError(f"--month {text!r} is not a month; write YYYY-MM, e.g. 2025-10")
    y, mo = int(m.group(1)), int(m.group(2))
    first = date(y, mo, 1)
    if (y, mo) == (9999, 12):
        return first, date(9999, 12, 31)
    return first, date(y + (mo == 12), mo % 12 + 1, 1) - timedelta(days=1)


def window(args: argparse.Namespace, today: date) -> tuple[date, date, str]:
    """The window the flags ask for, and a title for it. Only one way of saying it is allowed."""
    given = [n for n in ("month", "year", "next") if getattr(args, n, None)]
    if args.start or args.end:
        given.append("from/to")
    if len(given) > 1:
        raise UsageError(f"give one window, not {' and '.join('--' + g for g in given)}")
    if args.start or args.end:
        if not (args.start and args.end):
            raise UsageError("--from and --to go together")
        start, end = _day(args.start, "--from"), _day(args.end, "--to")
        if end < start:
            raise UsageError(f"--to {end} is before --from {start}")
        if (end - start).days > 366 * 200:
            raise UsageError("a window is limited to 200 years")
        return start, end, f"{start} to {end}"
    if args.year:
        if not 1 <= args.year <= 9999:
            raise UsageError("--year must be from 1 to 9999")
        return date(args.year, 1, 1), date(args.year, 12, 31), str(args.year)
    if args.next:
        m = re.fullmatch(r"(\d{1,5})\s*([dwmy]?)", args.next.strip())
        if not m:
            raise UsageError(f"--next {args.next!r}: write a length like 30d, 6w, 3m or 1y")
        n, unit = int(m.group(1)), m.group(2) or "d"
        days = n * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
        if not 1 <= days <= 366 * 200:
            raise UsageError("--next must be from 1 day to 200 years")
        end = today + timedelta(days=days - 1)
        return today, end, f"next {args.next} ({today} to {end})"
    month = args.month or today.strftime("%Y-%m")
    first, last = month_window(month)
    return first, last, first.strftime("%B %Y")


def editable_data_dir(ctx: Context) -> Any:
    """The data folder an editing command may write to. The copy of the bundled calendars
    inside an installed package is refused: an upgrade would silently undo the edit."""
    from anniv.catalog import PACKAGE_DIR
    from anniv.errors import AnnivError

    folder = ctx.data_dir.resolve()
    if folder == (PACKAGE_DIR / "calendars").resolve():
        raise AnnivError(
            f"{ctx.data_dir} is the installed copy of the bundled calendars; edits there are lost on "
            "upgrade. Copy the folder somewhere you keep (cp -r it), then pass --data DIR or set ANNIV_DATA"
        )
    return ctx.data_dir
