"""The case studies of `flask demo` (club.cases.demo): many, varied, consistent, loaded once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from club.accounts.models import User
from club.cases import demo as cases_demo
from club.cases import search, services
from club.cases.models import (
    Bookmark,
    CaseStudy,
    Comment,
    Notification,
    Revision,
    Status,
    UsefulMark,
    case_competences,
    case_functions,
    followed_competences,
    followed_functions,
    followed_sectors,
)
from club.core import textsearch
from club.core.timeutil import utcnow
from club.extensions import db
from club.members import demo as members_demo

CASE_TABLES = {
    "cases": CaseStudy,
    "revisions": Revision,
    "comments": Comment,
    "useful": UsefulMark,
    "bookmarks": Bookmark,
    "notifications": Notification,
    "case_functions": case_functions,
    "case_competences": case_competences,
    "followed_sectors": followed_sectors,
    "followed_functions": followed_functions,
    "followed_competences": followed_competences,
}


def _counts() -> dict[str, int]:
    return {name: db.session.scalar(select(func.count()).select_from(table)) for name, table in CASE_TABLES.items()}


def _published() -> list[CaseStudy]:
    return list(db.session.scalars(select(CaseStudy).where(CaseStudy.status == Status.PUBLISHED)))


def test_demo_loads_the_case_studies_once(runner, mail_outbox):
    first = runner.invoke(args=["demo"])

    assert first.exit_code == 0, first.output
    after_first = _counts()
    assert after_first["cases"] >= 150
    assert f"Case studies: {after_first['cases']} new, {after_first['cases']} in all" in first.output

    second = runner.invoke(args=["demo"])

    assert second.exit_code == 0, second.output
    assert _counts() == after_first
    assert "Case studies: 0 new" in second.output
    # Publishing, asking for changes and commenting send mail on the site; the demo sends none.
    assert mail_outbox == []


def test_case_specs_are_deterministic():
    first, second = cases_demo.case_specs(), cases_demo.case_specs()
    assert first == second
    assert len({spec.title for spec in first}) == len(first)
    assert cases_demo.follow_specs() == cases_demo.follow_specs()


def _the_cases_cover_sectors_functions_statuses_and_years():
    cases = db.session.scalars(select(CaseStudy)).all()
    published = [case for case in cases if case.status == Status.PUBLISHED]

    assert len(published) >= 120
    assert {case.status for case in cases} == {status.value for status in Status}
    assert len({case.sector_id for case in published}) >= 8
    assert len({function.id for case in published for function in case.functions}) >= 6
    assert len({competence.id for case in published for competence in case.competences}) == 6
    assert len({case.published_year for case in published}) >= 3
    assert all(case.published_year == case.published_at.year for case in published)
    languages = Counter(case.language for case in cases)
    assert 0.05 <= languages["en"] / len(cases) <= 0.15
    visibility = Counter(case.visibility for case in published)
    assert 0.15 <= visibility["members"] / len(published) <= 0.45
    # The organisers' moderation queue has something in it.
    assert db.session.scalars(services.moderation_queue_query()).unique().all()


def _every_case_is_well_formed():
    cases = db.session.scalars(select(CaseStudy)).all()
    for case in cases:
        assert len(case.title) <= 200 and len(case.summary) <= 500, case.title
        words = len(case.body.split())
        assert 150 <= words <= 420, (case.title, words)
        assert case.body.startswith("## ")
        assert 1 <= len(case.functions) <= 3 and 1 <= len(case.competences) <= 3, case.title
        assert 1 <= len(case.metrics) <= 4 and all(m.before is not None and m.after is not None for m in case.metrics)
        assert 1 <= len(case.authors) <= 2
        assert case.organisation and case.sector is not None
    # The creator of a case writes about their own organisation (the organisers too).
    own = sum(1 for case in cases if case.created_by.profile.organisation == case.organisation)
    assert own == len(cases)


def _every_published_case_is_in_the_search_index():
    for case in _published():
        word = max(textsearch.words(case.title), key=len)
        found = set(db.session.scalars(search.matches(word)))
        assert case.id in found, (case.title, word)
    unpublished = select(CaseStudy.id).where(CaseStudy.status != Status.PUBLISHED)
    assert not set(db.session.scalars(search.matches("clienti"))) & set(db.session.scalars(unpublished))


def _counters_equal_the_rows():
    useful = dict(db.session.execute(select(UsefulMark.case_id, func.count()).group_by(UsefulMark.case_id)).all())
    comments = dict(db.session.execute(select(Comment.case_id, func.count()).group_by(Comment.case_id)).all())
    cases = db.session.scalars(select(CaseStudy)).all()

    for case in cases:
        assert case.useful_count == useful.get(case.id, 0), case.title
        assert case.comment_count == comments.get(case.id, 0), case.title
    published = [case for case in cases if case.status == Status.PUBLISHED]
    assert max(case.useful_count for case in published) <= 25
    assert sum(case.useful_count for case in published) >= 5 * len(published)
    assert max(case.comment_count for case in published) >= 5
    assert sum(1 for case in published if case.comment_count) >= len(published) // 2
    assert db.session.scalar(select(func.count()).select_from(Bookmark)) >= 20
    assert db.session.scalar(select(func.count()).where(Comment.hidden_at.is_not(None))) >= 1


def _the_history_is_in_order():
    now = utcnow()
    revisions: dict[int, list[Revision]] = {}
    for revision in db.session.scalars(select(Revision).order_by(Revision.id)):
        revisions.setdefault(revision.case_id, []).append(revision)
    for case in db.session.scalars(select(CaseStudy)):
        history = revisions[case.id]
        assert history[0].action == "created" and history[0].created_at == case.created_at
        assert [r.created_at for r in history] == sorted(r.created_at for r in history), case.title
        assert history[-1].created_at <= now
        if case.status in (Status.PUBLISHED, Status.ARCHIVED):
            assert case.created_at < case.submitted_at < case.published_at
            assert "publish" in [r.action for r in history]
        if case.status == Status.ARCHIVED:
            assert case.published_at < case.archived_at
        if case.status == Status.CHANGES_REQUESTED:
            assert case.moderation_comment and history[-1].action == "request_changes"
    late = (
        select(func.count())
        .select_from(Comment)
        .join(CaseStudy, CaseStudy.id == Comment.case_id)
        .where(Comment.created_at < CaseStudy.published_at)
    )
    assert db.session.scalar(late) == 0
    early_marks = (
        select(func.count())
        .select_from(UsefulMark)
        .join(User, User.id == UsefulMark.user_id)
        .where(UsefulMark.created_at < User.created_at)
    )
    assert db.session.scalar(early_marks) == 0


def _the_demo_member_has_something_to_see():
    giulia = db.session.scalar(select(User).where(User.email == members_demo.DEMO_MEMBER_EMAIL))

    assert len(services.for_you(giulia)) == 6
    assert services.unread_count(giulia) >= 1
    assert db.session.scalars(services.bookmarks_query(giulia)).unique().all()
    mine = {case.status for case in db.session.scalars(services.my_cases_query(giulia)).unique()}
    assert {Status.PUBLISHED, Status.CHANGES_REQUESTED, Status.DRAFT} <= mine
    followers = db.session.scalar(select(func.count(func.distinct(followed_sectors.c.user_id))))
    assert followers >= 20


# Each load of the demo takes a couple of seconds: the checks share two loads.


def test_the_case_studies_are_varied_well_formed_and_searchable(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0

    _the_cases_cover_sectors_functions_statuses_and_years()
    _every_case_is_well_formed()
    _every_published_case_is_in_the_search_index()


def test_the_discussion_and_history_are_consistent(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0

    _counters_equal_the_rows()
    _the_history_is_in_order()
    _the_demo_member_has_something_to_see()
