"""Historical date rules, each with a table of known results."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from anniv import dates
from anniv.errors import DateRangeError

OLD_STYLE = [
    ((1582, 10, 4), (1582, 10, 14)),
    ((1752, 9, 2), (1752, 9, 13)),
    ((1732, 2, 11), (1732, 2, 22)),
    ((1917, 10, 25), (1917, 11, 7)),
    ((1900, 2, 29), (1900, 3, 13)),
    ((1616, 4, 23), (1616, 5, 3)),
]


@pytest.mark.parametrize("julian,gregorian", OLD_STYLE, ids=lambda v: "-".join(map(str, v)))
def test_old_style_conversions(julian: tuple[int, int, int], gregorian: tuple[int, int, int]) -> None:
    assert dates.julian_to_gregorian(*julian) == gregorian
    assert dates.gregorian_to_julian(*gregorian) == julian


# Korean holidays from the KASI tables (Seollal = lunar 1-1, Chuseok = lunar 8-15).
SEOLLAL = {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 7)}
CHUSEOK = {2024: date(2024, 9, 17), 2025: date(2025, 10, 6), 2026: date(2026, 9, 25), 2027: date(2027, 9, 15)}


@pytest.mark.parametrize("year", sorted(SEOLLAL), ids=lambda y: f"seollal-{y}")
def test_seollal(year: int) -> None:
    assert dates.lunar_to_gregorian(year, 1, 1) == SEOLLAL[year]


@pytest.mark.parametrize("year", sorted(CHUSEOK), ids=lambda y: f"chuseok-{y}")
def test_chuseok(year: int) -> None:
    assert dates.lunar_to_gregorian(year, 8, 15) == CHUSEOK[year]


def test_lunar_dates_before_1582_are_julian_in_the_tables() -> None:
    # Hangul Day: lunar 1446-09-10 was reckoned as 9 October 1446 in the Julian calendar.
    assert dates.lunar_to_solar(1446, 9, 10) == date(1446, 10, 9)
    assert dates.lunar_to_gregorian(1446, 9, 10) == date(1446, 10, 18)


def test_lunar_1895_11_17_is_the_first_gregorian_day_in_korea() -> None:
    assert dates.lunar_to_gregorian(1895, 11, 17) == date(1896, 1, 1)


@pytest.mark.parametrize("year,month", [(2023, 2), (2025, 6)], ids=["2023-leap-2nd", "2025-leap-6th"])
def test_leap_months_exist(year: int, month: int) -> None:
    leap = dates.lunar_to_gregorian(year, month, 1, True)
    plain = dates.lunar_to_gregorian(year, month, 1, False)
    assert 29 <= (leap - plain).days <= 30


def test_missing_leap_month_is_refused() -> None:
    with pytest.raises(ValueError, match="no leap"):
        dates.lunar_to_gregorian(2024, 2, 1, True)


def test_missing_leap_month_is_kept_in_the_ordinary_month() -> None:
    assert dates.lunar_observance(2024, 2, 1, True) == dates.lunar_to_gregorian(2024, 2, 1, False)


def test_lunar_tables_end_in_2050() -> None:
    with pytest.raises(DateRangeError, match="2050"):
        dates.lunar_to_gregorian(2051, 1, 1)


def test_failed_lunar_conversion_does_not_leak_previous_state() -> None:
    dates.lunar_to_gregorian(2027, 1, 1)
    with pytest.raises(ValueError):
        dates.lunar_to_gregorian(2024, 1, 30)  # that month has 29 days


@pytest.mark.parametrize(
    "policy,year,expected",
    [
        ("feb28", 2025, date(2025, 2, 28)),
        ("feb28", 2026, date(2026, 2, 28)),
        ("feb28", 2027, date(2027, 2, 28)),
        ("feb28", 2028, date(2028, 2, 29)),
        ("mar1", 2025, date(2025, 3, 1)),
        ("mar1", 2026, date(2026, 3, 1)),
        ("mar1", 2027, date(2027, 3, 1)),
        ("mar1", 2028, date(2028, 2, 29)),
        ("leap-years-only", 2025, None),
        ("leap-years-only", 2026, None),
        ("leap-years-only", 2027, None),
        ("leap-years-only", 2028, date(2028, 2, 29)),
    ],
    ids=lambda v: str(v),
)
def test_feb29_policies(policy: str, year: int, expected: date | None) -> None:
    assert dates.day_in_year(year, 2, 29, policy) == expected


@pytest.mark.parametrize(
    "text,year,month,day,qual",
    [
        ("1950-10-25", 1950, 10, 25, ""),
        ("1950-10", 1950, 10, None, ""),
        ("1950", 1950, None, None, ""),
        ("-0550-09-28", -550, 9, 28, ""),
        ("1446-09-10~", 1446, 9, 10, "~"),
        ("1941?", 1941, None, None, "?"),
        ("0800-12-25%", 800, 12, 25, "%"),
    ],
    ids=lambda v: str(v),
)
def test_parse_dates(text: str, year: int, month: int | None, day: int | None, qual: str) -> None:
    hd = dates.parse_hist_date(text)
    assert (hd.year, hd.month, hd.day, hd.qualifier) == (year, month, day, qual)
    assert hd.iso() == text


@pytest.mark.parametrize(
    "text,calendar,needle",
    [
        ("1950-02-30", "gregorian", "Feb 1950 has 28 days"),
        ("0000-01-01", "gregorian", "year 0"),
        ("1950-13-01", "gregorian", "month 13"),
        ("1700-02-30", "julian", "29 days in the julian"),
        ("1900-02-29", "gregorian", "28 days"),
        ("2024-01-30", "korean-lunar", "does not exist"),
        ("25/10/1950", "gregorian", "not a date"),
        ("1950-1-5", "gregorian", "not a date"),
    ],
    ids=lambda v: str(v),
)
def test_impossible_dates_are_refused(text: str, calendar: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        dates.parse_hist_date(text, calendar)


def test_julian_leap_day_that_gregorian_lacks_is_accepted() -> None:
    assert dates.parse_hist_date("1700-02-29", "julian").day == 29


@pytest.mark.parametrize(
    "rule,year,expected",
    [
        ("last MO of 05", 2025, date(2025, 5, 26)),
        ("last MO of 05", 2026, date(2026, 5, 25)),
        ("2nd SU of 05", 2025, date(2025, 5, 11)),
        ("1st MO of 09", 2025, date(2025, 9, 1)),
        ("1st TU after 11-01", 2024, date(2024, 11, 5)),
        ("1st TU after 11-01", 2022, date(2022, 11, 8)),
        ("1st SA on or after 06-01", 2024, date(2024, 6, 1)),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", 2025, date(2025, 11, 27)),
    ],
    ids=lambda v: str(v),
)
def test_rules(rule: str, year: int, expected: date) -> None:
    assert dates.parse_rule(rule).date_in(year) == expected


@pytest.mark.parametrize(
    "rule", ["last XX of 05", "5th MO of 05", "FREQ=MONTHLY;BYDAY=MO", "first monday of may", "last MO of 13"], ids=str
)
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(ValueError):
        dates.parse_rule(rule)


@pytest.mark.parametrize(
    "text,calendar,shown",
    [
        ("-0550-09-28", "gregorian", "28 Sep 551 BC"),
        ("-0043", "gregorian", "44 BC"),
        ("1917-10-25", "julian", "1917-10-25 OS (NS 1917-11-07)"),
        ("1446-09-10~", "korean-lunar", "c. 1446-09-10 lunar (1446-10-09 OS)"),
        ("1895-11-17", "korean-lunar", "1895-11-17 lunar (1896-01-01)"),
        ("1941?", "gregorian", "1941 (uncertain)"),
    ],
    ids=lambda v: str(v),
)
def test_display(text: str, calendar: str, shown: str) -> None:
    assert dates.display_date(dates.parse_hist_date(text, calendar)) == shown


# -- round trips ---------------------------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1, 3, 1), max_value=date(9999, 12, 31)))
def test_julian_round_trip(d: date) -> None:
    j = dates.gregorian_to_julian(d.year, d.month, d.day)
    assert dates.julian_to_gregorian(*j) == (d.year, d.month, d.day)


@settings(max_examples=1000, deadline=None)
@given(st.integers(-9999, 9999), st.integers(1, 12), st.integers(1, 31))
def test_old_style_conversions_agree_with_convertdate(year: int, month: int, day: int) -> None:
    """Astronomical years both ways, BCE included; a day the month lacks is refused."""
    from convertdate import julian

    try:
        expected = tuple(int(v) for v in julian.to_gregorian(year, month, day))
    except ValueError:
        with pytest.raises(ValueError, match="is not a day of the julian calendar"):
            dates.julian_to_gregorian(year, month, day)
    else:
        assert dates.julian_to_gregorian(year, month, day) == expected
    try:
        back = tuple(int(v) for v in julian.from_gregorian(year, month, day))
    except ValueError:
        with pytest.raises(ValueError, match="is not a day of the gregorian calendar"):
            dates.gregorian_to_julian(year, month, day)
    else:
        assert dates.gregorian_to_julian(year, month, day) == back


@pytest.mark.parametrize("month", [0, 13])
def test_old_style_conversion_refuses_a_month_that_does_not_exist(month: int) -> None:
    with pytest.raises(ValueError):
        dates.julian_to_gregorian(1700, month, 1)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1582, 10, 15), max_value=date(2050, 12, 31)))
def test_lunar_round_trip(d: date) -> None:
    from korean_lunar_calendar import KoreanLunarCalendar

    conv = KoreanLunarCalendar()
    assert conv.setSolarDate(d.year, d.month, d.day)
    back = dates.lunar_to_gregorian(conv.lunarYear, conv.lunarMonth, conv.lunarDay, bool(conv.isIntercalation))
    assert back == d


def test_the_lunar_month_table_agrees_with_converting_each_first_day() -> None:
    """Each month of the shipped table (first day, and whether a 30th exists) is what the
    library gives for that month's first and thirtieth day, leap months included, up to
    where the tables end (lunar 2050-11-18)."""
    from korean_lunar_calendar import KoreanLunarCalendar

    conv = KoreanLunarCalendar()
    for y in [1000, 1001, 1446, 1581, 1582, 1583, 1895, 1896, *range(1950, 2051)]:
        expected = {}
        for m in range(1, 13):
            for leap in (False, True):
                if conv.setLunarDate(y, m, 1, leap) and conv.isIntercalation == leap:
                    start = date(conv.solarYear, conv.solarMonth, conv.solarDay).toordinal()
                    expected[(m, leap)] = (start, bool(conv.setLunarDate(y, m, 30, leap)))
        assert dates.lunar_months(y) == expected, y
    assert (4, True) in dates.lunar_months(2020) and (2, True) in dates.lunar_months(
        2023
    )  # 2020's and 2023's leap months
    assert dates.lunar_months(999) is None and dates.lunar_months(2051) is None


def test_the_shipped_lunar_month_table_is_what_the_converter_writes() -> None:
    """``anniv/lunar_months.py`` (read instead of converting: the library sums the days of
    every year since 1000 for a year it has not seen, about half a millisecond a date) is
    exactly what ``dates.lunar_table_source`` writes from the installed korean-lunar-calendar,
    every year of the KASI tables."""
    from anniv import cache, lunar_months

    path = Path(lunar_months.__file__)
    assert path.read_text(encoding="utf-8") == dates.lunar_table_source(), "run lunar_table_source again"
    assert lunar_months.FIRST_YEAR == dates.LUNAR_FIRST_YEAR
    assert len(lunar_months.YEARS) == dates.LUNAR_LAST_YEAR - dates.LUNAR_FIRST_YEAR + 1
    first, last = cache.MOVER_YEARS
    assert all(dates.lunar_months(y) for y in range(first, last + 1))


_LUNAR_REFERENCE: list[object] = []


@settings(max_examples=1500, deadline=None)
@given(
    st.integers(dates.LUNAR_FIRST_YEAR, dates.LUNAR_LAST_YEAR), st.integers(1, 12), st.integers(1, 30), st.booleans()
)
def test_lunar_dates_convert_as_the_library_converts_them(year: int, month: int, day: int, leap: bool) -> None:
    """Any lunar day: refused exactly when the library refuses it, else the solar day it
    gives, and as a Gregorian day that day converted from the Julian calendar before
    1582-10-15."""
    from korean_lunar_calendar import KoreanLunarCalendar

    if not _LUNAR_REFERENCE:
        _LUNAR_REFERENCE.append(KoreanLunarCalendar())  # one converter: it remembers its sums
    conv: Any = _LUNAR_REFERENCE[0]
    valid = conv.setLunarDate(year, month, day, leap) and conv.isIntercalation == leap
    if not valid:
        with pytest.raises((ValueError, DateRangeError)):
            dates.lunar_to_solar(year, month, day, leap)
        with pytest.raises((ValueError, DateRangeError)):
            dates.lunar_to_gregorian(year, month, day, leap)
        return
    solar = date(conv.solarYear, conv.solarMonth, conv.solarDay)
    assert dates.lunar_to_solar(year, month, day, leap) == solar
    gregorian = solar if solar >= date(1582, 10, 15) else date(*dates.julian_to_gregorian(*solar.timetuple()[:3]))
    assert dates.lunar_to_gregorian(year, month, day, leap) == gregorian
