"""The on-disk index: same answers as a fresh parse, per-file re-parsing, and distrust of bad caches."""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anniv import cache, catalog, dates, engine, indexer, quick, render
from anniv.catalog import load_catalog

FIXTURES = Path(__file__).parent / "data" / "engine"

SECOND = """calendar:
  id: second
  name: Second fixture
events:
  - id: second-founding
    title: Founding of the second fixture
    date: 1975-10-26
    summary: A second file, so that one file can change alone.
    tags: [test]
    sources: [{title: Fixture, publisher: Tests}]
  - id: cpv-entry
    title: A duplicate id across files
    date: 1990-10-27
    summary: Cross-file checks must survive the cache.
    sources: [{title: Fixture, publisher: Tests}]
  - id: recent-thing
    title: Something recent
    date: 2025-06-01
    milestones: {days: true}
    summary: Day counts come from the index too.
    sources: [{title: Fixture, publisher: Tests}]
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with two calendars, and a cache folder of its own."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "history.yaml", data / "history.yaml")
    (data / "second.yaml").write_text(SECOND, encoding="utf-8")
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / "cache"))
    return data


def index_path(data: Path) -> Path:
    files = list((Path(os.environ["ANNIV_CACHE_DIR"])).glob("*.idx"))
    assert len(files) == 1, files
    return files[0]


def due_json(run: Callable[..., object], data: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    r = run("due", "--data", str(data), "--today", "2025-10-01", "--next", "60d", "--format", "json", *extra, env=env)
    assert r.code == 0, r  # type: ignore[attr-defined]
    return r.out  # type: ignore[attr-defined,no-any-return]


def test_cached_and_uncached_runs_give_identical_output(folder: Path, run: Callable[..., object]) -> None:
    plain = due_json(run, folder, env={"ANNIV_NO_CACHE": "1"})
    cold = due_json(run, folder)
    assert catalog.LAST_REPARSED  # the first cached run parsed the files
    warm = due_json(run, folder)
    assert catalog.LAST_REPARSED  # unchanged: a warm run does not rebuild (list left as is)
    assert plain == cold == warm
    assert json.loads(plain)  # the window is not empty, so the comparison means something


def test_cached_catalogue_equals_parsed_catalogue(folder: Path) -> None:
    fresh = load_catalog(folder, use_cache=False)
    load_catalog(folder)
    served = load_catalog(folder)
    assert served.problems == fresh.problems  # includes the cross-file duplicate id
    assert any("duplicate event id 'cpv-entry'" in p.message for p in served.problems)
    assert served.broken == fresh.broken
    assert served.calendar_ids == tuple(c.id for c in fresh.calendars)
    assert served.events == fresh.events
    assert served.calendars == fresh.calendars
    assert served.by_id == fresh.by_id
    assert served.calendar("second") == fresh.calendar("second")


def test_editing_one_file_reparses_only_that_file(folder: Path) -> None:
    load_catalog(folder)
    assert len(catalog.LAST_REPARSED) == 2
    second = folder / "second.yaml"
    second.write_text(SECOND.replace("1975-10-26", "1976-10-26"), encoding="utf-8")
    os.utime(second, ns=(1, 1))  # a different mtime even on coarse clocks
    cat = load_catalog(folder)
    assert [Path(p).name for p in catalog.LAST_REPARSED] == ["second.yaml"]
    assert cat.by_id["second-founding"].date.year == 1976
    assert cat.events == load_catalog(folder, use_cache=False).events


def test_a_new_file_is_parsed_alone_and_a_removed_one_dropped(folder: Path) -> None:
    load_catalog(folder)
    (folder / "third.yaml").write_text(
        SECOND.replace("id: second", "id: third")
        .replace("second-founding", "third-founding")
        .replace("cpv-entry", "third-dup")
        .replace("recent-thing", "third-recent"),
        encoding="utf-8",
    )
    cat = load_catalog(folder)
    assert [Path(p).name for p in catalog.LAST_REPARSED] == ["third.yaml"]
    assert "third" in cat.calendar_ids
    (folder / "third.yaml").unlink()
    cat = load_catalog(folder)
    assert catalog.LAST_REPARSED == []
    assert "third" not in cat.calendar_ids
    assert cat.problems == load_catalog(folder, use_cache=False).problems


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _foreign(p: Path) -> None:
    p.write_bytes(b"this is not an anniv index\n" * 10)


def _header_flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[40] ^= 0xFF
    p.write_bytes(bytes(data))


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _group_writable(p: Path) -> None:
    os.chmod(p, 0o666)


BREAKAGE = [_truncate, _foreign, _header_flip, _empty, _group_writable]


@pytest.mark.parametrize(
    "breakage", BREAKAGE, ids=["truncated", "foreign", "corrupt-header", "empty", "writable-by-others"]
)
def test_a_bad_cache_is_ignored_and_rebuilt(
    folder: Path, run: Callable[..., object], breakage: Callable[[Path], None]
) -> None:
    expected = due_json(run, folder, env={"ANNIV_NO_CACHE": "1"})
    due_json(run, folder)
    idx = index_path(folder)
    breakage(idx)
    assert due_json(run, folder) == expected
    assert len(catalog.LAST_REPARSED) == 2  # rebuilt from the YAML
    assert due_json(run, folder) == expected
    assert os.stat(index_path(folder)).st_mode & 0o077 == 0


def test_another_code_version_is_ignored(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(folder)
    monkeypatch.setattr(cache, "code_version", lambda: "another-version")
    cat = load_catalog(folder)
    assert len(catalog.LAST_REPARSED) == 2
    assert cat.events == load_catalog(folder, use_cache=False).events


def test_a_corrupt_event_blob_is_caught_when_decoded(folder: Path, run: Callable[..., object]) -> None:
    """Event blobs are checked lazily: flipping bytes near the end (event data, per-file keys)
    must still give the right answer, never a wrong event."""
    expected = due_json(run, folder, env={"ANNIV_NO_CACHE": "1"})
    due_json(run, folder)
    idx = index_path(folder)
    data = bytearray(idx.read_bytes())
    for k in range(1, 400, 7):
        data[-k] ^= 0x5A
    idx.write_bytes(bytes(data))
    os.chmod(idx, 0o600)
    assert due_json(run, folder) == expected


def test_the_cache_is_never_pickle() -> None:
    source = Path(cache.__file__).read_text(encoding="utf-8") + Path(catalog.__file__).read_text(encoding="utf-8")
    assert "import pickle" not in source and "pickle.load" not in source


def _event(i: int, rnd: random.Random) -> str:
    kind = rnd.random()
    y = rnd.randint(1800, 2024)
    m, d = rnd.randint(1, 12), rnd.randint(1, 28)
    extra = ""
    if kind < 0.1:
        date_text = f"{rnd.choice([1904, 1988, 2000, 2020])}-02-29"
        extra = f"    leap_day: {rnd.choice(['feb28', 'mar1', 'leap-years-only'])}\n"
    elif kind < 0.2:
        date_text = f"{rnd.randint(1392, 1990)}-{m:02d}-{d:02d}"
        extra = "    calendar: korean-lunar\n"
    elif kind < 0.25:
        date_text = f"{y}-{m:02d}-{d:02d}"
        extra = "    observed: {rule: last MO of 05}\n"
    elif kind < 0.3:
        date_text = f"{y}-{m:02d}"
    elif kind < 0.35:
        date_text = f"{rnd.randint(1600, 1900)}-{m:02d}-{d:02d}"
        extra = f"    calendar: julian\n    observed: {{on: {rnd.choice(['converted', 'nominal'])}}}\n"
    elif kind < 0.45:
        day = date(2025, 10, 1) - timedelta(days=rnd.randint(50, 12000))
        date_text = day.isoformat()
        extra = "    milestones: {days: true}\n" if rnd.random() < 0.5 else ""
    else:
        date_text = f"{y}-{m:02d}-{d:02d}"
    return f"  - id: ev-{i}\n    title: Event {i}\n    date: '{date_text}'\n{extra}    summary: S.\n    sources: [{{title: T}}]\n"


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("varied")
    rnd = random.Random(11)
    for k in range(3):
        body = "".join(_event(k * 100 + i, rnd) for i in range(100))
        (data / f"v{k}.yaml").write_text(f"calendar:\n  id: v{k}\n  name: V{k}\nevents:\n{body}", encoding="utf-8")
    return data


@pytest.mark.parametrize(
    "start,days,age",
    [
        (date(2025, 10, 1), 30, 3),
        (date(2025, 2, 20), 20, 3),
        (date(2024, 2, 20), 20, 0),
        (date(2025, 12, 20), 40, 3),
        (date(2049, 11, 1), 45, 3),
        (date(2055, 3, 1), 30, 3),
        (date(1940, 5, 1), 90, 3),
        (date(2025, 1, 1), 500, 3),
    ],
    ids=[
        "october",
        "feb-common-year",
        "feb-leap-year",
        "new-year",
        "end-of-mover-years",
        "past-lunar-tables",
        "before-mover-years",
        "long-window",
    ],
)
def test_index_finds_what_a_full_scan_finds(varied: Path, start: date, days: int, age: int) -> None:
    q = engine.Query(start, start + timedelta(days=days), start, day_count_age_years=age)
    cat = load_catalog(varied, use_cache=False)
    assert not cat.errors, cat.errors
    load_catalog(varied)

    def outcome(fn: Callable[[], object]) -> object:
        try:
            return fn()
        except Exception as exc:  # past the lunar tables every way must fail alike
            return type(exc)

    full = outcome(lambda: engine.anniversaries(cat.events, q))
    assert outcome(lambda: cat.query(q)) == full
    assert outcome(lambda: engine.anniversaries(cat.candidates(q.start, q.end), q)) == full
    assert outcome(lambda: load_catalog(varied).query(q)) == full


@pytest.mark.parametrize(
    "year,month,day,leap",
    [
        (1950, 1, 1, False),
        (2023, 2, 30, False),
        (2023, 2, 15, True),
        (2020, 4, 30, True),
        (2025, 6, 30, True),
        (2049, 12, 29, False),
        (1984, 10, 30, True),
    ],
    ids=[
        "new-year-1950",
        "day-30-short-month",
        "leap-month-2023",
        "leap-month-2020-day-30",
        "leap-month-2025",
        "last-table-year",
        "leap-1984",
    ],
)
def test_lunar_month_table_matches_dates(year: int, month: int, day: int, leap: bool) -> None:
    expected = dates.lunar_observance(year, month, day, leap)
    assert date.fromordinal(catalog._LUNAR.kept(year, month, day, leap)) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=6), max_size=4))
def test_json_lists_are_one_item_per_line_and_round_trip(rows: list[dict[str, object]]) -> None:
    text = render.to_json(rows)
    assert json.loads(text) == rows
    lines = text.split("\n")[:-1]  # not splitlines: U+0085 and friends are text here
    if rows:
        assert lines[0] == "[" and lines[-1] == "]" and len(lines) == len(rows) + 2
    else:
        assert text == "[]\n"


def test_progress_bar_stays_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    bar = catalog._Progress(100, "test", enabled=False)
    bar.started -= 5  # as if a second had long passed
    bar.advance(10)
    bar.close()
    assert capsys.readouterr().err == ""


def test_worker_processes_build_the_same_index_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several files parsed by worker processes give the same catalogue, problems and
    answers as parsing them one after another, broken files and cross-file problems included,
    both through the index and in an eager load (every Event compared)."""
    import multiprocessing
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from generate import generate

    data = generate(2400, 5, date(2025, 10, 1), tmp_path) / "data"
    shutil.copy(FIXTURES / "history.yaml", data / "history.yaml")
    (data / "second.yaml").write_text(SECOND, encoding="utf-8")  # a duplicate id across files
    (data / "broken.yaml").write_text("calendar: [\n", encoding="utf-8")
    monkeypatch.setattr(catalog, "PARALLEL_MIN_BYTES", 1)
    results = []
    for jobs in ("1", "3"):
        monkeypatch.setenv("ANNIV_JOBS", jobs)
        monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / f"cache-{jobs}"))
        sizes = [p.stat().st_size for p in data.glob("*.yaml")]
        assert catalog.workers_for(sizes) == int(jobs)
        cat = load_catalog(data)
        assert multiprocessing.active_children() == []  # the workers were waited for
        assert [p.suffix for p in (tmp_path / f"cache-{jobs}").iterdir()] == [".idx"]  # no spool left
        q = engine.Query(date(2025, 1, 1), date(2025, 12, 31), date(2025, 10, 1))
        rows = [render.row_dict(a, date(2025, 10, 1)) for a in cat.query(q)]
        eager = load_catalog(data, use_cache=False)  # what anniv check loads
        assert multiprocessing.active_children() == []
        results.append(
            (
                [str(p) for p in cat.problems],
                cat.broken,
                json.dumps(rows, ensure_ascii=False),
                [str(p) for p in eager.problems],
                eager.broken,
                eager.calendars,
            )
        )
    assert results[0] == results[1]
    problems, broken, rows, eager_problems, eager_broken, calendars = results[0]
    assert broken and any("cpv-entry" in p for p in problems) and len(rows) > 2400
    assert eager_problems == problems and eager_broken == broken
    assert sum(len(c.events) for c in calendars) > 2400


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fails", ["folder", "second part", "finish"])
def test_a_failing_index_write_still_gives_the_whole_catalogue(
    folder: Path, monkeypatch: pytest.MonkeyPatch, fails: str, jobs: str
) -> None:
    """The index is written while files are parsed, their records let go once written. When
    the cache folder cannot be written at all, the catalogue is served from memory; when a
    write fails half-way (a full disk), the records already let go are parsed again. With
    worker processes, the records they spooled are read back or let go, and no spool stays."""
    monkeypatch.setattr(catalog, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setenv("ANNIV_JOBS", jobs)
    expected = load_catalog(folder, use_cache=False)
    calls = {"add": 0}
    real_init, real_add = indexer.IndexWriter.__init__, indexer.IndexWriter.add

    def init(self: indexer.IndexWriter, file: str) -> None:
        if fails == "folder":
            raise PermissionError(13, "read-only cache folder")
        real_init(self, file)

    def add(self: indexer.IndexWriter, part: indexer.FilePart) -> None:
        calls["add"] += 1
        if fails == "second part" and calls["add"] == 2:
            raise OSError(28, "No space left on device")
        real_add(self, part)

    def finish(self: indexer.IndexWriter, *args: object) -> None:
        self.abort()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(indexer.IndexWriter, "__init__", init)
    monkeypatch.setattr(indexer.IndexWriter, "add", add)
    if fails == "finish":
        monkeypatch.setattr(indexer.IndexWriter, "finish", finish)
    cat = load_catalog(folder)
    assert cat.events == expected.events
    assert [str(p) for p in cat.problems] == [str(p) for p in expected.problems]
    q = engine.Query(date(2025, 10, 1), date(2025, 10, 31), date(2025, 10, 1))
    assert cat.query(q) == expected.query(q)
    cache_dir = Path(os.environ["ANNIV_CACHE_DIR"])
    assert not list(cache_dir.glob("*.idx")) and not list(cache_dir.glob(".*.tmp"))


def test_worker_processes_stop_when_the_parts_are_not_all_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader of the parts that stops early (an error while indexing) leaves no worker
    process behind; one that takes them all gets a closing pool to wait for."""
    import multiprocessing

    for n in range(3):
        (tmp_path / f"c{n}.yaml").write_text(SECOND.replace("second", f"cal{n}"), encoding="utf-8")
    monkeypatch.setattr(catalog, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setenv("ANNIV_JOBS", "2")
    files = sorted(tmp_path.glob("*.yaml"))
    jobs = [(p, p.name, None, tmp_path, (tmp_path,), True) for p in files]
    closing: list[object] = []
    stream = catalog._fresh_parts(jobs, False, closing)
    next(stream)
    stream.close()
    assert closing == [] and multiprocessing.active_children() == []
    parts = list(catalog._fresh_parts(jobs, False, closing))
    assert [p.display for p in parts] == [p.name for p in files] and len(closing) == 1
    catalog._join(closing)
    assert closing == [] and multiprocessing.active_children() == []


def test_a_part_packed_by_its_worker_is_written_as_the_unpacked_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers hand over their records already laid out (``FilePart.pack``), in memory or in
    a spool file; the index file must be byte for byte the one the writer makes from the lists
    of records, and the packed events must come back out as the same blobs."""
    import marshal
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from generate import generate

    data = generate(600, 3, date(2025, 10, 1), tmp_path) / "data"
    files = sorted(data.glob("*.yaml"))
    jobs = [(p, p.name, None, data, (data,), True) for p in files]
    pack = indexer.FilePart.pack
    monkeypatch.setattr(indexer.FilePart, "pack", lambda self, spool=None: None)
    plain = [catalog._fresh_part(job) for job in jobs]
    monkeypatch.setattr(indexer.FilePart, "pack", pack)  # the writer packs these itself

    def twins() -> list[indexer.FilePart]:
        # each twin's quick records are objects of its own, while the parsed parts keep theirs
        # alive throughout: marshal's format 4, which the keys blobs use, marks an object other
        # code also holds, so strings shared with records let go at different times would
        # change the bytes
        return [
            indexer.FilePart(
                p.key,
                p.display,
                p.header,
                p.problems,
                p.usable,
                list(p.blobs),
                p.keys,
                p.xkeys,
                marshal.loads(marshal.dumps(p.quick)),
            )
            for p in plain
        ]

    packed, unpacked, spooled = twins(), twins(), twins()
    for part in packed:
        pack(part)
    monkeypatch.setattr(indexer.Spool, "_mine", [])  # this process's spool, for this test only
    for part in spooled:
        pack(part, str(tmp_path / "spooled.idx"))
    assert all(p.packed is not None and not p.blobs and q.packed is None for p, q in zip(packed, unpacked, strict=True))
    assert all(p.packed is not None and p.packed.spooled is not None and not p.packed.events for p in spooled)
    spool_file = Path(spooled[0].packed.spooled[0])
    assert spool_file.parent == tmp_path and spool_file.name.startswith(".spooled.idx.")
    assert (
        [p.event_blobs() for p in packed] == [q.event_blobs() for q in unpacked] == [s.event_blobs() for s in spooled]
    )
    written = []
    for name, parts in (("packed", packed), ("plain", unpacked), ("spooled", spooled)):
        writer = indexer.IndexWriter(tmp_path / f"{name}.idx")
        for part in parts:
            writer.add(part)
        writer.finish(("identity",), {"row_slots": (), "row_runs": {}}, ())
        written.append((tmp_path / f"{name}.idx").read_bytes())
    assert written[0] == written[1] == written[2]


def test_quick_records_come_back_from_their_day_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick path decodes first parts a chunk at a time: every event's two parts come
    back as ``quick_record`` made them, and a chunk holds up to QUICK_CHUNK events of one
    file kept on one month-day, in catalogue order, so a day's candidates share chunks."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from generate import generate

    data = generate(1500, 3, date(2025, 10, 1), tmp_path) / "data"
    shutil.copy(FIXTURES / "history.yaml", data / "history.yaml")
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / "cache"))
    load_catalog(data)
    cat = load_catalog(data)
    idx = cat._store
    assert isinstance(idx, cache.Index)
    events = cat.events
    assert len(events) == idx.n > 1500
    where, read = idx.quick_chunks()
    members: dict[int, list[int]] = {}
    for i, ev in enumerate(events):
        head, extra = indexer.quick_record(ev, catalog.index_keys(ev)[2])
        assert idx.quick_head(i) == head and idx.quick_extra(i) == extra
        assert read(where[i] >> cache.QUICK_CHUNK_BITS)[where[i] & cache.QUICK_MASK] == head
        members.setdefault(where[i] >> cache.QUICK_CHUNK_BITS, []).append(i)
    file_of = [k for k, f in enumerate(idx.files) for _ in range(f["count"])]
    for chunk, evs in members.items():
        assert 1 <= len(evs) == len(read(chunk)) <= indexer.QUICK_CHUNK
        assert [where[i] & cache.QUICK_MASK for i in evs] == list(range(len(evs)))  # in catalogue order
        assert len({file_of[i] for i in evs}) == 1
        assert len({catalog.index_keys(events[i])[0] for i in evs}) == 1
    # a file's chunks run by month-day, each day's full chunks before its last one
    for k in range(len(idx.files)):
        chunks = sorted(c for c, evs in members.items() if file_of[evs[0]] == k)
        codes = [catalog.index_keys(events[members[c][0]])[0] for c in chunks]
        assert codes == sorted(codes)
        assert chunks == list(range(chunks[0], chunks[0] + len(chunks)))


def test_an_index_updated_for_one_edited_file_is_the_index_built_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unchanged files' records are copied raw from the old index (``file_part``): the
    updated index holds exactly what an index built from scratch holds."""
    import marshal
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from generate import generate

    data = generate(900, 3, date(2025, 10, 1), tmp_path) / "data"
    shutil.copy(FIXTURES / "history.yaml", data / "history.yaml")
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / "updated"))
    load_catalog(data)
    victim = sorted(data.glob("synthetic-*.yaml"))[1]
    victim.write_text(victim.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), encoding="utf-8")
    load_catalog(data)
    assert [Path(p).name for p in catalog.LAST_REPARSED] == [victim.name]
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path / "afresh"))
    load_catalog(data)
    (updated,) = (tmp_path / "updated").glob("*.idx")
    (afresh,) = (tmp_path / "afresh").glob("*.idx")
    a, b = (cache.open_index(f, quick._identity(str(data.resolve()))) for f in (updated, afresh))
    assert a is not None and b is not None
    # the same values everywhere (marshal's bytes for a value can differ with what else holds
    # its objects when it is written, so records are compared decoded)
    assert {k: v for k, v in a.header.items() if k != "arrays"} == {k: v for k, v in b.header.items() if k != "arrays"}
    assert set(a.header["arrays"]) == set(b.header["arrays"])
    for name in set(a.header["arrays"]) - {"crcs", "qxcrcs", "qccrcs"}:
        assert a.array(name).tolist() == b.array(name).tolist(), name
    for i in range(a.n):
        assert marshal.loads(a.blob(i)) == marshal.loads(b.blob(i))
        assert a.quick_head(i) == b.quick_head(i)
        assert marshal.loads(a.quick_extra(i)) == marshal.loads(b.quick_extra(i))
    for k in range(len(a.files)):
        assert a.extra(a.files[k]["keys_at"]) == b.extra(b.files[k]["keys_at"])
    cat = load_catalog(data)
    assert cat.events == load_catalog(data, use_cache=False).events


def test_unchanged_files_copied_from_the_index_serve_when_the_new_one_cannot_be_written(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw slices ``file_part`` takes from the old index hold the events themselves: when
    the updated index cannot be written, the catalogue is served from them."""
    load_catalog(folder)
    second = folder / "second.yaml"
    second.write_text(second.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), encoding="utf-8")

    def unwritable(self: indexer.IndexWriter, file: str) -> None:
        raise OSError("read-only file system")

    monkeypatch.setattr(indexer.IndexWriter, "__init__", unwritable)
    cat = load_catalog(folder)
    assert [Path(p).name for p in catalog.LAST_REPARSED] == ["second.yaml"]
    eager = load_catalog(folder, use_cache=False)
    assert cat.events == eager.events and any(e.title.startswith("Edited ") for e in cat.events)
    q = engine.Query(date(2025, 1, 1), date(2025, 12, 31), date(2025, 10, 1))
    assert [render.row_dict(a, q.today) for a in cat.query(q)] == [render.row_dict(a, q.today) for a in eager.query(q)]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Folders and links of every kind, with the current folder inside them."""
    root = tmp_path / "t"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f.yaml").write_text("x")
    (root / "rel").symlink_to("a/b")  # relative
    (root / "abs").symlink_to(root / "a")  # absolute
    (root / "chain").symlink_to("rel")  # a link to a link
    (root / "a" / "up").symlink_to("..")  # a link whose target climbs
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    monkeypatch.chdir(root / "a")
    return root


REAL_CASES = [
    "{t}",
    "{t}/",
    "{t}/a/b/f.yaml",
    "{t}/rel",
    "{t}/rel/",
    "{t}/rel/f.yaml",
    "{t}/rel/..",
    "{t}/rel/../b",
    "{t}/abs/b",
    "{t}/chain/f.yaml",
    "{t}/a/up/rel",
    "{t}/a/up/a/up/abs/up",
    "{t}//a/./b//",
    "{t}/missing/../a",
    "{t}/missing/x",
    "{t}/rel/missing/../f.yaml",
    "/",
    "/..",
    "//",
    "b",
    "./b/f.yaml",
    "../rel",
    "up/chain",
    "..",
]


@pytest.mark.parametrize("template", REAL_CASES)
def test_the_quick_paths_real_path_is_os_path_realpath(tree: Path, template: str) -> None:
    """``cache.real_path`` (system calls alone, no os) resolves like ``os.path.realpath``."""
    path = template.format(t=tree)
    assert cache.real_path(path) == os.path.realpath(path)


def test_a_loop_of_links_is_an_error_for_the_quick_path(tree: Path) -> None:
    with pytest.raises(OSError):
        cache.real_path(str(tree / "loop1" / "x"))  # os.path.realpath gives up quietly; the quick path falls back


@pytest.mark.parametrize(
    "path",
    [
        "b",
        "b/f.yaml",
        "./b/",
        "..",
        "../rel",
        "../../x",
        "{t}/a",
        "{t}/a/b/../b",
        "{t}",
        "/",
        "{t}/../u",
        "b/../../a/b",
    ],
)
def test_the_quick_paths_relative_names_are_os_path_relpaths(tree: Path, path: str) -> None:
    from anniv import quick

    path = path.format(t=tree)
    cwd = os.getcwd()
    assert quick._relative(path, cwd) == os.path.relpath(path, cwd)


@pytest.mark.parametrize(
    "env",
    [
        {"ANNIV_CACHE_DIR": "/x/c"},
        {"XDG_CACHE_HOME": "/x/xdg"},
        {"XDG_CACHE_HOME": "/x/xdg/"},
        {"XDG_CACHE_HOME": "", "HOME": "/home/u"},
        {"HOME": "/home/u/"},
        {"HOME": "/"},
        {"HOME": ""},
        {"ANNIV_CACHE_DIR": "", "HOME": "/h"},
    ],
)
def test_the_cache_folder_follows_the_environment_as_os_path_does(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cache.cache_dir`` reads the environment it is given, joining names as os.path would."""
    if "HOME" in env:
        monkeypatch.setenv("HOME", env["HOME"])  # for os.path.expanduser below
    home = os.path.join(os.path.expanduser("~"), ".cache")
    expected = env.get("ANNIV_CACHE_DIR") or os.path.join(env.get("XDG_CACHE_HOME") or home, "anniv")
    assert cache.cache_dir(env) == expected
    assert cache.cache_dir({**env, "ANNIV_NO_CACHE": "1"}) is None


def test_is_dir_is_os_path_isdir(tree: Path) -> None:
    for path in (tree, tree / "rel", tree / "a" / "b" / "f.yaml", tree / "missing", tree / "loop1"):
        assert cache.is_dir(str(path)) == os.path.isdir(path)
    assert cache.is_dir("bad\0path") is False
