"""anniv check: validate calendar files and report every problem with its location."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

ORDER = 80
HELP = "validate calendar files: PATH:LINE:COL messages, exit 1 when anything is wrong"

if TYPE_CHECKING:
    from anniv.catalog import Catalog
    from anniv.cli import Context
    from anniv.model import Event, Source


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or folders to check (default: the data folder)"
    )
    p.add_argument(
        "--stats", action="store_true", help="also print counts per calendar: events, sources, commemorations"
    )
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import engine
    from anniv.catalog import calendar_files, load_catalog
    from anniv.errors import AnnivError

    files: list[Path] = []
    data_dir = ctx.data_dir
    if args.paths:
        for p in args.paths:
            if p.is_dir():
                files.extend(calendar_files(p))
                data_dir = p
            elif p.exists():
                files.append(p)
                data_dir = p.parent
            else:
                raise AnnivError(f"{p}: no such file or folder")
    else:
        files = calendar_files(ctx.data_dir)
    cat = load_catalog(data_dir, files, use_cache=False)
    problems = sorted([*cat.problems, *(p for ev in cat.events for p in engine.commemoration_drift(ev))])
    for p in problems:
        ctx.stderr.write(f"{p}\n")
    errors = [p for p in problems if p.severity == "error" or args.strict]
    n_events = len(cat.events)
    n_comm = sum(len(e.commemorations) for e in cat.events)
    if args.stats:
        ctx.out(stats(cat))
    if errors:
        bad_files = len({p.path for p in errors})
        ctx.stderr.write(
            f"{len(errors)} problem(s) in {bad_files} file(s); {len(files) - len(cat.broken)} of {len(files)} file(s) usable\n"
        )
        return 1
    warn = len(problems)
    tail = f", {warn} warning(s)" if warn else ""
    ctx.out(f"OK: {len(cat.calendars)} calendars, {n_events} events, {n_comm} commemorations{tail}\n")
    return 0


def stats(cat: Catalog) -> str:
    """The curation figures: per calendar, events, sources (and how many events have none,
    how many page sources lack a URL), commemorations and the events that have some; then
    sources per event, and the events without any commemoration by importance — the gaps a
    curator fills first are the importance-3 ones, listed by id."""
    head = (
        f"{'calendar':<16} {'events':>6} {'sources':>7} {'no source':>9} {'no url':>6} {'comms':>5} {'with comms':>10}"
    )
    lines = [head]
    tot = [0, 0, 0, 0, 0, 0]
    for c in cat.calendars:
        row = (
            len(c.events),
            sum(len(e.sources) for e in c.events),
            sum(1 for e in c.events if not e.sources),
            sum(1 for e in c.events for s in _all_sources(e) if not s.url and not s.seed),
            sum(len(e.commemorations) for e in c.events),
            sum(1 for e in c.events if e.commemorations),
        )
        lines.append(f"{c.id:<16} {row[0]:>6} {row[1]:>7} {row[2]:>9} {row[3]:>6} {row[4]:>5} {row[5]:>10}")
        tot = [t + v for t, v in zip(tot, row, strict=True)]
    lines.append(f"{'total':<16} {tot[0]:>6} {tot[1]:>7} {tot[2]:>9} {tot[3]:>6} {tot[4]:>5} {tot[5]:>10}")
    events = cat.events
    if events:
        per = [len(e.sources) for e in events]
        lines.append(
            f"sources per event: {sum(per) / len(per):.2f} on average, {min(per)} at least, {max(per)} at most"
        )
        lines.append("(no url: page sources without a url, in events and commemorations; seed cards do not count)")
        pages = [s for e in events for s in _all_sources(e) if s.title]
        lines.append(
            f"page sources without a note of what they confirmed: {sum(1 for s in pages if not s.note)} of {len(pages)}"
        )
        bare = {i: [e.id for e in events if e.importance == i and not e.commemorations] for i in (3, 2, 1)}
        counts = ", ".join(
            f"importance {i}: {len(bare[i])} of {sum(1 for e in events if e.importance == i)}" for i in (3, 2, 1)
        )
        lines.append(f"events without commemorations — {counts}")
        if bare[3]:
            shown = ", ".join(bare[3][:12]) + (f", … ({len(bare[3]) - 12} more)" if len(bare[3]) > 12 else "")
            lines.append(f"  importance 3 without: {shown}")
    return "\n".join(lines) + "\n"


def _all_sources(ev: Event) -> list[Source]:
    return [*ev.sources, *(s for c in ev.commemorations for s in c.sources)]
