"""Who sees which case, on every page that shows cases: detail, history, lists, search, feeds, home."""

from __future__ import annotations

import feedparser
import pytest

from tests.case_factories import case_form_data, make_case
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

# Every title holds the word "pinguino", so one search finds them all when they are visible.
TITLES = {
    ("published", "public"): "Pinguino pubblico per tutti",
    ("published", "members"): "Pinguino riservato ai soci",
    ("draft", "public"): "Pinguino in bozza",
    ("submitted", "public"): "Pinguino in revisione",
    ("changes_requested", "public"): "Pinguino da correggere",
    ("archived", "public"): "Pinguino archiviato",
}


@pytest.fixture
def world(app):
    """One case per status and visibility, by one author (with a co-author), in one sector and competence."""
    author, coauthor = make_member(), make_member()
    cases = {
        key: make_case(
            author,
            status=key[0],
            visibility=key[1],
            title=title,
            sector="telco",
            functions=["customer-care"],
            competences=["journey"],
            coauthors=[coauthor],
        )
        for key, title in TITLES.items()
    }
    viewers = {"anonymous": app.test_client()}
    for name, user in (
        ("member", make_member()),
        ("author", author),
        ("coauthor", coauthor),
        ("organiser", make_organiser()),
    ):
        viewers[name] = app.test_client()
        login(viewers[name], user)
    return cases, viewers


def _listed(viewer_name: str) -> set[str]:
    """The titles a viewer must see in lists, searches and the home page: the published ones they may read."""
    listed = {TITLES[("published", "public")]}
    if viewer_name != "anonymous":
        listed.add(TITLES[("published", "members")])
    return listed


def _seen(page: str) -> set[str]:
    return {title for title in TITLES.values() if title in page}


def test_case_pages(world):
    cases, viewers = world
    for viewer, client in viewers.items():
        _check_case_pages(cases, viewer, client)


def _check_case_pages(cases, viewer, client):
    for (status, visibility), case in cases.items():
        if status == "published":
            expected = 200 if visibility == "public" or viewer != "anonymous" else 404
        else:
            expected = 200 if viewer in ("author", "coauthor", "organiser") else 404
        response = client.get(url("cases.detail", case_id=case.id))
        assert response.status_code == expected, (viewer, status, visibility)
        if expected == 200:
            assert TITLES[(status, visibility)] in response.get_data(as_text=True)
        history = client.get(url("cases.history", case_id=case.id))
        if viewer == "anonymous":
            assert history.status_code == 302  # sign in first
        elif viewer == "member":
            assert history.status_code == (404 if expected == 404 else 403), (status, visibility)
        else:
            assert history.status_code == 200, (viewer, status, visibility)


def test_lists_searches_and_home_show_only_what_the_viewer_may_read(world):
    _cases, viewers = world
    for viewer, client in viewers.items():
        _check_lists(viewer, client)


def _check_lists(viewer, client):
    pages = {
        "list": client.get(url("cases.index")),
        "search": client.get(url("cases.index", q="pinguino")),
        "search-filtered": client.get(url("cases.index", q="pinguino", sort="newest", language="it")),
        "sorted-useful": client.get(url("cases.index", sort="useful")),
        "home": client.get(url("core.home")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert _seen(response.get_data(as_text=True)) == _listed(viewer), (viewer, name)


def test_feeds_hold_only_published_public_cases_whoever_asks(world):
    _cases, viewers = world
    for viewer, client in viewers.items():
        for path in (
            url("cases.feed"),
            url("cases.sector_feed", slug="telco"),
            url("cases.competence_feed", slug="journey"),
        ):
            response = client.get(path)
            assert response.status_code == 200, (viewer, path)
            parsed = feedparser.parse(response.data)
            assert {entry.title for entry in parsed.entries} == {TITLES[("published", "public")]}, (viewer, path)


def test_my_cases_page_shows_the_authors_own_drafts_only_to_them(world):
    _cases, viewers = world
    mine = viewers["coauthor"].get(url("cases.mine")).get_data(as_text=True)
    assert _seen(mine) == set(TITLES.values())
    assert _seen(viewers["member"].get(url("cases.mine")).get_data(as_text=True)) == set()


def test_moderation_queue_is_for_organisers(world):
    _cases, viewers = world
    queue = viewers["organiser"].get(url("cases.moderation"))
    assert queue.status_code == 200 and _seen(queue.get_data(as_text=True)) == {TITLES[("submitted", "public")]}
    assert viewers["member"].get(url("cases.moderation")).status_code == 403
    assert viewers["anonymous"].get(url("cases.moderation")).status_code in (302, 403)


def test_a_case_made_members_only_disappears_for_anonymous_visitors(client, app):
    author = make_member()
    case = make_case(author, title="Pinguino che cambia idea", sector="telco", functions=["customer-care"])
    assert client.get(url("cases.detail", case_id=case.id)).status_code == 200
    editor = app.test_client()
    login(editor, author)
    data = case_form_data(case.sector, case.functions, title=case.title, summary=case.summary, visibility="members")
    assert editor.post(url("cases.update", case_id=case.id), data=data).status_code == 302
    assert client.get(url("cases.detail", case_id=case.id)).status_code == 404
    for path in (url("cases.index"), url("cases.index", q="pinguino"), url("cases.feed"), url("core.home")):
        assert "Pinguino che cambia idea" not in client.get(path).get_data(as_text=True), path
    assert "Pinguino che cambia idea" in editor.get(url("cases.index", q="pinguino")).get_data(as_text=True)


def test_comments_and_marks_need_a_visible_published_case(world):
    cases, viewers = world
    member = viewers["member"]
    for (status, _visibility), case in cases.items():
        if status == "published":
            continue
        for endpoint in ("cases.add_comment", "cases.useful", "cases.bookmark"):
            response = member.post(url(endpoint, case_id=case.id), data={"body": "Ciao a tutti", "on": "1"})
            assert response.status_code == 404, (endpoint, status)
    # authors see their own draft but cannot discuss it yet
    draft = cases[("draft", "public")]
    response = viewers["author"].post(url("cases.add_comment", case_id=draft.id), data={"body": "Ciao a tutti"})
    assert response.status_code == 409
    anonymous = viewers["anonymous"].post(
        url("cases.add_comment", case_id=cases[("published", "public")].id), data={"body": "Ciao a tutti"}
    )
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
