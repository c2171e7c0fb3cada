"""The reference build of a feed through icalendar's component model.

anniv writes feeds by string assembly (``anniv.ics``) for speed; this module builds the same
feed object by object so tests and benchmarks can compare the bytes. It is never on a hot path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from anniv import ics


def build(name: str, desc: str, entries: list[ics.Entry]) -> bytes:
    """The same feed through icalendar's component model. NAME and the X-WR-* properties are
    handed over as vText: icalendar 7.3 types them as UNKNOWN and would not escape them."""
    from icalendar import Alarm, Calendar, Event, Timezone, TimezoneStandard, vDuration, vText

    cal = Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", ics.PRODID)
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.add("NAME", vText(name))
    cal.add("X-WR-CALNAME", vText(name))
    cal.add("DESCRIPTION", desc)
    cal.add("X-WR-CALDESC", vText(desc))
    cal.add("REFRESH-INTERVAL", timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(timedelta(days=1)))
    for e in entries:
        ev = Event()
        ev.add("SUMMARY", e.summary)
        ev.add("DTSTART", e.start)
        ev.add("DTEND", e.end)
        s = e.facts.stamp
        ev.add("DTSTAMP", datetime(s.year, s.month, s.day, tzinfo=UTC))
        ev.add("UID", e.uid)
        ev.add("SEQUENCE", e.facts.sequence)
        if e.facts.categories:
            ev.add("CATEGORIES", list(e.facts.categories))
        ev.add("DESCRIPTION", e.facts.description)
        ev.add("TRANSP", "TRANSPARENT")
        if e.facts.url:
            ev.add("URL", e.facts.url)
        if e.alarm_days is not None:
            alarm = Alarm()
            alarm.add("ACTION", "DISPLAY")
            alarm.add("DESCRIPTION", e.summary)
            alarm.add("TRIGGER", timedelta(days=-e.alarm_days))
            ev.add_component(alarm)
        cal.add_component(ev)
    if not entries:  # RFC 5545: at least one component; anniv puts a UTC definition there
        tz = Timezone()
        tz.add("TZID", "UTC")
        standard = TimezoneStandard()
        standard.add("DTSTART", datetime(1970, 1, 1))
        standard.add("TZNAME", "UTC")
        standard.add("TZOFFSETFROM", timedelta(0))
        standard.add("TZOFFSETTO", timedelta(0))
        tz.add_component(standard)
        cal.add_component(tz)
    cal.validate()  # type: ignore[no-untyped-call]
    return bytes(cal.to_ical())
