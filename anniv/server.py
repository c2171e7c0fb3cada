"""The feed server: every feed at ``/NAME.ics``, an HTML index at ``/``, as a WSGI application.

``FeedApp`` is a plain WSGI callable (run it under gunicorn or any WSGI server);
``make_server`` runs it on the standard library's threading WSGI server for ``anniv serve``.
The module-level ``app`` builds a ``FeedApp`` from ``ANNIV_DATA`` on first use, for
``gunicorn anniv.server:app``.

Rules the server keeps:

- Only names in the served set are answered (feeds of the catalogue, ``/``, ``/index.html``,
  ``/index.json``). A path is never mapped to a file, so ``..``, encoded dots and slashes,
  backslashes and NUL are refused (400) before any lookup, and anything else unknown is 404.
- Feeds are built in memory, once per (feed, filter, language, alarm) and cached (LRU) until
  the data changes. The data folder's ``*.yaml`` files are compared by (name, mtime, size) at
  most once a second, so an edit is served without a restart.
- ETag is the SHA-256 of the bytes (strong). ``If-None-Match`` (lists, weak tags and ``*``
  compared weakly, as RFC 9110 says; malformed values never match) gives 304; without it,
  ``If-Modified-Since`` does. Last-Modified starts at the newest data file's mtime and only
  ever moves forward for a given URL while the process runs.
- Limits: request line 8 KiB (414), URI 2 KiB (414), query 512 bytes (414), at most 64
  header lines and 16 KiB of headers (431), known query parameters only, validated (400).
- Only GET and HEAD (405 with ``Allow`` otherwise). One log line per request.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import sys
import threading
import time
import traceback
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import IO, TYPE_CHECKING, Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from anniv import engine, ics
from anniv.errors import AnnivError

if TYPE_CHECKING:
    from anniv.catalog import Catalog

StartResponse = Callable[..., Any]

MAX_REQUEST_LINE = 8192
MAX_URI = 2048
MAX_QUERY = 512
MAX_HEADER_LINES = 64
MAX_HEADER_BYTES = 16384
MAX_FILTER_VALUES = 8
MAX_CACHED_FEEDS = 128
MAX_WRITERS = 8
UPCOMING_DAYS = 60
CHECK_INTERVAL = 1.0
FEED_TYPE = "text/calendar; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_NAME = re.compile(r"^/([a-z0-9][a-z0-9-]{0,119})\.ics$")
_VALUE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$")
_ETAG = re.compile(r'\s*(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
_BAD_RAW = ("..", "%2e", "%2f", "%5c", "%00", "\\", "\x00")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class HTTPError(Exception):
    """A request the server refuses: status code and a short message for the body."""

    def __init__(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


_REASONS = {
    200: "OK",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Filter:
    """The query part of a feed URL: ``?tag=china&tag=japan&calendar=korea&round=1&lang=ko&alarms=14``.
    Tags (any of them) and calendars narrow the feed; ``round`` keeps round anniversaries;
    ``lang`` and ``alarms`` change how entries are written. Values are sorted and de-duplicated
    so equal filters share one cache entry."""

    tags: tuple[str, ...] = ()
    calendars: tuple[str, ...] = ()
    round_only: bool = False
    lang: str | None = None
    alarms: int | None = None

    @property
    def narrows(self) -> bool:
        return bool(self.tags or self.calendars or self.round_only)

    def spec(self) -> ics.FeedSpec:
        return ics.FeedSpec("", "filter", "", "", self.calendars, self.tags, self.round_only)

    def describe(self) -> str:
        parts = []
        if self.tags:
            parts.append("tag " + " or ".join(self.tags))
        if self.calendars:
            parts.append("calendar " + " or ".join(self.calendars))
        if self.round_only:
            parts.append("round only")
        return "; ".join(parts)


def parse_query(query: str) -> Filter:
    """Read a feed URL's query string; anything unknown, repeated where it must be single,
    malformed or too long is a 400 (414 for an oversized query)."""
    if len(query) > MAX_QUERY:
        raise HTTPError(414, f"query string longer than {MAX_QUERY} bytes")
    if not query:
        return Filter()
    try:
        pairs = urllib.parse.parse_qsl(
            query, keep_blank_values=True, max_num_fields=2 * MAX_FILTER_VALUES, errors="strict"
        )
    except (ValueError, UnicodeDecodeError):
        raise HTTPError(400, "malformed query string or too many parameters") from None
    tags: set[str] = set()
    cals: set[str] = set()
    single: dict[str, str] = {}
    for key, value in pairs:
        if key in ("tag", "calendar"):
            if not _VALUE.match(value):
                raise HTTPError(400, f"{key} must be lowercase letters, digits and hyphens")
            (tags if key == "tag" else cals).add(value)
        elif key in ("round", "lang", "alarms"):
            if key in single:
                raise HTTPError(400, f"{key} given twice")
            single[key] = value
        else:
            raise HTTPError(400, "unknown query parameter; use tag, calendar, round, lang or alarms")
    if len(tags) > MAX_FILTER_VALUES or len(cals) > MAX_FILTER_VALUES:
        raise HTTPError(400, f"at most {MAX_FILTER_VALUES} tags and {MAX_FILTER_VALUES} calendars")
    round_text = single.get("round", "0").lower() or "1"
    if round_text not in _TRUE + _FALSE:
        raise HTTPError(400, "round must be 1 or 0")
    lang = single.get("lang")
    if lang is not None and lang not in ics.LANGS:
        raise HTTPError(400, f"lang must be one of {', '.join(ics.LANGS)}")
    alarms: int | None = None
    if "alarms" in single:
        text = single["alarms"]
        if not re.fullmatch(r"\d{1,3}", text) or int(text) > ics.MAX_ALARM_DAYS:
            raise HTTPError(400, f"alarms must be a number of days from 0 to {ics.MAX_ALARM_DAYS}")
        alarms = int(text)
    return Filter(tuple(sorted(tags)), tuple(sorted(cals)), round_text in _TRUE, lang, alarms)


def etag_matches(header: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag``: ``*`` matches any current
    representation; otherwise each listed entity-tag is compared weakly (``W/"x"`` matches
    ``"x"``). A malformed list matches nothing, so the client simply gets the full response."""
    value = header.strip()
    if value == "*":
        return True
    want = etag.strip('"')
    pos = 0
    while pos < len(value):
        m = _ETAG.match(value, pos)
        if m is None:
            return False
        if m.group(1) == want:
            return True
        pos = m.end()
    return False


@dataclass(frozen=True, slots=True)
class Rendered:
    """A finished representation: bytes, content type, ETag, Last-Modified (epoch seconds)."""

    body: bytes
    content_type: str
    etag: str
    last_modified: int
    entries: int = 0


@dataclass
class _Data:
    """One loaded version of the data folder and what is derived from it."""

    catalog: Catalog
    signature: tuple[tuple[str, int, int], ...]
    newest_mtime: int
    window: tuple[date, date]
    specs: dict[str, ics.FeedSpec]
    index: ics.FeedIndex
    writers: OrderedDict[tuple[str, int | None], ics.Writer] = field(default_factory=OrderedDict)


class FeedService:
    """Feeds and pages for the current data, built on demand and cached; thread-safe.

    ``today`` is the server's clock (called per request; whole-year horizons mean feeds change
    only on 1 January or when the data changes). ``monotonic`` paces the data check and
    ``wall`` caps Last-Modified; both are arguments so tests need no patching.
    """

    def __init__(
        self,
        data_dir: Path,
        today: Callable[[], date],
        *,
        lang: str = "en",
        alarms: int | None = None,
        horizon_years: tuple[int, int] = (ics.DEFAULT_BACK_YEARS, ics.DEFAULT_AHEAD_YEARS),
        use_cache: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        log: IO[str] | None = None,
        check_interval: float = CHECK_INTERVAL,
    ) -> None:
        if lang not in ics.LANGS:
            raise AnnivError(f"unknown language {lang!r}")
        self.data_dir = data_dir
        self.today = today
        self.lang = lang
        self.alarms = alarms
        self.horizon_years = horizon_years
        self.use_cache = use_cache
        self.monotonic = monotonic
        self.wall = wall
        self.log = log if log is not None else sys.stderr
        self.check_interval = check_interval
        self.loads = 0  # how many times the catalogue was (re)loaded: tests read it
        self.builds = 0  # how many representations were built (cache misses)
        self._lock = threading.RLock()
        self._data: _Data | None = None
        self._checked_at = float("-inf")
        self._cache: OrderedDict[tuple[Any, ...], Rendered] = OrderedDict()
        self._stamps: dict[tuple[Any, ...], tuple[str, int]] = {}

    # -- data ----------------------------------------------------------------------------

    def signature(self) -> tuple[tuple[tuple[str, int, int], ...], int]:
        """(name, mtime_ns, size) of every calendar file, and the newest mtime in seconds."""
        items: list[tuple[str, int, int]] = []
        newest = 0
        try:
            with os.scandir(self.data_dir) as it:
                for entry in it:
                    if entry.name.startswith(".") or not entry.name.endswith((".yaml", ".yml")):
                        continue
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    items.append((entry.name, st.st_mtime_ns, st.st_size))
                    newest = max(newest, int(st.st_mtime))
        except OSError as exc:
            raise AnnivError(f"{self.data_dir}: cannot read the data folder ({exc.strerror or exc})") from None
        return tuple(sorted(items)), newest

    def current(self) -> _Data:
        """The loaded data, reloaded when the folder changed (checked at most once per
        ``check_interval``) or when the horizon moved to a new year. A reload that fails
        keeps serving the previous version and says so in the log."""
        with self._lock:
            now = self.monotonic()
            data = self._data
            window = ics.horizon(self.today(), *self.horizon_years)
            if data is not None and now - self._checked_at < self.check_interval and data.window == window:
                return data
            self._checked_at = now
            try:
                sig, newest = self.signature()
                if data is not None and sig == data.signature and data.window == window:
                    return data
                data = self._load(sig, newest, window)
            except AnnivError as exc:
                if self._data is None:
                    raise
                self.log.write(f"anniv serve: keeping the previous data: {exc.message}\n")
                return self._data
            self._data = data
            self._cache.clear()
            return data

    def _load(self, sig: tuple[tuple[str, int, int], ...], newest: int, window: tuple[date, date]) -> _Data:
        from anniv.catalog import load_catalog, require_clean

        cat = require_clean(load_catalog(self.data_dir, use_cache=self.use_cache))
        if cat.broken:
            self.log.write(
                f"anniv serve: skipped {len(cat.broken)} file(s) with errors: {', '.join(cat.broken)} (run 'anniv check')\n"
            )
        specs = {s.name: s for s in ics.feed_specs(cat, self.lang)}
        found = ics.dated_anniversaries(cat, window[0], window[1], self.today())
        self.loads += 1
        return _Data(cat, sig, newest, window, specs, ics.FeedIndex(found))

    # -- representations -------------------------------------------------------------------

    def _writer(self, data: _Data, lang: str, alarms: int | None) -> ics.Writer:
        key = (lang, alarms)
        w = data.writers.get(key)
        if w is None:
            w = ics.Writer(lang, alarms)
            data.writers[key] = w
            while len(data.writers) > MAX_WRITERS:
                data.writers.popitem(last=False)
        else:
            data.writers.move_to_end(key)
        return w

    def _stamp(self, key: tuple[Any, ...], etag: str, newest: int) -> int:
        """Last-Modified for ``key``: the newest data file's mtime the first time, kept while
        the ETag stays, and moved forward (never back) when the bytes change."""
        now = int(self.wall())
        prev = self._stamps.get(key)
        base = min(newest, now) if newest else now
        if prev is None:
            lm = base
        elif prev[0] == etag:
            lm = prev[1]
        else:
            lm = max(prev[1] + 1, base)
        if len(self._stamps) > 4 * MAX_CACHED_FEEDS and key not in self._stamps:
            self._stamps.pop(next(iter(self._stamps)))
        self._stamps[key] = (etag, lm)
        return lm

    def _remember(self, key: tuple[Any, ...], body: bytes, ctype: str, newest: int, entries: int) -> Rendered:
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        r = Rendered(body, ctype, etag, self._stamp(key, etag, newest), entries)
        self._cache[key] = r
        while len(self._cache) > MAX_CACHED_FEEDS:
            self._cache.popitem(last=False)
        self.builds += 1
        return r

    def _cached(self, key: tuple[Any, ...]) -> Rendered | None:
        r = self._cache.get(key)
        if r is not None:
            self._cache.move_to_end(key)
        return r

    def feed(self, name: str, filt: Filter = Filter()) -> Rendered:
        """The feed ``name`` narrowed by ``filt``; 404 for an unknown feed, tag or calendar."""
        with self._lock:
            data = self.current()
            spec = data.specs.get(name)
            if spec is None:
                raise HTTPError(404, f"no feed named {name!r}; see / for the list")
            unknown_tags = [t for t in filt.tags if f"tag-{t}" not in data.specs]
            unknown_cals = [c for c in filt.calendars if data.catalog.calendar(c) is None]
            if unknown_tags or unknown_cals:
                raise HTTPError(404, f"no such tag or calendar: {', '.join(unknown_tags + unknown_cals)}")
            lang = filt.lang or self.lang
            alarms = filt.alarms if filt.alarms is not None else self.alarms
            key = ("feed", name, filt.tags, filt.calendars, filt.round_only, lang, alarms)
            hit = self._cached(key)
            if hit is not None:
                return hit
            chosen = data.index.select(spec)
            title, desc = spec.title, spec.description
            if lang != self.lang:
                local = {s.name: s for s in ics.feed_specs(data.catalog, lang)}[name]
                title, desc = local.title, local.description
            if filt.narrows:
                extra = filt.spec()
                chosen = [a for a in chosen if extra.selects(a)]
                title = f"{title} ({filt.describe()})"
                desc = f"{desc} Filtered: {filt.describe()}."
            body, count = self._writer(data, lang, alarms).calendar(title, desc, chosen)
            return self._remember(key, body, FEED_TYPE, data.newest_mtime, count)

    def index_json(self) -> Rendered:
        with self._lock:
            data = self.current()
            key = ("index.json",)
            hit = self._cached(key)
            if hit is not None:
                return hit
            feeds = [
                {
                    "name": s.name,
                    "file": f"{s.name}.ics",
                    "kind": s.kind,
                    "title": s.title,
                    "description": s.description,
                    "events": len(data.index.select(s)),
                }
                for s in data.specs.values()
            ]
            doc = {
                "generator": "anniv",
                "window": {"start": data.window[0].isoformat(), "end": data.window[1].isoformat()},
                "feeds": feeds,
            }
            body = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            return self._remember(key, body, "application/json; charset=utf-8", data.newest_mtime, len(feeds))

    def index_page(self, base_url: str) -> Rendered:
        with self._lock:
            data = self.current()
            today = self.today()
            key = ("index", base_url, today)
            hit = self._cached(key)
            if hit is not None:
                return hit
            q = engine.Query(today, today + timedelta(days=UPCOMING_DAYS - 1), today, round_only=True, partial=False)
            upcoming = [a for a in data.catalog.query(q) if a.precision == "day"]
            counts = {name: len(data.index.select(s)) for name, s in data.specs.items()}
            body = render_index(list(data.specs.values()), counts, upcoming, base_url, data.window, today).encode(
                "utf-8"
            )
            return self._remember(key, body, HTML_TYPE, data.newest_mtime, len(upcoming))


# --- the HTML index -----------------------------------------------------------------------------

_STYLE = (
    "body{font:16px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}"
    "h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}"
    "table{border-collapse:collapse;width:100%}td,th{padding:.35rem .4rem;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}"
    "input.subscribe-url{width:20rem;max-width:100%;font:inherit;font-size:.85rem}"
    ".round{font-weight:600}.muted{color:#666;font-size:.9rem}"
)
_SCRIPT = (
    "document.querySelectorAll('button.copy').forEach(function(b){"
    "b.addEventListener('click',function(){"
    "var i=document.getElementById(b.getAttribute('data-for'));i.focus();i.select();"
    "var done=function(){b.textContent='Copied';};"
    "if(navigator.clipboard){navigator.clipboard.writeText(i.value).then(done,function(){document.execCommand('copy');done();});}"
    "else{document.execCommand('copy');done();}});});"
)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = (
    f"default-src 'none'; style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(_SCRIPT)}; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def render_index(
    specs: list[ics.FeedSpec],
    counts: dict[str, int],
    upcoming: list[engine.Anniversary],
    base_url: str,
    window: tuple[date, date],
    today: date,
) -> str:
    """The page for people: every feed with its webcal:// and https links and a field to copy
    the address from, then the round anniversaries of the next 60 days. Every piece of data
    is HTML-escaped."""
    e = html.escape
    webcal_base = re.sub(r"^https?://", "webcal://", base_url)
    rows = []
    for i, s in enumerate(specs):
        url = f"{base_url}{s.name}.ics"
        rows.append(
            f'<tr class="feed" data-feed="{e(s.name)}"><td><strong>{e(s.title)}</strong><br>'
            f'<span class="muted">{e(s.description)} ({counts.get(s.name, 0):,} entries)</span></td>'
            f'<td><a class="webcal" href="{e(webcal_base + s.name + ".ics")}">Subscribe</a> · '
            f'<a class="https" href="{e(url)}">{e(s.name)}.ics</a></td>'
            f'<td><input class="subscribe-url" id="u{i}" type="text" readonly value="{e(url)}" aria-label="address of {e(s.title)}"> '
            f'<button type="button" class="copy" data-for="u{i}">Copy</button></td></tr>'
        )
    items = []
    for a in upcoming:
        cls = "upcoming round" if a.tier >= 2 else "upcoming"
        items.append(
            f'<li class="{cls}" data-uid="{e(ics.uid(a))}"><time datetime="{a.date.isoformat()}">{a.date.strftime("%a %d %b %Y")}</time> — '
            f'{e(ics.summary(a))} <span class="muted">({e(a.event.calendar_id)})</span></li>'
        )
    upcoming_html = "\n".join(items) if items else '<li class="none">No round anniversaries in the next 60 days.</li>'
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>anniv — anniversary feeds</title><style>{_STYLE}</style></head>\n<body>\n"
        "<h1>Anniversary feeds</h1>\n"
        f"<p>Subscribe to a feed in your calendar app with its address (Google: “From URL”; Apple and Thunderbird: the webcal link; Outlook: “Subscribe from web”). "
        f"Feeds cover {window[0].isoformat()} to {window[1].isoformat()} and ask to be refreshed daily. "
        "Narrow any feed with <code>?tag=…</code>, <code>?calendar=…</code>, <code>?round=1</code>; add <code>?alarms=14</code> for reminders.</p>\n"
        '<h2 id="feeds-heading">Feeds</h2>\n<table id="feeds"><tbody>\n' + "\n".join(rows) + "\n</tbody></table>\n"
        f'<h2 id="upcoming-heading">Round anniversaries in the next {UPCOMING_DAYS} days (from {today.isoformat()})</h2>\n'
        f'<ol id="upcoming">\n{upcoming_html}\n</ol>\n'
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )


# --- WSGI ---------------------------------------------------------------------------------------


class FeedApp:
    """The WSGI application. ``base_url`` (``https://feeds.example.org/``) fixes the
    addresses on the index page; without it they come from the request's Host header
    (when it looks like a host name) or the server's own name."""

    def __init__(self, service: FeedService, base_url: str | None = None) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/") + "/" if base_url else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        try:
            status, headers, body = self.respond(environ, method)
        except HTTPError as exc:
            status, headers, body = _error(exc)
        except AnnivError as exc:
            status, headers, body = _error(HTTPError(503, f"the data cannot be loaded: {exc.message}"))
        except Exception:  # the server must answer, and the log gets the details
            traceback.print_exc(file=self.service.log)
            status, headers, body = _error(HTTPError(500, "internal error; see the server log"))
        start_response(f"{status} {_REASONS.get(status, '')}".strip(), headers)
        return [] if method == "HEAD" else [body]

    def respond(self, environ: dict[str, Any], method: str) -> tuple[int, list[tuple[str, str]], bytes]:
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        path_info = str(environ.get("PATH_INFO", ""))
        query = str(environ.get("QUERY_STRING", ""))
        if not raw:
            raw = urllib.parse.quote(path_info, safe="/:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
        raw = str(raw)
        if len(raw) > MAX_URI:
            raise HTTPError(414, f"request URI longer than {MAX_URI} bytes")
        header_items = [(k, str(v)) for k, v in environ.items() if k.startswith("HTTP_")]
        if len(header_items) > MAX_HEADER_LINES or sum(len(k) + len(v) for k, v in header_items) > MAX_HEADER_BYTES:
            raise HTTPError(431, "request headers too large")
        if method not in ("GET", "HEAD"):
            raise HTTPError(405, "only GET and HEAD", (("Allow", "GET, HEAD"),))
        raw_path = raw.split("?", 1)[0]
        lowered = raw_path.lower()
        if any(bad in lowered for bad in _BAD_RAW) or any(bad in path_info for bad in ("..", "\\", "\x00", "//")):
            raise HTTPError(
                400, "refused path: dot segments, encoded slashes or dots, backslashes and NUL are not served"
            )
        if not path_info.startswith("/"):
            raise HTTPError(400, "the path must start with /")
        if path_info in ("/", "/index.html"):
            rendered = self.service.index_page(self._base_url(environ))
        elif path_info == "/index.json":
            rendered = self.service.index_json()
        else:
            m = _NAME.match(path_info)
            if m is None:
                raise HTTPError(404, "not found; the feeds are listed at /")
            rendered = self.service.feed(m.group(1), parse_query(query))
        return self._conditional(environ, rendered)

    def _conditional(self, environ: dict[str, Any], r: Rendered) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = [
            ("ETag", r.etag),
            ("Last-Modified", formatdate(r.last_modified, usegmt=True)),
            ("Cache-Control", "public, max-age=300"),
        ]
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm is not None:
            if etag_matches(str(inm), r.etag):
                return 304, headers, b""
        else:
            ims = environ.get("HTTP_IF_MODIFIED_SINCE")
            if ims and _not_modified_since(str(ims), r.last_modified):
                return 304, headers, b""
        headers += [
            ("Content-Type", r.content_type),
            ("Content-Length", str(len(r.body))),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if r.content_type == HTML_TYPE:
            headers.append(("Content-Security-Policy", CSP))
            headers.append(("Vary", "Host"))
        else:
            headers.append(("Access-Control-Allow-Origin", "*"))
        return 200, headers, r.body

    def _base_url(self, environ: dict[str, Any]) -> str:
        if self.base_url:
            return self.base_url
        scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
        host = str(environ.get("HTTP_HOST", ""))
        if not _HOST.match(host):
            name = str(environ.get("SERVER_NAME", "localhost"))
            port = str(environ.get("SERVER_PORT", "80"))
            host = name if (scheme, port) in (("http", "80"), ("https", "443")) else f"{name}:{port}"
            if not _HOST.match(host):
                host = "localhost"
        return f"{scheme}://{host}/"


def _not_modified_since(header: str, last_modified: int) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return last_modified <= since.timestamp()


def _error(exc: HTTPError) -> tuple[int, list[tuple[str, str]], bytes]:
    body = f"{exc.status} {_REASONS.get(exc.status, '')}: {exc.message}\n".encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        *exc.headers,
    ]
    return exc.status, headers, body


# --- the standard-library server for `anniv serve` --------------------------------------------


class _Handler(WSGIRequestHandler):
    """wsgiref's handler with tighter limits, a raw URI for the app's checks, a socket
    timeout per read, a deadline for the whole request head (a client trickling a byte every
    few seconds is cut off after ``head_deadline`` seconds, not kept forever), and one log line
    per request."""

    timeout = 30
    head_deadline = 10.0

    def _cut(self) -> None:
        """Close the reading side of a client that has not sent its request head in time."""
        import socket

        try:
            self.connection.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    def handle(self) -> None:
        watchdog = threading.Timer(self.head_deadline, self._cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline = ""
                self.request_version = ""
                self.command = ""
                self.send_error(414, "Request line too long")
                return
            if not self.raw_requestline or not self.parse_request():
                return
        finally:
            watchdog.cancel()
        if (
            len(self.headers) > MAX_HEADER_LINES
            or sum(len(k) + len(v) for k, v in self.headers.items()) > MAX_HEADER_BYTES
        ):
            self.send_error(431, "Request header fields too large")
            return
        handler = ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)  # type: ignore[arg-type]
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def get_environ(self) -> dict[str, Any]:
        env: dict[str, Any] = super().get_environ()
        env["RAW_URI"] = self.path
        return env

    def get_stderr(self) -> Any:
        return getattr(self.server, "log", sys.stderr)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        """send_error also logs the request line; one line per request is enough."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        line = format % args
        clean = "".join(ch if " " <= ch < "\x7f" else f"\\x{ord(ch):02x}" for ch in line)
        log: IO[str] = getattr(self.server, "log", sys.stderr)
        log.write(f"{self.client_address[0]} - [{self.log_date_time_string()}] {clean}\n")
        log.flush()


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per connection, at most ``max_connections`` at once: past that a connection
    gets an immediate 503 instead of a thread, so a flood of idle clients cannot exhaust it."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    max_connections = 128
    log: IO[str] = sys.stderr

    def server_activate(self) -> None:
        super().server_activate()
        self._slots = threading.BoundedSemaphore(self.max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(host: str, port: int, app: Callable[..., Any], log: IO[str] | None = None) -> ThreadingWSGIServer:
    """A threading WSGI server bound to ``host``:``port`` (0 picks a free port)."""
    import socket

    cls: type[ThreadingWSGIServer] = ThreadingWSGIServer
    if ":" in host:
        cls = type("ThreadingWSGIServer6", (ThreadingWSGIServer,), {"address_family": socket.AF_INET6})
    server = cls((host, port), _Handler)
    server.set_app(app)
    server.log = log if log is not None else sys.stderr
    return server


# --- `gunicorn anniv.server:app` ------------------------------------------------------------

_default: FeedApp | None = None
_default_lock = threading.Lock()


def default_app() -> FeedApp:
    """The app for WSGI servers: data from ``ANNIV_DATA`` (else the bundled calendars),
    addresses from ``ANNIV_BASE_URL`` when set; the system date as the clock."""
    global _default
    with _default_lock:
        if _default is None:
            from anniv.catalog import bundled_data_dir

            data = Path(os.environ["ANNIV_DATA"]) if os.environ.get("ANNIV_DATA") else bundled_data_dir()
            service = FeedService(data, date.today, use_cache=os.environ.get("ANNIV_NO_CACHE") != "1")
            _default = FeedApp(service, os.environ.get("ANNIV_BASE_URL") or None)
        return _default


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """WSGI entry point: ``gunicorn anniv.server:app``."""
    return default_app()(environ, start_response)
