"""How a digest looks and travels: multipart with inlined CSS, localized, absolute links, the page "in
the browser", and the list headers with the RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import pytest
from babel.dates import get_month_names

from club.core.security import CONTENT_SECURITY_POLICY, EMAIL_PAGE_POLICY
from club.core.timeutil import ROME, utcnow
from club.digests import services
from club.extensions import db
from tests.case_factories import make_case
from tests.digest_factories import (
    cycle,
    drain_to_memory,
    html_of,
    make_author,
    make_subscriber,
    member_subscriber,
    outbox_rows,
    path_of,
    reload_subscriber,
    runs,
    text_of,
    unsubscribe_url,
)
from tests.factories import make_member, make_sector
from tests.helpers import extract_csrf_token, login, url

EN = {"Accept-Language": "en"}
HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture
def digest(app):
    """One digest to ext@example.org (English), sent through the memory transport: (subscriber, message)."""
    subscriber = make_subscriber("ext@example.org", locale="en")
    make_sector("utilities", "Servizi di pubblica utilità", "Utilities")
    make_case(make_author(), title="Bollette più chiare", sector="utilities", organisation="Acqua Nostra")
    cycle("weekly")
    return subscriber, drain_to_memory(app)["ext@example.org"]


def _view_url(message) -> str:
    found = re.search(r"https?://\S+/digests/view/[^\s\"<]+", text_of(message))
    assert found, text_of(message)
    return found.group(0)


# -- the message -----------------------------------------------------------------------------------


def test_a_digest_is_multipart_with_a_text_and_an_html_part(digest):
    _subscriber, message = digest
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Bollette più chiare" in text_of(message) and "Bollette più chiare" in html_of(message)
    assert "<" not in text_of(message).replace("<mailto", "")  # the text part is text, not HTML
    assert message["Subject"] == "Your weekly digest from the club"


def test_the_html_has_its_css_inlined(digest):
    _subscriber, message = digest
    html = html_of(message)
    assert "<style" not in html.lower()
    assert 'class="reason"' in html
    reason = re.search(r'<p class="reason" style="([^"]+)"', html)
    assert reason and "color" in reason.group(1)
    title = re.search(r'<a class="title" href="[^"]+" style="([^"]+)"', html)
    assert title and "font-weight: bold" in title.group(1)


def test_every_link_is_absolute(digest):
    _subscriber, message = digest
    html = html_of(message)
    links = HREF.findall(html)
    assert len(links) >= 3  # view in the browser, the case, unsubscribe
    assert all(link.startswith("http://") or link.startswith("https://") for link in links), links
    assert any(re.fullmatch(r"https?://[^/]+/cases/\d+", link) for link in links)
    for line in text_of(message).splitlines():
        for word in line.split():
            if "/cases/" in word or "/digests/" in word:
                assert word.startswith(("http://", "https://")), line


@pytest.mark.config(SITE_URL="https://club.example")
def test_links_point_at_the_configured_site(app, digest):
    _subscriber, message = digest
    assert all(link.startswith("https://club.example/") for link in HREF.findall(html_of(message)))
    assert unsubscribe_url(message).startswith("https://club.example/digests/unsubscribe/")


def _month(moment, locale: str) -> str:
    return get_month_names("wide", locale=locale)[moment.astimezone(ROME).month]


def test_a_digest_is_italian_by_default_and_english_on_request(app):
    italian = make_member()  # no language chosen: the default subscription is Italian
    english = make_member(locale="en")
    make_case(make_author(), title="Un caso per tutti")
    cycle("weekly")
    mails = drain_to_memory(app)
    start = runs()[0].period_start

    html_it, text_it = html_of(mails[italian.email]), text_of(mails[italian.email])
    assert mails[italian.email]["Subject"] == "Il tuo notiziario settimanale del club"
    assert '<html lang="it">' in html_it
    assert "Apri questo notiziario nel browser" in html_it and "View this digest" not in html_it
    assert "Casi di studio" in html_it and "== Casi di studio ==" in text_it
    assert _month(start, "it") in text_it and _month(start, "en") not in text_it

    html_en, text_en = html_of(mails[english.email]), text_of(mails[english.email])
    assert '<html lang="en">' in html_en
    assert "View this digest in your browser" in html_en
    assert "Case studies" in html_en and "== Case studies ==" in text_en
    assert _month(start, "en") in text_en
    assert mails[english.email]["Subject"] == "Your weekly digest from the club"


def test_sector_names_follow_the_subscribers_language(app):
    make_subscriber("it@example.org", locale="it")
    make_subscriber("en@example.org", locale="en")
    make_sector("utilities", "Servizi di pubblica utilità", "Utilities")
    make_case(make_author(), title="Bollette più chiare", sector="utilities")
    cycle("weekly")
    mails = drain_to_memory(app)
    assert "Servizi di pubblica utilità" in text_of(mails["it@example.org"])
    assert mails["it@example.org"]["Subject"] == "Il tuo notiziario settimanale del club"
    assert "Utilities" not in text_of(mails["it@example.org"])
    assert "Utilities" in text_of(mails["en@example.org"])


# -- the page in the browser -----------------------------------------------------------------------


def test_the_browser_page_shows_the_html_that_was_sent(app, client, digest):
    _subscriber, message = digest
    view = _view_url(message)
    assert f'href="{view}"' in html_of(message)
    response = client.get(path_of(view))
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    (row,) = outbox_rows("digest")
    assert response.get_data(as_text=True) == row.html_body
    assert response.get_data(as_text=True).strip() == html_of(message).strip()
    # Its own policy: inline styles only, no script at all; not the site's policy.
    assert response.headers["Content-Security-Policy"] == EMAIL_PAGE_POLICY != CONTENT_SECURITY_POLICY
    assert "script-src" not in EMAIL_PAGE_POLICY and "default-src 'none'" in EMAIL_PAGE_POLICY
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_tampered_or_unknown_view_link_is_404(app, client, digest):
    _subscriber, message = digest
    path = path_of(_view_url(message))
    token = path.rsplit("/", 1)[1]
    tampered = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    assert client.get(url("digests.view", token=tampered)).status_code == 404
    assert client.get(url("digests.view", token="nonsense")).status_code == 404
    forged = services._serializer("unsubscribe").dumps(runs()[0].id)  # signed, but for another purpose
    assert client.get(url("digests.view", token=forged)).status_code == 404


def test_a_skipped_run_has_no_page(app, client):
    make_subscriber("ext@example.org")
    cycle("weekly")
    (run,) = runs()
    assert run.status == "skipped"
    assert client.get(url("digests.view", token=services.view_token(run))).status_code == 404


# -- the headers -----------------------------------------------------------------------------------


def test_the_list_headers(app, digest):
    subscriber, message = digest
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message["Message-ID"])
    assert abs((parsedate_to_datetime(message["Date"]) - utcnow()).total_seconds()) < 120
    assert re.fullmatch(r".*<digest\.[^<>\s]+>", message["List-Id"])
    items = [item.strip() for item in message["List-Unsubscribe"].split(",")]
    assert len(items) == 2 and all(item.startswith("<") and item.endswith(">") for item in items)
    http = unsubscribe_url(message)
    assert re.fullmatch(r"https?://[^/]+/digests/unsubscribe/\S+", http)
    assert any(item.startswith("<mailto:") for item in items)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The unsubscribe link in the body is the one of the header.
    assert f'href="{http}"' in html_of(message)
    assert http in text_of(message)


def test_every_digest_has_its_own_message_id(app):
    for number in range(3):
        make_subscriber(f"r{number}@example.org")
    make_case(make_author())
    cycle("weekly")
    ids = {message["Message-ID"] for message in drain_to_memory(app).values()}
    assert len(ids) == 3


@pytest.mark.config(MAIL_UNSUBSCRIBE_ADDRESS="leave@club.example")
def test_the_mailto_goes_to_the_configured_address(app, digest):
    _subscriber, message = digest
    assert "<mailto:leave@club.example?subject=unsubscribe%20" in message["List-Unsubscribe"]


@pytest.mark.csrf
def test_a_one_click_post_unsubscribes_at_once_without_session_nor_csrf_token(app, digest):
    subscriber, message = digest
    mail_client = app.test_client()  # a mail provider: no cookie, no page, no token
    response = mail_client.post(path_of(unsubscribe_url(message)), data={"List-Unsubscribe": "One-Click"}, headers=EN)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    assert reload_subscriber(subscriber).frequency == "off"
    # Nothing more is sent.
    make_case(make_author(), title="Another case")
    report = cycle("weekly")
    assert (report.queued, report.skipped) == (0, 0)


@pytest.mark.csrf
def test_the_unsubscribe_page_asks_first_and_offers_to_come_back(app, client, digest):
    subscriber, message = digest
    path = path_of(unsubscribe_url(message))
    page = client.get(path, headers=EN)
    assert page.status_code == 200
    assert "ext@example.org receives the digest." in page.text
    assert re.search(rf'<form method="post" action="{re.escape(path)}"', page.text)
    assert reload_subscriber(subscriber).frequency == "weekly"  # GET changes nothing

    assert client.post(path, headers=EN).status_code == 200
    assert reload_subscriber(subscriber).frequency == "off"
    again = client.get(path, headers=EN)
    assert "You are unsubscribed" in again.text
    resubscribe = url("digests.resubscribe", token=path.rsplit("/", 1)[1])
    assert f'action="{resubscribe}"' in again.text
    assert reload_subscriber(subscriber).frequency == "off"

    # Coming back is an ordinary form: it needs the page's CSRF token.
    assert client.post(resubscribe).status_code == 400
    assert reload_subscriber(subscriber).frequency == "off"
    back = client.post(resubscribe, data={"csrf_token": extract_csrf_token(again.text)}, headers=EN)
    assert back.status_code == 200 and "Welcome back" in back.text
    assert reload_subscriber(subscriber).frequency == "weekly"


def test_resubscribing_clears_the_bounces(app, client):
    subscriber = make_subscriber("ext@example.org", frequency="off", bounce_count=3)
    token = services.subscriber_token(subscriber, "unsubscribe")
    assert client.post(url("digests.resubscribe", token=token)).status_code == 200
    subscriber = reload_subscriber(subscriber)
    assert (subscriber.frequency, subscriber.bounce_count) == ("weekly", 0)


def test_unsubscribe_links_are_bound_to_the_subscription(app, client, digest):
    subscriber, message = digest
    other = make_subscriber("other@example.org")
    token = path_of(unsubscribe_url(message)).rsplit("/", 1)[1]
    payload, signature = token.split(".")
    other_payload = services.subscriber_token(other, "unsubscribe").split(".")[0]
    forged = {
        "another subscriber's id": f"{other_payload}.{signature}",
        "a tampered signature": f"{payload}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}",
        "a confirmation token": services.confirm_token(subscriber),
        "a view token": services.view_token(runs(subscriber)[0]),
        "garbage": "garbage",
    }
    for name, bad in forged.items():
        for method in (client.get, client.post):
            response = method(url("digests.unsubscribe", token=bad), headers=EN)
            assert response.status_code == 404, name
            assert "This link does not work" in response.text
        assert client.post(url("digests.resubscribe", token=bad)).status_code == 404, name
    assert reload_subscriber(subscriber).frequency == "weekly"
    assert reload_subscriber(other).frequency == "weekly"

    # A new token version retires the old links.
    subscriber = reload_subscriber(subscriber)
    subscriber.token_version += 1
    db.session.commit()
    assert client.get(url("digests.unsubscribe", token=token)).status_code == 404
    assert client.post(url("digests.unsubscribe", token=token)).status_code == 404
    assert reload_subscriber(subscriber).frequency == "weekly"
    fresh = services.subscriber_token(reload_subscriber(subscriber), "unsubscribe")
    assert client.post(url("digests.unsubscribe", token=fresh)).status_code == 200
    assert reload_subscriber(subscriber).frequency == "off"


def test_a_member_who_unsubscribes_by_mail_sees_it_in_the_settings(app, client):
    member = make_member()
    member_subscriber(member, "daily", "en")
    make_case(make_author())
    cycle("daily")
    message = drain_to_memory(app)[member.email]
    assert client.post(path_of(unsubscribe_url(message))).status_code == 200
    login(client, member)
    page = client.get(url("digests.settings"))
    assert re.search(r'<option[^>]*selected[^>]*value="off"|value="off"[^>]*selected', page.text)
