"""Nominations: authors enter their own cases at once, up to N categories per case; anyone else's
nomination waits for an author; eligibility rules, windows and suspensions; the organisers' checks
and their choice of finalists, each audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from club.awards import services
from club.awards.models import AwardEdition, Nomination
from club.extensions import db
from tests.award_factories import (
    audit_entries,
    enter,
    make_category,
    make_edition,
    move_to,
    race,
    reload,
    signed_in,
)
from tests.case_factories import make_case
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
)
from tests.factories import make_member, make_organiser, make_sector
from tests.helpers import url

EN = {"Accept-Language": "en"}


def _nominate(member_client, category, case, **extra):
    data = {"category_id": str(category.id), "case": str(case if isinstance(case, int | str) else case.id), **extra}
    return member_client.post(url("awards.nominate", edition_id=category.edition_id), data=data, headers=EN)


def _nominations(case=None) -> list[Nomination]:
    db.session.expire_all()
    statement = select(Nomination).order_by(Nomination.id)
    if case is not None:
        statement = statement.where(Nomination.case_id == case.id)
    return list(db.session.scalars(statement))


@pytest.fixture
def edition(app):
    return make_edition("nominations", max_entries_per_case=2)


@pytest.fixture
def category(edition):
    return make_category(edition, "Ascolto del cliente")


@pytest.fixture
def author(app):
    return make_member(display_name="Anna Autrice", locale="en")


# -- authors enter their cases ---------------------------------------------------------------------


def test_an_author_enters_a_published_case_and_it_counts_at_once(app, category, author):
    case = make_case(author, title="Reclami in ventiquattro ore")
    author_client = signed_in(app, author)
    response = _nominate(author_client, category, case, statement="Un anno di lavoro.")
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(
        url("awards.edition", edition_id=category.edition_id) + "#my-nominations"
    )
    [nomination] = _nominations()
    assert (nomination.status, nomination.slot, nomination.case_id) == ("entered", 0, case.id)
    assert nomination.nominated_by_id == author.id and nomination.accepted_by_id == author.id
    assert nomination.statement == "Un anno di lavoro." and nomination.entered_at is not None
    page = author_client.get(url("awards.edition", edition_id=category.edition_id), headers=EN).text
    assert "is entered in Ascolto del cliente" in page
    assert "Reclami in ventiquattro ore" in page and "Entered" in page


def test_a_case_can_be_given_by_its_address(app, category, author):
    case = make_case(author)
    response = _nominate(signed_in(app, author), category, f"https://club.example/cases/{case.id}/")
    assert response.status_code == 302, response.text
    assert [n.case_id for n in _nominations()] == [case.id]


def test_an_unreadable_case_reference_is_refused(app, category, author):
    response = _nominate(signed_in(app, author), category, "il mio caso")
    assert response.status_code == 400
    assert "Write the case study" in response.text
    assert _nominations() == []


def test_a_coauthor_enters_the_case_too(app, category, author):
    coauthor = make_member()
    case = make_case(author, coauthors=[coauthor])
    assert _nominate(signed_in(app, coauthor), category, case).status_code == 302
    assert [n.status for n in _nominations()] == ["entered"]


def test_a_case_enters_at_most_n_categories(app, edition, author):
    categories = [make_category(edition, f"Categoria {n}") for n in range(3)]
    case = make_case(author)
    author_client = signed_in(app, author)
    assert _nominate(author_client, categories[0], case).status_code == 302
    assert _nominate(author_client, categories[1], case).status_code == 302
    response = _nominate(author_client, categories[2], case)
    assert response.status_code == 409
    assert "This case is already entered in 2 categories, the most allowed." in response.text
    assert sorted(n.slot for n in _nominations(case)) == [0, 1]
    assert count(Nomination) == 2


def test_the_limit_follows_the_edition_setting(app, author):
    edition = make_edition("nominations", max_entries_per_case=1)
    first, second = make_category(edition, "Prima"), make_category(edition, "Seconda")
    case = make_case(author)
    author_client = signed_in(app, author)
    assert _nominate(author_client, first, case).status_code == 302
    response = _nominate(author_client, second, case)
    assert response.status_code == 409 and "already entered in 1 category, the most allowed." in response.text


def test_withdrawing_frees_the_slot(app, edition, author):
    categories = [make_category(edition, f"Categoria {n}") for n in range(3)]
    case = make_case(author)
    author_client = signed_in(app, author)
    for category in categories[:2]:
        assert _nominate(author_client, category, case).status_code == 302
    first = _nominations(case)[0]
    response = author_client.post(url("awards.withdraw", nomination_id=first.id), headers=EN)
    assert response.status_code == 302
    first = reload(Nomination, first.id)
    assert (first.status, first.slot) == ("withdrawn", None)
    assert _nominate(author_client, categories[2], case).status_code == 302
    assert sorted((n.category_id, n.status) for n in _nominations(case)) == sorted(
        [(categories[0].id, "withdrawn"), (categories[1].id, "entered"), (categories[2].id, "entered")]
    )
    # ... and the withdrawn one can come back once a slot is free again.
    assert _nominate(author_client, categories[0], case).status_code == 409


def test_a_withdrawn_case_can_be_entered_again(app, category, author):
    case = make_case(author)
    author_client = signed_in(app, author)
    assert _nominate(author_client, category, case).status_code == 302
    nomination = _nominations()[0]
    assert author_client.post(url("awards.withdraw", nomination_id=nomination.id), headers=EN).status_code == 302
    assert _nominate(author_client, category, case).status_code == 302
    assert [(n.status, n.slot) for n in _nominations()] == [("entered", 0)]


def test_only_an_author_withdraws(app, category, author):
    nomination = enter(category, make_case(author))
    response = signed_in(app, make_member()).post(url("awards.withdraw", nomination_id=nomination.id), headers=EN)
    assert response.status_code == 403
    assert reload(Nomination, nomination.id).status == "entered"


def test_the_database_refuses_a_second_use_of_a_slot(app, edition, author):
    from sqlalchemy.exc import IntegrityError

    first, second = make_category(edition, "Prima"), make_category(edition, "Seconda")
    case = make_case(author)
    enter(first, case)
    db.session.add(
        Nomination(
            edition_id=edition.id, category_id=second.id, case_id=case.id, status="entered", slot=0, entered_at=None
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_duplicate_nomination_is_refused(app, category, author):
    case = make_case(author)
    author_client = signed_in(app, author)
    assert _nominate(author_client, category, case).status_code == 302
    response = _nominate(author_client, category, case)
    assert response.status_code == 409
    assert "This case is already nominated in this category." in response.text
    other = _nominate(signed_in(app, make_member()), category, case)
    assert other.status_code == 409
    assert count(Nomination) == 1


# -- someone else's case: proposed, then accepted or declined --------------------------------------


def test_someone_elses_case_waits_for_the_authors_who_get_an_email(app, category, author, mail_outbox):
    coauthor = make_member(locale="en")
    case = make_case(author, coauthors=[coauthor], title="Il reclamo come regalo")
    proposer = make_member(display_name="Piero Proponente")
    response = _nominate(signed_in(app, proposer), category, case)
    assert response.status_code == 302, response.text
    [nomination] = _nominations()
    assert (nomination.status, nomination.slot, nomination.nominated_by_id) == ("proposed", None, proposer.id)
    assert sorted(message["To"] for message in mail_outbox) == sorted([author.email, coauthor.email])
    message = mail_outbox[0]
    assert message["Subject"] == "Your case study has been nominated for an award"
    body = message.get_body(("plain",)).get_content()
    assert "Piero Proponente" in body and "Il reclamo come regalo" in body and "Ascolto del cliente" in body
    assert url("awards.edition", edition_id=category.edition_id) in body
    page = signed_in(app, author).get(url("awards.edition", edition_id=category.edition_id), headers=EN).text
    assert "Waiting for the authors" in page
    assert url("awards.accept", nomination_id=nomination.id) in page


def test_an_author_accepts_a_proposal(app, category, author):
    case = make_case(author)
    assert _nominate(signed_in(app, make_member()), category, case).status_code == 302
    [nomination] = _nominations()
    response = signed_in(app, author).post(url("awards.accept", nomination_id=nomination.id), headers=EN)
    assert response.status_code == 302
    nomination = reload(Nomination, nomination.id)
    assert (nomination.status, nomination.slot, nomination.accepted_by_id) == ("entered", 0, author.id)


def test_an_author_nominating_a_proposed_case_accepts_it(app, category, author):
    case = make_case(author)
    assert _nominate(signed_in(app, make_member()), category, case).status_code == 302
    assert _nominate(signed_in(app, author), category, case).status_code == 302
    assert [(n.status, n.accepted_by_id) for n in _nominations()] == [("entered", author.id)]


def test_an_author_declines_a_proposal(app, category, author):
    case = make_case(author)
    assert _nominate(signed_in(app, make_member()), category, case).status_code == 302
    [nomination] = _nominations()
    author_client = signed_in(app, author)
    assert author_client.post(url("awards.decline", nomination_id=nomination.id), headers=EN).status_code == 302
    assert reload(Nomination, nomination.id).status == "declined"
    # Declined: it no longer waits, and cannot be accepted any more.
    assert author_client.post(url("awards.accept", nomination_id=nomination.id), headers=EN).status_code == 409


def test_someone_who_is_not_an_author_cannot_accept_or_decline(app, category, author):
    case = make_case(author)
    proposer = make_member()
    assert _nominate(signed_in(app, proposer), category, case).status_code == 302
    [nomination] = _nominations()
    for member_client in (signed_in(app, proposer), signed_in(app, make_member())):
        for endpoint in ("awards.accept", "awards.decline"):
            response = member_client.post(url(endpoint, nomination_id=nomination.id), headers=EN)
            assert response.status_code == 403, endpoint
            assert "Only the authors of the case can do this." in response.text
    assert reload(Nomination, nomination.id).status == "proposed"


def test_accepting_a_case_already_at_its_limit_is_refused(app, edition, author):
    categories = [make_category(edition, f"Categoria {n}") for n in range(3)]
    case = make_case(author)
    assert _nominate(signed_in(app, make_member()), categories[2], case).status_code == 302
    proposal = _nominations()[0]
    enter(categories[0], case)
    enter(categories[1], case)
    response = signed_in(app, author).post(url("awards.accept", nomination_id=proposal.id), headers=EN)
    assert response.status_code == 409
    assert reload(Nomination, proposal.id).status == "proposed"


def test_a_proposal_cannot_be_accepted_after_the_nominations_close(app, category, edition, author):
    case = make_case(author)
    assert _nominate(signed_in(app, make_member()), category, case).status_code == 302
    [nomination] = _nominations()
    move_to(reload(AwardEdition, edition.id), "selection")
    response = signed_in(app, author).post(url("awards.accept", nomination_id=nomination.id), headers=EN)
    assert response.status_code == 409
    assert reload(Nomination, nomination.id).status == "proposed"


# -- refusals --------------------------------------------------------------------------------------


def test_a_case_published_outside_the_dates_is_refused(app, edition, author):
    category = make_category(edition, eligible_from=date(2030, 1, 1), eligible_until=date(2030, 12, 31))
    late = make_case(author, published_at=datetime(2031, 1, 1, 12, 0, tzinfo=UTC))
    early = make_case(author, published_at=datetime(2029, 12, 31, 12, 0, tzinfo=UTC))
    author_client = signed_in(app, author)
    for case in (late, early):
        response = _nominate(author_client, category, case)
        assert response.status_code == 400
        assert "This category takes cases published between 01/01/2030 and 31/12/2030." in response.text
    assert _nominations() == []


def test_the_publication_day_is_read_in_italian_time(app, edition, author):
    category = make_category(edition, eligible_from=date(2030, 1, 1), eligible_until=date(2030, 12, 31))
    # 23:30 UTC on 31 December 2029 is 00:30 on 1 January 2030 in Rome: inside the period.
    new_year = make_case(author, published_at=datetime(2029, 12, 31, 23, 30, tzinfo=UTC))
    # 23:30 UTC on 31 December 2030 is already 1 January 2031 in Rome: outside.
    too_late = make_case(author, published_at=datetime(2030, 12, 31, 23, 30, tzinfo=UTC))
    author_client = signed_in(app, author)
    assert _nominate(author_client, category, new_year).status_code == 302
    assert _nominate(author_client, category, too_late).status_code == 400


def test_a_case_from_another_sector_is_refused(app, edition, author):
    banking, retail = make_sector("banking"), make_sector("retail")
    category = make_category(edition, sectors=[banking])
    author_client = signed_in(app, author)
    response = _nominate(author_client, category, make_case(author, sector=retail))
    assert response.status_code == 400
    assert "This category is open only to some sectors, and this case is from another one." in response.text
    assert _nominate(author_client, category, make_case(author)).status_code == 400  # no sector at all
    assert _nominate(author_client, category, make_case(author, sector=banking)).status_code == 302
    assert count(Nomination) == 1


@pytest.mark.parametrize("status", ["draft", "submitted", "changes_requested", "archived"])
def test_an_unpublished_case_is_refused(app, category, author, status):
    case = make_case(author, status=status)
    response = _nominate(signed_in(app, author), category, case)
    assert response.status_code == 400
    assert "Only published case studies can be entered." in response.text
    assert _nominations() == []


def test_someone_elses_draft_cannot_be_nominated(app, category, author):
    case = make_case(author, status="draft")
    response = _nominate(signed_in(app, make_member()), category, case)
    assert response.status_code == 404
    assert _nominate(signed_in(app, make_member()), category, 987654).status_code == 404
    assert _nominations() == []


@pytest.mark.parametrize("phase", ["announced", "selection", "judging_voting", "closed"])
def test_outside_the_nomination_window_nothing_is_nominated(app, author, phase):
    edition = make_edition(phase)
    category = make_category(edition)
    case = make_case(author)
    response = _nominate(signed_in(app, author), category, case)
    assert response.status_code == 409
    assert "Nominations are not open." in response.text
    assert _nominate(signed_in(app, make_member()), category, case).status_code == 409
    assert _nominations() == []


def test_the_window_is_checked_on_the_server_even_from_an_old_page(app, category, edition, author):
    author_client = signed_in(app, author)
    page = author_client.get(url("awards.edition", edition_id=edition.id), headers=EN).text
    assert url("awards.nominate", edition_id=edition.id) in page  # the form is there while open
    move_to(reload(AwardEdition, edition.id), "selection")
    assert _nominate(author_client, category, make_case(author)).status_code == 409
    page = author_client.get(url("awards.edition", edition_id=edition.id), headers=EN).text
    assert url("awards.nominate", edition_id=edition.id) not in page


def test_withdrawing_after_the_nominations_close_is_refused(app, category, edition, author):
    nomination = enter(category, make_case(author))
    move_to(reload(AwardEdition, edition.id), "selection")
    response = signed_in(app, author).post(url("awards.withdraw", nomination_id=nomination.id), headers=EN)
    assert response.status_code == 409
    assert reload(Nomination, nomination.id).status == "entered"


def test_a_suspended_member_cannot_nominate_accept_or_withdraw(app, category, author):
    suspended = make_member()
    own, proposal_case = make_case(suspended), make_case(suspended)
    suspended.suspended_at = datetime.now(UTC)
    db.session.commit()
    with pytest.raises(services.AwardError) as refused:
        services.nominate(category, own, suspended)
    assert refused.value.status == 403
    db.session.rollback()
    db.session.add(
        Nomination(edition_id=category.edition_id, category_id=category.id, case_id=proposal_case.id, status="proposed")
    )
    db.session.commit()
    proposal = _nominations(proposal_case)[0]
    for action in (services.accept, services.decline):
        with pytest.raises(services.AwardError) as refused:
            action(proposal, suspended)
        assert refused.value.status == 403
    db.session.rollback()
    entered = enter(category, own)
    with pytest.raises(services.AwardError) as refused:
        services.withdraw(entered, suspended)
    assert refused.value.status == 403
    db.session.rollback()
    assert sorted(n.status for n in _nominations()) == ["entered", "proposed"]


def test_a_member_suspended_during_their_session_is_signed_out_before_nominating(app, category, author):
    author_client = signed_in(app, author)
    case = make_case(author)
    author.suspended_at = datetime.now(UTC)
    db.session.commit()
    response = _nominate(author_client, category, case)
    assert response.status_code == 302 and url("accounts.login") in response.headers["Location"]
    assert _nominations() == []


def test_anonymous_visitors_are_sent_to_sign_in(client, category, author):
    response = _nominate(client, category, make_case(author))
    assert response.status_code == 302 and url("accounts.login") in response.headers["Location"]
    assert _nominations() == []


# -- the organisers: eligibility and finalists -----------------------------------------------------


@pytest.fixture
def organiser(app):
    return make_organiser(display_name="Olga Organizzatrice")


def _decide(organiser_client, nomination, decision, note=""):
    return organiser_client.post(
        url("awards.eligibility", nomination_id=nomination.id), data={"decision": decision, "note": note}, headers=EN
    )


def test_an_organiser_marks_entries_eligible_or_not_with_a_reason(app, category, edition, author, organiser):
    move_to(reload(AwardEdition, edition.id), "selection")
    good, bad = enter(category, make_case(author), eligible=False), enter(category, make_case(author), eligible=False)
    organiser_client = signed_in(app, organiser)
    assert _decide(organiser_client, good, "eligible").status_code == 302
    response = _decide(organiser_client, bad, "ineligible")
    assert response.status_code == 400
    assert "Say why the case is not eligible: the authors will read it." in response.text
    assert reload(Nomination, bad.id).eligibility == "unchecked"
    assert _decide(organiser_client, bad, "ineligible", "Pubblicato fuori dal periodo.").status_code == 302
    good, bad = reload(Nomination, good.id), reload(Nomination, bad.id)
    assert good.eligibility == "eligible"
    assert (bad.eligibility, bad.eligibility_note) == ("ineligible", "Pubblicato fuori dal periodo.")
    entries = audit_entries(edition, "award.eligibility")
    assert [(e.actor_id, e.details["nomination_id"], e.details["eligibility"]) for e in entries] == [
        (organiser.id, good.id, "eligible"),
        (organiser.id, bad.id, "ineligible"),
    ]
    page = signed_in(app, author).get(url("awards.edition", edition_id=edition.id), headers=EN).text
    assert "Not eligible: Pubblicato fuori dal periodo." in page


def test_only_entered_nominations_are_checked(app, category, author, organiser):
    proposal = Nomination(
        edition_id=category.edition_id, category_id=category.id, case_id=make_case(author).id, status="proposed"
    )
    db.session.add(proposal)
    db.session.commit()
    response = _decide(signed_in(app, organiser), proposal, "eligible")
    assert response.status_code == 409
    assert reload(Nomination, proposal.id).eligibility == "unchecked"


def _choose(organiser_client, category, *nominations):
    return organiser_client.post(
        url("awards.choose_finalists", category_id=category.id),
        data={"finalists": [str(n.id) for n in nominations]},
        headers=EN,
    )


def _finalist_ids(category) -> set[int]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(Nomination.id).where(Nomination.category_id == category.id, Nomination.finalist.is_(True))
        )
    )


def test_the_organiser_chooses_finalists_among_eligible_entries(app, category, edition, author, organiser):
    move_to(reload(AwardEdition, edition.id), "selection")
    a, b, c = (enter(category, make_case(author)) for _ in range(3))
    organiser_client = signed_in(app, organiser)
    assert _choose(organiser_client, category, a, b).status_code == 302
    assert _finalist_ids(category) == {a.id, b.id}
    assert _choose(organiser_client, category, b, c).status_code == 302  # a new choice replaces the old one
    assert _finalist_ids(category) == {b.id, c.id}
    entries = audit_entries(edition, "award.finalists")
    assert [(e.actor_id, e.details["finalists"]) for e in entries] == [
        (organiser.id, sorted([a.case_id, b.case_id])),
        (organiser.id, sorted([b.case_id, c.case_id])),
    ]
    manage = organiser_client.get(url("awards.manage", category_id=category.id), headers=EN).text
    assert "Save the finalists" in manage


def test_an_unchecked_ineligible_or_proposed_entry_cannot_be_a_finalist(app, category, edition, author, organiser):
    move_to(reload(AwardEdition, edition.id), "selection")
    eligible = enter(category, make_case(author))
    unchecked = enter(category, make_case(author), eligible=False)
    ineligible = enter(category, make_case(author), eligible=False)
    ineligible.eligibility, ineligible.eligibility_note = "ineligible", "Fuori tema"
    proposed = Nomination(
        edition_id=edition.id, category_id=category.id, case_id=make_case(author).id, status="proposed"
    )
    db.session.add(proposed)
    db.session.commit()
    organiser_client = signed_in(app, organiser)
    for refused in (unchecked, ineligible, proposed):
        response = _choose(organiser_client, category, eligible, refused)
        assert response.status_code == 409, refused
        assert "is not an eligible entry: check it first." in response.text
    assert _finalist_ids(category) == set()
    assert audit_entries(edition, "award.finalists") == []


def test_a_nomination_of_another_category_is_refused(app, edition, author, organiser):
    move_to(reload(AwardEdition, edition.id), "selection")
    first, second = make_category(edition, "Prima"), make_category(edition, "Seconda")
    elsewhere = enter(second, make_case(author))
    response = _choose(signed_in(app, organiser), first, elsewhere)
    assert response.status_code == 400
    assert _finalist_ids(second) == set()


def test_finalists_wait_for_the_nominations_to_close(app, category, author, organiser):
    nomination = enter(category, make_case(author))
    response = _choose(signed_in(app, organiser), category, nomination)
    assert response.status_code == 409
    assert "Finalists are chosen once the nominations have closed." in response.text
    assert _finalist_ids(category) == set()


@pytest.mark.parametrize("phase", ["judging", "voting", "judging_voting", "closed"])
def test_finalists_are_fixed_once_judging_or_voting_started(app, category, edition, author, organiser, phase):
    finalist = enter(category, make_case(author), finalist=True)
    other = enter(category, make_case(author))
    move_to(reload(AwardEdition, edition.id), phase)
    organiser_client = signed_in(app, organiser)
    response = _choose(organiser_client, category, other)
    assert response.status_code == 409
    assert "Finalists are fixed once judging or voting has started." in response.text
    assert _finalist_ids(category) == {finalist.id}
    # Nor can a finalist lose its eligibility (and so its place) behind the jury's back.
    assert _decide(organiser_client, finalist, "ineligible", "Ripensamento").status_code == 409
    assert reload(Nomination, finalist.id).finalist
    assert audit_entries(edition, "award.finalists") == []


def test_marking_a_finalist_ineligible_before_judging_removes_it(app, category, edition, author, organiser):
    move_to(reload(AwardEdition, edition.id), "selection")
    finalist = enter(category, make_case(author), finalist=True)
    assert _decide(signed_in(app, organiser), finalist, "ineligible", "Dati non verificabili").status_code == 302
    assert not reload(Nomination, finalist.id).finalist


def test_the_manage_page_lists_the_nominations_and_their_rule_check(app, edition, author, organiser):
    category = make_category(edition, eligible_from=date.today() - timedelta(days=30))
    fresh = make_case(author, title="Caso recente")
    old = make_case(author, title="Caso vecchio", published_at=datetime.now(UTC) - timedelta(days=400))
    enter(category, fresh, eligible=False)
    enter(category, old, eligible=False)
    page = signed_in(app, organiser).get(url("awards.manage", category_id=category.id), headers=EN).text
    assert "Caso recente" in page and "Caso vecchio" in page
    assert "Meets the rules" in page and "This category takes cases published between" in page


# -- concurrent requests ---------------------------------------------------------------------------


def test_an_author_racing_entries_in_many_categories_never_exceeds_the_limit(app, edition, author):
    categories = [make_category(edition, f"Categoria {n}") for n in range(6)]
    case = make_case(author)
    clients = [signed_in(app, author) for _ in categories]
    path = url("awards.nominate", edition_id=edition.id)
    results = race(
        [
            (c, path, {"category_id": str(category.id), "case": str(case.id)})
            for c, category in zip(clients, categories, strict=True)
        ]
    )
    assert all(result in (302, 409) for result in results), results
    entered = [n for n in _nominations(case) if n.status == "entered"]
    assert 1 <= len(entered) <= 2
    assert sorted(n.slot for n in entered) == list(range(len(entered)))
    assert results.count(302) == len(entered)


def test_members_racing_to_nominate_the_same_case_make_one_nomination(app, category, author):
    case = make_case(author)
    proposers = [make_member() for _ in range(6)]
    path = url("awards.nominate", edition_id=category.edition_id)
    data = {"category_id": str(category.id), "case": str(case.id)}
    results = race([(signed_in(app, proposer), path, data) for proposer in proposers])
    assert sorted(results, key=str) == sorted([302] + [409] * 5, key=str), results
    assert [n.status for n in _nominations(case)] == ["proposed"]
