"""The date engine against known anniversaries, plus properties that must hold for any data."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anniv.catalog import Catalog, load_catalog
from anniv.engine import Anniversary, Query, anniversaries, next_milestones
from anniv.model import Event, HistDate

FIXTURES = Path(__file__).parent / "data" / "engine"


@pytest.fixture(scope="module")
def cat() -> Catalog:
    c = load_catalog(FIXTURES, use_cache=False)
    assert not c.errors, c.errors
    return c


def find(
    cat: Catalog, start: date, end: date, event_id: str, today: date | None = None, **kw: object
) -> list[Anniversary]:
    q = Query(start, end, today or start, **kw)  # type: ignore[arg-type]
    return [a for a in cat.query(q) if a.event.id == event_id]


KNOWN = [
    ("cpv-entry", date(2025, 10, 25), 75),
    ("cpv-yalu", date(2025, 10, 19), 75),
    ("october-revolution", date(2017, 11, 7), 100),
    ("shakespeare-death", date(2016, 4, 23), 400),
    ("confucius-birth", date(2018, 9, 28), 2568),
    ("caesar-ides", date(2026, 3, 15), 2069),
    ("hangul-proclamation", date(2026, 10, 9), 580),
    ("memorial-rule", date(2025, 5, 26), 157),
    ("leap-feb28", date(2025, 2, 28), 65),
    ("leap-mar1", date(2025, 3, 1), 65),
    ("leap-feb28", date(2028, 2, 29), 68),
]


@pytest.mark.parametrize("event_id,day,years", KNOWN, ids=[f"{k[0]}-{k[2]}" for k in KNOWN])
def test_known_anniversaries(cat: Catalog, event_id: str, day: date, years: int) -> None:
    found = find(cat, day - timedelta(days=3), day + timedelta(days=3), event_id)
    assert [(a.date, a.kind, a.count) for a in found] == [(day, "years", years)]


def test_leap_years_only_skips_common_years(cat: Catalog) -> None:
    assert find(cat, date(2025, 1, 1), date(2027, 12, 31), "leap-only") == []
    assert [a.date for a in find(cat, date(2028, 1, 1), date(2028, 12, 31), "leap-only")] == [date(2028, 2, 29)]


CHUSEOK = {2024: date(2024, 9, 17), 2025: date(2025, 10, 6), 2026: date(2026, 9, 25), 2027: date(2027, 9, 15)}


@pytest.mark.parametrize("year", sorted(CHUSEOK), ids=lambda y: f"lunar-{y}")
def test_lunar_event_moves_with_the_lunar_calendar(cat: Catalog, year: int) -> None:
    found = find(cat, date(year, 1, 1), date(year, 12, 31), "lunar-fixture")
    assert [(a.date, a.count) for a in found] == [(CHUSEOK[year], year - 1900)]


def test_thousand_days_are_counted_inclusively(cat: Catalog) -> None:
    found = [
        a
        for a in find(cat, date(2024, 11, 1), date(2024, 11, 30), "ukraine-invasion", date(2024, 11, 1))
        if a.kind == "days"
    ]
    assert [(a.date, a.count, a.label()) for a in found] == [(date(2024, 11, 19), 1000, "1,000 days")]


def test_day_counts_for_young_events_without_opt_in(cat: Catalog) -> None:
    ev = Event(id="young", title="Young", date=HistDate(2024, 1, 1), calendar_id="x", sources=())
    q = Query(date(2024, 4, 1), date(2024, 4, 30), date(2024, 4, 1))
    assert [(a.kind, a.count, a.date) for a in anniversaries([ev], q)] == [("days", 100, date(2024, 4, 9))]
    old = Query(date(2024, 4, 1), date(2024, 4, 30), date(2030, 1, 1))  # too old by then: no count
    assert anniversaries([ev], old) == []


def test_window_crossing_the_year_end(cat: Catalog) -> None:
    q = Query(date(2025, 12, 20), date(2026, 1, 10), date(2025, 12, 20))
    got = {(a.event.id, a.date, a.count) for a in cat.query(q)}
    assert ("christmas", date(2025, 12, 25), 75) in got
    assert ("new-year", date(2026, 1, 1), 80) in got


def test_month_precision_is_listed_at_the_start_of_its_month(cat: Catalog) -> None:
    found = find(cat, date(2025, 6, 1), date(2025, 6, 30), "month-only")
    assert [(a.date, a.precision, a.count) for a in found] == [(date(2025, 6, 1), "month", 75)]
    assert find(cat, date(2025, 6, 2), date(2025, 6, 30), "month-only") == []
    assert find(cat, date(2025, 6, 1), date(2025, 6, 30), "month-only", partial=False) == []


def test_year_precision_is_listed_in_its_year(cat: Catalog) -> None:
    found = find(cat, date(2025, 1, 1), date(2025, 12, 31), "year-only")
    assert [(a.precision, a.count) for a in found] == [("year", 633)]


def test_round_filter_keeps_multiples_of_five(cat: Catalog) -> None:
    q = Query(date(2025, 1, 1), date(2025, 12, 31), date(2025, 1, 1), round_only=True)
    found = cat.query(q)
    assert found and all(a.count % 5 == 0 or a.kind == "days" for a in found)
    assert "memorial-rule" not in {a.event.id for a in found}  # 157th


def test_tag_and_calendar_filters(cat: Catalog) -> None:
    q = Query(date(2025, 10, 1), date(2025, 10, 31), date(2025, 10, 1), tags=("china",))
    assert {a.event.id for a in cat.query(q)} == {"cpv-entry", "cpv-yalu"}
    q = Query(date(2025, 10, 1), date(2025, 10, 31), date(2025, 10, 1), calendars=("elsewhere",))
    assert cat.query(q) == []


def test_next_milestones(cat: Catalog) -> None:
    ev = cat.by_id["cpv-entry"]
    got = [(a.date, a.count) for a in next_milestones(ev, date(2025, 10, 26))]
    assert got == [(date(2030, 10, 25), 80), (date(2035, 10, 25), 85), (date(2040, 10, 25), 90)]


def test_index_and_full_scan_agree(cat: Catalog) -> None:
    for start in (date(2024, 2, 20), date(2025, 10, 1), date(2026, 12, 15), date(2027, 2, 25)):
        end = start + timedelta(days=40)
        q = Query(start, end, start)
        assert cat.query(q) == anniversaries(cat.events, q)


# -- properties ------------------------------------------------------------------------------
gregorian_days = st.dates(min_value=date(1000, 1, 1), max_value=date(2030, 12, 31))
windows = st.tuples(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 800))
policies = st.sampled_from(["feb28", "mar1", "leap-years-only"])


def _event(i: int, d: date, policy: str) -> Event:
    return Event(
        id=f"e{i}", title=f"E{i}", date=HistDate(d.year, d.month, d.day), calendar_id="p", leap_day=policy, sources=()
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(gregorian_days, policies), min_size=1, max_size=12), windows)
def test_properties_of_any_window(items: list[tuple[date, str]], win: tuple[date, int]) -> None:
    events = [_event(i, d, p) for i, (d, p) in enumerate(items)]
    start = win[0]
    end = start + timedelta(days=win[1])
    q = Query(start, end, start, day_count_age_years=0)
    found = anniversaries(events, q)
    for a in found:
        assert start <= a.date <= end  # every result lies in the window
        assert a.count == a.date.year - a.event.date.year  # the number is Y − y
        assert a.count >= 1
    keys = [(a.event.id, a.kind, a.count) for a in found]
    assert len(keys) == len(set(keys))  # nothing is produced twice
    shuffled = events[:]
    random.Random(len(events)).shuffle(shuffled)
    assert anniversaries(shuffled, q) == found  # the order is stable
    # the index finds the same as a full scan
    cat = Catalog((), [])
    cat.events = tuple(events)
    assert engine_by_index(cat, q) == found


def engine_by_index(cat: Catalog, q: Query) -> list[Anniversary]:
    return anniversaries(cat.candidates(q.start, q.end), q)
