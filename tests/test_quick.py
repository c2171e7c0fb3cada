"""The quick path (``anniv.quick``) answers ``anniv due`` from the index exactly as the full
command line does, and steps aside whenever it cannot."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anniv import cache, kernel, milestones, quick, render
from anniv.catalog import bundled_data_dir
from anniv.cli import main

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate  # noqa: E402


def both(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[tuple[int | None, str, str], tuple[int, str, str]]:
    """(quick, full) results of one command line: status, stdout, stderr."""
    environ = dict(os.environ, **(env or {}))
    qo, qe = io.StringIO(), io.StringIO()
    status = quick.run(argv, environ, qo, qe)
    fo, fe = io.StringIO(), io.StringIO()
    code = main(argv, stdout=fo, stderr=fe, env=environ, quick=False)
    return (status, qo.getvalue(), qe.getvalue()), (code, fo.getvalue(), fe.getvalue())


def warm(data: Path) -> None:
    """Build the folder's index with the full path (it parses and writes the index)."""
    assert (
        main(
            ["due", "--data", str(data), "--today", "2025-01-01"],
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            quick=False,
        )
        == 0
    )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 generated events with every kind of date: Julian, lunar, rules, partial, BCE,
    Feb 29, recent events with day counts, commemorations, Korean titles."""
    return generate(3000, 11, date(2025, 10, 1), tmp_path_factory.mktemp("quick")) / "data"


@pytest.fixture(scope="module")
def engine_data() -> Path:
    return DATA / "engine"


def one_calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cid: str, events: str) -> Path:
    """A data folder (and a cache folder of its own) holding calendar ``cid`` with ``events``."""
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    data.mkdir()
    text = f"calendar:\n  id: {cid}\n  name: Calendar {cid}\nevents:\n" + events
    (data / f"{cid}.yaml").write_text(text, encoding="utf-8")
    return data


def same(argv: list[str], env: dict[str, str] | None = None, answered: bool = True) -> None:
    (status, qout, qerr), (code, fout, ferr) = both(argv, env)
    if answered:
        assert status is not None, f"the quick path stepped aside for {argv}"
    if status is not None:
        assert (status, qout, qerr) == (code, fout, ferr), argv


WINDOWS = [
    ["--next", "30d"],
    ["--next", "1y"],
    ["--next", "6w"],
    ["--month", "2024-02"],
    ["--month", "2025-02"],
    ["--year", "2026"],
    ["--from", "2025-12-20", "--to", "2026-01-10"],
    [],
]


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: " ".join(w) or "default")
@pytest.mark.parametrize("fmt", ["json", "table", "csv", "md"])
def test_the_synthetic_catalogue_lists_the_same_either_way(synthetic: Path, window: list[str], fmt: str) -> None:
    warm(synthetic)
    same(["due", "--data", str(synthetic), "--today", "2025-10-01", "--format", fmt, *window])


@pytest.mark.parametrize(
    "options",
    [
        ["--round"],
        ["--sort", "rank"],
        ["--sort", "date"],
        ["--lang", "ko"],
        ["--lang", "zh", "--round"],
        ["--tag", "war", "--tag", "science"],
        ["--calendar", "synthetic-01"],
        ["--day-counts-age", "0"],
        ["--day-counts-age", "40"],
        ["--day-counts-age=10", "--format=json", "--next=3m"],
    ],
    ids=lambda o: " ".join(o),
)
def test_options_give_the_same_answer_either_way(synthetic: Path, options: list[str]) -> None:
    warm(synthetic)
    same(["due", "--data", str(synthetic), "--today", "2025-10-01", "--format", "json", "--next", "60d", *options])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(date(1952, 1, 1), date(2047, 12, 31)),
    length=st.integers(1, 420),
    fmt=st.sampled_from(["json", "table"]),
    how=st.sampled_from(["round", "date", "rank"]),
    lang=st.sampled_from(["en", "ko"]),
    age=st.integers(0, 60),
    only_round=st.booleans(),
)
def test_any_window_gives_the_same_answer_either_way(
    synthetic: Path, day: date, length: int, fmt: str, how: str, lang: str, age: int, only_round: bool
) -> None:
    warm(synthetic)
    argv = ["due", "--data", str(synthetic), "--today", day.isoformat(), "--next", f"{length}d", "--format", fmt]
    argv += ["--sort", how, "--lang", lang, "--day-counts-age", str(age)] + (["--round"] if only_round else [])
    same(argv)


@pytest.mark.parametrize("today", ["2024-02-29", "2025-02-28", "2023-03-01", "2000-01-01", "2031-06-15"])
def test_edge_case_records_list_the_same_either_way(engine_data: Path, tmp_path: Path, today: str) -> None:
    warm(engine_data)
    for window in (["--next", "30d"], ["--year", today[:4]], ["--month", today[:7]]):
        same(["due", "--data", str(engine_data), "--today", today, "--format", "json", *window])


def test_the_bundled_calendars_list_the_same_either_way() -> None:
    data = bundled_data_dir()
    warm(data)
    for today in ("2025-10-01", "2025-06-25", "2026-01-01"):
        same(["due", "--data", str(data), "--today", today, "--format", "json", "--next", "90d"])
        same(["due", "--data", str(data), "--today", today])


def test_warnings_between_files_are_said_the_same_way(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("cal-a", "cal-b"):
        (data / f"{name}.yaml").write_text(
            f"calendar:\n  id: {name}\n  name: Calendar {name}\nevents:\n"
            f"  - id: twin-{name}\n    title: The same event\n    date: 1950-10-25\n"
            "    summary: Twice.\n    sources: [{title: Fixture}]\n",
            encoding="utf-8",
        )
    warm(data)
    (status, out, err), full = both(["due", "--data", str(data), "--today", "2025-10-01", "--format", "json"])
    assert status == 0 and "twin-cal-a" in out
    assert "problem(s) between files" in err
    assert (status, out, err) == full


@pytest.mark.parametrize(
    "argv",
    [
        ["due", "--help"],
        ["due", "--form", "json"],  # argparse takes abbreviations; the quick path leaves them to it
        ["due", "--format", "ics"],
        ["due", "--today", "2025-13-01"],
        ["due", "--next", "forever"],
        ["due", "--month", "2025-10", "--year", "2025"],
        ["due", "--day-counts-age", "-1"],
        ["due", "--calendar", "no-such-calendar"],
        ["due", "--lang", "fr"],
        ["due", "-h"],
        ["show", "korean-war-chinese-entry"],
        ["due", "--", "x"],
        [],
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_anything_unusual_is_left_to_the_full_command_line(synthetic: Path, argv: list[str]) -> None:
    warm(synthetic)
    assert quick.run([*argv, "--data", str(synthetic)], dict(os.environ), io.StringIO(), io.StringIO()) is None


def test_a_stale_or_missing_index_is_left_to_the_full_path_which_rebuilds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    text = "calendar:\n  id: c\n  name: C\nevents:\n  - id: e1\n    title: One\n    date: 1950-10-25\n    summary: S.\n    sources: [{title: F}]\n"
    (data / "c.yaml").write_text(text, encoding="utf-8")
    argv = ["due", "--data", str(data), "--today", "2025-10-01", "--format", "json"]
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / "cache"))
    env = dict(os.environ)
    assert quick.run(argv, env, io.StringIO(), io.StringIO()) is None  # no index yet
    out = io.StringIO()
    assert main(argv, stdout=out, stderr=io.StringIO(), env=env) == 0  # builds it
    quick_out = io.StringIO()
    assert quick.run(argv, env, quick_out, io.StringIO()) == 0
    assert quick_out.getvalue() == out.getvalue()
    (data / "c.yaml").write_text(text.replace("title: One", "title: One, edited"), encoding="utf-8")
    os.utime(data / "c.yaml", ns=(1, 1))
    assert quick.run(argv, env, io.StringIO(), io.StringIO()) is None  # the file changed
    out = io.StringIO()
    assert main(argv, stdout=out, stderr=io.StringIO(), env=env) == 0
    assert "One, edited" in out.getvalue()
    assert quick.run(argv, env, io.StringIO(), io.StringIO()) == 0
    assert quick.run(argv, dict(env, ANNIV_QUICK="0"), io.StringIO(), io.StringIO()) is None


def test_a_corrupt_quick_record_is_never_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "c.yaml").write_text(
        "calendar:\n  id: c\n  name: C\nevents:\n  - id: e1\n    title: One\n    date: 1950-10-25\n    summary: S.\n    sources: [{title: F}]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / "cache"))
    env = dict(os.environ)
    argv = ["due", "--data", str(data), "--today", "2025-10-01", "--format", "json"]
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO(), env=env) == 0
    (index,) = (tmp_path / "cache").glob("*.idx")
    raw = bytearray(index.read_bytes())
    at = raw.rfind(b'"title": ')  # inside the texts of the event's JSON row
    assert at > 0
    raw[at + 2] ^= 0x20
    index.write_bytes(bytes(raw))
    assert quick.run(argv, env, io.StringIO(), io.StringIO()) is None
    out = io.StringIO()
    assert main(argv, stdout=out, stderr=io.StringIO(), env=env) == 0
    assert json.loads(out.getvalue())[0]["title"] == "One"


@pytest.mark.parametrize("lang", milestones.LANGS)
def test_ordinals_and_labels_need_no_json_escaping(lang: str) -> None:
    """The quick path writes them between quotes as they are."""
    for kind in ("years", "days"):
        for n in [*range(1, 3001), 10000, 12345]:
            for text in (milestones.ordinal_of(kind, n, lang), milestones.label_of(kind, n, lang)):
                assert json.dumps(text, ensure_ascii=False) == f'"{text}"'
    for name in milestones.MILESTONE_NAMES.values():
        assert json.dumps(name) == f'"{name}"'


def test_the_window_days_shortcut_matches_counting_year_by_year() -> None:
    start = date(2023, 12, 15).toordinal()
    end = start + 400
    days = kernel.window_days(start, end)
    for m, d in ((1, 1), (12, 31), (6, 15), (12, 20)):
        by_year = kernel.occurrences(
            "day", m, 1900, lambda y, m=m, d=d: kernel.day_in_year(y, m, d), 0, False, start, end, start, 0
        )
        assert kernel.occurrences("day", m, 1900, days.get(m * 32 + d, []), 0, False, start, end, start, 0) == by_year


@given(
    st.text(alphabet=st.sampled_from(list('ab %"\\\x00.0123한')), max_size=24),
    st.lists(st.text(alphabet="ab%\x00", max_size=4), max_size=3),
    st.integers(1, 3),
    st.sampled_from(
        [
            ("years", 45, "45th", "45th anniversary", None, True, 6),
            ("days", 1000, "1,000 days", "1,000 days", None, True, 8),
        ]
    ),
)
def test_a_filled_row_template_is_the_rows_json(
    text: str, tags: list[str], importance: int, counted: tuple[object, ...]
) -> None:
    """The quick path fills a row template made when the index was built (the title, the
    date, the count's fields and the day's as one piece each): the result must be exactly the
    JSON the full path writes for the row, whatever the event's text (NULs and text shaped
    like a template's markers, quotes, percent signs, Korean)."""
    static = {
        "event_id": text,
        "event_date": "1950-10-25",
        "importance": importance,
        "calendar": text[:3],
        "tags": tags,
        "precision": "day",
        "event_date_display": text[::-1],
        "observed_note": text,
        "commemorations": [{"what": text, "anniversary": 50, "by": tags}],
    }
    kind, count, ordinal, label, milestone, is_round, rank = counted
    dyn = ("2025-10-01", kind, count, ordinal, label, milestone, is_round, rank, "Wed", 0)
    expected = render.json_line(render.assemble(static, text + "T", dyn))

    template, names = render.run_template(static)
    run_slots, runs = render.run_layout()
    assert names == run_slots == quick.SLOTS and runs.keys() == quick.RUNS.keys()
    assert all(tuple(fields) == quick.RUNS[name] for name, (fields, _) in runs.items())
    value = dict(zip(kernel.DYNAMIC_NAMES, dyn, strict=True), title=text + "T")
    filled = {name: sub % tuple(render.json_line(value[f]) for f in fields) for name, (fields, sub) in runs.items()}
    assert render.fill(template, tuple(filled.get(n) or render.json_line(value[n]) for n in names)) == expected


@given(st.lists(st.integers(-5, 5), max_size=30), st.integers(-6, 6))
def test_the_kernels_binary_search_is_bisects(values: list[int], x: int) -> None:
    import bisect

    a = sorted(values)
    assert kernel.search(a, x) == bisect.bisect_left(a, x)
    assert kernel.search(a, x, right=True) == bisect.bisect_right(a, x)


def test_quick_answers_import_almost_nothing(synthetic: Path, tmp_path: Path) -> None:
    """What the quick path imports is what it costs: no argparse, typing, dataclasses, re,
    json, pathlib, YAML or date library."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    argv = ["due", "--data", str(synthetic), "--today", "2025-10-01", "--next", "30d", "--format", "json"]
    warm(synthetic)

    def imports(code: str) -> tuple[set[str], str]:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code, *argv],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        lines = proc.stderr.splitlines()
        return {
            ln.rsplit("|", 1)[1].strip() for ln in lines if ln.startswith("import time:") and "|" in ln
        }, proc.stdout

    start_up, _ = imports("pass")  # what this interpreter's site imports anyway (.pth files)
    modules, out = imports("import sys; from anniv import quick; quick.main_exit()")
    modules -= start_up
    assert json.loads(out), "no answer"
    heavy = {
        "argparse",
        "typing",
        "dataclasses",
        "re",
        "json",
        "pathlib",
        "yaml",
        "convertdate",
        "anniv.cli",
        "anniv.engine",
        "bisect",  # kernel.search
        "__future__",  # annotations on the quick path are written to work without it
    }
    assert not modules & heavy, modules & heavy
    assert "anniv.quick" in modules


def test_the_index_file_name_spreads_folders_but_identity_decides(tmp_path: Path) -> None:
    a = cache.index_file(str(tmp_path), ("/a", None, ("/",)))
    b = cache.index_file(str(tmp_path), ("/b", None, ("/",)))
    assert a != b and a.endswith(".idx")


def test_a_window_running_past_year_9999_is_a_usage_error() -> None:
    err = io.StringIO()
    code = main(["due", "--today", "9999-12-01", "--next", "60d"], stdout=io.StringIO(), stderr=err)
    assert code == 2 and "9999-12-31" in err.getvalue() and "Traceback" not in err.getvalue()


def test_awkward_text_is_written_the_same_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Titles, tags and notes with %, quotes, backslashes, tabs and other scripts go through the
    templates exactly as json.dumps writes them."""
    data = one_calendar(
        tmp_path,
        monkeypatch,
        "odd",
        "  - id: odd-one\n"
        '    title: "100% \\"quoted\\" back\\\\slash\\ttab %s %d {} [] 한국어 中文"\n'
        "    titles: {ko: '제목 %s', zh: '标题 \\\\ %%'}\n"
        "    date: 1950-10-25\n"
        "    summary: Odd characters everywhere.\n"
        "    observed: {note: 'kept on 25 October (50%)'}\n"
        "    sources: [{title: 'Fixture %(x)s', note: 'a note with \"quotes\"'}]\n"
        "    commemorations:\n"
        "      - date: 2000-10-25\n"
        "        anniversary: 50\n"
        "        what: 'A 50% ceremony with \"speeches\"'\n"
        "        sources: [{title: 'Report %'}]\n",
    )
    for lang in milestones.LANGS:
        argv = ["due", "--data", str(data), "--today", "2025-10-01", "--format", "json", "--lang", lang]
        warm(data)
        same(argv)
        (_, out, _), _ = both(argv)
        row = json.loads(out)[0]
        assert "%" in row["title"] and row["commemorations"][0]["what"].startswith("A 50%")
    same(["due", "--data", str(data), "--today", "2025-10-01"])


def test_text_that_looks_like_a_template_slot_stays_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """YAML's "\\0" puts NUL characters in text; text shaped like the template's slot markers
    (NUL, number, dot, number, NUL) must come out as text on both paths."""
    data = one_calendar(
        tmp_path,
        monkeypatch,
        "nul",
        "  - id: nul-one\n"
        '    title: "\\x000.0\\x00"\n'
        "    date: 1950-10-25\n"
        "    summary: Markers in the text.\n"
        '    observed: {note: "\\x000.1\\x00 and \\x001.2\\x00"}\n'
        "    sources: [{title: F}]\n"
        "    commemorations:\n"
        "      - date: 2000-10-25\n"
        "        anniversary: 50\n"
        '        what: "\\x000.3\\x00"\n'
        '        sources: [{title: "\\x002.4\\x00"}]\n',
    )
    argv = ["due", "--data", str(data), "--today", "2025-10-01", "--format", "json"]
    warm(data)
    same(argv)
    (_, out, _), _ = both(argv)
    row = json.loads(out)[0]
    assert row["title"] == "\x000.0\x00" and row["commemorations"][0]["what"] == "\x000.3\x00"
    assert row["observed_note"] == "\x000.1\x00 and \x001.2\x00"


def _command(launcher: Path, argv: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    """The installed command (``launcher``, see ``conftest.install_command``) run as a process
    with this checkout on ``PYTHONPATH``: its real stdout and stderr."""
    environ = dict(os.environ, PYTHONPATH=str(REPO), **env)
    return subprocess.run([launcher, *argv], capture_output=True, env=environ, check=False)


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("lang", milestones.LANGS)
def test_json_written_as_bytes_is_the_full_paths_text(
    synthetic: Path, installed: Path, lang: str, unbuffered: str
) -> None:
    """The quick path writes JSON rows to the binary stream under stdout as UTF-8; a real
    process gets the same bytes as from the full path, Korean and Chinese titles included,
    whether Python buffers its output or not."""
    warm(synthetic)
    argv = [
        "due",
        "--data",
        str(synthetic),
        "--today",
        "2025-10-01",
        "--next",
        "90d",
        "--format",
        "json",
        "--lang",
        lang,
    ]
    quick_run = _command(installed, argv, PYTHONUNBUFFERED=unbuffered)
    full_run = _command(installed, argv, PYTHONUNBUFFERED=unbuffered, ANNIV_QUICK="0")
    assert quick_run.returncode == full_run.returncode == 0, quick_run.stderr.decode()[-2000:]
    assert quick_run.stdout == full_run.stdout and quick_run.stderr == full_run.stderr
    assert len(json.loads(quick_run.stdout.decode("utf-8"))) > 100
    assert quick_run.stdout.isascii() == (lang == "en")  # Korean titles and ordinals, Chinese ordinals
    answered = _command(installed, argv, PYTHONPROFILEIMPORTTIME="1", PYTHONUNBUFFERED=unbuffered)
    assert answered.stdout == quick_run.stdout and b"anniv.cli" not in answered.stderr  # the quick path wrote it


@pytest.mark.parametrize("quick_path", ["1", "0"])
def test_an_output_encoding_that_cannot_write_the_text_is_said_not_a_traceback(
    installed: Path, quick_path: str
) -> None:
    data = DATA / "feeds" / "calendars"
    argv = ["due", "--data", str(data), "--today", "2025-10-01", "--lang", "ko", "--format", "json"]
    proc = _command(installed, argv, PYTHONIOENCODING="ascii", ANNIV_QUICK=quick_path)
    message = proc.stderr.decode("ascii", "replace")
    assert proc.returncode == 1 and "Traceback" not in message
    assert "cannot write" in message and "PYTHONIOENCODING=utf-8" in message


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES)
def test_json_line_is_json_dumps_whatever_the_value(value: object) -> None:
    """``render.json_line`` writes strings, ints and lists of strings itself (the templates'
    fields) and leaves the rest to the encoder: always what ``json.dumps`` writes."""
    assert render.json_line(value) == json.dumps(value, ensure_ascii=False)
    for edge in ([], ["a", 'b"\\\n한\x00'], ["a", 1], [True], 10**30, -1, True, None, "\ud800"):
        assert render.json_line(edge) == json.dumps(edge, ensure_ascii=False)


def test_the_index_stores_the_runs_of_counts_the_quick_path_would_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The English runs of counts of years an index stores (``quick.counted_table``) are
    the ones ``counted_run`` writes, up to ten years ahead of its oldest event, and a window
    that reaches counts past them still lists what the full path lists."""
    events = "".join(
        f"  - id: e{k}\n    title: Event {k}\n    date: {year}-{month:02d}-14\n    summary: S.\n"
        "    sources: [{title: F}]\n"
        for k, (year, month) in enumerate([(1950, 10), (1776, 7), (1066, 10), (2024, 3)])
    )
    data = one_calendar(tmp_path, monkeypatch, "c", events)
    warm(data)
    (file,) = (tmp_path / "cache").glob("*.idx")
    idx = cache.open_index(file, quick._identity(str(data.resolve())))
    assert idx is not None
    stored = [idx.extra(where) for where in idx.header["counted_en"]]
    last = date.today().year + 10 - 1066
    assert len(stored) == last // 64 + 1
    assert stored == quick.counted_table(render.run_layout()[1], last)
    head = quick._counted_head(render.run_layout()[1])
    assert head is not None
    for block, runs in enumerate(stored):
        for k, run in enumerate(runs):
            count = 64 * block + k
            assert run == (quick.counted_run(head, "years", count, "en") if count else None)
    for window in (["--year", "2026"], ["--year", "3066"], ["--month", "2950-10"]):
        for lang in ("en", "ko"):
            same(["due", "--data", str(data), "--today", "2026-01-01", "--format", "json", "--lang", lang, *window])
