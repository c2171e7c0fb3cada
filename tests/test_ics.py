"""Feeds: icalendar-identical bytes, golden files, two strict parsers, agreement with `anniv due`,
reproducible exports, and what an edit changes."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar, vText
from icalendar.parser import Contentline

from anniv import ics, ics_oracle
from anniv.catalog import Catalog, load_catalog
from anniv.cli import main
from anniv.errors import UsageError
from anniv.model import Calendar as ModelCalendar

FEEDS = Path(__file__).parent / "data" / "feeds"
DATA = FEEDS / "calendars"
GOLDEN = FEEDS / "golden"
TODAY = "2025-10-01"
WINDOW = ("--from", "2024-01-01", "--to", "2026-12-31")
UPDATE = os.environ.get("ANNIV_UPDATE_GOLDEN") == "1"  # regenerate the golden files, then review the diff


# --- helpers ------------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def vevents(body: bytes) -> dict[str, dict[str, str]]:
    """UID → {property line name (with parameters): value} for every VEVENT (unfolded)."""
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    depth = 0
    for line in unfold(body.decode("utf-8")):
        if line == "BEGIN:VEVENT":
            current, depth = {}, 0
        elif line == "END:VEVENT" and current is not None:
            out[current["UID"]] = current
            current = None
        elif current is not None:
            if line.startswith("BEGIN:"):
                depth += 1
                current.setdefault("_sub", "")
                current["_sub"] += line + "|"
                continue
            if line.startswith("END:"):
                depth -= 1
                continue
            name, _, value = line.partition(":")
            if depth:
                current["_sub"] += line + "|"
            else:
                current[name] = value
    return out


def vevent_blocks(body: bytes) -> dict[str, str]:
    """UID → the VEVENT's exact text."""
    text = body.decode("utf-8")
    blocks = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, flags=re.S)
    return {re.search(r"\r\nUID:([^\r]*)\r\n", b).group(1): b for b in blocks}  # type: ignore[union-attr]


def unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def fixture_catalog() -> Catalog:
    return load_catalog(DATA, use_cache=False)


def oracle(name: str, desc: str, entries: list[ics.Entry]) -> bytes:
    return ics_oracle.build(name, desc, entries)


def export(run: Callable[..., Any], out: Path, *extra: str, data: Path = DATA) -> None:
    r = run("export", "--data", str(data), "--out", str(out), "--today", TODAY, *WINDOW, *extra)
    assert r.code == 0, r


# --- escaping and folding, against icalendar itself ---------------------------------------

FOLD_CASES = [
    ("short", "SUMMARY:75th anniversary"),
    ("exactly-74", "X" * 74),
    ("exactly-75", "X" * 75),
    ("long-ascii", "DESCRIPTION:" + "word, " * 40),
    ("korean", "SUMMARY:" + "중국인민지원군 참전 " * 12),
    ("mixed-width", "DESCRIPTION:a" + "한" * 24 + "b" * 3 + "😀" * 9),
    ("backslash-at-74", "D:" + "x" * 71 + "\\n" + "y" * 90),
    ("caret-at-74", "X;P=" + "x" * 69 + "^n" + "y" * 10),
    ("backslashes", "D:" + "\\\\" * 80),
    ("emoji-only", "😀" * 40),
]


@pytest.mark.parametrize("line", [c[1] for c in FOLD_CASES], ids=[c[0] for c in FOLD_CASES])
def test_fold_matches_icalendar(line: str) -> None:
    assert ics.fold(line).encode("utf-8") == Contentline(line).to_ical()
    assert all(len(p.encode("utf-8")) <= 75 for p in ics.fold(line).split("\r\n"))


@given(st.text(alphabet=st.sampled_from(list("ab ,;:\\^\t한国é😀")), max_size=400))
def test_fold_matches_icalendar_on_any_text(text: str) -> None:
    assert ics.fold(text).encode("utf-8") == Contentline(text).to_ical()


ESCAPE_CASES = [
    ("plain", "China enters the Korean War"),
    ("comma-semicolon", "Seoul, Korea; 1950"),
    ("backslash", "a \\ b"),
    ("newlines", "one\ntwo\r\nthree\rfour"),
    ("literal-backslash-N", "C:\\New"),
    ("korean", "6·25 전쟁 발발, 새벽 4시; 남침"),
]


@pytest.mark.parametrize("text", [c[1] for c in ESCAPE_CASES], ids=[c[0] for c in ESCAPE_CASES])
def test_escape_matches_icalendar(text: str) -> None:
    assert ics.escape_text(text).encode("utf-8") == vText(text).to_ical()


@given(st.text(alphabet=st.sampled_from(list("ab ,;\\nN\r\n한")), max_size=80))
def test_escape_matches_icalendar_on_any_text(text: str) -> None:
    assert ics.escape_text(text).encode("utf-8") == vText(text).to_ical()


def test_control_characters_are_dropped_not_copied() -> None:
    assert ics.clean_text("a\x00b\x07c\td\ne\x7f") == "abc\td\ne"


@given(st.text(alphabet=st.sampled_from(list("a \t\n\r\x00\x1f\x7f\x85\u2028\u200b\ud800한")), max_size=40))
def test_clean_text_drops_exactly_the_unsafe_characters(text: str) -> None:
    # the fast path (printable text is returned as it is) must agree with the rule itself
    assert ics.clean_text(text) == ics._UNSAFE.sub("", text)


# --- the same feed through icalendar's component model ------------------------------------

ORACLE_CASES = [(lang, alarms) for lang in ("en", "ko", "zh") for alarms in (None, 14, 0)]


@pytest.mark.parametrize(("lang", "alarms"), ORACLE_CASES, ids=[f"{lang}-alarms-{a}" for lang, a in ORACLE_CASES])
def test_every_feed_is_byte_identical_to_icalendar(lang: str, alarms: int | None) -> None:
    cat = fixture_catalog()
    start, end, today = date(2024, 1, 1), date(2026, 12, 31), date(2025, 10, 1)
    found = ics.dated_anniversaries(cat, start, end, today)
    feeds = ics.build_feeds(cat, start, end, today, lang=lang, alarms=alarms)
    assert {f.spec.name for f in feeds} >= {"korean-war", "world", "all", "milestones", "tag-china", "tag-amphibious"}
    assert next(f for f in feeds if f.spec.name == "tag-amphibious").events == 0  # an empty feed is checked too
    for f in feeds:
        entries = [ics.entry(a, lang, alarms) for a in found if f.spec.selects(a)]
        assert f.body == oracle(f.spec.title, f.spec.description, entries), f.spec.name
    korean = next(f for f in feeds if f.spec.name == "korean-war").body.decode("utf-8")
    assert "38선" in korean and korean.count("\r\n ") > 10  # long Korean text was folded


# --- golden files ---------------------------------------------------------------------------

GOLDEN_FILES = ["korean-war.ics", "world.ics", "all.ics", "milestones.ics", "tag-china.ics", "index.json"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("feeds")
    err = io.StringIO()
    code = main(
        ["export", "--data", str(DATA), "--out", str(out), "--today", TODAY, *WINDOW],
        stdout=io.StringIO(),
        stderr=err,
        env={"ANNIV_NO_CACHE": "1"},
    )
    assert code == 0, err.getvalue()
    return out


@pytest.mark.parametrize("name", GOLDEN_FILES, ids=GOLDEN_FILES)
def test_golden_feed(exported: Path, name: str) -> None:
    got = (exported / name).read_bytes()
    if UPDATE:
        (GOLDEN / name).write_bytes(got)
    assert got == (GOLDEN / name).read_bytes()


def test_golden_localized_feed_with_alarms(run: Callable[..., Any], tmp_path: Path) -> None:
    export(run, tmp_path, "--lang", "ko", "--alarms", "14")
    got = (tmp_path / "all.ics").read_bytes()
    if UPDATE:
        (GOLDEN / "all-ko-alarms.ics").write_bytes(got)
    assert got == (GOLDEN / "all-ko-alarms.ics").read_bytes()


# --- what the entries say ---------------------------------------------------------------------


def test_the_seed_event_entry(exported: Path) -> None:
    ev = vevents((exported / "korean-war.ics").read_bytes())["cpv-entry-75@anniv"]
    assert unescape(ev["SUMMARY"]) == "75th anniversary: China enters the Korean War (1950)"
    assert (ev["DTSTART;VALUE=DATE"], ev["DTEND;VALUE=DATE"]) == ("20251025", "20251026")
    # DTSTAMP and SEQUENCE come from the newest date in the record: the 2025-10-24 visit.
    assert ev["DTSTAMP"] == "20251024T000000Z"
    assert ev["SEQUENCE"] == str((date(2025, 10, 24) - ics.REVISION_EPOCH).days)
    assert ev["CATEGORIES"] == "korean-war,china,dprk"
    assert ev["URL"] == "https://www.britannica.com/event/Korean-War"
    assert ev["TRANSP"] == "TRANSPARENT"
    assert "_sub" not in ev  # no alarm unless asked for
    desc = unescape(ev["DESCRIPTION"])
    for part in (
        "The Chinese People's Volunteers fought their first engagement",
        "Original date: 1950-10-25",
        "Observed: Marked on 25 October, the first engagement; troops crossed the Yalu on 19 October.",
        "- 2025-10-24, 75th anniversary: Kim Jong-un visits the Chinese People's Volunteers cemetery in Hoechang County. (Kim Jong-un; Hoechang County, South Phyongan)",
        "- 2020-10, 70th anniversary: Kim visits the same cemetery ahead of the 70th anniversary.",
        "- Korean War, Encyclopaedia Britannica <https://www.britannica.com/event/Korean-War>",
        "- source card seeds/000_7d01987f1f853c37.yaml",
    ):
        assert part in desc
    assert desc.index("2025-10-24") < desc.index("2020-10,")  # newest commemoration first


ENTRY_CASES = [
    (
        "leap-day-in-common-year",
        "all.ics",
        "leap-day-example-65@anniv",
        "20250228",
        "65th anniversary: A leap-day record (1960)",
    ),
    (
        "leap-day-in-leap-year",
        "all.ics",
        "leap-day-example-64@anniv",
        "20240229",
        "64th anniversary: A leap-day record (1960)",
    ),
    ("bce", "all.ics", "confucius-birth-2575@anniv", "20250928", "2,575th anniversary: Birth of Confucius (551 BC)"),
    (
        "day-count",
        "all.ics",
        "ukraine-invasion-1000d@anniv",
        "20241119",
        "1,000 days: Russia launches its full-scale invasion of Ukraine (2022)",
    ),
    (
        "moveable-rule",
        "all.ics",
        "memorial-day-us-157@anniv",
        "20250526",
        "157th anniversary: Memorial Day, first national observance (1868)",
    ),
    (
        "round-75th",
        "milestones.ics",
        "korean-war-outbreak-75@anniv",
        "20250625",
        "75th anniversary: North Korea invades South Korea (1950)",
    ),
]


@pytest.mark.parametrize(
    ("feed", "uid", "start", "text"), [c[1:] for c in ENTRY_CASES], ids=[c[0] for c in ENTRY_CASES]
)
def test_entries(exported: Path, feed: str, uid: str, start: str, text: str) -> None:
    ev = vevents((exported / feed).read_bytes())[uid]
    assert ev["DTSTART;VALUE=DATE"] == start
    assert unescape(ev["SUMMARY"]) == text
    end = date(int(start[:4]), int(start[4:6]), int(start[6:])) + timedelta(days=1)
    assert ev["DTEND;VALUE=DATE"] == ics.ical_date(end)


def test_month_precision_events_never_become_entries(exported: Path) -> None:
    for f in exported.glob("*.ics"):
        assert "inchon-landing" not in f.read_text(encoding="utf-8")


def test_milestones_feed_holds_only_round_ones(exported: Path) -> None:
    for uid in vevents((exported / "milestones.ics").read_bytes()):
        count = re.search(r"-(\d+)d?@", uid).group(1)  # type: ignore[union-attr]
        assert uid.endswith("d@anniv") or int(count) % 5 == 0, uid


def test_calendar_properties_and_wire_format(exported: Path) -> None:
    raw = (exported / "korean-war.ics").read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    lines = unfold(raw.decode("utf-8"))
    head = lines[: lines.index("BEGIN:VEVENT")]
    assert "NAME:Korean War\\, fixtures\\; for feeds" in head
    assert "X-WR-CALNAME:Korean War\\, fixtures\\; for feeds" in head
    assert any(h.startswith("DESCRIPTION:A few Korean War records") for h in head)
    assert any(h.startswith("X-WR-CALDESC:A few Korean War records") for h in head)
    assert "REFRESH-INTERVAL;VALUE=DURATION:P1D" in head and "X-PUBLISHED-TTL:P1D" in head


def test_alarms_only_when_asked_and_only_on_round_anniversaries(run: Callable[..., Any], tmp_path: Path) -> None:
    export(run, tmp_path, "--alarms", "14")
    evs = vevents((tmp_path / "all.ics").read_bytes())
    assert evs["cpv-entry-75@anniv"]["_sub"] == (
        "BEGIN:VALARM|ACTION:DISPLAY|DESCRIPTION:75th anniversary: China enters the Korean War (1950)|TRIGGER:-P14D|"
    )
    assert "_sub" not in evs["armistice-72@anniv"]
    assert "TRIGGER:-P14D" in evs["ukraine-invasion-1000d@anniv"]["_sub"]


LANG_CASES = [
    ("ko", "제75주년: 중국인민지원군 참전 (1950)", "원래 날짜: 1950-10-25"),
    ("zh", "75周年: 中国人民志愿军入朝参战 (1950)", "原始日期: 1950-10-25"),
    ("en", "75th anniversary: China enters the Korean War (1950)", "Original date: 1950-10-25"),
]


@pytest.mark.parametrize(("lang", "summary", "line"), LANG_CASES, ids=[c[0] for c in LANG_CASES])
def test_localized_titles_and_ordinals(
    run: Callable[..., Any], tmp_path: Path, lang: str, summary: str, line: str
) -> None:
    export(run, tmp_path, "--lang", lang)
    ev = vevents((tmp_path / "all.ics").read_bytes())["cpv-entry-75@anniv"]
    assert unescape(ev["SUMMARY"]) == summary
    assert line in unescape(ev["DESCRIPTION"])


# --- two strict parsers --------------------------------------------------------------------


def test_every_exported_feed_parses_cleanly_with_icalendar_and_ical(run: Callable[..., Any], tmp_path: Path) -> None:
    from ical.calendar_stream import IcsCalendarStream

    export(run, tmp_path, "--alarms", "7")
    files = sorted(tmp_path.glob("*.ics"))
    assert len(files) >= 5
    for f in files:
        raw = f.read_bytes()
        cal = Calendar.from_ical(raw)
        cal.validate()  # at least one component, even in an empty feed
        for component in cal.walk():
            assert component.errors == [], (f.name, component.name, component.errors)
        events = cal.walk("VEVENT")
        strict = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
        assert len(strict.events) == len(events) == raw.count(b"BEGIN:VEVENT")
        assert [str(e.summary) for e in strict.events] == [str(e["SUMMARY"]) for e in events]
        assert len({str(e["UID"]) for e in events}) == len(events)


# --- agreement with `anniv due` -----------------------------------------------------------


def _due_rows(run: Callable[..., Any], *extra: str) -> set[tuple[str, str]]:
    r = run("due", "--data", str(DATA), "--today", TODAY, *WINDOW, "--format", "json", *extra)
    assert r.code == 0, r
    rows = json.loads(r.out)
    return {
        (row["date"].replace("-", ""), f"{row['label']}: {row['title']} ({_year(row['event_date'])})")
        for row in rows
        if row["precision"] == "day"
    }


def _year(event_date: str) -> str:
    """The written year as people read it: -0550 is 551 BC (astronomical years)."""
    year = int(re.match(r"-?\d+", event_date).group(0))  # type: ignore[union-attr]
    return f"{1 - year} BC" if year <= 0 else str(year)


def _feed_rows(body: bytes) -> set[tuple[str, str]]:
    return {(ev["DTSTART;VALUE=DATE"], unescape(ev["SUMMARY"])) for ev in vevents(body).values()}


def test_feed_entries_match_anniv_due(run: Callable[..., Any], exported: Path) -> None:
    assert _feed_rows((exported / "all.ics").read_bytes()) == _due_rows(run)
    assert _feed_rows((exported / "milestones.ics").read_bytes()) == _due_rows(run, "--round")
    assert _feed_rows((exported / "tag-china.ics").read_bytes()) == _due_rows(run, "--tag", "china")
    assert _feed_rows((exported / "korean-war.ics").read_bytes()) == _due_rows(run, "--calendar", "korean-war")


def test_due_format_ics_is_the_same_window_as_due_json(run: Callable[..., Any]) -> None:
    r = run("due", "--data", str(DATA), "--today", TODAY, *WINDOW, "--format", "ics")
    assert r.code == 0, r
    body = r.out.encode("utf-8")
    assert _feed_rows(body) == _due_rows(run)
    assert Calendar.from_ical(body).errors == []
    assert "NAME:Anniversaries\\, 2024-01-01 to 2026-12-31" in unfold(r.out)


# --- reproducible exports, and what an edit changes ---------------------------------------------


def test_export_twice_gives_identical_bytes_and_leaves_files_alone(run: Callable[..., Any], tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    export(run, a)
    export(run, b)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert all((a / n).read_bytes() == (b / n).read_bytes() for n in names)
    before = {p.name: p.stat().st_mtime_ns for p in a.iterdir()}
    r = run("export", "--data", str(DATA), "--out", str(a), "--today", TODAY, *WINDOW)
    assert "0 written" in r.out
    assert {p.name: p.stat().st_mtime_ns for p in a.iterdir()} == before


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data" / "calendars"
    shutil.copytree(DATA, data)
    return data


def test_moving_a_date_changes_only_that_events_entries_and_raises_sequence(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    data = _copy_data(tmp_path)
    export(run, tmp_path / "before", data=data)
    path = data / "korean-war.yaml"
    text = path.read_text(encoding="utf-8")
    # A curator moves the observance to the Yalu crossing and records when the source was checked.
    text = text.replace("      on: 10-25\n", "      on: 10-19\n", 1)
    text = text.replace(
        "        url: https://www.britannica.com/event/Korean-War\n",
        "        url: https://www.britannica.com/event/Korean-War\n        accessed: 2025-11-02\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    export(run, tmp_path / "after", data=data)
    for name in ("all.ics", "korean-war.ics", "tag-china.ics", "world.ics"):
        old = vevent_blocks((tmp_path / "before" / name).read_bytes())
        new = vevent_blocks((tmp_path / "after" / name).read_bytes())
        assert old.keys() == new.keys()
        changed = {uid for uid in old if old[uid] != new[uid]}
        assert changed == {uid for uid in old if uid.startswith("cpv-entry-")}, name
        for uid in changed:
            before, after = vevents(old[uid].encode()), vevents(new[uid].encode())
            assert int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
            assert after[uid]["DTSTART;VALUE=DATE"] != before[uid]["DTSTART;VALUE=DATE"]
    assert (tmp_path / "before" / "world.ics").read_bytes() == (tmp_path / "after" / "world.ics").read_bytes()


def test_a_removed_tag_feed_is_removed_and_nothing_else(run: Callable[..., Any], tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    out = tmp_path / "out"
    export(run, out, data=data)
    (out / "notes.txt").write_text("not ours", encoding="utf-8")
    assert (out / "tag-philosophy.ics").exists()
    path = data / "world.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("tags: [china, philosophy]", "tags: [china]"), encoding="utf-8"
    )
    r = run("export", "--data", str(data), "--out", str(out), "--today", TODAY, *WINDOW)
    assert r.code == 0 and "1 removed" in r.out, r
    assert not (out / "tag-philosophy.ics").exists() and (out / "notes.txt").exists()
    listed = {f["file"] for f in json.loads((out / "index.json").read_text(encoding="utf-8"))["feeds"]}
    assert listed == {p.name for p in out.glob("*.ics")}


# --- options and refusals ---------------------------------------------------------------------


def test_default_horizon_is_whole_years(run: Callable[..., Any], tmp_path: Path) -> None:
    r = run("export", "--data", str(DATA), "--out", str(tmp_path), "--today", TODAY)
    assert r.code == 0, r
    window = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))["window"]
    assert window == {"start": "2024-01-01", "end": "2035-12-31"}
    r = run("export", "--data", str(DATA), "--out", str(tmp_path), "--today", TODAY, "--horizon", "0:2")
    assert json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))["window"] == {
        "start": "2025-01-01",
        "end": "2027-12-31",
    }


BAD_ARGS = [
    ("alarms-too-far", ("--alarms", "400")),
    ("from-without-to", ("--from", "2025-01-01")),
    ("bad-horizon", ("--horizon", "ten")),
    ("horizon-too-long", ("--horizon", "1:90")),
    ("both-windows", ("--from", "2025-01-01", "--to", "2025-12-31", "--horizon", "1:2")),
    ("reversed-window", ("--from", "2025-12-31", "--to", "2025-01-01")),
]


@pytest.mark.parametrize("extra", [c[1] for c in BAD_ARGS], ids=[c[0] for c in BAD_ARGS])
def test_export_refuses_bad_options(run: Callable[..., Any], tmp_path: Path, extra: tuple[str, ...]) -> None:
    r = run("export", "--data", str(DATA), "--out", str(tmp_path / "x"), "--today", TODAY, *extra)
    assert r.code == 2 and r.err.startswith("anniv: ") and "Traceback" not in r.err, r
    assert not (tmp_path / "x").exists()


def test_a_calendar_named_like_a_generated_feed_is_refused() -> None:
    cat = Catalog((ModelCalendar("all", "All"),))
    with pytest.raises(UsageError, match="clashes"):
        ics.feed_specs(cat)


def test_export_into_a_file_is_a_clear_error(run: Callable[..., Any], tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    r = run("export", "--data", str(DATA), "--out", str(target), "--today", TODAY)
    assert r.code == 1 and "not a folder" in r.err, r
