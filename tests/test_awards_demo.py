"""The award editions of `flask demo` (club.awards.demo): last year's, counted and published; this year's, open."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from club.accounts import demo as accounts_demo
from club.accounts.models import User
from club.awards import demo as awards_demo
from club.awards import services
from club.awards import tally as tallying
from club.awards.models import (
    AwardCategory,
    AwardEdition,
    AwardResult,
    Ballot,
    DeclaredConflict,
    Juror,
    Nomination,
    Review,
    Score,
)
from club.awards.timeline import Timeline, phase
from club.cases.models import CaseStudy
from club.core.models import AuditEntry
from club.core.timeutil import ROME, utcnow
from club.events import demo as events_demo
from club.events.models import EventWeek
from club.extensions import db
from club.members import demo as members_demo
from tests.helpers import login, url

AWARD_TABLES = (
    AwardEdition,
    AwardCategory,
    Nomination,
    Juror,
    DeclaredConflict,
    Review,
    Score,
    Ballot,
    AwardResult,
    AuditEntry,
)


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in AWARD_TABLES}


def _editions() -> tuple[AwardEdition, AwardEdition]:
    """(last year's, this year's)."""
    editions = db.session.scalars(select(AwardEdition).order_by(AwardEdition.results_at)).all()
    assert len(editions) == 2, [edition.title for edition in editions]
    return editions[0], editions[1]


def test_demo_loads_the_editions_once(runner, mail_outbox):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = _counts()
    assert after_first["AwardEdition"] == 2
    assert after_first["Ballot"] > 40

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == after_first
    # Proposals email the authors on the site; the demo sends nothing.
    assert mail_outbox == []


def test_last_years_edition_is_published_and_recounts(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    now = utcnow()
    past, _ = _editions()
    week = db.session.get(EventWeek, past.week_id)
    assert week.title.startswith(awards_demo.WEEK_PREFIX)
    assert week.ends_on < now.astimezone(ROME).date()
    assert past.published
    assert services.results_visible(past)
    assert services.current_phase(past).key == "results"
    assert past.results_frozen_at <= now and past.results_at <= now
    assert past.results_frozen_at.astimezone(ROME).date() == week.ends_on  # at the ceremony
    assert 2 <= len(past.categories) <= 3

    users = {user.id: user for user in db.session.scalars(select(User))}
    found_reasons = Counter()
    for category in past.categories:
        assert [(criterion.name, criterion.weight) for criterion in category.criteria]
        nominations = db.session.scalars(select(Nomination).where(Nomination.category_id == category.id)).all()
        finalists = [item for item in nominations if item.finalist]
        assert 4 <= len(finalists) <= 6
        assert all(item.status == "entered" and item.eligibility == "eligible" for item in finalists)
        # Every entry was checked; only published cases from the eligibility period, entered after publication.
        for item in nominations:
            case = db.session.get(CaseStudy, item.case_id)
            assert category.eligible_from <= case.published_at.astimezone(ROME).date() <= category.eligible_until
            assert past.nominations_open_at <= item.created_at < past.nominations_close_at
            if item.status == "entered":
                assert item.eligibility != "unchecked"
                assert item.accepted_by_id in case.author_ids
                assert case.published_at < item.entered_at < past.nominations_close_at
                assert users[item.accepted_by_id].created_at < item.entered_at

        jurors = services.jurors(category)
        assert 3 <= len(jurors) <= 5
        recused = {(item.juror.id, item.nomination.id) for item in services.recusals(category)}
        found_reasons.update(item.reason for item in services.recusals(category))
        reviews = db.session.scalars(
            select(Review).where(Review.nomination_id.in_([item.id for item in finalists]))
        ).all()
        reviewed = {(review.juror_id, review.nomination_id) for review in reviews}
        # Complete scores from every juror for every finalist they are not recused from, and none where they are.
        expected = {(juror.user_id, item.id) for juror in jurors for item in finalists} - recused
        assert reviewed == expected
        for review in reviews:
            assert review.comment
            assert {score.criterion_id for score in review.scores} == {c.id for c in category.criteria}
            assert past.jury_open_at <= review.updated_at < past.jury_close_at

        # The frozen tally: its member ranking is a recount of the stored ballots, and so is all of it.
        ballots = services.counted_ballots(category)
        assert ballots
        frozen = category.tally
        recount = tallying.schulze(frozen["candidates"], [ballot.ranking for ballot in ballots])
        assert recount.ranking == frozen["member_ranking"]
        assert [list(group) for group in recount.groups] == frozen["member_groups"]
        assert frozen["ballot_count"] == len(ballots)
        assert sorted(frozen["candidates"]) == sorted(item.case_id for item in finalists)
        assert services.compute_tally(category).as_dict() == {
            key: value for key, value in frozen.items() if key != "scores"
        }
        results = db.session.scalars(select(AwardResult).where(AwardResult.category_id == category.id)).all()
        assert {(row.case_id, row.rank, round(row.points, 4)) for row in results} == {
            (row["candidate"], row["rank"], row["points"]) for row in frozen["final"]
        }
        assert frozen["winner"] == next(row.case_id for row in results if row.rank == 1)
        assert len(ballots) <= category.eligible_voters < len(users)  # the members back then, not today's

        # One ballot per member; nobody ranks a case they wrote; votes inside the window, by existing accounts.
        keys = {services.voter_key(category.id, user.id): user for user in users.values()}
        finalist_cases = {item.case_id: db.session.get(CaseStudy, item.case_id) for item in finalists}
        assert len({ballot.voter_key for ballot in ballots}) == len(ballots)
        for ballot in ballots:
            voter = keys[ballot.voter_key]
            assert tallying.validate_ballot(ballot.ranking, set(finalist_cases))
            assert not any(voter.id in finalist_cases[case_id].author_ids for case_id in ballot.ranking)
            assert past.vote_open_at <= ballot.cast_at < past.vote_close_at
            assert voter.created_at < ballot.cast_at

        response = client.get(url("awards.results", category_id=category.id))
        assert response.status_code == 200
        winner = db.session.get(CaseStudy, frozen["winner"])
        assert winner.title in response.get_data(as_text=True)

    assert found_reasons["organisation"] >= 1
    assert found_reasons["declared"] >= 1
    # A case takes at most max_entries_per_case slots, each once.
    slots = db.session.execute(
        select(Nomination.case_id, Nomination.slot).where(
            Nomination.edition_id == past.id, Nomination.slot.is_not(None)
        )
    ).all()
    assert len(set(slots)) == len(slots)
    assert all(slot < past.max_entries_per_case for _, slot in slots)

    # The organisers' actions are in the audit log, dated inside the edition's story.
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.scope == past.scope)).all()
    kinds = Counter(entry.kind for entry in entries)
    for kind in ("award.edition.created", "award.category.created", "award.eligibility", "award.finalists"):
        assert kinds[kind] >= 1, kinds
    assert kinds["award.jurors"] == len(past.categories)
    assert kinds["award.results.published"] == 1
    assert all(entry.created_at <= past.results_frozen_at for entry in entries)
    assert all(entry.created_at >= past.created_at for entry in entries)
    published = next(entry for entry in entries if entry.kind == "award.results.published")
    assert published.created_at == past.results_frozen_at
    assert client.get(url("awards.edition", edition_id=past.id)).status_code == 200


def test_this_years_edition_takes_nominations(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    now = utcnow()
    past, coming = _editions()
    week = db.session.get(EventWeek, coming.week_id)
    assert week.starts_on > now.astimezone(ROME).date()
    assert coming.published and coming.results_frozen_at is None
    assert services.current_phase(coming).key == "nominations"
    assert now - coming.nominations_open_at < timedelta(days=5)
    assert coming.nominations_close_at - now < timedelta(days=15)
    assert 2 <= len(coming.categories) <= 3
    past_until = max(category.eligible_until for category in past.categories)
    assert all(category.eligible_from == past_until + timedelta(days=1) for category in coming.categories)

    nominations = db.session.scalars(select(Nomination).where(Nomination.edition_id == coming.id)).all()
    statuses = Counter(item.status for item in nominations)
    assert statuses["entered"] >= 4
    assert statuses["proposed"] == 1
    for item in nominations:
        case = db.session.get(CaseStudy, item.case_id)
        assert coming.nominations_open_at <= item.created_at < now
        assert not item.finalist
        if item.status == "entered":
            assert item.nominated_by_id in case.author_ids and item.accepted_by_id == item.nominated_by_id
        else:
            assert item.nominated_by_id not in case.author_ids and item.accepted_by_id is None

    response = client.get(url("awards.edition", edition_id=coming.id))
    assert response.status_code == 200
    assert coming.title in response.get_data(as_text=True)
    assert client.get(url("awards.results", category_id=coming.categories[0].id)).status_code == 404

    # The demo login finds a proposal of her case waiting for her answer.
    proposal = next(item for item in nominations if item.status == "proposed")
    demo_member = db.session.scalar(select(User).where(User.email == members_demo.DEMO_MEMBER_EMAIL))
    case = db.session.get(CaseStudy, proposal.case_id)
    assert demo_member.id in case.author_ids
    login(client, demo_member.email, accounts_demo.DEMO_PASSWORD)
    page = client.get(url("awards.edition", edition_id=coming.id)).get_data(as_text=True)
    assert 'id="my-nominations"' in page
    assert url("awards.accept", nomination_id=proposal.id) in page


@pytest.mark.parametrize("offset", range(0, 365, 9))
def test_the_timelines_keep_the_rules_on_any_day(offset):
    today = date(2026, 1, 3) + timedelta(days=offset)
    past_monday, coming_monday = events_demo.edition_mondays(today)
    past = awards_demo.past_timeline(past_monday, past_monday + timedelta(days=4))
    coming = awards_demo.coming_timeline(today, coming_monday, coming_monday + timedelta(days=4))
    for moments in (past, coming):
        assert Timeline(**moments).problems() == []
    midnight = datetime.combine(today, time(0, 0), tzinfo=ROME)
    assert past["results_at"] < midnight
    assert past["results_at"].astimezone(ROME).date() == past_monday + timedelta(days=4)
    for hour in (0, 12, 23):
        now = midnight + timedelta(hours=hour, minutes=30)
        assert phase(Timeline(**coming), now, False).key == "nominations"
    assert coming["nominations_close_at"] < datetime.combine(coming_monday, time(0, 0), tzinfo=ROME)
    assert coming["results_at"].astimezone(ROME).date() == coming_monday + timedelta(days=4)
