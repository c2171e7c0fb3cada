"""The fast reader (``anniv.fastread``) against the full one (libyaml composing, ``records``
walking): whatever the fast reader answers must be exactly what the full reader gives, and it
must answer for the plain files calendars are written as, or it is no faster.

Every comparison goes through ``parse_calendar`` twice, with ``fast=True`` and ``fast=False``,
so problems (which only the full reader reports) are compared too.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import FUZZ, calendars, dump, mutated_docs, spliced_bytes

from anniv import dates, fastread
from anniv.records import parse_calendar

# the fast reader's own mistakes (an exception other than declining) fail these tests rather
# than fall back quietly to the full reader, as they do for users
os.environ["ANNIV_FAST_READ"] = "strict"  # set at collection, so the whole session runs strict

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


def both(data: bytes, expected_id: str | None = "fuzz", roots: tuple[Path, ...] = ()) -> tuple[object, object]:
    fast = parse_calendar(data, "cal.yaml", expected_id, roots, fast=True)
    full = parse_calendar(data, "cal.yaml", expected_id, roots, fast=False)
    return fast, full


def taken(data: bytes, expected_id: str | None = "fuzz", roots: tuple[Path, ...] = ()) -> bool:
    """Whether the fast reader answers for this file itself."""
    text = data.decode("utf-8")
    return fastread.read(text, "cal.yaml", expected_id, roots) is not None


def assert_same(data: bytes, expected_id: str | None = "fuzz", roots: tuple[Path, ...] = ()) -> None:
    fast, full = both(data, expected_id, roots)
    assert fast == full


# -- what calendars are written as: the fast reader takes them, and gives the same -------------


@pytest.mark.parametrize("path", sorted((REPO / "calendars").glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_calendars_are_read_fast_with_the_same_result(path: Path) -> None:
    data = path.read_bytes()
    roots = (REPO,)
    assert taken(data, path.stem, roots)
    fast, full = both(data, path.stem, roots)
    assert fast == full
    assert full[1] == [] and full[0] is not None and len(full[0].events) > 10  # type: ignore[index,attr-defined]


@pytest.mark.parametrize("style", [None, "'", '"', "|", ">"], ids=["plain", "single", "double", "literal", "folded"])
@pytest.mark.parametrize("width", [80, 30])
def test_bundled_calendars_redumped_in_other_styles_give_the_same_result(style: str | None, width: int) -> None:
    """Real text (Korean, quotes, colons, long summaries) in every scalar style PyYAML writes,
    folded at two widths."""
    for path in sorted((REPO / "calendars").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_style=style, width=width)
        assert_same(text.encode("utf-8"), path.stem, (REPO,))


def test_generated_catalogue_is_read_fast_with_the_same_result(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    folder = generate(1200, 11, date(2025, 10, 1), tmp_path) / "data"
    for path in sorted(folder.glob("*.yaml")):
        data = path.read_bytes()
        assert taken(data, path.stem), path.name
        assert_same(data, path.stem)


STYLES = """\
# every shape the fast reader takes, in one file
calendar:
  id: fuzz
  "name": 'Styles ''all'' in one'
  description: >-
    Folded text
    over lines

    with a blank line.
events:
- id: plain-lines
  title: A title that goes on
    over two lines
  date: 1950-10-25
  summary: |
    Literal text
      kept as written
    # not a comment
  tags: [a-b, c]
  places:
  - Seoul   # a comment
  - "Busan, \\"the port\\" \\u00e9"
  titles: {ko: 한국어 제목, ja: '日本語'}
  sources:
  - title: "A quoted title that is long enough
      to go on over a line"
    url: https://example.org/a#frag
    note: it's fine
  importance: 1
  observed: {on: "10-26", note: moved}
- id: julian-one
  title: Old style
  date: '1917-10-25'
  calendar: julian
  observed:
    on: converted
  summary: >
    Ends with a newline.
  aliases: []
  sources: [{title: Only source, publisher: P}]
  milestones: {days: true}
  commemorations:
    - date: 2017-11
      anniversary: 100
      what: The centenary
      by: [A, "B"]
      sources:
        - title: S
"""


def test_every_shape_of_the_subset_is_read_fast_with_the_same_result() -> None:
    data = STYLES.encode("utf-8")
    assert taken(data)
    fast, full = both(data)
    assert fast == full
    cal = full[0]
    assert full[1] == []
    assert cal.name == "Styles 'all' in one"  # type: ignore[union-attr]
    assert cal.description == "Folded text over lines\nwith a blank line."  # type: ignore[union-attr]
    first, second = cal.events  # type: ignore[union-attr]
    assert first.title == "A title that goes on over two lines"
    assert first.summary == "Literal text\n  kept as written\n# not a comment\n"
    assert first.places == ("Seoul", 'Busan, "the port" é')
    assert first.sources[0].title == "A quoted title that is long enough to go on over a line"
    assert (first.line, first.col) == (11, 7)
    assert second.summary == "Ends with a newline.\n"
    assert second.day_counts is True


def test_windows_line_ends_are_read_fast_with_the_same_positions() -> None:
    data = STYLES.replace("\n", "\r\n").encode("utf-8")
    assert taken(data.replace(b"\r\n", b"\n"))
    fast, full = both(data)
    assert fast == full and full[1] == []  # type: ignore[index]


# -- anything else: the same answer as the full reader ------------------------------------------

BASE = """\
calendar:
  id: fuzz
  name: Spellings
events:
  - id: one
    title: One
    date: 1950-10-25
    sources:
      - title: A source
    {key}: {value}
"""


def spelled(key: str, value: str) -> bytes:
    text = BASE.format(key=key, value=value)
    if key != "summary":
        text = text.replace("    title: One\n", "    title: One\n    summary: S\n")
    return text.encode("utf-8")


SPELLINGS = [
    ("summary", v)
    for v in [
        "a b", "a #c", "a#b", "a: b", "a:", "a :b", "yes", "No", "~", "null", "1950", "12:30", "1_000",
        "0x1F", ".5", "-5", "-x", "- x", "?x", ":x", "https://x.org/a#b", "é 한국", "a   ", "%x", "@x",
        '"a"', '"a\\"b"', '"\\x41"', '"\\u00e9"', '"\\U0001F600"', '"\\/"', '"\\q"', '"a" # c', '"a"#c',
        "'a''b'", "''", '""', '"  "', '"a" b', "'a'' b'", "'a", '"a', "&x a", "*x", "!!str a", "!x a",
        '"a\n      b"', '"a\n\n      b  "', "'a\n      b'", '"a\\\n      b"', '"a\n  b"', "a\n      b",
        "a\n\n      b", "a\n      b: c", "a\n      # c", "a\n      - b", "a # c\n      b",
        '"a  \\\n      b"', '"a\\ \n      b"', '"a\\\n\n      b"', '"a\\\\\n      b"', "a\n      'b' [c]",
        "a\n      {d} &e", "a\n      *f !g", "a\n      |h >i", "a\n      %j @k", "a\n      `l", "a\n      ? m",
        "a\n      -n", "a\n      :o", "a\n      ---", 'a\n      "p"', '"a\\\n   \\ b"',
        ">\n      a\n      b", ">-\n      a\n\n      b\n", "|\n      a\n        b", "|-\n      a\n      # c",
        ">\n\n      a", ">\n        a\n      b", ">+\n      a\n\n", ">2\n        a", "|\n      a\n    b",
        ">\n      a\n        b\n      c", "> # c\n      a", ">#\n      a", "|\n", ">-\n      a  \n      b",
    ]
] + [
    ("tags", v)
    for v in ["[a, b]", "[a,b]", "[ ]", "[]", "[a, ]", "['a', \"b\"]", "[a #]", "[a: b]", "[-1]", "[?a]",
              "[a] x", "[a]#", "[a, [b]]", "[a", "\n      - a\n      - b", "\n    - a", "\n      - - a", "a"]
] + [
    ("titles", v)
    for v in ["{ko: 가}", "{}", "{ }", '{"ko": 가}', "{ko: 가, ko: 나}", "{ko: [가]}", "{ko: 가", "{ko:가}",
              "\n      ko: 가\n      ja: 日", "\n      ko: 가\n       ja: 日", "{ko: '가''s'}"]
]  # fmt: skip


@pytest.mark.parametrize("key,value", SPELLINGS, ids=[f"{k}:{v!r}" for k, v in SPELLINGS])
def test_each_spelling_of_a_value_gives_what_the_full_reader_gives(key: str, value: str) -> None:
    assert_same(spelled(key, value))


@pytest.mark.parametrize(
    "key,value",
    [
        ("tags", "[a" + " " * 50_000 + "x{"),
        ("titles", "{ko: a" + " " * 50_000 + "x["),
        ("titles", "{ko" + " " * 50_000 + "x}"),
        ("summary", '"' + '\\"' * 50_000),
        ("summary", '"a\n' + ('      \\"' * 5_000 + "\n") * 20),
        ("summary", "'" + "''" * 50_000),
        ("summary", "|" + " " * 50_000 + "x"),
        ("summary", "a" + " #" * 50_000 + ":"),
    ],
    ids=["flow-list-spaces", "flow-map-spaces", "flow-key-spaces", "escaped-quotes", "quoted-lines",
         "doubled-quotes", "block-header-spaces", "comment-marks"],
)  # fmt: skip
def test_long_hostile_lines_are_read_in_one_pass(key: str, value: str) -> None:
    """Lines made to make a backtracking match try every split (runs of spaces before a
    character that fails, escaped quotes that never close) finish, and agree with the full
    reader. A reader that backtracked would take minutes here, not milliseconds."""
    assert_same(spelled(key, value))


def test_the_plain_spellings_are_read_fast() -> None:
    for key, value in [
        ("summary", "a #c"),
        ("summary", '"a\\"b \\u00e9"'),
        ("summary", "'a''b'"),
        ("summary", "a\n      b"),
        ("summary", '"a\n\n      b  "'),
        ("summary", ">\n      a\n        b\n      c"),
        ("summary", "|\n      a\n\n      b"),
        ("tags", "[a, b]"),
        ("tags", "\n    - a"),
        ("titles", "{ko: '가''s'}"),
    ]:
        assert taken(spelled(key, value)), (key, value)


@pytest.mark.parametrize("path", sorted(DATA.rglob("*.y*ml")), ids=lambda p: str(p.relative_to(DATA)))
def test_every_file_of_the_test_corpus_gives_what_the_full_reader_gives(path: Path) -> None:
    assert_same(path.read_bytes(), path.stem, (REPO,))


@FUZZ
@given(
    calendars(),
    st.sampled_from([None, False, True]),
    st.sampled_from([None, "'", '"', "|", ">"]),
    st.sampled_from([10_000, 60, 20]),
    st.sampled_from([2, 3, 4]),
)
def test_valid_records_in_any_style_give_the_same_calendar(
    doc: dict, flow: bool | None, style: str | None, width: int, indent: int
) -> None:
    data = yaml.safe_dump(
        doc,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=flow,
        default_style=style,
        width=width,
        indent=indent,
    ).encode("utf-8")
    assert_same(data)


@FUZZ
@given(calendars())
def test_valid_records_in_block_style_are_read_fast(doc: dict) -> None:
    data = dump(doc)
    fast, full = both(data)
    assert fast == full
    if not full[1]:  # type: ignore[index]
        # what PyYAML writes for ordinary text stays inside the subset; the exceptions are
        # scalars it must write with an indentation indicator or a kept final line break
        text = data.decode("utf-8")
        if not any(mark in text for mark in ("|2", ">2", "|+", ">+", "|-2", ">-2", "? ", "\\\n")):
            assert taken(data)


@FUZZ
@given(mutated_docs())
def test_mutated_records_give_the_same_problems(doc: dict) -> None:
    assert_same(dump(doc))


@FUZZ
@given(spliced_bytes())
def test_spliced_bytes_give_the_same_problems(data: bytes) -> None:
    assert_same(data)


SNIPPETS = st.sampled_from(
    [" ", "  ", "\n", "\n  ", "- ", "-", ":", ": ", " #", "#", "'", '"', "\\", "[", "]", "{", "}", ",",
     "&a ", "*a", "!!str ", "|", ">", "|-", ">+", "? ", "---\n", "...", "%", "\t", "\r", "x: y",
     "\n  - ", "\n    ", "yes", "~", "12:30", "1_000", "\u00a0", "\ufeff", "\x85", "é", "한"]
)  # fmt: skip


BUNDLED = {p.stem: p.read_text(encoding="utf-8") for p in sorted((REPO / "calendars").glob("*.yaml"))}


@FUZZ
@given(st.data())
def test_edited_text_gives_the_same_answer(data: st.DataObject) -> None:
    """A calendar in every style of the subset, or a bundled one, with YAML's significant
    characters inserted and lines cut or doubled, as an editor's slip would."""
    name = data.draw(st.sampled_from(["fuzz", *BUNDLED]))
    text = STYLES if name == "fuzz" else BUNDLED[name]
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "insert", "delete", "double"]))
        if action == "insert":
            text = text[:at] + data.draw(SNIPPETS) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 6)) :]
        else:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at) + 1 or len(text)
            text = text[:end] + text[start:end] + text[end:]
    assert_same(text.encode("utf-8"), name, (REPO,))


# -- the lunar table the reader leans on ---------------------------------------------------------


def test_a_refused_lunar_date_leaves_the_next_answer_alone() -> None:
    """Lunar dates are checked against the shipped table; a refused one changes nothing."""
    good = dates.lunar_to_solar(1446, 9, 10, False)
    with pytest.raises(ValueError):
        dates.lunar_to_solar(2024, 2, 31, False)  # no 31st in a lunar month
    with pytest.raises(ValueError):
        dates.lunar_to_solar(2024, 3, 1, True)  # 2024 has no leap third month
    assert dates.lunar_to_solar(1446, 9, 10, False) == good == date(1446, 10, 9)
    assert dates.lunar_to_gregorian(2023, 2, 1, True) == date(2023, 3, 22)  # the leap 2nd month of 2023
