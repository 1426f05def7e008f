"""The organisers' digest pages: the subscriber list with search and reach, starting a cycle, a
subscriber's send log and next-digest preview; closed to members and to anonymous visitors."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from club.core.security import EMAIL_PAGE_POLICY
from club.core.timeutil import utcnow
from club.digests import schedule, services
from tests.case_factories import make_case
from tests.digest_factories import (
    cycle,
    cycles,
    drain_to_memory,
    make_author,
    make_subscriber,
    member_subscriber,
    outbox_rows,
    reload_subscriber,
    runs,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


@pytest.fixture
def organiser_client(app):
    """A signed-in organiser, who has the digest off (so the counts are only the test's subscribers)."""
    organiser = make_organiser(locale="en")
    member_subscriber(organiser, "off")
    organiser_client = app.test_client()
    login(organiser_client, organiser)
    return organiser_client


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _squeezed(response) -> str:
    return " ".join(_text(response).split())


def _listed(response) -> list[str]:
    """The e-mail addresses of the subscriber table, in order."""
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', response.get_data(as_text=True))


# -- who may see ------------------------------------------------------------------------------------


def _pages(subscriber_id: int):
    return [
        ("get", url("digests.admin")),
        ("get", url("digests.subscriber_log", subscriber_id=subscriber_id)),
        ("get", url("digests.preview", subscriber_id=subscriber_id)),
        ("post", url("digests.start_cycle")),
    ]


def test_the_pages_are_for_organisers_only(app, client):
    subscriber = make_subscriber("ext@example.org")
    for method, path in _pages(subscriber.id):
        response = getattr(client, method)(path, data={"frequency": "weekly"} if method == "post" else None)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    login(client, make_member())
    for method, path in _pages(subscriber.id):
        response = getattr(client, method)(path, data={"frequency": "weekly"} if method == "post" else None)
        assert response.status_code == 403, path
    assert cycles() == [] and runs() == []


def test_an_unknown_subscriber_is_404(organiser_client):
    assert organiser_client.get(url("digests.subscriber_log", subscriber_id=999)).status_code == 404
    assert organiser_client.get(url("digests.preview", subscriber_id=999)).status_code == 404


# -- the list --------------------------------------------------------------------------------------


def test_the_list_shows_every_subscriber_and_the_reach(app, organiser_client):
    member = make_member(email="maria@example.org")
    member_subscriber(member, "daily", "en")
    make_subscriber("ext@example.org", locale="en")
    make_subscriber("bouncing@example.org", bounce_count=3)
    make_subscriber("waiting@example.org", confirmed=False)
    make_subscriber("left@example.org", frequency="off")
    make_subscriber("quiet@example.org", frequency="monthly")
    make_case(make_author(), title="A new case")
    cycle("weekly")  # ext gets one; maria and quiet read daily and monthly, bouncing is paused
    drain_to_memory(app)

    response = organiser_client.get(url("digests.admin"), headers=EN)
    assert response.status_code == 200
    listed = _listed(response)
    for address in ("maria@example.org", "ext@example.org", "bouncing@example.org", "waiting@example.org"):
        assert address in listed
    reach = services.reach()
    assert reach["bouncing"] == 1
    # Confirmed and not off: maria, ext, bouncing and quiet (the case's author has the digest off).
    assert reach["subscribers"] == 4
    assert (reach["sent"], reach["pending"], reach["failed"], reach["skipped"]) == (1, 0, 0, 0)
    text = _squeezed(response)
    assert "Sent: 1 · waiting: 0 · failed: 0 · skipped (nothing new): 0" in text
    assert "Bouncing addresses: 1" in text
    row = re.search(r"bouncing@example\.org</a></th>(.*?)</tr>", response.get_data(as_text=True), re.S).group(1)
    assert "paused" in row
    row = re.search(r"waiting@example\.org</a></th>(.*?)</tr>", response.get_data(as_text=True), re.S).group(1)
    assert "not yet" in row


def test_the_list_is_searched_by_address(app, organiser_client):
    make_subscriber("anna.rossi@example.org")
    make_subscriber("bruno@rossi.example")
    make_subscriber("carla@example.org")
    make_subscriber("100%real@example.org")
    response = organiser_client.get(url("digests.admin", q="  ROSSI "), headers=EN)
    assert sorted(_listed(response)) == ["anna.rossi@example.org", "bruno@rossi.example"]
    assert _listed(organiser_client.get(url("digests.admin", q="%"))) == ["100%real@example.org"]
    assert _listed(organiser_client.get(url("digests.admin", q="_"))) == []  # no wildcard either
    empty = organiser_client.get(url("digests.admin", q="nobody"), headers=EN)
    assert _listed(empty) == [] and "No subscriber." in empty.text


def test_the_list_runs_as_many_queries_with_many_subscribers(app, organiser_client, count_queries):
    def grow(count: int) -> None:
        for _number in range(count):
            member_subscriber(make_member(), "weekly", "en")
            make_subscriber(bounce_count=3)
            make_subscriber(confirmed=False)

    def counted() -> int:
        with count_queries() as counter:
            response = organiser_client.get(url("digests.admin"))
        assert response.status_code == 200
        return counter.count

    grow(2)
    make_case(make_author())
    cycle("weekly")
    drain_to_memory(app)
    small = counted()
    grow(12)
    cycle("weekly")
    many = counted()
    assert len(_listed(organiser_client.get(url("digests.admin")))) > 40
    assert many == small


# -- starting a cycle ------------------------------------------------------------------------------


def test_an_organiser_starts_the_latest_due_cycle_and_is_told_the_counts(app, organiser_client):
    moment = schedule.due_moment("daily", utcnow())
    for number in range(3):
        make_subscriber(f"reader{number}@example.org", frequency="daily", locale="en")
    # The fourth read that case already (its last digest ended at the moment).
    make_subscriber("nothing@example.org", frequency="daily", locale="en", covered_until=moment)
    make_case(make_author(), title="Of yesterday", published_at=moment - timedelta(hours=1))
    key = schedule.period_key("daily", moment)

    response = organiser_client.post(url("digests.start_cycle"), data={"frequency": "daily"}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith(url("digests.admin"))
    page = organiser_client.get(url("digests.admin"), headers=EN)
    assert f"Cycle {key}: 3 digests queued, 1 skipped (nothing new), 0 done before." in _squeezed(page)
    assert len(outbox_rows("digest")) == 3

    organiser_client.post(url("digests.start_cycle"), data={"frequency": "daily"}, headers=EN)
    page = organiser_client.get(url("digests.admin"), headers=EN)
    assert f"Cycle {key}: 0 digests queued, 0 skipped (nothing new), 4 done before." in _squeezed(page)
    assert len(outbox_rows("digest")) == 3


@pytest.mark.parametrize("frequency", ["off", "hourly", ""])
def test_starting_a_cycle_needs_a_frequency(organiser_client, frequency):
    assert organiser_client.post(url("digests.start_cycle"), data={"frequency": frequency}).status_code == 400
    assert cycles() == []


@pytest.mark.csrf
def test_starting_a_cycle_needs_the_pages_csrf_token(app, organiser_client):
    assert organiser_client.post(url("digests.start_cycle"), data={"frequency": "weekly"}).status_code == 400
    assert cycles() == []
    page = organiser_client.get(url("digests.admin"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page.text
    )
    response = organiser_client.post(
        url("digests.start_cycle"), data={"frequency": "weekly", "csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    assert [item.frequency for item in cycles()] == ["weekly"]


# -- one subscriber --------------------------------------------------------------------------------


def test_the_subscriber_page_previews_the_next_digest_without_writing_anything(app, organiser_client):
    member = make_member(sector="banking", function="contact-centre", locale="en")
    subscriber = member_subscriber(member, "weekly", "en")
    author = make_author()
    make_case(author, title="A utility's complaints desk", sector="utilities", functions=["contact-centre"])
    make_case(author, title="A bank's own contact centre", sector="banking", functions=["contact-centre"])

    response = organiser_client.get(url("digests.subscriber_log", subscriber_id=subscriber.id), headers=EN)
    assert response.status_code == 200
    text = _squeezed(response)
    assert member.email in text and "Every week (Monday)" in text
    assert "The next digest, as it would be now" in text
    assert "Your weekly digest from the club" in text
    assert "A utility's complaints desk — From another sector, Utilities (en): see how they solved it." in text
    assert "A bank's own contact centre" in text
    assert url("digests.preview", subscriber_id=subscriber.id) in response.text
    assert "No digest yet." in text
    # A GET: nothing written.
    assert runs() == [] and outbox_rows() == [] and cycles() == []
    assert reload_subscriber(subscriber).covered_until is None


def test_the_subscriber_page_says_when_nothing_would_be_sent(app, organiser_client):
    subscriber = make_subscriber("ext@example.org", locale="en", bounce_count=3)
    response = organiser_client.get(url("digests.subscriber_log", subscriber_id=subscriber.id), headers=EN)
    text = _squeezed(response)
    assert "Nothing new: no digest would be sent" in text
    assert "paused: 3 bounces" in text


def test_the_preview_is_the_digests_html_with_the_email_page_policy(app, organiser_client):
    subscriber = make_subscriber("ext@example.org", locale="en")
    make_case(make_author(), title="Bollette più chiare")
    response = organiser_client.get(url("digests.preview", subscriber_id=subscriber.id))
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == EMAIL_PAGE_POLICY
    page = response.get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "Bollette più chiare" in page
    assert "<style" not in page.lower() and 'style="' in page
    assert '<html lang="en">' in page
    assert runs() == [] and outbox_rows() == []
