"""Acceptance: "the dashboard's query count does not grow with the data", nor do the console's lists.

Each test measures the pages once with a little of everything (so that no branch that skips a query
when a list is empty is taken), then again after adding several times as much: more cases waiting,
nominations, juries with jurors (one recused) and scores, reported and hidden comments, bouncing
subscribers, invitations, members, audit entries, activity for the insights and digests.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import insert

from club.awards.models import Nomination
from club.cases.models import CaseView, UsefulMark
from club.core import audit
from club.core.models import OutboxMessage
from club.core.timeutil import utcnow
from club.digests.models import DigestRun
from club.extensions import db
from club.organiser import services
from tests.award_factories import add_jurors, enter, make_category, make_edition, make_finalists, score, vote
from tests.case_factories import bulk_cases, make_case, make_comment
from tests.digest_factories import make_subscriber
from tests.event_factories import compiled_templates_once, make_session, make_week, seat  # noqa: F401
from tests.factories import _next, make_function, make_member, make_organiser, make_sector
from tests.helpers import url
from tests.organiser_factories import EN, console_client, hide, make_invitation, make_old_member, report


def _count(client, count_queries, path: str) -> int:
    with count_queries() as counter:
        response = client.get(path, headers=EN)
    assert response.status_code == 200, (path, response.status_code)
    return counter.count


@pytest.fixture
def world(app):
    organiser = make_organiser(display_name="Olivia", locale="en")
    return SimpleNamespace(
        organiser=organiser,
        client=console_client(app, organiser),
        sector=make_sector("banche"),
        other_sector=make_sector("telco"),
        function=make_function("marketing"),
        author=make_member(display_name="Autrice Prolifica", sector="banche", function="marketing"),
        member=make_member(display_name="Membro Seguito", sector="telco"),
    )


def grow(world, size: int) -> None:
    """Add `size` of everything the console counts or lists."""
    now = utcnow()
    organiser = world.organiser
    # Cases waiting for moderation, and published ones to act on.
    bulk_cases(world.author, size, status="submitted", sector=world.sector)
    published = [
        make_case(world.author, title=f"Pubblicato {_next()}", sector=world.sector, functions=[world.function])
        for _ in range(size)
    ]
    # Nominations to check, in an open edition.
    open_edition = make_edition("nominations", title=f"Premio aperto {_next()}")
    for _ in range(2):
        category = make_category(open_edition, f"Da controllare {_next()}")
        for _ in range(size):
            enter(category, make_case(make_member()), eligible=False)
    proposal = Nomination(
        edition_id=open_edition.id, category_id=category.id, case_id=published[0].id, nominated_by_id=world.member.id
    )
    db.session.add(proposal)
    db.session.commit()
    # A jury at work: `size` finalists, jurors with scores, one juror recused from one finalist.
    judging = make_edition("judging", title=f"Premio in giuria {_next()}")
    for _ in range(2):
        category = make_category(judging, f"In giuria {_next()}")
        cases = [make_case(make_member(), organisation=f"Organizzazione {_next()}") for _ in range(size)]
        finalists = make_finalists(category, *cases)
        colleague = make_member(organisation=cases[0].organisation)
        jurors = [make_member(organisation="Indipendente") for _ in range(2)]
        add_jurors(category, colleague, *jurors)
        for finalist in finalists[1:]:
            score(finalist, colleague, 5, 6, 7)
        for finalist in finalists[: size // 2 + 1]:
            score(finalist, jurors[0], 7, 8, 9)
    # A vote in progress, for the insights.
    voting = make_edition("voting", title=f"Premio in voto {_next()}")
    vote_category = make_category(voting, f"In voto {_next()}")
    make_finalists(vote_category, *published[:2])
    # Members: active ones with profiles, silent ones, suspended ones; they read, mark, comment, vote.
    readers = [
        make_member(sector=world.other_sector, function=world.function, organisation=f"Org {_next()}")
        for _ in range(size)
    ]  # noqa: E501
    for _ in range(size):
        make_old_member(sector=world.sector)
        make_member(suspended=True)
    db.session.execute(
        insert(CaseView),
        [{"case_id": case.id, "viewer_id": reader.id, "viewed_at": now} for case in published for reader in readers],
    )
    db.session.execute(
        insert(UsefulMark),
        [{"case_id": published[0].id, "user_id": reader.id, "created_at": now} for reader in readers],
    )
    db.session.commit()
    for reader in readers:
        vote(vote_category, reader, *published[:2])
    # Comments: reported (twice each), hidden, and plain ones.
    for n, reader in enumerate(readers):
        reported = make_comment(published[n % len(published)], reader, f"Da segnalare {_next()}")
        report(reported, world.member, "offensive", "Parole forti")
        report(reported, world.author, "spam")
        hide(make_comment(published[0], reader, f"Da nascondere {_next()}"), organiser, "Fuori tema")
        make_comment(published[-1], reader, f"Un commento qualunque {_next()}")
    # Digests: bouncing subscribers, deliveries and skips.
    for _ in range(size):
        subscriber = make_subscriber(bounce_count=1)
        number = _next()
        db.session.add_all(
            [
                OutboxMessage(key=f"digest-{number}", kind="digest", recipient=subscriber.email, subject="Digest",
                              text_body="...", status="sent", sent_at=now),
                OutboxMessage(key=f"failed-{number}", kind="digest", recipient=subscriber.email, subject="Digest",
                              text_body="...", status="failed"),
                DigestRun(subscriber_id=subscriber.id, frequency="weekly", period_key=f"p-{number}", period_start=now,
                          period_end=now, status="skipped"),
            ]
        )  # fmt: skip
    db.session.commit()
    # Invitations in every state, inviters and audit entries by several organisers.
    inviters = [make_organiser() for _ in range(2)]
    for n in range(size):
        make_invitation(inviters[n % 2], revoked=n % 3 == 1, expires_in=timedelta(days=-1 if n % 3 == 2 else 14))
        audit.record(inviters[n % 2], "member.role", f"user:{world.member.id}", "Membro", previous="member", role="x")
        audit.record(organiser, "sector.rename", f"sector:{world.sector.id}", "Banche")
    db.session.commit()
    # Registrations, for the member's page and the exports.
    week = make_week(starts_on=30 + _next() % 200)
    talk = make_session(week, 0, capacity=size * 2)
    seat(talk, world.member, *readers)
    # More terms in the taxonomy, used by profiles.
    for _ in range(size):
        make_member(sector=make_sector(), function=make_function())


PAGES = {
    "dashboard": lambda world: url("organiser.dashboard"),
    "members": lambda world: url("organiser.members"),
    "members filtered": lambda world: url("organiser.members", state="active", sector=world.sector.id),
    "silent filter": lambda world: url("organiser.members", state="silent"),
    "member": lambda world: url("organiser.member", user_id=world.member.id),
    "reported comments": lambda world: url("organiser.comments"),
    "hidden comments": lambda world: url("organiser.comments", show="hidden"),
    "invitations": lambda world: url("organiser.invitations"),
    "audit": lambda world: url("organiser.audit_log"),
    "audit filtered": lambda world: url("organiser.audit_log", kind="member"),
    "insights": lambda world: url("organiser.insights"),
    "insights by function": lambda world: url("organiser.insights", dimension="function", months="24"),
    "silent": lambda world: url("organiser.silent_members"),
    "sectors": lambda world: url("organiser.terms", kind="sector"),
    "functions": lambda world: url("organiser.terms", kind="function"),
    "term": lambda world: url("organiser.term", kind="sector", term_id=world.sector.id),
    "exports": lambda world: url("organiser.exports_page"),
}


def _measure(world, count_queries, names) -> dict[str, int]:
    return {name: _count(world.client, count_queries, PAGES[name](world)) for name in names}


def _board_figures() -> dict:
    board = services.dashboard()
    return {
        "cases": board.cases_to_moderate,
        "nominations": board.nominations_total,
        "juries": len(board.juries),
        "scores expected": sum(item.expected for item in board.juries),
        "scores done": sum(item.done for item in board.juries),
        "bouncing": board.bouncing_addresses,
        "failed": board.failed_messages,
        "reported": board.reported_comments,
        "hidden": board.hidden_comments,
        "invitations": board.pending_invitations,
        "members": board.members,
        "silent": board.silent_members,
    }


def test_the_dashboard_does_not_grow_with_the_data(world, count_queries):
    grow(world, 2)
    small = _measure(world, count_queries, ["dashboard"])
    before = _board_figures()
    assert all(before.values()), before  # every figure has something to count
    grow(world, 9)
    large = _measure(world, count_queries, ["dashboard"])
    after = _board_figures()
    assert all(after[key] > before[key] for key in before), (before, after)
    assert large == small


def test_the_console_lists_do_not_grow_with_the_data(world, count_queries):
    names = [name for name in PAGES if name != "dashboard"]
    grow(world, 2)
    small = _measure(world, count_queries, names)
    grow(world, 9)
    large = _measure(world, count_queries, names)
    assert large == small


@pytest.mark.parametrize("name", ["members", "cases", "rsvps", "feedback", "award-results"])
def test_the_exports_do_not_grow_with_the_data(world, count_queries, name):
    path = url("organiser.export", name=name)
    grow(world, 2)
    small = _count(world.client, count_queries, path)
    grow(world, 9)
    assert _count(world.client, count_queries, path) == small


def test_a_full_page_of_members_costs_what_a_short_one_does(world, count_queries):
    """Past the page size (30), the members list still reads in the same statements."""
    grow(world, 2)
    small = _measure(world, count_queries, ["members", "silent"])
    for _ in range(40):
        make_member(sector=world.sector, function=world.function, competences=["analytics"])
        make_old_member(sector=world.other_sector)
    large = _measure(world, count_queries, ["members", "silent"])
    assert large == small
