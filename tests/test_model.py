"""The fast constructors of the model's frozen dataclasses (``model.maker``)."""

import copy
import dataclasses
import pickle
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anniv import model
from anniv.model import AltDate, Commemoration, Event, HistDate, Observance, Source

MAKERS = [
    (HistDate, model.make_date),
    (Observance, model.make_observance),
    (Source, model.make_source),
    (Commemoration, model.make_commemoration),
    (AltDate, model.make_alt_date),
    (Event, model.make_event),
]

text = st.text(max_size=12)
dates = st.builds(
    HistDate,
    st.integers(-3000, 3000).filter(bool),
    st.none() | st.integers(1, 12),
    st.none() | st.integers(1, 28),
    st.sampled_from(model.CALENDAR_SYSTEMS),
    st.booleans(),
    st.sampled_from(("", "~", "?", "%")),
)
sources = st.builds(Source, text, text, text, text, text, text, text)
# any value of the field's kind: the maker must pass through whatever it is given
values = st.one_of(text, st.integers(), st.booleans(), st.none(), dates, st.tuples(text, text), st.tuples(sources))


def arguments(cls: type) -> st.SearchStrategy[tuple[object, ...]]:
    return st.tuples(*[values for _ in dataclasses.fields(cls)])


@pytest.mark.parametrize(("cls", "make"), MAKERS, ids=[c.__name__ for c, _ in MAKERS])
@given(data=st.data())
def test_a_maker_gives_what_the_class_gives(cls, make, data):
    args = data.draw(arguments(cls))
    made, built = make(*args), cls(*args)
    assert type(made) is cls
    assert made == built and hash(made) == hash(built) if _hashable(args) else made == built
    assert repr(made) == repr(built)
    assert dataclasses.astuple(made) == dataclasses.astuple(built)


def _hashable(args: tuple[object, ...]) -> bool:
    try:
        hash(args)
    except TypeError:
        return False
    return True


@pytest.mark.parametrize(("cls", "make"), MAKERS, ids=[c.__name__ for c, _ in MAKERS])
def test_a_made_value_is_as_immutable_and_as_usable_as_a_built_one(cls, make):
    names = [f.name for f in dataclasses.fields(cls)]
    made = make(*[f"v{i}" for i in range(len(names))])
    for name in names:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, name, "changed")
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(made, name)
    with pytest.raises((AttributeError, TypeError)):
        made.extra = 1  # slots: no attribute outside the fields
    assert pickle.loads(pickle.dumps(made)) == made
    assert copy.deepcopy(made) == made
    assert dataclasses.replace(made, **{names[0]: "other"}) == cls("other", *[f"v{i}" for i in range(1, len(names))])


@pytest.mark.parametrize(("cls", "make"), MAKERS, ids=[c.__name__ for c, _ in MAKERS])
def test_a_maker_takes_every_field_and_no_more(cls, make):
    n = len(dataclasses.fields(cls))
    with pytest.raises(TypeError):
        make(*range(n - 1))
    with pytest.raises(TypeError):
        make(*range(n + 1))


def test_a_maker_is_refused_for_a_class_it_would_get_wrong():
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    for cls in (NoSlots, Checked):
        with pytest.raises(TypeError, match="slotted dataclass"):
            model.maker(cls)


def test_the_readers_build_with_the_makers_and_give_equal_events():
    """The fast reader, the index's decoder and the full reader agree on a record that uses
    every kind of value."""
    from anniv import fastread, indexer, records

    text = (
        "calendar:\n  id: demo\n  name: Demo\nevents:\n"
        "  - id: armistice\n    title: Armistice\n    date: 1953-07-27\n    summary: Signed.\n"
        "    observed: {on: '07-27', note: kept on the day}\n"
        "    aliases: [truce]\n    titles: {ko: 정전}\n    tags: [war]\n    places: [Panmunjom]\n"
        "    importance: 3\n    related: [armistice]\n    milestones: {days: true}\n"
        "    time: '10:00'\n    tz: Asia/Seoul\n    notes: A note.\n"
        "    alternative_dates:\n      - {date: 1953-07-28, note: the next day in one account}\n"
        "    sources:\n      - {title: Treaty text, publisher: UN, url: 'https://example.org/t', published: 1953-08-01}\n"
        "    commemorations:\n      - date: 2023-07-27\n        anniversary: 70\n        what: A parade.\n"
        "        by: [the state]\n        place: Pyongyang\n        sources: [{title: Report}]\n"
    )
    fast = fastread.read(text, "demo.yaml", None, ())
    assert fast is not None
    full, problems = records.parse_calendar(text.encode(), "demo.yaml", fast=False)
    assert not problems and full is not None
    assert fast.events == full.events
    ev = fast.events[0]
    assert indexer.decode_event(indexer.encode_event(ev), "demo", "demo.yaml") == ev
