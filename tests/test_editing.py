"""anniv add / anniv commemorate: edits that add lines and change nothing else.

Every test edits a copy of tests/data/editing/ in tmp_path. "Only additions" is checked the
way a reviewer would: a diff of the old and new lines contains nothing but '+' lines.
"""

from __future__ import annotations

import difflib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from anniv import editing
from anniv.cli import main
from anniv.records import read_calendar

FIXTURES = Path(__file__).parent / "data" / "editing"
ENV = {"ANNIV_NO_CACHE": "1"}
SOURCE = ["--source-title", "Desk report", "--source-url", "https://example.org/report"]


def anniv(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, env=ENV)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of the fixture repository; returns its calendars folder."""
    shutil.copytree(FIXTURES, tmp_path / "repo")
    return tmp_path / "repo" / "calendars"


def added_lines(old: str, new: str) -> list[str]:
    """The lines ``new`` adds to ``old``; fails if the diff removes or changes any line."""
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0))
    body = [line for line in diff[2:] if not line.startswith("@@")]
    assert body, "nothing changed"
    assert all(line.startswith("+") for line in body), "\n".join(body)
    return [line[1:] for line in body]


def event(path: Path, event_id: str):  # type: ignore[no-untyped-def]
    cal, problems = read_calendar(path, seed_roots=(path.parent.parent,))
    assert cal is not None and not [p for p in problems if p.severity == "error"], problems
    return next(e for e in cal.events if e.id == event_id)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- commemorate --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("event_id", "when", "number"),
    [
        ("cpv-entry", "2025-10-24", 75),  # appended to an existing block list, comments around
        ("armistice", "2023-07-27", 70),  # new key after a block scalar and a trailing comment
        ("hangul-day", "2021-10-09", 575),  # last event, file comment after it
    ],
    ids=["existing-list", "after-block-scalar", "last-event"],
)
def test_commemorate_adds_only_lines(data: Path, event_id: str, when: str, number: int) -> None:
    path = data / "commented.yaml"
    old = path.read_text(encoding="utf-8")
    before = event(path, event_id)
    code, out, err = anniv(
        "commemorate",
        event_id,
        "--data",
        str(data),
        "--date",
        when,
        "--what",
        "Marked with a ceremony.",
        "--by",
        "Kim Jong-un",
        *SOURCE,
    )
    assert code == 0, err
    assert f"{number}th anniversary" in out and "computed from the date" in out
    added = added_lines(old, path.read_text(encoding="utf-8"))
    assert any(line.strip() == f"anniversary: {number}" for line in added)
    after = event(path, event_id)
    assert len(after.commemorations) == len(before.commemorations) + 1
    new = next(c for c in after.commemorations if c.date.iso() == when)
    assert (new.anniversary, new.what, new.by, new.sources[0].url) == (
        number,
        "Marked with a ceremony.",
        ("Kim Jong-un",),
        "https://example.org/report",
    )
    assert anniv("check", "--data", str(data))[0] == 0


def test_commemorate_lands_under_its_event(data: Path) -> None:
    """The new key is indented like the event's keys, after the comment that belongs to the
    event and before the comment that introduces the next one."""
    path = data / "commented.yaml"
    assert (
        anniv("commemorate", "armistice", "--data", str(data), "--date", "2023-07-27", "--what", "Parade.", *SOURCE)[0]
        == 0
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    at = lines.index("    commemorations:", lines.index("  - id: armistice"))
    assert lines[at - 1] == "    # trailing comment inside the armistice event"
    assert lines[at + 1] == "      - date: 2023-07-27"
    assert lines.index("  # A comment about the next event, which sits above it.") > at


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _no_final_newline(text: str) -> str:
    return text[: text.index("\n\n# end of the events")]  # ends on the last event's last line


@pytest.mark.parametrize(
    ("transform", "event_id"),
    [
        (_crlf, "cpv-entry"),
        (_crlf, "hangul-day"),
        (_no_final_newline, "hangul-day"),
        (lambda t: _crlf(_no_final_newline(t)), "hangul-day"),
        (lambda t: "\ufeff" + t, "armistice"),
    ],
    ids=["crlf", "crlf-last-event", "no-final-newline", "crlf-no-final-newline", "bom"],
)
def test_line_endings_are_kept(data: Path, transform: Callable[[str], str], event_id: str) -> None:
    path = data / "commented.yaml"
    original = transform(path.read_text(encoding="utf-8")).encode("utf-8")
    path.write_bytes(original)
    code, _, err = anniv(
        "commemorate",
        event_id,
        "--data",
        str(data),
        "--date",
        "2023",
        "--anniversary",
        "70" if event_id == "armistice" else str(2023 - int(event(path, event_id).date.year)),
        "--what",
        "Marked.",
        *SOURCE,
    )
    assert code == 0, err
    new = path.read_bytes()
    crlf = b"\r\n" in original
    assert (b"\n" in new.replace(b"\r\n", b"")) is not crlf  # CRLF files stay CRLF, LF stay LF
    assert new.endswith(b"\n") == original.endswith(b"\n")
    assert new.startswith(b"\xef\xbb\xbf") == original.startswith(b"\xef\xbb\xbf")
    added_lines(original.decode("utf-8"), new.decode("utf-8"))


@pytest.mark.parametrize(
    ("event_id", "expect"),
    [
        ("flow-one", "- {id: flow-one"),  # a whole event written as a flow mapping
        ("flow-two", "  commemorations: [{date: 2020-05-18"),  # a non-empty flow list grows inside its brackets
        ("flow-three", "  commemorations: # none recorded yet"),  # an empty [] becomes a block list
    ],
    ids=["flow-event", "flow-list", "empty-flow-list"],
)
def test_flow_style_events(data: Path, event_id: str, expect: str) -> None:
    path = data / "flow.yaml"
    old = path.read_text(encoding="utf-8").splitlines()
    before = event(path, event_id)
    code, _, err = anniv(
        "commemorate",
        event_id,
        "--data",
        str(data),
        "--date",
        "2020-06",
        "--what",
        "Marked: with speeches, flags [and] more.",
        "--by",
        "A, B",
        *SOURCE,
    )
    assert code == 0, err
    new = path.read_text(encoding="utf-8").splitlines()
    changed = [line for line in old if line not in new]
    assert len(changed) <= 1  # at most the one line holding the flow list
    assert any(line.startswith(expect) for line in new)
    after = event(path, event_id)
    assert len(after.commemorations) == len(before.commemorations) + 1
    c = next(c for c in after.commemorations if c.date.iso() == "2020-06")
    assert (c.what, c.by) == ("Marked: with speeches, flags [and] more.", ("A, B",))
    others = [e for e in ("flow-one", "flow-two", "flow-three") if e != event_id]
    for other in others:
        assert len(event(path, other).commemorations) == len(
            event(FIXTURES / "calendars" / "flow.yaml", other).commemorations
        )


TRICKY = [
    "NO",
    "yes",
    "10:25",
    "1950-10-25",
    "null",
    "~",
    "a: b # c",
    'He said "no" and left',
    "It's 'quoted'",
    "- a dash",
    "@handle",
    "%percent",
    "!tag",
    "&anchor *alias",
    "[bracket], {brace}",
    "line one\nline two",
    " leading and trailing ",
    "tab\there",
    "김정은 국무위원장, 중국인민지원군 열사릉원 참배",
    "抗美援朝战争 75周年",
    "back\\slash",
    "line\u2028separator",
    "#hash",
]


@pytest.mark.parametrize(
    "text", TRICKY, ids=[f"{i:02d}-{t.encode('unicode_escape').decode()[:20]}" for i, t in enumerate(TRICKY)]
)
def test_strings_round_trip(data: Path, text: str) -> None:
    path = data / "commented.yaml"
    code, _, err = anniv(
        "commemorate",
        "cpv-entry",
        "--data",
        str(data),
        "--date",
        "2025-10-24",
        "--what",
        text,
        "--by",
        text,
        "--place",
        text,
        *SOURCE,
    )
    assert code == 0, err
    c = next(c for c in event(path, "cpv-entry").commemorations if c.anniversary == 75)
    assert (c.what, c.by, c.place) == (text, (text,), text)


@given(st.text(max_size=40))
def test_yaml_scalar_reads_back(text: str) -> None:
    for flow in (False, True):
        token = editing.yaml_scalar(text, flow)
        doc = f"k: [{token}]\n" if flow else f"k: {token}\n"
        assert "\n" not in token
        assert yaml.load(doc, Loader=yaml.CSafeLoader) == {"k": [text] if flow else text}


@pytest.mark.parametrize(
    ("bad_date", "extra"),
    [
        ("2025-02-30", []),
        ("2025-13-01", []),
        ("0000", []),
        ("yesterday", []),
        ("10:25", []),
        ("2025-02-30", ["--anniversary", "75"]),
        ("2025-10-24", ["--anniversary", "70"]),  # a real date, the wrong number
        ("1990", ["--anniversary", "75"]),
    ],
    ids=["feb-30", "month-13", "year-0", "word", "sexagesimal", "feb-30-with-number", "wrong-number", "decades-off"],
)
def test_failing_edit_changes_nothing(data: Path, bad_date: str, extra: list[str]) -> None:
    before = snapshot(data)
    code, out, err = anniv(
        "commemorate", "cpv-entry", "--data", str(data), "--date", bad_date, *extra, "--what", "x", *SOURCE
    )
    assert code == 1
    assert snapshot(data) == before  # byte for byte, and no stray temporary files
    assert out == ""
    assert bad_date in err or "anniversary" in err


def test_located_problem_for_a_wrong_number(data: Path) -> None:
    code, _, err = anniv(
        "commemorate",
        "cpv-entry",
        "--data",
        str(data),
        "--date",
        "2025-10-24",
        "--anniversary",
        "70",
        "--what",
        "x",
        *SOURCE,
    )
    assert code == 1
    assert "commented.yaml:" in err and "unchanged" in err and "the 70th falls in 2020" in err


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("cpv-entri", "cpv-entry"), ("armistice-agreement", "armistice"), ("hangul", "hangul-day")],
    ids=["typo", "title-words", "prefix"],
)
def test_unknown_id_suggests(data: Path, typed: str, suggested: str) -> None:
    before = snapshot(data)
    code, _, err = anniv("commemorate", typed, "--data", str(data), "--date", "2025-10-24", "--what", "x", *SOURCE)
    assert code == 1
    assert f"no event {typed!r}" in err and "did you mean" in err and repr(suggested) in err
    assert snapshot(data) == before


def test_seed_sources(data: Path) -> None:
    path = data / "commented.yaml"
    ok = anniv(
        "commemorate",
        "cpv-entry",
        "--data",
        str(data),
        "--date",
        "2025-10-24",
        "--what",
        "x",
        "--source-seed",
        "seeds/desk-card.yaml",
    )
    assert ok[0] == 0, ok[2]
    assert event(path, "cpv-entry").commemorations[-1].sources[0].seed == "seeds/desk-card.yaml"
    before = snapshot(data)
    code, _, err = anniv(
        "commemorate",
        "cpv-entry",
        "--data",
        str(data),
        "--date",
        "2025-10-24",
        "--what",
        "y",
        "--source-seed",
        "seeds/missing.yaml",
    )
    assert code == 1 and "seed card 'seeds/missing.yaml' not found" in err
    assert snapshot(data) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["--what", "x"],  # no source
        ["--what", "x", "--source-title", "T"],  # a page without its url
        ["--what", "x", "--source-url", "https://example.org/"],  # a url without a title
    ],
    ids=["no-source", "title-without-url", "url-without-title"],
)
def test_source_flags_are_required(data: Path, argv: list[str]) -> None:
    code, _, err = anniv("commemorate", "cpv-entry", "--data", str(data), "--date", "2025-10-24", *argv)
    assert code == 2 and "source" in err


def test_dry_run_prints_the_diff_only(data: Path) -> None:
    before = snapshot(data)
    code, out, _ = anniv(
        "commemorate", "cpv-entry", "--data", str(data), "--date", "2025-10-24", "--what", "x", "--dry-run", *SOURCE
    )
    assert code == 0 and out.startswith("--- a/commented.yaml") and "+        anniversary: 75" in out
    assert snapshot(data) == before


def test_refuses_a_file_that_is_already_broken(data: Path) -> None:
    path = data / "commented.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("    importance: 2\n", "    importance: 2\n    colour: red\n"),
        encoding="utf-8",
    )
    before = snapshot(data)
    code, _, err = anniv(
        "commemorate", "cpv-entry", "--data", str(data), "--date", "2025-10-24", "--what", "x", *SOURCE
    )
    assert code == 1 and "has problems already" in err and "unknown key 'colour'" in err
    assert snapshot(data) == before


# -- add ----------------------------------------------------------------------------------------
ADD = [
    "--id",
    "inchon-landing",
    "--title",
    "Incheon landing",
    "--date",
    "1950-09-15",
    "--summary",
    "UN forces land at Incheon behind the front.",
    "--tag",
    "korean-war",
    "--alias",
    "Operation Chromite",
    "--alias",
    "인천상륙작전",
    "--importance",
    "3",
    *SOURCE,
    "--source-note",
    "confirms 15 September 1950",
]


def test_add_then_due_and_check(data: Path) -> None:
    path = data / "commented.yaml"
    old = path.read_text(encoding="utf-8")
    code, out, err = anniv("add", "--data", str(data), "--calendar", "commented", *ADD)
    assert code == 0, err
    assert "added 'inchon-landing'" in out
    added = added_lines(old, path.read_text(encoding="utf-8"))
    assert added[0] == "  - id: inchon-landing"  # the file's event column
    ev = event(path, "inchon-landing")
    assert (ev.title, ev.date.iso(), ev.aliases, ev.importance, ev.sources[0].note) == (
        "Incheon landing",
        "1950-09-15",
        ("Operation Chromite", "인천상륙작전"),
        3,
        "confirms 15 September 1950",
    )
    code, out, _ = anniv("due", "--data", str(data), "--month", "2026-09", "--today", "2026-01-01", "--format", "json")
    rows = [r for r in json.loads(out) if r["event_id"] == "inchon-landing"]
    assert code == 0 and [(r["date"], r["years"]) for r in rows] == [("2026-09-15", 76)]
    code, out, err = anniv("check", "--data", str(data))
    assert code == 0 and out.startswith("OK:"), err


def test_add_to_an_indentless_file_uses_its_style(data: Path) -> None:
    path = data / "flow.yaml"
    old = path.read_text(encoding="utf-8")
    assert anniv("add", "--data", str(data), "--calendar", "flow", *ADD)[0] == 0
    added = added_lines(old, path.read_text(encoding="utf-8"))
    assert added[0] == "- id: inchon-landing"
    assert "  sources:" in added and "  - title: Desk report" in added


def test_add_keeps_crlf(data: Path) -> None:
    path = data / "commented.yaml"
    path.write_bytes(_crlf(path.read_text(encoding="utf-8")).encode("utf-8"))
    assert anniv("add", "--data", str(data), "--calendar", "commented", *ADD)[0] == 0
    new = path.read_bytes()
    assert b"\n" not in new.replace(b"\r\n", b"")
    assert event(path, "inchon-landing").date.iso() == "1950-09-15"


@pytest.mark.parametrize(
    ("header", "events"),
    [("events:\n", ""), ("events: []   # none yet\n", ""), ("events:\n", "# nothing here yet\n")],
    ids=["empty-key", "empty-flow", "empty-with-comment"],
)
def test_add_to_an_empty_calendar(data: Path, header: str, events: str) -> None:
    path = data / "fresh.yaml"
    path.write_text(f"calendar:\n  id: fresh\n  name: Fresh\n{header}{events}", encoding="utf-8")
    code, _, err = anniv("add", "--data", str(data), "--calendar", "fresh", *ADD)
    assert code == 0, err
    assert event(path, "inchon-landing").title == "Incheon landing"
    assert "# none yet" in path.read_text(encoding="utf-8") or "none yet" not in header


@pytest.mark.parametrize(
    ("calendar", "changes", "message"),
    [
        ("flow", ["--id", "armistice"], "duplicate event id 'armistice'"),
        ("commented", ["--id", "armistice"], "duplicate event id 'armistice'"),
        ("flow", ["--title", "Korean Armistice Agreement signed", "--date", "1953-07-27"], "same title and date"),
        ("commented", ["--date", "1950-09-31"], "not a real date"),
        ("commented", ["--id", "Bad_Id"], "must be lowercase"),
        ("commented", ["--tag", "Not A Tag"], "an item of tags"),
        ("commented", ["--source-url", "ftp://example.org/x"], "must start with http"),
        ("nowhere", [], "no calendar 'nowhere'"),
    ],
    ids=[
        "dup-id-other-file",
        "dup-id-same-file",
        "same-title-and-date",
        "bad-date",
        "bad-id",
        "bad-tag",
        "bad-url",
        "unknown-calendar",
    ],
)
def test_add_refusals_change_nothing(data: Path, calendar: str, changes: list[str], message: str) -> None:
    before = snapshot(data)
    code, _, err = anniv("add", "--data", str(data), "--calendar", calendar, *ADD, *changes)
    assert code == 1
    assert message in err
    assert snapshot(data) == before


def test_alias_clash_warns_but_adds(data: Path) -> None:
    code, _, err = anniv("add", "--data", str(data), "--calendar", "flow", *ADD, "--alias", "Hangul Day")
    assert code == 0
    assert "warning: alias 'Hangul Day'" in err


def test_scaffold_fails_until_filled_then_keeps_its_comments(data: Path, tmp_path: Path) -> None:
    code, skeleton, _ = anniv("add", "--scaffold", "--calendar", "commented", "--id", "incheon")
    assert code == 0 and skeleton.startswith("# A new event") and "anniv add --calendar commented --file" in skeleton
    draft = tmp_path / "draft.yaml"
    draft.write_text(skeleton, encoding="utf-8")
    before = snapshot(data)
    code, _, err = anniv("add", "--data", str(data), "--calendar", "commented", "--file", str(draft))
    assert code == 1 and "title is empty" in err and "commented.yaml:" in err
    assert snapshot(data) == before
    filled = (
        skeleton.replace('title: ""', "title: Incheon landing")
        .replace("YYYY-MM-DD    #", "1950-09-15    #", 1)
        .replace('summary: ""', "summary: UN forces land at Incheon.")
        .replace('publisher: ""', "publisher: Desk")
        .replace("url: https://\n", "url: https://example.org/incheon\n")
        .replace('note: ""    # e.g.', "note: confirms the date    # e.g.")
        .replace('- title: ""', "- title: Incheon")
    )
    draft.write_text(filled, encoding="utf-8")
    path = data / "commented.yaml"
    old = path.read_text(encoding="utf-8")
    code, _, err = anniv("add", "--data", str(data), "--calendar", "commented", "--file", str(draft))
    assert code == 0, err
    added = added_lines(old, path.read_text(encoding="utf-8"))
    assert added[0].startswith("  # A new event for the calendar 'commented'")
    assert any("# names copy actually uses" in line for line in added)
    assert event(path, "incheon").date.iso() == "1950-09-15"


def test_add_needs_its_flags(data: Path) -> None:
    code, _, err = anniv("add", "--data", str(data), "--calendar", "commented", "--id", "x")
    assert code == 2 and "--title" in err and "--scaffold" in err


def test_the_curating_guide_examples_run(data: Path) -> None:
    """The add and commemorate commands of docs/curating.md's short version work as written
    (pointed at the fixture calendar), so the guide cannot drift from the flags."""
    import re
    import shlex

    guide = (Path(__file__).parent.parent / "docs" / "curating.md").read_text(encoding="utf-8")
    block = guide.split("```sh", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    commands = [shlex.split(line) for line in block.splitlines() if re.match(r"anniv (add|commemorate) ", line)]
    assert [c[1] for c in commands] == ["add", "commemorate"]
    add, commemorate = commands
    add[add.index("--calendar") + 1] = "commented"
    commemorate[2] = "cpv-entry"
    path = data / "commented.yaml"
    old = path.read_text(encoding="utf-8")
    for argv in (add, commemorate):
        code, _, err = anniv(*argv[1:], "--data", str(data))
        assert code == 0, (argv, err)
    added_lines(old, path.read_text(encoding="utf-8"))
    assert anniv("check", "--data", str(data))[0] == 0
