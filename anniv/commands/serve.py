"""anniv serve: publish the feeds over HTTP, with an index page for people.

Every feed of `anniv export` is served at /NAME.ics (text/calendar; charset=utf-8, strong
ETag, 304 for If-None-Match, Last-Modified, HEAD), filtered on request
(/all.ics?tag=china&round=1), and rebuilt when files in the data folder change, without a
restart. / lists the feeds with webcal:// and https links and the round anniversaries of the
next 60 days. One log line per request goes to stderr.

This is the standard library's threading server: fine on a laptop, an intranet or behind a
reverse proxy. For production see docs/feeds.md (static export behind nginx, or
`gunicorn anniv.server:app`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anniv.cli import Context

ORDER = 65
HELP = "serve the feeds over HTTP (ETag, 304, filters, an index page) and reload on data edits"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)"
    )
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="public address used for links on the index page, e.g. https://feeds.example.org/",
    )
    p.add_argument(
        "--lang", choices=("en", "ko", "zh"), default="en", help="default language of the feeds (?lang= overrides)"
    )
    p.add_argument(
        "--alarms",
        type=int,
        metavar="DAYS",
        help="default display alarm DAYS ahead of round anniversaries (?alarms= overrides)",
    )
    p.add_argument("--horizon", metavar="BACK:AHEAD", help="whole years back and ahead of today (default 1:10)")


def run(args: argparse.Namespace, ctx: Context) -> int:
    from datetime import date

    from anniv import ics
    from anniv.errors import AnnivError, UsageError
    from anniv.server import FeedApp, FeedService, make_server

    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be from 0 to 65535")
    if args.alarms is not None and not 0 <= args.alarms <= ics.MAX_ALARM_DAYS:
        raise UsageError(f"--alarms must be from 0 to {ics.MAX_ALARM_DAYS} days")
    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        raise UsageError("--base-url must start with http:// or https://")
    years = ics.parse_horizon(args.horizon) if args.horizon else (ics.DEFAULT_BACK_YEARS, ics.DEFAULT_AHEAD_YEARS)
    # The server's clock: the system date, read per request (a server runs across midnight),
    # unless --today pins it.
    pinned = ctx.today
    clock = (lambda: pinned) if args.today else date.today
    service = FeedService(
        ctx.data_dir,
        clock,
        lang=args.lang,
        alarms=args.alarms,
        horizon_years=years,
        use_cache=ctx.env.get("ANNIV_NO_CACHE") != "1",
        log=ctx.stderr,
    )
    service.current()  # load now: a broken data folder fails here, not on the first request
    try:
        server = make_server(args.host, args.port, FeedApp(service, args.base_url), log=ctx.stderr)
    except OSError as exc:
        raise AnnivError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{host}]" if ":" in host else host
    if args.host not in LOOPBACK:
        ctx.warn(
            f"anniv serve: listening on {args.host}, reachable from other machines; put a reverse proxy with TLS in front for public use"
        )
    count = len(service.current().specs)
    ctx.warn(f"anniv serve: {count} feeds from {ctx.data_dir} at http://{shown}:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        ctx.warn("anniv serve: stopped")
    finally:
        server.server_close()
    return 0
