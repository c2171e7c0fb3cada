"""The index page in a real browser: headless Debian chromium renders `/` from a live server,
and the feed links, the copy-to-subscribe fields and the upcoming list must be in the DOM.
Skipped when chromium is not installed (`apt-get install -y chromium`; .ci/run installs it)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from anniv import server

DATA = Path(__file__).parent / "data" / "feeds" / "calendars"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def base_url() -> Iterator[str]:
    service = server.FeedService(DATA, lambda: date(2025, 10, 1), use_cache=False, log=io.StringIO())
    httpd = server.make_server("127.0.0.1", 0, server.FeedApp(service), log=io.StringIO())
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def render(url: str, profile: Path) -> str:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    cmd = [
        CHROMIUM if Path(CHROMIUM).exists() else "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--dump-dom",
        url,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_index_page_renders_feed_links_and_upcoming_list(base_url: str, tmp_path: Path) -> None:
    dom = render(base_url, tmp_path / "profile")
    host = base_url.removeprefix("http://").rstrip("/")
    # the DOM as the browser built it (attributes re-serialised by chromium)
    assert re.search(rf'<a class="webcal" href="webcal://{re.escape(host)}/korean-war\.ics">', dom)
    assert re.search(rf'<a class="https" href="http://{re.escape(host)}/all\.ics">', dom)
    assert re.search(
        rf'<input class="subscribe-url" id="u\d+" type="text" readonly="" value="http://{re.escape(host)}/milestones\.ics"',
        dom,
    )
    assert dom.count('<button type="button" class="copy"') >= 5
    upcoming = re.search(r'<ol id="upcoming">(.*?)</ol>', dom, re.S)
    assert upcoming is not None
    items = re.findall(r'<li class="upcoming[^"]*" data-uid="([^"]+)">', upcoming.group(1))
    assert "cpv-entry-75@anniv" in items
    assert "75th anniversary: China enters the Korean War (1950)" in upcoming.group(1)
    assert '<time datetime="2025-10-25">' in upcoming.group(1)
