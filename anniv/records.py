"""YAML calendar files → model values, with every problem located as PATH:LINE:COL.

The file is composed (not constructed) with libyaml, so every value keeps its position and its
raw text. Dates and month-days are read from the text, never from YAML 1.1's guesses; strings
that YAML would turn into booleans or numbers are refused with a hint to quote them. Anchors,
aliases and explicit tags are refused, which also disarms alias bombs and unsafe tags.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from anniv import dates
from anniv.errors import AnnivError, Problem
from anniv.milestones import ordinal
from anniv.model import (
    CALENDAR_SYSTEMS,
    LEAP_DAY_POLICIES,
    AltDate,
    Calendar,
    Commemoration,
    Event,
    HistDate,
    Observance,
    Source,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 32
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
URL_RE = re.compile(r"^https?://\S+$")

_T = "tag:yaml.org,2002:"
STR, INT, BOOL, NULL, FLOAT, TIMESTAMP = (_T + s for s in ("str", "int", "bool", "null", "float", "timestamp"))
MAP, SEQ, MERGE = _T + "map", _T + "seq", _T + "merge"
_KEY_TAGS = (STR, BOOL, INT, NULL, FLOAT)
_IMPLICIT = {STR, INT, BOOL, NULL, FLOAT, TIMESTAMP, MAP, SEQ}


def _safe_loader() -> type:
    """libyaml's loader; the pure-Python one is 3–9× slower and is never a silent fallback."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        if os.environ.get("ANNIV_ALLOW_PURE_YAML") == "1":
            return yaml.SafeLoader
        raise AnnivError(
            "PyYAML was built without libyaml (yaml.CSafeLoader is missing); reinstall it with "
            "libyaml (pip install --force-reinstall --no-binary=:none: pyyaml) or set "
            "ANNIV_ALLOW_PURE_YAML=1 to accept the slow loader"
        )
    return _memo_resolver(loader)


_LOADERS: dict[type, type] = {}
_RESOLVED_MAX = 4096


def _memo_resolver(base: type) -> type:
    """``base`` with its implicit-tag resolver memoized. libyaml composes in C but calls back
    into Python for every node: ``resolve`` for its tag (a third of parse time before this),
    ``descend_resolver`` and ``ascend_resolver`` around it. Calendar files repeat the same
    keys and short values thousands of times.

    Without path resolvers (``yaml.add_path_resolver``; the safe loader has none) the answer
    depends only on (kind, value, implicit) and the class's resolver tables, so the memo is
    ``functools.lru_cache``, whose hits never leave C, and the two path-tracking calls, which
    then do nothing, become calls of builtins that do nothing either (``slice(parent,
    index)`` and ``tuple()``, results dropped). With path resolvers a Python memo of short
    values is used and the path tracking is left alone."""
    if base not in _LOADERS:
        resolve = base.resolve  # type: ignore[attr-defined]
        attrs: dict[str, Any] = {}
        if not getattr(base, "yaml_path_resolvers", None):
            import functools

            @functools.lru_cache(maxsize=_RESOLVED_MAX)
            def by_value(kind: Any, value: Any, implicit: Any) -> str:
                tag: str = resolve(base, kind, value, implicit)  # only class tables are read
                return tag

            attrs = {"resolve": staticmethod(by_value), "descend_resolver": slice, "ascend_resolver": tuple}
        else:
            memo: dict[tuple[Any, str, Any], str] = {}

            def cached(self: Any, kind: Any, value: Any, implicit: Any) -> str:
                key = (value, implicit, kind)  # mappings and sequences come with value None
                tag = memo.get(key)
                if tag is None:
                    tag = resolve(self, kind, value, implicit)
                    if len(memo) < _RESOLVED_MAX and (value is None or len(value) <= 24):
                        memo[key] = tag
                return tag

            attrs = {"resolve": cached}
        _LOADERS[base] = type(f"Memo{base.__name__}", (base,), attrs)
    return _LOADERS[base]


class _Reader:
    """Walks one composed document, collecting problems instead of stopping at the first."""

    def __init__(self, path: str, seed_roots: tuple[Path, ...], aliases_possible: bool = True) -> None:
        self.path = path
        self._track = aliases_possible
        self.problems: list[Problem] = []
        self.seed_roots = seed_roots
        self._seen: set[int] = set()
        # per-record field tables, built once per file rather than once per record
        self.tables: dict[str, dict[str, Callable[[yaml.Node], Any]]] = {}

    # -- reporting ---------------------------------------------------------------------------
    def err(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        col = node.start_mark.column + 1 if node is not None else 0
        self.problems.append(Problem(self.path, line, col, message))

    def visit(self, node: yaml.Node) -> bool:
        """False (and a problem) when the node was already seen: it came through an alias."""
        if self._track:
            if id(node) in self._seen:
                self.err(node, "anchors and aliases (&name / *name) are not allowed; write the value out")
                return False
            self._seen.add(id(node))
        if node.tag not in _IMPLICIT:
            self.err(node, f"YAML tag {node.tag!r} is not allowed; remove the tag (e.g. !!binary, !!python/…)")
            return False
        return True

    # -- shapes ------------------------------------------------------------------------------
    def mapping(
        self, node: yaml.Node, fields: dict[str, Callable[[yaml.Node], Any]], what: str, required: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not self.visit(node):
            return None
        if not isinstance(node, yaml.MappingNode):
            self.err(node, f"{what} must be a mapping (key: value lines), not {_kind(node)}")
            return None
        out: dict[str, Any] = {}
        keys: dict[str, yaml.Node] = {}
        values: dict[str, yaml.Node] = {}
        problems = self.problems
        scalar = yaml.ScalarNode
        for knode, vnode in node.value:
            # keys are read as written: YAML 1.1 would make the key `on` a boolean
            tag = knode.tag
            if tag == MERGE:
                self.err(knode, f"merge keys (<<: *name) are not allowed in {what}; write the fields out")
                continue
            if tag not in _KEY_TAGS or not isinstance(knode, scalar):
                self.err(knode, f"keys in {what} must be plain words, not {_kind(knode)}")
                continue
            key = knode.value
            if key in keys:
                first = keys[key].start_mark.line + 1
                self.err(
                    knode, f"duplicate key {key!r} in {what} (first on line {first}); YAML would keep only the last"
                )
                continue
            keys[key] = knode
            values[key] = vnode
            parse = fields.get(key)
            if parse is None:
                hint = difflib.get_close_matches(key, list(fields), n=1)
                tip = f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(fields)}"
                self.err(knode, f"unknown key {key!r} in {what}{tip}")
                continue
            before = len(problems)
            value = parse(vnode)
            if len(problems) == before:
                if value is not None:
                    out[key] = value
            else:
                out.setdefault("__bad__", set()).add(key)
        for key in required:
            if key not in keys:
                self.err(node, f"{what} is missing required key {key!r}")
        out["__node__"] = node
        out["__keys__"] = keys
        out["__values__"] = values
        return out

    def seq(self, node: yaml.Node, item: Callable[[yaml.Node], Any], what: str) -> list[Any] | None:
        if not self.visit(node):
            return None
        if not isinstance(node, yaml.SequenceNode):
            if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
                return []
            self.err(node, f"{what} must be a list (- item lines or [a, b]), not {_kind(node)}")
            return None
        out = []
        for child in node.value:
            value = item(child)
            if value is not None:
                out.append(value)
        return out

    def text(self, node: yaml.Node, what: str = "this value", allow_empty: bool = False) -> str | None:
        """A string. Plain scalars that YAML 1.1 reads as bool/number/date must be quoted."""
        if not self.visit(node):
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.err(node, f"{what} must be text, not {_kind(node)}")
            return None
        if node.tag != STR:
            self.err(node, _surprise(node, what))
            return None
        if not allow_empty and not node.value.strip():
            self.err(node, f"{what} is empty")
            return None
        return str(node.value)

    def raw(self, node: yaml.Node, what: str) -> str | None:
        """The scalar's text whatever YAML would make of it (dates, month-days)."""
        if not self.visit(node):
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
            self.err(node, f"{what} must be a single value, not {_kind(node)}")
            return None
        return str(node.value)

    def integer(self, node: yaml.Node, what: str, lo: int, hi: int) -> int | None:
        if not self.visit(node):
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag != INT or not re.fullmatch(r"[0-9]+", node.value):
            self.err(node, f"{what} must be a whole number from {lo} to {hi}, not {_show(node)}")
            return None
        value = int(node.value)
        if not lo <= value <= hi:
            self.err(node, f"{what} must be from {lo} to {hi}, not {value}")
            return None
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        if not self.visit(node):
            return None
        if not isinstance(node, yaml.ScalarNode) or node.value not in ("true", "false"):
            self.err(node, f"{what} must be true or false, not {_show(node)}")
            return None
        return bool(node.value == "true")

    def choice(self, node: yaml.Node, what: str, options: tuple[str, ...]) -> str | None:
        value = self.text(node, what)
        if value is None:
            return None
        if value not in options:
            hint = difflib.get_close_matches(value, options, n=1)
            tip = f"; did you mean {hint[0]!r}?" if hint else ""
            self.err(node, f"{what} must be one of {', '.join(options)}, not {value!r}{tip}")
            return None
        return value

    def ident(self, node: yaml.Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not ID_RE.match(value):
            self.err(node, f"{what} {value!r} must be lowercase letters, digits and single hyphens ([a-z0-9-])")
            return None
        return value

    def strings(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        items = self.seq(node, lambda n: self.text(n, f"an item of {what}"), what)
        return None if items is None else tuple(items)

    def idents(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        items = self.seq(node, lambda n: self.ident(n, f"an item of {what}"), what)
        return None if items is None else tuple(items)

    def hist_date(self, node: yaml.Node, what: str, calendar: str = "gregorian", leap: bool = False) -> HistDate | None:
        text = self.raw(node, what)
        if text is None:
            return None
        if node.tag == INT and ":" in text:
            self.err(node, f"{what} {text!r} is read by YAML 1.1 as a base-60 number; write a date like 1950-10-25")
            return None
        try:
            return dates.parse_hist_date(text, calendar, leap)
        except (ValueError, AnnivError) as exc:
            self.err(node, f"{what}: {exc}")
            return None


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "an empty value"
    return f"{node.value!r}"


def _show(node: yaml.Node) -> str:
    return _kind(node) if not isinstance(node, yaml.ScalarNode) else repr(node.value)


def _surprise(node: yaml.Node, what: str) -> str:
    value = node.value
    if node.tag == BOOL:
        return f'{what} {value!r} is read by YAML as the boolean {value.lower() in ("yes", "y", "true", "on")}; quote it: "{value}"'
    if node.tag == INT and ":" in value:
        return f'{what} {value!r} is read by YAML 1.1 as a base-60 number; quote it: "{value}"'
    if node.tag in (INT, FLOAT):
        return f'{what} {value!r} is read by YAML as a number; quote it if it is text: "{value}"'
    if node.tag == TIMESTAMP:
        return f'{what} {value!r} is read by YAML as a date; quote it if it is text: "{value}"'
    if node.tag == NULL:
        return f"{what} is empty; give a value or remove the key"
    return f"{what} must be text"


# -- the event pre-scan -------------------------------------------------------------------------
_LEAD_LIMIT = MAX_DEPTH * 2 + 1
_DEEP_LEAD = re.compile(r"(?:^|(?<=\r))(?:[ \t]|[-?:](?=[ \t])){" + str(_LEAD_LIMIT) + ",}", re.M)
_ANCHOR_OR_ALIAS = re.compile(r"(?:^|(?<=[\s\[{,]))[&*][^\s\[\]{},]", re.M)
MAX_REPORTED = 20


# Byte tables for the cheap checks: UTF-8 never puts an ASCII byte inside a multibyte
# character, so runs of ASCII bytes in the encoded text are the runs of characters in the text.
_LEAD_BYTES = bytes(0x20 if chr(b) in " \t?:-" else 0x78 for b in range(256))  # class -> space, else x
_NOT_BRACKETS = bytes(b for b in range(256) if chr(b) not in "[]{}")


def _flow_may_be_deep(raw: bytes) -> bool:
    """True when flow brackets might nest deeper than MAX_DEPTH: the brackets alone are peeled
    pair by pair, innermost first, in C-speed string passes. Brackets inside quoted text can
    leave the string unbalanced, which also answers True (the exact event scan then decides)."""
    brackets = raw.translate(None, _NOT_BRACKETS)
    for _ in range(MAX_DEPTH):
        if not brackets:
            return False
        peeled = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if peeled == brackets:
            return True
        brackets = peeled
    return bool(brackets)


def _prescan(text: str, loader: type) -> list[tuple[int, int, str]]:
    """Problems that must be found on libyaml's event stream, before anything is composed.

    libyaml composes recursively and crashes the interpreter on very deep input (block
    ``- - - …`` as well as flow ``[[[…``), and composing forgets where an alias was written. So a
    file whose text shows deep nesting or anchor syntax is first walked event by event (an
    iterative, cheap pass); other files skip it. Depth ends the scan at once; anchors and
    aliases are each reported where they are written, up to ``MAX_REPORTED``. A syntax error
    ends the scan with nothing found, so that the composer reports it with its position.
    """
    # Block nesting shows as indentation plus compact indicators ("- - - x", "? ? x") at the
    # start of a line; lines may end in \r alone, so a line starts after either break.
    # (each precise pattern runs only after a cheap test found a candidate: a run of 65 such
    # characters anywhere, or an & or * at all, found with C-speed byte passes)
    raw = text.encode("utf-8", "surrogatepass")
    deep_lead = b" " * _LEAD_LIMIT in raw.translate(_LEAD_BYTES) and _DEEP_LEAD.search(text) is not None
    anchors = (b"&" in raw or b"*" in raw) and _ANCHOR_OR_ALIAS.search(text) is not None
    if not _flow_may_be_deep(raw) and not deep_lead and not anchors:
        return []
    found: list[tuple[int, int, str]] = []
    ldr = loader(text)
    depth = 0
    last = (0, 0)  # (character index, depth) at the last event read
    try:
        while len(found) < MAX_REPORTED:
            ev = ldr.get_event()
            if ev is None:
                break
            mark = ev.start_mark
            where = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            last = (mark.index if mark is not None else 0, depth)
            if isinstance(ev, yaml.AliasEvent):
                found.append(
                    (
                        *where,
                        f"alias '*{ev.anchor}' is not allowed: anchors and aliases (&name / *name) are refused in calendar files; write the value out",
                    )
                )
            elif isinstance(ev, yaml.NodeEvent) and ev.anchor is not None:
                found.append(
                    (
                        *where,
                        f"anchor '&{ev.anchor}' is not allowed: anchors and aliases (&name / *name) are refused in calendar files; write the value out",
                    )
                )
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return [(*where, f"nesting is deeper than {MAX_DEPTH} levels; calendar files are never this deep")]
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):
            # newer libyaml stops deep flow nesting in its scanner, ahead of the events: find
            # the bracket that passes MAX_DEPTH ourselves so the location is the same everywhere
            return [_flow_too_deep(text, *last)]
        return []
    finally:
        ldr.dispose()
    return found


def _flow_too_deep(text: str, start: int, depth: int) -> tuple[int, int, str]:
    """Where flow brackets opened after character ``start`` (at ``depth``) pass MAX_DEPTH."""
    at = start
    for m in re.finditer(r"[\[\]{}]", text[start:]):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            at = start + m.start()
            break
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, col, f"nesting is deeper than {MAX_DEPTH} levels; calendar files are never this deep"


# -- the file ---------------------------------------------------------------------------------
def read_calendar(
    path: Path, display: str | None = None, seed_roots: tuple[Path, ...] = ()
) -> tuple[Calendar | None, list[Problem]]:
    """Load one calendar file. Returns the calendar (None when unusable) and every problem."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                Problem(
                    shown,
                    0,
                    0,
                    f"file is {size // 1_048_576} MB; calendar files are limited to {MAX_FILE_BYTES // 1_048_576} MB — split it",
                )
            ]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 0, 0, f"cannot read: {exc.strerror or exc}")]
    return parse_calendar(data, shown, expected_id=path.stem, seed_roots=seed_roots)


_ODD_BREAKS = {"\x85": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}
_ODD_BREAK = re.compile("[\x85\u2028\u2029]")
_BREAK = re.compile(rb"\r\n|\r|\n")


_AT_CONTEXT = ("while scanning a quoted scalar", "while scanning a simple key")


def _char_at(text: str, mark: yaml.Mark | None) -> str:
    """The character a YAML error mark points at ('' past the end or without a mark)."""
    if mark is None:
        return ""
    lines = text.splitlines()
    if mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of byte ``offset`` as an editor shows them: CRLF, CR and LF each
    end a line, and the column counts characters (a byte that is not UTF-8 counts as one)."""
    line, start = 1, 0
    for m in _BREAK.finditer(data, 0, offset):
        line, start = line + 1, m.end()
    return line, len(data[start:offset].decode("utf-8", errors="replace")) + 1


def parse_calendar(
    data: bytes,
    path: str,
    expected_id: str | None = None,
    seed_roots: tuple[Path, ...] = (),
    *,
    fast: bool = True,
) -> tuple[Calendar | None, list[Problem]]:
    """Validate and convert one calendar file's bytes; returns the calendar (None when nothing
    usable is left) and every problem found, located. Never raises for bad input: encoding,
    syntax, depth, size, tags and aliases all come back as problems. A UTF-8 BOM is dropped and
    CRLF or CR line ends are read as line breaks (positions count them as an editor does).

    A file in plain block style without problems is read by ``anniv.fastread`` (unless ``fast``
    is False or ``ANNIV_FAST_READ=0``); anything else, and anything it is unsure of, is
    composed by libyaml and walked here, with the same result for what both can read."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            Problem(
                path,
                0,
                0,
                f"file is {len(data) // 1_048_576} MB; calendar files are limited to {MAX_FILE_BYTES // 1_048_576} MB — split it",
            )
        ]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:8192]:
        return None, [Problem(path, 1, 1, "this is a binary file, not UTF-8 YAML text")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        return None, [
            Problem(
                path,
                line,
                col,
                f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8 (it looks like Latin-1 or another legacy encoding)",
            )
        ]
    odd = _ODD_BREAK.search(text) if "\x85" in text or "\u2028" in text or "\u2029" in text else None
    if odd:
        line, col = _byte_position(data, len(text[: odd.start()].encode("utf-8")))
        name = _ODD_BREAKS[odd.group()]
        return None, [
            Problem(
                path,
                line,
                col,
                f"character U+{ord(odd.group()):04X} ({name}) is read by YAML as a line break, so lines would not match your editor's; replace it with a space or a real new line",
            )
        ]
    if fast and os.environ.get("ANNIV_FAST_READ") != "0":
        from anniv import fastread

        plain = fastread.read(text, path, expected_id, seed_roots, data)
        if plain is not None:
            return plain, []
    loader = _safe_loader()
    early = _prescan(text, loader)
    if early:
        return None, [Problem(path, line, col, message) for line, col, message in early]
    ldr = loader(text)
    try:
        root = ldr.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context in _AT_CONTEXT and exc.context_mark is not None:
            # an unclosed quote or a key without ':' is noticed lines later; point at its start
            mark = exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        col = mark.column + 1 if mark is not None else 0
        what = exc.problem or "YAML syntax error"
        if exc.context == "while scanning a quoted scalar" and mark is exc.context_mark:
            what = f"the quoted value that starts here is never closed ({what})"
        if (
            "\t" in text
            and "tab" in str(exc).lower()
            or what.startswith("found character '\\t'")
            or _char_at(text, mark) == "\t"
        ):
            what += " (tabs cannot indent YAML; use spaces)"
        ctx = f" ({exc.context})" if exc.context else ""
        return None, [Problem(path, line, col, f"YAML syntax error: {what}{ctx}")]
    except yaml.reader.ReaderError as exc:
        # libyaml gives the byte offset of a character YAML refuses (control characters, …)
        line, col = _byte_position(data, exc.position)
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return None, [
            Problem(
                path,
                line,
                col,
                f"character U+{char:04X} is not allowed in YAML ({exc.reason}); delete it or write it as an escape in a double-quoted string",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 0, 0, f"YAML error: {exc}")]
    finally:
        ldr.dispose()
    if root is None:
        return None, [Problem(path, 1, 1, "file is empty; a calendar needs 'calendar:' and 'events:'")]
    # without an & or * anywhere there can be no anchor or alias: the walker need not track nodes
    reader = _Reader(path, seed_roots, aliases_possible="&" in text or "*" in text)
    cal = _calendar(reader, root, expected_id)
    return cal, reader.problems


def _calendar(r: _Reader, root: yaml.Node, expected_id: str | None) -> Calendar | None:
    holder: dict[str, Any] = {}

    def header(node: yaml.Node) -> dict[str, Any] | None:
        return r.mapping(
            node,
            {
                "id": lambda n: r.ident(n, "calendar id"),
                "name": lambda n: r.text(n, "calendar name"),
                "description": lambda n: r.text(n, "calendar description"),
                "leap_day": lambda n: r.choice(n, "leap_day", LEAP_DAY_POLICIES),
            },
            "the calendar header",
            required=("id", "name"),
        )

    def events(node: yaml.Node) -> list[Any] | None:
        holder["events_node"] = node
        return [] if node.tag == NULL and isinstance(node, yaml.ScalarNode) else r.seq(node, lambda n: n, "events")

    if isinstance(root, yaml.SequenceNode):
        r.err(root, "the file must be a mapping with 'calendar:' and 'events:', not a list at the top")
        return None
    top = r.mapping(root, {"calendar": header, "events": events}, "the file", required=("calendar", "events"))
    if top is None or "calendar" not in top:
        return None
    head = top["calendar"]
    cal_id = head.get("id", "")
    if expected_id is not None and cal_id and cal_id != expected_id:
        r.err(
            head["__values__"]["id"],
            f"calendar id {cal_id!r} differs from the file name {expected_id!r}; rename one so they match",
        )
    cal_leap = head.get("leap_day", "feb28")
    out: list[Event] = []
    for node in top.get("events", []) or []:
        ev = _event(r, node, cal_id or expected_id or "", cal_leap)
        if ev is not None:
            out.append(ev)
    seen: dict[str, Event] = {}
    for ev in out:
        if ev.id in seen:
            r.problems.append(
                Problem(
                    r.path,
                    ev.line,
                    ev.col,
                    f"duplicate event id {ev.id!r} (first on line {seen[ev.id].line}); ids are unique across all calendars",
                )
            )
        else:
            seen[ev.id] = ev
    return Calendar(
        id=cal_id or expected_id or "",
        name=head.get("name", cal_id),
        description=head.get("description", ""),
        leap_day=cal_leap,
        events=tuple(out),
        path=r.path,
    )


def _source(r: _Reader, node: yaml.Node) -> Source | None:
    fields = r.tables.get("source")
    if fields is None:
        fields = r.tables["source"] = {
            "title": lambda n: r.text(n, "source title"),
            "publisher": lambda n: r.text(n, "source publisher"),
            "url": lambda n: _url(r, n),
            "published": lambda n: r.hist_date(n, "source published date"),
            "accessed": lambda n: r.hist_date(n, "source accessed date"),
            "note": lambda n: r.text(n, "source note"),
            "seed": lambda n: _seed(r, n),
        }
    m = r.mapping(node, fields, "a source")
    if m is None:
        return None
    if "title" not in m and "seed" not in m and not m.get("__bad__"):
        r.err(m["__node__"], "a source needs a 'title' (with url/publisher) or a 'seed' card path")
        return None
    return Source(
        title=m.get("title", ""),
        publisher=m.get("publisher", ""),
        url=m.get("url", ""),
        published=m["published"].iso() if "published" in m else "",
        accessed=m["accessed"].iso() if "accessed" in m else "",
        note=m.get("note", ""),
        seed=m.get("seed", ""),
    )


def _url(r: _Reader, node: yaml.Node) -> str | None:
    value = r.text(node, "url")
    if value is not None and not URL_RE.match(value):
        r.err(node, f"url {value!r} must start with http:// or https:// and contain no spaces")
        return None
    return value


def _seed(r: _Reader, node: yaml.Node) -> str | None:
    value = r.text(node, "seed")
    if value is None:
        return None
    problem = seed_problem(value, r.seed_roots)
    if problem:
        r.err(node, problem)
        return None
    return value


def seed_problem(value: str, roots: tuple[Path, ...]) -> str | None:
    """What is wrong with a source's ``seed`` card path, or None."""
    if value.startswith("/") or ".." in Path(value).parts:
        return f"seed {value!r} must be a relative path inside the repository, like seeds/NAME.yaml"
    if roots and not any((root / value).is_file() for root in roots):
        return f"seed card {value!r} not found (looked in {', '.join(str(p) for p in roots)})"
    return None


def _sources(r: _Reader, node: yaml.Node, what: str) -> tuple[Source, ...] | None:
    items = r.seq(node, lambda n: _source(r, n), what)
    return None if items is None else tuple(items)


def _commemoration(r: _Reader, node: yaml.Node) -> tuple[Commemoration, yaml.Node] | None:
    m = r.mapping(
        node,
        {
            "date": lambda n: r.hist_date(n, "commemoration date"),
            "anniversary": lambda n: r.integer(n, "anniversary", 1, 10000),
            "what": lambda n: r.text(n, "what"),
            "by": lambda n: r.strings(n, "by"),
            "place": lambda n: r.text(n, "place"),
            "sources": lambda n: _sources(r, n, "commemoration sources"),
        },
        "a commemoration",
        required=("date", "anniversary", "what", "sources"),
    )
    if m is None or not {"date", "anniversary", "what", "sources"} <= m.keys():
        return None
    if not m["sources"]:
        r.err(m["__keys__"]["sources"], "a commemoration needs at least one source")
    c = Commemoration(m["date"], m["anniversary"], m["what"], m.get("by", ()), m.get("place", ""), m["sources"])
    return c, m["__node__"]


def _alt_date(r: _Reader, node: yaml.Node) -> AltDate | None:
    m = r.mapping(
        node,
        {
            "date": lambda n: r.raw(n, "alternative date"),
            "note": lambda n: r.text(n, "note"),
            "calendar": lambda n: r.choice(n, "calendar", CALENDAR_SYSTEMS),
        },
        "an alternative date",
        required=("date", "note"),
    )
    if m is None or "date" not in m or "note" not in m:
        return None
    try:
        hd = dates.parse_hist_date(m["date"], m.get("calendar", "gregorian"))
    except (ValueError, AnnivError) as exc:
        r.err(m["__values__"]["date"], f"alternative date: {exc}")
        return None
    return AltDate(hd, m["note"])


def _observed(r: _Reader, node: yaml.Node) -> dict[str, Any] | None:
    return r.mapping(
        node,
        {
            "on": lambda n: r.raw(n, "observed.on"),
            "rule": lambda n: r.text(n, "observed.rule"),
            "note": lambda n: r.text(n, "observed.note"),
        },
        "observed",
    )


def _titles(r: _Reader, node: yaml.Node) -> tuple[tuple[str, str], ...] | None:
    fields = {}
    if isinstance(node, yaml.MappingNode):
        for knode, _ in node.value:
            if isinstance(knode, yaml.ScalarNode) and LANG_RE.match(knode.value):
                fields[knode.value] = lambda n: r.text(n, "localized title")
    m = r.mapping(node, fields, "titles (language code: title, e.g. ko: …)")
    if m is None:
        return None
    return tuple(sorted((k, v) for k, v in m.items() if not k.startswith("__")))


def _milestones(r: _Reader, node: yaml.Node) -> bool | None:
    m = r.mapping(node, {"days": lambda n: r.boolean(n, "milestones.days")}, "milestones")
    return None if m is None else bool(m.get("days", False))


EVENT_FIELDS = (
    "id title date calendar leap_month observed leap_day aliases titles summary tags places importance "
    "sources commemorations alternative_dates related milestones time tz notes"
).split()


def _event(r: _Reader, node: yaml.Node, cal_id: str, cal_leap: str) -> Event | None:
    fields = r.tables.get("event")
    if fields is None:
        fields = r.tables["event"] = _event_fields(r)
    m = r.mapping(node, fields, "an event", required=("id", "title", "date", "summary", "sources"))
    return None if m is None else _event_of(r, m, cal_id, cal_leap)


def _event_fields(r: _Reader) -> dict[str, Callable[[yaml.Node], Any]]:
    return {
        "id": lambda n: r.ident(n, "event id"),
        "title": lambda n: r.text(n, "title"),
        "date": lambda n: r.raw(n, "date"),
        "calendar": lambda n: r.choice(n, "calendar", CALENDAR_SYSTEMS),
        "leap_month": lambda n: r.boolean(n, "leap_month"),
        "observed": lambda n: _observed(r, n),
        "leap_day": lambda n: r.choice(n, "leap_day", LEAP_DAY_POLICIES),
        "aliases": lambda n: r.strings(n, "aliases"),
        "titles": lambda n: _titles(r, n),
        "summary": lambda n: r.text(n, "summary"),
        "tags": lambda n: r.idents(n, "tags"),
        "places": lambda n: r.strings(n, "places"),
        "importance": lambda n: r.integer(n, "importance", 1, 3),
        "sources": lambda n: _sources(r, n, "sources"),
        "commemorations": lambda n: r.seq(n, lambda c: _commemoration(r, c), "commemorations"),
        "alternative_dates": lambda n: r.seq(n, lambda a: _alt_date(r, a), "alternative_dates"),
        "related": lambda n: r.idents(n, "related"),
        "milestones": lambda n: _milestones(r, n),
        "time": lambda n: r.text(n, "time"),
        "tz": lambda n: r.text(n, "tz"),
        "notes": lambda n: r.text(n, "notes"),
    }


def _event_of(r: _Reader, m: dict[str, Any], cal_id: str, cal_leap: str) -> Event | None:
    keys: dict[str, yaml.Node] = m["__keys__"]
    bad = m.get("__bad__", set())
    system = m.get("calendar", "gregorian")
    leap_month = m.get("leap_month", False)
    if "leap_month" in m and system != "korean-lunar":
        r.err(keys["leap_month"], "leap_month only applies to calendar: korean-lunar")
    if "date" not in m:
        return None
    try:
        hd = dates.parse_hist_date(m["date"], system, leap_month if system == "korean-lunar" else False)
    except (ValueError, AnnivError) as exc:
        r.err(m["__values__"]["date"], f"date: {exc}")
        return None
    obs = Observance()
    if "observed" in m:
        checked = _check_observed(r, m["observed"], system, hd)
        if checked is None:
            return None
        obs = checked
    elif system == "julian" and "observed" not in bad:
        r.err(
            m["__values__"]["calendar"],
            "a julian record must say how it is kept: observed: {on: converted} (Gregorian equivalent), {on: nominal} (same written month-day) or {on: MM-DD}",
        )
    if not m.get("sources") and "sources" in keys and "sources" not in bad:
        r.err(keys["sources"], "an event needs at least one source")
    comms: list[Commemoration] = []
    for c, cnode in m.get("commemorations", []):
        _check_commemoration(r, hd, c, cnode)
        comms.append(c)
    if not {"id", "title"} <= m.keys():
        return None
    idnode = m["__values__"]["id"]
    return Event(
        id=m["id"],
        title=m["title"],
        date=hd,
        calendar_id=cal_id,
        summary=m.get("summary", ""),
        observed=obs,
        leap_day=m.get("leap_day", cal_leap),
        aliases=m.get("aliases", ()),
        titles=m.get("titles", ()),
        tags=m.get("tags", ()),
        places=m.get("places", ()),
        importance=m.get("importance", 2),
        sources=m.get("sources", ()),
        commemorations=tuple(sorted(comms, key=lambda c: (c.anniversary, c.date.iso()))),
        alternative_dates=tuple(m.get("alternative_dates", ())),
        related=m.get("related", ()),
        day_counts=m.get("milestones", False),
        time=m.get("time", ""),
        tz=m.get("tz", ""),
        notes=m.get("notes", ""),
        path=r.path,
        line=idnode.start_mark.line + 1,
        col=idnode.start_mark.column + 1,
    )


def _check_observed(r: _Reader, m: dict[str, Any], system: str, hd: HistDate) -> Observance | None:
    nodes: dict[str, yaml.Node] = m["__values__"]
    on, rule, note = m.get("on", ""), m.get("rule", ""), m.get("note", "")
    problem = observance_problem(on, rule, system, hd, on_is_int=bool(on) and nodes["on"].tag == INT)
    if problem:
        where, message = problem
        r.err(nodes[where] if where in nodes else m["__node__"], message)
        return None
    return Observance(on=on, rule=rule, note=note)


def observance_problem(on: str, rule: str, system: str, hd: HistDate, on_is_int: bool) -> tuple[str, str] | None:
    """What is wrong with an event's ``observed`` (its ``on`` or ``rule``) as (the key to point
    at, or "" for the mapping; the message), or None. ``on_is_int``: YAML read ``on`` as an
    integer (a base-60 number when it holds ':')."""
    if on and rule:
        return "rule", "observed takes 'on' or 'rule', not both"
    if on:
        if on in ("converted", "nominal"):
            if system != "julian":
                return "on", f"observed.on: {on} only applies to calendar: julian; use MM-DD to fix a day"
        else:
            if on_is_int and ":" in on:
                return (
                    "on",
                    f"observed.on {on!r} is read by YAML 1.1 as the number {_sexagesimal(on)}; write MM-DD like 10-25",
                )
            try:
                dates.parse_month_day(on)
            except ValueError as exc:
                return "on", f"observed.on: {exc} (or converted / nominal for julian records)"
    elif rule:
        try:
            dates.parse_rule(rule)
        except ValueError as exc:
            return "rule", f"observed.rule: {exc}"
    elif system == "julian":
        return "", "a julian record's observed needs on: converted, nominal or MM-DD"
    if hd.precision != "day" and (on or rule):
        return "", "only a day-precision date can have an observed day or rule"
    return None


def _sexagesimal(text: str) -> int:
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part or 0)
    return total


def _check_commemoration(r: _Reader, hd: HistDate, c: Commemoration, node: yaml.Node) -> None:
    problem = commemoration_problem(hd, c)
    if problem:
        r.err(node, problem)


def commemoration_problem(hd: HistDate, c: Commemoration) -> str | None:
    """A commemoration must fall within a year of the anniversary it claims to mark."""
    base = hd.year
    if hd.calendar == "julian" and hd.day is not None and hd.month is not None:
        base = dates.julian_to_gregorian(hd.year, hd.month, hd.day)[0]
    expected = base + c.anniversary
    if abs(c.date.year - expected) > 1:
        return f"commemoration dated {c.date.iso()} says anniversary {c.anniversary}, but the {ordinal(c.anniversary)} falls in {expected} (event {hd.iso()}); fix the number or the date"
    return None
