"""Feedback: attendees rate a session after it ends, once each, editable for 7 days; organisers read it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from club.events import services, views
from club.events.models import Feedback
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
    feedback_rows,
    make_session,
    make_week,
    seat,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


def _rate(client, event_session, rating, comment=None):
    data = {"rating": rating} if rating is not None else {}
    if comment is not None:
        data["comment"] = comment
    return client.post(url("events.rate", session_id=event_session.id), data=data, headers=EN)


def _client(app, user):
    member_client = app.test_client()
    login(member_client, user)
    return member_client


@pytest.fixture
def attended(app, monkeypatch):
    """A session that ended an hour ago (frozen clock); one seated attendee, one on the waitlist."""
    event_session = make_session(make_week(), 0, "10:00", "11:00", capacity=1, title="Ascoltare i reclami")
    attendee, waitlisted = make_member(display_name="Anna Verdi"), make_member()
    seat(event_session, attendee, waitlisted)
    attendee_client, waitlisted_client = _client(app, attendee), _client(app, waitlisted)
    clock = {"now": event_session.ends_at + timedelta(hours=1)}
    monkeypatch.setattr(services, "utcnow", lambda: clock["now"])
    monkeypatch.setattr(views, "utcnow", lambda: clock["now"])
    return {
        "session": event_session,
        "attendee": attendee,
        "client": attendee_client,
        "waitlisted_client": waitlisted_client,
        "clock": clock,
    }


def test_an_attendee_rates_a_session_after_it_ends(attended):
    event_session, client = attended["session"], attended["client"]
    page = client.get(url("events.session_detail", session_id=event_session.id), headers=EN)
    assert f'action="{url("events.rate", session_id=event_session.id)}"' in page.text
    response = _rate(client, event_session, "4", "Molto utile")
    assert response.status_code == 302
    [row] = feedback_rows(event_session)
    assert (row.user_id, row.rating, row.comment) == (attended["attendee"].id, 4, "Molto utile")
    assert row.created_at == row.updated_at == attended["clock"]["now"]


def test_the_comment_is_optional(attended):
    assert _rate(attended["client"], attended["session"], "5").status_code == 302
    [row] = feedback_rows(attended["session"])
    assert (row.rating, row.comment) == (5, None)


def test_a_second_rating_edits_the_first(attended):
    event_session, client, clock = attended["session"], attended["client"], attended["clock"]
    _rate(client, event_session, "2", "Così così")
    first_time = clock["now"]
    clock["now"] = event_session.ends_at + timedelta(days=7) - timedelta(seconds=1)  # the last moment
    assert _rate(client, event_session, "5").status_code == 302
    [row] = feedback_rows(event_session)
    assert (row.rating, row.comment) == (5, None)
    assert row.created_at == first_time and row.updated_at == clock["now"]
    page = client.get(url("events.session_detail", session_id=event_session.id), headers=EN)
    assert "Change my rating" in page.text


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(minutes=-1), 409),  # before the end
        (timedelta(hours=-2), 409),  # before the start
        (timedelta(0), 302),  # at the end
        (timedelta(days=7) - timedelta(seconds=1), 302),
        (timedelta(days=7), 409),  # the window has closed
        (timedelta(days=30), 409),
    ],
)
def test_ratings_are_taken_from_the_end_for_seven_days(attended, offset, expected):
    event_session = attended["session"]
    attended["clock"]["now"] = event_session.ends_at + offset
    response = _rate(attended["client"], event_session, "3")
    assert response.status_code == expected
    assert count(Feedback) == (1 if expected == 302 else 0)


def test_a_rating_cannot_be_changed_after_seven_days(attended):
    event_session, client, clock = attended["session"], attended["client"], attended["clock"]
    _rate(client, event_session, "4", "Bene")
    clock["now"] = event_session.ends_at + timedelta(days=8)
    response = _rate(client, event_session, "1", "Ci ho ripensato")
    assert response.status_code == 409
    assert "7 days" in response.text
    [row] = feedback_rows(event_session)
    assert (row.rating, row.comment) == (4, "Bene")
    page = client.get(url("events.session_detail", session_id=event_session.id), headers=EN)
    assert "Your rating: 4 of 5." in page.text
    assert f'action="{url("events.rate", session_id=event_session.id)}"' not in page.text


def test_the_waitlisted_and_other_members_cannot_rate(app, attended):
    event_session = attended["session"]
    assert _rate(attended["waitlisted_client"], event_session, "5").status_code == 403
    assert _rate(_client(app, make_member()), event_session, "5").status_code == 403
    assert _rate(_client(app, make_organiser()), event_session, "5").status_code == 403
    anonymous = _rate(app.test_client(), event_session, "5")
    assert anonymous.status_code == 302 and url("accounts.login") in anonymous.headers["Location"]
    assert count(Feedback) == 0
    page = attended["waitlisted_client"].get(url("events.session_detail", session_id=event_session.id))
    assert f'action="{url("events.rate", session_id=event_session.id)}"' not in page.text


@pytest.mark.parametrize(
    ("rating", "comment"),
    [("0", None), ("6", None), ("x", None), ("", None), (None, None), ("3.5", None), ("-1", None), ("4", "c" * 2001)],
    ids=["zero", "six", "letter", "empty", "missing", "decimal", "negative", "comment too long"],
)
def test_bad_ratings_are_refused(attended, rating, comment):
    event_session, client = attended["session"], attended["client"]
    _rate(client, event_session, "4", "Prima")
    response = _rate(client, event_session, rating, comment)
    assert response.status_code == 400
    [row] = feedback_rows(event_session)
    assert (row.rating, row.comment) == (4, "Prima")


def test_the_service_refuses_out_of_range_ratings_too(app):
    event_session = make_session(make_week(), 0, capacity=3)
    member = make_member()
    seat(event_session, member)
    for rating in (0, 6, -2):
        with pytest.raises(services.EventError) as refused:
            services.give_feedback(event_session, member, rating, None, now=event_session.ends_at)
        assert refused.value.status == 400
    assert count(Feedback) == 0


# -- what organisers read --------------------------------------------------------------------------


def test_summarise_is_average_distribution_and_comments():
    empty = services.summarise([], [])
    assert (empty.count, empty.average, empty.distribution, empty.comments) == (
        0,
        None,
        {1: 0, 2: 0, 3: 0, 4: 0, 5: 0},
        [],
    )
    summary = services.summarise([5, 4, 4, 1], ["a comment"])
    assert summary.count == 4
    assert summary.average == 3.5
    assert summary.distribution == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    assert summary.comments == ["a comment"]
    assert services.summarise([1, 2, 2], []).average == 1.67
    assert services.summarise([5], []).average == 5


def _bars(section: str) -> dict[int, int]:
    rows = re.findall(r'<th scope="row">(\d)</th><td><span class="bar" data-count="(\d+)"', section)
    return {int(value): int(number) for value, number in rows}


def _sections(page: str) -> list[str]:
    return re.findall(r'<section class="card">(.*?)</section>', page, re.S)


def test_organisers_see_average_distribution_and_comments_per_session_and_week(app):
    week = make_week()
    first = make_session(week, 0, "10:00", "11:00", title="Prima sessione")
    second = make_session(week, 1, "10:00", "11:00", title="Seconda sessione")
    make_session(week, 2, "10:00", "11:00", title="Senza voti")
    elsewhere = make_session(make_week(), 0, title="Altra settimana")
    members = [make_member(display_name=f"Socio {n}") for n in range(4)]
    seat(first, *members)
    seat(second, *members[:2])
    seat(elsewhere, members[0])
    for member, rating, comment in zip(members, (5, 4, 4, 1), ("Ottima", None, "Utile", None), strict=True):
        services.give_feedback(first, member, rating, comment, now=first.ends_at)
    services.give_feedback(second, members[0], 2, "Troppo breve", now=second.ends_at)
    services.give_feedback(elsewhere, members[0], 1, "Altrove", now=elsewhere.ends_at)
    from club.extensions import db

    db.session.commit()

    page = _client(app, make_organiser()).get(url("events.feedback", week_id=week.id), headers=EN)
    assert page.status_code == 200
    sections = _sections(page.text)
    assert len(sections) == 4  # the week, then each session
    overall, first_section, second_section, quiet_section = sections
    assert "Average: 3.2 of 5" in overall and "5 ratings" in overall
    assert _bars(overall) == {5: 1, 4: 2, 3: 0, 2: 1, 1: 1}
    assert "Prima sessione" in first_section and "Average: 3.5 of 5" in first_section
    assert _bars(first_section) == {5: 1, 4: 2, 3: 0, 2: 0, 1: 1}
    assert "Ottima" in first_section and "Utile" in first_section and "Socio 0" in first_section
    assert "Average: 2 of 5" in second_section and "Troppo breve" in second_section
    assert "Senza voti" in quiet_section and "No ratings yet." in quiet_section
    assert "Altrove" not in page.text


def test_feedback_report_groups_by_session(app):
    week = make_week()
    first = make_session(week, 0)
    members = [make_member(), make_member()]
    seat(first, *members)
    services.give_feedback(first, members[0], 3, "ok", now=first.ends_at)
    services.give_feedback(first, members[1], 5, None, now=first.ends_at)
    overall, per_session = services.feedback_report(week)
    assert (overall.count, overall.average) == (2, 4.0)
    [(item, summary)] = per_session
    assert item.id == first.id
    assert [row.comment for row in summary.comments] == ["ok"]
