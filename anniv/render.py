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
    from anniv.dates import display_date

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


def json_template(static: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """A row's JSON as a ``%``-template: the event's own fields written out exactly as
    ``to_json`` writes them, ``%s`` where the title and each of ``kernel.dynamic_fields``
    go (a JSON value each, the count's key included). Returns the template and the names of
    its slots in order (``title`` or one of ``DYNAMIC_NAMES``).

    The row is written once with a marker string in each slot, ``NUL salt . N NUL``. JSON
    writes NUL as ``\\u0000``. In the common case the event's own text holds no NUL (nor a
    literal ``\\u0000``): once the markers are cut out no ``\\u0000`` is left and the slots
    are exactly ``row_slots()``, and salt 0 is used. Otherwise the salt is the first number
    whose ``\\u0000salt.`` appears nowhere in the event's own fields as JSON, so a quoted
    marker can only come from a slot (record text may hold NUL characters: YAML's ``"\\0"``)."""
    texts, slots = _template_parts(static)
    return "%s".join(texts), slots


def _template_parts(static: dict[str, Any]) -> tuple[list[str], tuple[str, ...]]:
    """``json_template`` before joining: the texts around the slots, and the slots."""
    parts = _marked(static, 0)
    texts = parts[0::2]
    if not any("\\u0000" in t for t in texts) and len(parts) == 2 * len(row_slots()) + 1:
        return texts, row_slots()
    own = json_line(static)
    salt = 0
    while f"\\u0000{salt}." in own:
        salt += 1
    parts = _marked(static, salt)
    return parts[0::2], tuple(_SLOT_NAMES[int(k)] for k in parts[1::2])


# Runs of row fields that are written one after another with only their keys between them,
# and that depend on one thing: the count (with the event's importance) for "counted", the day
# for "daily". ``anniv.quick`` fills each run as one slot, formatted once per count or day.
ROW_RUNS = {
    "counted": ("kind", "kind", "count", "ordinal", "label", "milestone", "round", "rank"),
    "daily": ("weekday", "days_until"),
}


def run_template(static: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """``json_template`` with each run of ``ROW_RUNS`` collapsed into one slot named after
    the run; None when the text inside a run differs from a plain row's (it can only hold key
    names, so never in practice)."""
    texts, slots = _template_parts(static)
    inner = _plain_runs()
    out_texts, out_slots = [texts[0]], []
    j = 0
    while j < len(slots):
        for name, run in ROW_RUNS.items():
            if slots[j : j + len(run)] == run:
                if texts[j + 1 : j + len(run)] != inner[name]:
                    return None
                out_slots.append(name)
                j += len(run)
                break
        else:
            out_slots.append(slots[j])
            j += 1
        out_texts.append(texts[j])
    return "%s".join(out_texts), tuple(out_slots)


def run_layout() -> tuple[tuple[str, ...], dict[str, tuple[tuple[str, ...], str]]]:
    """What ``anniv.quick`` needs to fill ``run_template``'s templates: the slots of a plain
    row, and for each run its fields and its own ``%``-template (the keys between them)."""
    runs = {
        name: (fields, "%s" + "".join(sep + "%s" for sep in _plain_runs()[name])) for name, fields in ROW_RUNS.items()
    }
    template = run_template(_plain_static())
    assert template is not None
    return template[1], runs


def _plain_runs() -> dict[str, list[str]]:
    """The texts between the fields of each run, in a plain row."""
    if not _RUNS:
        texts, slots = _template_parts(_plain_static())
        found: dict[str, list[str]] = {}
        for name, run in ROW_RUNS.items():
            j = next(k for k in range(len(slots)) if slots[k : k + len(run)] == run)
            found[name] = texts[j + 1 : j + len(run)]
        _RUNS.append(found)
    return _RUNS[0]


_RUNS: list[dict[str, list[str]]] = []


def _plain_static() -> dict[str, Any]:
    """Static fields with no text that could be mistaken for anything."""
    static: dict[str, Any] = dict.fromkeys(
        ("event_id", "event_date", "calendar", "precision", "event_date_display", "observed_note"), ""
    )
    static.update(importance=1, tags=[], commemorations=[])
    return static


def _marked(static: dict[str, Any], salt: int) -> list[str]:
    """The row's JSON split at its markers: text, slot number, text, … (``%`` doubled)."""
    if salt:
        markers = [f"\x00{salt}.{k}\x00" for k in range(len(_SLOT_NAMES))]
    else:
        if not _MARKERS:
            import re

            _MARKERS.append([f"\x000.{k}\x00" for k in range(len(_SLOT_NAMES))])
            _MARKERS.append(re.compile(r'"\\u00000\.(\d+)\\u0000"'))
        markers = _MARKERS[0]
    row = assemble(static, markers[0], tuple(markers[1:]))
    text = json_line(row).replace("%", "%%")
    if salt:
        import re

        pattern = re.compile(r'"\\u0000' + str(salt) + r"\.(\d+)\\u0000\"")
    else:
        pattern = _MARKERS[1]
    parts: list[str] = pattern.split(text)
    return parts


_MARKERS: list[Any] = []  # salt 0's markers and pattern, made once


def row_slots() -> tuple[str, ...]:
    """The slots of a row template (one per field), in order, when no text of the event can
    be mistaken for a marker: the same for every such record. ``json_template`` checks each
    row against it to know that salt 0 was safe."""
    if not _CLEAN:
        parts = _marked(_plain_static(), 0)
        _CLEAN.append(tuple(_SLOT_NAMES[int(k)] for k in parts[1::2]))
    return _CLEAN[0]


_CLEAN: list[tuple[str, ...]] = []
_ENCODER: list[Any] = []


def json_line(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)``: compact, non-ASCII text as it is. One
    encoder serves every call (``json.dumps`` with options builds a new one each time, which
    was a fifth of the cost of a row)."""
    if not _ENCODER:
        import json

        _ENCODER.append(json.JSONEncoder(ensure_ascii=False).encode)
    text: str = _ENCODER[0](value)
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
