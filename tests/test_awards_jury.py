"""The jury: organisers assign jurors by email (audited); jurors score every criterion inside the jury
window; automatic and declared recusals; jurors see only their own scores; anonymous judging; the
organisers' figures and disagreement flag."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from club.awards.models import AwardEdition, DeclaredConflict, Juror, Review, Score
from club.extensions import db
from tests.award_factories import (
    add_jurors,
    audit_entries,
    make_category,
    make_edition,
    make_finalists,
    move_to,
    race,
    reload,
    score,
    signed_in,
)
from tests.case_factories import make_case
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
)
from tests.factories import make_member, make_organiser
from tests.helpers import url

EN = {"Accept-Language": "en"}


@pytest.fixture
def edition(app):
    return make_edition("judging")


@pytest.fixture
def category(edition):
    return make_category(edition, "Ascolto del cliente")


@pytest.fixture
def organiser(app):
    return make_organiser(display_name="Olga Organizzatrice")


@pytest.fixture
def finalists(category):
    authors = [make_member(display_name=f"Autore {n}") for n in range(2)]
    cases = [
        make_case(authors[0], title="Reclami in ventiquattro ore", organisation="Banca Adriatica"),
        make_case(authors[1], title="Il contact centre che ascolta", organisation="Telco Tirrenica"),
    ]
    return make_finalists(category, *cases)


def _jurors(category) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Juror.user_id).where(Juror.category_id == category.id)))


def _score_data(category, *values, comment="") -> dict:
    data = {f"criterion_{criterion.id}": str(value) for criterion, value in zip(category.criteria, values, strict=True)}
    data["comment"] = comment
    return data


def _post_scores(juror_client, nomination, category, *values, comment=""):
    return juror_client.post(
        url("awards.save_score", nomination_id=nomination.id),
        data=_score_data(category, *values, comment=comment),
        headers=EN,
    )


def _reviews(nomination=None) -> list[Review]:
    db.session.expire_all()
    statement = select(Review).order_by(Review.id)
    if nomination is not None:
        statement = statement.where(Review.nomination_id == nomination.id)
    return list(db.session.scalars(statement))


# -- assigning jurors ------------------------------------------------------------------------------


def test_the_organiser_assigns_jurors_by_email_and_changes_are_audited(app, category, edition, organiser):
    first, second, third = (make_member(email=f"giurato{n}@example.com") for n in range(3))
    organiser_client = signed_in(app, organiser)
    path = url("awards.set_jurors", category_id=category.id)
    response = organiser_client.post(path, data={"emails": "giurato0@example.com\n  GIURATO1@example.com \n\n"})
    assert response.status_code == 302, response.text
    assert _jurors(category) == {first.id, second.id}
    response = organiser_client.post(path, data={"emails": "giurato1@example.com\ngiurato2@example.com"})
    assert response.status_code == 302
    assert _jurors(category) == {second.id, third.id}
    assert organiser_client.post(path, data={"emails": "giurato1@example.com\ngiurato2@example.com"}).status_code == 302
    entries = audit_entries(edition, "award.jurors")
    assert [(e.actor_id, sorted(e.details["added"]), e.details["removed"]) for e in entries] == [
        (organiser.id, ["giurato0@example.com", "giurato1@example.com"], []),
        (organiser.id, ["giurato2@example.com"], ["giurato0@example.com"]),
    ]  # the third save changed nothing and recorded nothing
    manage = organiser_client.get(url("awards.manage", category_id=category.id), headers=EN).text
    assert "giurato1@example.com" in manage and "giurato2@example.com" in manage
    log = organiser_client.get(url("awards.audit_log", edition_id=edition.id), headers=EN).text
    assert "Jurors assigned" in log and "Olga Organizzatrice" in log


def test_an_unknown_address_is_refused_and_changes_nothing(app, category, edition, organiser):
    known = make_member(email="giurato@example.com")
    add_jurors(category, known)
    response = signed_in(app, organiser).post(
        url("awards.set_jurors", category_id=category.id),
        data={"emails": "giurato@example.com\nnessuno@example.com"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "No member has the address nessuno@example.com." in response.text
    assert _jurors(category) == {known.id}
    assert audit_entries(edition, "award.jurors") == []


def test_a_suspended_member_cannot_be_a_juror(app, category, organiser):
    make_member(email="sospeso@example.com", suspended=True)
    response = signed_in(app, organiser).post(
        url("awards.set_jurors", category_id=category.id), data={"emails": "sospeso@example.com"}, headers=EN
    )
    assert response.status_code == 400
    assert "cannot be a juror" in response.text
    assert _jurors(category) == set()


def test_jurors_cannot_change_once_the_jury_has_closed(app, category, edition, organiser):
    move_to(reload(AwardEdition, edition.id), "closed")
    make_member(email="tardi@example.com")
    response = signed_in(app, organiser).post(
        url("awards.set_jurors", category_id=category.id), data={"emails": "tardi@example.com"}, headers=EN
    )
    assert response.status_code == 409
    assert _jurors(category) == set()


# -- scoring ---------------------------------------------------------------------------------------


def test_a_juror_scores_every_criterion_with_a_comment(app, category, finalists):
    juror = make_member()
    add_jurors(category, juror)
    juror_client = signed_in(app, juror)
    jury_page = juror_client.get(url("awards.jury", category_id=category.id), headers=EN)
    assert jury_page.status_code == 200
    assert "Reclami in ventiquattro ore" in jury_page.text and "Not scored yet" in jury_page.text
    form = juror_client.get(url("awards.score", nomination_id=finalists[0].id), headers=EN).text
    for criterion in category.criteria:
        assert f'name="criterion_{criterion.id}"' in form
    response = _post_scores(juror_client, finalists[0], category, 8, 6, 9, comment="Numeri solidi.")
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(url("awards.jury", category_id=category.id))
    [review] = _reviews()
    assert (review.juror_id, review.nomination_id, review.comment) == (juror.id, finalists[0].id, "Numeri solidi.")
    assert {s.criterion_id: s.value for s in review.scores} == {
        c.id: v for c, v in zip(category.criteria, (8, 6, 9), strict=True)
    }
    # Changing the scores keeps one review.
    assert _post_scores(juror_client, finalists[0], category, 7, 7, 7).status_code == 302
    [review] = _reviews()
    assert sorted(s.value for s in review.scores) == [7, 7, 7] and review.comment == ""
    assert "7 · 7 · 7" in juror_client.get(url("awards.jury", category_id=category.id), headers=EN).text


@pytest.mark.parametrize(
    "values",
    [(8, 6, ""), (8, 6, 11), (8, 6, 0), (8, 6, "sette")],
)
def test_every_criterion_needs_a_score_from_1_to_10(app, category, finalists, values):
    juror = make_member()
    add_jurors(category, juror)
    response = _post_scores(signed_in(app, juror), finalists[0], category, *values)
    assert response.status_code == 400
    assert count(Review) == 0 and count(Score) == 0


@pytest.mark.parametrize("phase", ["selection", "voting", "counting", "closed"])
def test_scores_are_refused_outside_the_jury_window(app, category, finalists, edition, phase):
    juror = make_member()
    add_jurors(category, juror)
    juror_client = signed_in(app, juror)
    move_to(reload(AwardEdition, edition.id), phase)
    response = _post_scores(juror_client, finalists[0], category, 8, 6, 9)
    assert response.status_code == 409
    assert "The jury is not in session" in response.text
    assert count(Review) == 0
    page = juror_client.get(url("awards.score", nomination_id=finalists[0].id), headers=EN).text
    assert "Save my scores" not in page


def test_someone_not_on_the_jury_cannot_score(app, category, finalists, edition):
    other_category = make_category(edition, "Altra categoria")
    juror_elsewhere = make_member()
    add_jurors(other_category, juror_elsewhere)
    for user in (make_member(), juror_elsewhere, make_organiser()):
        user_client = signed_in(app, user)
        assert _post_scores(user_client, finalists[0], category, 8, 6, 9).status_code == 403
        assert user_client.get(url("awards.score", nomination_id=finalists[0].id), headers=EN).status_code == 403
        assert user_client.get(url("awards.jury", category_id=category.id), headers=EN).status_code == 403
    assert count(Review) == 0


def test_only_finalists_are_scored(app, category, finalists):
    from tests.award_factories import enter

    juror = make_member()
    add_jurors(category, juror)
    not_a_finalist = enter(category, make_case(make_member()))
    response = _post_scores(signed_in(app, juror), not_a_finalist, category, 8, 6, 9)
    assert response.status_code == 404
    assert count(Review) == 0


# -- recusals --------------------------------------------------------------------------------------


def test_an_author_or_coauthor_on_the_jury_is_recused_automatically(app, category, organiser):
    author, coauthor = make_member(display_name="Giurata Autrice"), make_member(display_name="Giurato Coautore")
    case = make_case(author, coauthors=[coauthor], title="Il nostro caso", organisation="Assicurazioni Alpine")
    [nomination] = make_finalists(category, case)
    add_jurors(category, author, coauthor)
    for juror in (author, coauthor):
        juror_client = signed_in(app, juror)
        response = _post_scores(juror_client, nomination, category, 10, 10, 10)
        assert response.status_code == 403
        assert "You are recused from this finalist" in response.text
        jury_page = juror_client.get(url("awards.jury", category_id=category.id), headers=EN).text
        assert "Recused · Author or co-author" in jury_page
    assert count(Review) == 0
    manage = signed_in(app, organiser).get(url("awards.manage", category_id=category.id), headers=EN).text
    recusals = _section(manage, "recusals-heading")
    assert "Giurata Autrice — Il nostro caso: <strong>Author or co-author</strong>" in recusals
    assert "Giurato Coautore — Il nostro caso: <strong>Author or co-author</strong>" in recusals


@pytest.mark.parametrize("organisation", ["banca adriatica", "BANCA ADRIATICA", "  Banca   Adriatica "])
def test_a_juror_from_the_same_organisation_is_recused(app, category, finalists, organiser, organisation):
    juror = make_member(display_name="Giurato Bancario", organisation=organisation)
    add_jurors(category, juror)
    juror_client = signed_in(app, juror)
    assert _post_scores(juror_client, finalists[0], category, 9, 9, 9).status_code == 403  # Banca Adriatica
    assert _post_scores(juror_client, finalists[1], category, 9, 9, 9).status_code == 302  # Telco Tirrenica
    assert [r.nomination_id for r in _reviews()] == [finalists[1].id]
    manage = signed_in(app, organiser).get(url("awards.manage", category_id=category.id), headers=EN).text
    recusals = _section(manage, "recusals-heading")
    assert "Giurato Bancario — Reclami in ventiquattro ore: <strong>Same organisation</strong>" in recusals
    assert "Il contact centre che ascolta" not in recusals


def test_a_juror_without_an_organisation_is_not_recused_by_organisation(app, category, finalists):
    juror = make_member(profile=True)  # a profile with no organisation
    add_jurors(category, juror)
    assert _post_scores(signed_in(app, juror), finalists[0], category, 9, 9, 9).status_code == 302


def test_declaring_a_conflict_removes_the_jurors_scores(app, category, finalists, organiser):
    juror = make_member(display_name="Giurato Onesto")
    add_jurors(category, juror)
    score(finalists[0], juror, 9, 9, 9, comment="Ottimo")
    score(finalists[1], juror, 5, 5, 5)
    juror_client = signed_in(app, juror)
    response = juror_client.post(
        url("awards.conflict", nomination_id=finalists[0].id), data={"reason": "Ho lavorato con loro."}, headers=EN
    )
    assert response.status_code == 302, response.text
    assert [r.nomination_id for r in _reviews()] == [finalists[1].id]
    assert count(Score) == 3
    assert count(DeclaredConflict) == 1
    assert _post_scores(juror_client, finalists[0], category, 9, 9, 9).status_code == 403
    manage = signed_in(app, organiser).get(url("awards.manage", category_id=category.id), headers=EN).text
    recusals = _section(manage, "recusals-heading")
    assert (
        "Giurato Onesto — Reclami in ventiquattro ore: <strong>Declared conflict</strong> (Ho lavorato con loro.)"
        in recusals
    )


def test_a_conflict_needs_a_reason(app, category, finalists):
    juror = make_member()
    add_jurors(category, juror)
    score(finalists[0], juror, 9, 9, 9)
    response = signed_in(app, juror).post(
        url("awards.conflict", nomination_id=finalists[0].id), data={"reason": ""}, headers=EN
    )
    assert response.status_code == 400
    assert count(DeclaredConflict) == 0 and len(_reviews()) == 1


# -- what jurors see -------------------------------------------------------------------------------


def test_a_juror_never_sees_another_jurors_scores(app, category, finalists):
    first, second = make_member(), make_member()
    add_jurors(category, first, second)
    score(finalists[0], first, 2, 3, 4, comment="Commento riservato del primo giurato")
    second_client = signed_in(app, second)
    jury_page = second_client.get(url("awards.jury", category_id=category.id), headers=EN).text
    assert "2 · 3 · 4" not in jury_page and "Commento riservato" not in jury_page
    assert jury_page.count("Not scored yet") == 2
    score_page = second_client.get(url("awards.score", nomination_id=finalists[0].id), headers=EN).text
    assert "Commento riservato" not in score_page
    assert "selected" not in score_page  # no select comes filled in with the first juror's values
    # The first juror finds their own scores.
    first_client = signed_in(app, first)
    assert "2 · 3 · 4" in first_client.get(url("awards.jury", category_id=category.id), headers=EN).text
    own = first_client.get(url("awards.score", nomination_id=finalists[0].id), headers=EN).text
    assert "Commento riservato del primo giurato" in own
    assert own.count("selected") == 3


@pytest.mark.parametrize("anonymous", [True, False])
def test_anonymous_judging_hides_authors_and_organisation(app, anonymous):
    edition = make_edition("judging", anonymous_judging=anonymous)
    category = make_category(edition)
    author = make_member(display_name="Nome Da Nascondere")
    case = make_case(author, title="Caso da giudicare", organisation="Organizzazione Segreta")
    [nomination] = make_finalists(category, case)
    juror = make_member()
    add_jurors(category, juror)
    page = signed_in(app, juror).get(url("awards.score", nomination_id=nomination.id), headers=EN).text
    assert "Caso da giudicare" in page
    if anonymous:
        assert "Nome Da Nascondere" not in page and "Organizzazione Segreta" not in page
        jury_page = signed_in(app, juror).get(url("awards.jury", category_id=category.id), headers=EN).text
        assert "Anonymous judging" in jury_page
        assert "Nome Da Nascondere" not in jury_page and "Organizzazione Segreta" not in jury_page
    else:
        assert "Nome Da Nascondere" in page and "Organizzazione Segreta" in page


# -- the organisers' figures -----------------------------------------------------------------------


def _section(page: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', page, re.S)
    assert found, heading_id
    return found.group(1)


def _standings(page: str) -> dict[str, list[str]]:
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", _section(page, "scores-heading"), re.S)
    return {
        title: [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)]
        for title, cells in rows
    }


def test_the_manage_page_shows_weighted_figures_and_flags_disagreement(app, category, finalists, organiser):
    # Criteria weigh 50, 30 and 20.
    jurors = [make_member() for _ in range(3)]
    add_jurors(category, *jurors)
    score(finalists[0], jurors[0], 10, 10, 10)  # mark 10
    score(finalists[0], jurors[1], 4, 4, 4)  # mark 4
    score(finalists[1], jurors[0], 8, 6, 5)  # (400 + 180 + 100) / 100 = 6.8
    score(finalists[1], jurors[1], 7, 7, 7)  # 7
    score(finalists[1], jurors[2], 6, 8, 10)  # (300 + 240 + 200) / 100 = 7.4
    page = signed_in(app, organiser).get(url("awards.manage", category_id=category.id), headers=EN).text
    standings = _standings(page)
    # finalists[1]: mean 7.0667, median 7, sample stdev 0.3055; no flag.
    assert standings["Il contact centre che ascolta"] == ["7.067", "7", "0.306", "3", ""]
    # finalists[0]: mean 7, median 7, stdev 4.243 and a gap of 6: flagged.
    assert standings["Reclami in ventiquattro ore"] == ["7", "7", "4.243", "2", "⚑ Strong disagreement"]
    assert list(standings) == ["Il contact centre che ascolta", "Reclami in ventiquattro ore"]
    progress = _section(page, "jury-heading")
    assert progress.count("2 of 2 scored") == 2 and "1 of 2 scored" in progress


def test_recused_and_removed_jurors_do_not_count(app, category, finalists, organiser):
    colleague = make_member(organisation="Banca Adriatica")
    fair, removed = make_member(), make_member()
    add_jurors(category, colleague, fair, removed)
    score(finalists[0], fair, 6, 6, 6)
    score(finalists[0], removed, 1, 1, 1)
    # A review written before the colleague's organisation was known must not count either.
    db.session.add(Review(nomination_id=finalists[0].id, juror_id=colleague.id, comment=""))
    db.session.flush()
    review = _reviews(finalists[0])[-1]
    for criterion in category.criteria:
        db.session.add(Score(review_id=review.id, criterion_id=criterion.id, value=10))
    db.session.execute(Juror.__table__.delete().where(Juror.user_id == removed.id))
    db.session.commit()
    page = signed_in(app, organiser).get(url("awards.manage", category_id=category.id), headers=EN).text
    assert _standings(page)["Reclami in ventiquattro ore"] == ["6", "6", "—", "1", ""]


# -- concurrent requests ---------------------------------------------------------------------------


def test_a_juror_racing_score_sheets_keeps_one_review(app, category, finalists):
    juror = make_member()
    add_jurors(category, juror)
    path = url("awards.save_score", nomination_id=finalists[0].id)
    sheets = [(n % 10 + 1, 5, 5) for n in range(8)]
    results = race([(signed_in(app, juror), path, _score_data(category, *sheet)) for sheet in sheets])
    assert all(result in (302, 409) for result in results), results
    [review] = _reviews()
    values = tuple(
        s.value for s in sorted(review.scores, key=lambda s: [c.id for c in category.criteria].index(s.criterion_id))
    )
    assert values in sheets
