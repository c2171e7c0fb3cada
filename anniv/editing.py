"""Editing calendar files by inserting text, so that nothing the curator wrote is lost.

A calendar file is edited as lines, not re-dumped: the file is composed once to learn where each
event and list starts and ends, new lines are written in the file's own style (line endings,
list indentation, item indentation) and inserted after the last line that belongs to what they
extend. Every other line keeps its bytes — comments, blank lines, quoting, key order. The one
exception is a list written in flow style (``[a, b]`` / ``{k: v}``): the new item goes inside its
brackets, which changes that one line.

The edited text is then validated as a whole (the same parser ``anniv check`` uses, plus the
cross-file checks for the touched event) and compared with the original, value by value: every
event except the touched one must be unchanged. Only then does the file get replaced, atomically.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from anniv import dates
from anniv.errors import AnnivError, Problem
from anniv.model import Calendar, Commemoration, Event, Source

# YAML's line breaks (libyaml counts lines by these, so the editor must too)
_BREAK_RE = re.compile("(\r\n|\r|\n|\x85|\u2028|\u2029)")
_DATE_TOKEN_RE = re.compile(r"-?\d{4}(?:-\d{2}(?:-\d{2})?)?[~?%]?")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


class EditError(AnnivError):
    """An edit that was refused; ``problems`` locates what the edit would have broken.
    The file is untouched whenever this is raised."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = sorted(problems or [])
        lines = [message, *(f"  {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


# -- scalars ------------------------------------------------------------------------------------
def _printable(ch: str) -> bool:
    """Characters YAML lets a double-quoted scalar hold as they are (no escape needed)."""
    code = ord(ch)
    if ch in "\x85\u2028\u2029\ufeff":  # line breaks to YAML, or a BOM: always escape
        return False
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: backslash, quote, line breaks, tabs and every
    character YAML does not print are escaped, so the scalar stays on one line and reads back
    exactly (Korean and other printable Unicode are kept as they are)."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
    return '"' + "".join(out) + '"'


def _reads_back(doc: str, text: str) -> bool:
    """True when the one-key document ``doc`` (``k: TOKEN`` or ``k: [TOKEN]``) reads back as
    the string ``text``."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(doc, Loader=loader)
    except yaml.YAMLError:
        return False
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return False
    value = node.value[0][1]
    if isinstance(value, yaml.SequenceNode):
        if len(value.value) != 1:
            return False
        value = value.value[0]
    return isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:str" and value.value == text


def yaml_scalar(text: str, flow: bool = False) -> str:
    """A YAML token for the string ``text``: plain (unquoted) when YAML's own emitter would
    write it plain in that context and it reads back as the same string, else double-quoted.

    So ``NO``, ``10:25``, ``1950-10-25``, ``a: b``, ``x # y`` and multi-line text are quoted,
    ``China's entry`` or ``한국전쟁`` are not. ``flow`` is for tokens inside ``[…]``/``{…}``,
    where commas, brackets and (for PyYAML) colons need quotes too."""
    if text and text == text.strip() and not _BREAK_RE.search(text):
        if flow:
            dumped = yaml.safe_dump([text], default_flow_style=True, allow_unicode=True, width=2**30)
            plain = dumped == f"[{text}]\n" and _reads_back(f"k: [{text}]\n", text)
        else:
            dumped = yaml.safe_dump({"k": text}, default_flow_style=False, allow_unicode=True, width=2**30)
            plain = dumped == f"k: {text}\n" and _reads_back(f"k: {text}\n", text)
        if plain:
            return text
    return double_quoted(text)


def date_token(text: str, flow: bool = False) -> str:
    """A date as records write it: unquoted when it has the shape of a record date (anniv reads
    the text, not YAML's guess), quoted otherwise so the validator reports it, not YAML."""
    return text if _DATE_TOKEN_RE.fullmatch(text) else yaml_scalar(text, flow)


def flow_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(yaml_scalar(i, flow=True) for i in items) + "]"


# -- what gets written --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source as flags give it; empty strings are left out of the file."""

    title: str = ""
    publisher: str = ""
    url: str = ""
    published: str = ""
    note: str = ""
    seed: str = ""

    def fields(self, flow: bool = False) -> list[tuple[str, str]]:
        """The source's lines as (key, token) pairs; ``flow`` for writing inside brackets."""
        out = []
        for key in ("title", "publisher", "url"):
            if getattr(self, key):
                out.append((key, yaml_scalar(getattr(self, key), flow)))
        if self.published:
            out.append(("published", date_token(self.published, flow)))
        if self.note:
            out.append(("note", yaml_scalar(self.note, flow)))
        if self.seed:
            out.append(("seed", yaml_scalar(self.seed, flow)))
        return out


@dataclass(frozen=True, slots=True)
class EventSpec:
    """A new event as flags give it. Optional parts left empty are not written."""

    id: str
    title: str
    date: str
    summary: str
    sources: tuple[SourceSpec, ...]
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    importance: int | None = None

    def fields(self, flow: bool = False) -> list[tuple[str, Field]]:
        """The event as (key, token-or-list) pairs in the order curators write them."""
        out: list[tuple[str, Field]] = [
            ("id", yaml_scalar(self.id, flow)),
            ("title", yaml_scalar(self.title, flow)),
            ("date", date_token(self.date, flow)),
        ]
        if self.aliases:
            out.append(("aliases", flow_list(self.aliases)))
        out.append(("summary", yaml_scalar(self.summary, flow)))
        if self.tags:
            out.append(("tags", flow_list(self.tags)))
        if self.places:
            out.append(("places", flow_list(self.places)))
        if self.importance is not None:
            out.append(("importance", str(self.importance)))
        out.append(("sources", [s.fields(flow) for s in self.sources]))
        return out


@dataclass(frozen=True, slots=True)
class CommemorationSpec:
    date: str
    anniversary: int
    what: str
    sources: tuple[SourceSpec, ...]
    by: tuple[str, ...] = ()
    place: str = ""

    def fields(self, flow: bool = False) -> list[tuple[str, Field]]:
        """The commemoration as (key, token-or-list) pairs, in the order of the format."""
        out: list[tuple[str, Field]] = [
            ("date", date_token(self.date, flow)),
            ("anniversary", str(self.anniversary)),
            ("what", yaml_scalar(self.what, flow)),
        ]
        if self.by:
            out.append(("by", flow_list(self.by)))
        if self.place:
            out.append(("place", yaml_scalar(self.place, flow)))
        out.append(("sources", [s.fields(flow) for s in self.sources]))
        return out


# a field's value: a finished token, or a block list of mappings (each a list of fields)
Field = str | list[list[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Layout:
    """A file's writing habits, read from the file itself.

    ``seq_offset``: how far a block list's ``-`` sits right of its key (2 for ``key:\\n  - a``,
    0 for ``key:\\n- a``). ``item_gap``: from a ``-`` to the first key of its mapping (2 for
    ``- id: …``)."""

    newline: str = "\n"
    seq_offset: int = 2
    item_gap: int = 2


def block_item(fields: list[tuple[str, Field]], dash_col: int, layout: Layout) -> list[str]:
    """One list item (a mapping) as block lines, its ``-`` at ``dash_col``."""
    key_col = dash_col + layout.item_gap
    lines: list[str] = []
    for i, (key, value) in enumerate(fields):
        lead = (" " * dash_col + "-" + " " * (layout.item_gap - 1)) if i == 0 else " " * key_col
        if isinstance(value, str):
            lines.append(f"{lead}{key}: {value}")
        else:
            lines.append(f"{lead}{key}:")
            for item in value:
                lines.extend(block_item(list(item), key_col + layout.seq_offset, layout))
    return lines


def flow_item(fields: list[tuple[str, Field]]) -> str:
    """One mapping in flow style on one line: ``{date: 2025-10-24, anniversary: 75, …}``."""
    parts = []
    for key, value in fields:
        if isinstance(value, str):
            parts.append(f"{key}: {value}")
        else:
            parts.append(f"{key}: [" + ", ".join(flow_item(list(item)) for item in value) + "]")
    return "{" + ", ".join(parts) + "}"


# -- the text -----------------------------------------------------------------------------------
@dataclass
class _Line:
    text: str
    end: str  # the line break as found ("" for a last line without one)


class Document:
    """A calendar file as lines plus its composed YAML, for inserting text in place."""

    def __init__(self, data: bytes, path: str) -> None:
        self.path = path
        self.bom = data.startswith(b"\xef\xbb\xbf")
        body = data[3:] if self.bom else data
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise EditError(f"{path}: not UTF-8 text; run 'anniv check {path}'") from None
        parts = _BREAK_RE.split(text)
        self.lines = [_Line(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if parts[-1]:
            self.lines.append(_Line(parts[-1], ""))
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            root = yaml.compose(text, Loader=loader)
        except yaml.YAMLError as exc:
            raise EditError(f"{path}: not valid YAML ({exc}); run 'anniv check {path}'") from None
        if not isinstance(root, yaml.MappingNode):
            raise EditError(f"{path}: not a calendar file (no 'calendar:'/'events:' mapping)")
        self.root: yaml.MappingNode = root
        self.layout = self._layout()

    # -- reading ---------------------------------------------------------------------------
    def _layout(self) -> Layout:
        ends = Counter(line.end for line in self.lines if line.end)
        newline = ends.most_common(1)[0][0] if ends else "\n"
        offsets: Counter[int] = Counter()
        gaps: Counter[int] = Counter()
        stack: list[yaml.Node] = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(v, yaml.SequenceNode) and not v.flow_style and v.start_mark.line > k.start_mark.line:
                        offsets[v.start_mark.column - k.start_mark.column] += 1
                    stack.append(v)
            elif isinstance(node, yaml.SequenceNode):
                first = node.value[0] if node.value else None
                if (
                    not node.flow_style
                    and isinstance(first, yaml.MappingNode)
                    and not first.flow_style
                    and first.start_mark.line == node.start_mark.line
                ):
                    gaps[first.start_mark.column - node.start_mark.column] += 1
                stack.extend(node.value)
        offset = _commonest(offsets, 2)
        gap = _commonest(gaps, 2)
        return Layout(newline, offset if offset >= 0 else 2, gap if gap >= 2 else 2)

    def top(self, key: str) -> tuple[yaml.Node, yaml.Node] | None:
        for k, v in self.root.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
        return None

    def events(self) -> list[yaml.MappingNode]:
        pair = self.top("events")
        if pair is None or not isinstance(pair[1], yaml.SequenceNode):
            return []
        return [n for n in pair[1].value if isinstance(n, yaml.MappingNode)]

    def find_event(self, event_id: str) -> yaml.MappingNode | None:
        for node in self.events():
            value = _get(node, "id")
            if isinstance(value, yaml.ScalarNode) and value.value == event_id:
                return node
        return None

    def last_line(self, node: yaml.Node) -> int | None:
        """The 0-based line holding the end of ``node``'s own text, or None for an empty value
        (``key:`` with nothing after it). Block scalars end at their last non-blank line unless
        they keep trailing blank lines (``|+``)."""
        if isinstance(node, yaml.ScalarNode):
            if not node.style and node.value == "" and node.start_mark.index == node.end_mark.index:
                return None
            line = node.end_mark.line
            if node.style in ("|", ">"):
                if node.end_mark.column == 0 and line > node.start_mark.line:
                    line -= 1
                line = min(line, len(self.lines) - 1)
                header = self.lines[node.start_mark.line].text[node.start_mark.column :].split("#", 1)[0]
                if "+" not in header:
                    while line > node.start_mark.line and not self.lines[line].text.strip():
                        line -= 1
            return line
        if getattr(node, "flow_style", False):
            return int(node.end_mark.line)
        if isinstance(node, yaml.MappingNode):
            for k, v in reversed(node.value):
                line = self.last_line(v)
                return line if line is not None else self.last_line(k)
            return int(node.start_mark.line)
        if isinstance(node, yaml.SequenceNode):
            for item in reversed(node.value):
                line = self.last_line(item)
                return line if line is not None else int(item.start_mark.line)
            return int(node.start_mark.line)
        return int(node.end_mark.line)

    def end_with_comments(self, line: int, deeper_than: int) -> int:
        """Extend ``line`` over the comment lines that follow it and are indented more than
        ``deeper_than``: they belong to what ends there, so new text goes after them. Comments at
        or left of that column stay above what follows them."""
        best = line
        j = line + 1
        while j < len(self.lines):
            text = self.lines[j].text
            stripped = text.lstrip(" ")
            if not stripped.strip():
                j += 1
                continue
            if stripped.startswith("#") and len(text) - len(stripped) > deeper_than:
                best = j
                j += 1
                continue
            break
        return best

    # -- writing ---------------------------------------------------------------------------
    def insert_after(self, line: int, new: list[str]) -> int:
        """Insert ``new`` lines after line ``line`` (0-based), with the file's line break.
        A last line without a break gets one and the file still ends without one. Returns the
        1-based number of the first inserted line."""
        nl = self.layout.newline
        at = line + 1
        added = [_Line(t, nl) for t in new]
        if at == len(self.lines) and self.lines and self.lines[-1].end == "":
            self.lines[-1].end = nl
            added[-1].end = ""
        self.lines[at:at] = added
        return at + 1

    def insert_in_line(self, line: int, col: int, text: str) -> int:
        current = self.lines[line]
        current.text = current.text[:col] + text + current.text[col:]
        return line + 1

    def cut_flow_empty(self, seq: yaml.SequenceNode) -> None:
        """Remove an empty ``[]`` (and the spaces before it) from its line, keeping any comment
        after it, so a block list can follow the key."""
        line = self.lines[seq.start_mark.line]
        start, end = seq.start_mark.column, seq.end_mark.column
        head = line.text[:start].rstrip(" ")
        tail = line.text[end:]
        line.text = head + (" " + tail.lstrip(" ") if tail.strip() else "")

    def data(self) -> bytes:
        body = "".join(line.text + line.end for line in self.lines).encode("utf-8")
        return (b"\xef\xbb\xbf" if self.bom else b"") + body


def _commonest(counts: Counter[int], default: int) -> int:
    if not counts:
        return default
    top = max(counts.values())
    best = sorted(v for v, c in counts.items() if c == top)
    return default if default in best else best[0]


def _get(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            value: yaml.Node = v
            return value
    return None


def _key(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, _ in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k
    return None


# -- the two edits ------------------------------------------------------------------------------
def append_event(doc: Document, spec: EventSpec) -> int:
    """Append a new event at the end of the ``events:`` list; returns its first line (1-based)."""
    return _append_event(doc, spec, None)


def append_event_text(doc: Document, text: str) -> int:
    """Append events written by hand (a filled-in scaffold: a YAML list of event mappings) at
    the end of ``events:``, keeping their comments; re-indented to the file's event column."""
    raw = _BREAK_RE.split(text)[::2]
    while raw and not raw[-1].strip():
        raw.pop()
    while raw and not raw[0].strip():
        raw.pop(0)
    if not raw:
        raise EditError("the event file is empty")
    return _append_event(doc, None, raw)


def _append_event(doc: Document, spec: EventSpec | None, raw: list[str] | None) -> int:
    pair = doc.top("events")
    if pair is None:
        raise EditError(f"{doc.path}: has no 'events:' list")
    key, seq = pair
    nodes = doc.events()
    if isinstance(seq, yaml.SequenceNode) and seq.flow_style and seq.value:
        if raw is not None:
            raise EditError(
                f"{doc.path}: 'events:' is a flow list [...]; write it as a block list (- id: …) to add hand-written events"
            )
        assert spec is not None
        return _into_flow_list(doc, seq, flow_item(spec.fields(flow=True)))
    layout = doc.layout
    if isinstance(seq, yaml.SequenceNode) and nodes and not seq.flow_style:
        dash = seq.start_mark.column
        first = nodes[0]
        if first.start_mark.line == seq.start_mark.line and not first.flow_style:
            layout = dataclasses.replace(layout, item_gap=max(first.start_mark.column - dash, 2))
        last = doc.last_line(seq)
        assert last is not None
        after = doc.end_with_comments(last, dash)
    elif _is_blank(seq) or (
        isinstance(seq, yaml.SequenceNode)
        and seq.flow_style
        and not seq.value
        and seq.start_mark.line == seq.end_mark.line
    ):
        if isinstance(seq, yaml.SequenceNode):
            doc.cut_flow_empty(seq)
        dash = key.start_mark.column + layout.seq_offset
        after = key.end_mark.line
    else:
        raise EditError(f"{doc.path}:{seq.start_mark.line + 1}: 'events:' must be a list (or empty) to add to")
    if raw is not None:
        lines = _reindent(raw, dash)
    else:
        assert spec is not None
        lines = block_item(spec.fields(), dash, layout)
    return doc.insert_after(after, lines)


def _reindent(raw: list[str], dash: int) -> list[str]:
    """Shift hand-written lines so that their least-indented ``-`` lands on column ``dash``."""
    cols = [len(t) - len(t.lstrip(" ")) for t in raw if t.lstrip(" ").startswith("-")]
    base = min(cols) if cols else 0
    shift = dash - base
    out = []
    for t in raw:
        if not t.strip():
            out.append("")
        elif shift >= 0:
            out.append(" " * shift + t)
        else:
            lead = len(t) - len(t.lstrip(" "))
            out.append(t[min(lead, -shift) :])
    return out


def add_commemoration(doc: Document, event_id: str, spec: CommemorationSpec) -> int:
    """Insert a commemoration under the event: appended to its ``commemorations:`` list, or a
    new ``commemorations:`` key after the event's last line. Flow-style events and lists get a
    flow item inside their brackets. Returns the first changed line (1-based)."""
    ev = doc.find_event(event_id)
    if ev is None:
        raise EditError(f"{doc.path}: no event with id {event_id!r}")
    fields = spec.fields()
    existing = _get(ev, "commemorations")
    if isinstance(existing, yaml.SequenceNode) and existing.flow_style and (existing.value or ev.flow_style):
        return _into_flow_list(doc, existing, flow_item(spec.fields(flow=True)))
    if ev.flow_style:
        if existing is not None:
            raise EditError(
                f"{doc.path}:{ev.start_mark.line + 1}: {event_id!r} is a flow mapping whose 'commemorations' is not a flow list; edit it by hand"
            )
        return doc.insert_in_line(
            ev.end_mark.line, ev.end_mark.column - 1, f", commemorations: [{flow_item(spec.fields(flow=True))}]"
        )
    if existing is None:
        key_col = ev.value[0][0].start_mark.column
        last = doc.last_line(ev)
        assert last is not None
        after = doc.end_with_comments(last, key_col - 1)
        lines = [" " * key_col + "commemorations:", *block_item(fields, key_col + doc.layout.seq_offset, doc.layout)]
        return doc.insert_after(after, lines)
    if isinstance(existing, yaml.SequenceNode) and existing.value:
        dash = existing.start_mark.column
        first = existing.value[0]
        layout = doc.layout
        if (
            isinstance(first, yaml.MappingNode)
            and not first.flow_style
            and first.start_mark.line == existing.start_mark.line
        ):
            layout = dataclasses.replace(layout, item_gap=max(first.start_mark.column - dash, 2))
        last = doc.last_line(existing)
        assert last is not None
        after = doc.end_with_comments(last, dash)
        return doc.insert_after(after, block_item(fields, dash, layout))
    key = _key(ev, "commemorations")
    assert key is not None
    if isinstance(existing, yaml.SequenceNode) and existing.start_mark.line == existing.end_mark.line:
        doc.cut_flow_empty(existing)  # `commemorations: []` becomes a block list
    elif not _is_blank(existing):
        raise EditError(f"{doc.path}:{existing.start_mark.line + 1}: 'commemorations' of {event_id!r} is not a list")
    return doc.insert_after(
        key.end_mark.line, block_item(fields, key.start_mark.column + doc.layout.seq_offset, doc.layout)
    )


def _is_blank(node: yaml.Node) -> bool:
    """``key:`` with nothing after it (not ``~`` or ``null``, which text cannot follow)."""
    return (
        isinstance(node, yaml.ScalarNode)
        and not node.style
        and node.value == ""
        and node.start_mark.index == node.end_mark.index
    )


def _into_flow_list(doc: Document, seq: yaml.SequenceNode, item: str) -> int:
    sep = ", " if seq.value else ""
    return doc.insert_in_line(seq.end_mark.line, seq.end_mark.column - 1, sep + item)


def new_event_ids(text: str) -> tuple[str, ...]:
    """The ids of hand-written events (a YAML list of mappings), to know what an edit adds."""
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise EditError(f"the event file is not valid YAML: {exc}") from None
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise EditError(
            "the event file must be a YAML list of events: each starts with '- id: …' (see 'anniv add --scaffold')"
        )
    ids = []
    for item in node.value:
        value = _get(item, "id") if isinstance(item, yaml.MappingNode) else None
        if not isinstance(value, yaml.ScalarNode) or not value.value:
            raise EditError(f"line {item.start_mark.line + 1} of the event file: each event needs an 'id:'")
        ids.append(str(value.value))
    return tuple(ids)


def calendar_path(data_dir: Path, cal_id: str) -> Path:
    """The file of calendar ``cal_id`` in the data folder; a did-you-mean error otherwise."""
    from anniv.catalog import calendar_files

    files = calendar_files(data_dir)
    for f in files:
        if f.stem == cal_id:
            return f
    known = [f.stem for f in files]
    hint = difflib.get_close_matches(cal_id, known, n=1)
    tip = f"; did you mean {hint[0]!r}?" if hint else (f"; known: {', '.join(known)}" if known else "")
    raise EditError(f"no calendar {cal_id!r} in {data_dir}{tip}")


def find_event_file(data_dir: Path, event_id: str, use_cache: bool = True) -> Path:
    """The calendar file that holds ``event_id``. Unknown ids get suggestions (close ids, and
    events whose title or aliases contain the words); an id in two files is refused."""
    from anniv.catalog import calendar_files

    needle = event_id.encode("utf-8")
    # `id: ID` as a block key or inside a flow mapping; composing a big file costs far more
    line_re = re.compile(
        rb"(?:^[ \t-]*|[{,]\s*)id:[ \t]*['\"]?" + re.escape(needle) + rb"['\"]?[ \t]*(?:[,}#]|$)", re.M
    )
    hits = []
    for f in calendar_files(data_dir):
        try:
            data = f.read_bytes()
        except OSError:
            continue
        if needle not in data:
            continue
        if line_re.search(data):
            hits.append(f)
            continue
        try:
            doc = Document(data, str(f))
        except EditError:
            continue
        if doc.find_event(event_id) is not None:
            hits.append(f)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise EditError(
            f"event id {event_id!r} is in more than one file ({', '.join(str(h) for h in hits)}); run 'anniv check' and fix that first"
        )
    raise EditError(f"no event {event_id!r} in {data_dir}{_suggest(data_dir, event_id, use_cache)}")


def _suggest(data_dir: Path, event_id: str, use_cache: bool) -> str:
    from anniv.catalog import load_catalog

    cat = load_catalog(data_dir, use_cache=use_cache)
    ids = list(cat.by_id)
    found = difflib.get_close_matches(event_id, ids, n=3, cutoff=0.6)
    words = [w for w in re.split(r"[-\s]+", event_id.casefold()) if len(w) > 2]
    if words:
        for ev in cat.events:
            names = " ".join((ev.title, *ev.aliases)).casefold()
            if all(w in names for w in words) and ev.id not in found:
                found.append(ev.id)
    if not found:
        return "; 'anniv due --year YYYY' or the calendar files list the ids"
    return "; did you mean " + " or ".join(repr(i) for i in found[:4]) + "?"


def parse(data: bytes, path: Path, data_dir: Path) -> tuple[Calendar | None, list[Problem]]:
    from anniv.catalog import seed_roots
    from anniv.records import parse_calendar

    return parse_calendar(data, str(path), expected_id=path.stem, seed_roots=seed_roots(data_dir))


def load_for_edit(path: Path, data_dir: Path) -> tuple[bytes, Calendar, Document]:
    """The file's bytes, its calendar and its document — refused when the file already has
    errors (an edit must not be blamed for them, nor hide them)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EditError(f"{path}: cannot read: {exc.strerror or exc}") from None
    cal, problems = parse(data, path, data_dir)
    errors = [p for p in problems if p.severity == "error"]
    if cal is None or errors:
        raise EditError(f"{path} has problems already; fix them first (anniv check {path}):", errors)
    return data, cal, Document(data, str(path))


def _bare(ev: Event) -> Event:
    return dataclasses.replace(ev, line=0, col=0)


def _source(spec: SourceSpec) -> Source:
    published = dates.parse_hist_date(spec.published).iso() if spec.published else ""
    return Source(spec.title, spec.publisher, spec.url, published, "", spec.note, spec.seed)


def expected_commemoration(spec: CommemorationSpec) -> Commemoration:
    """The value the loader must read back from what ``spec`` wrote (dates already valid)."""
    return Commemoration(
        dates.parse_hist_date(spec.date),
        spec.anniversary,
        spec.what,
        spec.by,
        spec.place,
        tuple(_source(s) for s in spec.sources),
    )


def _matches(ev: Event, spec: EventSpec) -> bool:
    """True when the loaded event holds exactly what the flags said (the text round-tripped)."""
    return (
        (ev.id, ev.title, ev.date.iso(), ev.summary, ev.tags, ev.aliases, ev.places)
        == (
            spec.id,
            spec.title,
            dates.parse_hist_date(spec.date).iso(),
            spec.summary,
            spec.tags,
            spec.aliases,
            spec.places,
        )
        and ev.importance == (spec.importance if spec.importance is not None else 2)
        and ev.sources == tuple(_source(s) for s in spec.sources)
    )


def validate(
    data_dir: Path,
    path: Path,
    before: Calendar,
    new: bytes,
    *,
    touched: tuple[str, ...],
    commemoration: CommemorationSpec | None = None,
    event: EventSpec | None = None,
    use_cache: bool = True,
) -> tuple[Calendar, list[Problem]]:
    """Check the edited text before it replaces the file.

    It must parse without errors; the cross-file checks must raise no error that names a
    touched event (duplicate id, same title and date); every untouched event and the calendar
    header must read exactly as before; and the touched events must hold exactly what was
    asked — the new events (``touched`` minus existing ids, matching ``event`` when given) or
    one more commemoration (``commemoration``) on ``touched[0]``. Returns the new calendar and
    the warnings that name a touched event; raises EditError (file untouched) otherwise."""
    from anniv.catalog import calendar_files, cross_check, load_catalog

    cal, problems = parse(new, path, data_dir)
    errors = [p for p in problems if p.severity == "error"]
    if cal is None or errors:
        raise EditError(f"the edit would make {path} invalid, so {path} is unchanged:", errors)
    others = [f for f in calendar_files(data_dir) if f.resolve() != path.resolve()]
    other_cat = load_catalog(data_dir, others, use_cache=use_cache)
    from anniv.engine import commemoration_drift

    found = [
        *cross_check([*other_cat.calendars, cal]),
        *(p for e in cal.events if e.id in touched for p in commemoration_drift(e)),
    ]
    cross = [p for p in found if any(f"{i!r}" in p.message for i in touched)]
    cross_errors = [p for p in cross if p.severity == "error"]
    if cross_errors:
        raise EditError(f"the edit would clash with the catalogue, so {path} is unchanged:", cross_errors)
    old = {e.id: _bare(e) for e in before.events}
    now = {e.id: _bare(e) for e in cal.events}
    added = sorted(set(now) - set(old))
    wanted = sorted(i for i in touched if i not in old) if commemoration is None else []
    refuse = f"internal check failed, so {path} is unchanged: the edit would"
    if added != wanted or set(old) - set(now):
        raise EditError(f"{refuse} change which events exist (added {added}, expected {wanted})")
    if event is not None and not _matches(now[event.id], event):
        raise EditError(f"{refuse} not read back as the event the flags describe")
    for eid, ev in old.items():
        if commemoration is not None and eid == touched[0]:
            got = now[eid]
            want = tuple(
                sorted(
                    (*ev.commemorations, expected_commemoration(commemoration)),
                    key=lambda c: (c.anniversary, c.date.iso()),
                )
            )
            if (
                dataclasses.replace(got, commemorations=()) != dataclasses.replace(ev, commemorations=())
                or got.commemorations != want
            ):
                raise EditError(f"{refuse} not add exactly the commemoration asked for")
        elif now[eid] != ev:
            raise EditError(f"{refuse} change event {eid!r}")
    if (cal.id, cal.name, cal.description, cal.leap_day) != (
        before.id,
        before.name,
        before.description,
        before.leap_day,
    ):
        raise EditError(f"{refuse} change the calendar header")
    return cal, [p for p in cross if p.severity != "error"]


def commit(path: Path, original: bytes, new: bytes) -> None:
    """Replace the file atomically, unless someone changed it since it was read."""
    from anniv.fsutil import atomic_write

    try:
        current = path.read_bytes()
    except OSError as exc:
        raise EditError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if current != original:
        raise EditError(
            f"{path} changed while the edit was being prepared; nothing was written — run the command again"
        )
    atomic_write(path, new)


def unified_diff(path: Path, old: bytes, new: bytes) -> str:
    a = old.decode("utf-8", "replace").splitlines(keepends=True)
    b = new.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, f"a/{path.name}", f"b/{path.name}"))


def check_text(value: str, flag: str) -> str:
    """Refuse command-line text that cannot be written as UTF-8 (undecodable bytes in argv)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise EditError(f"{flag}: the text is not valid UTF-8") from None
    return value


def parse_date(text: str, flag: str) -> None:
    """Refuse a date that no record could hold, before touching anything."""
    try:
        dates.parse_hist_date(text)
    except (ValueError, AnnivError) as exc:
        msg = exc.message if isinstance(exc, AnnivError) else str(exc)
        raise EditError(f"{flag} {text!r}: {msg}") from None
