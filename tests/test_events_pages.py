"""The pages: the programme grouped by day with its filters, the session page, the speaker's profile."""

from __future__ import annotations

import re

import pytest

from club.events.models import EventSession
from club.extensions import db
from tests.case_factories import make_case
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    make_session,
    make_week,
    reload,
    seat,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}
_DAY_SECTION = re.compile(r'<section class="programme-day"(.*?)</section>', re.S)
_TITLE = re.compile(r'class="session-row__title"><a href="/events/sessions/(\d+)">([^<]*)</a>')


def programme_days(response) -> list[list[str]]:
    """The session titles of the programme page, one list per day section, in page order."""
    assert response.status_code == 200, response.status_code
    return [[title for _id, title in _TITLE.findall(section)] for section in _DAY_SECTION.findall(response.text)]


@pytest.fixture
def programme(app):
    week = make_week(themes=["resilienza", "relazione"])
    # Made out of order on purpose: the page sorts them.
    make_session(week, 2, "09:00", "10:00", title="Giorno3 workshop", kind="workshop", theme="relazione")
    make_session(week, 0, "14:00", "15:00", title="Giorno1 pomeriggio", kind="panel", theme="resilienza")
    make_session(week, 0, "09:00", "10:00", title="Giorno1 mattina", kind="testimonial", theme="relazione")
    make_session(week, 4, "18:00", "20:00", title="Giorno5 premiazione", kind="award_ceremony")
    return week


def test_the_programme_is_grouped_by_day_in_time_order(client, programme):
    response = client.get(url("events.week", week_id=programme.id), headers=EN)
    assert programme_days(response) == [
        ["Giorno1 mattina", "Giorno1 pomeriggio"],
        ["Giorno3 workshop"],
        ["Giorno5 premiazione"],
    ]
    page = response.text
    assert (
        page.index("Monday, June 9, 2031")
        < page.index("Wednesday, June 11, 2031")
        < page.index("Friday, June 13, 2031")
    )


def test_a_late_evening_session_belongs_to_its_rome_day(client):
    week = make_week()
    make_session(week, 0, "23:30", "23:59", title="Tarda sera")  # 21:30 UTC, still Monday in Rome
    make_session(week, 1, "00:30", "01:30", title="Dopo mezzanotte")  # 22:30 UTC on Monday, Tuesday in Rome
    assert programme_days(client.get(url("events.week", week_id=week.id), headers=EN)) == [
        ["Tarda sera"],
        ["Dopo mezzanotte"],
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"theme": "relazione"}, [["Giorno1 mattina"], ["Giorno3 workshop"]]),
        ({"theme": "resilienza"}, [["Giorno1 pomeriggio"]]),
        ({"kind": "panel"}, [["Giorno1 pomeriggio"]]),
        ({"kind": "award_ceremony"}, [["Giorno5 premiazione"]]),
        ({"theme": "relazione", "kind": "workshop"}, [["Giorno3 workshop"]]),
        ({"theme": "resilienza", "kind": "workshop"}, []),
        (
            {"theme": "", "kind": ""},
            [["Giorno1 mattina", "Giorno1 pomeriggio"], ["Giorno3 workshop"], ["Giorno5 premiazione"]],
        ),
    ],
)
def test_the_programme_filters_by_theme_and_type(client, programme, query, expected):
    response = client.get(url("events.week", week_id=programme.id, **query), headers=EN)
    assert programme_days(response) == expected


@pytest.mark.parametrize("query", [{"theme": "sconosciuto"}, {"kind": "concert"}])
def test_unknown_filter_values_are_a_bad_request(client, programme, query):
    assert client.get(url("events.week", week_id=programme.id, **query)).status_code == 400


def test_the_session_page_shows_speakers_cases_and_seats(client):
    speaker = make_member(display_name="Giulia Bianchi")
    case = make_case(make_member(), title="Reclami risolti in un giorno")
    week = make_week()
    event_session = make_session(
        week,
        1,
        title="La relazione che cura",
        kind="panel",
        theme="relazione",
        capacity=10,
        speakers=[speaker, ("Mario Rossi", "Telco Spa")],
        cases=[case],
    )
    seat(event_session, make_member(), make_member())
    response = client.get(url("events.session_detail", session_id=event_session.id), headers=EN)
    assert response.status_code == 200
    page = response.text
    assert "La relazione che cura" in page
    assert f'href="{url("members.profile", user_id=speaker.id)}">Giulia Bianchi</a>' in page
    assert "Mario Rossi" in page and "Telco Spa" in page
    assert f'href="{url("cases.detail", case_id=case.id)}">Reclami risolti in un giorno</a>' in page
    assert "Places: 2 of 10 taken" in page
    assert "Tuesday, June 10, 2031" in page


def test_the_week_page_shows_places_left_and_full(client):
    week = make_week()
    open_session = make_session(week, 0, capacity=3, title="Aperta")
    full_session = make_session(week, 1, capacity=1, title="Piena")
    seat(open_session, make_member())
    seat(full_session, make_member(), make_member())
    page = client.get(url("events.week", week_id=week.id), headers=EN).text
    assert "2 places left" in page
    assert "Full: waitlist open" in page


# -- the online link -------------------------------------------------------------------------------

LINK = "https://meet.example.com/segreto-123"


def test_the_online_link_is_shown_only_to_registered_members(app):
    week = make_week(online=True)
    event_session = make_session(week, 0, room="Sala Verdi", online_url=LINK, capacity=1)
    registered, waitlisted, other = make_member(), make_member(), make_member()
    seat(event_session, registered, waitlisted)
    path = url("events.session_detail", session_id=event_session.id)
    pages = {}
    for name, user in (("registered", registered), ("waitlisted", waitlisted), ("other", other), ("anonymous", None)):
        member_client = app.test_client()
        if user is not None:
            login(member_client, user)
        pages[name] = member_client.get(path, headers=EN)
        assert pages[name].status_code == 200
    assert LINK in pages["registered"].text
    for name in ("waitlisted", "other", "anonymous"):
        assert LINK not in pages[name].text, name
        assert "segreto-123" not in pages[name].text, name
    assert "You are on the waitlist" in pages["waitlisted"].text
    # Neither in the public calendar files.
    assert LINK not in app.test_client().get(url("events.session_calendar", session_id=event_session.id)).text
    assert LINK not in app.test_client().get(url("events.week_calendar", week_id=week.id)).text


# -- the speaker's profile -------------------------------------------------------------------------


def test_a_speakers_sessions_are_on_their_profile(client):
    speaker = make_member(display_name="Giulia Bianchi")
    published = make_week(title="Settimana pubblica")
    draft = make_week(title="Settimana in bozza", status="draft")
    make_session(published, 0, title="Parla in pubblico", speakers=[speaker])
    make_session(published, 1, title="Non parla qui", speakers=[("Ospite", None)])
    make_session(draft, 0, title="Parla in bozza", speakers=[speaker])
    page = client.get(url("members.profile", user_id=speaker.id), headers=EN)
    assert page.status_code == 200
    assert "Parla in pubblico" in page.text
    assert "Settimana pubblica" in page.text
    assert "Parla in bozza" not in page.text
    assert "Non parla qui" not in page.text


def test_a_member_who_speaks_nowhere_has_no_speaker_section(client):
    member = make_member()
    page = client.get(url("members.profile", user_id=member.id), headers=EN)
    assert page.status_code == 200
    assert 'id="speaker-heading"' not in page.text


# -- the programme's queries do not grow with it --------------------------------------------------


def _fill(week, sessions: int) -> None:
    members = [make_member() for _ in range(3)]
    for n in range(sessions):
        event_session = make_session(
            week,
            n % 5,
            f"{8 + n // 5 % 12:02d}:00",
            f"{8 + n // 5 % 12:02d}:50",
            capacity=5,
            theme="relazione",
            speakers=[members[n % 3], (f"Ospite {n}", "Org")],
        )
        if n % 2:
            seat(event_session, members[(n + 1) % 3])


@pytest.mark.parametrize("as_who", ["anonymous", "member", "organiser"])
def test_the_programme_page_runs_as_many_queries_with_5_or_50_sessions(app, count_queries, as_who):
    small, large = make_week(), make_week()
    _fill(small, 5)
    _fill(large, 50)
    viewer = app.test_client()
    if as_who != "anonymous":
        login(viewer, make_member() if as_who == "member" else make_organiser())
    counts = []
    for week, sessions in ((small, 5), (large, 50)):
        path = url("events.week", week_id=week.id)
        viewer.get(path)  # warm up (login's first request, caches)
        with count_queries() as counter:
            response = viewer.get(path, headers=EN)
        assert sum(len(day) for day in programme_days(response)) == sessions
        counts.append(counter)
    assert counts[0].count == counts[1].count, f"5 sessions: {counts[0]}\n50 sessions: {counts[1]}"
    db.session.rollback()


# -- linked case studies ---------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["members-only case, anonymous visitor", "case archived after linking"])
def test_the_session_page_lists_only_the_linked_cases_the_visitor_may_see(app, change):
    members_only = "members" in change
    case = make_case(make_member(), title="Caso da non mostrare", visibility="members" if members_only else "public")
    shown = make_case(make_member(), title="Caso pubblico")
    event_session = make_session(make_week(), 0, cases=[case, shown])
    viewer = app.test_client()
    if not members_only:
        case.status = "archived"
        db.session.commit()
        login(viewer, make_member())
    page = viewer.get(url("events.session_detail", session_id=event_session.id), headers=EN)
    assert page.status_code == 200
    assert "Caso da non mostrare" not in page.text
    assert "Caso pubblico" in page.text
    # Only the page changed: the link itself stays, for the organisers.
    assert len(reload(EventSession, event_session.id).cases) == 2


def test_members_see_the_members_only_cases_of_a_session(app):
    case = make_case(make_member(), title="Caso per i soci", visibility="members")
    event_session = make_session(make_week(), 0, cases=[case])
    viewer = app.test_client()
    login(viewer, make_member())
    assert "Caso per i soci" in viewer.get(url("events.session_detail", session_id=event_session.id)).text
