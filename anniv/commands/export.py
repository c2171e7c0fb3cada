"""anniv export: write every feed of the catalogue as .ics files, plus index.json.

One feed per calendar (CALENDAR.ics), all.ics, milestones.ics (round anniversaries and
day-count milestones) and tag-TAG.ics per tag, over a horizon of whole years (default: from
1 January last year to 31 December ten years on). The same data and the same --today give
the same bytes on any machine; files whose bytes did not change are left untouched, every
other file is replaced atomically (a reader never sees half a feed), and feeds a previous
export wrote that no longer exist (a tag that went away) are removed.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anniv.commands import _common

if TYPE_CHECKING:
    from anniv.cli import Context
    from anniv.ics import Feed

ORDER = 60
HELP = "write .ics feeds (per calendar, all, milestones, per tag) and index.json to a folder"
INDEX = "index.json"
_FEED_FILE = re.compile(r"^[a-z0-9][a-z0-9-]*\.ics$")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", type=Path, default=Path("feeds"), metavar="DIR", help="folder to write to (default: ./feeds)"
    )
    g = p.add_argument_group("window", "default: --horizon 1:10 (whole years)")
    g.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (with --to)")
    g.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, inclusive")
    g.add_argument("--horizon", metavar="BACK:AHEAD", help="whole years back and ahead of today, e.g. 1:10")
    p.add_argument(
        "--alarms",
        type=int,
        metavar="DAYS",
        help="add a display alarm DAYS ahead of every round anniversary (clients may ignore it)",
    )
    p.add_argument(
        "--lang", choices=("en", "ko", "zh"), default="en", help="language of ordinals, titles and feed names"
    )
    p.add_argument(
        "--day-counts-age",
        type=int,
        default=3,
        metavar="YEARS",
        help="include 100/1,000/10,000-day counts for events younger than this (default 3, as anniv due)",
    )


def feed_window(args: argparse.Namespace, today: Any) -> tuple[Any, Any]:
    """--from/--to, or --horizon, or the default horizon; never both kinds."""
    from datetime import date

    from anniv import ics
    from anniv.errors import UsageError

    if args.start or args.end:
        if args.horizon:
            raise UsageError("give --from/--to or --horizon, not both")
        if not (args.start and args.end):
            raise UsageError("--from and --to go together")
        try:
            start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
        except ValueError:
            raise UsageError(f"--from/--to must be dates like 2025-01-01, not {args.start!r}/{args.end!r}") from None
        if end < start:
            raise UsageError(f"--to {end} is before --from {start}")
        if (end - start).days > 366 * 100:
            raise UsageError("a feed window is limited to 100 years")
        return start, end
    back, ahead = ics.parse_horizon(args.horizon) if args.horizon else (ics.DEFAULT_BACK_YEARS, ics.DEFAULT_AHEAD_YEARS)
    return ics.horizon(today, back, ahead)


def index_document(feeds: list[Feed], start: Any, end: Any, lang: str, alarms: int | None) -> dict[str, Any]:
    """What index.json says: the window and, per feed, its name, file, title, description,
    number of entries, size and SHA-256 (the server's ETag). No timestamps, so it is as
    reproducible as the feeds."""
    return {
        "generator": "anniv",
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "lang": lang,
        "alarms_days": alarms,
        "feeds": [
            {
                "name": f.spec.name,
                "file": f.filename,
                "kind": f.spec.kind,
                "title": f.spec.title,
                "description": f.spec.description,
                "events": f.events,
                "bytes": len(f.body),
                "sha256": f.sha256,
            }
            for f in feeds
        ],
    }


def _previous_files(out: Path) -> set[str]:
    """Feed files the last export listed in its index.json (nothing if it is missing, foreign
    or unreadable: then no file is ever removed)."""
    try:
        doc = json.loads((out / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(doc, dict) or doc.get("generator") != "anniv" or not isinstance(doc.get("feeds"), list):
        return set()
    names = {f.get("file") for f in doc["feeds"] if isinstance(f, dict)}
    return {n for n in names if isinstance(n, str) and _FEED_FILE.match(n)}


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import ics
    from anniv.errors import AnnivError, UsageError
    from anniv.fsutil import atomic_write

    if args.alarms is not None and not 0 <= args.alarms <= ics.MAX_ALARM_DAYS:
        raise UsageError(f"--alarms must be from 0 to {ics.MAX_ALARM_DAYS} days")
    if args.day_counts_age < 0:
        raise UsageError("--day-counts-age cannot be negative")
    start, end = feed_window(args, ctx.today)
    cat = _common.load(ctx)
    feeds = ics.build_feeds(
        cat, start, end, ctx.today, lang=args.lang, alarms=args.alarms, day_count_age=args.day_counts_age
    )
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise AnnivError(f"{out}: exists and is not a folder")
    old = _previous_files(out)
    written = 0
    try:
        for f in feeds:
            target = out / f.filename
            if not _same(target, f.body):
                atomic_write(target, f.body)
                written += 1
        doc = json.dumps(index_document(feeds, start, end, args.lang, args.alarms), ensure_ascii=False, indent=2) + "\n"
        if not _same(out / INDEX, doc.encode("utf-8")):
            atomic_write(out / INDEX, doc.encode("utf-8"))
        removed = 0
        for name in sorted(old - {f.filename for f in feeds}):
            try:
                (out / name).unlink()
                removed += 1
            except FileNotFoundError:
                pass
    except OSError as exc:
        raise AnnivError(f"cannot write feeds to {out}: {exc.strerror or exc}") from None
    total = next((f.events for f in feeds if f.spec.name == "all"), 0)
    ctx.out(
        f"{len(feeds)} feeds for {start} to {end} in {out}/ ({total:,} entries in all.ics): "
        f"{written} written, {len(feeds) - written} unchanged, {removed} removed\n"
    )
    return 0
