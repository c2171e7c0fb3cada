"""A faster reader for calendar files in YAML's block style, with the full reader behind it.

``records.parse_calendar`` composes a file with libyaml and walks the nodes; most of that time
goes to making a node and two marks for every value and calling back into Python for each.
Calendar files use a small part of YAML: block mappings and lists, plain and quoted scalars
(folded over lines or not), one-line flow lists and mappings, folded and literal block
scalars, comments. This module reads that part straight from the lines into plain values (a
scalar is a ``str`` when YAML would tag it a string, else a ``(tag, text)`` pair, the tag from
the full reader's own resolver tables), then checks and builds the model as ``records`` does,
with ``records``' own checks where they are more than a line.

It answers only when it is sure. Text outside that part (anchors, aliases, tags, complex keys,
block scalars with an indentation indicator or kept line ends, an escaped space ending a
line, tabs, control characters, directives, a second document, ...) and any value or record
with a problem make it decline, and ``read`` returns None: the full reader then reads the whole file and
reports every problem with its position. So a clean file gives the same Calendar either way,
and a file with problems gives what it always gave. ``tests/test_fastread.py`` holds the two
readers to the same result (the bundled calendars, the bad-file corpus, generated records in
every style PyYAML writes, edited text) and checks that the fast reader takes plain files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anniv import dates, records
from anniv.errors import AnnivError
from anniv.model import (
    CALENDAR_SYSTEMS,
    LEAP_DAY_POLICIES,
    NO_OBSERVANCE,
    AltDate,
    Calendar,
    Commemoration,
    Event,
    HistDate,
    Source,
    make_alt_date,
    make_commemoration,
    make_event,
    make_observance,
    make_source,
)

STR, INT, NULL = records.STR, records.INT, records.NULL


class Decline(Exception):
    """The text leaves the subset this module reads, or a record has a problem."""


# Characters this reader leaves to the full one: outside YAML's printable set, tabs (they
# break indentation rules), the BOM after the start, and line breaks other than LF and CRLF.
# As UTF-8: ASCII controls are single bytes (found by deleting every other byte value),
# U+0080-U+009F (C1) are C2 80-C2 9F, and the rest are looked for as characters.
_ASCII_OK = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F or b in (0x0A, 0x0D))
_C1 = re.compile(b"\xc2[\x80-\x9f]")
_ODD = ("\ufeff", "\ufffe", "\uffff", "\u2028", "\u2029")
# a key: a plain word, or quoted without escapes (group 1, 2 or 3), then ':' and a space or the end
# (possessive quantifiers: no run of spaces, key characters or text is given back, as
# nothing after any of them could match what it gave back)
_ROW = re.compile(
    r"""^( *+)(-(?: ++|$))?(?:([A-Za-z_][A-Za-z0-9_-]*+|"[^"\\\n]++"|'[^'\n]++')(:(?: ++|$)))?(.*+)$""", re.M
)
_MAX_QUOTED_LINES = 200
_ESCAPE = re.compile(r"\\(?:([0abtnvfre \"\\N_LP])|x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b",
    " ": " ", '"': '"', "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
# one item of a one-line flow list or value of a flow mapping: quoted, or plain without the
# characters that would make it something else (a plain item may not start with an indicator,
# but "-" before a character other than a space is text there: [-0550-09-28])
# (possessive quantifiers: a match that fails must not try every split of a run of spaces)
_FLOW_VALUE = r""" *+(?:"((?:[^"\\]|\\.)*+)"|'((?:[^']|'')*+)'(?!')|((?:[^ ,\[\]{}#:'"&*!|>%@`?-]|-[^ ,\[\]{}#:])[^,\[\]{}:]*+))? *+"""
_FLOW_ITEM = re.compile(_FLOW_VALUE + r"([,\]])")
_FLOW_AFTER = re.compile(r" *([,\]])")
_FLOW_PAIR = re.compile(r""" *+([A-Za-z_][A-Za-z0-9_-]*+|"[^"\\\n]++"|'[^'\n]++'): ++""" + _FLOW_VALUE[3:] + r"([,}])")
_BLOCK_HEADER = re.compile(r"([|>])(-?)(?: +#.*| *)$")
_SPECIAL = frozenset("&*!%@`,[]{}#|>'\"?:-")
_QUOTES = frozenset("'\"")
_EMPTY = (NULL, "")
_MAX_DEPTH = records.MAX_DEPTH


def _unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        simple, x2, u4, u8, other = m.groups()
        if simple is not None:
            return _ESCAPES[simple]
        if other is not None:
            raise Decline
        code = int(x2 or u4 or u8, 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise Decline
        return chr(code)

    return _ESCAPE.sub(one, body)


def _closing(line: str, start: int, double: bool) -> int:
    """Where the quote that closes a quoted scalar lies in ``line`` (from ``start``), or -1:
    in double quotes the first '"' after an even number of backslashes, in single quotes the
    first "'" that is not doubled. One pass over the line."""
    quote = '"' if double else "'"
    at = line.find(quote, start)
    while at >= 0:
        if double:
            first = at
            while first > start and line[first - 1] == "\\":
                first -= 1  # each run of backslashes is walked once: it ends at one character
            if (at - first) % 2 == 0:
                return at
        elif line[at + 1 : at + 2] != "'":
            return at
        else:
            at += 1  # '' stands for one quote
        at = line.find(quote, at + 1)
    return -1


def _fold_quoted(lines: list[str], double: bool) -> str:
    """The text of a quoted scalar written over ``lines`` (what lies between its quotes, split
    at the line breaks), folded as libyaml folds it: spaces around a break go, a break between
    text is a space, a blank line a newline; in double quotes a backslash at a line's end joins
    the lines with nothing (its spaces before it stay). Escapes are left in place."""
    pieces: list[str] = []
    joiner = ""
    breaks = 0
    last = len(lines) - 1
    for n, line in enumerate(lines):
        if n:
            line = line.lstrip(" ")
            if not line and n < last:
                breaks += 1
                continue
            pieces.append("\n" * breaks if breaks or not joiner else joiner)
            breaks = 0
        if n == last:
            pieces.append(line)
            break
        if double and (len(line) - len(line.rstrip("\\"))) % 2:
            pieces.append(line[:-1])  # an escaped line break
            joiner = ""
        else:
            kept = line.rstrip(" ")
            if double and kept != line and (len(kept) - len(kept.rstrip("\\"))) % 2:
                raise Decline  # an escaped space at the end of a line
            pieces.append(kept)
            joiner = " "
    return "".join(pieces)


def _after_quote(rest: str, end: int) -> None:
    """What may follow a closing quote on its line: spaces, then a comment after a space."""
    tail = rest[end:]
    if tail and not (tail[0] == " " and tail.lstrip(" ")[:1] in ("", "#")):
        raise Decline


class _Lines:
    """A recursive-descent reader over the file's lines. One regex splits every line into a
    row: indent, list dash (with its spaces), key, the ':' and spaces after it, and the rest;
    row N is line N. Blank and comment rows are skipped where they are met. A mapping that
    starts on a list item's line (``- id: x``) stands at the column after the dash; its first
    row is read with the dash dropped. Reading methods start at ``self.pos`` and leave it at
    the first row they did not take."""

    def __init__(self, text: str, resolve: Callable[[str], str]) -> None:
        if text.startswith(("---", "...", "%")) or "\n---" in text or "\n..." in text or "\n%" in text:
            raise Decline  # directives and document markers
        self.text = text
        self._raw: list[str] | None = None
        self.resolve = resolve
        self.firsts = _FIRSTS[0] if _FIRSTS else None  # first characters resolve() may tag
        self.rows: list[tuple[str, str, str, str, str]] = _ROW.findall(text)
        self.pos = 0
        self.where: dict[int, tuple[int, int]] = {}  # id(mapping) -> line, column of its id value

    @property
    def raw(self) -> list[str]:
        """The file's lines, for scalars that span several."""
        if self._raw is None:
            self._raw = self.text.split("\n")
        return self._raw

    def next_row(self) -> tuple[str, str, str, str, str] | None:
        """The next row with content (``self.pos`` moves to it), or None at the end."""
        rows, pos = self.rows, self.pos
        while pos < len(rows):
            row = rows[pos]
            if row[1] or row[2] or (row[4] and row[4][0] != "#"):
                self.pos = pos
                return row
            pos += 1
        self.pos = pos
        return None

    def document(self) -> Any:
        row = self.next_row()
        if row is None or row[0]:
            raise Decline
        root = self.node(0)
        if self.next_row() is not None:
            raise Decline
        return root

    def node(self, depth: int) -> Any:
        """The block node that starts at the current row (one with content)."""
        if depth > _MAX_DEPTH:
            raise Decline
        ind, dash, key, _, _ = self.rows[self.pos]
        if dash:
            return self.sequence(len(ind), depth)
        if key:
            return self.mapping(len(ind), depth, False)
        raise Decline  # a scalar on a line of its own

    def mapping(self, col: int, depth: int, dashed: bool) -> dict[str, Any]:
        """Rows at ``col`` with a key; ``dashed``: the first row is a list item's (its dash
        belongs to the list)."""
        out: dict[str, Any] = {}
        rows, n = self.rows, len(self.rows)
        pos = self.pos
        pad = " " * col  # the rows' indent (compared as text: no len() call per row)
        firsts = self.firsts
        plain_at = -1  # the row of the last plain value, which may go on over lines
        while pos < n:
            ind, dash, key, sep, rest = rows[pos]
            if dashed:
                dashed = False
            elif not key:
                if not dash and (not rest or rest[0] == "#"):
                    pos += 1  # blank or comment
                    continue
                if len(ind) < col:
                    break
                if plain_at < 0 or dash:
                    raise Decline
                last = next(reversed(out))
                self.pos = plain_at
                out[last] = self.plain_lines(out[last], col)
                plain_at = -1
                pos = self.pos
                continue
            elif dash or ind != pad:
                if len(ind) < col:
                    break
                raise Decline
            plain_at = -1
            if key[0] in _QUOTES:
                key = key[1:-1]
            if key in out:
                raise Decline
            if not rest or rest[0] == "#":
                self.pos = pos + 1
                out[key] = self.below(col, depth)
                pos = self.pos
                continue
            if key == "id":  # where the value starts, for the event's position
                self.where[id(out)] = (pos + 1, len(ind) + len(dash) + len(rows[pos][2]) + len(sep) + 1)
            c = rest[0]
            if c in _SPECIAL:
                self.pos = pos
                out[key] = self.quoted(rest, pos, col) if c in _QUOTES else self.special(rest, pos, col)
                pos = self.pos
            elif " #" in rest:
                out[key] = self.plain(rest)
            else:  # a plain value with no comment after it, as ``plain`` reads it, written out
                value = rest.rstrip(" ")
                if ": " in value or value[-1] == ":":
                    raise Decline
                out[key] = value if firsts is not None and value[0] not in firsts else self.tagged(value)
                plain_at = pos  # it may go on over the next lines
            pos += 1
        self.pos = pos
        return out

    def below(self, col: int, depth: int) -> Any:
        """The value of a key (or list item) with nothing after it on its line."""
        row = self.next_row()
        if row is not None:
            width = len(row[0])
            if width > col:
                return self.node(depth + 1)
            if width == col and row[1]:
                return self.sequence(col, depth + 1)  # a list written at its key's indent
        return _EMPTY

    def sequence(self, col: int, depth: int) -> list[Any]:
        out: list[Any] = []
        rows, n = self.rows, len(self.rows)
        pos = self.pos
        while pos < n:
            ind, dash, key, _, rest = rows[pos]
            if not dash:
                if not key and (not rest or rest[0] == "#"):
                    pos += 1  # blank or comment
                    continue
                if len(ind) > col:
                    raise Decline
                break
            if len(ind) != col:
                if len(ind) > col:
                    raise Decline
                break
            self.pos = pos
            if not key and rest and rest[0] not in _SPECIAL and " #" not in rest:
                out.append(self.plain_lines(self.plain(rest), col))
                pos = self.pos
                continue
            if key:
                out.append(self.mapping(col + len(dash), depth + 1, True))
            elif not rest or rest[0] == "#":
                self.pos += 1
                row = self.next_row()
                if row is not None and len(row[0]) > col:
                    out.append(self.node(depth + 1))
                else:
                    out.append(_EMPTY)
            elif rest[0] in _SPECIAL:
                out.append(self.special(rest, pos, col))
                self.pos += 1
            else:
                out.append(self.plain(rest))
                self.pos += 1
            pos = self.pos
        self.pos = pos
        return out

    def special(self, rest: str, number: int, col: int) -> Any:
        """A value after ``key:`` or ``- `` on row ``number`` whose first character is not a
        plain scalar's; leaves ``self.pos`` at the last row it takes."""
        c = rest[0]
        if c == '"' or c == "'":
            return self.quoted(rest, number, col)
        if c == "[":
            return self.flow_list(rest)
        if c == "{":
            value, end = self.flow_mapping(rest)
            _after_quote(rest, end)
            return value
        if c == "|" or c == ">":
            return self.block_scalar(rest, number, col)
        if (c == "-" or c == "?" or c == ":") and len(rest) > 1 and rest[1] != " ":
            return self.plain(rest)  # -0550-09-28, ?0
        raise Decline  # anchors, aliases, tags, reserved and flow indicators, "- - x"

    def quoted(self, rest: str, number: int, col: int) -> str:
        """A single- or double-quoted scalar, on one line or folded over several (its further
        lines indented past its key's)."""
        double = rest[0] == '"'
        close = _closing(rest, 1, double)
        if close > 0:
            _after_quote(rest, close + 1)
            body = rest[1:close]
        else:
            raw, lines, i = self.raw, [rest[1:]], number
            while True:
                i += 1
                if i >= len(raw) or i - number > _MAX_QUOTED_LINES:
                    raise Decline  # never closed: the full reader says where it starts
                line = raw[i]
                if line.strip(" ") and len(line) - len(line.lstrip(" ")) <= col:
                    raise Decline  # not indented past its key
                close = _closing(line, 0, double)
                if close >= 0:
                    break
                lines.append(line)
            _after_quote(line, close + 1)
            lines.append(line[:close])
            body = _fold_quoted(lines, double)
            self.pos = i
        if double:
            return _unescape(body) if "\\" in body else body
        return body.replace("''", "'")

    def plain_lines(self, first: Any, col: int) -> Any:
        """A plain scalar that starts on row ``self.pos`` (read as ``first``) and may go on over
        the following lines indented past ``col``: they are folded as YAML folds them (a line
        break is a space, each blank line a newline) and the whole is read again for its tag.
        Leaves ``self.pos`` at the first row after it. A further line that starts with a
        comment mark, a list dash or a key, or holds ": " or " #", is left to the full
        reader."""
        rows, n = self.rows, len(self.rows)
        pos = self.pos + 1
        parts: list[str] = []
        breaks = 0
        while pos < n:
            ind, dash, key, sep, rest = rows[pos]
            if not (dash or key or rest):
                breaks += 1
                pos += 1
                continue
            if len(ind) <= col:
                break
            line = (dash + key + sep + rest).rstrip(" ")
            if dash or key or line[0] == "#" or " #" in line or ": " in line or line[-1] == ":":
                raise Decline
            parts.append("\n" * breaks if breaks else " ")
            parts.append(line)
            breaks = 0
            pos += 1
        if parts:
            text = first if type(first) is str else first[1]
            value = text + "".join(parts)
            tag = self.resolve(value) if self.firsts is None or value[0] in self.firsts else STR
            first = value if tag == STR else (tag, value)
        self.pos = pos
        return first

    def plain(self, rest: str) -> Any:
        cut = rest.find(" #")
        value = (rest[:cut] if cut >= 0 else rest).rstrip(" ")
        if ": " in value or value[-1] == ":":
            raise Decline
        if self.firsts is not None and value[0] not in self.firsts:
            return value  # no implicit resolver is listed under its first character: a string
        return self.tagged(value)

    def tagged(self, value: str) -> Any:
        """A plain scalar as the resolver tags it: the text for a string, else (tag, text)."""
        tag = self.resolve(value)
        return value if tag == STR else (tag, value)

    def flow_value(self, dq: str | None, sq: str | None, plain: str | None) -> Any:
        if dq is not None:
            return _unescape(dq) if "\\" in dq else dq
        if sq is not None:
            return sq.replace("''", "'")
        assert plain is not None
        if " #" in plain:
            raise Decline  # a comment inside the brackets
        return self.plain(plain)

    def flow_list(self, rest: str) -> list[Any]:
        out: list[Any] = []
        pos = 1
        while True:
            brace = rest.find("{", pos)
            if brace >= 0 and not rest[pos:brace].strip(" "):
                item, pos = self.flow_mapping(rest, brace)
                out.append(item)
                m = _FLOW_AFTER.match(rest, pos)
                if m is None:
                    raise Decline
                pos = m.end()
                if m.group(1) == "]":
                    break
                continue
            m = _FLOW_ITEM.match(rest, pos)
            if m is None:
                raise Decline
            dq, sq, plain, end = m.groups()
            pos = m.end()
            if dq is None and sq is None and plain is None:
                if end == "]" and not out:
                    break  # []
                raise Decline  # an empty item
            out.append(self.flow_value(dq, sq, plain))
            if end == "]":
                break
        _after_quote(rest, pos)
        return out

    def flow_mapping(self, rest: str, start: int = 0) -> tuple[dict[str, Any], int]:
        """The one-line flow mapping at ``rest[start]`` and where it ends."""
        out: dict[str, Any] = {}
        pos = start + 1
        if rest[pos:].lstrip(" ")[:1] == "}":
            pos = rest.index("}", pos) + 1
        else:
            while True:
                m = _FLOW_PAIR.match(rest, pos)
                if m is None:
                    raise Decline
                key, dq, sq, plain, end = m.groups()
                if key[0] == '"' or key[0] == "'":
                    key = key[1:-1]
                if key in out or (dq is None and sq is None and plain is None):
                    raise Decline
                out[key] = self.flow_value(dq, sq, plain)
                pos = m.end()
                if end == "}":
                    break
        return out, pos

    def block_scalar(self, rest: str, number: int, col: int) -> str:
        """``|`` or ``>``, optionally with ``-`` (strip the final line break). Folding follows
        libyaml: a line break between two lines at the scalar's indent is a space, or goes
        away when blank lines follow it (each of those is a newline); next to a more-indented
        line it is kept."""
        m = _BLOCK_HEADER.match(rest)
        if m is None:
            raise Decline  # keep (+) or an indentation indicator
        folded, strip = m.group(1) == ">", m.group(2) == "-"
        raw = self.raw
        body: list[str] = []
        indent = 0
        blank_width = 0
        i = number + 1
        while i < len(raw):
            line = raw[i]
            s = line.lstrip(" ")
            width = len(line) - len(s)
            if not s:
                if indent and width > indent:
                    raise Decline  # spaces past the indent would be content
                blank_width = max(blank_width, width)
                body.append("")
            elif not indent:
                if width <= col:
                    break
                indent = width
                if blank_width > indent:
                    raise Decline
                body.append(s)
            elif width < indent:
                break
            else:
                body.append(line[indent:])
            i += 1
        while body and not body[-1]:
            body.pop()
        parts: list[str] = []
        ended = False  # a content line came before, so a line break is pending
        indented = False  # that line was more indented than the scalar
        empty = 0
        for line in body:
            if not line:
                empty += 1
                continue
            more = line[0] == " "
            if folded and ended and not indented and not more:
                if not empty:
                    parts.append(" ")
            elif ended:
                parts.append("\n")
            parts.append("\n" * empty)
            parts.append(line)
            ended, indented, empty = True, more, 0
        text = "".join(parts)
        if ended and not strip:
            text += "\n"
        # skip the significant lines the scalar took; the caller then moves past its own line
        self.pos = i - 1
        return text


# -- checking and building, as records does ----------------------------------------------------
def _text(v: Any) -> str:
    if type(v) is not str or not v.strip():
        raise Decline
    return v


def _raw(v: Any) -> str:
    if type(v) is str:
        return v
    if type(v) is tuple and v[0] != NULL:
        return str(v[1])
    raise Decline


def _integer(v: Any, lo: int, hi: int) -> int:
    if type(v) is not tuple or v[0] != INT or not v[1].isdigit() or not v[1].isascii():
        raise Decline
    value = int(v[1])
    if not lo <= value <= hi:
        raise Decline
    return value


def _boolean(v: Any) -> bool:
    text = v if type(v) is str else v[1] if type(v) is tuple else None
    if text not in ("true", "false"):
        raise Decline
    return text == "true"


def _choice(v: Any, options: tuple[str, ...]) -> str:
    if _text(v) not in options:
        raise Decline
    return str(v)


def _ident(v: Any) -> str:
    if not records.ID_RE.match(_text(v)):
        raise Decline
    return str(v)


def _items(v: Any) -> list[Any]:
    if type(v) is list:
        return v
    if type(v) is tuple and v[0] == NULL:
        return []
    raise Decline


def _strings(v: Any) -> tuple[str, ...]:
    return tuple(_text(x) for x in _items(v))


def _idents(v: Any) -> tuple[str, ...]:
    return tuple(_ident(x) for x in _items(v))


def _hist_date(v: Any, calendar: str = "gregorian") -> HistDate:
    text = _raw(v)
    if type(v) is tuple and v[0] == INT and ":" in text:
        raise Decline
    return _parse_date(text, calendar)


def _parse_date(text: str, calendar: str, leap_month: bool = False) -> HistDate:
    try:
        return dates.parse_hist_date(text, calendar, leap_month)
    except (ValueError, AnnivError):
        raise Decline from None


def _mapping(v: Any, known: frozenset[str], required: frozenset[str] = frozenset()) -> dict[str, Any]:
    if type(v) is not dict:
        raise Decline
    keys = v.keys()
    if not keys <= known or not required <= keys:
        raise Decline
    return v


_EVENT_KEYS = frozenset(records.EVENT_FIELDS)
_MILESTONES_KEYS = frozenset(("days",))
_EVENT_REQUIRED = frozenset(("id", "title", "date", "summary", "sources"))
_SOURCE_KEYS = frozenset(("title", "publisher", "url", "published", "accessed", "note", "seed"))
_COMMEMORATION_KEYS = frozenset(("date", "anniversary", "what", "by", "place", "sources"))
_COMMEMORATION_REQUIRED = frozenset(("date", "anniversary", "what", "sources"))
_ALT_KEYS = frozenset(("date", "note", "calendar"))
_OBSERVED_KEYS = frozenset(("on", "rule", "note"))
_HEADER_KEYS = frozenset(("id", "name", "description", "leap_day"))
_TOP_KEYS = frozenset(("calendar", "events"))


class _Builder:
    """Checks the plain values of one file and builds its model, declining at the first value
    ``records`` would report a problem for."""

    def __init__(self, path: str, seed_roots: tuple[Path, ...], where: dict[int, tuple[int, int]]) -> None:
        self.path = path
        self.seed_roots = seed_roots
        self.where = where

    def source(self, v: Any) -> Source:
        m = _mapping(v, _SOURCE_KEYS)
        if "title" not in m and "seed" not in m:
            raise Decline
        url = _text(m["url"]) if "url" in m else ""
        if url and not records.URL_RE.match(url):
            raise Decline
        seed = _text(m["seed"]) if "seed" in m else ""
        if seed and records.seed_problem(seed, self.seed_roots):
            raise Decline
        return make_source(
            _text(m["title"]) if "title" in m else "",
            _text(m["publisher"]) if "publisher" in m else "",
            url,
            _hist_date(m["published"]).iso() if "published" in m else "",
            _hist_date(m["accessed"]).iso() if "accessed" in m else "",
            _text(m["note"]) if "note" in m else "",
            seed,
        )

    def sources_of(self, v: Any) -> tuple[Source, ...]:
        return tuple(self.source(x) for x in _items(v))

    def commemoration(self, v: Any, hd: HistDate) -> Commemoration:
        m = _mapping(v, _COMMEMORATION_KEYS, _COMMEMORATION_REQUIRED)
        sources = self.sources_of(m["sources"])
        if not sources:
            raise Decline
        c = make_commemoration(
            _hist_date(m["date"]),
            _integer(m["anniversary"], 1, 10000),
            _text(m["what"]),
            _strings(m["by"]) if "by" in m else (),
            _text(m["place"]) if "place" in m else "",
            sources,
        )
        if records.commemoration_problem(hd, c):
            raise Decline
        return c

    def event(self, v: Any, cal_id: str, cal_leap: str) -> Event:
        m = _mapping(v, _EVENT_KEYS, _EVENT_REQUIRED)
        system = _choice(m["calendar"], CALENDAR_SYSTEMS) if "calendar" in m else "gregorian"
        leap_month = False
        if "leap_month" in m:
            leap_month = _boolean(m["leap_month"])
            if system != "korean-lunar":
                raise Decline
        hd = _parse_date(_raw(m["date"]), system, leap_month)
        observed = NO_OBSERVANCE
        if "observed" in m:
            o = _mapping(m["observed"], _OBSERVED_KEYS)
            on = _raw(o["on"]) if "on" in o else ""
            rule = _text(o["rule"]) if "rule" in o else ""
            note = _text(o["note"]) if "note" in o else ""
            on_is_int = bool(on) and type(o["on"]) is tuple and o["on"][0] == INT
            if records.observance_problem(on, rule, system, hd, on_is_int):
                raise Decline
            observed = make_observance(on, rule, note)
        elif system == "julian":
            raise Decline
        sources = self.sources_of(m["sources"])
        if not sources:
            raise Decline
        comms = [self.commemoration(c, hd) for c in _items(m["commemorations"])] if "commemorations" in m else []
        alts: tuple[AltDate, ...] = ()
        if "alternative_dates" in m:
            alts = tuple(self.alt_date(a) for a in _items(m["alternative_dates"]))
        titles: tuple[tuple[str, str], ...] = ()
        if "titles" in m:
            t = m["titles"]
            if type(t) is not dict or not all(records.LANG_RE.match(k) for k in t):
                raise Decline
            titles = tuple(sorted((k, _text(x)) for k, x in t.items()))
        day_counts = False
        if "milestones" in m:
            ms = _mapping(m["milestones"], _MILESTONES_KEYS)
            day_counts = _boolean(ms["days"]) if "days" in ms else False
        at = self.where.get(id(v))
        if at is None:
            raise Decline  # an event written as a flow mapping: no position kept for it
        line, col = at
        return make_event(  # every field, in Event's order
            _ident(m["id"]),
            _text(m["title"]),
            hd,
            cal_id,
            _text(m["summary"]),
            observed,
            _choice(m["leap_day"], LEAP_DAY_POLICIES) if "leap_day" in m else cal_leap,
            _strings(m["aliases"]) if "aliases" in m else (),
            titles,
            _idents(m["tags"]) if "tags" in m else (),
            _strings(m["places"]) if "places" in m else (),
            _integer(m["importance"], 1, 3) if "importance" in m else 2,
            sources,
            tuple(sorted(comms, key=lambda c: (c.anniversary, c.date.iso()))),
            alts,
            _idents(m["related"]) if "related" in m else (),
            day_counts,
            _text(m["time"]) if "time" in m else "",
            _text(m["tz"]) if "tz" in m else "",
            _text(m["notes"]) if "notes" in m else "",
            self.path,
            line,
            col,
        )

    def alt_date(self, v: Any) -> AltDate:
        m = _mapping(v, _ALT_KEYS, frozenset(("date", "note")))
        system = _choice(m["calendar"], CALENDAR_SYSTEMS) if "calendar" in m else "gregorian"
        return make_alt_date(_parse_date(_raw(m["date"]), system), _text(m["note"]))


def read(
    text: str, path: str, expected_id: str | None, seed_roots: tuple[Path, ...], data: bytes | None = None
) -> Calendar | None:
    """The calendar in ``text`` (``data``: its UTF-8 bytes, when at hand) when this reader is
    sure of it and it has no problem, else None (the full reader must read the file)."""
    resolve = _resolver()
    if resolve is None:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    raw = text.encode("utf-8") if data is None else data
    if raw.translate(None, _ASCII_OK) or (b"\xc2" in raw and _C1.search(raw)) or any(c in text for c in _ODD):
        return None
    try:
        lines = _Lines(text, resolve)
        top = _mapping(lines.document(), _TOP_KEYS, _TOP_KEYS)
        lines.rows, lines._raw = [], None  # let the rows go: the model is built in their memory
        head = _mapping(top["calendar"], _HEADER_KEYS, frozenset(("id", "name")))
        cal_id = _ident(head["id"])
        if expected_id is not None and cal_id != expected_id:
            raise Decline
        cal_leap = _choice(head["leap_day"], LEAP_DAY_POLICIES) if "leap_day" in head else "feb28"
        builder = _Builder(path, seed_roots, lines.where)
        events = tuple(builder.event(v, cal_id, cal_leap) for v in _items(top["events"]))
        if len({ev.id for ev in events}) != len(events):
            raise Decline
        return Calendar(
            id=cal_id,
            name=_text(head["name"]),
            description=_text(head["description"]) if "description" in head else "",
            leap_day=cal_leap,
            events=events,
            path=path,
        )
    except Decline:
        return None
    except Exception:
        # a mistake of this reader: the full reader still gives the right answer, and the
        # tests (ANNIV_FAST_READ=strict) see the mistake
        if os.environ.get("ANNIV_FAST_READ") == "strict":
            raise
        return None


_RESOLVE: list[Callable[[str], str] | None] = []
_FIRSTS: list[frozenset[str]] = []  # with _RESOLVE: the first characters that have resolvers


def _resolver() -> Callable[[str], str] | None:
    """The tag YAML 1.1 gives a plain scalar, from the full reader's own loader class and as
    its ``resolve`` finds it (the implicit resolvers listed under the value's first character,
    tried in order), so both readers agree on what ``yes``, ``1_000`` or ``2025-10-25`` are.
    None when the loader has resolvers for any first character or tracks paths
    (``yaml.add_path_resolver``): then a tag could depend on more than the value."""
    if not _RESOLVE:
        loader: Any = records._safe_loader()
        table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = loader.yaml_implicit_resolvers
        if getattr(loader, "yaml_path_resolvers", None) or None in table:
            _RESOLVE.append(None)
        else:
            import functools

            by_first = {first: tuple(pairs) for first, pairs in table.items()}
            default: str = loader.DEFAULT_SCALAR_TAG
            if default == STR:
                _FIRSTS.append(frozenset(k for k, pairs in by_first.items() if pairs and k is not None))

            @functools.lru_cache(maxsize=4096)
            def tag_of(value: str) -> str:
                for tag, pattern in by_first.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
                return default

            _RESOLVE.append(tag_of)
    return _RESOLVE[0]
