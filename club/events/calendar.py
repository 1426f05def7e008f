"""iCalendar (RFC 5545) files of sessions, with Europe/Rome times and their time-zone definition."""

from __future__ import annotations

from icalendar import Calendar, Event

from club.core.markdown import markdown_to_text
from club.core.timeutil import ROME, utcnow


def build(name: str, sessions, url_for_session, *, show_online_url=lambda session: False) -> bytes:
    """A calendar of the sessions; url_for_session(session) gives each event's absolute page link."""
    calendar = Calendar()
    calendar.add("prodid", "-//Club Esperienza Cliente//Programme//IT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Rome")
    stamp = utcnow()
    for session in sessions:
        event = Event()
        event.add("uid", f"session-{session.id}@club-esperienza-cliente")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(ROME))
        event.add("dtend", session.ends_at.astimezone(ROME))
        event.add("summary", session.title)
        link = url_for_session(session)
        description = markdown_to_text(session.description)
        event.add("description", f"{description}\n\n{link}".strip())
        event.add("url", link)
        location = session.room or ""
        if session.online_url and show_online_url(session):
            location = f"{location} {session.online_url}".strip()
        if location:
            event.add("location", location)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
