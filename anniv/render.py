"""Turning anniversaries into table, plain text, JSON, CSV and Markdown. No I/O here:
functions return strings (or fill a rich console handed to them)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from anniv import kernel

if TYPE_CHECKING:
    from anniv.engine import Anniversary
    from anniv.model import Commemoration, Event, Source


def source_dict(s: Source) -> dict[str, str]:
    return {
        k: v
        for k, v in (
            ("title", s.title),
            ("publisher", s.publisher),
            ("url", s.url),
            ("published", s.published),
            ("note", s.note),
            ("seed", s.seed),
        )
        if v
    }


def commemoration_dict(c: Commemoration) -> dict[str, Any]:
    return {
        "date": c.date.iso(),
        "anniversary": c.anniversary,
        "what": c.what,
        "by": list(c.by),
        "place": c.place,
        "sources": [source_dict(s) for s in c.sources],
    }


def shown_date(a: Anniversary) -> str:
    """``2025-10-25``, or ``2025-10`` / ``2025`` for month- and year-precision events."""
    return kernel.shown_day(a.date.toordinal(), a.precision)[0]


def static_fields(ev: Event) -> dict[str, Any]:
    """What a listing row says of the event itself, in any language but the title's."""
    display_date = _DISPLAY_DATE[0] if _DISPLAY_DATE else _display_date()
    return {
        "event_id": ev.id,
        "event_date": ev.date.iso(),
        "importance": ev.importance,
        "calendar": ev.calendar_id,
        "tags": list(ev.tags),
        "precision": ev.date.precision,
        "event_date_display": display_date(ev.date),
        "observed_note": ev.observed.note,
        "commemorations": [commemoration_dict(c) for c in ev.commemorations],
    }


def _display_date() -> Any:
    """``dates.display_date``, imported on first use (``anniv.dates`` loads the date libraries,
    which the quick path does without) and kept: every index build calls ``static_fields`` for
    each event, and an import statement costs a lookup each time."""
    from anniv.dates import display_date

    _DISPLAY_DATE.append(display_date)
    return display_date


_DISPLAY_DATE: list[Any] = []


def assemble(static: dict[str, Any], title: Any, dyn: tuple[Any, ...]) -> dict[str, Any]:
    """One listing row, in the order of the JSON contract, from ``static_fields``, the title
    in the row's language and ``kernel.dynamic_fields``."""
    shown, kind, count, ordinal, label, milestone, is_round, rank, weekday, until = dyn
    return {
        "event_id": static["event_id"],
        "title": title,
        "date": shown,
        "event_date": static["event_date"],
        "kind": kind,
        kind: count,
        "ordinal": ordinal,
        "label": label,
        "milestone": milestone,
        "round": is_round,
        "rank": rank,
        "importance": static["importance"],
        "calendar": static["calendar"],
        "tags": list(static["tags"]),
        "precision": static["precision"],
        "weekday": weekday,
        "days_until": until,
        "event_date_display": static["event_date_display"],
        "observed_note": static["observed_note"],
        "commemorations": static["commemorations"],
    }


def row_dict(a: Anniversary, today: date, lang: str = "en") -> dict[str, Any]:
    """The JSON contract: event_id, title, date, event_date, kind, years|days, ordinal,
    milestone, rank, calendar, tags, commemorations — plus a few helpful extras."""
    ev = a.event
    dyn = kernel.dynamic_fields(
        a.date.toordinal(), a.kind, a.count, a.precision, ev.importance, today.toordinal(), lang
    )
    return assemble(static_fields(ev), ev.title_in(lang), dyn)


DYNAMIC_NAMES = kernel.DYNAMIC_NAMES


# Runs of row fields that are written one after another with only their keys between them,
# and that depend on one thing: the count (with the event's importance) for "counted", the day
# for "daily". ``anniv.quick`` fills each run as one slot, formatted once per count or day.
ROW_RUNS = {
    "counted": ("kind", "kind", "count", "ordinal", "label", "milestone", "round", "rank"),
    "daily": ("weekday", "days_until"),
}


def run_template(static: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A row's JSON cut at its slots, for ``anniv.quick``: the texts around the slots, with the
    event's own fields (from ``static_fields``) written out exactly as ``to_json`` writes them,
    and the names of the slots between them: the title, the date, and each run of
    ``ROW_RUNS`` (a JSON value, or a run filled from its sub-template in ``run_layout``).
    ``fill`` puts a row back together.

    The texts are the row skeleton (``_skeleton``) with each of the event's fields encoded on
    its own: JSON is compositional, so a value encoded alone is the same text as inside the
    whole row, and no text of the event is ever searched for markers."""
    texts_of = _RUN_TEXTS[0] if _RUN_TEXTS else _run_texts()
    return texts_of(static), _SKELETON[2]


def _run_texts() -> Any:
    """The function ``run_template`` uses, written once per process from the skeleton: it
    returns the texts around the slots, each the skeleton's keys and punctuation joined with
    the event's fields as ``json_line`` encodes them. Written out rather than looped over, as
    an index build calls it for every event."""
    texts, fields, _ = _skeleton()
    pieces: list[str] = []
    current = [repr(texts[0])]
    for field, text in zip(fields, texts[1:], strict=True):
        if field:
            current.append(f"enc(static[{field!r}])")
        else:
            pieces.append(" + ".join(current))
            current = []
        current.append(repr(text))
    pieces.append(" + ".join(current))
    scope: dict[str, Any] = {"enc": json_line}
    exec(f"def texts_of(static):\n    return ({', '.join(pieces)},)\n", scope)
    _RUN_TEXTS.append(scope["texts_of"])
    return scope["texts_of"]


_RUN_TEXTS: list[Any] = []


def fill(pieces: tuple[str, ...], slots: tuple[str, ...]) -> str:
    """A row from ``run_template``'s texts and one JSON text per slot."""
    out = [pieces[0]]
    for slot, text in zip(slots, pieces[1:], strict=True):
        out.append(slot)
        out.append(text)
    return "".join(out)


def run_layout() -> tuple[tuple[str, ...], dict[str, tuple[tuple[str, ...], str]]]:
    """What ``anniv.quick`` needs to fill ``run_template``'s templates: the names of their
    slots, and for each run its fields and its own ``%``-template (the keys between them)."""
    _skeleton()
    return _SKELETON[2], _SKELETON[3]


def _skeleton() -> tuple[list[str], list[str], tuple[str, ...]]:
    """The JSON of a row cut at every value, made once per process: the texts between the
    values (keys and punctuation), then for each gap the static field that fills it or "" for
    a slot, then the slots' names (``title``, ``date``, a run's name).

    It is cut from a row whose every value is a sentinel string, ``NUL s|d N NUL`` (static or
    dynamic field number N), and whose lists are a list of one sentinel; JSON writes NUL as
    ``\\u0000``, so no key can be mistaken for a sentinel."""
    if not _SKELETON:
        import re

        keys = _STATIC_KEYS
        sentinel = {k: f"\x00s{n}\x00" for n, k in enumerate(keys)}
        static: dict[str, Any] = dict(sentinel, tags=[sentinel["tags"]], commemorations=[sentinel["commemorations"]])
        dyn = [f"\x00d{n}\x00" for n in range(len(_SLOT_NAMES))]
        parts = re.split(r'\[?"\\u0000([sd])(\d+)\\u0000"\]?', json_line(assemble(static, dyn[0], tuple(dyn[1:]))))
        texts = parts[0::3]
        gaps = [
            keys[int(n)] if k == "s" else _SLOT_NAMES[int(n)] for k, n in zip(parts[1::3], parts[2::3], strict=True)
        ]
        statics = {g for g, k in zip(gaps, parts[1::3], strict=True) if k == "s"}
        if statics != set(keys):
            raise AssertionError(f"a row does not show every static field: {sorted(set(keys) - statics)}")
        # collapse each run of ROW_RUNS (only keys stand between its fields: they are dynamic)
        out_texts, fields, names = [texts[0]], [], []
        runs: dict[str, tuple[tuple[str, ...], str]] = {}
        g = 0
        while g < len(gaps):
            width = 1
            if gaps[g] in statics:
                fields.append(gaps[g])
            else:
                fields.append("")
                name = gaps[g]
                for run_name, run in ROW_RUNS.items():
                    if tuple(gaps[g : g + len(run)]) == run:
                        runs[run_name] = (run, "%s" + "".join(t + "%s" for t in texts[g + 1 : g + len(run)]))
                        name, width = run_name, len(run)
                        break
                names.append(name)
            g += width
            out_texts.append(texts[g])
        if set(runs) != set(ROW_RUNS):
            raise AssertionError("a run of ROW_RUNS is not written as one stretch of the row")
        _SKELETON[:] = [out_texts, fields, tuple(names), runs]
    return _SKELETON[0], _SKELETON[1], _SKELETON[2]


_SKELETON: list[Any] = []
# What ``static_fields`` returns, in any order; ``_skeleton`` checks that the row uses them all.
_STATIC_KEYS = (
    "event_id",
    "event_date",
    "importance",
    "calendar",
    "tags",
    "precision",
    "event_date_display",
    "observed_note",
    "commemorations",
)
_ENCODER: list[Any] = []


def json_line(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)``: compact, non-ASCII text as it is. One
    encoder serves every call (``json.dumps`` with options builds a new one each time, which
    was a fifth of the cost of a row)."""
    if not _ENCODER:
        import json
        import json.encoder

        _ENCODER[:] = [json.JSONEncoder(ensure_ascii=False).encode, json.encoder.encode_basestring]
    kind = type(value)
    if kind is str:
        text: str = _ENCODER[1](value)  # what the encoder does for a str, without the call
        return text
    if kind is int:
        return int.__repr__(value)  # as the encoder writes ints (bools are another type)
    if kind is list and all(type(item) is str for item in value):
        # a list of strings (tags): the encoder's separators, without building an iterator
        return "[" + ", ".join(map(_ENCODER[1], value)) + "]"
    text = _ENCODER[0](value)
    return text


_SLOT_NAMES = ("title", *DYNAMIC_NAMES)


def to_json(value: Any) -> str:
    """JSON for scripts: a list is written one compact item per line (the C encoder does the
    work; ``json.dumps(indent=2)`` falls back to pure Python and cost 60 ms for a month of a
    10k catalogue); a single object is indented. Non-ASCII text is written as is."""
    import json

    if isinstance(value, list):
        if not value:
            return "[]\n"
        return "[\n" + ",\n".join(json_line(item) for item in value) + "\n]\n"
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


CSV_FIELDS = (
    "date",
    "weekday",
    "event_id",
    "title",
    "event_date",
    "kind",
    "count",
    "ordinal",
    "milestone",
    "round",
    "rank",
    "calendar",
    "tags",
    "days_until",
)


def to_csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in rows:
        flat = dict(r, count=r.get(r["kind"]), tags=";".join(r["tags"]))
        w.writerow(["" if flat.get(k) is None else flat.get(k) for k in CSV_FIELDS])
    return buf.getvalue()


def _until(days: int) -> str:
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} d"
    return f"{-days} d ago"


def table_cells(r: dict[str, Any]) -> list[str]:
    return [r["date"], r["weekday"] or "", r["label"], r["title"], r["event_date_display"], _until(r["days_until"])]


HEADERS = ("Date", "Day", "Anniversary", "Event", "Original date", "When")


def to_plain(rows: list[dict[str, Any]], title: str) -> str:
    """Aligned plain text for pipes and files; round milestones are marked with ``*``."""
    if not rows:
        return f"{title}\nNo anniversaries in this window.\n"
    cells = [[("* " if r["round"] else "  ") + table_cells(r)[0], *table_cells(r)[1:]] for r in rows]
    head = ["  " + HEADERS[0], *HEADERS[1:]]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]
    lines = [title, "  ".join(h.ljust(widths[i]) for i, h in enumerate(head)).rstrip()]
    for c in cells:
        lines.append("  ".join(v.ljust(widths[i]) for i, v in enumerate(c)).rstrip())
    noun = "anniversary" if len(rows) == 1 else "anniversaries"
    lines.append(f"{len(rows)} {noun}; * marks round ones (multiples of 5) and day-count milestones.")
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[dict[str, Any]], title: str) -> str:
    lines = [f"## {title}", ""]
    if not rows:
        return "\n".join([*lines, "No anniversaries in this window.", ""])
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "---|" * len(HEADERS))
    for r in rows:
        c = [_md_escape(v) for v in table_cells(r)]
        if r["round"]:
            c[2] = f"**{c[2]}**"
        lines.append("| " + " | ".join(c) + " |")
    lines.append("")
    return "\n".join(lines)


def to_terminal(rows: list[dict[str, Any]], title: str, width: int, color: bool) -> str:
    """The table for a terminal: ruled header, titles wrapped to ``width`` columns, round
    milestones marked with ``*`` and, when colour is allowed, bold yellow.

    Drawn directly rather than with rich's Table, which costs about a millisecond a row here
    and would put a month's listing over the 150 ms budget for the whole process.
    """
    import textwrap

    bold, hot, dim, reset = ("\x1b[1m", "\x1b[1;33m", "\x1b[2m", "\x1b[0m") if color else ("", "", "", "")
    if not rows:
        return f"{bold}{title}{reset}\nNo anniversaries in this window.\n"
    cells = [table_cells(r) for r in rows]
    keep = list(range(len(HEADERS)))
    gap, ev, min_title = 2, 3, 16
    widths = [max(len(c[i]) for c in [list(HEADERS), *cells]) for i in range(len(HEADERS))]

    def fixed() -> int:
        return sum(widths[i] for i in keep if i != ev) + gap * (len(keep) - 1) + 2

    for optional in (4, 1):  # on a narrow terminal drop the original date, then the weekday
        if fixed() + min_title > width:
            keep.remove(optional)
    widths[ev] = max(min_title, min(widths[ev], width - fixed()))
    sep = " " * gap
    out = [f"{bold}{title}{reset}"]
    out.append("  " + sep.join(f"{bold}{HEADERS[i].ljust(widths[i])}{reset}" for i in keep).rstrip())
    out.append(f"{dim}{'─' * min(width, fixed() + widths[ev])}{reset}")
    indent = 2 + sum(widths[i] + gap for i in keep[: keep.index(ev)])
    for r, c in zip(rows, cells, strict=True):
        wrapped = textwrap.wrap(c[ev], widths[ev]) or [""]
        style = hot if r["round"] else ""
        end = reset if style else ""
        first = sep.join((wrapped[0] if i == ev else c[i]).ljust(widths[i]) for i in keep)
        out.append(f"{style}{'* ' if r['round'] else '  '}{first.rstrip()}{end}")
        out.extend(f"{style}{' ' * indent}{more}{end}" for more in wrapped[1:])
    noun = "anniversary" if len(rows) == 1 else "anniversaries"
    out.append(f"{dim}{len(rows)} {noun}; * marks round ones (multiples of 5) and day-count milestones.{reset}")
    return "\n".join(out) + "\n"


def listing(rows: list[dict[str, Any]], heading: str, fmt: str, terminal: tuple[int, bool] | None) -> str:
    """Rows in the format a listing command was asked for; ``terminal`` is (width, colour)
    when stdout is a terminal, None otherwise (plain aligned text)."""
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "md":
        return to_markdown(rows, heading)
    if terminal is not None:
        return to_terminal(rows, heading, *terminal)
    return to_plain(rows, heading)


def event_summary_line(ev: Event) -> str:
    from anniv.dates import display_date

    return f"{ev.id}: {ev.title} ({display_date(ev.date)})"
