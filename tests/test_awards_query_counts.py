"""The awards pages run as many SQL statements with 3 finalists as with 12 (and as many nominations,
jurors' sheets and ballots): no query per row."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from club.awards.models import Nomination
from club.extensions import db
from tests.award_factories import (
    add_jurors,
    enter,
    make_category,
    make_edition,
    make_finalists,
    move_to,
    publish,
    score,
    signed_in,
    vote,
)
from tests.case_factories import make_case
from tests.event_factories import compiled_templates_once  # noqa: F401  (autouse fixture)
from tests.factories import make_member, make_organiser
from tests.helpers import url

EN = {"Accept-Language": "en"}


def _count(member_client, count_queries, path: str) -> int:
    with count_queries() as counter:
        response = member_client.get(path, headers=EN)
    assert response.status_code == 200, (path, response.status_code)
    return counter.count


def _contest(size: int, people) -> SimpleNamespace:
    """An edition in its jury and vote windows with `size` finalists, as many other entries and
    proposals, every finalist scored by two jurors (one recused from a finalist), `size` ballots.

    people.author is a co-author of every case; people.juror is on the jury; people.voter votes.
    """
    edition = make_edition("judging_voting")
    category = make_category(edition, f"Categoria da {size}")
    make_category(edition, f"Altra categoria da {size}")
    cases = [
        make_case(make_member(), coauthors=[people.author], organisation=f"Organizzazione {n}", sector="banking")
        for n in range(size)
    ]
    finalists = make_finalists(category, *cases)
    for n in range(size):
        enter(category, make_case(make_member(), coauthors=[people.author]), eligible=n % 2 == 0)
        proposal = Nomination(
            edition_id=edition.id,
            category_id=category.id,
            case_id=make_case(make_member(), coauthors=[people.author]).id,
            nominated_by_id=make_member().id,
        )
        db.session.add(proposal)
    db.session.commit()
    colleague = make_member(organisation="Organizzazione 0")  # recused from the first finalist
    add_jurors(category, people.juror, colleague)
    for nomination in finalists:
        score(nomination, people.juror, 7, 8, 9)
        if nomination is not finalists[0]:
            score(nomination, colleague, 5, 6, 7)
    vote(category, people.voter, *cases[:2])
    for n in range(size - 1):
        vote(category, make_member(), cases[n % size], cases[(n + 1) % size])
    return SimpleNamespace(edition=edition, category=category, cases=cases, finalists=finalists)


@pytest.fixture
def people(app):
    return SimpleNamespace(
        author=make_member(display_name="Autrice Ovunque"),
        juror=make_member(display_name="Giurato"),
        voter=make_member(display_name="Votante"),
        organiser=make_organiser(),
    )


def _pages(contest) -> dict[str, str]:
    return {
        "index": url("awards.index"),
        "edition": url("awards.edition", edition_id=contest.edition.id),
        "category": url("awards.category", category_id=contest.category.id),
    }


def test_the_pages_before_the_results_do_not_grow(app, client, count_queries, people):
    viewers = {
        "anonymous": client,
        "author": signed_in(app, people.author),
        "juror": signed_in(app, people.juror),
        "voter": signed_in(app, people.voter),
        "organiser": signed_in(app, people.organiser),
    }

    def measure(contest) -> dict:
        found = {}
        for who, viewer in viewers.items():
            for name, path in _pages(contest).items():
                found[(who, name)] = _count(viewer, count_queries, path)
        found["manage"] = _count(
            viewers["organiser"], count_queries, url("awards.manage", category_id=contest.category.id)
        )
        found["jury"] = _count(viewers["juror"], count_queries, url("awards.jury", category_id=contest.category.id))
        found["ballot"] = _count(viewers["voter"], count_queries, url("awards.ballot", category_id=contest.category.id))
        found["audit"] = _count(
            viewers["organiser"], count_queries, url("awards.audit_log", edition_id=contest.edition.id)
        )
        return found

    small = measure(_contest(3, people))
    large = measure(_contest(12, people))
    assert large == small


def test_the_results_pages_do_not_grow(app, client, count_queries, people):
    viewers = {
        "anonymous": client,
        "author": signed_in(app, people.author),
        "voter": signed_in(app, people.voter),
        "organiser": signed_in(app, people.organiser),
    }

    def measure(contest) -> dict:
        move_to(contest.edition, "closed")
        publish(contest.edition, people.organiser)
        found = {}
        for who, viewer in viewers.items():
            for name, path in {
                **_pages(contest),
                "results": url("awards.results", category_id=contest.category.id),
                "receipt": url("awards.receipt", edition_id=contest.edition.id),
                "case": url("cases.detail", case_id=contest.cases[0].id),
                "profile": url("members.profile", user_id=people.author.id),
            }.items():
                found[(who, name)] = _count(viewer, count_queries, path)
        return found

    small = measure(_contest(3, people))
    large = measure(_contest(12, people))
    # The author's profile lists every honour of their cases: 3 then 15 finalists, in the same queries.
    assert large == small
