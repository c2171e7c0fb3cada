"""Fuzzing: records built from the schema (valid and mutated), spliced bytes, random windows and
random copy, run against the loader, the engine, the feed writer and the claim checker.

The only failure allowed is one of ours: the loader returns located problems and never raises;
the engine, writer and checker raise nothing outside the ``AnnivError`` family. Every feed
produced re-parses with icalendar to the same events.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default, 150 examples a test) runs in the suite;
``nightly`` (5,000 examples a test) is for scheduled runs, see docs/security.md. The profiles
are applied per test here, so other test modules keep their own Hypothesis settings.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from anniv import engine
from anniv.errors import AnnivError, Problem
from anniv.model import Calendar, Event
from anniv.records import parse_calendar

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
PROFILES = {
    "ci": settings(max_examples=150, **_COMMON),  # type: ignore[arg-type]
    "nightly": settings(max_examples=5000, **_COMMON),  # type: ignore[arg-type]
    "smoke": settings(max_examples=20, **_COMMON),  # type: ignore[arg-type]
}
FUZZ = PROFILES.get(os.environ.get("HYPOTHESIS_PROFILE", "ci"), PROFILES["ci"])

# -- strategies: valid records from the schema in docs/records.md --------------------------------

ids = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}\Z")
# Text an editor could type: any character except controls, surrogates and the Unicode line and
# paragraph separators (which YAML reads as line breaks and the loader refuses, see the corpus).
words = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda s: s.strip() != ""
)
tricky_words = st.sampled_from(
    [
        "NO",
        "yes",
        "on",
        "off",
        "10:25",
        "1950",
        "1950-10-25",
        "null",
        "~",
        "3.5",
        "#x",
        "&a",
        "*a",
        "!t",
        "- x",
        "a: b",
        "'",
        '"',
        "\\N",
        "%",
        "@",
        "`",
    ]
)
texts = st.one_of(words, tricky_words)
qualifiers = st.sampled_from(["", "", "", "~", "?", "%"])


@st.composite
def gregorian_dates(draw: st.DrawFn, bce: bool = True, precision: str | None = None) -> str:
    year = draw(st.integers(-2000 if bce else 1, 2100).filter(lambda y: y != 0))
    prec = precision or draw(st.sampled_from(["day", "day", "day", "month", "year"]))
    text = f"-{-year:04d}" if year < 0 else f"{year:04d}"
    if prec in ("month", "day"):
        month = draw(st.integers(1, 12))
        text += f"-{month:02d}"
        if prec == "day":
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            last = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            text += f"-{draw(st.integers(1, last)):02d}"
    return text + draw(qualifiers)


month_days = st.builds(lambda m, d: f"{m:02d}-{d:02d}", st.integers(1, 12), st.integers(1, 28))
rules = st.sampled_from(
    [
        "last MO of 05",
        "2nd SU of 05",
        "1st MO after 09-01",
        "3rd TH on or after 11-01",
        "FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO",
        "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
    ]
)
sources = st.one_of(
    st.fixed_dictionaries(
        {"title": texts},
        optional={
            "publisher": texts,
            "url": st.builds(lambda p: f"https://example.org/{p}", st.from_regex(r"\A[a-z0-9/._-]{0,20}\Z")),
            "published": gregorian_dates(bce=False, precision="day"),
            "note": texts,
        },
    ),
    st.builds(lambda n: {"seed": f"seeds/{n}.yaml"}, st.from_regex(r"\A[a-z0-9_]{1,12}\Z")),
)


@st.composite
def events(draw: st.DrawFn, used: set[str]) -> dict[str, Any]:
    ev_id = draw(ids.filter(lambda i: i not in used))
    used.add(ev_id)
    system = draw(st.sampled_from(["gregorian", "gregorian", "gregorian", "julian", "korean-lunar"]))
    ev: dict[str, Any] = {"id": ev_id, "title": draw(texts)}
    if system == "korean-lunar":
        # day ≤ 29 exists in every lunar month; a leap month is left out (few years have one);
        # the tables end at lunar 2050-11-18, so 2050 is left to the corpus
        ev["date"] = (
            f"{draw(st.integers(1000, 2049)):04d}-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 29)):02d}"
        )
        ev["calendar"] = system
        ev["leap_month"] = False
        if draw(st.booleans()):
            ev["observed"] = {"on": draw(month_days)}
    elif system == "julian":
        ev["date"] = draw(gregorian_dates(bce=False, precision="day")).rstrip("~?%")
        y, m, d = (int(x) for x in ev["date"].split("-"))
        assume(not (m == 2 and d == 29))  # a Julian-only Feb 29 needs a leap year in Julian terms
        ev["calendar"] = system
        ev["observed"] = {"on": draw(st.sampled_from(["converted", "nominal"]))}
    else:
        ev["date"] = draw(gregorian_dates())
        day = ev["date"].rstrip("~?%").count("-") - ev["date"].startswith("-") == 2
        if day and draw(st.integers(0, 3)) == 0:
            ev["observed"] = draw(
                st.one_of(st.builds(lambda on: {"on": on}, month_days), st.builds(lambda r: {"rule": r}, rules))
            )
            if draw(st.booleans()):
                ev["observed"]["note"] = draw(texts)
    ev["summary"] = draw(texts)
    ev["sources"] = draw(st.lists(sources, min_size=1, max_size=3))
    optional: dict[str, Any] = {
        "leap_day": st.sampled_from(["feb28", "mar1", "leap-years-only"]),
        "aliases": st.lists(texts, max_size=3),
        "titles": st.dictionaries(st.sampled_from(["ko", "zh", "ja", "fr"]), texts, max_size=3),
        "tags": st.lists(ids, max_size=3),
        "places": st.lists(texts, max_size=2),
        "importance": st.integers(1, 3),
        "alternative_dates": st.lists(st.fixed_dictionaries({"date": gregorian_dates(), "note": texts}), max_size=2),
        "related": st.lists(ids, max_size=2),
        "milestones": st.fixed_dictionaries({"days": st.booleans()}),
        "time": st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
        "tz": st.sampled_from(["Asia/Seoul", "Europe/Moscow", "UTC"]),
        "notes": texts,
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=6)):
        ev[key] = draw(optional[key])
    if system == "gregorian" and not ev["date"].startswith("-") and draw(st.integers(0, 3)) == 0:
        year = int(ev["date"][:4])
        n = draw(st.integers(1, 80))
        if year + n <= 2100:
            ev["commemorations"] = [
                {"date": f"{year + n:04d}", "anniversary": n, "what": draw(texts), "sources": [{"title": "t"}]}
            ]
    return ev


@st.composite
def calendars(draw: st.DrawFn) -> dict[str, Any]:
    used: set[str] = set()
    doc = {
        "calendar": {"id": "fuzz", "name": draw(texts)},
        "events": draw(st.lists(events(used), min_size=1, max_size=4)),
    }
    if draw(st.booleans()):
        doc["calendar"]["leap_day"] = draw(st.sampled_from(["feb28", "mar1", "leap-years-only"]))
    return doc


def dump(doc: Any, flow: bool | None = None) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=flow, width=10_000).encode(
        "utf-8"
    )


# -- strategies: mutations -----------------------------------------------------------------------

odd_values = st.one_of(
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.just([]),
    st.just({}),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    tricky_words,
    st.text(max_size=20),
    st.binary(max_size=10),
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here] if here else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*here, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*here, i))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutated_docs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid calendar with a few random keys deleted, values swapped for other types, and
    keys renamed (typos)."""
    doc = draw(calendars())
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        if not paths:
            break  # everything was deleted already
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        action = draw(st.sampled_from(["delete", "swap", "rename"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "swap":
            parent[path[-1]] = draw(odd_values)
        elif isinstance(parent, dict):
            parent[path[-1] + draw(st.sampled_from(["s", "_", "x"]))] = parent.pop(path[-1])
    return doc


@st.composite
def spliced_bytes(draw: st.DrawFn) -> bytes:
    """YAML text of a valid calendar with random bytes inserted, bytes overwritten or the tail
    cut off, block or flow style."""
    data = bytearray(dump(draw(calendars()), flow=draw(st.sampled_from([None, False, True]))))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "overwrite", "truncate", "yaml"]))
        if action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[at : at + len(chunk)] = chunk
        elif action == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(
                st.sampled_from(
                    [
                        b"&a ",
                        b"*a",
                        b"!!python/object:os.system ",
                        b"\t",
                        b"{",
                        b"[",
                        b"]",
                        b"- ",
                        b": ",
                        b"\r",
                        b"\xef\xbb\xbf",
                        b"\xe2\x80\xa8",
                        b"%YAML 1.1\n",
                        b"---\n",
                        b"? ",
                        b"<<: ",
                    ]
                )
            )
    return bytes(data)


# -- what must hold ------------------------------------------------------------------------------


def load(data: bytes) -> tuple[Calendar | None, list[Problem]]:
    """The loader never raises and locates what it reports."""
    cal, problems = parse_calendar(data, "fuzz.yaml", expected_id="fuzz")
    lines = data.count(b"\n") + data.count(b"\r") + 2
    for p in problems:
        assert p.path == "fuzz.yaml" and p.message.strip()
        assert "\n" not in p.message, p
        assert 0 <= p.line <= lines and p.col >= 0, p
        if p.line == 0:
            assert "limited to" in p.message, p  # only the size refusal has no position
    errors = [p for p in problems if p.severity == "error"]
    if cal is not None and not errors:
        assert all(isinstance(e, Event) for e in cal.events)
    return cal, problems


@FUZZ
@given(calendars(), st.sampled_from([None, False, True]))
def test_valid_records_load_without_problems(doc: dict[str, Any], flow: bool | None) -> None:
    cal, problems = load(dump(doc, flow))
    assert problems == [], problems
    assert cal is not None
    assert [e.id for e in cal.events] == [e["id"] for e in doc["events"]]
    for ev, want in zip(cal.events, doc["events"], strict=True):
        assert ev.title == want["title"]
        assert ev.summary == want["summary"]
        assert ev.date.iso() == want["date"]
        assert ev.aliases == tuple(want.get("aliases", ()))


@FUZZ
@given(mutated_docs())
def test_mutated_records_give_located_problems(doc: dict[str, Any]) -> None:
    try:
        data = dump(doc)
    except yaml.YAMLError:
        assume(False)
    load(data)


@FUZZ
@given(spliced_bytes())
def test_spliced_bytes_give_located_problems(data: bytes) -> None:
    load(data)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_located_problems(data: bytes) -> None:
    load(data)


# -- the engine ----------------------------------------------------------------------------------

windows = st.tuples(
    st.dates(date(1, 1, 1), date(9999, 12, 31)), st.integers(0, 800), st.dates(date(1900, 1, 1), date(2100, 12, 31))
)


def _events_of(doc: dict[str, Any]) -> list[Event]:
    cal, problems = parse_calendar(dump(doc), "fuzz.yaml", expected_id="fuzz")
    assert cal is not None and problems == []
    return list(cal.events)


def _window(w: tuple[date, int, date]) -> tuple[date, date, date]:
    start, length, today = w
    end = date.fromordinal(min(start.toordinal() + length, date.max.toordinal()))  # no overflow past 9999
    return start, end, today


@FUZZ
@given(calendars(), windows, st.booleans())
def test_engine_answers_any_window(doc: dict[str, Any], w: tuple[date, int, date], round_only: bool) -> None:
    evs = _events_of(doc)
    start, end, today = _window(w)
    q = engine.Query(start, end, today, round_only=round_only)
    try:
        found = engine.anniversaries(evs, q)
    except AnnivError:
        return  # e.g. a Korean lunar year past the KASI tables: our own, clear error
    assert found == sorted(found, key=engine.Anniversary.sort_key)
    for a in found:
        assert start <= a.date <= end
        assert a.count >= 1
        if a.kind == "years" and a.precision == "day":
            assert (
                a.count == a.date.year - engine.base_year(a.event)
                or a.event.date.calendar == "korean-lunar"
                or a.event.observed.rule
            )
        if round_only:
            assert a.is_round
        a.label("en"), a.label("ko"), a.label("zh")


# -- the feed writer -----------------------------------------------------------------------------


def _normal(text: str) -> str:
    """What a TEXT value reads back as: dropped controls, and icalendar's reading of line breaks
    and of a literal backslash-N (both documented in anniv/ics.py)."""
    from anniv import ics

    return ics.clean_text(text).replace("\\N", "\n").replace("\r\n", "\n").replace("\r", "\n")


@FUZZ
@given(calendars(), windows, st.sampled_from(["en", "ko", "zh"]), st.sampled_from([None, 0, 7]))
def test_feeds_reparse_to_the_same_events(
    doc: dict[str, Any], w: tuple[date, int, date], lang: str, alarms: int | None
) -> None:
    ics = pytest.importorskip("anniv.ics")
    icalendar = pytest.importorskip("icalendar")
    evs = _events_of(doc)
    start, end, today = _window(w)
    try:
        found = engine.anniversaries(evs, engine.Query(start, end, today))
        body, count = ics.Writer(lang, alarms).calendar(
            doc["calendar"]["name"], "Fuzzed; feed, with \\ odd text", found
        )
    except AnnivError:
        return
    parsed = icalendar.Calendar.from_ical(body)
    assert parsed.errors == [] if hasattr(parsed, "errors") else True
    vevents = parsed.walk("VEVENT")
    dated = sorted((a for a in found if a.precision == "day"), key=ics.feed_order)
    assert len(vevents) == count == len(dated)
    # icalendar 7.3 keeps X-WR-CALNAME verbatim (an unknown type), so it is unescaped here
    raw_name = parsed["X-WR-CALNAME"].to_ical().decode("utf-8")
    assert re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw_name) == _normal(
        doc["calendar"]["name"]
    )
    for comp, a in zip(vevents, dated, strict=True):
        assert getattr(comp, "errors", []) == []
        assert str(comp["UID"]) == ics.uid(a)
        assert comp.decoded("DTSTART") == a.date
        assert comp.decoded("DTEND") == a.date + timedelta(days=1)
        assert str(comp["SUMMARY"]) == _normal(ics.summary(a, lang))
        assert str(comp["DESCRIPTION"]) == _normal(ics.description(a.event, lang))
        assert (
            [str(c) for c in comp.get("CATEGORIES").cats] == [_normal(t) for t in a.event.tags]
            if a.event.tags
            else "CATEGORIES" not in comp
        )
        assert bool(comp.walk("VALARM")) == (alarms is not None and a.is_round)
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line


# -- the claim checker ---------------------------------------------------------------------------

ordinal_words = st.sampled_from(
    [
        "first",
        "tenth",
        "25th",
        "75th",
        "seventy-fifth",
        "100th",
        "1,000th",
        "centenary",
        "diamond jubilee",
        "0th",
        "-5th",
        "99999999999999999999th",
        "10,000 days",
        "75 years",
    ]
)
copy_pieces = st.one_of(
    ordinal_words,
    st.sampled_from(
        [
            "anniversary of",
            "years since",
            "years ago today",
            "marks",
            "ahead of the",
            "Oct. 25, 2025",
            "SEOUL, July 27 (Yonhap) —",
            "in 2020,",
            "551 BC",
            "on July 27, 1953",
            "\n",
            ". ",
            "the",
            "China enters the Korean War",
            "Korean War",
        ]
    ),
    words,
    st.text(max_size=15),
)


@FUZZ
@given(
    calendars(),
    st.lists(copy_pieces, max_size=25).map(" ".join),
    st.one_of(st.none(), st.dates(date(1, 1, 1), date(9999, 12, 31))),
    st.dates(date(1900, 1, 1), date(2100, 12, 31)),
)
def test_claim_checker_reads_any_copy(doc: dict[str, Any], text: str, published: date | None, today: date) -> None:
    claims = pytest.importorskip("anniv.claims")
    evs = _events_of(doc)
    try:
        found = claims.check_text(text, claims.EventIndex(evs), published, today)
    except AnnivError:
        return
    for c in found:
        assert c.verdict in ("ok", "wrong", "unknown", "ambiguous"), c
        assert 0 <= c.start <= c.end <= len(text)
        assert text[c.start : c.end] == c.text
        assert c.event_id is None or c.event_id in {e.id for e in evs}
        assert c.message


def test_the_profile_name_is_known() -> None:
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    assert name in PROFILES, f"HYPOTHESIS_PROFILE={name!r}; use one of {', '.join(PROFILES)}"
