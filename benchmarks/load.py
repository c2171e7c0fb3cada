"""A bounded loopback load against `anniv serve`: N concurrent connections for S seconds.

    python benchmarks/load.py                       # starts `anniv serve` on a free port, 64 x 20 s
    python benchmarks/load.py --connections 16 --duration 5 --data tests/data/feeds/calendars
    python benchmarks/load.py --url http://127.0.0.1:8080/   # a server you started yourself

It only ever talks to the loopback interface (127.0.0.1, ::1, localhost), stops by itself
after --duration seconds (at most 120), and prints requests per second, status counts, errors
and latency percentiles. Half of the feed requests carry the ETag the server gave earlier, so
the 304 path is measured next to full downloads. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

LOOPBACK = ("127.0.0.1", "::1", "localhost")
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(
    host: str, port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def start_server(data: str | None, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "anniv", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if data:
        cmd += ["--data", data]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # the server logs one line per request: far too many to keep, so they go nowhere
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)


def wait_ready(host: str, port: int, proc: subprocess.Popen[bytes] | None, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"anniv serve exited with {proc.returncode} before it was ready")
        try:
            if fetch(host, port, "/index.json", timeout=2)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no answer from {host}:{port} within {limit:.0f} s")


def plan(host: str, port: int) -> list[tuple[str, dict[str, str]]]:
    """The request mix: the index page, a few feeds and a filter, each plain and conditional."""
    _, _, body = fetch(host, port, "/index.json")
    feeds = [f["name"] for f in json.loads(body)["feeds"]]
    calendars = [n for n in feeds if n not in ("all", "milestones") and not n.startswith("tag-")]
    paths = ["/milestones.ics", "/all.ics?round=1", *[f"/{n}.ics" for n in calendars[:2]]]
    tags = [n for n in feeds if n.startswith("tag-")]
    if tags:
        paths.append(f"/{tags[0]}.ics")
    mix: list[tuple[str, dict[str, str]]] = [("/", {})]
    for p in paths:
        status, headers, _ = fetch(host, port, p)
        if status != 200:
            raise SystemExit(f"{p}: {status} before the load started")
        mix.append((p, {}))
        mix.append((p, {"If-None-Match": headers["etag"]}))
    return mix


def worker(
    host: str,
    port: int,
    mix: list[tuple[str, dict[str, str]]],
    offset: int,
    stop_at: float,
    out: dict[str, object],
    lock: threading.Lock,
) -> None:
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    received = 0
    conn = http.client.HTTPConnection(host, port, timeout=10)
    i = offset
    while time.monotonic() < stop_at:
        path, headers = mix[i % len(mix)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            received += len(resp.read())
            statuses[resp.status] += 1
            latencies.append(time.perf_counter() - t0)
            if resp.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            errors[type(exc).__name__] += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.close()
    with lock:
        out.setdefault("statuses", Counter()).update(statuses)  # type: ignore[union-attr]
        out.setdefault("errors", Counter()).update(errors)  # type: ignore[union-attr]
        out.setdefault("latencies", []).extend(latencies)  # type: ignore[union-attr]
        out["bytes"] = int(out.get("bytes", 0)) + received  # type: ignore[call-overload]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="an anniv server on loopback (default: start one)")
    ap.add_argument("--data", help="data folder for the server this script starts (default: the bundled calendars)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds (at most 120)")
    args = ap.parse_args()
    if not 1 <= args.connections <= 256:
        ap.error("--connections must be from 1 to 256")
    if not 0 < args.duration <= 120:
        ap.error("--duration must be more than 0 and at most 120 seconds")
    proc: subprocess.Popen[bytes] | None = None
    if args.url:
        u = urllib.parse.urlsplit(args.url)
        if u.scheme != "http" or u.hostname not in LOOPBACK:
            ap.error("--url must be http:// on 127.0.0.1, ::1 or localhost: this script only loads loopback")
        host, port = u.hostname, u.port or 80
    else:
        host, port = "127.0.0.1", free_port()
        proc = start_server(args.data, port)
    try:
        wait_ready(host, port, proc)
        mix = plan(host, port)
        out: dict[str, object] = {}
        lock = threading.Lock()
        start = time.monotonic()
        stop_at = start + args.duration
        threads = [
            threading.Thread(target=worker, args=(host, port, mix, n, stop_at, out, lock), daemon=True)
            for n in range(args.connections)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.duration + 30)
        elapsed = time.monotonic() - start
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    statuses: Counter[int] = out.get("statuses", Counter())  # type: ignore[assignment]
    errors: Counter[str] = out.get("errors", Counter())  # type: ignore[assignment]
    lat: list[float] = out.get("latencies", [])  # type: ignore[assignment]
    total = sum(statuses.values())
    print(f"target      http://{host}:{port}/  ({len(mix)} request kinds: {', '.join(sorted({p for p, _ in mix}))})")
    print(f"load        {args.connections} connections for {args.duration:.0f} s (ran {elapsed:.1f} s)")
    received = int(out.get("bytes", 0))  # type: ignore[call-overload]
    print(f"requests    {total}  ->  {total / elapsed:.0f} requests/s, {received / elapsed / 1e6:.1f} MB/s")
    print(f"statuses    {dict(sorted(statuses.items()))}")
    print(f"errors      {sum(errors.values())} {dict(errors) if errors else ''}".rstrip())
    print(
        f"latency ms  p50 {percentile(lat, 50) * 1e3:.1f}  p95 {percentile(lat, 95) * 1e3:.1f}  p99 {percentile(lat, 99) * 1e3:.1f}  max {max(lat, default=0) * 1e3:.1f}"
    )
    bad = sum(errors.values()) + sum(n for s, n in statuses.items() if s not in (200, 304))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
