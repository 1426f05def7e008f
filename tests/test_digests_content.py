"""What goes into a digest, through the real cycle (run_cycle, then the outbox drained into memory):
new cases since the previous digest, members-only cases, comments, sessions, award news, the limit,
the skip when nothing is new, and the cross-silo share with its one-line reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from club.awards.models import AwardEdition
from club.cases.models import Bookmark, Comment, followed_competences
from club.core.timeutil import utcnow
from club.digests import schedule
from club.extensions import db
from tests.award_factories import MOMENTS, make_edition, publish, timeline
from tests.case_factories import make_case, make_comment
from tests.digest_factories import (
    cycle,
    drain_to_memory,
    html_of,
    make_author,
    make_subscriber,
    member_subscriber,
    outbox_rows,
    reload_subscriber,
    runs,
    text_of,
)
from tests.event_factories import make_session, make_week
from tests.factories import make_competence, make_function, make_member, make_sector

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def _digests(app, frequency: str = "weekly", moment=None) -> dict:
    """Run the cycle and drain: the digests of this cycle, by recipient."""
    cycle(frequency, moment)
    return {address: message for address, message in drain_to_memory(app).items()}


def _section(text: str, heading: str) -> str:
    """One "== heading ==" section of a digest's text part ("" when absent)."""
    marker = f"== {heading} =="
    if marker not in text:
        return ""
    rest = text.split(marker, 1)[1]
    return rest.split("\n== ", 1)[0].split("\n-- \n", 1)[0]


def _cases_in(text: str) -> dict[str, str]:
    """{title: reason line} of the case studies of a digest's text part."""
    lines = _section(text, "Case studies").splitlines()
    found = {}
    for number, line in enumerate(lines):
        if line.startswith("* "):
            found[line[2:].strip()] = lines[number + 1].strip()
    return found


# -- new cases -------------------------------------------------------------------------------------


def test_the_first_digest_brings_the_cases_published_in_the_last_period(app):
    now = utcnow()
    reader = make_subscriber("ext@example.org", locale="en")
    author = make_author()
    make_case(author, title="Published two days ago", published_at=now - 2 * DAY)
    make_case(author, title="Published an hour ago", published_at=now - HOUR)
    make_case(author, title="Published before the period", published_at=now - 9 * DAY)
    make_case(author, title="Still a draft", status="draft")
    make_case(author, title="Waiting for moderation", status="submitted")
    make_case(author, title="Archived already", status="archived", published_at=now - DAY)

    mails = _digests(app)
    assert set(_cases_in(text_of(mails["ext@example.org"]))) == {"Published two days ago", "Published an hour ago"}
    (run,) = runs(reader)
    assert (run.status, run.case_count) == ("queued", 2)
    assert run.period_start == schedule.previous_moment("weekly", run.period_end)


def test_the_first_daily_digest_looks_back_one_day_only(app):
    now = utcnow()
    make_subscriber("ext@example.org", frequency="daily", locale="en")
    author = make_author()
    moment = schedule.due_moment("daily", now)
    make_case(author, title="Inside the day", published_at=moment - 2 * HOUR)
    make_case(author, title="The day before", published_at=schedule.previous_moment("daily", moment) - HOUR)
    mails = _digests(app, "daily", moment)
    assert set(_cases_in(text_of(mails["ext@example.org"]))) == {"Inside the day"}


def test_the_second_digest_starts_where_the_first_ended(app):
    now = utcnow()
    reader = make_subscriber("ext@example.org", locale="en")
    author = make_author()
    first_moment = now - 2 * DAY
    make_case(author, title="Before the first digest", published_at=first_moment - DAY)
    make_case(author, title="Between the digests", published_at=first_moment + HOUR)

    first = _digests(app, "weekly", first_moment)
    assert set(_cases_in(text_of(first["ext@example.org"]))) == {"Before the first digest"}
    assert reload_subscriber(reader).covered_until == first_moment

    second = _digests(app, "weekly", now)
    assert set(_cases_in(text_of(second["ext@example.org"]))) == {"Between the digests"}
    assert [(run.period_start, run.period_end) for run in runs(reader)] == [
        (schedule.previous_moment("weekly", first_moment), first_moment),
        (first_moment, now),
    ]


def test_after_a_switch_to_daily_the_digest_looks_back_one_day_not_since_the_last_monthly_one(app):
    now = utcnow()
    make_subscriber("ext@example.org", frequency="daily", locale="en", covered_until=now - 20 * DAY)
    author = make_author()
    make_case(author, title="Yesterday's case", published_at=now - 3 * HOUR)
    make_case(author, title="Last week's case", published_at=now - 5 * DAY)
    mails = _digests(app, "daily", now)
    assert set(_cases_in(text_of(mails["ext@example.org"]))) == {"Yesterday's case"}


def test_members_only_cases_go_to_members_only(app):
    member = make_member()
    member_subscriber(member, "weekly", "en")
    make_subscriber("ext@example.org", locale="en")
    author = make_author()
    make_case(author, title="Open to everyone", visibility="public")
    make_case(author, title="For members only", visibility="members")

    mails = _digests(app)
    assert set(_cases_in(text_of(mails[member.email]))) == {"Open to everyone", "For members only"}
    assert set(_cases_in(text_of(mails["ext@example.org"]))) == {"Open to everyone"}
    assert "For members only" not in html_of(mails["ext@example.org"])


def test_a_suspended_member_gets_nothing(app):
    member = make_member()
    member_subscriber(member, "weekly", "en")
    make_case(make_author(), title="A new case")
    member.suspended_at = utcnow()
    db.session.commit()
    report = cycle("weekly")
    assert (report.queued, report.skipped) == (0, 0)
    assert outbox_rows("digest") == []


def test_no_more_than_the_limit_of_cases_and_a_line_for_the_others(app):
    now = utcnow()
    reader = make_subscriber("ext@example.org", locale="en")
    author = make_author()
    for number in range(11):
        make_case(author, title=f"Case number {number}", published_at=now - (number + 1) * HOUR)

    message = _digests(app)["ext@example.org"]
    assert app.config["DIGEST_MAX_CASES"] == 8
    assert len(_cases_in(text_of(message))) == 8
    assert "3 more new case studies on the site" in text_of(message)
    assert "3 more new case studies on the site" in html_of(message)
    assert runs(reader)[0].case_count == 8


def test_one_case_more_is_said_in_the_singular(app):
    now = utcnow()
    make_subscriber("ext@example.org", locale="en")
    author = make_author()
    for number in range(9):
        make_case(author, title=f"Case number {number}", published_at=now - (number + 1) * HOUR)
    assert "1 more new case study on the site" in text_of(_digests(app)["ext@example.org"])


# -- nothing new -----------------------------------------------------------------------------------


def test_nothing_new_sends_nothing_and_records_a_skip(app):
    now = utcnow()
    reader = make_subscriber("ext@example.org", locale="en")
    make_case(make_author(), title="Old news", published_at=now - 30 * DAY)

    report = cycle("weekly", now)
    assert (report.queued, report.skipped) == (0, 1)
    (run,) = runs(reader)
    assert (run.status, run.outbox_key, run.case_count) == ("skipped", None, 0)
    assert outbox_rows() == []
    assert drain_to_memory(app) == {}
    # The skip counts as covered: the next digest starts at its end.
    assert reload_subscriber(reader).covered_until == now


# -- comments --------------------------------------------------------------------------------------


def test_comments_by_others_on_the_cases_a_member_wrote_or_saved(app):
    now = utcnow()
    member = make_member(display_name="Maria Autrice")
    member_subscriber(member, "weekly", "en")
    author = make_author()
    others = [make_author(display_name=f"Commentatore {n}") for n in range(4)]
    mine = make_case(member, title="My own case", published_at=now - 60 * DAY)
    saved = make_case(author, title="A case I saved", published_at=now - 60 * DAY)
    unrelated = make_case(author, title="Somebody else's case", published_at=now - 60 * DAY)
    db.session.execute(insert(Bookmark).values(case_id=saved.id, user_id=member.id, created_at=now - 30 * DAY))
    db.session.commit()

    make_comment(mine, others[0], "Bel lavoro")
    make_comment(saved, others[1], "Interessante")
    make_comment(mine, member, "Grazie a tutti")  # her own comment
    make_comment(unrelated, others[2], "Non la riguarda")
    make_comment(mine, others[3], "Troppo vecchio", age=10 * DAY)  # before the period
    hidden = make_comment(saved, others[3], "Nascosto dai moderatori")
    db.session.execute(update(Comment).where(Comment.id == hidden.id).values(hidden_at=now))
    db.session.commit()

    text = text_of(_digests(app)[member.email])
    comments = _section(text, "New comments")
    assert "Commentatore 0 on My own case" in comments
    assert "Commentatore 1 on A case I saved" in comments
    assert "Maria Autrice" not in comments
    assert "Somebody else's case" not in comments
    assert "Commentatore 2" not in comments and "Commentatore 3" not in comments
    assert _cases_in(text) == {}  # the cases are old: only the comments are news


def test_comments_alone_make_no_digest_for_somebody_else(app):
    now = utcnow()
    member = make_member()
    member_subscriber(member, "weekly", "en")
    bystander = member_subscriber(make_member(), "weekly", "en")
    case = make_case(member, title="My own case", published_at=now - 60 * DAY)
    make_comment(case, make_author(), "Bel lavoro")
    report = cycle("weekly")
    assert (report.queued, report.skipped) == (1, 1)
    assert [run.status for run in runs(bystander)] == ["skipped"]
    assert list(drain_to_memory(app)) == [member.email]


# -- sessions --------------------------------------------------------------------------------------


def test_upcoming_sessions_go_to_members_and_a_new_one_is_news(app):
    member = make_member()
    member_subscriber(member, "weekly", "en")
    make_subscriber("ext@example.org", locale="en")
    week = make_week(starts_on=3, days=3)
    make_session(week, 0, "10:00", "11:00", title="Ascoltare i reclami")
    make_session(make_week(starts_on=60), 0, title="Too far ahead")

    report = cycle("weekly")
    assert (report.queued, report.skipped) == (1, 1)  # a new session is news for members only
    (message,) = drain_to_memory(app).values()
    assert message["To"] == member.email
    sessions = _section(text_of(message), "Coming up: register now")
    assert "Ascoltare i reclami" in sessions
    assert "Too far ahead" not in sessions


def test_sessions_known_before_the_period_come_along_but_are_no_news_alone(app):
    member = make_member()
    subscriber = member_subscriber(member, "weekly", "en")
    make_session(make_week(starts_on=3, days=3), 0, title="Ascoltare i reclami")
    cycle("weekly", utcnow())
    drain_to_memory(app)
    # At the next scheduled moment the session is no longer new, so alone it makes no digest...
    # (Scheduled moments, as the scheduler uses: a period never reaches back past the previous
    # scheduled moment, which for an arbitrary time of day would depend on the hour the test runs.)
    later = schedule.due_moment("weekly", utcnow() + 7 * DAY)
    assert cycle("weekly", later).skipped == 1
    # ...but it comes along with a new case.
    make_case(make_author(), title="A case of this week", published_at=later + HOUR)
    assert cycle("weekly", schedule.due_moment("weekly", later + 8 * DAY)).queued == 1
    text = text_of(drain_to_memory(app)[member.email])
    assert "Ascoltare i reclami" in _section(text, "Coming up: register now")
    assert [run.status for run in runs(subscriber)] == ["queued", "skipped", "queued"]


# -- awards ----------------------------------------------------------------------------------------


def _shifted(phase: str, by: timedelta) -> dict:
    return {name: value + by for name, value in timeline(phase).items() if name in MOMENTS}


def test_award_news_of_the_period(app):
    make_subscriber("ext@example.org", locale="en")
    member = make_member()
    member_subscriber(member, "weekly", "en")
    organiser = make_author()
    make_edition("nominations", title="Nominations are open", actor=organiser)
    make_edition("voting", title="Vote closing soon", actor=organiser)
    now = utcnow()
    make_edition(
        "voting",
        title="Vote closing later",
        actor=organiser,
        vote_close_at=now + 5 * DAY,
        results_at=now + 6 * DAY,
    )
    make_edition("announced", title="Not open yet", actor=organiser)
    published = make_edition("closed", title="Results are out", actor=organiser)
    publish(published, organiser)
    make_edition("closed", title="Results not published", actor=organiser)
    old = make_edition("closed", title="Results of long ago", actor=organiser, **_shifted("closed", -20 * DAY))
    publish(old, organiser)
    hidden = make_edition("nominations", title="Unpublished edition", actor=organiser)
    db.session.execute(update(AwardEdition).where(AwardEdition.id == hidden.id).values(published=False))
    db.session.commit()

    mails = _digests(app)
    for address in ("ext@example.org", member.email):
        awards = _section(text_of(mails[address]), "Awards")
        assert "* Nominations are open: nominations are open until" in awards
        assert "* Vote closing soon: the member vote closes on" in awards
        assert "* Results are out: the results are published." in awards
        for title in ("Vote closing later", "Not open yet", "Results not published", "Results of long ago"):
            assert title not in awards, (address, title)
        assert "Unpublished edition" not in awards


# -- cross-silo ------------------------------------------------------------------------------------


@pytest.fixture
def banking_contact_centre_head(app):
    """A member of banking / contact centre, following the competences of her own silo's new cases."""
    make_sector("banking", "Banche", "Banking")
    make_function("contact-centre", "Contact center", "Contact centre")
    listening = make_competence("listening", "Ascolto", "Listening")
    complaints = make_competence("complaints", "Reclami", "Complaints")
    member = make_member(sector="banking", function="contact-centre", competences=["listening"])
    db.session.execute(
        insert(followed_competences),
        [{"user_id": member.id, "competence_id": term.id} for term in (listening, complaints)],
    )
    db.session.commit()
    member_subscriber(member, "weekly", "en")
    return member


def test_a_member_of_one_silo_gets_at_least_half_cross_silo_cases_with_their_reasons(app, banking_contact_centre_head):
    member = banking_contact_centre_head
    make_sector("utilities", "Servizi di pubblica utilità", "Utilities")
    make_function("marketing", "Marketing (it)", "Marketing")
    author = make_author()
    now = utcnow()
    same_silo = set()
    for number in range(10):
        case = make_case(
            author,
            title=f"Banking contact centre {number}",
            sector="banking",
            functions=["contact-centre"],
            competences=["listening", "complaints"],
            published_at=now - (number + 1) * HOUR,
        )
        same_silo.add(case.title)
    other_sector = {
        make_case(
            author,
            title=f"Utility story {number}",
            sector="utilities",
            functions=["contact-centre"],
            published_at=now - (3 + number) * DAY,
        ).title
        for number in range(3)
    }
    other_function = {
        make_case(
            author,
            title=f"Bank marketing story {number}",
            sector="banking",
            functions=["marketing"],
            published_at=now - (3 + number) * DAY,
        ).title
        for number in range(2)
    }

    message = _digests(app)[member.email]
    picked = _cases_in(text_of(message))
    assert len(picked) == 8
    cross = [title for title in picked if title in other_sector | other_function]
    assert len(cross) >= 4, picked
    for title in cross:
        if title in other_sector:
            assert picked[title] == "From another sector, Utilities: see how they solved it.", title
        else:
            assert picked[title] == "From another function, Marketing: the same customers seen from elsewhere.", title
    for title in set(picked) - set(cross):
        assert title in same_silo
        assert not picked[title].startswith("From another"), (title, picked[title])
    # The reasons are in the HTML part too, next to their case.
    html = html_of(message)
    for title in cross:
        assert picked[title] in html
