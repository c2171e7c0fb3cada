"""The quality gates of `anniv check`: sources, anniversary numbers, duplicates, aliases, stats.

Each case writes a tiny catalogue into tmp_path; the table says what `check` must say and
which exit code it gives with and without --strict (warnings fail only with --strict).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from anniv.catalog import load_catalog
from anniv.cli import main
from anniv.engine import commemoration_drift

ENV = {"ANNIV_NO_CACHE": "1"}
SRC = "sources: [{title: A page, url: 'https://example.org/page'}]"


def anniv(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, env=ENV)
    return code, out.getvalue(), err.getvalue()


def calendar(cal_id: str, *events: str) -> str:
    body = "".join(f"  - {e.strip().replace(chr(10), chr(10) + '    ')}\n" for e in events)
    return f"calendar:\n  id: {cal_id}\n  name: {cal_id.title()}\nevents:\n{body}"


def event(eid: str, title: str = "", date: str = "1950-10-25", extra: str = "", sources: str = SRC) -> str:
    lines = [
        f"id: {eid}",
        f"title: {title or eid.replace('-', ' ').capitalize()}",
        f"date: {date}",
        "summary: Something happened.",
    ]
    if sources:
        lines.append(sources)
    if extra:
        lines.append(extra.strip())
    return "\n".join(lines)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


COMM_75 = "commemorations:\n  - {date: 2025-10-24, anniversary: 75, what: Visit., " + SRC + "}"
CASES = [
    # (files, exit, exit with --strict, text that must appear on stderr)
    ({"a": calendar("a", event("one", sources=""))}, 1, 1, "missing required key 'sources'"),
    ({"a": calendar("a", event("one", sources="sources: []"))}, 1, 1, "an event needs at least one source"),
    ({"a": calendar("a", event("one", sources="sources: [{publisher: Nobody}]"))}, 1, 1, "a source needs a 'title'"),
    ({"a": calendar("a", event("one", extra=COMM_75))}, 0, 0, ""),
    (
        {"a": calendar("a", event("one", extra=COMM_75.replace("anniversary: 75", "anniversary: 70")))},
        1,
        1,
        "says anniversary 70, but the 70th falls in 2020",
    ),
    (
        {"a": calendar("a", event("one", extra=COMM_75.replace("2025-10-24", "2015-10")))},
        1,
        1,
        "commemoration dated 2015-10 says anniversary 75",
    ),
    (
        {
            "a": calendar(
                "a",
                event(
                    "one",
                    extra=COMM_75.replace("sources: [{title: A page, url: 'https://example.org/page'}]", "sources: []"),
                ),
            )
        },
        1,
        1,
        "a commemoration needs at least one source",
    ),
    (
        {"a": calendar("a", event("one", extra=COMM_75.replace("2025-10-24", "2024-01")))},
        0,
        1,
        f"is {(date(2025, 10, 25) - date(2024, 1, 31)).days} days from the 75th anniversary (2025-10-25)",
    ),
    ({"a": calendar("a", event("one", extra=COMM_75.replace("2025-10-24", "2020-10").replace("75", "70")))}, 0, 0, ""),
    (
        {"a": calendar("a", event("one", title="Armistice")), "b": calendar("b", event("two", title="armistice"))},
        1,
        1,
        "'two' has the same title and date as 'one'",
    ),
    (
        {
            "a": calendar("a", event("one", title="Armistice")),
            "b": calendar("b", event("two", title="Armistice", date="1953-07-27")),
        },
        0,
        1,
        "warning: alias 'Armistice' of 'two' also names 'one'",
    ),
    (
        {"a": calendar("a", event("one")), "b": calendar("b", event("one", title="Other"))},
        1,
        1,
        "duplicate event id 'one': also in",
    ),
    (
        {
            "a": calendar("a", event("one", extra="aliases: [Victory Day]")),
            "b": calendar("b", event("two", extra="aliases: [victory day]")),
        },
        0,
        1,
        "warning: alias 'victory day' of 'two' also names 'one'",
    ),
    (
        {
            "a": calendar("a", event("one", title="Victory Day")),
            "b": calendar("b", event("two", extra="aliases: [Victory Day]")),
        },
        0,
        1,
        "alias 'Victory Day' of 'two' also names 'one'",
    ),
    ({"a": calendar("a", event("one", extra="related: [nowhere]"))}, 1, 1, "related id 'nowhere'"),
]
IDS = [
    "no-sources-key",
    "empty-sources",
    "source-without-title",
    "commemoration-ok",
    "commemoration-wrong-number",
    "commemoration-decade-off",
    "commemoration-without-source",
    "commemoration-21-months-early",
    "commemoration-ahead-of-anniversary",
    "same-title-and-date",
    "same-title-other-date",
    "duplicate-id-across-files",
    "alias-shared",
    "alias-is-another-title",
    "related-unknown",
]


@pytest.mark.parametrize(("files", "code", "strict_code", "message"), CASES, ids=IDS)
def test_check_gates(tmp_path: Path, files: dict[str, str], code: int, strict_code: int, message: str) -> None:
    folder = write(tmp_path / "calendars", files)
    got, out, err = anniv("check", "--data", str(folder))
    assert got == code, err
    assert message in err
    if code == 0:
        assert out.startswith("OK:")
    assert anniv("check", "--strict", "--data", str(folder))[0] == strict_code


def test_problems_are_located(tmp_path: Path) -> None:
    folder = write(tmp_path / "calendars", {"a": calendar("a", event("one"), event("two", sources="sources: []"))})
    _, _, err = anniv("check", "--data", str(folder))
    line = next(line for line in err.splitlines() if "at least one source" in line)
    path, row, col = line.split(":")[:3]
    assert path.endswith("a.yaml")
    text = (folder / "a.yaml").read_text(encoding="utf-8").splitlines()
    assert text[int(row) - 1][int(col) - 1 :].startswith("sources")


@pytest.mark.parametrize(
    ("event_date", "comm_date", "number", "warned"),
    [
        ("1950-10-25", "2025-10-24", 75, False),
        ("1950-10-25", "2024-10-25", 75, False),  # 366 days ahead: the edge, allowed
        ("1950-10-25", "2024-10-23", 75, True),  # 367 days ahead
        ("1950-10-25", "2026-10", 75, False),  # the month reaches back within a year
        ("1950-10-25", "2026-12", 75, True),
        ("1950-10-25", "2025", 75, False),
        ("1953-07-27", "2023-07-27", 70, False),
        ("1945-08", "2000-01", 55, False),  # month-precision events: years only (the loader's check)
    ],
    ids=[
        "day-before",
        "edge-366",
        "edge-367",
        "month-within",
        "month-beyond",
        "year-only",
        "on-the-day",
        "event-without-day",
    ],
)
def test_commemoration_drift(tmp_path: Path, event_date: str, comm_date: str, number: int, warned: bool) -> None:
    comm = f"commemorations:\n  - {{date: {comm_date}, anniversary: {number}, what: Marked., {SRC}}}"
    folder = write(tmp_path / "calendars", {"a": calendar("a", event("one", date=event_date, extra=comm))})
    cat = load_catalog(folder, use_cache=False)
    assert not cat.errors, cat.errors
    assert bool(commemoration_drift(cat.events[0])) is warned


def test_stats(tmp_path: Path) -> None:
    no_url = "sources: [{title: A book, publisher: A press}, {seed: seeds/card.yaml}]"
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "card.yaml").write_text("id: card\n", encoding="utf-8")
    files = {
        "alpha": calendar(
            "alpha",
            event("a1", extra="importance: 3\n" + COMM_75),
            event("a2", date="1953-07-27", extra="importance: 3"),
            event("a3", date="1960-04-19", sources=no_url),
        ),
        "beta": calendar("beta", event("b1", date="1919-03-01", extra="importance: 1")),
    }
    folder = write(tmp_path / "calendars", files)
    code, out, err = anniv("check", "--stats", "--data", str(folder))
    assert code == 0, err
    rows = {
        line.split()[0]: line.split()[1:]
        for line in out.splitlines()
        if line.split() and line.split()[0] in ("alpha", "beta", "total")
    }
    # events, sources, no source, no url, comms, with comms
    assert rows["alpha"] == ["3", "4", "0", "1", "1", "1"]
    assert rows["beta"] == ["1", "1", "0", "0", "0", "0"]
    assert rows["total"] == ["4", "5", "0", "1", "1", "1"]
    assert "sources per event: 1.25 on average, 1 at least, 2 at most" in out
    assert "page sources without a note of what they confirmed: 5 of 5" in out
    assert "importance 3: 1 of 2, importance 2: 1 of 1, importance 1: 1 of 1" in out
    assert "importance 3 without: a2" in out
    assert out.rstrip().endswith("OK: 2 calendars, 4 events, 1 commemorations")


def test_stats_print_even_when_check_fails(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "calendars",
        {"a": calendar("a", event("one")), "b": calendar("b", event("two", sources="sources: []"))},
    )
    code, out, err = anniv("check", "--stats", "--data", str(folder))
    assert code == 1 and "1 of 2 file(s) usable" in err
    assert out.splitlines()[1].split()[:2] == ["a", "1"]
