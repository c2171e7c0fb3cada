"""anniv add: append a new event to a calendar file, keeping everything else as it was.

Three ways in:
  anniv add --calendar korea --id ID --title T --date D --summary S --source-title … --source-url …
  anniv add --scaffold --calendar korea [--id ID …] > new.yaml      (a commented skeleton)
  anniv add --calendar korea --file new.yaml                        (the skeleton, filled in)

The event is inserted as text at the end of the calendar's `events:` list, in the file's own
indentation and line endings; comments and formatting elsewhere are untouched. The result is
validated (the same checks as `anniv check`, ids unique across the catalogue) before it replaces
the file atomically; a failing edit leaves the file as it was, says why and exits 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from anniv.commands import _common

if TYPE_CHECKING:
    from anniv.cli import Context
    from anniv.editing import EventSpec, SourceSpec

ORDER = 85
HELP = "add a new event to a calendar file (from flags, a filled-in --scaffold, or --file)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--calendar", metavar="C", help="the calendar (file name without .yaml) to add to")
    p.add_argument(
        "--scaffold", action="store_true", help="print a commented YAML skeleton to fill in (flags given are filled in)"
    )
    p.add_argument(
        "--file",
        type=Path,
        metavar="FILE",
        help="add the event(s) written in FILE (a filled-in scaffold), comments and all",
    )
    p.add_argument("--dry-run", action="store_true", help="print the change as a diff and write nothing")
    e = p.add_argument_group("the event")
    e.add_argument("--id", metavar="ID", help="unique across all calendars: lowercase words joined by hyphens")
    e.add_argument("--title", metavar="T", help="English, sentence case, no date in it")
    e.add_argument("--date", metavar="D", help="YYYY-MM-DD, YYYY-MM or YYYY (the date as the sources give it)")
    e.add_argument("--summary", metavar="S", help="one or two sentences in our own words")
    e.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeatable)")
    e.add_argument("--alias", action="append", default=[], metavar="NAME", help="another name copy uses (repeatable)")
    e.add_argument("--place", action="append", default=[], metavar="P", help="where it happened (repeatable)")
    e.add_argument(
        "--importance", type=int, choices=(1, 2, 3), metavar="N", help="3 major anchor, 2 notable (default), 1 minor"
    )
    add_source_arguments(p)


def add_source_arguments(p: argparse.ArgumentParser) -> None:
    """The one source an edit from flags carries (shared with ``anniv commemorate``)."""
    s = p.add_argument_group("the source (a page, or a seed card)")
    s.add_argument("--source-title", metavar="T", help="the page's title")
    s.add_argument("--source-url", metavar="URL", help="the page's address (required with --source-title)")
    s.add_argument("--source-publisher", metavar="P", help="who published it")
    s.add_argument("--source-published", metavar="D", help="when it was published (YYYY-MM-DD)")
    s.add_argument("--source-note", metavar="TEXT", help="what the page confirmed (the date, the number, the place)")
    s.add_argument("--source-seed", metavar="PATH", help="a source card, e.g. seeds/000_7d01987f1f853c37.yaml")


def source_from(args: argparse.Namespace) -> SourceSpec:
    """The source the flags describe: a titled page with a URL, a seed card, or both."""
    from anniv.editing import SourceSpec, check_text, parse_date
    from anniv.errors import UsageError

    if not args.source_title and not args.source_seed:
        raise UsageError("give a source: --source-title T --source-url URL (or --source-seed PATH)")
    if args.source_title and not args.source_url:
        raise UsageError("--source-title needs --source-url (the page that confirmed it)")
    if (args.source_url or args.source_publisher or args.source_published) and not args.source_title:
        raise UsageError(
            "--source-url/--source-publisher/--source-published describe a page: give its --source-title too"
        )
    if args.source_published:
        parse_date(args.source_published, "--source-published")
    return SourceSpec(
        title=check_text(args.source_title or "", "--source-title"),
        publisher=check_text(args.source_publisher or "", "--source-publisher"),
        url=check_text(args.source_url or "", "--source-url"),
        published=args.source_published or "",
        note=check_text(args.source_note or "", "--source-note"),
        seed=check_text(args.source_seed or "", "--source-seed"),
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import editing
    from anniv.errors import UsageError

    if args.scaffold:
        ctx.out(scaffold(args))
        return 0
    _common.editable_data_dir(ctx)
    if not args.calendar:
        raise UsageError("--calendar C is required: the calendar file to add to")
    use_cache = ctx.env.get("ANNIV_NO_CACHE") != "1"
    path = editing.calendar_path(ctx.data_dir, args.calendar)
    original, before, doc = editing.load_for_edit(path, ctx.data_dir)
    spec: EventSpec | None = None
    if args.file:
        given = [f for f in ("id", "title", "date", "summary", "source_title", "source_seed") if getattr(args, f)]
        if given or args.tag or args.alias or args.place:
            raise UsageError("--file adds the events written in the file; leave out the event and source flags")
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{args.file}: cannot read as UTF-8 text ({exc})") from None
        ids = editing.new_event_ids(text)
        first = editing.append_event_text(doc, text)
    else:
        spec = event_from(args)
        ids = (spec.id,)
        first = editing.append_event(doc, spec)
    new = doc.data()
    cal, warnings = editing.validate(ctx.data_dir, path, before, new, touched=ids, event=spec, use_cache=use_cache)
    for w in warnings:
        ctx.warn(str(w))
    if args.dry_run:
        ctx.out(editing.unified_diff(path, original, new))
        return 0
    editing.commit(path, original, new)
    added = [e for e in cal.events if e.id in ids]
    for ev in added:
        ctx.out(f"added {ev.id!r} ({ev.date.iso()}, {ev.title}) to {path}:{ev.line}\n")
    grown = len(new.splitlines()) - len(original.splitlines())
    if grown:
        ctx.out(f"{grown} line(s) inserted from line {first}; nothing else changed\n")
    else:
        ctx.out(f"written into the flow list on line {first}; no other line changed\n")
    return 0


def event_from(args: argparse.Namespace) -> EventSpec:
    from anniv.editing import EventSpec, check_text, parse_date
    from anniv.errors import UsageError

    missing = [f"--{f}" for f in ("id", "title", "date", "summary") if not getattr(args, f)]
    if missing:
        raise UsageError(f"missing {', '.join(missing)} (or use --scaffold to write the event in a file, then --file)")
    parse_date(args.date, "--date")
    return EventSpec(
        id=check_text(args.id, "--id"),
        title=check_text(args.title, "--title"),
        date=args.date,
        summary=check_text(args.summary, "--summary"),
        sources=(source_from(args),),
        tags=tuple(check_text(t, "--tag") for t in args.tag),
        aliases=tuple(check_text(a, "--alias") for a in args.alias),
        places=tuple(check_text(p, "--place") for p in args.place),
        importance=args.importance,
    )


def scaffold(args: argparse.Namespace) -> str:
    """A commented event skeleton. Placeholders are deliberately invalid (empty text,
    ``YYYY-MM-DD``, ``https://``) so that adding an unfilled skeleton fails validation."""
    from anniv.editing import date_token, flow_list, yaml_scalar

    cal = args.calendar or "CALENDAR"

    def text(value: str | None) -> str:
        return yaml_scalar(value) if value else '""'

    lines = [
        f"# A new event for the calendar {cal!r}. Fill it in, then add it with:",
        f"#   anniv add --calendar {cal} --file THIS_FILE",
        "# Lines starting with # are comments and are kept. Quote text YAML could misread",
        '# ("NO", "10:25", anything with ": " or " #"). docs/curating.md has the conventions.',
        f"- id: {yaml_scalar(args.id) if args.id else 'EVENT-ID'}    # unique across all calendars: lowercase words-with-hyphens",
        f"  title: {text(args.title)}    # English, sentence case, no date in it",
        f"  date: {date_token(args.date) if args.date else 'YYYY-MM-DD'}    # as the sources give it; YYYY-MM or YYYY when that is all that is known",
        f"  summary: {text(args.summary)}    # one or two sentences in our own words",
        f"  tags: {flow_list(tuple(args.tag))}    # e.g. [korean-war, dprk]: feeds per tag, --tag filters",
        f"  importance: {args.importance or 2}    # 3 major anchor, 2 notable, 1 minor",
    ]
    if args.alias:
        lines.append(f"  aliases: {flow_list(tuple(args.alias))}")
    else:
        lines.append("  # aliases: []    # names copy actually uses: English first, Korean/Chinese where they help")
    if args.place:
        lines.append(f"  places: {flow_list(tuple(args.place))}")
    else:
        lines.append("  # places: []")
    lines += [
        "  # alternative_dates:    # when sources or states disagree; the note says who uses it and which we follow",
        "  #   - date: YYYY-MM-DD",
        '  #     note: ""',
        "  sources:    # at least one; each note says what the page confirmed; delete lines you cannot fill",
        f"    - title: {text(args.source_title)}    # the page's title",
        f"      publisher: {text(args.source_publisher)}",
        f"      url: {yaml_scalar(args.source_url) if args.source_url else 'https://'}",
        f"      note: {text(args.source_note)}    # e.g. confirms the date (27 July 1953) and the signatories",
    ]
    if args.source_seed:
        lines.append(f"    - seed: {yaml_scalar(args.source_seed)}    # a source card in seeds/")
    lines += [
        "  # commemorations:    # past round anniversaries and how they were marked (or: anniv commemorate)",
        "  #   - date: YYYY-MM-DD",
        "  #     anniversary: 70",
        '  #     what: ""',
        '  #     sources: [{title: "", url: "https://"}]',
    ]
    return "\n".join(lines) + "\n"
