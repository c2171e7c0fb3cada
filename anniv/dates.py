"""Historical dates: parsing, calendar systems, leap days and moveable observances.

Each rule lives in one named helper whose docstring states its edge case. Helpers raise
``ValueError`` with a message fit for a user (the loader adds the location) or
``DateRangeError`` when a table runs out; they never return a silently wrong day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from anniv import kernel
from anniv.errors import DateRangeError
from anniv.model import HistDate, make_date

_DATE_RE = re.compile(r"^(-?)(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%]?)$")
_MD_RE = re.compile(r"^(\d{2})-(\d{2})$")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LUNAR_FIRST_YEAR = 1000
LUNAR_LAST_YEAR = 2050
LUNAR_LAST_MONTH_DAY = (11, 18)  # the tables end at lunar 2050-11-18, which is 2050-12-31


# Proleptic Gregorian leap year, astronomical numbering (year 0 = 1 BC is a leap year).
is_gregorian_leap = kernel.is_leap


def is_julian_leap(year: int) -> bool:
    """Julian leap year, astronomical numbering: every fourth year, 1 BC (year 0) included."""
    return year % 4 == 0


def days_in_month(year: int, month: int, calendar: str = "gregorian") -> int:
    if month == 2:
        leap = is_julian_leap(year) if calendar == "julian" else is_gregorian_leap(year)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_hist_date(text: str, calendar: str = "gregorian", leap_month: bool = False) -> HistDate:
    """Parse ``[-]YYYY[-MM[-DD]][~?%]`` in ``calendar``; refuse impossible dates.

    Years are astronomical: ``-0550`` is 551 BC and ``0000`` (which would be 1 BC) is refused
    because records count BCE years as sources do and the mix-up is the usual error.
    Korean lunar dates are checked against the KASI tables (1000–2050), leap month included.
    """
    m = _DATE_RE.match(text.strip())
    if not m:
        raise ValueError(
            f"{text!r} is not a date; write YYYY-MM-DD, YYYY-MM or YYYY "
            "(negative years for BCE: -0550-09-28), optionally ending in ~, ? or %"
        )
    sign, ytext, mtext, dtext, qual = m.groups()
    year = int(ytext) * (-1 if sign else 1)
    if year == 0:
        raise ValueError(
            "year 0 does not exist: 1 BC is followed by AD 1; for BCE write the negative "
            "astronomical year, one less than the BC number (551 BC = -0550)"
        )
    month = int(mtext) if mtext else None
    day = int(dtext) if dtext else None
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"month {month:02d} does not exist; months run 01 to 12")
    if leap_month and calendar != "korean-lunar":
        raise ValueError("leap_month only applies to calendar: korean-lunar")
    if day is not None and month is not None:
        if calendar == "korean-lunar":
            lunar_to_gregorian(year, month, day, leap_month)  # raises with the reason
        else:
            last = days_in_month(year, month, calendar)
            if not 1 <= day <= last:
                cal = "" if calendar == "gregorian" else f" in the {calendar} calendar"
                raise ValueError(f"{text} is not a real date: {MONTH_ABBR[month - 1]} {year} has {last} days{cal}")
    elif calendar == "korean-lunar" and not LUNAR_FIRST_YEAR <= year <= LUNAR_LAST_YEAR:
        raise ValueError(f"Korean lunar dates are supported from {LUNAR_FIRST_YEAR} to {LUNAR_LAST_YEAR} (KASI tables)")
    return make_date(year, month, day, calendar, leap_month, qual)


def parse_month_day(text: str) -> tuple[int, int]:
    """``MM-DD`` as used by ``observed.on`` and ``anniv on``; Feb 29 is allowed."""
    m = _MD_RE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a month-day; write MM-DD, e.g. 10-25")
    month, day = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(2000, month):
        raise ValueError(f"{text} is not a day of the year")
    return month, day


def day_in_year(year: int, month: int, day: int, leap_day: str = "feb28") -> date | None:
    """The Gregorian ``year``'s ``month``-``day``, applying the leap-day policy to Feb 29.

    In a common year a Feb 29 anniversary falls on Feb 28 (``feb28``, the default, as Korean
    civil law and dateutil count), on Mar 1 (``mar1``), or not at all (``leap-years-only``:
    returns None). Years outside 1..9999 have no Python date and return None.
    """
    o = kernel.day_in_year(year, month, day, leap_day)
    return date.fromordinal(o) if o else None


def julian_to_gregorian(year: int, month: int, day: int) -> tuple[int, int, int]:
    """Convert an Old Style date to the proleptic Gregorian calendar (astronomical years).

    1582-10-04 OS is 1582-10-14 NS; 1917-10-25 OS is 1917-11-07; Julian 1900-02-29 (a day the
    Gregorian calendar lacks) is 1900-03-13. Raises ValueError for a day the Julian month lacks.
    """
    return _from_day_number(_day_number(year, month, day, "julian"), "gregorian")


def gregorian_to_julian(year: int, month: int, day: int) -> tuple[int, int, int]:
    """The inverse of ``julian_to_gregorian``."""
    return _from_day_number(_day_number(year, month, day, "gregorian"), "julian")


# Both conversions go through the Julian day number with the usual integer arithmetic: years
# are counted from March, so that a leap day ends its year, and every division is a floor
# division, so the same steps hold for years before the era. (convertdate did this until its
# import, about 24 ms with the astronomy library it loads, was paid by every process that
# indexed an Old Style record; the tests hold this to convertdate for years -9999..9999.)
_MARCH_YEAR_SHIFT = 4800  # years added so that every year a record may hold counts from > 0


def _day_number(year: int, month: int, day: int, calendar: str) -> int:
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month, calendar):
        raise ValueError(f"{year:04d}-{month:02d}-{day:02d} is not a day of the {calendar} calendar")
    before_march = 1 if month <= 2 else 0
    y = year + _MARCH_YEAR_SHIFT - before_march
    m = month + 12 * before_march - 3  # March = 0 ... February = 11
    days = day + (153 * m + 2) // 5 + 365 * y + y // 4
    if calendar == "julian":
        return days - 32083
    return days - y // 100 + y // 400 - 32045


def _from_day_number(jdn: int, calendar: str) -> tuple[int, int, int]:
    if calendar == "julian":
        centuries, days = 0, jdn + 32082
    else:
        a = jdn + 32044
        centuries = (4 * a + 3) // 146097
        days = a - 146097 * centuries // 4
    years = (4 * days + 3) // 1461
    in_year = days - 1461 * years // 4  # days since 1 March
    m = (5 * in_year + 2) // 153
    day = in_year - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    return 100 * centuries + years - _MARCH_YEAR_SHIFT + m // 10, month, day


LunarYear = dict[tuple[int, bool], tuple[int, bool]]  # (month, leap) -> (first day's ordinal, has a 30th)


def lunar_months(year: int) -> LunarYear | None:
    """Lunar ``year``'s months in order, as (month, leap) -> (the ordinal of its first solar
    day, whether it has a 30th day), from the shipped table ``anniv.lunar_months`` (KASI's
    tables as korean-lunar-calendar holds them); None outside 1000–2050. In 2050 the table
    stops at the eleventh month, where the KASI tables end (``LUNAR_LAST_MONTH_DAY``).

    The ordinal is of the solar day as the tables write it (``lunar_to_solar``): Gregorian from
    1582-10-15, and before that a date the tables call Julian. The library counts those days
    with the Gregorian leap years (no 29 February in 1000, 1100, 1300, 1400 or 1500), so they are
    counted here as it counts them and converted as it writes them."""
    months = _LUNAR_YEARS.get(year)
    if months is None:
        from anniv import lunar_months as table

        k = year - table.FIRST_YEAR
        if not 0 <= k < len(table.YEARS):
            return None
        start, leap_month, bits = table.YEARS[k]
        last = LUNAR_LAST_MONTH_DAY[0] if year == LUNAR_LAST_YEAR else 12
        months = {}
        i = 0
        for m in range(1, last + 1):
            for leap in (False, True) if m == leap_month else (False,):
                has30 = bool(bits >> i & 1)
                months[(m, leap)] = (start, has30)
                start += 30 if has30 else 29
                i += 1
        _LUNAR_YEARS[year] = months
    return months


_LUNAR_YEARS: dict[int, LunarYear] = {}


def lunar_to_solar(year: int, month: int, day: int, leap_month: bool = False) -> date:
    """Convert a Korean lunar date (KASI tables, 1000–2050) to the solar date as history wrote
    it: the Julian calendar before 1582-10-15 and the Gregorian one from then on (this is what
    the tables give). Raises DateRangeError outside the tables, ValueError for a month or day
    the year lacks."""
    months = lunar_months(year)
    if months is None:
        raise DateRangeError(
            f"Korean lunar year {year} is outside the KASI tables ({LUNAR_FIRST_YEAR}–{LUNAR_LAST_YEAR})"
        )
    if year == LUNAR_LAST_YEAR and (month, day) > LUNAR_LAST_MONTH_DAY and 1 <= month <= 12:
        m, d = LUNAR_LAST_MONTH_DAY
        raise DateRangeError(f"the KASI tables end at lunar {LUNAR_LAST_YEAR}-{m:02d}-{d:02d}")
    entry = months.get((month, leap_month))
    if entry is None and leap_month and (month, False) in months:
        raise ValueError(f"lunar year {year} has no leap (intercalary) month {month}")
    if entry is None or not 1 <= day <= (30 if entry[1] else 29):
        raise ValueError(f"lunar {year}-{month:02d}-{day:02d} does not exist (that month is shorter)")
    return date.fromordinal(entry[0] + day - 1)


GREGORIAN_START = date(1582, 10, 15)


def lunar_to_gregorian(year: int, month: int, day: int, leap_month: bool = False) -> date:
    """A Korean lunar date as a proleptic Gregorian date (the Julian dates the tables give
    before 1582-10-15 are converted): lunar 1446-09-10 is Julian 1446-10-09, Gregorian 10-18."""
    solar = lunar_to_solar(year, month, day, leap_month)
    if solar >= GREGORIAN_START:
        return solar
    return date(*julian_to_gregorian(solar.year, solar.month, solar.day))


def _lunar_ok(year: int, month: int, day: int, leap: bool) -> bool:
    try:
        lunar_to_gregorian(year, month, day, leap)
    except (ValueError, DateRangeError):
        return False
    return True


def convert_lunar_year(year: int, converter: Any = None) -> LunarYear:
    """Lunar ``year``'s months (as ``lunar_months``) from korean-lunar-calendar itself: what
    ``lunar_table_source`` writes into ``anniv/lunar_months.py`` and what the tests hold the
    table to. The year's first day is converted, and each month then starts 29 or 30 days after
    the one before (see ``lunar_months`` for the days before 1582-10-15). Pass one converter
    for many years: it remembers the day counts it sums. Conversions are checked on every call,
    as the library keeps its old state when one fails."""
    if converter is None:
        from korean_lunar_calendar import KoreanLunarCalendar

        converter = KoreanLunarCalendar()
    conv = converter
    months: LunarYear = {}
    if conv.setLunarDate(year, 1, 1, False):
        start = date(conv.solarYear, conv.solarMonth, conv.solarDay).toordinal()  # as the library counts
        last = LUNAR_LAST_MONTH_DAY[0] if year == LUNAR_LAST_YEAR else 12  # where the tables end
        for m in range(1, last + 1):
            for leap in (False, True):
                if leap and not (conv.setLunarDate(year, m, 1, True) and conv.isIntercalation):
                    continue
                has30 = bool(conv.setLunarDate(year, m, 30, leap))
                months[(m, leap)] = (start, has30)
                start += 30 if has30 else 29
    return months


def lunar_table_source(first: int = LUNAR_FIRST_YEAR, last: int = LUNAR_LAST_YEAR) -> str:
    """The text of ``anniv/lunar_months.py`` for lunar years ``first`` to ``last``, from the
    converter: ``python -c "from anniv.dates import lunar_table_source as s; print(s(), end='')"
    > anniv/lunar_months.py`` writes it again (after an update of korean-lunar-calendar, say)."""
    from korean_lunar_calendar import KoreanLunarCalendar

    conv = KoreanLunarCalendar()
    rows = []
    for y in range(first, last + 1):
        months = convert_lunar_year(y, conv)
        order = list(months)  # (1, False), (1, True)?, (2, False), ... in the year's order
        leap_month = next((m for m, leap in order if leap), 0)
        bits = sum(1 << i for i, key in enumerate(order) if months[key][1])
        rows.append(f"    ({months[order[0]][0]}, {leap_month}, 0b{bits:013b}),  # {y}\n")
    return (
        '"""Korean lunar months for every lunar year from ``FIRST_YEAR``: the ordinal of the year\'s\n'
        "first solar day, its leap month (0: none) and which of its months have a\n"
        "30th day (bit i for the i-th month of the year, a leap month counted after the ordinary\n"
        "month it follows). ``dates.lunar_months`` reads it.\n\n"
        "Written by ``dates.lunar_table_source`` from korean-lunar-calendar (KASI's tables);\n"
        "``tests/test_dates.py`` checks it against the library, every month of every year.\n"
        '"""\n\n'
        f"FIRST_YEAR = {first}\n"
        "YEARS: tuple[tuple[int, int, int], ...] = (\n" + "".join(rows) + ")\n"
    )


def lunar_observance(year: int, month: int, day: int, leap_month: bool) -> date:
    """The Gregorian day on which lunar ``month``-``day`` is kept in lunar ``year``.

    Edge rules: a leap-month date is kept in the ordinary month of a year without that leap
    month; day 30 of a month that has 29 days that year is kept on day 29.
    """
    if leap_month and not _lunar_ok(year, month, 1, True):
        leap_month = False
    if day == 30 and not _lunar_ok(year, month, 30, leap_month):
        day = 29
    return lunar_to_gregorian(year, month, day, leap_month)


_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_NTH = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1}
_RULE_RE = re.compile(
    r"^(1st|2nd|3rd|4th|5th|last)\s+(MO|TU|WE|TH|FR|SA|SU)\s+"
    r"(?:of\s+(\d{2})|(after|on or after)\s+(\d{2}-\d{2}))$"
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A moveable yearly observance, e.g. ``last MO of 05`` or an RRULE string."""

    text: str

    def date_in(self, year: int) -> date | None:
        """The observance day in ``year``, or None when the rule yields none that year."""
        return _rule_date(self.text, year)


def parse_rule(text: str) -> Rule:
    """Validate a rule now, so a bad rule is a load-time error and not a silent gap later."""
    rule = Rule(text.strip())
    if _RULE_RE.match(rule.text) is None and "FREQ=" not in rule.text.upper():
        raise ValueError(
            f"{text!r} is not a rule; write e.g. 'last MO of 05', '2nd SU of 05', "
            "'1st MO after 09-01', or an RRULE like 'FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO'"
        )
    if "FREQ=" in rule.text.upper():
        from dateutil.rrule import rrulestr

        try:
            rr = rrulestr(rule.text, dtstart=_dt(2000, 1, 1))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"RRULE {text!r} is not valid: {exc}") from None
        if getattr(rr, "_freq", None) != 0:  # dateutil.rrule.YEARLY == 0
            raise ValueError(f"RRULE {text!r} must be FREQ=YEARLY: an anniversary comes once a year")
    else:
        m = _RULE_RE.match(rule.text)
        assert m is not None
        if m.group(5):
            parse_month_day(m.group(5))
        elif not 1 <= int(m.group(3)) <= 12:
            raise ValueError(f"month {m.group(3)} does not exist")
        if m.group(3) and m.group(1) == "5th":
            raise ValueError("'5th … of MM' is missing in most years; use 'last … of MM'")
    for year in (2023, 2024):
        if rule.date_in(year) is None:
            raise ValueError(f"rule {text!r} gives no day in {year}; an observance must fall every year")
    return rule


def _dt(year: int, month: int, day: int):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime(year, month, day)


@lru_cache(maxsize=4096)
def _rule_date(text: str, year: int) -> date | None:
    if not 1 <= year <= 9999:
        return None
    m = _RULE_RE.match(text)
    if m:
        nth = _NTH[m.group(1)]
        weekday = _WEEKDAYS[m.group(2)]
        if m.group(3):
            month = int(m.group(3))
            if nth > 0:
                first = date(year, month, 1)
                d = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
            else:
                last = date(year, month, days_in_month(year, month))
                d = last - timedelta(days=(last.weekday() - weekday) % 7)
            if d.month != month:
                raise ValueError(f"rule {text!r} gives no day in {year}")
            return d
        month, day = parse_month_day(m.group(5))
        anchor = day_in_year(year, month, day)
        if anchor is None:
            return None
        if m.group(4) == "after":
            anchor += timedelta(days=1)
        delta = (weekday - anchor.weekday()) % 7
        return anchor + timedelta(days=delta + 7 * (max(nth, 1) - 1))
    from dateutil.rrule import rrulestr

    rr = rrulestr(text, dtstart=_dt(year, 1, 1))
    hits = rr.between(_dt(year, 1, 1), _dt(year, 12, 31), inc=True)
    return hits[0].date() if hits else None


def bce_label(year: int) -> str:
    """``551 BC`` for astronomical -550; plain ``1950`` for CE years."""
    return f"{1 - year} BC" if year <= 0 else str(year)


@lru_cache(maxsize=8192)
def display_date(hd: HistDate) -> str:
    """The date for people: ISO for CE dates, ``28 Sep 551 BC`` for BCE, with ``c.``/``?``.

    Old Style dates say ``OS`` and give the New Style day; lunar dates say ``lunar`` (with
    ``leap month``) and give the Gregorian day, so both dates are always shown.
    """
    if hd.year > 0:
        text = hd.iso().rstrip("~?%")
    else:
        parts = []
        if hd.day is not None:
            parts.append(str(hd.day))
        if hd.month is not None:
            parts.append(MONTH_ABBR[hd.month - 1])
        parts.append(bce_label(hd.year))
        text = " ".join(parts)
    if hd.calendar == "julian":
        text += " OS"
        if hd.day is not None and hd.month is not None and hd.year > 0:
            y, m, d = julian_to_gregorian(hd.year, hd.month, hd.day)
            text += f" (NS {y:04d}-{m:02d}-{d:02d})"
    elif hd.calendar == "korean-lunar":
        text += " lunar" + (" leap month" if hd.leap_month else "")
        if hd.day is not None and hd.month is not None:
            try:
                solar = lunar_to_solar(hd.year, hd.month, hd.day, hd.leap_month)
            except (ValueError, DateRangeError):
                solar = None
            if solar is not None:
                text += f" ({solar.isoformat()}{' OS' if solar < GREGORIAN_START else ''})"
    if hd.qualifier in ("~", "%"):
        text = "c. " + text
    if hd.qualifier in ("?", "%"):
        text += " (uncertain)"
    return text


def parse_iso_day(text: str) -> date:
    """A Gregorian ``YYYY-MM-DD`` for command-line options."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write YYYY-MM-DD") from None
