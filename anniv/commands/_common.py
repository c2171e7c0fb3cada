"""Pieces several commands share: loading the catalogue with warnings, windows, formats."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from anniv import windows

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
    return windows.day(text, flag)


def month_window(text: str) -> tuple[date, date]:
    return windows.month_window(text)


def window(args: argparse.Namespace, today: date) -> tuple[date, date, str]:
    """The window the flags ask for, and a title for it (see ``anniv.windows``)."""
    return windows.window(today, args.month, args.year, args.start, args.end, args.next)


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
