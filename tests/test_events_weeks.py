"""Event weeks: organisers create and edit them, bad input changes nothing, drafts stay hidden."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from club.events.models import EventSession, EventWeek
from club.extensions import db
from tests.case_factories import image_bytes
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
    make_session,
    make_week,
    reload,
    week_form_data,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


@pytest.fixture
def organiser_client(client):
    login(client, make_organiser())
    return client


def _week_state(week_id: int) -> dict:
    week = reload(EventWeek, week_id)
    return {
        column.key: getattr(week, column.key) for column in EventWeek.__table__.columns if column.key != "created_at"
    }


# -- create and edit -------------------------------------------------------------------------------


def test_organiser_creates_a_week(organiser_client):
    response = organiser_client.post(
        url("events.new_week"),
        data=week_form_data(themes="  resilienza \n\nrelazione\nrelazione\nrecupero\n", online="y"),
    )
    assert response.status_code == 302
    week = db.session.scalars(select(EventWeek)).one()
    assert response.headers["Location"].endswith(url("events.week", week_id=week.id))
    assert week.title == "Settimana Relazione Esperienza Cliente"
    assert week.themes == ["resilienza", "relazione", "recupero"]  # one per line, trimmed, no repeats
    assert (week.starts_on, week.ends_on) == (date(2031, 6, 9), date(2031, 6, 13))
    assert week.place == "Milano" and week.online is True
    assert week.status == "published"
    assert organiser_client.get(url("events.week", week_id=week.id)).status_code == 200


def test_online_only_and_place_only_weeks_are_accepted(organiser_client):
    assert organiser_client.post(url("events.new_week"), data=week_form_data(place="", online="y")).status_code == 302
    assert organiser_client.post(url("events.new_week"), data=week_form_data(title="In presenza")).status_code == 302
    weeks = {week.title: week for week in db.session.scalars(select(EventWeek))}
    assert weeks["Settimana Relazione Esperienza Cliente"].place is None
    assert weeks["Settimana Relazione Esperienza Cliente"].online is True
    assert weeks["In presenza"].online is False


def test_a_week_of_exactly_fourteen_days_is_accepted(organiser_client):
    response = organiser_client.post(url("events.new_week"), data=week_form_data(ends_on="2031-06-22"))
    assert response.status_code == 302


def test_organiser_edits_a_week(organiser_client):
    week = make_week(status="draft")
    form = organiser_client.get(url("events.edit_week", week_id=week.id), headers=EN)
    assert form.status_code == 200
    assert "resilienza\nrelazione\nrecupero" in form.get_data(as_text=True)
    response = organiser_client.post(
        url("events.edit_week", week_id=week.id),
        data=week_form_data(
            title="Nuovo titolo",
            themes="ascolto\nfiducia",
            starts_on="2031-06-10",
            ends_on="2031-06-11",
            place="",
            online="y",
            status="archived",
        ),
    )
    assert response.status_code == 302
    state = _week_state(week.id)
    assert state["title"] == "Nuovo titolo"
    assert state["themes"] == ["ascolto", "fiducia"]
    assert (state["starts_on"], state["ends_on"]) == (date(2031, 6, 10), date(2031, 6, 11))
    assert state["place"] is None and state["online"] is True
    assert state["status"] == "archived"


def test_new_dates_may_not_leave_sessions_outside_the_week(organiser_client):
    week = make_week()  # 9-13 June 2031
    make_session(week, 4)
    before = _week_state(week.id)
    response = organiser_client.post(
        url("events.edit_week", week_id=week.id), data=week_form_data(ends_on="2031-06-12"), headers=EN
    )
    assert response.status_code == 400
    assert "outside the new dates" in response.get_data(as_text=True)
    assert _week_state(week.id) == before


# -- bad input -------------------------------------------------------------------------------------

BAD_WEEKS = {
    "title missing": {"title": None},
    "title empty": {"title": "   "},
    "title too short": {"title": "ab"},
    "title too long": {"title": "x" * 201},
    "more than 8 themes": {"themes": "\n".join(f"tema {n}" for n in range(9))},
    "a theme too long": {"themes": "ok\n" + "t" * 81},
    "themes too long": {"themes": "t" * 1001},
    "description too long": {"description": "d" * 20_001},
    "control character": {"title": "Settimana\x00"},
    "start missing": {"starts_on": None},
    "start not a date": {"starts_on": "2031-13-40"},
    "end missing": {"ends_on": None},
    "end not a date": {"ends_on": "domani"},
    "end before start": {"ends_on": "2031-06-08"},
    "more than 14 days": {"ends_on": "2031-06-23"},
    "neither place nor online": {"place": ""},
    "place too long": {"place": "p" * 201},
    "bad status": {"status": "secret"},
    "status missing": {"status": None},
}


@pytest.mark.parametrize("overrides", BAD_WEEKS.values(), ids=BAD_WEEKS.keys())
def test_bad_input_on_the_new_week_form_is_refused(organiser_client, overrides):
    response = organiser_client.post(url("events.new_week"), data=week_form_data(**overrides), headers=EN)
    assert response.status_code == 400
    assert count(EventWeek) == 0


@pytest.mark.parametrize("overrides", BAD_WEEKS.values(), ids=BAD_WEEKS.keys())
def test_bad_input_on_the_edit_week_form_changes_nothing(organiser_client, overrides):
    week = make_week(status="draft", place="Torino")
    before = _week_state(week.id)
    response = organiser_client.post(
        url("events.edit_week", week_id=week.id), data=week_form_data(**overrides), headers=EN
    )
    assert response.status_code == 400
    assert _week_state(week.id) == before


def test_the_refusal_says_why(organiser_client):
    response = organiser_client.post(url("events.new_week"), data=week_form_data(ends_on="2031-06-23"), headers=EN)
    assert "at most two weeks" in response.get_data(as_text=True)
    response = organiser_client.post(url("events.new_week"), data=week_form_data(place=""), headers=EN)
    assert "or that it is online" in response.get_data(as_text=True)


# -- the cover image -------------------------------------------------------------------------------


def test_organiser_uploads_a_cover_and_it_is_served(organiser_client, client):
    week = make_week()
    response = organiser_client.post(
        url("events.upload_week_cover", week_id=week.id),
        data={"cover": (io.BytesIO(image_bytes("JPEG", (1600, 900))), "cover.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    name = reload(EventWeek, week.id).cover_filename
    assert name and name.endswith(".webp")
    image = organiser_client.get(url("events.cover", name=name))
    assert image.status_code == 200 and image.mimetype == "image/webp"


@pytest.mark.parametrize(
    "upload",
    [
        None,
        (b"not an image at all", "cover.png"),
        (b"", "empty.png"),
    ],
    ids=["no file", "not an image", "empty file"],
)
def test_bad_cover_uploads_are_refused(organiser_client, upload):
    week = make_week()
    data = {} if upload is None else {"cover": (io.BytesIO(upload[0]), upload[1])}
    response = organiser_client.post(
        url("events.upload_week_cover", week_id=week.id), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert reload(EventWeek, week.id).cover_filename is None


# -- who sees what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_unpublished_weeks_are_hidden_from_members_and_the_public(app, status):
    week = make_week(title="Settimana nascosta", status=status)
    event_session = make_session(week, 0, title="Sessione nascosta")
    member, organiser = make_member(), make_organiser()
    anonymous, member_client, organiser_client = app.test_client(), app.test_client(), app.test_client()
    login(member_client, member)
    login(organiser_client, organiser)
    paths = [
        url("events.week", week_id=week.id),
        url("events.week_calendar", week_id=week.id),
        url("events.session_detail", session_id=event_session.id),
        url("events.session_calendar", session_id=event_session.id),
    ]
    for path in paths:
        assert anonymous.get(path).status_code == 404, path
        assert member_client.get(path).status_code == 404, path
        assert organiser_client.get(path).status_code == 200, path
    for who in (anonymous, member_client):
        page = who.get(url("events.index"), headers=EN).get_data(as_text=True)
        assert "Settimana nascosta" not in page
        assert "Sessione nascosta" not in page
    assert "Settimana nascosta" in organiser_client.get(url("events.index"), headers=EN).get_data(as_text=True)


def test_published_weeks_are_visible_to_everyone(app):
    week = make_week(title="Settimana aperta")
    event_session = make_session(week, 1, title="Sessione aperta")
    member_client = app.test_client()
    login(member_client, make_member())
    for who in (app.test_client(), member_client):
        assert "Settimana aperta" in who.get(url("events.index"), headers=EN).get_data(as_text=True)
        assert "Sessione aperta" in who.get(url("events.week", week_id=week.id), headers=EN).get_data(as_text=True)
        assert who.get(url("events.session_detail", session_id=event_session.id)).status_code == 200
        assert who.get(url("events.session_calendar", session_id=event_session.id)).status_code == 200


def test_the_cover_of_a_draft_week_is_hidden(app, organiser_client):
    week = make_week(status="draft")
    organiser_client.post(
        url("events.upload_week_cover", week_id=week.id),
        data={"cover": (io.BytesIO(image_bytes()), "cover.png")},
        content_type="multipart/form-data",
    )
    name = reload(EventWeek, week.id).cover_filename
    assert name
    assert organiser_client.get(url("events.cover", name=name)).status_code == 200
    member_client = app.test_client()
    login(member_client, make_member())
    assert member_client.get(url("events.cover", name=name)).status_code == 404
    assert app.test_client().get(url("events.cover", name=name)).status_code == 404


def test_unknown_week_and_session_are_404(client):
    assert client.get(url("events.week", week_id=999)).status_code == 404
    assert client.get(url("events.session_detail", session_id=999)).status_code == 404
    assert client.get(url("events.session_calendar", session_id=999)).status_code == 404
    assert count(EventSession) == 0
