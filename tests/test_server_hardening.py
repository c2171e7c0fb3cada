"""The feed server under hostile and faulty conditions, over real loopback sockets.

Limits (request line, URI, query, headers), methods, path traversal in every encoding,
malformed ``If-None-Match``, slow clients, data files deleted and rewritten while requests are
served, and a bounded mixed load after which the server still answers with bounded memory.
Each test starts its own server on a free port; nothing reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

server_mod = pytest.importorskip("anniv.server")
icalendar = pytest.importorskip("icalendar")

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2025, 10, 25)
SEED = int(os.environ.get("ANNIV_LOAD_SEED", "20251025"))
LOAD_SECONDS = float(os.environ.get("ANNIV_LOAD_SECONDS", "3"))


def _calendar(folder: Path, cal_id: str, title: str = "Event", n: int = 5) -> None:
    lines = [f"calendar: {{id: {cal_id}, name: Calendar {cal_id}}}", "events:"]
    for i in range(n):
        lines.append(
            f"  - {{id: {cal_id}-{i}, title: {title} {i}, date: {1950 + i}-10-{20 + i % 8}, summary: s, "
            f"tags: [{'round' if i % 2 else 'other'}], sources: [{{title: t}}]}}"
        )
    text = "\n".join(lines) + "\n"
    tmp = folder / f".{cal_id}.tmp"
    tmp.write_text(text)
    tmp.replace(folder / f"{cal_id}.yaml")


@dataclass
class Running:
    port: int
    data: Path
    service: object
    log: io.StringIO


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Running]:
    data = tmp_path / "calendars"
    data.mkdir()
    _calendar(data, "cal-a")
    _calendar(data, "cal-b")
    log = io.StringIO()
    service = server_mod.FeedService(data, lambda: TODAY, use_cache=False, log=log, check_interval=0.0)
    httpd = server_mod.make_server("127.0.0.1", 0, server_mod.FeedApp(service), log=log)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Running(int(httpd.server_address[1]), data, service, log)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
    assert "Traceback" not in log.getvalue(), log.getvalue()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def raw(port: int, request: bytes, timeout: float = 15.0) -> Response:
    """Send ``request`` as it is and read the whole answer (the server closes after one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything we send
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    if not data.startswith(b"HTTP/"):
        # a request line without a version is HTTP/0.9: http.server answers with a bare body
        m09 = re.search(rb"Error code: (\d{3})", data)
        assert m09, f"no status in {data[:200]!r}"
        return Response(int(m09.group(1)), {}, data)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/\d\.\d (\d{3})", lines[0])
    assert m, f"no status line in {data[:200]!r}"
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Response(int(m.group(1)), headers, body)


def get(port: int, target: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return raw(
        port, f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode("latin-1")
    )


def feed_ok(r: Response) -> None:
    assert r.status == 200, r
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(r.body)
    assert cal.walk("VEVENT")
    assert (
        r.headers["etag"] == f'"{hashlib.sha256(r.body).hexdigest()}"'
        or r.headers["etag"].strip('"') in hashlib.sha256(r.body).hexdigest()
    )


# -- limits ---------------------------------------------------------------------------------------


def test_a_normal_request_works(served: Running) -> None:
    feed_ok(get(served.port, "/all.ics"))
    assert get(served.port, "/").status == 200
    assert get(served.port, "/index.json").status == 200


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /" + b"a" * 9000 + b".ics HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /" + b"a" * 3000 + b".ics HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /all.ics?" + b"tag=x&" * 100 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /all.ics HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(70)) + b"\r\n", 431),
        (b"GET /all.ics HTTP/1.1\r\nX-Big: " + b"v" * 17000 + b"\r\n\r\n", 431),
        (b"GET /all.ics?colour=red HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /all.ics?alarms=99999 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /all.ics?" + b"&".join(b"tag=t%d" % i for i in range(9)) + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ],
    ids=[
        "request-line-9k",
        "uri-3k",
        "query-600b",
        "70-headers",
        "17k-header",
        "unknown-param",
        "alarms-range",
        "9-tags",
    ],
)
def test_limits_are_enforced(served: Running, request_bytes: bytes, status: int) -> None:
    assert raw(served.port, request_bytes).status == status
    feed_ok(get(served.port, "/all.ics"))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_only_get_and_head(served: Running, method: str) -> None:
    r = get(served.port, "/all.ics", method)
    assert r.status in (405, 501), r
    if r.status == 405:
        assert r.headers.get("allow") == "GET, HEAD"
    assert b"BEGIN:VCALENDAR" not in r.body


def test_head_has_the_headers_of_get_and_no_body(served: Running) -> None:
    g, h = get(served.port, "/all.ics"), get(served.port, "/all.ics", "HEAD")
    assert h.status == 200 and h.body == b""
    assert h.headers["etag"] == g.headers["etag"] and h.headers["content-length"] == str(len(g.body))


TRAVERSALS = [
    "/../../../../etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/%25252e%25252e/etc/passwd",
    "/.%2e/.%2e/etc/passwd",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/..\\..\\etc\\passwd",
    "/%5c..%5c..%5cetc%5cpasswd",
    "/all.ics%00.txt",
    "/all.ics%2500",
    "//etc/passwd",
    "/./all.ics",
    "/calendars/../all.ics",
    "/all.ics/..",
    "/..;/etc/passwd",
    "/cal-a.yaml",
    "/calendars/cal-a.yaml",
    "/%2fetc%2fpasswd",
    "http://evil.example/../../etc/passwd",
    "file:///etc/passwd",
    "*",
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=range(len(TRAVERSALS)))
def test_path_traversal_in_every_encoding_is_refused(served: Running, target: str) -> None:
    r = get(served.port, target)
    assert r.status in (400, 404), (target, r.status)
    assert b"root:" not in r.body and b"calendar:" not in r.body
    feed_ok(get(served.port, "/all.ics"))


def test_raw_nul_and_control_bytes_in_the_request_line(served: Running) -> None:
    for req in (
        b"GET /all.ics\x00 HTTP/1.1\r\n\r\n",
        b"GET /\x01\x02.ics HTTP/1.1\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ):
        r = raw(served.port, req)
        assert r.status in (400, 404, 405, 501), (req, r.status)
        assert b"BEGIN:VCALENDAR" not in r.body
    feed_ok(get(served.port, "/all.ics"))


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        '"unterminated',
        "W/",
        '""',
        ",,,",
        '"a", "b", W/"c"',
        '"' * 500,
        "\x7f\x01",
        'W/W/"x"',
        " " * 100,
        '"' + "a" * 8000 + '"',
    ],
    ids=[
        "word",
        "unterminated",
        "bare-weak",
        "empty-tag",
        "commas",
        "list",
        "quotes",
        "controls",
        "double-weak",
        "spaces",
        "8k-tag",
    ],
)
def test_malformed_if_none_match_never_gives_304(served: Running, value: str) -> None:
    r = get(served.port, "/all.ics", headers={"If-None-Match": value})
    assert r.status == 200, (value, r.status)
    feed_ok(r)


def test_if_none_match_with_the_etag_gives_304(served: Running) -> None:
    etag = get(served.port, "/all.ics").headers["etag"]
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        r = get(served.port, "/all.ics", headers={"If-None-Match": value})
        assert r.status == 304 and r.body == b"", value


# -- slow clients ---------------------------------------------------------------------------------


def test_a_slow_client_blocks_nobody_and_is_dropped(served: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod._Handler, "timeout", 1.0)
    slow = [socket.create_connection(("127.0.0.1", served.port), timeout=20) for _ in range(5)]
    try:
        for s in slow:
            s.sendall(b"GET /all.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # half a request, never finished
        for _ in range(5):
            feed_ok(get(served.port, "/all.ics"))
        for s in slow:
            rest = b""
            try:
                while chunk := s.recv(4096):
                    rest += chunk
            except (ConnectionResetError, TimeoutError):
                pytest.fail("the server kept a half-sent request open past its timeout")
            assert b"BEGIN:VCALENDAR" not in rest
    finally:
        for s in slow:
            s.close()


def test_a_trickling_client_is_cut_off_at_the_head_deadline(served: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """A byte every half second never trips the per-read timeout; the head deadline does."""
    monkeypatch.setattr(server_mod._Handler, "head_deadline", 1.5)
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as s:
        s.sendall(b"GET /all.ics HTTP/1.1\r\n")
        started = time.monotonic()
        cut = False
        for _ in range(20):  # would take 10 s if the server kept listening
            try:
                s.sendall(b"X")
            except OSError:
                cut = True
                break
            s.settimeout(0.5)
            try:
                if s.recv(4096) == b"":
                    cut = True
                    break
            except TimeoutError:
                pass
        assert cut, "the server kept reading a trickling request head"
        assert time.monotonic() - started < 6
    feed_ok(get(served.port, "/all.ics"))


def test_connections_past_the_cap_get_503_not_a_thread(tmp_path: Path) -> None:
    data = tmp_path / "calendars"
    data.mkdir()
    _calendar(data, "cal-a")
    service = server_mod.FeedService(data, lambda: TODAY, use_cache=False, log=io.StringIO())
    httpd = server_mod.make_server("127.0.0.1", 0, server_mod.FeedApp(service), log=io.StringIO())
    httpd._slots = threading.BoundedSemaphore(2)  # as if max_connections were 2
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    port = int(httpd.server_address[1])
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
    try:
        time.sleep(0.3)
        assert raw(port, b"GET /all.ics HTTP/1.0\r\n\r\n").status == 503
    finally:
        for s in idle:
            s.close()
        time.sleep(0.3)
        assert raw(port, b"GET /all.ics HTTP/1.0\r\n\r\n").status == 200
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


# -- data changing while serving ------------------------------------------------------------------


def _hammer(port: int, targets: list[str], stop: threading.Event, results: list[int], bodies: list[bytes]) -> None:
    rng = random.Random(threading.get_ident())
    while not stop.is_set():
        r = get(port, rng.choice(targets))
        results.append(r.status)
        if r.status == 200 and r.headers.get("content-type", "").startswith("text/calendar"):
            bodies.append(r.body)


def test_a_calendar_deleted_while_being_served(served: Running) -> None:
    stop = threading.Event()
    results: list[int] = []
    bodies: list[bytes] = []
    threads = [
        threading.Thread(
            target=_hammer, args=(served.port, ["/cal-b.ics", "/all.ics", "/tag-round.ics", "/"], stop, results, bodies)
        )
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    try:
        for i in range(40):
            if i % 2:
                _calendar(served.data, "cal-b", f"Round {i}")
            else:
                (served.data / "cal-b.yaml").unlink()
            time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert results and set(results) <= {200, 404}, sorted(set(results))
    for body in bodies:
        icalendar.Calendar.from_ical(body)
    _calendar(served.data, "cal-b")
    feed_ok(get(served.port, "/cal-b.ics"))


def test_concurrent_reloads_while_serving(served: Running) -> None:
    stop = threading.Event()
    results: list[int] = []
    bodies: list[bytes] = []
    loads_before = served.service.loads  # type: ignore[attr-defined]
    threads = [
        threading.Thread(
            target=_hammer,
            args=(served.port, ["/cal-a.ics", "/all.ics", "/all.ics?tag=round", "/index.json"], stop, results, bodies),
        )
        for _ in range(8)
    ]
    editors = []

    def edit(cal_id: str) -> None:
        for i in range(30):
            _calendar(served.data, cal_id, f"Edit {i}", n=5 + i % 3)
            time.sleep(0.005)

    for t in threads:
        t.start()
    try:
        editors = [threading.Thread(target=edit, args=(c,)) for c in ("cal-a", "cal-b")]
        for e in editors:
            e.start()
        for e in editors:
            e.join(60)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert results and set(results) == {200}, sorted(set(results))
    for body in bodies:
        assert icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert served.service.loads > loads_before  # type: ignore[attr-defined]
    r = get(served.port, "/cal-a.ics")
    feed_ok(r)
    assert b"Edit 29" in r.body


def test_a_broken_edit_keeps_the_other_feeds_served(served: Running) -> None:
    (served.data / "cal-b.yaml").write_text("calendar: {id: cal-b, name: B}\nevents: [\n")
    feed_ok(get(served.port, "/cal-a.ics"))
    assert get(served.port, "/cal-b.ics").status == 404
    deep = served.data / "deep.yaml"
    deep.write_text("calendar: {id: deep, name: D}\nevents:\n" + "- " * 50_000 + "x\n")
    feed_ok(get(served.port, "/all.ics"))


# -- bounded load ---------------------------------------------------------------------------------

GOOD = [
    ("GET", "/all.ics", {}),
    ("GET", "/cal-a.ics", {}),
    ("GET", "/all.ics?tag=round", {}),
    ("GET", "/milestones.ics", {}),
    ("HEAD", "/all.ics", {}),
    ("GET", "/", {}),
    ("GET", "/index.json", {}),
    ("GET", "/all.ics?lang=ko", {}),
]
BAD = [
    b"GET /../../etc/passwd HTTP/1.1\r\n\r\n",
    b"GET /%2e%2e/x HTTP/1.1\r\n\r\n",
    b"POST /all.ics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /" + b"x" * 9000 + b" HTTP/1.1\r\n\r\n",
    b"GET /nope.ics HTTP/1.1\r\n\r\n",
    b"GET /all.ics?tag=%ff%fe HTTP/1.1\r\n\r\n",
    b"\x00\x01\x02\r\n\r\n",
    b'GET /all.ics HTTP/1.1\r\nIf-None-Match: "\r\n\r\n',
]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the server's memory")
def test_bounded_mixed_load_keeps_the_server_answering_with_bounded_memory(tmp_path: Path) -> None:
    data = tmp_path / "calendars"
    data.mkdir()
    _calendar(data, "cal-a", n=40)
    _calendar(data, "cal-b", n=40)
    env = {**os.environ, "PYTHONPATH": str(REPO), "ANNIV_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "anniv", "serve", "--data", str(data), "--port", "0", "--today", TODAY.isoformat()],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        port = 0
        for line in proc.stderr:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
        assert port, "the server did not say where it listens"
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
        for method, target, headers in GOOD:
            assert get(port, target, method, headers).status == 200  # warm: every representation built once
        rss_before = _rss_kb(proc.pid)
        counts = {"good": 0, "good_errors": 0, "bad": 0, "bad_5xx": 0}
        lock = threading.Lock()
        deadline = time.monotonic() + LOAD_SECONDS

        def client(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < deadline:
                if rng.random() < 0.6:
                    method, target, headers = rng.choice(GOOD)
                    r = get(port, target, method, headers)
                    with lock:
                        counts["good"] += 1
                        counts["good_errors"] += r.status != 200
                elif rng.random() < 0.8:
                    r = raw(port, rng.choice(BAD))
                    with lock:
                        counts["bad"] += 1
                        counts["bad_5xx"] += r.status >= 500
                else:  # half a request, then hang up
                    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                        s.sendall(b"GET /all.ics HTTP/1.1\r\nHo")
                    with lock:
                        counts["bad"] += 1

        clients = [threading.Thread(target=client, args=(SEED + i,)) for i in range(8)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(LOAD_SECONDS + 60)
        rss_after = _rss_kb(proc.pid)
        feed_ok(get(port, "/all.ics"))
        print(
            f"load: {counts['good']} good requests ({counts['good_errors']} errors), {counts['bad']} bad ones "
            f"({counts['bad_5xx']} answered 5xx); server RSS {rss_before // 1024} MB -> {rss_after // 1024} MB"
        )
        assert counts["good"] > 0 and counts["good_errors"] == 0, counts
        assert counts["bad_5xx"] == 0, counts
        assert rss_after - rss_before < 64 * 1024, (rss_before, rss_after)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
