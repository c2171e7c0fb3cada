"""Immutable values for calendars, events and their dates. No I/O and no clock here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

Precision = Literal["year", "month", "day"]
CalendarSystem = Literal["gregorian", "julian", "korean-lunar"]
LeapDayPolicy = Literal["feb28", "mar1", "leap-years-only"]

CALENDAR_SYSTEMS: tuple[str, ...] = ("gregorian", "julian", "korean-lunar")
LEAP_DAY_POLICIES: tuple[str, ...] = ("feb28", "mar1", "leap-years-only")


@dataclass(frozen=True, slots=True)
class HistDate:
    """A date as a record writes it: astronomical year (-550 = 551 BC), optional month and day.

    ``qualifier`` is the EDTF mark: ``~`` approximate, ``?`` uncertain, ``%`` both, or empty.
    The calendar system travels with the date so the same value means the same day everywhere.
    """

    year: int
    month: int | None = None
    day: int | None = None
    calendar: str = "gregorian"
    leap_month: bool = False
    qualifier: str = ""

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    def iso(self) -> str:
        """The record's own spelling: ``1950-10-25``, ``-0550-09-28``, ``1446-09-10~``."""
        if self.day is not None and self.month is not None and self.year >= 0:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}{self.qualifier}"  # most dates, in one step
        y = f"-{-self.year:04d}" if self.year < 0 else f"{self.year:04d}"
        text = y
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text + self.qualifier


@dataclass(frozen=True, slots=True)
class Observance:
    """How the anniversary is kept when that differs from the plain anniversary of the date.

    ``on`` is ``"MM-DD"`` (a fixed Gregorian day), ``"converted"`` or ``"nominal"`` (Julian
    records), or empty; ``rule`` is a moveable-day rule; ``note`` explains either to readers.
    """

    on: str = ""
    rule: str = ""
    note: str = ""


NO_OBSERVANCE = Observance()


@dataclass(frozen=True, slots=True)
class Source:
    title: str = ""
    publisher: str = ""
    url: str = ""
    published: str = ""
    accessed: str = ""
    note: str = ""
    seed: str = ""

    def label(self) -> str:
        """One line naming the source for people: title, publisher, date, address."""
        if self.seed and not self.title:
            return f"source card {self.seed}"
        parts = [p for p in (self.title, self.publisher, self.published) if p]
        text = ", ".join(parts)
        if self.url:
            text += f" <{self.url}>"
        return text


@dataclass(frozen=True, slots=True)
class Commemoration:
    date: HistDate
    anniversary: int
    what: str
    by: tuple[str, ...] = ()
    place: str = ""
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class AltDate:
    date: HistDate
    note: str


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    date: HistDate
    calendar_id: str
    summary: str = ""
    observed: Observance = field(default_factory=Observance)
    leap_day: str = "feb28"
    aliases: tuple[str, ...] = ()
    titles: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    importance: int = 2
    sources: tuple[Source, ...] = ()
    commemorations: tuple[Commemoration, ...] = ()
    alternative_dates: tuple[AltDate, ...] = ()
    related: tuple[str, ...] = ()
    day_counts: bool = False
    time: str = ""
    tz: str = ""
    notes: str = ""
    path: str = ""
    line: int = 0
    col: int = 0

    def title_in(self, lang: str) -> str:
        """The localized title when the record has one for ``lang``, else the English title."""
        for code, text in self.titles:
            if code == lang:
                return text
        return self.title


@dataclass(frozen=True, slots=True)
class Calendar:
    id: str
    name: str
    description: str = ""
    leap_day: str = "feb28"
    events: tuple[Event, ...] = ()
    path: str = ""


# -- building many values fast -------------------------------------------------------------------
T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A constructor for the frozen, slotted dataclass ``cls`` that takes every field in order,
    positionally, and gives the same value as ``cls(...)`` about five times as fast.

    A frozen dataclass's ``__init__`` must go around its own ``__setattr__`` and sets each field
    with ``object.__setattr__``: a method lookup and a generic attribute set per field, which
    was half of what building an event cost when a catalogue is read. The function made here
    fills a plain class with the same slots (where each assignment is one store the interpreter
    specialises) and then gives the object its real class: Python allows ``__class__`` to change
    between two classes whose instances have the same layout, and the value is then exactly
    what ``cls`` makes, immutable from then on. Only for dataclasses without ``__post_init__``;
    ``tests/test_model.py`` holds each maker to its class."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    slots = getattr(cls, "__slots__", None)
    if tuple(names) != slots or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass whose slots are its fields")
    twin = type(f"_Open{cls.__name__}", (), {"__slots__": slots})
    args = ", ".join(names)
    body = "".join(f"    obj.{n} = {n}\n" for n in names)
    source = f"def make({args}):\n    obj = new(twin)\n{body}    obj.__class__ = cls\n    return obj\n"
    scope: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec(source, scope)  # one function per class, written once at import, as dataclasses does
    make: Callable[..., T] = scope["make"]
    make.__qualname__ = f"maker({cls.__name__})"
    return make


make_date = maker(HistDate)
make_observance = maker(Observance)
make_source = maker(Source)
make_commemoration = maker(Commemoration)
make_alt_date = maker(AltDate)
make_event = maker(Event)
