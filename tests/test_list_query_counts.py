"""Every list page runs as many SQL statements with a little data as with a lot (no query per row).

The directory, the case list, the case page and the programme have their own tests beside their
features; these cover the other lists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from club.cases.models import Bookmark, Notification
from club.core.timeutil import utcnow
from club.extensions import db
from tests.case_factories import bulk_cases
from tests.event_factories import make_session, make_week, seat
from tests.factories import make_member, make_organiser
from tests.helpers import login, url


def _counts(client, count_queries, path: str) -> int:
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count


def _grow_cases(member, organiser, count: int) -> None:
    ids = bulk_cases(member, count)
    bulk_cases(member, count, status="submitted")
    now = utcnow()
    db.session.execute(
        insert(Bookmark), [{"case_id": case_id, "user_id": member.id, "created_at": now} for case_id in ids]
    )
    db.session.execute(
        insert(Notification),
        [
            {"user_id": member.id, "kind": "comment", "case_id": case_id, "actor_id": organiser.id, "created_at": now}
            for case_id in ids
        ],
    )
    db.session.commit()


def test_case_lists_do_not_grow_with_the_data(client, app, count_queries):
    member = make_member()
    organiser = make_organiser()
    member_client = app.test_client()
    login(member_client, member)
    login(client, organiser)
    pages = [url("cases.mine"), url("cases.bookmarks"), url("cases.notifications"), url("core.home")]

    _grow_cases(member, organiser, 3)
    small = {path: _counts(member_client, count_queries, path) for path in pages}
    small_moderation = _counts(client, count_queries, url("cases.moderation"))
    _grow_cases(member, organiser, 60)
    large = {path: _counts(member_client, count_queries, path) for path in pages}
    large_moderation = _counts(client, count_queries, url("cases.moderation"))

    assert large == small
    assert large_moderation == small_moderation


def test_event_lists_do_not_grow_with_the_data(client, count_queries):
    member = make_member()
    login(client, member)
    speakers = [make_member() for _ in range(3)]

    def grow(weeks: int) -> None:
        for number in range(weeks):
            week = make_week(starts_on=20 + number * 7)
            for day in range(3):
                event_session = make_session(week, day, speakers=speakers[: 1 + day], capacity=50)
                seat(event_session, member)

    grow(1)
    pages = [url("events.index"), url("events.my_sessions"), url("core.home")]
    small = {path: _counts(client, count_queries, path) for path in pages}
    grow(4)
    large = {path: _counts(client, count_queries, path) for path in pages}
    assert large == small


def test_the_organisers_attendee_list_does_not_grow(client, count_queries):
    organiser = make_organiser()
    login(client, organiser)
    week = make_week(starts_on=30)
    event_session = make_session(week, 0, capacity=500)
    seat(event_session, *[make_member() for _ in range(3)])
    path = url("events.attendees", session_id=event_session.id)
    small = _counts(client, count_queries, path)
    seat(event_session, *[make_member() for _ in range(40)])
    assert _counts(client, count_queries, path) == small
    assert timedelta(0) <= event_session.starts_at - utcnow()
