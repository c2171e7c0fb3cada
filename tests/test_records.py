"""The loader: every bad fixture is reported at its exact PATH:LINE:COL with exit code 1."""

from __future__ import annotations

from pathlib import Path

from anniv.records import parse_calendar

# The bad-data corpus (tests/data/bad/) is run by tests/test_bad_corpus.py.


def test_all_problems_in_a_file_are_listed() -> None:
    text = b"""calendar:
  id: many
  name: Many problems
events:
  - id: a
    title: NO
    date: 1950-02-30
    summary: x
    sources: [{title: t}]
  - id: b
    titel: typo
    date: 1950-10-25
    summary: x
    sources: [{title: t}]
"""
    cal, problems = parse_calendar(text, "many.yaml", expected_id="many")
    assert sorted((p.line, p.col) for p in problems) == [(6, 12), (7, 11), (10, 5), (11, 5)]


def test_good_events_survive_next_to_bad_ones() -> None:
    text = b"""calendar: {id: mixed, name: Mixed}
events:
  - {id: good, title: Good, date: 1950-10-25, summary: s, sources: [{title: t}]}
  - {id: bad, title: Bad, date: 1950-13-25, summary: s, sources: [{title: t}]}
"""
    cal, problems = parse_calendar(text, "mixed.yaml", expected_id="mixed")
    assert cal is not None and [e.id for e in cal.events] == ["good"]
    assert len(problems) == 1


def test_yaml_11_keys_like_on_are_read_as_words() -> None:
    text = b"""calendar: {id: k, name: K}
events:
  - id: a
    title: T
    date: 1950-10-19
    observed:
      on: 10-25
    summary: s
    sources: [{title: t}]
"""
    cal, problems = parse_calendar(text, "k.yaml", expected_id="k")
    assert problems == [] and cal is not None
    assert cal.events[0].observed.on == "10-25"


def test_crlf_and_bom_are_accepted() -> None:
    text = b"\xef\xbb\xbfcalendar: {id: w, name: W}\r\nevents:\r\n  - {id: a, title: T, date: 1950-10-25, summary: s, sources: [{title: t}]}\r\n"
    cal, problems = parse_calendar(text, "w.yaml", expected_id="w")
    assert problems == [] and cal is not None and cal.events[0].date.day == 25


def test_duplicate_ids_across_files(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    for name in ("one", "two"):
        (tmp_path / f"{name}.yaml").write_text(
            f"calendar: {{id: {name}, name: N}}\nevents:\n  - {{id: same, title: T{name}, date: 1950-10-25, summary: s, sources: [{{title: t}}]}}\n"
        )
    r = run("check", "--data", str(tmp_path))
    assert r.code == 1
    assert f"{tmp_path / 'two.yaml'}:3:10: duplicate event id 'same': also in {tmp_path / 'one.yaml'}:3" in r.err


def test_broken_file_is_skipped_with_a_warning_by_due(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "good.yaml").write_text(
        "calendar: {id: good, name: G}\nevents:\n  - {id: a, title: Good event, date: 1950-10-25, summary: s, sources: [{title: t}]}\n"
    )
    (tmp_path / "broken.yaml").write_text("calendar: {id: broken, name: B}\nevents: [\n")
    r = run("due", "--data", str(tmp_path), "--month", "2025-10", "--today", "2025-10-01")
    assert r.code == 0
    assert "Good event" in r.out
    assert "skipped 1 file(s) with errors" in r.err and "broken.yaml" in r.err


def test_problems_between_files_are_warned_by_due(run) -> None:  # type: ignore[no-untyped-def]
    folder = Path(__file__).parent / "data" / "bad" / "dup-across"
    r = run("due", "--data", str(folder), "--month", "2025-10", "--today", "2025-10-01")
    assert r.code == 0
    assert "problem(s) between files" in r.err and "duplicate event id 'a'" in r.err


def test_check_one_file_from_inside_the_data_folder(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from anniv.catalog import bundled_data_dir

    monkeypatch.chdir(bundled_data_dir())
    r = run("check", "korean-war.yaml")
    assert r.code == 0, r.err
