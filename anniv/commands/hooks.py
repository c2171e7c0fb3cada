"""anniv hooks: story hooks ranked for coverage, with planning lead and how the last round
anniversary was marked.

Ranking: roundness and importance (the rank), at full weight once the planning lead has begun
(--lead, default 42 days, scaled up for bigger milestones: a 75th gets 63 days, a centenary 84),
tapering before that. So a 75th six weeks out is a hook today, even in a two-week window.
Each hook quotes how the previous round anniversary was marked, with its source, and flags
round anniversaries whose last commemoration is not on record.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from anniv.commands import _common

if TYPE_CHECKING:
    from anniv.cli import Context
    from anniv.desk import Hook
    from anniv.model import Commemoration

ORDER = 20
HELP = "story hooks, ranked, with planning lead and how the last round anniversary was marked"
FORMATS = ("table", "json", "md")


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("window", "default: the next 8 weeks from today")
    g.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (with --to)")
    g.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, inclusive")
    g.add_argument("--weeks", type=int, metavar="N", help="from today for N weeks")
    p.add_argument(
        "--lead",
        type=int,
        default=42,
        metavar="DAYS",
        help="planning lead for a 10th/20th anniversary (default 42; rounder milestones get up to twice as long)",
    )
    p.add_argument("--tag", action="append", default=[], metavar="T", help="only events with this tag (repeatable)")
    p.add_argument("--calendar", action="append", default=[], metavar="C", help="only this calendar (repeatable)")
    p.add_argument("--all", action="store_true", help="also non-round anniversaries of minor events")
    p.add_argument("--limit", type=int, default=30, metavar="N", help="show the top N hooks (default 30; 0 = all)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table, json, or md (a planning memo to paste into a meeting document)",
    )


def window(args: argparse.Namespace, today: date) -> tuple[date, date]:
    """The hooks window: --from/--to, or --weeks N from today (default 8 weeks)."""
    from anniv.errors import UsageError

    if args.start or args.end:
        if args.weeks is not None:
            raise UsageError("give --weeks or --from/--to, not both")
        if not (args.start and args.end):
            raise UsageError("--from and --to go together")
        start, end = _common._day(args.start, "--from"), _common._day(args.end, "--to")
        if end < start:
            raise UsageError(f"--to {end} is before --from {start}")
        if (end - start).days > 366 * 5:
            raise UsageError("a hooks window is limited to five years")
        return start, end
    weeks = 8 if args.weeks is None else args.weeks
    if not 1 <= weeks <= 260:
        raise UsageError("--weeks must be from 1 to 260")
    return today, today + timedelta(days=weeks * 7 - 1)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import desk, engine, render
    from anniv.errors import UsageError

    if not 1 <= args.lead <= 730:
        raise UsageError("--lead must be from 1 to 730 days")
    if args.limit < 0:
        raise UsageError("--limit cannot be negative")
    start, end = window(args, ctx.today)
    cat = _common.load(ctx)
    unknown = [c for c in args.calendar if cat.calendar(c) is None]
    if unknown:
        raise UsageError(f"unknown calendar {', '.join(unknown)}; known: {', '.join(c.id for c in cat.calendars)}")
    today = max(ctx.today, start) if start > ctx.today else ctx.today
    q = engine.Query(start, desk.scan_end(start, end, args.lead), ctx.today, tuple(args.tag), tuple(args.calendar))
    found = [a for a in cat.query(q) if a.date >= start]
    ranked = desk.hooks(found, today, end, args.lead, args.all)
    if args.limit:
        ranked = ranked[: args.limit]
    title = f"Story hooks, {start} to {end}"
    if args.format == "json":
        ctx.out(render.to_json([hook_dict(h, ctx.today) for h in ranked]))
    elif args.format == "md":
        ctx.out(memo(ranked, title, ctx.today, args.lead))
    else:
        ctx.out(table(ranked, title, args.lead))
    return 0


def _comm_line(c: Commemoration) -> str:
    from anniv.milestones import ordinal

    return f"{ordinal(c.anniversary)}, {c.date.iso()}: {c.what}"


def _sources(c: Commemoration) -> str:
    return "; ".join(s.label() for s in c.sources) or "no source given"


def hook_dict(h: Hook, today: date) -> dict[str, Any]:
    """The ``due`` JSON row plus the hook's extras: lead, plan_from, score, last_marked…"""
    from anniv import render

    row = render.row_dict(h.anniversary, today)
    row.update(
        {
            "lead_days": h.lead,
            "plan_from": h.plan_from.isoformat(),
            "plan_now": h.plan_now,
            "score": h.score,
            "last_marked": render.commemoration_dict(h.previous) if h.previous else None,
            "last_marked_all": [render.commemoration_dict(c) for c in _previous(h)],
            "last_unknown": h.previous_unknown,
            "already_marked": render.commemoration_dict(h.already) if h.already else None,
        }
    )
    return row


def _previous(h: Hook) -> tuple[Commemoration, ...]:
    """Every commemoration of the anniversary ``h.previous`` marked (it may have several)."""
    from anniv.desk import marked_at

    if h.previous is None:
        return ()
    return marked_at(h.anniversary.event, h.previous.anniversary, h.anniversary.date)


def _plan(h: Hook) -> str:
    return f"now (lead {h.lead} d)" if h.plan_now else f"from {h.plan_from} (lead {h.lead} d)"


def _flag(h: Hook) -> str:
    from anniv.milestones import ordinal

    if h.previous_unknown is None:
        return ""
    return f"how the {ordinal(h.previous_unknown)} was marked is not on record — worth a check"


def table(hooks: list[Hook], title: str, lead: int) -> str:
    """Aligned text: one line per hook, then its last commemoration (with source) and flags."""
    lines = [f"{title} (planning lead {lead} days; rounder milestones get longer)"]
    if not hooks:
        return "\n".join([*lines, "No hooks in this window.", ""])
    rows = []
    for i, h in enumerate(hooks, 1):
        a = h.anniversary
        rows.append([str(i), a.date.isoformat(), f"{h.days_until} d", a.label(), a.event.title, _plan(h)])
    head = ["#", "Date", "In", "Anniversary", "Event", "Plan"]
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    lines.append("  ".join(v.ljust(widths[k]) for k, v in enumerate(head)).rstrip())
    pad = " " * (widths[0] + 2)
    for h, r in zip(hooks, rows, strict=True):
        lines.append("  ".join(v.ljust(widths[k]) for k, v in enumerate(r)).rstrip())
        if h.already:
            lines.append(f"{pad}already marked: {_comm_line(h.already)} [{_sources(h.already)}]")
        for c in _previous(h):
            lines.append(f"{pad}last marked: {_comm_line(c)} [{_sources(c)}]")
        if not h.previous and h.anniversary.kind == "years" and h.anniversary.is_round and not h.previous_unknown:
            lines.append(f"{pad}no earlier commemoration on record")
        if _flag(h):
            lines.append(f"{pad}! {_flag(h)}")
    lines.append(f"{len(hooks)} hook{'s' if len(hooks) != 1 else ''}.")
    return "\n".join(lines) + "\n"


def memo(hooks: list[Hook], title: str, today: date, lead: int) -> str:
    """A Markdown planning memo: a summary table, then one section per hook with the event,
    the timing, how it was last marked (with sources) and what needs checking."""
    from anniv.dates import display_date

    out = [f"# {title}", "", f"Prepared {today.isoformat()}. Planning lead {lead} days for a 10th or 20th; "
           "rounder milestones get longer (a 75th 1.5×, a centenary 2×).", ""]  # fmt: skip
    if not hooks:
        return "\n".join([*out, "No hooks in this window.", ""])
    out += ["| # | Date | Anniversary | Event | Plan |", "|---|---|---|---|---|"]
    for i, h in enumerate(hooks, 1):
        a = h.anniversary
        label = f"**{a.label()}**" if a.is_round else a.label()
        out.append(f"| {i} | {a.date} ({h.days_until} d) | {label} | {_md(a.event.title)} | {_plan(h)} |")
    out.append("")
    for i, h in enumerate(hooks, 1):
        a = h.anniversary
        ev = a.event
        out.append(f"## {i}. {a.label()}: {ev.title}")
        out.append("")
        out.append(f"- **When:** {a.date.strftime('%A')} {a.date} (in {h.days_until} days); plan {_plan(h)}")
        out.append(f"- **Event:** {display_date(ev.date)} — {ev.summary} (`{ev.id}`, calendar {ev.calendar_id})")
        if ev.observed.note:
            out.append(f"- **Kept:** {ev.observed.note}")
        if h.already:
            out.append(f"- **Already marked:** {_comm_line(h.already)} Source: {_sources(h.already)}")
        for c in _previous(h):
            out.append(f"- **Last time:** {_comm_line(c)} Source: {_sources(c)}")
        if not h.previous and a.kind == "years" and a.is_round and not h.previous_unknown:
            out.append("- **Last time:** no earlier commemoration on record")
        if _flag(h):
            out.append(f"- **Check:** {_flag(h)}")
        src = ev.sources[0].label() if ev.sources else ""
        if src:
            out.append(f"- **Date source:** {src}")
        out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")
