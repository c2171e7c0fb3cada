"""anniv show ID: one event's card — facts, aliases, original and observed dates, sources, a
timeline of every past round anniversary with its commemorations, and the next three milestones.

Unknown ids get a "did you mean" drawn from ids, titles and aliases; the exit code is then 1.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from anniv.commands import _common

if TYPE_CHECKING:
    from datetime import date

    from anniv.catalog import Catalog
    from anniv.cli import Context
    from anniv.model import Event

ORDER = 30
HELP = "one event: facts, sources, every past round anniversary with its commemorations, the next ones"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="event id (anniv due --format json lists them)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")


def suggest(cat: Catalog, wanted: str, n: int = 3) -> list[str]:
    """Event ids whose id, title or alias is close to ``wanted`` (difflib), best first."""
    import difflib

    names: dict[str, str] = {}
    for ev in cat.events:
        for name in (ev.id, ev.title, *ev.aliases):
            names.setdefault(name.casefold(), ev.id)
    key = wanted.casefold().strip()
    hits = difflib.get_close_matches(key, list(names), n=n * 3, cutoff=0.6)
    hits += [k for k in names if key and len(key) >= 3 and key in k]
    out: list[str] = []
    for h in hits:
        if names[h] not in out:
            out.append(names[h])
    return out[:n]


def find_event(cat: Catalog, wanted: str) -> Event:
    """The event with this id; otherwise an AnnivError with suggestions."""
    from anniv.errors import AnnivError

    ev = cat.by_id.get(wanted)
    if ev is not None:
        return ev
    tips = suggest(cat, wanted)
    if tips:
        listed = ", ".join(f"{t} ({cat.by_id[t].title})" for t in tips)
        raise AnnivError(f"no event {wanted!r}; did you mean: {listed}?")
    raise AnnivError(f"no event {wanted!r} in the catalogue (anniv due --format json lists ids)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import render

    cat = _common.load(ctx)
    ev = find_event(cat, args.id)
    if args.format == "json":
        ctx.out(render.to_json(card_dict(ev, cat, ctx.today)))
    else:
        ctx.out(card_text(ev, cat, ctx.today))
    return 0


def _observed(ev: Event) -> str:
    from anniv import engine

    obs = ev.observed
    if obs.rule:
        how = f"rule {obs.rule}"
    else:
        md = engine.fixed_month_day(ev)
        if md is not None:
            how = f"{md[0]:02d}-{md[1]:02d} every year"
            if ev.date.calendar == "julian":
                how += f" ({obs.on or 'converted'} from the Old Style date)"
        elif ev.date.calendar == "korean-lunar":
            how = "on the lunar date, converted each year"
        else:
            how = f"no fixed day ({ev.date.precision} precision)"
    return how + (f" — {obs.note}" if obs.note else "")


def card_dict(ev: Event, cat: Catalog, today: date) -> dict[str, Any]:
    """The card as JSON: the record's facts, ``timeline`` and ``next``."""
    from anniv import desk, engine, render
    from anniv.dates import display_date

    entries, step = desk.timeline(ev, today)
    nxt = engine.next_milestones(ev, today, 3)
    return {
        "event_id": ev.id,
        "title": ev.title,
        "calendar": ev.calendar_id,
        "event_date": ev.date.iso(),
        "event_date_display": display_date(ev.date),
        "calendar_system": ev.date.calendar,
        "precision": ev.date.precision,
        "observed": _observed(ev),
        "aliases": list(ev.aliases),
        "titles": dict(ev.titles),
        "summary": ev.summary,
        "tags": list(ev.tags),
        "places": list(ev.places),
        "importance": ev.importance,
        "related": [{"event_id": r, "title": cat.by_id[r].title if r in cat.by_id else None} for r in ev.related],
        "alternative_dates": [{"date": a.date.iso(), "note": a.note} for a in ev.alternative_dates],
        "notes": ev.notes,
        "sources": [render.source_dict(s) for s in ev.sources],
        "timeline_step": step,
        "timeline": [
            {
                "anniversary": t.count,
                "year": t.year,
                "date": t.date.isoformat() if t.date else None,
                "round": t.round,
                "commemorations": [render.commemoration_dict(c) for c in t.commemorations],
            }
            for t in entries
        ],
        "next": [render.row_dict(a, today) for a in nxt],
    }


def card_text(ev: Event, cat: Catalog, today: date) -> str:
    """The card as aligned text (see the module docstring for what it holds)."""
    from anniv import desk, engine, milestones
    from anniv.dates import bce_label, display_date
    from anniv.render import shown_date

    imp = {1: "minor", 2: "notable", 3: "major"}.get(ev.importance, "")
    cal = cat.calendar(ev.calendar_id)
    facts: list[tuple[str, str]] = [
        ("Calendar", f"{ev.calendar_id}" + (f" ({cal.name})" if cal else "")),
        ("Date", f"{display_date(ev.date)} ({ev.date.calendar}, {ev.date.precision} precision)"),
        ("Observed", _observed(ev)),
    ]
    if ev.aliases:
        facts.append(("Aliases", "; ".join(ev.aliases)))
    if ev.titles:
        facts.append(("Titles", "; ".join(f"{k}: {v}" for k, v in ev.titles)))
    if ev.tags:
        facts.append(("Tags", ", ".join(ev.tags)))
    if ev.places:
        facts.append(("Places", "; ".join(ev.places)))
    facts.append(("Importance", f"{ev.importance} ({imp})"))
    for alt in ev.alternative_dates:
        facts.append(("Also dated", f"{display_date(alt.date)} — {alt.note}"))
    for r in ev.related:
        facts.append(("Related", f"{r}" + (f" ({cat.by_id[r].title})" if r in cat.by_id else "")))
    facts.append(("Summary", ev.summary))
    if ev.notes:
        facts.append(("Notes", ev.notes))
    width = max(len(k) for k, _ in facts) + 1
    lines = [f"{ev.id}: {ev.title}", ""]
    lines += [f"  {(k + ':').ljust(width)} {v}" for k, v in facts]
    lines += ["", "Sources"]
    lines += [f"  {i}. {s.label()}" + (f" — {s.note}" if s.note else "") for i, s in enumerate(ev.sources, 1)]
    entries, step = desk.timeline(ev, today)
    every = (
        "every round anniversary (multiples of 5)" if step == 5 else f"every {milestones.group(step)} years (thinned)"
    )
    lines += ["", f"Timeline: {every} up to {today}, and every anniversary with a commemoration"]
    if not entries:
        lines.append("  no anniversaries yet")
    recorded = 0
    for t in entries:
        when = t.date.isoformat() if t.date else bce_label(t.year)
        head = f"  {milestones.ordinal(t.count):>8}  {when:<10}"
        if not t.commemorations:
            lines.append(head + ("  no commemoration on record" if t.round else ""))
        for k, c in enumerate(t.commemorations):
            recorded += 1
            src = "; ".join(s.label() for s in c.sources)
            who = f" ({', '.join(c.by)})" if c.by else ""
            where = f", {c.place}" if c.place else ""
            text = f"{c.date.iso()}{where}: {c.what}{who} [{src}]"
            lines.append((head if k == 0 else " " * len(head)) + "  " + text)
    lines.append(f"  {recorded} commemoration{'s' if recorded != 1 else ''} on record.")
    lines += ["", "Next milestones"]
    nxt = engine.next_milestones(ev, today, 3)
    if not nxt:
        lines.append("  none that can be dated")
    for a in nxt:
        days = (a.date - today).days
        lines.append(
            f"  {a.label():<38}  {shown_date(a):<10}  in {milestones.group(days)} day{'s' if days != 1 else ''}"
        )
    return "\n".join(lines) + "\n"
