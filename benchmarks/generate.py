"""Synthetic catalogues for the benchmarks: the same events as anniv records, remind and calendar(1).

``python benchmarks/generate.py --n 10000`` writes, under ``benchmarks/out/n10000/``:

- ``data/*.yaml``: anniv calendar files (several files; ids equal the file names);
- ``remind.rem``: one ``REM Mon DD MSG ...`` line per event (the day the event is kept);
- ``calendar.txt``: one ``MM/DD<TAB>...`` line per event, for ``calendar -f``.

The output depends only on ``--n`` and ``--seed``. Most events have a fixed Gregorian day; a
few are Julian (kept converted or nominal), Korean lunar, kept by a rule, month- or
year-precision, Feb 29, or recent enough for day counts, as in a real newsroom catalogue.
For remind and calendar(1), which know neither Korean lunar dates nor our rules, moving events
are written on the day they are kept in the reference year, so all three tools list the same
number of lines for a window in that year.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

PLACES = (
    "Seoul",
    "Busan",
    "Incheon",
    "Pyongyang",
    "Kaesong",
    "Gwangju",
    "Daegu",
    "Jeju",
    "Wonsan",
    "Hamhung",
    "Beijing",
    "Shanghai",
    "Nanjing",
    "Canton",
    "Tianjin",
    "Harbin",
    "Dalian",
    "Taipei",
    "Hong Kong",
    "Macau",
    "Tokyo",
    "Osaka",
    "Kyoto",
    "Nagasaki",
    "Hiroshima",
    "Yokohama",
    "Sapporo",
    "Vladivostok",
    "Ulaanbaatar",
    "Hanoi",
    "Saigon",
    "Manila",
    "Bangkok",
    "Jakarta",
    "Singapore",
    "Delhi",
    "Calcutta",
    "Paris",
    "London",
    "Berlin",
    "Vienna",
    "Moscow",
    "Petrograd",
    "Geneva",
    "Washington",
    "New York",
    "San Francisco",
    "Potsdam",
)
NOUNS = (
    "Battle",
    "Treaty",
    "Founding",
    "Siege",
    "Uprising",
    "Armistice",
    "Conference",
    "Declaration",
    "Landing",
    "Massacre",
    "Protest",
    "Election",
    "Coronation",
    "Earthquake",
    "Flood",
    "Fire",
    "Strike",
    "Summit",
    "Opening",
    "Crossing",
    "Liberation",
    "Occupation",
    "Referendum",
    "Agreement",
    "Incident",
    "Raid",
)
WHO = (
    "the Provisional Government",
    "student demonstrators",
    "the city council",
    "the National Assembly",
    "the royal court",
    "the expeditionary force",
    "dock workers",
    "the foreign ministry",
    "a naval squadron",
    "the independence movement",
    "the occupying army",
    "the press corps",
    "farmers' unions",
    "the garrison",
)
VERBS = (
    "signed",
    "proclaimed",
    "occupied",
    "abandoned",
    "negotiated",
    "announced",
    "defended",
    "recaptured",
    "opened",
    "closed",
    "rebuilt",
    "commemorated",
    "recognised",
    "rejected",
    "ratified",
    "besieged",
)
TAGS = (
    "war",
    "diplomacy",
    "politics",
    "disaster",
    "culture",
    "science",
    "sport",
    "religion",
    "economy",
    "labour",
    "protest",
    "independence",
    "royalty",
    "navy",
    "army",
    "treaty",
    "korea",
    "china",
    "japan",
    "russia",
    "united-states",
    "europe",
    "media",
    "education",
    "health",
    "transport",
    "architecture",
    "law",
)
PUBLISHERS = (
    "Encyclopaedia Britannica",
    "Yonhap News Agency",
    "National Institute of Korean History",
    "The Korea Herald",
    "Xinhua",
    "Kyodo News",
    "BBC News",
    "Associated Press",
    "Reuters",
    "Library of Congress",
    "The National Archives",
    "Korea JoongAng Daily",
    "South China Morning Post",
    "The Japan Times",
    "Wikipedia",
)
ADJS = (
    "First",
    "Second",
    "Third",
    "Great",
    "Last",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Bloody",
    "Silent",
    "Little",
    "Grand",
    "Winter",
    "Summer",
    "Spring",
    "Autumn",
    "Early",
    "Late",
    "Secret",
    "Public",
    "Provisional",
    "Joint",
    "Naval",
    "Civic",
    "Royal",
    "Student",
    "Workers",
    "Harbour",
    "Border",
)
QUARTERS = (
    "East Gate",
    "West Gate",
    "Old Town",
    "the harbour",
    "the river bank",
    "Central Station",
    "the palace",
    "the cathedral",
    "the university",
    "the market",
    "North Hill",
    "South Bridge",
    "the arsenal",
    "the customs house",
    "the legation quarter",
    "the shipyard",
    "the mint",
    "the old fort",
    "the racecourse",
    "the lighthouse",
    "Pine Street",
    "Willow Lane",
    "Bell Tower",
    "Lotus Pond",
    "Jade Square",
    "Crane Island",
    "Iron Bridge",
)
KO_WORDS = ("전투", "조약", "창립", "봉기", "선언", "회담", "해방", "지진", "화재", "선거", "개통", "협정")
RULES = (
    ("last MO of 05", (5, 25, 0)),
    ("2nd SU of 05", (5, 8, 6)),
    ("1st MO after 09-01", (9, 2, 0)),
    ("3rd TH of 11", (11, 15, 3)),
)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str) -> bool:
    return (
        text[0].isalpha()
        and not any(c in text for c in ":#'\"[]{},&*!|>%@`")
        and text.lower() not in ("yes", "no", "on", "off", "true", "false", "null")
    )


def _scalar(text: str) -> str:
    return text if _plain_ok(text) else _q(text)


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _rule_day(rule: tuple[int, int, int], year: int) -> date:
    """First weekday ``wd`` on or after ``month-day`` (how our four rules are written)."""
    month, day, wd = rule
    d = date(year, month, day)
    return d + timedelta(days=(wd - d.weekday()) % 7)


class Generator:
    def __init__(self, n: int, seed: int, ref: date) -> None:
        self.n = n
        self.rng = random.Random(seed * 1_000_003 + n)
        self.ref = ref

    def event(self, i: int) -> tuple[str, str, tuple[int, int] | None]:
        """One record as YAML lines, its display title, and the (month, day) remind/calendar(1) use."""
        r = self.rng
        noun, place = r.choice(NOUNS), r.choice(PLACES)
        where = f"{r.choice(QUARTERS)}, {place}" if r.random() < 0.6 else place
        title = f"{r.choice(ADJS)} {noun.lower()} of {where}" if r.random() < 0.7 else f"{where} {noun.lower()}"
        eid = f"e{i:06d}-{noun.lower()}-{place.lower().replace(' ', '-')}"
        kind = r.random()
        lines = [f"  - id: {eid}", f"    title: {_scalar(title)}"]
        year = r.choice((r.randint(1392, 2022), r.randint(1800, 2022), r.randint(1900, 2022)))
        month, day = r.randint(1, 12), r.randint(1, 28)
        md: tuple[int, int] | None = (month, day)
        extra: list[str] = []
        if kind < 0.005:  # Julian, kept converted or nominal
            year = r.randint(1600, 1917)
            on = r.choice(("converted", "nominal"))
            lines.append(f"    date: {year:04d}-{month:02d}-{day:02d}")
            extra += ["    calendar: julian", "    observed:", f"      on: {on}"]
            if on == "converted":
                from anniv.dates import julian_to_gregorian  # held to convertdate by the tests

                _, gm, gd = julian_to_gregorian(year, month, day)
                md = (gm, gd)
        elif kind < 0.008:  # Korean lunar
            year = r.randint(1392, 2000)
            lines.append(f"    date: {year:04d}-{month:02d}-{day:02d}")
            extra.append("    calendar: korean-lunar")
            from anniv.dates import lunar_to_gregorian  # KASI's tables, held to the library by the tests

            kept = lunar_to_gregorian(self.ref.year, month, day)
            md = (kept.month, kept.day)
        elif kind < 0.010:  # kept by a rule
            text, rule = r.choice(RULES)
            lines.append(f"    date: {year:04d}-{month:02d}-{day:02d}")
            extra += ["    observed:", f"      rule: {text}", "      note: Kept on a weekday, as the law says."]
            kept = _rule_day(rule, self.ref.year)
            md = (kept.month, kept.day)
        elif kind < 0.018:  # month precision
            lines.append(f"    date: {year:04d}-{month:02d}")
            md = (month, 1)
        elif kind < 0.020:  # year precision
            lines.append(f"    date: '{year:04d}'")
            md = (1, 1)
        elif kind < 0.022:  # BCE
            year = -r.randint(1, 800)
            lines.append(f"    date: -{-year:04d}-{month:02d}-{day:02d}")
        elif kind < 0.025:  # Feb 29
            year = r.choice([y for y in range(1904, 2021, 4)])
            lines.append(f"    date: {year:04d}-02-29")
            md = (2, 29) if _leap(self.ref.year) else (2, 28)
        elif kind < 0.030:  # recent, with day counts
            d = self.ref - timedelta(days=r.randint(20, 1000))
            year = d.year
            lines.append(f"    date: {d.isoformat()}")
            md = (d.month, d.day)
            if r.random() < 0.5:
                extra.append("    milestones: {days: true}")
        else:
            day = r.randint(1, 31 if month in (1, 3, 5, 7, 8, 10, 12) else 30 if month != 2 else 28)
            md = (month, day)
            lines.append(
                f"    date: {year:04d}-{month:02d}-{day:02d}"
                if r.random() < 0.8
                else f"    date: '{year:04d}-{month:02d}-{day:02d}'"
            )
        lines += extra
        if r.random() < 0.1:
            lines += ["    aliases:", f"      - {_scalar(place + ' ' + noun + ' of ' + str(abs(year)))}"]
        if r.random() < 0.15:
            lines += ["    titles:", f"      ko: {r.choice(KO_WORDS)} {r.choice(KO_WORDS)}"]
        who, verb = r.choice(WHO), r.choice(VERBS)
        summary = f"In {place}, {who} {verb} what became known as the {title.lower()}; the event shaped the region for decades."
        lines.append(f"    summary: {_q(summary)}")
        tags = sorted(set(r.sample(TAGS, r.randint(1, 4))))
        lines.append(f"    tags: [{', '.join(tags)}]")
        if r.random() < 0.5:
            lines += ["    places:", f"      - {place}"]
        if r.random() < 0.3:
            lines.append(f"    importance: {r.choice((1, 3))}")
        lines.append("    sources:")
        for _ in range(r.choice((1, 1, 2, 3))):
            pub = r.choice(PUBLISHERS)
            slug = title.lower().replace(" ", "-")
            lines += [
                f"      - title: {_scalar(title + ' (' + pub + ')')}",
                f"        publisher: {pub}",
                f"        url: https://example.org/{r.randint(1, 10**6)}/{slug}",
                f"        note: {_q('confirms the date, ' + str(abs(year)) + ', and the place')}",
            ]
        if r.random() < 0.05 and 0 < year < 1995 and "julian" not in "".join(extra):
            nth = r.choice([k for k in (25, 50, 75, 100, 150, 200, 250, 300, 400, 500) if year + k <= 2024] or [25])
            if year + nth <= 2024:
                lines += [
                    "    commemorations:",
                    f"      - date: {year + nth:04d}-{month:02d}",
                    f"        anniversary: {nth}",
                    f"        what: {_q('Ceremony in ' + place + ' marking the anniversary, attended by ' + who + '.')}",
                    "        by: [" + _q(r.choice(WHO).capitalize()) + "]",
                    f"        place: {place}",
                    "        sources:",
                    f"          - title: {_scalar(place + ' marks the anniversary')}",
                    f"            publisher: {r.choice(PUBLISHERS)}",
                ]
        if r.random() < 0.05:
            lines.append(
                f"    notes: {_q('Dates differ between ' + r.choice(PUBLISHERS) + ' and ' + r.choice(PUBLISHERS) + '; this record follows the first.')}"
            )
        label = f"{title} ({year})" if year > 0 else f"{title} ({1 - year} BC)"
        return "\n".join(lines) + "\n", label, md


def generate(n: int, seed: int, ref: date, out: Path) -> Path:
    """Write the catalogue of ``n`` events and its remind/calendar(1) twins; return the folder."""
    folder = out / f"n{n}"
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    for old in data.glob("*.yaml"):
        old.unlink()
    files = max(4, n // 2500)
    gen = Generator(n, seed, ref)
    chunks: list[list[str]] = [[] for _ in range(files)]
    rem: list[str] = ["# generated by benchmarks/generate.py; one line per anniv event"]
    cal: list[str] = ["LANG=C.UTF-8"]
    for i in range(n):
        text, label, md = gen.event(i)
        chunks[i * files // n].append(text)
        if md is not None:
            m, d = md
            rem.append(f"REM {MONTHS[m - 1]} {d} MSG {label}")
            cal.append(f"{m:02d}/{d:02d}\t{label}")
    for k, events in enumerate(chunks):
        cid = f"synthetic-{k:02d}"
        head = (
            f"# Synthetic calendar {k + 1} of {files} ({len(events)} events), generated with seed {seed}.\n"
            f"calendar:\n  id: {cid}\n  name: Synthetic calendar {k + 1}\n"
            f"  description: Generated records for the anniv benchmarks; not history.\n"
            "events:\n"
        )
        (data / f"{cid}.yaml").write_text(head + "\n".join(events), encoding="utf-8")
    (folder / "remind.rem").write_text("\n".join(rem) + "\n", encoding="utf-8")
    (folder / "calendar.txt").write_text("\n".join(cal) + "\n", encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, action="append", help="number of events (repeatable; default 1000, 10000, 100000)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date(2025, 10, 1),
        help="reference day for recent events and moving days",
    )
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    for n in args.n or (1000, 10000, 100000):
        folder = generate(n, args.seed, args.today, args.out)
        print(f"{n} events -> {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
