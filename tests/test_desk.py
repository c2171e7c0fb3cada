"""The editor's desk: hooks (ranking, lead time, last commemoration, golden memo), show
(cards and timelines, golden), on (this day), and the pure helpers in anniv.desk."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from anniv import desk, engine
from anniv.catalog import load_catalog

HERE = Path(__file__).parent / "data" / "desk"
CALS = HERE / "calendars"
Run = Callable[..., Any]
UPDATE = os.environ.get("ANNIV_UPDATE_GOLDEN") == "1"


def golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/data/desk/NAME (ANNIV_UPDATE_GOLDEN=1 rewrites it)."""
    path = HERE / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def events() -> dict[str, Any]:
    cat = load_catalog(CALS, use_cache=False)
    assert not cat.errors
    return cat.by_id


# -- hooks ---------------------------------------------------------------------------------------


def test_hooks_memo_golden(run: Run) -> None:
    r = run("hooks", "--today", "2025-09-01", "--weeks", "10", "--format", "md", "--data", str(CALS))
    assert r.code == 0, r
    golden("hooks_2025-09-01.md", r.out)


def test_hooks_put_cpv_entry_near_the_top_with_the_70th(run: Run) -> None:
    r = run("hooks", "--today", "2025-09-01", "--weeks", "10", "--format", "json", "--data", str(CALS))
    rows = json.loads(r.out)
    top = [row["event_id"] for row in rows[:3]]
    assert "cpv-entry" in top
    row = rows[top.index("cpv-entry")]
    assert (row["years"], row["plan_now"], row["last_unknown"]) == (75, True, None)
    assert row["last_marked"]["anniversary"] == 70
    assert row["last_marked"]["sources"] == [{"seed": "seeds/000_7d01987f1f853c37.yaml"}]


def test_hooks_table_quotes_the_last_commemoration(run: Run) -> None:
    r = run("hooks", "--today", "2025-09-01", "--weeks", "10", "--data", str(CALS))
    assert "last marked: 70th, 2020-10: Kim visits the same cemetery" in r.out
    assert "seeds/000_7d01987f1f853c37.yaml" in r.out
    assert "how the 70th was marked is not on record" in r.out  # inchon-landing


@pytest.mark.parametrize(
    ("argv", "present"),
    [
        (("--today", "2025-09-20", "--weeks", "1"), True),  # 35 days out: inside the 63-day lead
        (("--today", "2025-09-20", "--weeks", "1", "--lead", "10"), False),  # lead 15 days: not yet
        (("--today", "2025-10-26", "--weeks", "4"), False),  # passed
        (("--from", "2025-10-20", "--to", "2025-10-30", "--today", "2025-10-01"), True),
    ],
    ids=["lead-reaches-today", "short-lead", "after-the-day", "explicit-window"],
)
def test_hooks_lead_time(run: Run, argv: tuple[str, ...], present: bool) -> None:
    r = run("hooks", *argv, "--format", "json", "--data", str(CALS))
    assert r.code == 0, r
    assert ("cpv-entry" in [row["event_id"] for row in json.loads(r.out)]) is present


@pytest.mark.parametrize(
    "argv",
    [
        ("--weeks", "0"),
        ("--weeks", "2", "--from", "2025-01-01", "--to", "2025-02-01"),
        ("--from", "2025-01-01"),
        ("--lead", "0"),
    ],
    ids=["zero-weeks", "weeks-and-from", "from-alone", "zero-lead"],
)
def test_hooks_usage_errors(run: Run, argv: tuple[str, ...]) -> None:
    r = run("hooks", *argv, "--data", str(CALS))
    assert r.code == 2 and r.err.startswith("anniv: ")


def test_hooks_ranking_prefers_rank_then_date(events: dict[str, Any]) -> None:
    today = date(2025, 9, 1)
    q = engine.Query(today, date(2025, 12, 31), today)
    found = engine.anniversaries(events.values(), q)
    ranked = desk.hooks(found, today, date(2025, 11, 9))
    scores = [h.score for h in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ranked[-1].anniversary.event.id == "pyongyang-captured"  # importance 1 ranks last


LEADS = [(100, 84), (75, 63), (50, 74), (70, 42), (65, 32), (73, 21)]


@pytest.mark.parametrize(("count", "lead"), LEADS, ids=[f"{c}th" for c, _ in LEADS])
def test_lead_days_scale_with_roundness(events: dict[str, Any], count: int, lead: int) -> None:
    a = engine.Anniversary(events["cpv-entry"], date(1950 + count, 10, 25), "years", count)
    assert desk.lead_days(a, 42) == lead


LAST = [
    ("cpv-entry", 75, date(2025, 9, 1), 70, None),
    ("cpv-entry", 80, date(2030, 1, 1), 75, None),
    ("cpv-entry", 85, date(2035, 1, 1), 75, 80),
    ("cpv-entry", 71, date(2021, 1, 1), 70, None),
    ("inchon-landing", 75, date(2025, 9, 1), None, 70),
    ("korean-armistice", 75, date(2028, 1, 1), 70, None),
]


@pytest.mark.parametrize(("ev", "count", "today", "quoted", "missing"), LAST, ids=[f"{e}-{c}" for e, c, *_ in LAST])
def test_last_marked(
    events: dict[str, Any], ev: str, count: int, today: date, quoted: int | None, missing: int | None
) -> None:
    prev, unknown = desk.last_marked(events[ev], count, today)
    assert (prev.anniversary if prev else None, unknown) == (quoted, missing)


# -- show ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_id",
    ["cpv-entry", "korean-armistice", "inchon-landing"],
    ids=["two-commemorations", "one-commemoration", "none"],
)
def test_show_golden(run: Run, event_id: str) -> None:
    r = run("show", event_id, "--today", "2025-11-01", "--data", str(CALS))
    assert r.code == 0, r
    golden(f"show_{event_id}.txt", r.out)


def test_show_json_timeline_and_next(run: Run) -> None:
    r = run("show", "cpv-entry", "--today", "2025-11-01", "--format", "json", "--data", str(CALS))
    card = json.loads(r.out)
    marked = {
        t["anniversary"]: [c["date"] for c in t["commemorations"]] for t in card["timeline"] if t["commemorations"]
    }
    assert marked == {70: ["2020-10"], 75: ["2025-10-24"]}
    assert [t["anniversary"] for t in card["timeline"]] == list(range(5, 80, 5))
    assert [(n["years"], n["date"], n["days_until"]) for n in card["next"]] == [
        (80, "2030-10-25", 1819),
        (85, "2035-10-25", 3645),
        (90, "2040-10-25", 5472),
    ]


@pytest.mark.parametrize(
    ("wanted", "suggested"),
    [
        ("cpv-entri", "cpv-entry"),
        ("the incheon landing", "inchon-landing"),
        ("Operation Chromite", "inchon-landing"),
        ("armistice", "korean-armistice"),
    ],
    ids=["typo-in-id", "alias", "alias-case", "word-in-title"],
)
def test_show_did_you_mean(run: Run, wanted: str, suggested: str) -> None:
    r = run("show", wanted, "--data", str(CALS))
    assert r.code == 1 and "did you mean" in r.err and suggested in r.err


def test_show_nothing_close(run: Run) -> None:
    r = run("show", "zzzz-qqqq", "--data", str(CALS))
    assert r.code == 1 and "did you mean" not in r.err and "no event" in r.err


@pytest.mark.parametrize(
    ("elapsed", "step"), [(75, 5), (300, 5), (305, 25), (2575, 100), (6000, 100), (6100, 500)], ids=str
)
def test_timeline_step(elapsed: int, step: int) -> None:
    assert desk.timeline_step(elapsed) == step


def test_timeline_counts_only_past_anniversaries(events: dict[str, Any]) -> None:
    entries, _ = desk.timeline(events["cpv-entry"], date(2025, 10, 24))
    assert [e.count for e in entries][-2:] == [70, 75]  # the 75th was marked on the 24th, before the day
    entries, _ = desk.timeline(events["inchon-landing"], date(2025, 9, 14))
    assert entries[-1].count == 70 and not entries[-1].commemorations


# -- on ------------------------------------------------------------------------------------------


ON = [
    ("10-25", "2025", [("cpv-entry", 75)]),
    ("10-19", "2025", [("pyongyang-captured", 75)]),
    ("09-15", "2000", [("inchon-landing", 50)]),
    ("07-27", "2023", [("korean-armistice", 70)]),
    ("01-01", "2025", []),
]


@pytest.mark.parametrize(("day", "year", "want"), ON, ids=[f"{d}-{y}" for d, y, _ in ON])
def test_on(run: Run, day: str, year: str, want: list[tuple[str, int]]) -> None:
    r = run("on", day, "--year", year, "--format", "json", "--data", str(CALS), "--today", "2025-11-01")
    assert r.code == 0, r
    assert [(row["event_id"], row["years"]) for row in json.loads(r.out)] == want


def test_on_one_year_and_bad_day(run: Run) -> None:
    r = run("on", "06-25", "--year", "2010", "--format", "json", "--data", str(CALS))
    assert [row["years"] for row in json.loads(r.out)] == [60]
    r = run("on", "13-01", "--data", str(CALS))
    assert r.code == 2


def test_on_feb29_in_a_common_year(run: Run) -> None:
    r = run("on", "02-29", "--year", "2025", "--data", str(CALS))
    assert r.code == 0 and "2025 has no 29 February" in r.out
