"""The window a listing command covers (``--month``, ``--year``, ``--from``/``--to``,
``--next``), with its title. Light on imports (``anniv.kernel`` only) so ``anniv.quick`` can use
it; errors are ``UsageError``, imported when one is raised."""

from anniv.kernel import date, timedelta

MAX_DAYS = 366 * 200  # a window is limited to 200 years
UNITS = {"d": 1, "w": 7, "m": 30, "y": 365}


def _usage(message: str) -> Exception:
    from anniv.errors import UsageError

    return UsageError(message)


def day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _usage(f"{flag} {text!r} is not a date; write YYYY-MM-DD") from None


def month_window(text: str) -> tuple[date, date]:
    """The first and last day of ``YYYY-MM``."""
    ok = len(text) == 7 and text[4] == "-" and text[:4].isdecimal() and text[5:].isdecimal()
    if not ok or not 1 <= int(text[5:]) <= 12 or int(text[:4]) < 1:
        raise _usage(f"--month {text!r} is not a month; write YYYY-MM, e.g. 2025-10")
    y, mo = int(text[:4]), int(text[5:])
    first = date(y, mo, 1)
    if (y, mo) == (9999, 12):
        return first, date(9999, 12, 31)
    return first, date(y + (mo == 12), mo % 12 + 1, 1) - timedelta(days=1)


def parse_length(text: str) -> int | None:
    """Days in a ``--next`` length: ``30d``, ``6w``, ``3m`` (30 days each), ``1y`` (365), a
    bare number of days; None when it is not written that way."""
    s = text.strip()
    i = 0
    while i < len(s) and s[i].isdecimal():
        i += 1
    if not 1 <= i <= 5:
        return None
    unit = s[i:].lstrip() or "d"
    if unit not in UNITS:
        return None
    return int(s[:i]) * UNITS[unit]


def window(
    today: date,
    month: str | None = None,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    next_: str | None = None,
) -> tuple[date, date, str]:
    """The window the flags ask for, and a title for it. Only one way of saying it is allowed;
    with none, the month of ``today``."""
    given = [n for n, v in (("month", month), ("year", year), ("next", next_)) if v]
    if start or end:
        given.append("from/to")
    if len(given) > 1:
        raise _usage(f"give one window, not {' and '.join('--' + g for g in given)}")
    if start or end:
        if not (start and end):
            raise _usage("--from and --to go together")
        first, last = day(start, "--from"), day(end, "--to")
        if last < first:
            raise _usage(f"--to {last} is before --from {first}")
        if (last - first).days > MAX_DAYS:
            raise _usage("a window is limited to 200 years")
        return first, last, f"{first} to {last}"
    if year:
        if not 1 <= year <= 9999:
            raise _usage("--year must be from 1 to 9999")
        return date(year, 1, 1), date(year, 12, 31), str(year)
    if next_:
        days = parse_length(next_)
        if days is None:
            raise _usage(f"--next {next_!r}: write a length like 30d, 6w, 3m or 1y")
        if not 1 <= days <= MAX_DAYS:
            raise _usage("--next must be from 1 day to 200 years")
        try:
            last = today + timedelta(days=days - 1)
        except OverflowError:
            raise _usage(f"--next {next_}: the window would run past 9999-12-31") from None
        return today, last, f"next {next_} ({today} to {last})"
    first, last = month_window(month or today.strftime("%Y-%m"))
    return first, last, first.strftime("%B %Y")
