"""``anniv due`` answered straight from the on-disk index, before the rest of anniv loads.

The installed command (``anniv/anniv``, which runs ``anniv/anniv-py``) starts here. When the command line is ``anniv due`` with options this
module understands and the folder's index is valid, the listing is built from per-event
*quick records* written into the index when the YAML was parsed (``indexer.quick_record``): the event's row
fields, its JSON row cut at its slots, and what the kernel needs to count its
anniversaries. Only ``sys``, ``posix``, ``marshal``, ``mmap``, ``zlib``, ``_datetime`` and
anniv's light modules (``kernel``, ``milestones``, ``windows``, ``cache``) are imported: not os
(which brings collections.abc), argparse, typing, dataclasses, re, json or a date library,
which is most of what a start-up of the full command line costs.

Anything else returns None and ``anniv.cli`` runs the command in full: other commands and
formats, ``--help``, abbreviated or unknown options, any usage error (so every message comes
from one place), broken files, a stale or missing index, moving events outside the indexed
years, a candidate whose record could not be made. Both paths count with ``anniv.kernel`` and
shape rows with ``render.assemble``; the tests compare their output byte for byte.
``ANNIV_QUICK=0`` turns the quick path off.
"""

import marshal
import sys

try:  # not os: see anniv.cache
    import posix as _system
except ImportError:
    import os as _system  # type: ignore[no-redef]

from anniv import cache, kernel, milestones, windows
from anniv.kernel import date

TYPE_CHECKING = False  # not typing's: see above
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import IO, Any

LANGS = milestones.LANGS
FORMATS = ("table", "json", "csv", "md")  # ics is written by the full path
SORTS = ("round", "date", "rank")
_VALUED = ("data", "today", "month", "year", "from", "to", "next", "format", "lang", "sort", "day-counts-age")
_REPEATED = ("tag", "calendar")
_FLAGS = ("round",)


class Fallback(Exception):
    """The quick path cannot answer this; the full command line will."""


# -- the command line -----------------------------------------------------------------------------
def _parse(argv: list[str]) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
    """``due``'s options as argparse would read them, or Fallback for anything unusual."""
    if not argv or argv[0] != "due":
        raise Fallback
    values: dict[str, str] = {}
    repeated: dict[str, list[str]] = {k: [] for k in _REPEATED}
    flags: set[str] = set()
    i = 1
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--"):
            raise Fallback
        name, eq, value = arg[2:].partition("=")
        if name in _FLAGS and not eq:
            flags.add(name)
        elif name in _VALUED or name in _REPEATED:
            if not eq:
                i += 1
                if i == len(argv) or argv[i].startswith("-"):
                    raise Fallback
                value = argv[i]
            if name in _VALUED:
                values[name] = value
            else:
                repeated[name].append(value)
        else:
            raise Fallback
        i += 1
    return values, repeated, flags


def _pure(text: str) -> str:
    """``str(pathlib.PurePosixPath(text))``: repeated slashes and ``.`` parts dropped."""
    lead = "//" if text.startswith("//") and not text.startswith("///") else ("/" if text.startswith("/") else "")
    return lead + "/".join(p for p in text.split("/") if p and p != ".") or "."


def _data_dir(values: dict[str, str], env: "Any") -> str:
    given = values.get("data") or env.get("ANNIV_DATA") or ""
    if "data" in values and not values["data"]:
        raise Fallback
    if given:
        return _pure(given)
    here = cache.package_dir()
    for candidate in (here + "/calendars", _parent(here) + "/calendars"):
        if cache.is_dir(candidate):
            return candidate
    raise Fallback


def _parent(real: str) -> str:
    """``os.path.dirname`` of a real path other than the root."""
    return real.rpartition("/")[0] or "/"


def _identity(folder: str) -> "tuple[Any, ...]":
    """``catalog._load_cached``'s identity of a folder (given by its real path): that path and
    the seed roots."""
    roots = [_parent(folder), folder]
    here = cache.package_dir()
    for extra in (here, _parent(here)):
        if cache.is_dir(cache.join(extra, "seeds")) and extra not in roots:
            roots.append(extra)
    return (folder, None, tuple(roots))


def _display(path: str, cwd: str) -> str:
    """How messages name ``path``: relative to ``cwd`` (the current directory) unless that
    climbs out of it."""
    rel = _relative(path, cwd)
    return rel if not rel.startswith("..") else path


def _relative(path: str, cwd: str) -> str:
    """``os.path.relpath(path, cwd)``, for the real path ``cwd``."""
    mine, base = _parts(path, cwd), _parts(cwd, cwd)
    same = 0
    for a, b in zip(mine, base, strict=False):
        if a != b:
            break
        same += 1
    return "/".join([".."] * (len(base) - same) + mine[same:]) or "."


def _parts(path: str, cwd: str) -> list[str]:
    """The names along ``os.path.abspath(path)``: ``..`` taken away as written, not resolved."""
    out: list[str] = []
    for part in (path if path.startswith("/") else cwd + "/" + path).split("/"):
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return out


def _open(data: str, env: "Any") -> "tuple[Any, list[str]]":
    """The valid index of ``data`` and its files' display paths, or Fallback."""
    folder = cache.cache_dir(env)
    if folder is None or not cache.is_dir(data):
        raise Fallback
    names = sorted(n for n in _system.listdir(data) if n.endswith((".yaml", ".yml")) and not n.startswith("."))
    paths = [data.rstrip("/") + "/" + n if data != "/" else "/" + n for n in names]
    real = cache.real_path(data)
    identity = _identity(real)
    keys = []
    for n, p in zip(names, paths, strict=True):
        st = _system.lstat(p)
        if st.st_mode & 0o170000 == 0o120000:
            raise Fallback  # a link: the full path decides whether it may leave the folder
        # ``cache.file_key(p)``: a name in a folder, not a link, is that folder's real path
        # and the name, without resolving every part of the path again
        keys.append((real.rstrip("/") + "/" + n, st.st_mtime_ns, st.st_size))
    idx = cache.open_index(cache.index_file(folder, identity), identity)
    if idx is None:
        raise Fallback
    cwd = _system.getcwd()
    displays = [_display(p, cwd) for p in paths]
    if [tuple(f["key"]) for f in idx.files] != keys or [f["display"] for f in idx.files] != displays:
        raise Fallback
    return idx, displays


# -- the listing ----------------------------------------------------------------------------------
def run(argv: list[str], env: "Any", stdout: "IO[str]", stderr: "IO[str]", today: date | None = None) -> int | None:
    """Answer ``argv`` (without the program name) and return the exit status, or None when
    the full command line has to. Nothing is written unless the answer is complete."""
    if env.get("ANNIV_QUICK") == "0" or env.get("ANNIV_NO_CACHE") == "1":
        return None
    encoding = (getattr(stdout, "encoding", None) or "utf-8").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8"):
        return None  # text it may not be able to encode: the full path writes it, or says why not
    try:
        text, warning = _answer(argv, env, stdout, today)
    except (Fallback, cache.CacheCorrupt, ValueError, KeyError, IndexError, TypeError, EOFError, OSError):
        return None
    try:
        if warning:
            stderr.write(warning)
        raw = _utf8_bytes(stdout)
        for piece in text:
            if isinstance(piece, str):
                stdout.write(piece)
            elif raw is None:
                stdout.write(piece.decode("utf-8"))
            else:
                view = memoryview(piece)
                while view:  # an unbuffered stream may take part of it
                    view = view[raw.write(view) :]
    except BrokenPipeError:
        return 0
    return 0


def _utf8_bytes(stdout: "Any") -> "Any":
    """The binary stream under ``stdout`` (whose text ``run`` has checked is encoded as UTF-8),
    so that UTF-8 bytes can go straight to it after what is already written; None for a stream
    of text alone. The error handler does not matter: the rows were encoded strictly, so they
    hold no lone surrogates, the only text on which UTF-8 error handlers differ."""
    raw = getattr(stdout, "buffer", None)
    if raw is None:
        return None
    stdout.flush()
    return raw


def _answer(
    argv: list[str], env: "Any", stdout: "IO[str]", today: date | None
) -> "tuple[Iterable[str] | Iterable[bytes], str]":
    """The output, in pieces (text, or UTF-8 for JSON), and a warning for stderr (or "")."""
    values, repeated, flags = _parse(argv)
    fmt = values.get("format", "table")
    lang = values.get("lang", "en")
    how = values.get("sort", "round")
    if fmt not in FORMATS or lang not in LANGS or how not in SORTS:
        raise Fallback
    age = int(values.get("day-counts-age", "3"))
    year = int(values["year"]) if "year" in values else None
    if age < 0:
        raise Fallback
    if "today" in values:
        today = date.fromisoformat(values["today"])
    elif today is None:
        today = date.today()
    try:
        start, end, title = windows.window(
            today, values.get("month"), year, values.get("from"), values.get("to"), values.get("next")
        )
    except Exception:  # a UsageError: the full path says it
        raise Fallback from None
    idx, displays = _open(_data_dir(values, env), env)
    header = idx.header
    if not all(f["usable"] for f in idx.files) or not idx.files:
        raise Fallback
    cal_ids = {f["header"][0] for f in idx.files}
    if any(c not in cal_ids for c in repeated["calendar"]):
        raise Fallback
    errors, first = header["cross_errors"]
    warning = ""
    if errors:
        k, line, col, message, _ = first
        where = displays[k] + (f":{line}:{col}" if line else "")
        warning = (
            f"anniv: warning: {errors} problem(s) between files, first: {where}: {message} "
            "(run 'anniv check' for all)\n"
        )
    ix = cache.window_index(idx, QUICK_ARRAYS)
    s, e, t = start.toordinal(), end.toordinal(), today.toordinal()
    runs = header["row_runs"]
    if fmt == "json" and (tuple(header["row_slots"]) != SLOTS or {k: tuple(v[0]) for k, v in runs.items()} != RUNS):
        raise Fallback  # an index written for another row layout
    rows = _rows(idx, ix, s, e, t, age, repeated, "round" in flags, lang, how, fmt == "json", runs)
    rows.sort()  # by the sort key each row starts with (unique: it ends with id, kind, count)
    if fmt == "json":
        return _json_pieces([r[4] for r in rows]), warning
    from anniv import render

    li = LANGS.index(lang)
    listing = []
    for *_, dyn, i in rows:
        static, titles, _, _, _ = marshal.loads(idx.quick_extra(i))
        listing.append(render.assemble(static, titles[li], dyn))
    terminal = None
    if stdout.isatty():
        terminal = (_columns(env), "NO_COLOR" not in env)
    return [render.listing(listing, f"Anniversaries, {title}", fmt, terminal)], warning


def _json_pieces(lines: "list[bytes]", per_piece: int = 64) -> "Iterator[bytes]":
    """``render.to_json`` of a list whose items are already JSON, made piece by piece as it
    is written (``per_piece`` lines at a time): a month of a large catalogue is half a
    megabyte, and joining it whole, then encoding it whole, would cost two fresh buffers of
    that size (page faults at 3.5 µs a page on this machine) for nothing."""
    if not lines:
        yield b"[]\n"
        return
    yield b"[\n"
    for k in range(0, len(lines), per_piece):
        yield b",\n".join(lines[k : k + per_piece]) + (b",\n" if k + per_piece < len(lines) else b"\n]\n")


def _rows(
    idx: "Any",
    ix: "dict[str, Any]",
    s: int,
    e: int,
    t: int,
    age: int,
    repeated: dict[str, list[str]],
    round_only: bool,
    lang: str,
    how: str,
    as_json: bool,
    runs: "dict[str, Any]",
) -> "list[tuple[Any, ...]]":
    """Every anniversary in the window, unsorted, each as (sort key for ``how``, id, kind,
    count, its JSON line) or, for the other formats, (the same four, ``kernel.dynamic_fields``,
    event number).

    The order is ``due.order``'s: by date, roundest first, then id (``date``); round ones
    first (``round``); by rank (``rank``). The JSON line fills the slots between the record's
    texts; the dynamic strings (dates, kinds, ordinals, labels, milestone names, weekdays) come
    from anniv's own tables and never need escaping, and titles were written as JSON when the
    index was built."""
    lo, hi = ix["mover_years"]
    if ix["always"] or (ix["movers"] and (date.fromordinal(s).year - 1 < lo or date.fromordinal(e).year > hi)):
        raise Fallback  # moving events beyond the indexed years: the full path converts them
    tables = ix["tables"]
    tags = set(repeated["tag"])
    ranges = [(f["first"], f["first"] + f["count"]) for f in idx.files if f["header"][0] in repeated["calendar"]]
    days = kernel.window_days(s, e) if e - s <= kernel.LONG_WINDOW_DAYS else None
    loads, extra, occurrences, dynamic = marshal.loads, idx.quick_extras(), kernel.occurrences, kernel.dynamic_fields
    precisions, leap_days = kernel.PRECISIONS, kernel.LEAP_DAYS
    counts_days, day_counts = kernel.counts_days, kernel.day_counts
    old = t - (age + 1) * 366  # an event on or before this day is too old for day counts
    li = LANGS.index(lang)
    filtered = bool(ranges or tags or li)
    seen: set[str] = set()
    out: list[tuple[Any, ...]] = []
    # the common case, written out in the loop below: a JSON row of a day-precision event kept
    # on one month-day (not Feb 29; ``fixed``), whose anniversaries are the window's days with
    # that month-day
    fast = as_json and days is not None
    if as_json:
        js = _JsonRows(runs, how, lang, t, round_only, out, idx)
        years, daily, highs, ranks, emit = js.years, js.daily, js.highs, js.ranks, js.emit
        counted_of, daily_of = js.counted, js.day
    join, leap_code, bits, mask = b"".join, kernel.LEAP_CODE, cache.QUICK_CHUNK_BITS, cache.QUICK_MASK
    where, read_chunk = idx.quick_chunks()
    # the first part of event i's quick record: a place in a chunk. A day's candidates come
    # one chunk after another, so only the last chunk is kept: the records of the chunks before
    # it are let go, and their memory serves the next (fresh pages cost more than decoding)
    at = -1
    recs: tuple[Any, ...] = ()
    for i in kernel.candidates(ix, s, e, idx.n, t, age):
        q = where[i]
        if q >> bits != at:
            at = q >> bits
            recs = read_chunk(at)
        rec = recs[q & mask]
        if rec is None:
            raise Fallback
        head, p2, p3, p4, eid, importance, fixed, y0, g, opt_in, p, month, code, leap = rec
        if eid in seen:
            continue
        seen.add(eid)
        if filtered:
            if ranges and not any(a <= i < b for a, b in ranges):
                continue
            if tags or li:
                _, _, titles, ev_tags, (a, b) = loads(extra(i))
                if tags and not tags.intersection(ev_tags):
                    continue
                if titles is not None:
                    head = head[:a] + titles[li].encode("utf-8") + head[b:]
        if fixed and fast:
            for o, year in days.get(fixed, ()):  # type: ignore[union-attr]
                count = year - y0
                if count < 1:
                    continue
                counted = years.get(count)
                if counted is None:
                    counted = counted_of("years", count)
                rk = counted[0] + importance
                if round_only and rk < 4:
                    continue
                day = daily.get(o)
                if day is None:
                    day = daily_of(o, 0)
                shown, run, low = day
                out.append(
                    (
                        highs[rk] | low,
                        eid,
                        "years",
                        count,
                        join((head, shown, p2, counted[1], ranks[rk], p3, run, p4)),
                    )
                )
            if g and (opt_in or g > old) and counts_days(g, opt_in, t, age):
                for o, kind, count in day_counts(g, s, e):
                    emit(o, kind, count, 0, importance, rec, head, eid)
            continue
        kept: Any
        precision, policy = precisions[p], leap_days[leap]
        if code and days is not None and code != leap_code:
            kept = days.get(code, [])
        elif code:

            def kept(year: int, m: int = code // 32, d: int = code % 32, leap: str = policy) -> int:
                return kernel.day_in_year(year, m, d, leap)

        else:
            raw = tables.get(i)
            if raw is None and precision == "day":
                raise Fallback
            table = memoryview(raw or b"").cast("i")

            def kept(year: int, table: memoryview = table) -> int:
                o: int = table[year - lo]
                return o

        for o, kind, count in occurrences(precision, month, y0, kept, g, opt_in, s, e, t, age):
            if as_json:
                emit(o, kind, count, p, importance, rec, head, eid)
                continue
            dyn = dynamic(o, kind, count, precision, importance, t, lang)
            if round_only and not dyn[6]:
                continue
            out.append((_key_high(how, dyn[6], dyn[7]) | _key_low(how, o), eid, kind, count, dyn, i))
    return out


COUNTED_BLOCK_BITS = 6  # ``counted_table`` stores runs 64 counts to a block


def _counted_head(runs: "dict[str, Any]") -> str | None:
    """The count's run template without its last field, the rank (None if that is not last)."""
    template: str = runs["counted"][1]
    return template[:-2] if template.endswith("%s") else None


def counted_run(head: str, kind: str, count: int, lang: str) -> tuple[int, bytes]:
    """(3 × the tier, the JSON run of the count's fields up to the rank, as UTF-8) for the
    run template ``head`` (``_counted_head``)."""
    ordinal, label, milestone, tier = kernel.count_names(kind, count, lang)
    mq = "null" if milestone is None else f'"{milestone}"'
    values = (f'"{kind}"', f'"{kind}"', count, f'"{ordinal}"', f'"{label}"', mq, "true" if tier >= 1 else "false")
    return 3 * tier, (head % values).encode("utf-8")


def counted_table(runs: "dict[str, Any]", last: int) -> list[tuple[tuple[int, bytes] | None, ...]]:
    """The English ``counted_run`` of every count of years up to ``last``, in blocks of
    2**COUNTED_BLOCK_BITS (count 0 has None), which an index stores so that a query reads
    the runs it needs rather than writing them: a month's listing has hundreds of counts."""
    head = _counted_head(runs)
    if head is None or last < 1:
        return []
    size = 1 << COUNTED_BLOCK_BITS
    out = []
    for first in range(0, last + 1, size):
        out.append(tuple(counted_run(head, "years", n, "en") if n else None for n in range(first, first + size)))
    return out


class _JsonRows:
    """What ``_rows`` fills JSON rows with, each part worked out once per process and kept
    as UTF-8 JSON: ``kernel.dynamic_fields`` splits in two, the date, weekday and days until
    depending on the day (and precision) alone, the rest on the count alone but for the rank,
    which adds the record's importance. ``years`` maps a count of years to (3 × its tier, its
    run of ``render.run_template`` up to the rank), ``daily`` a day of a day-precision event to
    (its date, its daily run, its part of the sort key); ``highs`` and ``ranks`` give a rank's
    part of the sort key and its text. ``emit`` adds the row of any anniversary to ``out``."""

    def __init__(
        self, runs: "dict[str, Any]", how: str, lang: str, t: int, round_only: bool, out: "list[Any]", idx: "Any"
    ):
        head = _counted_head(runs)
        if head is None:
            raise Fallback  # the rank is not the run's last field
        self.counted_head = head
        self.daily_run = runs["daily"][1]
        self.lang, self.how, self.t, self.round_only, self.out = lang, how, t, round_only, out
        # English runs of counts of years, written when the index was (``counted_table``)
        self.table = idx.header.get("counted_en", ()) if lang == "en" else ()
        self.extra = idx.extra
        self.blocks: dict[int, tuple[Any, ...]] = {}
        self.years: dict[int, tuple[int, bytes]] = {}
        self.other: dict[tuple[str, int], tuple[int, bytes]] = {}  # (kind, count) for other kinds
        self.daily: dict[int, tuple[bytes, bytes, int]] = {}
        self.other_days: dict[tuple[int, int], tuple[bytes, bytes, int]] = {}  # (day, precision)
        # rank = 3 × tier + importance (1..3): a rank of 4 or more is a round one
        top = 3 * 5 + 3
        self.highs = [_key_high(how, rk >= 4, rk) for rk in range(top + 1)]
        self.ranks = [str(rk).encode() for rk in range(top + 1)]

    def counted(self, kind: str, count: int) -> tuple[int, bytes]:
        b = count >> COUNTED_BLOCK_BITS
        if kind == "years" and b < len(self.table):
            block = self.blocks.get(b)
            if block is None:
                block = self.blocks[b] = self.extra(self.table[b])
            made: tuple[int, bytes] = block[count - (b << COUNTED_BLOCK_BITS)]
        else:
            made = counted_run(self.counted_head, kind, count, self.lang)
        if kind == "years":
            self.years[count] = made
        else:
            self.other[(kind, count)] = made
        return made

    def day(self, o: int, p: int) -> tuple[bytes, bytes, int]:
        text, weekday = kernel.shown_day(o, kernel.PRECISIONS[p])
        wq = "null" if weekday is None else f'"{weekday}"'
        made = (f'"{text}"'.encode(), (self.daily_run % (wq, o - self.t)).encode(), _key_low(self.how, o))
        if p:
            self.other_days[(o, p)] = made
        else:
            self.daily[o] = made
        return made

    def emit(self, o: int, kind: str, count: int, p: int, importance: int, rec: "Any", head: bytes, eid: str) -> None:
        counted = self.years.get(count) if kind == "years" else self.other.get((kind, count))
        if counted is None:
            counted = self.counted(kind, count)
        rk = counted[0] + importance
        if self.round_only and rk < 4:
            return
        day = (self.daily.get(o) if not p else self.other_days.get((o, p))) or self.day(o, p)
        shown, run, low = day
        p2, p3, p4 = rec[1:4]
        row = b"".join((head, shown, p2, counted[1], self.ranks[rk], p3, run, p4))
        self.out.append((self.highs[rk] | low, eid, kind, count, row))


def _key_high(how: str, is_round: bool, rank: int) -> int:
    """The count's part of a row's sort key. ``due.order``'s key has its leading numbers packed
    into one int below 2**30, which sorting compares fastest: by round (the default), not
    round, then the day (an ordinal, below 2**22), then the highest rank (0..63) first; by
    rank, the rank and then the day; by date, the day and then the rank. ``_key_low`` gives
    the day's part; the two are or-ed."""
    low = 63 - rank
    if not 0 <= low <= 63:
        raise Fallback
    if how == "round":
        return (not is_round) << 28 | low
    return low << 22 if how == "rank" else low


def _key_low(how: str, o: int) -> int:
    """The day's part of a row's sort key (see ``_key_high``)."""
    return o if how == "rank" else o << 6


# The window index's arrays the quick path reads (a quick record holds the event's Gregorian day).
QUICK_ARRAYS = tuple(name for name in cache.WINDOW_ARRAYS if name != "greg_of")

# The slots of every row template and the fields of its runs, as ``render.run_template`` lays
# them out today; an index written otherwise is left to the full path.
SLOTS = ("title", "date", "counted", "daily")
RUNS = {
    "counted": ("kind", "kind", "count", "ordinal", "label", "milestone", "round", "rank"),
    "daily": ("weekday", "days_until"),
}


def _columns(env: "Any") -> int:
    """``cli.Context.columns``: ``COLUMNS`` when it is at least 40, else the terminal's."""
    text = env.get("COLUMNS", "")
    if text.isdigit() and int(text) >= 40:
        return int(text)
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def main_exit(added: "Iterable[str]" = ()) -> None:
    """The command's entry point: the quick path, else the full command line.

    A quick answer is a short-lived process that makes no cycles worth collecting and holds
    nothing that needs closing, so the collector stays off and, once the output is flushed,
    the process exits without the interpreter's teardown (a few milliseconds).

    The command's launcher starts Python without the site module (``-S``) and puts the
    packages folders ``added`` on ``sys.path`` itself (``anniv/anniv-py``). The full command
    line runs the site module after all, so that it finds the libraries it needs where site
    would (a user's site folder, .pth files), on the path site would make."""
    import gc

    gc.disable()
    status = run(sys.argv[1:], _environ(), sys.stdout, sys.stderr)
    if status is None:
        gc.enable()
        if sys.flags.no_site and "site" not in sys.modules:
            for entry in added:
                if entry in sys.path:
                    sys.path.remove(entry)
            import site

            site.main()
        from anniv.cli import main

        sys.exit(main(quick=False))
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (anniv due | head): not an error
        pass
    _system._exit(status)


def _environ() -> "Any":
    """``os.environ``, or, when nothing has imported os (the launcher's ``-S``), the same
    strings decoded from ``posix.environ`` as os decodes them."""
    loaded = sys.modules.get("os")
    if loaded is not None:
        return loaded.environ
    code, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
    return {k.decode(code, errors): v.decode(code, errors) for k, v in _system.environ.items()}
