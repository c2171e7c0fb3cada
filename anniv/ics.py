"""iCalendar feeds, assembled as plain text with exactly icalendar 7.x's escaping and folding.

Building one icalendar component object per VEVENT costs ~0.2 ms each; feeds of tens of
thousands of anniversaries are therefore written here as strings. The output is byte-identical
to what icalendar's component model serialises for the same content (the tests build every
golden feed both ways and compare bytes), so icalendar stays the oracle without being on the
hot path. The rules copied from icalendar 7.x, each in one helper below:

- TEXT escaping (``escape_text``): ``\\N`` → newline, then backslash, ``;``, ``,`` and every
  line break (CRLF, LF, lone CR) become ``\\\\``, ``\\;``, ``\\,``, ``\\n``.
- Folding (``fold``): a content line is cut before the character that would bring the
  physical line to 75 octets (so at most 74 octets plus the leading space of a continuation),
  never inside a UTF-8 sequence, and a trailing ``\\`` or ``^`` moves to the next line so an
  escape is never split. Lines end in CRLF.
- Property order: a component's canonical properties first (VCALENDAR: VERSION, PRODID,
  CALSCALE, METHOD, DESCRIPTION, X-WR-CALDESC, NAME, X-WR-CALNAME; VEVENT: SUMMARY, DTSTART,
  DTEND, DTSTAMP, UID, SEQUENCE), then the others alphabetically, then sub-components.

NAME, X-WR-CALNAME and X-WR-CALDESC are TEXT (RFC 7986 and de facto) and are escaped like
SUMMARY. icalendar 7.3 types them as UNKNOWN and copies them verbatim (an unescaped comma, and
an assertion error on a line break), so the oracle in the tests hands it ``vText`` values.

Nothing here reads the clock or a file: DTSTAMP and SEQUENCE come from the record's own dates
(see ``revision_date``), so the same data gives the same bytes on any machine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from anniv import dates, engine, gcpause, milestones
from anniv.errors import UsageError
from anniv.model import Calendar, Event

if TYPE_CHECKING:
    from anniv.catalog import Catalog

PRODID = "-//anniv//Historical anniversary feeds//EN"
UID_DOMAIN = "anniv"
REVISION_EPOCH = date(2000, 1, 1)
REFRESH = "P1D"
DEFAULT_BACK_YEARS = 1
DEFAULT_AHEAD_YEARS = 10
MAX_HORIZON_YEARS = 50
MAX_ALARM_DAYS = 365
RESERVED_NAMES = ("all", "milestones", "index")
LANGS = ("en", "ko", "zh")

# C0 controls other than TAB/LF/CR, DEL and lone surrogates: icalendar would copy them into
# the output (or fail to encode them), which every strict parser then rejects.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_URL_OK = re.compile(r"^https?://[\x21-\x7e]+$")
_PARTIAL_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

# Interface words of the feeds, per language. Titles and ordinals come from the records and
# anniv.milestones; these are only the labels around them.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "all": "All anniversaries",
        "all_desc": "Every dated anniversary in the anniv catalogue.",
        "milestones": "Round anniversaries",
        "milestones_desc": "Round anniversaries (multiples of 5) and day-count milestones from the anniv catalogue.",
        "tag": "Anniversaries: {tag}",
        "tag_desc": "Anniversaries of events tagged {tag}.",
        "cal_desc": "Anniversaries from the {name} calendar.",
        "window": "Anniversaries, {title}",
        "window_desc": "Anniversaries in {title} from the anniv catalogue.",
        "date": "Original date",
        "observed": "Observed",
        "other": "Other dates",
        "past": "Past commemorations",
        "sources": "Sources",
        "anniversary": "{ordinal} anniversary",
    },
    "ko": {
        "all": "모든 기념일",
        "all_desc": "anniv 목록의 날짜가 확정된 모든 기념일.",
        "milestones": "정주년 기념일",
        "milestones_desc": "정주년(5의 배수) 기념일과 날수 기념일.",
        "tag": "기념일: {tag}",
        "tag_desc": "{tag} 태그가 붙은 사건의 기념일.",
        "cal_desc": "{name} 달력의 기념일.",
        "window": "기념일, {title}",
        "window_desc": "anniv 목록의 기념일 ({title}).",
        "date": "원래 날짜",
        "observed": "기념일",
        "other": "다른 날짜",
        "past": "지난 기념행사",
        "sources": "출처",
        "anniversary": "{ordinal}",
    },
    "zh": {
        "all": "全部纪念日",
        "all_desc": "anniv 目录中所有确定日期的纪念日。",
        "milestones": "逢五逢十纪念日",
        "milestones_desc": "逢五逢十（5的倍数）纪念日及天数纪念。",
        "tag": "纪念日：{tag}",
        "tag_desc": "标记为 {tag} 的事件的纪念日。",
        "cal_desc": "{name} 日历中的纪念日。",
        "window": "纪念日，{title}",
        "window_desc": "anniv 目录中的纪念日（{title}）。",
        "date": "原始日期",
        "observed": "纪念日",
        "other": "其他日期",
        "past": "以往纪念活动",
        "sources": "来源",
        "anniversary": "{ordinal}",
    },
}


# --- the three serialisation rules -------------------------------------------------------


def clean_text(text: str) -> str:
    """Drop characters no iCalendar TEXT may carry (C0 controls except TAB/LF/CR, DEL, lone
    surrogates). Line breaks stay: ``escape_text`` turns them into ``\\n``."""
    if text.isprintable() or text.replace("\n", "").isprintable():
        return text  # no control character (line breaks aside), DEL or surrogate: nothing to drop
    return _UNSAFE.sub("", text)


def escape_text(text: str) -> str:
    """RFC 5545 TEXT escaping in icalendar 7.x's order (the order matters: a backslash added
    for ``;`` must not be doubled). A literal ``\\N`` in the input is read as a line break,
    as icalendar reads it."""
    # each step only when its character occurs: most text has no backslash, semicolon or CR
    if "\\" in text:
        text = text.replace("\\N", "\n").replace("\\", "\\\\")
    if ";" in text:
        text = text.replace(";", "\\;")
    if "," in text:
        text = text.replace(",", "\\,")
    if "\r" in text:
        text = text.replace("\r\n", "\\n").replace("\r", "\\n")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    return text


def _octets(ch: str) -> int:
    o = ord(ch)
    return 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4


def fold(line: str) -> str:
    """Fold one content line as icalendar 7.x does: a break (CRLF + space) goes before the
    character that would make the physical line reach 75 octets, so no physical line exceeds
    75 octets and no UTF-8 sequence is split; when the last character before a break is a
    backslash or caret (and is not alone on its line) it moves to the next line with the
    character it escapes."""
    if line.isascii():
        return _fold_ascii(line)
    if len(line.encode("utf-8")) <= 74:
        return line
    parts: list[str] = []
    current: list[str] = []
    count = 0
    for ch in line:
        n = _octets(ch)
        if current and count + n >= 75:
            if len(current) > 1 and current[-1] in "\\^":
                carry = current.pop()
                parts.append("".join(current))
                current = [carry]
                count = _octets(carry)
            else:
                parts.append("".join(current))
                current = []
                count = 0
        current.append(ch)
        count += n
    if current:
        parts.append("".join(current))
    return "\r\n ".join(parts)


def _fold_ascii(line: str) -> str:
    """``fold`` for one-octet characters, by slicing: 74 characters per physical line."""
    if len(line) <= 74:
        return line
    parts: list[str] = []
    i = 0
    while len(line) - i > 74:
        j = i + 74
        if line[j - 1] in "\\^":
            j -= 1
        parts.append(line[i:j])
        i = j
    parts.append(line[i:])
    return "\r\n ".join(parts)


def text_line(name: str, value: str) -> str:
    """``NAME:escaped value``, folded, with its CRLF."""
    return content_line(name, escape_text(clean_text(value)))


def content_line(name: str, value: str) -> str:
    """``NAME:value`` for a value already in iCalendar form (escaped, or a URI), folded, with
    its CRLF."""
    return fold(f"{name}:{value}") + "\r\n"


def ical_date(d: date) -> str:
    return d.isoformat().replace("-", "")  # isoformat pads the year to four digits


# --- what each VEVENT says ------------------------------------------------------------------


def revision_date(ev: Event) -> date:
    """The newest date the record states about its own evidence: every source's ``published``
    and ``accessed`` date, every commemoration's date and its sources' dates (month- and
    year-precision dates count as their first day), never earlier than ``REVISION_EPOCH``.

    It is the record's version stamp: DTSTAMP is that day at 00:00 UTC and SEQUENCE the days
    since the epoch, so both are the same on every machine and rise whenever a curator adds
    newer evidence — which a date correction needs (docs/feeds.md). Without stored state no
    scheme can rise on *every* edit (A → B → A would need three different numbers).
    """
    best = REVISION_EPOCH
    sources = list(ev.sources)
    for c in ev.commemorations:
        sources.extend(c.sources)
        if c.date.year >= 1:
            d = date(c.date.year, c.date.month or 1, c.date.day or 1)
            best = max(best, d)
    for s in sources:
        for text in (s.published, s.accessed):
            d2 = _first_day(text)
            if d2 is not None:
                best = max(best, d2)
    return best


def _first_day(text: str) -> date | None:
    m = _PARTIAL_ISO.match(text)
    if not m or int(m.group(1)) < 1:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def uid(a: engine.Anniversary) -> str:
    """``cpv-entry-75@anniv`` for the 75th anniversary, ``cpv-entry-1000d@anniv`` for day
    1,000: the event id and the count, never random, the same in every feed."""
    suffix = f"{a.count}d" if a.kind == "days" else str(a.count)
    return f"{a.event.id}-{suffix}@{UID_DOMAIN}"


def summary(a: engine.Anniversary, lang: str = "en") -> str:
    """The entry's title: ``75th anniversary: China enters the Korean War (1950)``,
    ``1,000 days: …``; in Korean ``제75주년: …``, in Chinese ``75周年: …``. The year in
    brackets is the record's written year (``551 BC`` for -0550)."""
    ev = a.event
    return f"{a.label(lang)}: {ev.title_in(lang)} ({dates.bce_label(ev.date.year)})"


def _commemoration_label(n: int, lang: str) -> str:
    return _WORDS[lang]["anniversary"].format(ordinal=milestones.ordinal(n, lang))


def description(ev: Event, lang: str = "en") -> str:
    """The event's story for the calendar entry: summary, original date, how it is observed,
    other dates sources give, past commemorations (newest first) and the sources. It is the
    same for every anniversary of the event."""
    w = _WORDS[lang]
    lines: list[str] = []
    if ev.summary:
        lines += [ev.summary.strip(), ""]
    lines.append(f"{w['date']}: {dates.display_date(ev.date)}")
    if ev.observed.note:
        lines.append(f"{w['observed']}: {ev.observed.note.strip()}")
    if ev.alternative_dates:
        lines.append(f"{w['other']}:")
        lines += [f"- {dates.display_date(alt.date)}: {alt.note.strip()}" for alt in ev.alternative_dates]
    if ev.commemorations:
        lines.append(f"{w['past']}:")
        newest_first = sorted(ev.commemorations, key=lambda c: (c.anniversary, c.date.iso()), reverse=True)
        for c in newest_first:
            extra = [x for x in ("; ".join(c.by), c.place) if x]
            tail = f" ({'; '.join(extra)})" if extra else ""
            lines.append(
                f"- {dates.display_date(c.date)}, {_commemoration_label(c.anniversary, lang)}: {c.what.strip()}{tail}"
            )
    if ev.sources:
        lines.append(f"{w['sources']}:")
        lines += [f"- {s.label()}" for s in ev.sources]
    return "\n".join(lines)


def first_url(ev: Event) -> str:
    """The first source address fit for a URI value (printable ASCII, http or https)."""
    for s in ev.sources:
        if s.url and _URL_OK.match(s.url):
            return s.url
    return ""


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What every VEVENT of one event shares (plain text, unescaped)."""

    stamp: date
    sequence: int
    categories: tuple[str, ...]
    description: str
    url: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One VEVENT's content (plain text, unescaped): an all-day entry on ``start``, and a
    display alarm ``alarm_days`` before it when asked for."""

    uid: str
    start: date
    summary: str
    facts: EventFacts
    alarm_days: int | None = None

    @property
    def end(self) -> date:
        return date.fromordinal(self.start.toordinal() + 1)


def event_facts(ev: Event, lang: str = "en") -> EventFacts:
    rev = revision_date(ev)
    return EventFacts(rev, (rev - REVISION_EPOCH).days, tuple(ev.tags), description(ev, lang), first_url(ev))


def entry(a: engine.Anniversary, lang: str = "en", alarm_days: int | None = None) -> Entry:
    """The VEVENT for one anniversary; the alarm goes only on round ones (``is_round``:
    multiples of 5 and the day-count milestones)."""
    return Entry(uid(a), a.date, summary(a, lang), event_facts(a.event, lang), alarm_days if a.is_round else None)


def render_facts(f: EventFacts) -> tuple[str, str, str]:
    """The lines an event's VEVENTs share: DTSTAMP, SEQUENCE and the alphabetical tail
    (CATEGORIES, DESCRIPTION, TRANSP, URL)."""
    stamp = f"DTSTAMP:{ical_date(f.stamp)}T000000Z\r\n"
    seq = f"SEQUENCE:{f.sequence}\r\n"
    tail = ""
    cats = [escape_text(clean_text(c)) for c in f.categories if clean_text(c)]
    if cats:
        tail += content_line("CATEGORIES", ",".join(cats))
    tail += text_line("DESCRIPTION", f.description)
    tail += "TRANSP:TRANSPARENT\r\n"
    if f.url:
        tail += content_line("URL", f.url)
    return stamp, seq, tail


def render_entry(e: Entry) -> str:
    """The VEVENT text of one entry."""
    return _vevent(e.uid, e.start, e.summary, e.alarm_days, render_facts(e.facts))


def _vevent(uid_text: str, start: date, summary_text: str, alarm_days: int | None, shared: tuple[str, str, str]) -> str:
    stamp, seq, tail = shared
    end = date.fromordinal(start.toordinal() + 1)
    escaped = escape_text(clean_text(summary_text))  # the alarm repeats it
    parts = [
        "BEGIN:VEVENT\r\n",
        content_line("SUMMARY", escaped),
        f"DTSTART;VALUE=DATE:{ical_date(start)}\r\n",
        f"DTEND;VALUE=DATE:{ical_date(end)}\r\n",
        stamp,
        text_line("UID", uid_text),
        seq,
        tail,
    ]
    if alarm_days is not None:
        parts += [
            "BEGIN:VALARM\r\n",
            "ACTION:DISPLAY\r\n",
            content_line("DESCRIPTION", escaped),
            f"TRIGGER:-P{alarm_days}D\r\n" if alarm_days else "TRIGGER:P0D\r\n",
            "END:VALARM\r\n",
        ]
    parts.append("END:VEVENT\r\n")
    return "".join(parts)


# RFC 5545 wants at least one component in a VCALENDAR (icalendar's validate() insists). A feed
# with nothing in its window (a tag whose events are all month-precision, a quiet week in
# `anniv due --format ics`) carries this definition of UTC instead: every client accepts it and
# none shows it.
EMPTY_PLACEHOLDER = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:UTC\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:19700101T000000\r\n"
    "TZNAME:UTC\r\n"
    "TZOFFSETFROM:+0000\r\n"
    "TZOFFSETTO:+0000\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def render_calendar(name: str, desc: str, vevents: Iterable[str]) -> bytes:
    """A whole VCALENDAR around already rendered VEVENTs (``EMPTY_PLACEHOLDER`` when there
    are none)."""
    head = (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n" + text_line("PRODID", PRODID) + "CALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\n"
        + text_line("DESCRIPTION", desc)
        + text_line("X-WR-CALDESC", desc)
        + text_line("NAME", name)
        + text_line("X-WR-CALNAME", name)
        + f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}\r\n"
        f"X-PUBLISHED-TTL:{REFRESH}\r\n"
    )
    body = "".join(vevents) or EMPTY_PLACEHOLDER
    return (head + body + "END:VCALENDAR\r\n").encode("utf-8")


# --- feeds --------------------------------------------------------------------------------


def feed_order(a: engine.Anniversary) -> tuple[date, str, int, int]:
    """Entries in a feed: by date, then event id, years before days, then count. Rank is left
    out on purpose, so editing one event's importance never reorders other events' entries."""
    return (a.date, a.event.id, 0 if a.kind == "years" else 1, a.count)


class Writer:
    """Renders entries once per (language, alarm) setting and reuses them across feeds: an
    anniversary appears in its calendar's feed, all.ics, a tag feed or two and maybe
    milestones.ics, but is escaped and folded only once."""

    def __init__(self, lang: str = "en", alarm_days: int | None = None) -> None:
        if lang not in LANGS:
            raise UsageError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
        if alarm_days is not None and not 0 <= alarm_days <= MAX_ALARM_DAYS:
            raise UsageError(f"alarms must be from 0 to {MAX_ALARM_DAYS} days ahead")
        self.lang = lang
        self.alarm_days = alarm_days
        self._shared: dict[str, tuple[str, str, str]] = {}
        self._done: dict[tuple[str, str, int], str] = {}

    def vevent(self, a: engine.Anniversary) -> str:
        key = (a.event.id, a.kind, a.count)
        text = self._done.get(key)
        if text is None:
            shared = self._shared.get(a.event.id)
            if shared is None:
                shared = render_facts(event_facts(a.event, self.lang))
                self._shared[a.event.id] = shared
            alarm = self.alarm_days if a.is_round else None
            text = _vevent(uid(a), a.date, summary(a, self.lang), alarm, shared)
            self._done[key] = text
        return text

    def calendar(self, name: str, desc: str, found: Iterable[engine.Anniversary]) -> tuple[bytes, int]:
        """The feed bytes and the number of VEVENTs (day-precision anniversaries only)."""
        chosen = sorted((a for a in found if a.precision == "day"), key=feed_order)
        with gcpause.paused():  # tens of thousands of strings and tuples, none of them cyclic
            return render_calendar(name, desc, [self.vevent(a) for a in chosen]), len(chosen)


def window_feed(
    catalog: Catalog,
    anniversaries: Sequence[engine.Anniversary],
    title: str,
    lang: str = "en",
    alarms: int | None = None,
) -> bytes:
    """A feed of exactly ``anniversaries`` (as ``anniv due`` found them for a window called
    ``title``); month- and year-precision ones are left out, as in every feed. The
    description names the calendars the entries come from."""
    w = _WORDS.get(lang, _WORDS["en"])
    writer = Writer(lang, alarms)
    used = {a.event.calendar_id for a in anniversaries}
    names = [c.name for c in catalog.calendars if c.id in used]
    desc = w["window_desc"].format(title=title)
    if names:
        desc += " " + "; ".join(names[:5]) + ("; …" if len(names) > 5 else "")
    body, _ = writer.calendar(w["window"].format(title=title), desc, anniversaries)
    return body


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """Which anniversaries one feed holds. ``name`` is the file stem and URL path
    (``korean-war`` → ``korean-war.ics``); empty ``calendars``/``tags`` mean no restriction,
    several tags mean any of them."""

    name: str
    kind: str  # "calendar", "all", "milestones" or "tag"
    title: str
    description: str
    calendars: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    round_only: bool = False

    def selects(self, a: engine.Anniversary) -> bool:
        ev = a.event
        if self.calendars and ev.calendar_id not in self.calendars:
            return False
        if self.tags and not set(self.tags).intersection(ev.tags):
            return False
        return not self.round_only or a.is_round


@dataclass(frozen=True, slots=True)
class Feed:
    spec: FeedSpec
    body: bytes
    events: int

    @property
    def filename(self) -> str:
        return f"{self.spec.name}.ics"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class FeedIndex:
    """The window's anniversaries grouped by calendar and by tag, so that each feed starts
    from its own few entries instead of filtering the whole window (hundreds of tag feeds)."""

    def __init__(self, found: list[engine.Anniversary]) -> None:
        self.found = found
        self.by_calendar: dict[str, list[engine.Anniversary]] = {}
        self.by_tag: dict[str, list[engine.Anniversary]] = {}
        for a in found:
            self.by_calendar.setdefault(a.event.calendar_id, []).append(a)
            for t in set(a.event.tags):
                self.by_tag.setdefault(t, []).append(a)

    def select(self, spec: FeedSpec) -> list[engine.Anniversary]:
        """The anniversaries ``spec`` selects, in feed order."""
        pools = [self.found]
        if spec.calendars:
            pools.append([a for c in spec.calendars for a in self.by_calendar.get(c, ())])
        if spec.tags:
            pools.append([a for t in spec.tags for a in self.by_tag.get(t, ())])
        pool = min(pools, key=len)
        chosen = [a for a in pool if spec.selects(a)]
        if len(pools) > 1 and (len(spec.calendars) > 1 or len(spec.tags) > 1):
            unique = {(a.event.id, a.kind, a.count): a for a in chosen}
            chosen = sorted(unique.values(), key=feed_order)
        return chosen


def all_tags(catalog: Catalog) -> list[str]:
    return sorted({t for ev in catalog.events for t in ev.tags})


def calendar_spec(cal: Calendar, lang: str = "en") -> FeedSpec:
    desc = cal.description or _WORDS[lang]["cal_desc"].format(name=cal.name)
    return FeedSpec(cal.id, "calendar", cal.name, desc, calendars=(cal.id,))


def feed_specs(catalog: Catalog, lang: str = "en") -> list[FeedSpec]:
    """Every feed of the catalogue: one per calendar, ``all``, ``milestones`` (round only)
    and ``tag-TAG`` per tag. A calendar whose id is a reserved feed name is refused, since its
    feed would overwrite another."""
    w = _WORDS[lang]
    specs: list[FeedSpec] = []
    for cal in catalog.calendars:
        if cal.id in RESERVED_NAMES or cal.id.startswith("tag-"):
            raise UsageError(
                f"calendar id {cal.id!r} clashes with a feed anniv generates ({', '.join(RESERVED_NAMES)}, tag-*); rename {cal.path or cal.id}"
            )
        specs.append(calendar_spec(cal, lang))
    specs.append(FeedSpec("all", "all", w["all"], w["all_desc"]))
    specs.append(FeedSpec("milestones", "milestones", w["milestones"], w["milestones_desc"], round_only=True))
    for tag in all_tags(catalog):
        specs.append(
            FeedSpec(f"tag-{tag}", "tag", w["tag"].format(tag=tag), w["tag_desc"].format(tag=tag), tags=(tag,))
        )
    return specs


def horizon(today: date, back: int = DEFAULT_BACK_YEARS, ahead: int = DEFAULT_AHEAD_YEARS) -> tuple[date, date]:
    """Whole calendar years around ``today``: 1 January ``back`` years ago to 31 December
    ``ahead`` years on. Whole years keep a feed's bytes (and so its ETag) unchanged from one
    day to the next; the window always covers at least ``back`` years back and ``ahead`` on."""
    start_year = max(1, today.year - back)
    end_year = min(9999, today.year + ahead)
    return date(start_year, 1, 1), date(end_year, 12, 31)


def parse_horizon(spec: str) -> tuple[int, int]:
    """``BACK:AHEAD`` in whole years, ``1:10`` or ``1y:10y``; each from 0 to 50."""
    m = re.fullmatch(r"\s*(\d{1,3})y?\s*:\s*(\d{1,3})y?\s*", spec)
    if not m:
        raise UsageError(f"--horizon {spec!r}: write BACK:AHEAD in years, e.g. 1:10")
    back, ahead = int(m.group(1)), int(m.group(2))
    if back > MAX_HORIZON_YEARS or ahead > MAX_HORIZON_YEARS:
        raise UsageError(f"--horizon: at most {MAX_HORIZON_YEARS} years either way")
    return back, ahead


def dated_anniversaries(
    catalog: Catalog, start: date, end: date, today: date, day_count_age: int = 3
) -> list[engine.Anniversary]:
    """Every day-precision anniversary (years and day counts) in ``start``..``end``, in feed
    order. Day counts follow the same rule as ``anniv due``: events that opt in, and events
    younger than ``day_count_age`` years at ``today``."""
    q = engine.Query(start, end, today, day_count_age_years=day_count_age, partial=False)
    return sorted((a for a in catalog.query(q) if a.precision == "day"), key=feed_order)


def build_feeds(
    catalog: Catalog,
    start: date,
    end: date,
    today: date,
    lang: str = "en",
    alarms: int | None = None,
    specs: Sequence[FeedSpec] | None = None,
    day_count_age: int = 3,
) -> list[Feed]:
    """Every feed of ``feed_specs`` (or just ``specs``) over the window, from one engine query."""
    writer = Writer(lang, alarms)
    index = FeedIndex(dated_anniversaries(catalog, start, end, today, day_count_age))
    feeds: list[Feed] = []
    for spec in specs if specs is not None else feed_specs(catalog, lang):
        body, count = writer.calendar(spec.title, spec.description, index.select(spec))
        feeds.append(Feed(spec, body, count))
    return feeds
