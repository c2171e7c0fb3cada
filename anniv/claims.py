"""Finding anniversary claims in English copy and checking their numbers.

Pure functions: text, the catalogue's events, a reference date and ``today`` go in; checked
claims come out. Nothing here reads the clock, a file or the environment.

How a claim is read, in order:

1. **Forms.** "75th anniversary", "the 75 th anniversary", "seventy-fifth anniversary",
   "75 years since/after/ago", "N years ago today", "marks 75 years", "centenary of",
   "diamond jubilee", "1,000 days since", "the 1,000th day of", and a bare "anniversary of …"
   when the sentence dates the event. Hedged numbers ("more than 70 years after") are estimates,
   not claims; "75 years old", "the 75th Infantry Division" and "a 1,000-day plan" are not claims.
   "N years/days after" counts only when the sentence speaks of the present ("remains", "now",
   "today", "marks" …); otherwise it is narrative ("three years after the war, he moved").
2. **Reference date.** ``published`` when given, else a dateline at the head of the text
   ("SEOUL, July 27 (Yonhap) —", a line "Oct. 25, 2025"), else ``today``. A year written
   before the claim ("In 2020, Kim visited … ahead of the 70th anniversary") or right after
   it ("the 70th anniversary in 2020") is when that anniversary fell, and is used instead.
3. **Event.** A full date written after the claim ("…, on July 27, 1953") is the event date.
   Otherwise the catalogue is searched on titles and aliases (case, punctuation, possessives and
   "the" do not matter; tokens are weighted by rarity and matched with light stemming). A bare
   year after the claim dates the event only when the catalogue finds nothing. Two close
   candidates that give different numbers make the claim ``ambiguous``; no candidate makes it
   ``unknown`` — the checker never guesses.
4. **Arithmetic.** The number expected in the reference year ``Y`` for an event in year ``y``
   is ``Y − y`` with astronomical years (551 BC is −550; there is no year 0). Old Style records
   kept on the converted date count from the converted year. The anniversary may still be ahead
   in the reference year (the 75th in October, copy in September: ok, upcoming). Forward words
   ("ahead of", "upcoming", "next year's", "will mark") also allow next year's number; elapsed
   forms ("75 years since") also allow one less while this year's day is still ahead.
   A number that fits an alternative date is ok with a note; one that fits a related event is
   wrong and says "counts from X instead". Day counts are inclusive: the event day is day 1.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import SequenceMatcher
from typing import Any

from anniv import dates, engine, milestones
from anniv.errors import AnnivError
from anniv.model import Event, HistDate

# --------------------------------------------------------------------------------------------
# Numbers written in words
# --------------------------------------------------------------------------------------------

_CARDINALS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
_ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
    "thousandth": 1000,
}  # fmt: skip


def _alt(words: Iterable[str]) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?![a-z])"


_W_CARD = _alt(_CARDINALS)
_W_ORD = _alt(_ORDINALS)
_SEP = r"(?:\s+and\s+|\s+|-)"
_NUM_DIG = r"\d{1,3}(?:,\d{3})+|\d+"
ORD_RE = rf"(?:(?:{_NUM_DIG})\s?(?:st|nd|rd|th)\b|(?:{_W_CARD}{_SEP})*{_W_ORD})"
CARD_RE = (
    rf"(?:{_NUM_DIG}|{_W_CARD}(?:{_SEP}{_W_CARD})*|a\s+century|half\s+a\s+century|a\s+quarter(?:\s+of\s+a)?\s+century)"
)


def parse_number(text: str) -> int | None:
    """The value of "75", "1,000", "75th", "seventy-fifth", "one hundred and fiftieth",
    "a century" (100), "half a century" (50), "a quarter century" (25); None if not a number."""
    t = re.sub(r"\s+", " ", text.strip().casefold())
    special = {"a century": 100, "half a century": 50, "a quarter century": 25, "a quarter of a century": 25}
    if t in special:
        return special[t]
    m = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)\s?(?:st|nd|rd|th)?", t)
    if m:
        return int(m.group(1).replace(",", ""))
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", t):
        if word == "and":
            continue
        value = _CARDINALS.get(word, _ORDINALS.get(word))
        if value is None:
            return None
        seen = True
        if value == 100:
            current = max(current, 1) * 100
        elif value == 1000:
            total += max(current, 1) * 1000
            current = 0
        else:
            current += value
    return total + current if seen else None


# --------------------------------------------------------------------------------------------
# Dates written in copy
# --------------------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_ERA = r"(?:BCE|BC|B\.C\.(?:E\.)?|AD|CE|A\.D\.)"


def month_number(text: str) -> int:
    return _MONTHS[text.strip(".").casefold()[:3]]


_FULL_DATE_RE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{1,4}})"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{1,4}}))(?![\d,]*\d)"
    rf"(?:\s*(?P<era>{_ERA}))?(?:\s*\((?P<os>O\.\s?S\.|OS|Old Style)\))?"
)
_YEAR_RE = re.compile(
    rf"(?:\b(?:AD|A\.D\.)\s+(?P<ad>\d{{1,4}})\b|\b(?P<y>\d{{1,4}})\s*(?P<era>{_ERA})(?![A-Za-z])"
    r"|(?<![\d,.\-–])\b(?P<bare>1\d{3}|20\d{2})\b(?![\-–]\d)(?!s\b)(?!,\d))"
)


@dataclass(frozen=True, slots=True)
class TextDate:
    """A date written in the copy: astronomical year, optional month and day, its span."""

    year: int
    month: int | None
    day: int | None
    start: int
    end: int
    old_style: bool = False

    def iso(self) -> str:
        return HistDate(self.year, self.month, self.day).iso()


def _astronomical(year: int, era: str | None) -> int:
    if era and era.upper().startswith("B"):
        return 1 - year
    return year


def find_dates(text: str, lo: int = 0, hi: int | None = None) -> list[TextDate]:
    """Full dates ("July 27, 1953", "27 July 1953", "25 Dec 1642 (O.S.)") and years ("1950",
    "551 BC", "AD 800") in ``text[lo:hi]``, in order. Ranges such as "1950-53" and decades
    ("the 1950s") are not dates."""
    hi = len(text) if hi is None else hi
    found: list[TextDate] = []
    taken: list[tuple[int, int]] = []
    for m in _FULL_DATE_RE.finditer(text, lo, hi):
        y = int(m.group("y1") or m.group("y2"))
        mon = month_number(m.group("m1") or m.group("m2"))
        d = int(m.group("d1") or m.group("d2"))
        y = _astronomical(y, m.group("era"))
        if y == 0 or not 1 <= d <= dates.days_in_month(y, mon, "julian" if m.group("os") else "gregorian"):
            continue
        found.append(TextDate(y, mon, d, m.start(), m.end(), bool(m.group("os"))))
        taken.append((m.start(), m.end()))
    for m in _YEAR_RE.finditer(text, lo, hi):
        if any(a <= m.start() < b for a, b in taken):
            continue
        if m.group("ad"):
            y = int(m.group("ad"))
        elif m.group("y"):
            y = _astronomical(int(m.group("y")), m.group("era"))
        else:
            y = int(m.group("bare"))
        if y == 0:
            continue
        month = None
        before = text[max(lo, m.start() - 12) : m.start()]
        mm = re.search(rf"({_MONTH})\s+$", before)
        if mm and m.group("bare"):
            month = month_number(mm.group(1))
        found.append(TextDate(y, month, None, m.start() - (len(mm.group(0)) if mm and month else 0), m.end()))
    found.sort(key=lambda t: t.start)
    return found


_DATELINE_RE = re.compile(
    rf"^[ \t]*[A-Z][A-Z'.\- ]{{1,40}}(?:,\s*[A-Z][A-Za-z.\- ]{{1,30}})?,\s+(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})"
    r"(?:,\s*(?P<year>\d{4}))?\s*(?:\([^)\n]{1,40}\))?\s*(?:—|–|--|-)",
    re.M,
)
_DATE_LINE_RE = re.compile(
    r"^[ \t]*(?:(?:Published|Updated|Posted)(?:\s+on)?:?\s*)?(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s*)?"
    rf"(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}}),\s*(?P<year>\d{{4}})|(?P<day2>\d{{1,2}})\s+(?P<mon2>{_MONTH})\s+(?P<year2>\d{{4}}))"
    r"(?:,?\s+\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?[ \t]*(?:$|—|–|--)",
    re.M,
)
DATELINE_SPAN = 600


def find_dateline(text: str, today: date) -> tuple[date, str] | None:
    """The publication date written at the head of the copy: a wire dateline
    ("SEOUL, July 27 (Yonhap) —") or a line holding only a date ("Oct. 25, 2025").
    A dateline without a year takes the latest such day on or before ``today``."""
    head = text[:DATELINE_SPAN]
    best: tuple[int, date, str] | None = None
    for m in _DATELINE_RE.finditer(head):
        mon, day = month_number(m.group("mon")), int(m.group("day"))
        if m.group("year"):
            year, how = int(m.group("year")), "dateline"
        else:
            year = today.year if (mon, day) <= (today.month, today.day) else today.year - 1
            how = f"dateline (year {year} assumed from today)"
        got = dates.day_in_year(year, mon, day) if 1 <= day <= dates.days_in_month(year, mon) else None
        if got is not None and (best is None or m.start() < best[0]):
            best = (m.start(), got, how)
    for m in _DATE_LINE_RE.finditer(head):
        mon = month_number(m.group("mon") or m.group("mon2"))
        day = int(m.group("day") or m.group("day2"))
        year = int(m.group("year") or m.group("year2"))
        if not 1 <= day <= dates.days_in_month(year, mon) or not 1 <= year <= 9999:
            continue
        if best is None or m.start() < best[0]:
            best = (m.start(), date(year, mon, day), "date line")
    return (best[1], best[2]) if best else None


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------

_ABBREV = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mr",
    "mrs", "ms", "dr", "gen", "lt", "col", "sgt", "capt", "st", "no", "vs", "etc", "jr", "sr",
    "rep", "sen", "gov", "prof", "inc", "co", "corp", "ltd", "u.s", "u.n", "u.k", "a.m", "p.m",
    "e.g", "i.e", "o.s", "n.s", "b.c", "a.d", "adm", "maj", "pres", "ft", "mt", "approx",
}  # fmt: skip
_BOUNDARY_RE = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n[ \t]*\n\s*")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: split after ., ! or ? followed by space and a capital, digit or quote,
    and at blank lines; abbreviations ("Oct.", "U.S.", "Gen.") and initials do not end one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        blank_line = m.group(0).strip() == "" and m.group(0).count("\n") >= 2
        if not blank_line:
            nxt = text[m.end() : m.end() + 1]
            if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“‘("):
                continue
            if m.group(0).startswith("."):
                word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[start : m.start()])
                if word:
                    w = word.group(1).casefold()
                    if w in _ABBREV or len(w) == 1:
                        continue
        if text[start : m.start()].strip():
            spans.append(_trim(text, start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


# --------------------------------------------------------------------------------------------
# Claim forms
# --------------------------------------------------------------------------------------------

_NAMED: dict[str, int] = {
    "semicentennial": 50, "semicentenary": 50, "centenary": 100, "centennial": 100,
    "quasquicentennial": 125, "sesquicentennial": 150, "sesquicentenary": 150,
    "bicentenary": 200, "bicentennial": 200, "semiquincentennial": 250, "tercentenary": 300,
    "tricentennial": 300, "tercentennial": 300, "quatercentenary": 400, "quadricentennial": 400,
    "quincentenary": 500, "quincentennial": 500,
}  # fmt: skip
_METALS: dict[str, tuple[int, ...]] = {
    "silver": (25,),
    "ruby": (40,),
    "golden": (50,),
    "gold": (50,),
    "diamond": (60, 75),
    "platinum": (70,),
}
_HEDGE_RE = re.compile(
    r"(?:more\s+than|over|nearly|almost|about|around|roughly|some|at\s+least|less\s+than|fewer\s+than|"
    r"under|close\s+to|approximately|upwards\s+of|just\s+over|just\s+under|the\s+first|the\s+last|the\s+past|"
    r"within|for|a\s+few|several|last|next)\s+$",
    re.I,
)
_PRESENT_RE = re.compile(
    r"\b(?:now|today|still|remains?|is|are|has|have|marks?|comes?|stands?|this\s+(?:year|week|month))\b", re.I
)
_FORWARD_RE = re.compile(
    r"\b(?:ahead\s+of|upcoming|forthcoming|approaching|run-up\s+to|lead-up\s+to|build-up\s+to|next\s+year'?s?|"
    r"will\s+(?:mark|celebrate|commemorate|observe|be\s+marked|fall)|preparations?(?:\s+\w+){0,3}\s+for|prepar(?:e|es|ing)\s+for|gearing\s+up\s+for|"
    r"plans?\s+for|planning\s+for|in\s+advance\s+of|countdown\s+to|coming)\b",
    re.I,
)
_PAST_YEAR_RE = re.compile(r"\blast\s+year'?s?\b", re.I)

_FORMS: list[tuple[str, re.Pattern[str]]] = [
    (
        "marks",
        re.compile(
            rf"\b(?:mark|marks|marked|marking|celebrat(?:e|es|ed|ing)|commemorat(?:e|es|ed|ing)|observ(?:e|es|ed|ing))"
            rf"\s+(?:the\s+)?(?P<num>{CARD_RE})[\s-]+(?P<unit>years|days)\b(?:\s+(?P<tail>since|after|of|from)\b)?",
            re.I,
        ),
    ),
    ("ordinal", re.compile(rf"\b(?P<num>{ORD_RE})(?:[\s-]+(?P<adj>[a-z]+))?[\s-]+anniversary\b", re.I)),
    ("day-ordinal", re.compile(rf"\b(?P<num>{ORD_RE})\s+day\s+(?P<tail>of|since|after)\b", re.I)),
    (
        "elapsed",
        re.compile(
            rf"\b(?P<num>{CARD_RE})\s+(?P<unit>years|days)\s+(?P<tail>since|after|ago|on\s+from)\b"
            r"(?:\s+(?P<today>today|to\s+the\s+day|this\s+week|this\s+month))?",
            re.I,
        ),
    ),
    (
        "elapsed",
        re.compile(
            r"\b(?P<num>a\s+century|half\s+a\s+century|a\s+quarter(?:\s+of\s+a)?\s+century|"
            rf"(?:{_NUM_DIG}|{_W_CARD}(?:{_SEP}{_W_CARD})*)\s+decades)(?P<unit>)\s+(?P<tail>since|after|ago|on\s+from)\b"
            r"(?:\s+(?P<today>today|to\s+the\s+day|this\s+week|this\s+month))?",
            re.I,
        ),
    ),
    ("named", re.compile(rf"\b(?P<name>{'|'.join(sorted(_NAMED, key=len, reverse=True))})\b", re.I)),
    ("jubilee", re.compile(r"\b(?P<metal>silver|ruby|golden|gold|diamond|platinum)\s+(?:jubilee|anniversary)\b", re.I)),
]
_BARE_RE = re.compile(r"\banniversary\s+of\b", re.I)


@dataclass(frozen=True, slots=True)
class Found:
    """A claim as written: its span, the number(s) it states, and where the event words start.

    ``counts`` holds every reading of the number (a "diamond jubilee" is the 60th or 75th);
    it is empty for a bare "anniversary of …". ``kind`` is "years" or "days".
    """

    start: int
    end: int
    form: str
    kind: str
    counts: tuple[int, ...]
    sentence: tuple[int, int]
    today: bool = False


def find_claims(text: str) -> list[Found]:
    """Every anniversary claim in ``text``, in order, overlapping matches resolved (the earliest,
    then the longest, wins)."""
    out: list[Found] = []
    for s0, s1 in sentences(text):
        sent = text[s0:s1]
        cands: list[Found] = []
        for form, rx in _FORMS:
            for m in rx.finditer(sent):
                f = _read(form, m, sent, s0, s1)
                if f is not None:
                    cands.append(f)
        cands.sort(key=lambda f: (f.start, -(f.end - f.start)))
        chosen: list[Found] = []
        for f in cands:
            if chosen and f.start < chosen[-1].end:
                continue
            chosen.append(f)
        for m in _BARE_RE.finditer(sent):
            a = s0 + m.start()
            if any(c.start <= a < c.end for c in chosen):
                continue
            if re.search(
                r"(?:\d|th|st|nd|rd|[a-z]+ieth|first|second|third|-)\s*$", sent[: m.start()], re.I
            ) and re.search(rf"(?:{ORD_RE})\s*(?:[a-z]+\s+)?$", sent[: m.start()], re.I):
                continue
            if not find_dates(text, a, s1):
                continue  # a bare "anniversary of …" is checked only against a date the sentence gives
            chosen.append(Found(a, s0 + m.start() + len("anniversary"), "bare", "years", (), (s0, s1)))
        chosen.sort(key=lambda f: f.start)
        out.extend(chosen)
    return out


def _read(form: str, m: re.Match[str], sent: str, s0: int, s1: int) -> Found | None:
    start, end = s0 + m.start(), s0 + m.end()
    # the claim's text ends at the number's unit, not at the linking word
    tail = m.groupdict().get("tail")
    if tail and form != "elapsed":
        end = s0 + m.start("tail")
        while end > start and sent[end - 1 - s0].isspace():
            end -= 1
    before = sent[: m.start()]
    if form == "named":
        name = m.group("name")
        follow = sent[m.end() :]
        if name[0].isupper() and m.start() > 0 and re.match(r"\s+[A-Z]", follow) and not re.match(r"\s+of\b", follow):
            return None  # a proper name: "Centennial Hall", "Bicentennial Park"
        return Found(start, end, form, "years", (_NAMED[name.casefold()],), (s0, s1))
    if form == "jubilee":
        return Found(start, end, form, "years", _METALS[m.group("metal").casefold()], (s0, s1))
    num = parse_number(re.sub(r"\s+decades$", "", m.group("num"), flags=re.I))
    if num is None or num < 1:
        return None
    if form in ("elapsed", "marks") and _HEDGE_RE.search(before if form == "elapsed" else sent[: m.start("num")]):
        return None
    if form == "ordinal":
        adj = (m.group("adj") or "").casefold()
        if adj in ("and", "or", "to", "of", "the", "a", "an"):
            return None
        return Found(start, end, form, "years", (num,), (s0, s1))
    if form == "day-ordinal":
        if m.group("tail").casefold() == "after" and not _PRESENT_RE.search(sent):
            return None
        return Found(start, end, "day-ordinal", "days", (num,), (s0, s1))
    unit = m.group("unit").casefold()
    kind = "days" if unit == "days" else "years"
    if re.search(r"decades$", m.group("num"), re.I):
        tens = parse_number(re.sub(r"\s+decades$", "", m.group("num"), flags=re.I))
        if tens is None:
            return None
        num = tens * 10
    if form == "elapsed":
        t = re.sub(r"\s+", " ", m.group("tail").casefold())
        if t in ("after", "on from") and not _PRESENT_RE.search(sent[m.end() :] + " " + before):
            return None
        today = bool(m.group("today")) and m.group("today").casefold() in ("today", "to the day")
        form = "ago" if t == "ago" else "since"
        if form == "ago":
            end = s0 + m.end()
        else:
            end = s0 + m.start("tail")
            while end > start and sent[end - 1 - s0].isspace():
                end -= 1
        return Found(start, end, form, kind, (num,), (s0, s1), today)
    return Found(start, end, "marks", kind, (num,), (s0, s1))


# --------------------------------------------------------------------------------------------
# Matching the catalogue
# --------------------------------------------------------------------------------------------

_STOP = {
    "the", "a", "an", "of", "in", "into", "on", "at", "to", "for", "by", "and", "s", "its", "from",
    "with", "that", "which", "this", "was", "were", "is", "as", "his", "her", "their",
}  # fmt: skip
_TOKEN_RE = re.compile(r"[^\W_]+", re.U)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").casefold()
    return re.sub(r"'s\b|s'(?=\s|$)|'", lambda m: " " if m.group(0) != "s'" else "s ", text)


def stem(word: str) -> str:
    """A light English stemmer: enough that "entry", "enters" and "entered" share a root."""
    w = word
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if len(w) > len(suffix) + 3 and w.endswith(suffix) and not w.endswith("ss"):
            w = w[: -len(suffix)] + repl
            break
    if len(w) > 4 and re.search(r"[^aeiou]ry$", w):
        w = w[:-2] + "er"  # entry → enter, like "enters" and "entered"
    if len(w) > 4 and w.endswith(("y", "e")):
        w = w[:-1]
    return w


def tokens(text: str) -> list[str]:
    """Stemmed content words of ``text`` (case, accents, punctuation, possessives, "the" gone)."""
    return [stem(t) for t in _TOKEN_RE.findall(_fold(text)) if t not in _STOP]


def _similar(a: str, b: str) -> bool:
    """Two stems name the same word: equal, one a prefix of the other (five letters or more:
    "invas"/"invasion"), or the same first four letters and nearly the same spelling
    ("hoechang"/"hoichang"). "stat"/"start" are different words."""
    if a == b:
        return True
    if min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)):
        return True
    if len(a) < 5 or len(b) < 5 or a[:4] != b[:4]:
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.85


@dataclass(frozen=True, slots=True)
class Match:
    """A catalogue event a phrase may name; ``score`` is the rarity-weighted share of one of
    its names found in the phrase (1.0 when the whole name is there), ``matched`` the tokens."""

    event: Event
    score: float
    name: str
    matched: frozenset[str]


LINK_THRESHOLD = 0.6
CLOSE = 0.1
CORROBORATED = 0.4  # a name match this good links when a date in the sentence agrees


def _competitor(top: Match, cands: Sequence[Match]) -> Match | None:
    """The runner-up worth naming: nearly as good as ``top`` (within ``CLOSE``, or found by the
    very same words, unless ``top`` matched a whole name) and not merely a part of it ("Korean War" inside "China's entry into the
    Korean War" is no rival)."""
    for c in cands:
        if c is top or c.event.id == top.event.id:
            continue
        if c.matched < top.matched or c.score < LINK_THRESHOLD - 0.15:
            continue
        if top.score - c.score <= CLOSE or (c.matched == top.matched and c.matched and top.score < 1.0):
            return c
    return None


class EventIndex:
    """Titles and aliases of a catalogue, tokenised once, with an inverted index by token
    prefix so a phrase is scored only against events that share a word with it."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.events = list(events)
        self.by_id: dict[str, Event] = {}
        self._names: list[tuple[Event, str, tuple[str, ...], str]] = []
        self._keys: dict[str, list[int]] = {}
        df: dict[str, int] = {}
        for ev in self.events:
            self.by_id.setdefault(ev.id, ev)
            names = [ev.title, *ev.aliases, *(t for _, t in ev.titles)]
            seen: set[str] = set()
            for name in names:
                toks = tuple(dict.fromkeys(tokens(name)))
                raw = _fold(name).strip()
                if not toks and not raw:
                    continue
                idx = len(self._names)
                self._names.append((ev, name, toks, raw))
                for t in toks:
                    self._keys.setdefault(t[:3], []).append(idx)
                    seen.add(t)
                if not toks:
                    self._keys.setdefault("", []).append(idx)
            for t in seen:
                df[t] = df.get(t, 0) + 1
        n = max(len(self.events), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._default_idf = math.log(1 + n)

    def weight(self, tok: str) -> float:
        return self._idf.get(tok, self._default_idf)

    def match(self, phrase: str) -> list[Match]:
        """Candidate events for ``phrase``, best first; one entry per event (its best name)."""
        ptoks = set(tokens(phrase))
        folded = " " + " ".join(_TOKEN_RE.findall(_fold(phrase))) + " "
        raw_phrase = _fold(phrase)
        idxs: set[int] = set(self._keys.get("", ()))
        for t in ptoks:
            idxs.update(self._keys.get(t[:3], ()))
        best: dict[str, Match] = {}
        for i in idxs:
            ev, name, toks, raw = self._names[i]
            if not toks:
                if raw and raw in raw_phrase:
                    m = Match(ev, 1.0, name, frozenset())
                else:
                    continue
            else:
                matched = frozenset(t for t in toks if any(_similar(t, p) for p in ptoks))
                total = sum(self.weight(t) for t in toks)
                score = sum(self.weight(t) for t in matched) / total if total else 0.0
                name_words = " " + " ".join(_TOKEN_RE.findall(_fold(name))) + " "
                if len(matched) == len(toks) or name_words.strip() and name_words in folded:
                    score = 1.0
                m = Match(ev, round(score, 3), name, matched)
            old = best.get(ev.id)
            if old is None or (m.score, len(m.matched)) > (old.score, len(old.matched)):
                best[ev.id] = m
        return sorted(best.values(), key=lambda m: (-m.score, -len(m.matched), m.event.id))


def _weight_of(index: EventIndex, m: Match) -> float:
    return sum(index.weight(t) for t in m.matched)


# --------------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """One checked claim. ``ordinal`` is the number the copy states (None for a bare
    "anniversary of"), ``expected_ordinal`` the number the arithmetic gives."""

    text: str
    start: int
    end: int
    form: str
    kind: str
    ordinal: int | None
    event_id: str | None
    event_title: str | None
    event_date: str | None
    reference_date: str
    reference_source: str
    expected_ordinal: int | None
    verdict: str
    message: str
    arithmetic: str = ""
    confidence: float | None = None
    runner_up: tuple[str, float] | None = None
    sentence: str = ""
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract keys first, then the extras."""
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "ordinal": self.ordinal,
            "event_id": self.event_id,
            "event_date": self.event_date,
            "reference_date": self.reference_date,
            "expected_ordinal": self.expected_ordinal,
            "verdict": self.verdict,
            "message": self.message,
            "kind": self.kind,
            "form": self.form,
            "event_title": self.event_title,
            "reference_source": self.reference_source,
            "arithmetic": self.arithmetic,
            "confidence": self.confidence,
            "runner_up": {"event_id": self.runner_up[0], "confidence": self.runner_up[1]} if self.runner_up else None,
            "sentence": self.sentence,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class _Anchor:
    """What the arithmetic counts from: a base year (astronomical), the month-day it is kept
    on (None when unknown), the Gregorian event date for day counts, and how to name it."""

    year: int
    kept: tuple[int, int] | None
    gregorian: date | None
    label: str
    event: Event | None = None


@dataclass
class _Ref:
    day: date
    source: str
    year_only: bool = False
    notes: list[str] = field(default_factory=list)


def _event_anchor(ev: Event) -> _Anchor:
    md = engine.fixed_month_day(ev)
    try:
        g = engine.event_gregorian(ev)
    except (ValueError, AnnivError):
        g = None
    return _Anchor(engine.base_year(ev), md, g, f"{ev.id} ({dates.display_date(ev.date)})", ev)


def _text_anchor(td: TextDate) -> _Anchor:
    y, mo, d = td.year, td.month, td.day
    if td.old_style and mo and d:
        y, mo, d = dates.julian_to_gregorian(y, mo, d)
    g = date(y, mo, d) if (mo and d and 1 <= y <= 9999) else None
    kept = (mo, d) if mo and d else None
    return _Anchor(y, kept, g, f"the date in the copy ({_show_text_date(td)})")


def _show_text_date(td: TextDate) -> str:
    if td.year <= 0:
        return dates.display_date(HistDate(td.year, td.month, td.day))
    return td.iso() + (" OS" if td.old_style else "")


def _kept_day(anchor: _Anchor, year: int) -> date | None:
    """The day the anniversary falls in ``year`` (None when the record has no fixed day)."""
    if anchor.event is not None:
        try:
            return engine.kept_on(anchor.event, year)
        except (ValueError, AnnivError):
            return None
    if anchor.kept is None:
        return None
    return dates.day_in_year(year, anchor.kept[0], anchor.kept[1])


def _minus(a: int, b: int) -> str:
    """ "2025 − 1950 = 75"; BCE years are shown in brackets: "2025 − (−550) = 2575"."""
    bs = f"(−{-b})" if b < 0 else str(b)
    return f"{a} − {bs} = {a - b}"


def _say(n: int, kind: str) -> str:
    if n < 1:
        return f"no anniversary yet ({n} years)" if kind == "years" else f"no day count yet ({n})"
    if kind == "days":
        return f"day {milestones.group(n)}"
    return f"the {milestones.ordinal(n)}"


def check_text(text: str, index: EventIndex, published: date | None, today: date) -> list[Claim]:
    """Find and check every claim in ``text``. The reference date is ``published``, else a
    dateline at the head of the text, else ``today`` (see the module docstring)."""
    if published is not None:
        ref, source = published, "--published"
    else:
        got = find_dateline(text, today)
        ref, source = got if got else (today, "today (no --published and no dateline)")
    return [check_claim(text, f, index, ref, source) for f in find_claims(text)]


def check_claim(text: str, f: Found, index: EventIndex, ref_day: date, ref_source: str) -> Claim:
    """Judge one found claim; see the module docstring for the order of the rules."""
    s0, s1 = f.sentence
    sent = text[s0:s1]
    claim_text = text[f.start : f.end]
    ordinal = f.counts[0] if f.counts else None
    base: dict[str, Any] = dict(
        text=claim_text, start=f.start, end=f.end, form=f.form, kind=f.kind, ordinal=ordinal, sentence=sent
    )
    # --- which event -------------------------------------------------------------------------
    after = text[f.end : s1]
    phrase = re.sub(r"^\s*(?:of|since|after|from|on from|ago)\b", "", after, flags=re.I)
    cands = index.match(phrase) if phrase.strip() else []
    if not cands or cands[0].score < LINK_THRESHOLD:
        cands = index.match(text[s0 : f.start] + " " + after)
    linked = [c for c in cands if c.score >= LINK_THRESHOLD]
    all_dates = find_dates(text, s0, s1)
    later = [d for d in all_dates if d.start >= f.end]
    earlier = [d for d in all_dates if d.end <= f.start]
    ref = _Ref(ref_day, ref_source)
    notes: list[str] = []

    # a year right after the claim ("the 70th anniversary in 2020") is when it fell
    for d in later:
        gap = text[f.end : d.start]
        if re.fullmatch(rf",?\s*(?:in|on)\s+(?:(?:{_MONTH})\s+)?", gap, re.I) and d.year >= 1:
            ref = _when(d, "the year the copy gives for the anniversary")
            later = [x for x in later if x is not d]
            break

    top = linked[0] if linked else None
    if top is not None and f.kind == "years":
        # "…the 200th anniversary of Napoleon's death fell on May 5, 2021": that date is when the
        # claimed anniversary fell, not the event's date
        y0 = engine.base_year(top.event)
        for d in later:
            if d.year not in _years_of(top.event) and any(abs(d.year - (y0 + n)) <= 1 for n in f.counts):
                ref = _when(d, "the date the copy gives for the anniversary")
                later = [x for x in later if x is not d]
                break
    full_later = [d for d in later if d.day is not None and d.year < ref.day.year + 1]
    bare_later = [d for d in later if d.day is None and d.year < ref.day.year]

    runner = _competitor(top, cands) if top else None
    anchor: _Anchor | None = None
    event: Event | None = None
    confidence: float | None = None
    conflict = ""
    if full_later:
        td = full_later[0]
        anchor = _text_anchor(td)
        confidence = 1.0
        named = top
        if named is None:
            # a weaker name match still links when the written date agrees with the record
            named = next((c for c in cands if c.score >= CORROBORATED and td.year in _years_of(c.event)), None)
        same_day = [e for e in index.events if _same_date(e, td)]
        if named is not None:
            event = named.event
            confidence = named.score
            if not _same_date(event, td) and not any(_alt_same(a.date, td) for a in event.alternative_dates):
                conflict = (
                    f"the copy dates it {_show_text_date(td)}, but the record {event.id} gives "
                    f"{dates.display_date(event.date)}"
                )
        elif len(same_day) == 1:
            event = same_day[0]
        runner = None
    elif top is not None:
        event = top.event
        confidence = top.score
        anchor = _event_anchor(event)
        for d in bare_later:
            if d.year in _years_of(event):
                continue
            if re.search(r"\bin\s+$", text[max(s0, d.start - 4) : d.start]) and anchor.year < d.year <= ref.day.year:
                ref = _when(d, "the year the copy says it was marked")
                break
            notes.append(f"the sentence also mentions {dates.bce_label(d.year)}; the record's date is used")
    elif bare_later:
        y = bare_later[0].year
        named = next((c for c in cands if c.score >= CORROBORATED and y in _years_of(c.event)), None)
        if named is not None:
            event, confidence = named.event, named.score
            anchor = _event_anchor(event)
        else:
            anchor = _text_anchor(bare_later[0])
            confidence = 1.0

    # a date before the claim is when the anniversary was marked when it opens the sentence
    # ("In 2020, …", "On July 27, 2023, …") or is the year the claimed number falls in
    # ("visited the cemetery in 2020, ahead of the 70th anniversary"); other years ("the museum,
    # built in 1972, marked …") say nothing about the claim.
    if anchor is not None:
        for d in reversed(earlier):
            if (event is not None and d.year in _years_of(event)) or d.year <= anchor.year:
                continue
            if not (d.year < ref.day.year or (d.year == ref.day.year and d.day is not None)):
                continue
            opens = re.fullmatch(r"\W*(?:(?:back\s+)?in|on|by|since)?\s*", text[s0 : d.start], re.I) is not None
            fits = any(abs(d.year - (anchor.year + n)) <= 1 for n in f.counts) and f.kind == "years"
            if opens or fits:
                ref = _when(d, "the date the copy gives for it")
                break

    # --- not found / ambiguous -----------------------------------------------------------------
    if anchor is None:
        near = cands[0] if cands else None
        hint = (
            f" (closest: {near.event.id}, {near.score:.2f} — below {LINK_THRESHOLD})"
            if near and near.score > 0.2
            else ""
        )
        return Claim(
            **base, event_id=None, event_title=None, event_date=None, reference_date=ref.day.isoformat(),
            reference_source=ref.source, expected_ordinal=None, verdict="unknown",
            message=f"no event found for this claim{hint}; check it by hand or add an alias to the record",
            confidence=round(near.score, 2) if near else None, notes=tuple(notes),
        )  # fmt: skip
    runner_pair = (runner.event.id, round(runner.score, 2)) if runner else None
    if top is not None and runner is not None and not full_later:
        if f.counts:
            a2 = _event_anchor(runner.event)
            e1 = _expected(anchor, ref, f)
            e2 = _expected(a2, ref, f)
            if e1 != e2:
                return Claim(
                    **base, event_id=None, event_title=None, event_date=None,
                    reference_date=ref.day.isoformat(), reference_source=ref.source, expected_ordinal=None,
                    verdict="ambiguous",
                    message=(
                        f"could be {top.event.id} ({top.score:.2f}: {_say(e1, f.kind)}) or {runner.event.id} "
                        f"({runner.score:.2f}: {_say(e2, f.kind)}); name the event more precisely"
                    ),
                    confidence=round(top.score, 2), runner_up=runner_pair, notes=tuple(notes),
                )  # fmt: skip
            notes.append(f"{runner.event.id} also fits the words and gives the same number")
    return _judge(base, f, anchor, event, ref, confidence, runner_pair, conflict, notes, sent, index)


def _when(d: TextDate, why: str) -> _Ref:
    if d.day is not None and d.month is not None and d.year >= 1:
        return _Ref(date(d.year, d.month, d.day), f"{why} ({d.iso()})")
    return _Ref(date(max(d.year, 1), 12, 31), f"{why} ({dates.bce_label(d.year)})", year_only=True)


def _years_of(ev: Event) -> set[int]:
    ys = {ev.date.year, engine.base_year(ev)}
    ys.update(a.date.year for a in ev.alternative_dates)
    return ys


def _same_date(ev: Event, td: TextDate) -> bool:
    hd = ev.date
    if (
        hd.year == td.year
        and (td.month is None or hd.month in (None, td.month))
        and (td.day is None or hd.day in (None, td.day))
    ):
        return True
    if hd.calendar == "julian" and hd.month and hd.day:
        y, m, d = dates.julian_to_gregorian(hd.year, hd.month, hd.day)
        return (y, m, d) == (td.year, td.month, td.day)
    return False


def _alt_same(hd: HistDate, td: TextDate) -> bool:
    return (
        hd.year == td.year
        and (td.month is None or hd.month in (None, td.month))
        and (td.day is None or hd.day in (None, td.day))
    )


def _expected(anchor: _Anchor, ref: _Ref, f: Found) -> int:
    if f.kind == "days" and anchor.gregorian is not None:
        return (ref.day - anchor.gregorian).days + 1
    return ref.day.year - anchor.year


def _judge(
    base: dict[str, Any],
    f: Found,
    anchor: _Anchor,
    event: Event | None,
    ref: _Ref,
    confidence: float | None,
    runner: tuple[str, float] | None,
    conflict: str,
    notes: list[str],
    sent: str,
    index: EventIndex,
) -> Claim:
    R = ref.day
    who = f"{event.id}: {event.title}, {dates.display_date(event.date)}" if event else anchor.label
    event_date = event.date.iso() if event else (HistDate(anchor.year, *(anchor.kept or (None, None))).iso())
    common: dict[str, Any] = dict(
        base, event_id=event.id if event else None, event_title=event.title if event else None,
        event_date=event_date, reference_date=R.isoformat(), reference_source=ref.source,
        confidence=None if confidence is None else round(confidence, 2), runner_up=runner,
    )  # fmt: skip
    if f.kind == "days":
        return _judge_days(common, f, anchor, who, ref, conflict, notes)
    this_year = R.year - anchor.year
    arith = _minus(R.year, anchor.year)
    kept = None if ref.year_only else _kept_day(anchor, R.year)
    upcoming = kept is not None and kept > R
    passed = kept is not None and kept < R
    before = sent[: f.start - f.sentence[0]]
    forward = bool(_FORWARD_RE.search(before)) or bool(re.search(r"\bnext\s+year\b", sent, re.I))
    past = bool(_PAST_YEAR_RE.search(sent))
    if anchor.event is not None and anchor.event.date.calendar == "julian" and anchor.event.observed.on == "converted":
        if anchor.event.date.year != anchor.year:
            notes.append(
                f"Old Style: {dates.display_date(anchor.event.date)} is {anchor.year} in the Gregorian calendar, "
                "and the record counts from that year"
            )
    if not f.counts:
        if this_year < 1:
            return Claim(**common, expected_ordinal=None, verdict="wrong", arithmetic=arith,
                         message=f"the event ({who}) is not before the reference date {R}", notes=tuple(notes))  # fmt: skip
        if conflict:
            return Claim(**common, expected_ordinal=this_year, verdict="wrong", arithmetic=arith,
                         message=f"{conflict}; by the copy's date this is {_say(this_year, 'years')} anniversary ({arith})",
                         notes=tuple(notes))  # fmt: skip
        return Claim(**common, expected_ordinal=this_year, verdict="ok", arithmetic=arith,
                     message=f"{_say(this_year, 'years')} anniversary of {who} ({arith}){_timing(kept, R)}",
                     notes=tuple(notes))  # fmt: skip
    allowed: dict[int, str] = {this_year: arith}
    if forward:
        allowed.setdefault(this_year + 1, f"{_minus(R.year + 1, anchor.year)} (ahead of next year's)")
        if passed and this_year in allowed and not re.search(r"\bnext\s+year\b", sent, re.I):
            allowed[this_year] = arith + " (the day has passed this year)"
    if past:
        allowed.setdefault(this_year - 1, f"{_minus(R.year - 1, anchor.year)} (last year's)")
    if f.form in ("since", "ago", "marks") and (upcoming or ref.year_only):
        allowed.setdefault(
            this_year - 1,
            f"{arith}, and this year's day ({_md(kept)}) is still ahead, so {this_year - 1} full years have passed",
        )
    fits = [n for n in f.counts if n in allowed]
    if fits and not conflict:
        n = fits[0]
        why = allowed[n]
        if f.today and kept is not None and kept != R:
            return Claim(**common, expected_ordinal=n, verdict="wrong", arithmetic=why,
                         message=f"\"today\" is wrong: the anniversary of {who} is kept on {kept.isoformat()}, not {R}",
                         notes=tuple(notes))  # fmt: skip
        extra = ""
        if len(f.counts) > 1:
            extra = f'; "{base["text"]}" read as the {milestones.ordinal(n)}'
        msg = f"{_say(n, 'years')} of {who}: {why}{_timing(kept, R) if n == this_year else ''}{extra}"
        return Claim(**common, expected_ordinal=n, verdict="ok", arithmetic=why, message=msg, notes=tuple(notes))
    n = f.counts[0]
    if conflict:
        by_copy = ""
        return Claim(**common, expected_ordinal=this_year, verdict="wrong", arithmetic=arith,
                     message=f"{conflict}; {by_copy}by the copy's date it is {_say(this_year, 'years')} ({arith})",
                     notes=tuple(notes))  # fmt: skip
    # alternative dates, Old Style years, related events
    if event is not None:
        for alt in event.alternative_dates:
            ay = alt.date.year
            if n == R.year - ay:
                a_arith = _minus(R.year, ay)
                return Claim(**common, expected_ordinal=n, verdict="ok", arithmetic=a_arith,
                             message=f"{_say(n, 'years')} counting from the alternative date {dates.display_date(alt.date)} "
                                     f"({a_arith}); the record follows {dates.display_date(event.date)} ({arith}). "
                                     f"Note: {alt.note}", notes=tuple(notes))  # fmt: skip
        if event.date.calendar == "julian" and event.date.year != anchor.year and n == R.year - event.date.year:
            return Claim(**common, expected_ordinal=this_year, verdict="wrong", arithmetic=arith,
                         message=f"should be {_say(this_year, 'years')}, not {_say(n, 'years')}: {arith}; the copy counts "
                                 f"from the Old Style year {event.date.year}, but the record is kept on the converted "
                                 f"date in {anchor.year}", notes=tuple(notes))  # fmt: skip
        for rid in event.related:
            rel = index.by_id.get(rid)
            if rel is None:
                continue
            ry = engine.base_year(rel)
            if n == R.year - ry:
                return Claim(**common, expected_ordinal=this_year, verdict="wrong", arithmetic=arith,
                             message=f"should be {_say(this_year, 'years')}, not {_say(n, 'years')}: {arith} for {who}; "
                                     f"the number counts from {rel.id} ({rel.title}, {dates.display_date(rel.date)}: "
                                     f"{_minus(R.year, ry)}) instead", notes=tuple(notes))  # fmt: skip
    if this_year < 1:
        return Claim(**common, expected_ordinal=None, verdict="wrong", arithmetic=arith,
                     message=f"{who} is not before the reference date {R}", notes=tuple(notes))  # fmt: skip
    wanted = " or ".join(_say(k, "years") for k in sorted(allowed))
    return Claim(**common, expected_ordinal=this_year, verdict="wrong", arithmetic=arith,
                 message=f"should be {wanted}, not {_say(n, 'years')}: {arith} ({who}){_timing(kept, R)}",
                 notes=tuple(notes))  # fmt: skip


def _md(d: date | None) -> str:
    return d.strftime("%b %d").replace(" 0", " ") if d else "its day"


def _timing(kept: date | None, R: date) -> str:
    if kept is None:
        return ""
    days = (kept - R).days
    if days == 0:
        return "; kept on the reference date"
    if days > 0:
        return f"; upcoming: kept on {kept.isoformat()}, in {_days(days)}"
    return f"; kept on {kept.isoformat()}, {_days(-days)} before the reference date"


def _days(n: int) -> str:
    return f"{milestones.group(n)} day" + ("" if n == 1 else "s")


def _judge_days(
    common: dict[str, Any], f: Found, anchor: _Anchor, who: str, ref: _Ref, conflict: str, notes: list[str]
) -> Claim:
    n = f.counts[0]
    if anchor.gregorian is None:
        return Claim(**common, expected_ordinal=None, verdict="unknown",
                     message=f"{who} has no exact day, so a day count cannot be checked", notes=tuple(notes))  # fmt: skip
    R = ref.day
    diff = (R - anchor.gregorian).days
    arith = f"{R} − {anchor.gregorian} = {milestones.group(diff)} days; the event day is day 1, so {R} is day {milestones.group(diff + 1)}"
    if conflict:
        return Claim(**common, expected_ordinal=diff + 1, verdict="wrong", arithmetic=arith,
                     message=f"{conflict}; {arith}", notes=tuple(notes))  # fmt: skip
    if n == diff + 1:
        return Claim(
            **common, expected_ordinal=n, verdict="ok", arithmetic=arith, message=f"{arith} ({who})", notes=tuple(notes)
        )
    if n == diff:
        return Claim(**common, expected_ordinal=diff + 1, verdict="ok", arithmetic=arith,
                     message=f"{milestones.group(n)} days have passed since {who} ({R} − {anchor.gregorian}); "
                             f"counting the event day as day 1 makes {R} day {milestones.group(diff + 1)}",
                     notes=tuple(notes))  # fmt: skip
    due = anchor.gregorian + timedelta(days=n - 1) if n >= 1 else None
    when = f"; day {milestones.group(n)} is {due.isoformat()}" if due else ""
    return Claim(**common, expected_ordinal=diff + 1, verdict="wrong", arithmetic=arith,
                 message=f"should be day {milestones.group(diff + 1)}, not {milestones.group(n)}: {arith}{when}",
                 notes=tuple(notes))  # fmt: skip


def summarize(claims: Sequence[Claim]) -> str:
    """ "3 claims: 2 ok, 1 wrong." — counts in a fixed order."""
    if not claims:
        return "No anniversary claims found."
    counts: dict[str, int] = {}
    for c in claims:
        counts[c.verdict] = counts.get(c.verdict, 0) + 1
    parts = [f"{counts[v]} {v}" for v in ("ok", "wrong", "ambiguous", "unknown") if v in counts]
    noun = "claim" if len(claims) == 1 else "claims"
    return f"{len(claims)} {noun}: {', '.join(parts)}."
