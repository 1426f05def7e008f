"""The member vote: a ranking cast from the page's place selects or as a `ranking` list, a receipt
shown once, changes until the close (one row per member), refusals that store nothing, a secret
ballot (turnout only, never who), and one ballot per member even under concurrent requests."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from club.accounts.models import User
from club.awards import services
from club.awards.models import AwardEdition, Ballot
from club.extensions import db
from tests.award_factories import (
    ballots_of,
    enter,
    make_category,
    make_edition,
    make_finalists,
    move_to,
    publish,
    race,
    reload,
    signed_in,
    vote,
)
from tests.case_factories import make_case
from tests.event_factories import compiled_templates_once  # noqa: F401  (autouse fixture)
from tests.factories import make_member, make_organiser
from tests.helpers import url

EN = {"Accept-Language": "en"}
RECEIPT = re.compile(r'<strong class="receipt__code">([A-Z0-9-]+)</strong>')


@pytest.fixture
def edition(app):
    return make_edition("voting")


@pytest.fixture
def category(edition):
    return make_category(edition, "Ascolto del cliente")


@pytest.fixture
def cases(category):
    titles = ["Reclami in ventiquattro ore", "Il contact centre che ascolta", "Bollette chiare"]
    made = [make_case(make_member(), title=title) for title in titles]
    make_finalists(category, *made)
    return made


def _cast(member_client, category, data):
    return member_client.post(url("awards.cast", category_id=category.id), data=data, headers=EN)


def _places(*cases_in_order) -> dict:
    return {f"place_{case.id}": str(place) for place, case in enumerate(cases_in_order, start=1)}


def _receipt(response) -> str | None:
    found = RECEIPT.search(response.text)
    return found.group(1) if found else None


# -- casting ---------------------------------------------------------------------------------------


def test_a_member_ranks_the_finalists_with_the_place_selects(app, category, cases):
    member_client = signed_in(app, make_member())
    page = member_client.get(url("awards.ballot", category_id=category.id), headers=EN).text
    for case in cases:
        assert f'name="place_{case.id}"' in page and case.title in page
    assert "Cast my ballot" in page
    data = {**_places(cases[2], cases[0]), f"place_{cases[1].id}": ""}
    response = _cast(member_client, category, data)
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(url("awards.ballot", category_id=category.id))
    [ballot] = ballots_of(category)
    assert ballot.ranking == [cases[2].id, cases[0].id]
    # The receipt is shown once, on the page the member is sent to...
    shown = member_client.get(url("awards.ballot", category_id=category.id), headers=EN)
    receipt = _receipt(shown)
    assert receipt and re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", receipt)
    assert ballot.receipt_hash == services.receipt_hash(receipt)
    assert shown.text.count(receipt) == 1, "the receipt appears in its own box only, not as a plain flash too"
    # ... never again; the member's ranking fills the form in.
    again = member_client.get(url("awards.ballot", category_id=category.id), headers=EN)
    assert _receipt(again) is None and receipt not in again.text
    assert "Change my ballot" in again.text
    assert re.search(rf'<select[^>]*name="place_{cases[2].id}".*?<option selected value="1">', again.text, re.S)


def test_a_member_ranks_with_the_ranking_field(app, category, cases):
    member_client = signed_in(app, make_member())
    response = _cast(member_client, category, {"ranking": f"{cases[1].id}, {cases[0].id}"})
    assert response.status_code == 302, response.text
    [ballot] = ballots_of(category)
    assert ballot.ranking == [cases[1].id, cases[0].id]


def test_the_ballot_changes_until_the_close_and_stays_one_row(app, category, cases, edition):
    member = make_member()
    member_client = signed_in(app, member)
    assert _cast(member_client, category, _places(cases[0], cases[1])).status_code == 302
    first_receipt = _receipt(member_client.get(url("awards.ballot", category_id=category.id), headers=EN))
    assert _cast(member_client, category, {"ranking": f"{cases[2].id},{cases[1].id},{cases[0].id}"}).status_code == 302
    second_receipt = _receipt(member_client.get(url("awards.ballot", category_id=category.id), headers=EN))
    assert first_receipt and second_receipt and first_receipt != second_receipt
    [ballot] = ballots_of(category)
    assert ballot.ranking == [cases[2].id, cases[1].id, cases[0].id]
    assert ballot.receipt_hash == services.receipt_hash(second_receipt)

    move_to(reload(AwardEdition, edition.id), "closed")
    assert _cast(member_client, category, _places(cases[0])).status_code == 409
    assert ballots_of(category)[0].ranking == [cases[2].id, cases[1].id, cases[0].id]
    publish(edition)
    check = url("awards.receipt", edition_id=edition.id)
    old = member_client.get(check, query_string={"receipt": first_receipt}, headers=EN)
    assert old.status_code == 404
    assert "No ballot of this edition has this receipt code." in old.text
    new = member_client.get(check, query_string={"receipt": second_receipt.lower().replace("-", " ")}, headers=EN)
    assert new.status_code == 200 and "Your ballot was counted as cast" in new.text


def test_own_cases_are_not_on_the_ballot_and_cannot_be_ranked(app, category, cases):
    author = db.session.get(User, cases[0].created_by_id)
    author_client = signed_in(app, author)
    page = author_client.get(url("awards.ballot", category_id=category.id), headers=EN).text
    assert f'name="place_{cases[0].id}"' not in page
    assert f'name="place_{cases[1].id}"' in page
    assert "Finalists you wrote are not on your ballot: Reclami in ventiquattro ore." in page
    for data in ({"ranking": f"{cases[1].id},{cases[0].id}"}, _places(cases[0], cases[1])):
        response = _cast(author_client, category, data)
        assert response.status_code == 403
        assert "You cannot rank a case you wrote." in response.text
    assert ballots_of(category) == []
    assert _cast(author_client, category, _places(cases[1], cases[2])).status_code == 302


def test_a_coauthor_cannot_rank_the_case_either(app, category):
    coauthor = make_member()
    case = make_case(make_member(), coauthors=[coauthor])
    other = make_case(make_member())
    make_finalists(category, case, other)
    response = _cast(signed_in(app, coauthor), category, {"ranking": f"{case.id}"})
    assert response.status_code == 403
    assert ballots_of(category) == []


@pytest.mark.parametrize("phase", ["nominations", "selection", "judging", "counting", "closed"])
def test_outside_the_vote_window_nothing_is_stored(app, category, cases, edition, phase):
    member_client = signed_in(app, make_member())
    move_to(reload(AwardEdition, edition.id), phase)
    response = _cast(member_client, category, _places(cases[0], cases[1]))
    assert response.status_code == 409
    assert "The member vote is not open." in response.text
    assert ballots_of(category) == []
    page = member_client.get(url("awards.ballot", category_id=category.id), headers=EN).text
    assert "Cast my ballot" not in page and "The member vote is not open." in page


def test_the_vote_is_open_during_judging_and_voting_together(app, category, cases, edition):
    move_to(reload(AwardEdition, edition.id), "judging_voting")
    assert _cast(signed_in(app, make_member()), category, _places(cases[0])).status_code == 302


REPEATED = "Each finalist can have only one place, and each place only one finalist."
UNKNOWN = "Your ranking names a case that is not a finalist of this category."


def _bad_rankings(category, cases):
    not_a_finalist = enter(category, make_case(make_member()))  # entered, but not a finalist
    elsewhere = make_case(make_member())
    return [
        ({"ranking": f"{cases[0].id},{not_a_finalist.case_id}"}, UNKNOWN),
        ({"ranking": f"{cases[0].id},987654"}, UNKNOWN),
        ({"ranking": f"{elsewhere.id}"}, UNKNOWN),
        ({f"place_{not_a_finalist.case_id}": "1"}, UNKNOWN),
        ({"ranking": f"{cases[0].id},{cases[1].id},{cases[0].id}"}, REPEATED),
        ({**_places(cases[0]), f"place_{cases[1].id}": "1"}, REPEATED),
        ({"ranking": ""}, "Rank at least one finalist."),
        ({f"place_{case.id}": "" for case in cases}, "Rank at least one finalist."),
        ({"ranking": "12; 40"}, "The ranking cannot be read."),
        ({"ranking": f"{cases[0].id},-3"}, "The ranking cannot be read."),
        ({f"place_{cases[0].id}": "9"}, "The ranking cannot be read."),  # not one of the page's places
        ({f"place_{cases[0].id}": "primo"}, "The ranking cannot be read."),
    ]


def test_bad_rankings_are_refused_with_a_message_and_nothing_stored(app, category, cases):
    member_client = signed_in(app, make_member())
    for data, message in _bad_rankings(category, cases):
        response = _cast(member_client, category, data)
        assert response.status_code == 400, (data, response.status_code)
        assert message in response.text, (data, message)
        assert ballots_of(category) == [], data


def test_a_refused_change_keeps_the_earlier_ballot(app, category, cases):
    member = make_member()
    vote(category, member, cases[0], cases[1])
    response = _cast(signed_in(app, member), category, {"ranking": f"{cases[1].id},{cases[1].id}"})
    assert response.status_code == 400
    [ballot] = ballots_of(category)
    assert ballot.ranking == [cases[0].id, cases[1].id]


def test_a_suspended_member_cannot_vote(app, category, cases):
    member = make_member()
    member_client = signed_in(app, member)
    member.suspended_at = services.utcnow()
    db.session.commit()
    with pytest.raises(services.AwardError) as refused:
        services.cast_ballot(category, member, [cases[0].id])
    assert refused.value.status == 403
    db.session.rollback()
    # A session opened before the suspension no longer counts: the page asks to sign in.
    response = _cast(member_client, category, _places(cases[0]))
    assert response.status_code == 302 and url("accounts.login") in response.headers["Location"]
    assert ballots_of(category) == []


def test_anonymous_visitors_are_sent_to_sign_in(client, category, cases):
    for response in (
        client.get(url("awards.ballot", category_id=category.id)),
        _cast(client, category, _places(cases[0])),
    ):
        assert response.status_code == 302 and url("accounts.login") in response.headers["Location"]
    assert ballots_of(category) == []


def test_the_category_page_links_to_the_ballot_while_the_vote_is_open(app, category, cases, edition):
    member = make_member()
    member_client = signed_in(app, member)
    page = member_client.get(url("awards.category", category_id=category.id), headers=EN).text
    assert url("awards.ballot", category_id=category.id) in page and ">Vote<" in page
    vote(category, member, cases[0])
    assert "Change your ballot" in member_client.get(url("awards.category", category_id=category.id), headers=EN).text


# -- the secret ballot -----------------------------------------------------------------------------


def test_the_ballot_table_does_not_know_the_voter():
    columns = {column.name for column in Ballot.__table__.columns}
    assert columns == {"id", "category_id", "voter_key", "ranking", "receipt_hash", "cast_at"}
    foreign = {fk.column.table.name for column in Ballot.__table__.columns for fk in column.foreign_keys}
    assert foreign == {"award_categories"}


def test_the_voter_key_is_a_keyed_hash(app, category):
    member = make_member()
    key = services.voter_key(category.id, member.id)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == services.voter_key(category.id, member.id)
    assert key != services.voter_key(category.id + 1, member.id)


def test_organisers_see_turnout_counts_and_never_who_voted_what(app, category, cases, edition):
    voters = [make_member(display_name=f"Votante Riconoscibile {n}", email=f"votante{n}@example.com") for n in range(3)]
    vote(category, voters[0], cases[0], cases[1])
    vote(category, voters[1], cases[2])
    make_member(display_name="Socio Astenuto")
    organiser_client = signed_in(app, make_organiser())
    manage = organiser_client.get(url("awards.manage", category_id=category.id), headers=EN).text
    turnout = re.search(r'aria-labelledby="turnout-heading".*?</section>', manage, re.S).group(0)
    members_who_may_vote = services.active_member_count()
    assert "Ballots cast: 2." in turnout and f"Members who may vote: {members_who_may_vote}." in turnout
    edition_page = organiser_client.get(url("awards.edition", edition_id=edition.id), headers=EN).text
    assert "Ballots cast: 2" in edition_page
    move_to(reload(AwardEdition, edition.id), "closed")
    publish(edition)
    pages = [
        manage,
        edition_page,
        organiser_client.get(url("awards.manage", category_id=category.id), headers=EN).text,
        organiser_client.get(url("awards.results", category_id=category.id), headers=EN).text,
        organiser_client.get(url("awards.ballots_csv", category_id=category.id), headers=EN).text,
        organiser_client.get(url("awards.audit_log", edition_id=edition.id), headers=EN).text,
        organiser_client.get(url("awards.category", category_id=category.id), headers=EN).text,
    ]
    for page in pages:
        for voter in voters:
            assert voter.display_name not in page and voter.email not in page
            assert services.voter_key(category.id, voter.id) not in page


def test_the_ballot_row_is_reached_only_through_the_keyed_hash(app, category, cases):
    member = make_member()
    vote(category, member, cases[0])
    [ballot] = ballots_of(category)
    assert ballot.voter_key == services.voter_key(category.id, member.id)
    mapper_columns = {attribute.key for attribute in inspect(Ballot).column_attrs}
    assert not mapper_columns & {"user_id", "voter_id", "member_id"}


# -- concurrent requests ---------------------------------------------------------------------------


def test_one_member_racing_eight_casts_gets_exactly_one_ballot(app, category, cases):
    member = make_member()
    clients = [signed_in(app, member) for _ in range(8)]
    path = url("awards.cast", category_id=category.id)
    rankings = [[cases[n % 3].id, cases[(n + 1) % 3].id] if n % 2 else [cases[(n + 2) % 3].id] for n in range(8)]
    results = race([(c, path, {"ranking": ",".join(map(str, r))}) for c, r in zip(clients, rankings, strict=True)])
    assert all(result in (302, 409) for result in results), results
    assert 302 in results
    [ballot] = ballots_of(category)
    assert ballot.ranking in rankings
    assert ballot.voter_key == services.voter_key(category.id, member.id)


def test_one_member_racing_changes_to_an_existing_ballot_keeps_one_row(app, category, cases):
    member = make_member()
    vote(category, member, cases[0])
    clients = [signed_in(app, member) for _ in range(8)]
    path = url("awards.cast", category_id=category.id)
    rankings = [[cases[n % 3].id] for n in range(8)]
    results = race([(c, path, {"ranking": str(r[0])}) for c, r in zip(clients, rankings, strict=True)])
    assert all(result in (302, 409) for result in results), results
    [ballot] = ballots_of(category)
    assert ballot.ranking in rankings


def test_many_members_voting_at_once_each_get_their_ballot(app, category, cases):
    members = [make_member() for _ in range(8)]
    path = url("awards.cast", category_id=category.id)
    results = race([(signed_in(app, m), path, {"ranking": str(cases[n % 3].id)}) for n, m in enumerate(members)])
    assert results == [302] * 8, results
    assert len(ballots_of(category)) == 8


@pytest.mark.csrf
def test_a_cast_without_the_csrf_token_is_refused_and_stores_nothing(app, category, cases):
    from tests.helpers import csrf_token

    member_client = signed_in(app, make_member())
    response = _cast(member_client, category, _places(cases[0], cases[1]))
    assert response.status_code == 400
    assert ballots_of(category) == []
    response = _cast(member_client, category, {**_places(cases[0]), "csrf_token": "not-a-token"})
    assert response.status_code == 400
    assert ballots_of(category) == []
    response = _cast(member_client, category, {**_places(cases[0]), "csrf_token": csrf_token(member_client)})
    assert response.status_code == 302
    assert len(ballots_of(category)) == 1
