"""anniv check: validate calendar files and report every problem with its location."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

ORDER = 80
HELP = "validate calendar files: PATH:LINE:COL messages, exit 1 when anything is wrong"

if TYPE_CHECKING:
    from anniv.cli import Context


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders to check (default: the data folder)")
    p.add_argument("--stats", action="store_true", help="also print counts per calendar: events, sources, commemorations")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")


def run(args: argparse.Namespace, ctx: Context) -> int:
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
    problems = sorted(cat.problems)
    for p in problems:
        ctx.stderr.write(f"{p}\n")
    errors = [p for p in problems if p.severity == "error" or args.strict]
    n_events = len(cat.events)
    n_comm = sum(len(e.commemorations) for e in cat.events)
    if args.stats:
        ctx.out(stats(cat))
    if errors:
        bad_files = len({p.path for p in errors})
        ctx.stderr.write(f"{len(errors)} problem(s) in {bad_files} file(s); {len(files) - len(cat.broken)} of {len(files)} file(s) usable\n")
        return 1
    warn = len(problems)
    tail = f", {warn} warning(s)" if warn else ""
    ctx.out(f"OK: {len(cat.calendars)} calendars, {n_events} events, {n_comm} commemorations{tail}\n")
    return 0


def stats(cat) -> str:  # type: ignore[no-untyped-def]
    lines = [f"{'calendar':<16} {'events':>6} {'sources':>8} {'no source':>9} {'comms':>6} {'round-ready':>11}"]
    tot = [0, 0, 0, 0]
    for c in cat.calendars:
        ev = len(c.events)
        src = sum(len(e.sources) for e in c.events)
        nosrc = sum(1 for e in c.events if not e.sources)
        com = sum(len(e.commemorations) for e in c.events)
        lines.append(f"{c.id:<16} {ev:>6} {src:>8} {nosrc:>9} {com:>6} {sum(1 for e in c.events if e.commemorations):>11}")
        for i, v in enumerate((ev, src, nosrc, com)):
            tot[i] += v
    lines.append(f"{'total':<16} {tot[0]:>6} {tot[1]:>8} {tot[2]:>9} {tot[3]:>6}")
    if tot[0]:
        lines.append(f"sources per event: {tot[1] / tot[0]:.2f}")
    return "\n".join(lines) + "\n"
