"""The bad-data corpus: every hostile or broken input is refused with located messages.

``tests/data/bad/expected.yaml`` lists, for each file (or folder, for cross-file problems), every
problem ``anniv check`` must print, in order, as ``FILE:LINE:COL: message``. Inputs too large or
too machine-specific to commit (a 100 MB file, symlinks leaving the data folder) are built here
in ``tmp_path``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from anniv import records
from anniv.records import MAX_FILE_BYTES, parse_calendar

BAD = Path(__file__).parent / "data" / "bad"
EXPECTED: dict[str, Any] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
LOCATED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$")
GOOD_EVENT = "  - {id: fine, title: A good event, date: 1950-10-25, summary: Fine., sources: [{title: t}]}\n"
# Files whose only problem needs the whole catalogue; alone they still load for `anniv due`.
CROSS_FILE_ONLY = {"related-missing.yaml"}


def _expected_rows(name: str) -> list[tuple[str, int, int, str]]:
    """The expectation as (file, line, col, text) rows; single rows may omit the list."""
    value = EXPECTED[name]
    rows = value if isinstance(value[0], list) else [value]
    out = []
    for row in rows:
        if (BAD / name).is_dir():
            file, line, col, text = row
            out.append((f"{name}/{file}", line, col, text))
        else:
            line, col, text = row
            out.append((name, line, col, text))
    return out


def _good_calendar(folder: Path, name: str = "good") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"calendar: {{id: {name}, name: Good}}\nevents:\n{GOOD_EVENT}", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.removesuffix(".yaml"))
def test_bad_input_is_refused_at_its_location(run, name: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(BAD)
    r = run("check", name)
    assert r.code == 1, r
    assert "Traceback" not in r.err and r.out == "", r
    *problem_lines, summary = r.err.splitlines()
    assert re.fullmatch(r"\d+ problem\(s\) in \d+ file\(s\); \d+ of \d+ file\(s\) usable", summary), summary
    expected = _expected_rows(name)
    assert len(problem_lines) == len(expected), r.err
    for got, (file, line, col, text) in zip(problem_lines, expected, strict=True):
        m = LOCATED.match(got)
        assert m is not None, f"not PATH:LINE:COL: {got!r}"
        assert (m["file"], int(m["line"]), int(m["col"])) == (file, line, col), got
        assert text in m["message"], got


def test_every_bad_input_has_an_expectation_and_there_are_enough() -> None:
    inputs = {p.name for p in BAD.iterdir() if p.name != "expected.yaml"}
    assert inputs == set(EXPECTED)
    assert len(inputs) >= 55


def test_checking_the_whole_corpus_names_every_file(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(BAD)
    r = run("check", ".")
    assert r.code == 1 and "Traceback" not in r.err
    lines = r.err.splitlines()[:-1]
    located = [LOCATED.match(line) for line in lines]
    assert all(located), [line for line, m in zip(lines, located, strict=True) if not m]
    named = {Path(m["file"]).name for m in located if m} - {"expected.yaml"}
    assert named == {p.name for p in BAD.glob("*.yaml") if p.name != "expected.yaml"}


def test_broken_files_are_skipped_by_due_with_a_warning_naming_them(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "calendars"
    data.mkdir()
    broken = []
    for p in sorted(BAD.glob("*.yaml")):
        if p.name != "expected.yaml":
            shutil.copyfile(p, data / p.name)
            if p.name not in CROSS_FILE_ONLY:
                broken.append(p.name)
    _good_calendar(data)
    for attempt in ("fresh", "cached"):
        r = run("due", "--data", str(data), "--month", "2025-10", "--today", "2025-10-01", "--format", "json")
        assert r.code == 0, (attempt, r)
        assert '"event_id": "fine"' in r.out, attempt
        warning = [line for line in r.err.splitlines() if "warning: skipped" in line]
        assert len(warning) == 1, r.err
        assert f"skipped {len(broken)} file(s) with errors" in warning[0]
        named = {Path(n.strip()).name for n in warning[0].split(": ", 2)[-1].split(" (run")[0].split(",")}
        assert named == set(broken), attempt


# -- generated inputs -----------------------------------------------------------------------------


def test_a_100_mb_file_is_refused_without_being_read(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.yaml"
    block = (GOOD_EVENT.replace("fine", "e{}") * 1).encode()
    with big.open("wb") as fh:
        fh.write(b"calendar: {id: big, name: Big}\nevents:\n")
        chunk = b"".join(block.replace(b"{}", str(i).encode()) for i in range(10_000))
        while fh.tell() < 100 * 1024 * 1024:
            fh.write(chunk)
    read_bytes = Path.read_bytes

    def refuse_big(self: Path) -> bytes:
        assert self.name != "big.yaml", "the size check must come before reading the file"
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse_big)
    monkeypatch.chdir(tmp_path)
    r = run("check", "big.yaml")
    assert r.code == 1, r
    first = r.err.splitlines()[0]
    assert first.startswith("big.yaml: file is 100 MB; calendar files are limited to 20 MB"), first


def test_parse_calendar_refuses_oversized_bytes_too() -> None:
    cal, problems = parse_calendar(b"#" * (MAX_FILE_BYTES + 1), "huge.yaml", expected_id="huge")
    assert cal is None and [(p.line, p.col) for p in problems] == [(0, 0)]
    assert "limited to 20 MB" in problems[0].message


@pytest.mark.parametrize(
    "unit",
    [(b"- ", b""), (b"? ", b""), (b"- ? ", b""), (b"[", b"]"), (b"{a: ", b"}")],
    ids=["block-seq", "complex-key", "mixed-block", "flow-seq", "flow-map"],
)
def test_nesting_far_past_the_crash_depth_is_refused(unit: tuple[bytes, bytes]) -> None:
    # 100,000 levels crashed the interpreter in libyaml's recursive composer before the pre-scan
    opener, closer = unit
    text = (
        b"calendar: {id: d, name: D}\nevents:"
        + (b"\n" if not closer else b" ")
        + opener * 100_000
        + b"x"
        + closer * 100_000
        + b"\n"
    )
    cal, problems = parse_calendar(text, "d.yaml", expected_id="d")
    assert cal is None and len(problems) == 1
    assert problems[0].line == (2 if closer else 3) and "nesting is deeper than" in problems[0].message


def test_deep_block_mapping_on_cr_only_lines_is_refused() -> None:
    lines = b"".join(b" " * i + b"- a:\r" for i in range(0, 200, 2))
    cal, problems = parse_calendar(b"calendar: {id: d, name: D}\revents:\r" + lines, "d.yaml", expected_id="d")
    assert cal is None and "nesting is deeper than" in problems[0].message
    assert 3 < problems[0].line < 3 + records.MAX_DEPTH  # lines end in \r alone and still count


def test_symlink_leaving_the_data_folder_is_refused_and_skipped(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "leak.yaml"
    secret.write_text(
        "calendar: {id: leak, name: Leak}\nevents:\n  - {id: secret, title: Secret event, date: 1950-10-25, summary: s, sources: [{title: t}]}\n"
    )
    data = tmp_path / "calendars"
    data.mkdir()
    _good_calendar(data)
    (data / "leak.yaml").symlink_to(secret)
    (data / "up.yaml").symlink_to(Path("..") / "outside" / "leak.yaml")
    r = run("check", "--data", str(data))
    assert r.code == 1
    assert "symlink points outside the data folder" in r.err
    assert sum("symlink points outside" in line for line in r.err.splitlines()) == 2
    r = run("check", str(data / "leak.yaml"))
    assert r.code == 1 and "symlink points outside the data folder" in r.err
    r = run("due", "--data", str(data), "--month", "2025-10", "--today", "2025-10-01", "--format", "json")
    assert r.code == 0 and "Secret event" not in r.out and '"event_id": "fine"' in r.out
    assert "skipped 2 file(s)" in r.err


def test_symlink_inside_the_data_folder_is_followed(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "calendars"
    data.mkdir()
    (data / "store").mkdir()
    _good_calendar(data / "store", "linked")
    (data / "linked.yaml").symlink_to(Path("store") / "linked.yaml")
    r = run("check", "--data", str(data))
    assert r.code == 0, r


def test_crlf_positions_match_lf_positions() -> None:
    lf = (BAD / "crlf-error.yaml").read_bytes().replace(b"\r\n", b"\n")
    _, from_lf = parse_calendar(lf, "x.yaml", expected_id="crlf-error")
    _, from_crlf = parse_calendar((BAD / "crlf-error.yaml").read_bytes(), "x.yaml", expected_id="crlf-error")
    assert from_lf == from_crlf and len(from_lf) == 2


def test_a_bom_is_accepted_and_does_not_shift_columns() -> None:
    body = b"calendar: {id: b, name: B, leap_day: feb29}\nevents: []\n"
    _, plain = parse_calendar(body, "b.yaml", expected_id="b")
    _, with_bom = parse_calendar(b"\xef\xbb\xbf" + body, "b.yaml", expected_id="b")
    assert plain == with_bom and [(p.line, p.col) for p in plain] == [(1, 38)]
