"""The whole-page cache (club/core/pagecache.py): fast, and never stale, never someone else's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import request_started
from sqlalchemy import func, select, update

from club.cases.models import CaseStudy, CaseView
from club.core import pagecache
from club.core.timeutil import utcnow
from club.extensions import db
from tests.case_factories import make_case, reload_case
from tests.factories import make_member, make_organiser
from tests.helpers import extract_csrf_token, login, url, with_csrf


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _served_from_cache(client, count_queries, path: str) -> bool:
    """True when the answer ran no query beyond loading the member and reading the generation."""
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200
    return all("page_cache_generation" in sql or "FROM users" in sql for sql in counter.statements)


@pytest.fixture
def cached_counting(app, count_queries):
    """count_queries turns the cache off for query-count tests; these tests count with it on."""

    def factory():
        app.extensions["club_page_cache"].max_bytes = 16 * 1024 * 1024
        return count_queries

    return factory


def test_a_second_anonymous_visit_is_served_from_memory(client, app, cached_counting):
    count_queries = cached_counting()
    case = make_case(make_member(), title="Il caso della memoria")
    first = _page(client, url("cases.detail", case_id=case.id))
    assert "Il caso della memoria" in first
    assert _served_from_cache(client, count_queries, url("cases.detail", case_id=case.id))
    assert "Il caso della memoria" in _page(client, url("cases.detail", case_id=case.id))


def test_a_change_is_seen_at_once(client, app):
    author = make_member()
    case = make_case(author, title="Titolo di prima")
    path = url("cases.detail", case_id=case.id)
    assert "Titolo di prima" in _page(client, path)
    assert "Titolo di prima" in _page(client, path)
    # A write through the ORM...
    case.title = "Titolo di dopo"
    db.session.commit()
    assert "Titolo di dopo" in _page(client, path)
    # ...and one through a bare UPDATE statement.
    db.session.execute(update(CaseStudy).where(CaseStudy.id == case.id).values(title="Titolo terzo"))
    db.session.commit()
    assert "Titolo terzo" in _page(client, path)


def test_a_comment_posted_by_a_member_shows_on_the_anonymous_page(client, app):
    case = make_case(make_member())
    path = url("cases.detail", case_id=case.id)
    _page(client, path)
    _page(client, path)
    commenter = app.test_client()
    login(commenter, make_member())
    response = commenter.post(
        url("cases.add_comment", case_id=case.id), data=with_csrf(commenter, {"body": "Commento appena scritto"})
    )
    assert response.status_code == 302
    assert "Commento appena scritto" in _page(client, path)


def test_a_rolled_back_transaction_changes_nothing(app):
    before = pagecache.current_generation()
    db.session.execute(update(CaseStudy).values(title="x"))
    db.session.rollback()
    db.session.commit()
    assert pagecache.current_generation() == before


def test_a_members_page_is_never_served_to_another_member_or_to_a_visitor(app):
    anna, bruno = make_member(display_name="Anna Unica"), make_member(display_name="Bruno Unico")
    first, second, visitor = app.test_client(), app.test_client(), app.test_client()
    login(first, anna)
    login(second, bruno)
    path = url("core.home")
    # The home page lists new members by name; the user menu names the one signed in.
    for _ in range(2):
        assert 'user-menu__name">Anna Unica<' in _page(first, path)
    for _ in range(2):
        page = _page(second, path)
        assert 'user-menu__name">Bruno Unico<' in page and 'user-menu__name">Anna Unica<' not in page
    assert "user-menu__name" not in _page(visitor, path)


def test_members_only_pages_stay_members_only(client, app):
    case = make_case(make_member(), visibility="members", title="Solo per i soci")
    member = app.test_client()
    login(member, make_member())
    path = url("cases.detail", case_id=case.id)
    assert "Solo per i soci" in _page(member, path)
    assert "Solo per i soci" in _page(member, path)
    response = client.get(path)
    assert response.status_code in (302, 404)
    assert "Solo per i soci" not in response.get_data(as_text=True)


def test_each_session_gets_a_working_token_of_its_own(app):
    """A member's cached page carries the token of the session asking, so its forms work."""
    member = make_member()
    first, second = app.test_client(), app.test_client()
    login(first, member)
    login(second, member)  # the same member in a second browser
    app.config["WTF_CSRF_ENABLED"] = True
    home = url("core.home")
    _page(first, home), _page(second, home)  # the welcome messages
    token_first = extract_csrf_token(_page(first, home))
    token_second = extract_csrf_token(_page(second, home))  # from the cache
    assert token_first != token_second
    data = {"language": "en", "next": "/"}
    assert second.post(url("core.set_language"), data={"csrf_token": token_first, **data}).status_code == 400
    assert second.post(url("core.set_language"), data={"csrf_token": token_second, **data}).status_code == 302


def test_visitors_pages_carry_nothing_of_their_own(client):
    """No token, no cookie: the language switch is a link for visitors, so one stored page serves all."""
    make_case(make_member())
    response = client.get(url("core.home"))
    assert "csrf_token" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert 'href="/language/en?next=/"' in response.get_data(as_text=True)


def test_a_visitors_cached_page_is_answered_before_the_application(client, app, cached_counting):
    count_queries = cached_counting()
    case = make_case(make_member(), title="Pagina veloce")
    path = url("cases.detail", case_id=case.id)
    rendered = client.get(path)
    started = []
    request_started.connect(lambda sender, **extra: started.append(sender), app, weak=False)
    with count_queries() as counter:
        cached = client.get(path)
    assert started == [], "Flask handled the request"
    assert [sql for sql in counter.statements if "page_cache_generation" not in sql and "case_views" not in sql] == []
    assert cached.get_data() == rendered.get_data()
    for header in ("Content-Type", "ETag", "Cache-Control", "Vary", "Content-Security-Policy", "X-Frame-Options"):
        assert cached.headers[header] == rendered.headers[header], header
    assert client.get(path, headers={"If-None-Match": cached.headers["ETag"]}).status_code == 304


def test_the_visitors_language_link_sets_the_cookie_and_comes_back(client):
    response = client.get(url("core.choose_language", code="en", next="/cases/"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases/"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en"' in _page(client, url("core.home"))
    assert client.get(url("core.choose_language", code="fr")).status_code == 404
    outside = client.get(url("core.choose_language", code="it", next="https://evil.example/"))
    assert outside.headers["Location"] == "/"


def test_the_language_is_part_of_the_key(client):
    _page(client, url("core.home"))
    italian = _page(client, url("core.home"))
    client.set_cookie("lang", "en")
    english = _page(client, url("core.home"))
    assert '<html lang="it"' in italian
    assert '<html lang="en"' in english


def test_a_flashed_message_is_shown_and_the_page_with_it_is_not_kept(client, app):
    member = make_member()
    path = url("core.home")
    _page(client, path)
    _page(client, path)
    response = client.post(
        url("accounts.login"), data=with_csrf(client, {"email": member.email, "password": "wrong-password-1234"})
    )
    assert response.status_code in (200, 400)
    login(client, member)
    with client.session_transaction() as session:
        flashes = list(session.get("_flashes", []))
    assert flashes, "logging in flashes a welcome"
    page = _page(client, path)
    assert flashes[0][1] in page
    assert flashes[0][1] not in _page(client, path)


def test_a_new_minute_renders_the_page_again(client, app, monkeypatch, cached_counting):
    count_queries = cached_counting()
    case = make_case(make_member())
    path = url("cases.detail", case_id=case.id)
    _page(client, path)
    assert _served_from_cache(client, count_queries, path)
    later = utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(pagecache, "utcnow", lambda: later)
    assert not _served_from_cache(client, count_queries, path)
    assert _served_from_cache(client, count_queries, path)


def test_conditional_get_answers_304_until_something_changes(client, app):
    case = make_case(make_member(), title="Prima versione")
    path = url("cases.detail", case_id=case.id)
    first = client.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in first.headers["Vary"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    reload_case(case).title = "Seconda versione"
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Seconda versione" in changed.get_data(as_text=True)


def test_a_tag_from_another_session_is_not_honoured(app):
    case = make_case(make_member())
    path = url("cases.detail", case_id=case.id)
    first, second = app.test_client(), app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    etag = first.get(path).headers["ETag"]
    second.get(path)  # a session of its own, with its own CSRF secret
    assert second.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_reads_are_counted_when_the_page_comes_from_the_cache(client, app):
    case = make_case(make_member())
    path = url("cases.detail", case_id=case.id)
    for _ in range(3):
        _page(client, path)
    assert db.session.scalar(select(func.count()).select_from(CaseView).where(CaseView.case_id == case.id)) == 3


def test_pages_that_are_not_marked_are_never_cached(app):
    organiser = make_organiser()
    console = app.test_client()
    login(console, organiser)
    make_case(make_member(), status="submitted", title="In attesa uno")
    assert "In attesa uno" in _page(console, url("cases.moderation"))
    make_case(make_member(), status="submitted", title="In attesa due")
    # Still fresh, and the console never had a tag either.
    page = console.get(url("cases.moderation"))
    assert "In attesa due" in page.get_data(as_text=True)
    assert "ETag" not in page.headers


@pytest.mark.config(PAGE_CACHE_MAX_BYTES=0)
def test_the_cache_can_be_turned_off(client, count_queries):
    case = make_case(make_member())
    path = url("cases.detail", case_id=case.id)
    _page(client, path)
    with count_queries() as counter:
        _page(client, path)
    assert counter.count > 2
    assert "ETag" not in client.get(path).headers


def test_a_full_cache_keeps_serving_fresh_pages():
    cache = pagecache.PageCache(max_bytes=10)
    entry = pagecache._Entry(b"0123456789", "text/html", False)
    cache.put((1, 1), "a", entry)
    assert cache.get((1, 1), "a") == entry
    cache.put((1, 1), "b", entry)  # no room: not kept
    assert cache.get((1, 1), "b") is None
    cache.put((2, 1), "b", entry)  # a new generation empties the old one
    assert cache.get((1, 1), "a") is None and cache.get((2, 1), "b") == entry
    cache.put((1, 1), "c", entry)  # rendered before the change: dropped
    assert cache.get((2, 1), "c") is None


def test_one_thread_renders_a_missing_page_while_the_others_wait():
    cache = pagecache.PageCache(max_bytes=1000)
    assert cache.claim((1, 1), "a") is None
    waiting = cache.claim((1, 1), "a")
    assert waiting is not None and not waiting.is_set()
    assert cache.claim((1, 1), "b") is None  # another page renders at the same time
    cache.release((1, 1), "a")
    assert waiting.is_set()
    assert cache.claim((1, 1), "a") is None  # free again


def test_a_page_that_fails_releases_its_claim(client, app):
    # cases.detail is cacheable; a missing case is a 404, which must not leave others waiting.
    assert client.get(url("cases.detail", case_id=999_999)).status_code == 404
    assert app.extensions["club_page_cache"]._rendering == {}
    case = make_case(make_member())
    _page(client, url("cases.detail", case_id=case.id))
    assert app.extensions["club_page_cache"]._rendering == {}
