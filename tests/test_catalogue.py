"""The bundled calendars: each file validates on its own, and known dates do not drift."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anniv.catalog import bundled_data_dir, calendar_files, load_catalog
from anniv.engine import Query, kept_on

DATA = bundled_data_dir()
FILES = calendar_files(DATA)


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return load_catalog(DATA, use_cache=False)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_calendar_file_validates(path: Path) -> None:
    one = load_catalog(DATA, [path], use_cache=False)
    assert one.errors == [], "\n".join(map(str, one.errors))
    assert one.calendars[0].id == path.stem
    assert all(ev.sources for ev in one.events)


def test_catalogue_size_floors(cat) -> None:  # type: ignore[no-untyped-def]
    by_cal = {c.id: len(c.events) for c in cat.calendars}
    assert by_cal["korean-war"] >= 40 and by_cal["korea"] >= 120 and by_cal["east-asia"] >= 60 and by_cal["world"] >= 80
    assert len(cat.events) >= 300
    assert sum(len(e.commemorations) for e in cat.events) >= 60


SPOT = [
    ("korean-armistice-agreement", "1953-07-27"),
    ("incheon-landing", "1950-09-15"),
    ("korean-war-outbreak", "1950-06-25"),
    ("cpv-entry", "1950-10-25"),
    ("march-1st-movement", "1919-03-01"),
    ("liberation-of-korea", "1945-08-15"),
    ("rok-china-diplomatic-relations", "1992-08-24"),
    ("dprk-founded", "1948-09-09"),
    ("birth-of-kim-il-sung", "1912-04-15"),
    ("prc-founding", "1949-10-01"),
    ("hiroshima-atomic-bombing", "1945-08-06"),
    ("japan-china-normalization-1972", "1972-09-29"),
    ("d-day-normandy-landings", "1944-06-06"),
    ("fall-of-the-berlin-wall", "1989-11-09"),
    ("apollo-11-moon-landing", "1969-07-20"),
    ("russia-full-scale-invasion-of-ukraine", "2022-02-24"),
    ("confucius-birth", "-0550-09-28"),
    ("october-revolution-1917", "1917-10-25"),
]


@pytest.mark.parametrize("event_id,iso", SPOT, ids=[s[0] for s in SPOT])
def test_spot_checks(cat, event_id: str, iso: str) -> None:  # type: ignore[no-untyped-def]
    assert cat.by_id[event_id].date.iso() == iso


def test_old_style_records_are_kept_as_their_traditions_do(cat) -> None:  # type: ignore[no-untyped-def]
    assert kept_on(cat.by_id["october-revolution-1917"], 2017) == date(2017, 11, 7)
    assert kept_on(cat.by_id["death-of-william-shakespeare"], 2016) == date(2016, 4, 23)


def test_seed_event_commemorations(cat) -> None:  # type: ignore[no-untyped-def]
    ev = cat.by_id["cpv-entry"]
    by_n = {c.anniversary: c for c in ev.commemorations}
    assert by_n[75].date.iso() == "2025-10-24" and "Hoechang" in by_n[75].what
    assert by_n[70].date.iso().startswith("2020-10")
    assert any(s.seed == "seeds/000_7d01987f1f853c37.yaml" for s in by_n[75].sources)


@pytest.mark.parametrize("month", range(1, 13), ids=lambda m: f"2026-{m:02d}")
def test_every_month_of_2026_has_at_least_five_anniversaries(cat, month: int) -> None:  # type: ignore[no-untyped-def]
    start = date(2026, month, 1)
    end = date(2026 + (month == 12), month % 12 + 1, 1)
    found = cat.query(Query(start, date.fromordinal(end.toordinal() - 1), start))
    assert len(found) >= 5


def test_seed_card_exists_and_names_its_event() -> None:
    import yaml

    card = (
        yaml.safe_load((DATA.parent / "seeds" / "000_7d01987f1f853c37.yaml").read_text())
        if (DATA.parent / "seeds").is_dir()
        else None
    )
    if card is None:
        pytest.skip("running from an installed package without the repository's seeds/")
    assert card["published"] == date(2025, 10, 25) and "cpv-entry" in card["events"]
    assert json.dumps(card, default=str)


# -- cross-file checks a part at a time -----------------------------------------------------------
def _cross_in_two_passes(rows):
    """The cross-file checks as written first: every duplicate id, then per event its unknown
    related ids, a shared title and date, its ambiguous aliases."""
    out, first, aliases, titles = [], {}, {}, {}
    for path, (eid, line, col, *_rest) in rows:
        if eid in first and first[eid][0] != path:
            out.append((path, line, col, "duplicate", eid))
        first.setdefault(eid, (path, line))
    for path, (eid, line, col, title, iso, names, related) in rows:
        out += [(path, line, col, "related", rel) for rel in related if rel not in first]
        key = (title.casefold(), iso)
        if key in titles and titles[key] != eid:
            out.append((path, line, col, "title", eid))
        titles.setdefault(key, eid)
        for name in (title, *names):
            if name.casefold() in aliases and aliases[name.casefold()] != eid:
                out.append((path, line, col, "alias", name))
            aliases.setdefault(name.casefold(), eid)
    return out


_IDS = st.sampled_from(["a", "b", "c", "d"])
_NAMES = st.sampled_from(["Truce", "truce", "Fall", "Rise"])
_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["one.yaml", "two.yaml", "three.yaml"]),
        st.tuples(
            _IDS,
            st.integers(1, 9),
            st.integers(1, 9),
            _NAMES,
            st.sampled_from(["1950-10-25", "1953-07-27"]),
            st.lists(_NAMES, max_size=2).map(tuple),
            st.lists(st.sampled_from(["a", "b", "x"]), max_size=2).map(tuple),
        ),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(_ROWS, st.lists(st.integers(0, 12), max_size=4))
def test_cross_checks_a_part_at_a_time_find_what_one_pass_finds(rows, cuts) -> None:
    from anniv.catalog import CrossCheck

    check = CrossCheck()
    bounds = sorted({0, len(rows), *(min(c, len(rows)) for c in cuts)})
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        check.add(rows[lo:hi])
    found = [(p.path, p.line, p.col, p.message) for p in check.finish()]
    expected = _cross_in_two_passes(rows)
    assert len(found) == len(expected)
    for (path, line, col, message), (epath, eline, ecol, kind, what) in zip(found, expected, strict=True):
        assert (path, line, col) == (epath, eline, ecol)
        assert {"duplicate": "duplicate event id", "related": "related id", "title": "same title", "alias": "alias"}[
            kind
        ] in message
        assert repr(what) in message
