"""The large demo (club.organiser.largedemo, `flask demo --scale large`), run tiny: what it writes, that
its counters and published award results hold up against the rows, and that the pages answer on it."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from club.accounts import demo as accounts_demo
from club.awards import services as awards_services
from club.awards import tally
from club.awards.models import AwardCategory, AwardEdition, AwardResult, Ballot
from club.cases.models import CaseStudy, Comment, SearchDocument, Status, UsefulMark
from club.core import demo as core_demo
from club.core import textsearch
from club.digests.models import Subscriber
from club.events.models import EventSession, EventWeek, Registration
from club.extensions import db
from club.organiser import largedemo
from tests.helpers import login, url

TINY = largedemo.Sizes(members=40, cases=60, comments=200, marks=150, ballots=45, subscribers=70, reads=150, seed=7)


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@pytest.fixture
def large(app):
    """The taxonomy and the demo's staff accounts (what the generator builds on), then the tiny large data."""
    core_demo.load()
    accounts_demo.load()
    db.session.commit()
    report = largedemo.load(TINY)
    db.session.commit()
    return report


def test_it_writes_the_sizes_asked_for(large):
    generated = f"%@{largedemo.MEMBER_DOMAIN_TAG}.%"
    assert large.counts["members"] == TINY.members
    assert _count(db.metadata.tables["users"], db.metadata.tables["users"].c.email.like(generated)) == TINY.members
    assert _count(db.metadata.tables["profiles"]) >= TINY.members
    assert _count(CaseStudy) == large.counts["cases"] == TINY.cases
    assert _count(Comment) == large.counts["comments"] == TINY.comments
    assert _count(UsefulMark) == large.counts["useful marks"] == TINY.marks
    assert _count(Ballot) == large.counts["ballots"] == TINY.ballots
    assert _count(Subscriber) == large.counts["subscribers"] == TINY.subscribers
    assert 0 < _count(Subscriber, Subscriber.user_id.is_not(None)) < TINY.subscribers
    assert _count(Subscriber, Subscriber.confirmed_at.is_(None)) == 0
    # Mostly published and public, some members-only, a few not published.
    statuses = Counter(db.session.scalars(select(CaseStudy.status)))
    assert statuses[Status.PUBLISHED] > TINY.cases * 0.8
    assert sum(statuses.values()) - statuses[Status.PUBLISHED] > 0
    visibilities = Counter(db.session.scalars(select(CaseStudy.visibility).where(CaseStudy.status == Status.PUBLISHED)))
    assert visibilities["public"] > visibilities["members"] > 0
    # An event week with its programme and its RSVPs, none over a session's capacity.
    week = db.session.get(EventWeek, large.week_id)
    assert week.status == "published"
    assert _count(EventSession, EventSession.week_id == week.id) == large.counts["sessions"] > 0
    for session in week.sessions:
        seated = _count(Registration, Registration.session_id == session.id, Registration.seat.is_not(None))
        assert seated <= session.capacity


def test_the_counters_equal_the_rows_they_count(large):
    marks = dict(db.session.execute(select(UsefulMark.case_id, func.count()).group_by(UsefulMark.case_id)).all())
    visible = dict(
        db.session.execute(
            select(Comment.case_id, func.count()).where(Comment.hidden_at.is_(None)).group_by(Comment.case_id)
        ).all()
    )
    rows = db.session.execute(select(CaseStudy.id, CaseStudy.useful_count, CaseStudy.comment_count)).all()
    assert [(case_id, marks.get(case_id, 0), visible.get(case_id, 0)) for case_id, *_ in rows] == [
        tuple(r) for r in rows
    ]
    # Skewed: the most marked case has several times the mean.
    assert max(marks.values()) >= 2 * TINY.marks / len(marks)
    # Comments, marks and reads only on published cases, never by the case's author.
    published = set(db.session.scalars(select(CaseStudy.id).where(CaseStudy.status == Status.PUBLISHED)))
    assert set(marks) <= published and set(visible) <= published
    authored = db.session.scalar(
        select(func.count())
        .select_from(UsefulMark)
        .join(CaseStudy, CaseStudy.id == UsefulMark.case_id)
        .where(CaseStudy.created_by_id == UsefulMark.user_id)
    )
    assert authored == 0


def test_the_search_index_is_what_the_app_would_write(large):
    documents = {document.case_id: document for document in db.session.scalars(select(SearchDocument))}
    published = db.session.scalars(select(CaseStudy).where(CaseStudy.status == Status.PUBLISHED)).all()
    assert set(documents) == {case.id for case in published}
    for case in published[:10]:
        document = documents[case.id]
        assert document.title_terms == textsearch.document_terms(case.title)
        assert document.body_terms == textsearch.document_terms(case.body)
        assert document.metric_terms == textsearch.document_terms(" ".join(metric.name for metric in case.metrics))
    assert all(len(case.body) > 600 and "## " in case.body for case in published)


def test_the_published_results_are_the_recount_of_the_stored_ballots(large):
    edition = db.session.get(AwardEdition, large.edition_id)
    assert edition.results_frozen_at is not None and awards_services.results_visible(edition)
    counted = 0
    for category in edition.categories:
        stored = dict(category.tally)
        stored.pop("scores")
        assert stored == awards_services.compute_tally(category).as_dict()
        ballots = [list(b.ranking) for b in awards_services.counted_ballots(category)]
        recount = tally.schulze(stored["candidates"], ballots)
        assert recount.ranking == stored["member_ranking"]
        assert stored["ballot_count"] == len(ballots) > 0
        assert len(stored["candidates"]) == 6
        results = db.session.scalars(select(AwardResult).where(AwardResult.category_id == category.id)).all()
        assert sorted((r.rank, r.case_id) for r in results) == sorted(
            (row["rank"], row["candidate"]) for row in stored["final"]
        )
        assert [r.case_id for r in results if r.winner] == [stored["winner"]]
        counted += len(ballots)
    assert counted == TINY.ballots


def test_the_pages_answer_on_the_generated_data(large, client):
    case = db.session.scalar(
        select(CaseStudy)
        .where(CaseStudy.status == Status.PUBLISHED, CaseStudy.visibility == "public")
        .order_by(CaseStudy.useful_count.desc(), CaseStudy.id)
        .limit(1)
    )
    word = max(re.findall(r"\w+", case.title), key=len)
    category = db.session.scalar(
        select(AwardCategory).where(AwardCategory.edition_id == large.edition_id).order_by(AwardCategory.position)
    )
    anonymous = ["/", url("cases.index"), url("cases.detail", case_id=case.id), url("cases.index", q=word)]
    anonymous += [url("events.week", week_id=large.week_id), url("awards.results", category_id=category.id)]
    for path in anonymous:
        assert client.get(path).status_code == 200, path
    assert f"/cases/{case.id}" in client.get(url("cases.index", q=word)).text

    member = db.session.scalar(
        select(db.metadata.tables["users"].c.email)
        .where(db.metadata.tables["users"].c.email.like(f"%@{largedemo.MEMBER_DOMAIN_TAG}.%"))
        .where(db.metadata.tables["users"].c.email_verified_at.is_not(None))
        .limit(1)
    )
    login(client, member, accounts_demo.DEMO_PASSWORD)
    for path in [*anonymous, url("members.directory")]:
        assert client.get(path).status_code == 200, path


def test_it_refuses_to_load_twice(large):
    with pytest.raises(largedemo.LargeDemoExists):
        largedemo.load(TINY)


def test_the_demo_command_loads_the_large_data_on_top_of_the_demo(runner, monkeypatch):
    monkeypatch.setattr(largedemo, "LARGE", TINY)

    result = runner.invoke(args=["demo", "--scale", "large"])

    assert result.exit_code == 0, result.output
    assert "Large demo data added" in result.output
    assert f"{TINY.members} members" in result.output
    assert accounts_demo.ADMIN_EMAIL in result.output
    assert largedemo.exists()
    assert _count(Ballot) > TINY.ballots  # the demo's own editions too
    again = runner.invoke(args=["demo", "--scale", "large"])
    assert again.exit_code == 1
    assert "already holds the large demo data" in again.output
