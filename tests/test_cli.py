"""The command line as scripts and people use it: `main(argv)` with captured output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from anniv import render
from anniv.catalog import load_catalog
from anniv.engine import Query

ENGINE = str(Path(__file__).parent / "data" / "engine")
CONTRACT = {
    "event_id",
    "title",
    "date",
    "event_date",
    "kind",
    "ordinal",
    "milestone",
    "rank",
    "calendar",
    "tags",
    "commemorations",
}


def test_seed_event_is_due_in_october_2025_on_the_bundled_data(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--month", "2025-10", "--today", "2025-10-01")
    assert r.code == 0, r
    line = next(ln for ln in r.out.splitlines() if "China enters the Korean War" in ln)
    assert line.startswith("* 2025-10-25") and "75th anniversary" in line


def test_json_contract_on_the_bundled_data(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--from", "2025-10-01", "--to", "2025-10-31", "--format", "json", "--today", "2025-10-01")
    rows = json.loads(r.out)
    assert rows and all(CONTRACT <= row.keys() for row in rows)
    seed = next(row for row in rows if row["event_id"] == "cpv-entry")
    assert (seed["date"], seed["event_date"], seed["kind"], seed["years"], seed["ordinal"]) == (
        "2025-10-25",
        "1950-10-25",
        "years",
        75,
        "75th",
    )
    assert {c["anniversary"] for c in seed["commemorations"]} >= {70, 75}


def test_default_window_is_the_current_month(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--data", ENGINE, "--today", "2025-10-10", "--format", "json")
    dates = {row["date"] for row in json.loads(r.out)}
    assert dates and all(d.startswith("2025-10") for d in dates)


def test_next_window_and_round_filter(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--data", ENGINE, "--today", "2025-10-20", "--next", "10d", "--round", "--format", "json")
    rows = json.loads(r.out)
    assert [(row["event_id"], row["date"]) for row in rows] == [("cpv-entry", "2025-10-25")]


def test_round_ones_come_first(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--data", ENGINE, "--today", "2025-05-01", "--month", "2025-05", "--format", "json")
    flags = [row["round"] for row in json.loads(r.out)]
    assert flags == sorted(flags, reverse=True)


def test_csv_and_markdown(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--data", ENGINE, "--month", "2025-10", "--today", "2025-10-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert any(row["event_id"] == "cpv-entry" and row["count"] == "75" for row in rows)
    r = run("due", "--data", ENGINE, "--month", "2025-10", "--today", "2025-10-01", "--format", "md")
    assert "| 2025-10-25 | Sat | **75th anniversary** | China enters the Korean War |" in r.out


def test_korean_and_chinese_ordinals(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--data", ENGINE, "--month", "2025-10", "--today", "2025-10-01", "--format", "json", "--lang", "ko")
    seed = next(row for row in json.loads(r.out) if row["event_id"] == "cpv-entry")
    assert seed["ordinal"] == "제75주년"


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["due", "--month", "2025-13"], "not a month"),
        (["due", "--from", "2025-10-01"], "--from and --to go together"),
        (["due", "--from", "2025-10-10", "--to", "2025-10-01"], "before --from"),
        (["due", "--month", "2025-10", "--next", "30d"], "give one window"),
        (["due", "--next", "soon"], "write a length like"),
        (["due", "--today", "yesterday"], "not a date"),
        (["due", "--calendar", "nope", "--data", ENGINE], "unknown calendar nope"),
        (["due", "--bogus"], "unrecognized arguments"),
    ],
    ids=[
        "bad-month",
        "from-alone",
        "reversed",
        "two-windows",
        "bad-next",
        "bad-today",
        "unknown-calendar",
        "unknown-flag",
    ],
)
def test_usage_errors_exit_2_without_traceback(run, argv: list[str], needle: str) -> None:  # type: ignore[no-untyped-def]
    r = run(*argv)
    assert r.code == 2, r
    assert needle in r.err and "Traceback" not in r.err


def test_data_from_environment(run) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--month", "2025-10", "--today", "2025-10-01", "--format", "json", env={"ANNIV_DATA": ENGINE})
    assert {row["calendar"] for row in json.loads(r.out)} == {"history"}


def test_missing_data_folder_is_a_clear_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("due", "--data", str(tmp_path / "nowhere"))
    assert r.code == 1 and "not a folder of calendars" in r.err


def test_check_says_what_it_read(run) -> None:  # type: ignore[no-untyped-def]
    r = run("check", "--data", ENGINE)
    assert r.code == 0 and r.out.startswith("OK: 1 calendars, 17 events")


def test_check_bundled_catalogue_is_clean(run) -> None:  # type: ignore[no-untyped-def]
    r = run("check")
    assert r.code == 0, r.err[-2000:]


def test_terminal_table_at_a_pinned_width() -> None:
    from datetime import date

    cat = load_catalog(Path(ENGINE), use_cache=False)
    found = cat.query(Query(date(2025, 10, 1), date(2025, 10, 31), date(2025, 10, 1)))
    rows = [render.row_dict(a, date(2025, 10, 1)) for a in found]
    text = render.to_terminal(rows, "Anniversaries, October 2025", 80, color=False)
    lines = text.splitlines()
    assert lines[0] == "Anniversaries, October 2025"
    assert all(len(line) <= 80 for line in lines)
    seed = next(ln for ln in lines if "2025-10-25" in ln and "75th anniversary" in ln)
    assert seed.startswith("* ") and "China enters" in seed
    coloured = render.to_terminal(rows, "T", 80, color=True)
    assert "\x1b[1;33m* 2025-10-25" in coloured  # round rows stand out in colour


def test_table_on_a_terminal_honours_no_color(run) -> None:  # type: ignore[no-untyped-def]
    import io

    from anniv.cli import main

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for env, coloured in (({"COLUMNS": "120"}, True), ({"COLUMNS": "120", "NO_COLOR": "1"}, False)):
        out = Tty()
        main(
            ["due", "--data", ENGINE, "--month", "2025-10", "--today", "2025-10-01"],
            stdout=out,
            stderr=io.StringIO(),
            env=env,
        )
        assert ("\x1b[" in out.getvalue()) is coloured
        assert "China enters the" in out.getvalue() and "2025-10-25" in out.getvalue()
