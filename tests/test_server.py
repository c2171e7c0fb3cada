"""The feed server on a random loopback port: headers, conditional requests, refusals, the
filter cache, reloading after an edit, the index page, and the WSGI entry point."""

from __future__ import annotations

import http.client
import io
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from anniv import ics, server
from anniv.catalog import load_catalog

DATA = Path(__file__).parent / "data" / "feeds" / "calendars"
TODAY = date(2025, 10, 1)


class FakeMonotonic:
    """A monotonic clock the test moves by hand (the data check runs at most once a second)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingService(server.FeedService):
    """Counts how often a request reached the data (refused paths must not)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data_lookups = 0

    def current(self) -> Any:
        self.data_lookups += 1
        return super().current()


class Running:
    def __init__(self, data: Path, service: CountingService, clock: FakeMonotonic, log: io.StringIO, port: int) -> None:
        self.data, self.service, self.clock, self.log, self.port = data, service, clock, log, port

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def raw(self, data: bytes) -> tuple[int, bytes]:
        """Send bytes as they are (http.client refuses some of the paths worth trying)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(data)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        reply = b"".join(chunks)
        m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
        assert m, reply[:200]
        return int(m.group(1)), reply


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Running]:
    data = tmp_path / "calendars"
    shutil.copytree(DATA, data)
    clock = FakeMonotonic()
    log = io.StringIO()
    service = CountingService(data, lambda: TODAY, use_cache=False, monotonic=clock, log=log)
    httpd = server.make_server("127.0.0.1", 0, server.FeedApp(service), log=log)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Running(data, service, clock, log, httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_feed_headers_and_bytes_match_the_export(live: Running) -> None:
    status, h, body = live.request("GET", "/korean-war.ics")
    assert status == 200
    assert h["content-type"] == "text/calendar; charset=utf-8"
    assert re.fullmatch(r'"[0-9a-f]{40}"', h["etag"])  # strong: no W/
    assert int(h["content-length"]) == len(body)
    assert parsedate_to_datetime(h["last-modified"]).tzinfo is not None
    cat = load_catalog(live.data, use_cache=False)
    start, end = ics.horizon(TODAY)
    expected = next(f for f in ics.build_feeds(cat, start, end, TODAY) if f.spec.name == "korean-war")
    assert body == expected.body
    assert Calendar.from_ical(body).errors == []


def test_head_has_the_headers_and_no_body(live: Running) -> None:
    _, got, body = live.request("GET", "/all.ics")
    status, h, empty = live.request("HEAD", "/all.ics")
    assert status == 200 and empty == b""
    assert (h["etag"], h["content-length"], h["content-type"]) == (got["etag"], str(len(body)), got["content-type"])


INM_CASES = [
    ("exact", "{etag}", 304),
    ("in-a-list", '"nope", {etag}, "other"', 304),
    ("weak-form", "W/{etag}", 304),
    ("star", "*", 304),
    ("other-tag", '"0000"', 200),
    ("unquoted", "{bare}", 200),
    ("malformed", '"unterminated', 200),
    ("garbage-before", "xx {etag}", 200),
]


@pytest.mark.parametrize(("value", "want"), [c[1:] for c in INM_CASES], ids=[c[0] for c in INM_CASES])
def test_if_none_match(live: Running, value: str, want: int) -> None:
    _, h, _ = live.request("GET", "/korean-war.ics")
    etag = h["etag"]
    status, h2, body = live.request(
        "GET", "/korean-war.ics", {"If-None-Match": value.format(etag=etag, bare=etag.strip('"'))}
    )
    assert status == want
    if want == 304:
        assert body == b"" and h2["etag"] == etag and "last-modified" in h2


def test_if_modified_since(live: Running) -> None:
    _, h, _ = live.request("GET", "/korean-war.ics")
    status, _, body = live.request("GET", "/korean-war.ics", {"If-Modified-Since": h["last-modified"]})
    assert (status, body) == (304, b"")
    status, _, _ = live.request("GET", "/korean-war.ics", {"If-Modified-Since": "Thu, 01 Jan 1998 00:00:00 GMT"})
    assert status == 200
    # If-None-Match wins over If-Modified-Since
    status, _, _ = live.request(
        "GET", "/korean-war.ics", {"If-Modified-Since": h["last-modified"], "If-None-Match": '"x"'}
    )
    assert status == 200


@pytest.mark.parametrize(
    "path",
    ["/nope.ics", "/favicon.ico", "/calendars/korean-war.yaml", "/korean-war.yaml", "/KOREAN-WAR.ics", "/all.ics/"],
    ids=lambda p: p,
)
def test_unknown_paths_are_404(live: Running, path: str) -> None:
    status, h, body = live.request("GET", path)
    assert status == 404 and h["content-type"].startswith("text/plain") and b"calendar:" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
def test_only_get_and_head(live: Running, method: str) -> None:
    status, h, _ = live.request(method, "/all.ics")
    assert status == 405 and h["allow"] == "GET, HEAD"


TRAVERSALS = [
    ("dotdot", b"/../calendars/korean-war.yaml"),
    ("encoded-dots", b"/%2e%2e/calendars/korean-war.yaml"),
    ("encoded-dots-upper", b"/%2E%2E%2Fcalendars%2Fkorean-war.yaml"),
    ("encoded-slash", b"/..%2fcalendars%2fkorean-war.yaml"),
    ("half-encoded", b"/.%2e/etc/passwd"),
    ("backslash", b"/..\\calendars\\korean-war.yaml"),
    ("encoded-backslash", b"/%5c..%5ckorean-war.yaml"),
    ("nul-encoded", b"/all.ics%00.yaml"),
    ("double-slash", b"//etc/passwd"),
    ("dot-segment-feed", b"/x/../all.ics"),
]


@pytest.mark.parametrize("path", [c[1] for c in TRAVERSALS], ids=[c[0] for c in TRAVERSALS])
def test_traversal_attempts_are_refused_before_any_lookup(live: Running, path: bytes) -> None:
    status, reply = live.raw(b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status in (400, 404)
    assert b"calendar:" not in reply and b"root:" not in reply
    assert live.service.data_lookups == 0


LIMITS = [
    ("unknown-parameter", "/all.ics?evil=1", 400),
    ("bad-tag", "/all.ics?tag=CHINA", 400),
    ("tag-with-nul", "/all.ics?tag=china%00", 400),
    ("bad-round", "/all.ics?round=maybe", 400),
    ("round-twice", "/all.ics?round=1&round=0", 400),
    ("bad-lang", "/all.ics?lang=fr", 400),
    ("alarms-too-far", "/all.ics?alarms=999", 400),
    ("too-many-tags", "/all.ics?" + "&".join(f"tag=t{i}" for i in range(12)), 400),
    ("long-query", "/all.ics?tag=" + "a" * 600, 414),
    ("long-uri", "/" + "a" * 3000 + ".ics", 414),
    ("unknown-tag", "/all.ics?tag=no-such-tag", 404),
    ("unknown-calendar", "/all.ics?calendar=nope", 404),
]


@pytest.mark.parametrize(("path", "want"), [c[1:] for c in LIMITS], ids=[c[0] for c in LIMITS])
def test_query_and_uri_limits(live: Running, path: str, want: int) -> None:
    status, _, _ = live.request("GET", path)
    assert status == want


def test_request_line_and_header_limits(live: Running) -> None:
    status, _ = live.raw(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(80))
    status, _ = live.raw(b"GET /all.ics HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert status == 431
    status, _ = live.raw(b"GET /all.ics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    assert status == 431


def test_filters_are_built_once_and_cached(live: Running) -> None:
    status, h1, body = live.request("GET", "/all.ics?tag=china&round=1")
    assert status == 200
    builds = live.service.builds
    status, h2, body2 = live.request("GET", "/all.ics?round=1&tag=china")  # same filter, other order
    assert (status, h2["etag"], body2) == (200, h1["etag"], body)
    assert live.service.builds == builds
    cal = Calendar.from_ical(body)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert uids and all(u.startswith(("cpv-entry-", "confucius-birth-")) for u in uids)
    assert all(re.search(r"-(\d+)@", u) and int(re.search(r"-(\d+)@", u).group(1)) % 5 == 0 for u in uids)  # type: ignore[union-attr]
    assert "(tag china\\; round only)" in str(cal["X-WR-CALNAME"])  # icalendar leaves X- values escaped
    _, h3, _ = live.request("GET", "/all.ics?tag=china")
    assert h3["etag"] != h1["etag"] and live.service.builds == builds + 1


def test_filters_change_language_and_alarms(live: Running) -> None:
    _, _, body = live.request("GET", "/korean-war.ics?lang=ko&alarms=14")
    text = body.decode("utf-8")
    assert "SUMMARY:제75주년: 중국인민지원군 참전 (1950)" in text and "TRIGGER:-P14D" in text


def test_edits_are_served_without_a_restart_and_last_modified_never_goes_back(live: Running) -> None:
    _, h1, body1 = live.request("GET", "/korean-war.ics")
    loads = live.service.loads
    path = live.data / "korean-war.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "title: Korean Armistice Agreement signed", "title: Armistice signed at Panmunjom"
        ),
        encoding="utf-8",
    )
    import os

    os.utime(path, (1_000_000_000, 1_000_000_000))  # an mtime far in the past (a restored backup)
    live.clock.now += 0.5  # within the second: the folder is not looked at again
    _, h2, _ = live.request("GET", "/korean-war.ics")
    assert h2["etag"] == h1["etag"] and live.service.loads == loads
    live.clock.now += 1.0
    _, h3, body3 = live.request("GET", "/korean-war.ics")
    assert live.service.loads == loads + 1
    assert h3["etag"] != h1["etag"] and b"Armistice signed at Panmunjom" in body3 and body3 != body1
    assert parsedate_to_datetime(h3["last-modified"]) > parsedate_to_datetime(h1["last-modified"])
    status, _, _ = live.request("GET", "/korean-war.ics", {"If-None-Match": h1["etag"]})
    assert status == 200
    # an unchanged feed keeps its ETag and Last-Modified across the reload
    _, w1, _ = live.request("GET", "/world.ics")
    live.clock.now += 2.0
    _, w2, _ = live.request("GET", "/world.ics")
    assert (w1["etag"], w1["last-modified"]) == (w2["etag"], w2["last-modified"])


def test_a_broken_edit_keeps_the_good_files_serving(live: Running) -> None:
    (live.data / "world.yaml").write_text("calendar: [broken\n", encoding="utf-8")
    live.clock.now += 5
    status, _, _ = live.request("GET", "/korean-war.ics")
    assert status == 200
    assert "skipped 1 file(s) with errors" in live.log.getvalue()


def test_index_page(live: Running) -> None:
    status, h, body = live.request("GET", "/")
    page = body.decode("utf-8")
    assert status == 200 and h["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in h["content-security-policy"]
    base = f"127.0.0.1:{live.port}"
    assert f'href="webcal://{base}/korean-war.ics"' in page and f'href="http://{base}/all.ics"' in page
    assert f'value="http://{base}/milestones.ics"' in page
    assert "75th anniversary: China enters the Korean War (1950)" in page  # 25 Oct is within 60 days of 1 Oct
    assert "Korean War, fixtures; for feeds" in page
    assert "armistice" not in re.search(r'<ol id="upcoming">(.*?)</ol>', page, re.S).group(1)  # type: ignore[union-attr]  # 72nd: not round


def test_index_page_escapes_data_and_host(live: Running) -> None:
    path = live.data / "world.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: World fixtures", "name: '<script>alert(1)</script> & \"q\"'"),
        encoding="utf-8",
    )
    live.clock.now += 5
    _, _, body = live.request("GET", "/", {"Host": 'evil.example"><script>x()</script>'})
    page = body.decode("utf-8")
    assert (
        "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;" in page
    )
    assert "evil.example" not in page and "<script>x()" not in page


def test_index_json_lists_every_feed(live: Running) -> None:
    import json

    _, h, body = live.request("GET", "/index.json")
    doc = json.loads(body)
    assert h["content-type"].startswith("application/json")
    assert {f["name"] for f in doc["feeds"]} >= {"korean-war", "world", "all", "milestones", "tag-china"}


def test_one_log_line_per_request(live: Running) -> None:
    paths = ["/", "/all.ics", "/nope.ics", "/all.ics?evil=1"]
    for p in paths:
        live.request("GET", p)
    live.raw(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
    # a line is written once the response is sent, which may be just after the client has it
    deadline = time.monotonic() + 5
    while len(live.log.getvalue().splitlines()) < len(paths) + 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    lines = live.log.getvalue().splitlines()
    assert len(lines) == len(paths) + 1
    assert any('"GET /all.ics HTTP/1.1" 200' in ln for ln in lines) and any(
        '"GET /nope.ics HTTP/1.1" 404' in ln for ln in lines
    )
    assert any('" 414 ' in ln for ln in lines)


def test_concurrent_requests_agree(live: Running) -> None:
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def fetch() -> None:
        status, h, _ = live.request("GET", "/all.ics?round=1")
        with lock:
            results.append((status, h["etag"]))

    threads = [threading.Thread(target=fetch) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 16 and len(set(results)) == 1 and results[0][0] == 200


def test_wsgi_entry_point_reads_anniv_data(monkeypatch: pytest.MonkeyPatch) -> None:
    from wsgiref.util import setup_testing_defaults

    monkeypatch.setenv("ANNIV_DATA", str(DATA))
    monkeypatch.setenv("ANNIV_BASE_URL", "https://feeds.example.org")
    monkeypatch.setattr(server, "_default", None)
    env: dict[str, Any] = {"PATH_INFO": "/", "REQUEST_METHOD": "GET"}
    setup_testing_defaults(env)
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> Callable[[bytes], None]:
        got["status"], got["headers"] = status, dict(headers)
        return lambda b: None

    page = b"".join(server.app(env, start_response)).decode("utf-8")
    assert got["status"] == "200 OK"
    assert 'href="webcal://feeds.example.org/korean-war.ics"' in page
    env = {"PATH_INFO": "/all.ics", "REQUEST_METHOD": "HEAD"}
    setup_testing_defaults(env)
    assert b"".join(server.app(env, start_response)) == b"" and got["headers"]["Content-Type"] == server.FEED_TYPE
    monkeypatch.setattr(server, "_default", None)


ETAG_CASES = [
    ('"abc"', True),
    ('W/"abc"', True),
    ('"x", "abc"', True),
    ("*", True),
    ('"abcd"', False),
    ("abc", False),
    ('"abc', False),
    ("", False),
    (", ,", False),
]


@pytest.mark.parametrize(("header", "match"), ETAG_CASES, ids=[c[0] or "empty" for c in ETAG_CASES])
def test_etag_matching_rules(header: str, match: bool) -> None:
    assert server.etag_matches(header, '"abc"') is match
