"""Writing and editing a case study through the form: who may, what is parsed, what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.cases import services
from club.cases.models import CaseAuthor, CaseStudy, Metric, Revision
from club.extensions import db
from tests.case_factories import case_count, case_form_data, make_case, reload_case
from tests.factories import make_competence, make_function, make_member, make_organiser, make_sector
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


@pytest.fixture
def terms():
    return {
        "sector": make_sector("utilities"),
        "functions": [make_function("customer-care"), make_function("it")],
        "competences": [make_competence("journey-design")],
    }


def _form(terms, metrics=(), **overrides):
    data = case_form_data(terms["sector"], terms["functions"], terms["competences"], metrics=metrics)
    data.update(overrides)
    return data


def test_member_creates_a_draft_through_the_form(client, terms):
    author, coauthor = make_member(), make_member(email="coautrice@example.com")
    login(client, author)
    assert client.get(url("cases.new")).status_code == 200
    data = _form(
        terms,
        metrics=[("NPS", "21", "38", "punti"), ("Risoluzione al primo contatto", "64,5", "81", "%")],
        coauthors="Coautrice@Example.com\n\n",
    )
    response = client.post(url("cases.new"), data=data)
    assert response.status_code == 302
    case = db.session.scalar(select(CaseStudy))
    assert response.headers["Location"].endswith(url("cases.edit", case_id=case.id))
    assert case.status == "draft" and case.published_at is None
    assert case.title == "Reclami risolti in 24 ore" and case.organisation == "Banca Adriatica"
    assert case.sector_id == terms["sector"].id
    assert {term.slug for term in case.functions} == {"customer-care", "it"}
    assert [term.slug for term in case.competences] == ["journey-design"]
    assert case.language == "it" and case.visibility == "public" and case.created_by_id == author.id
    assert [(m.name, m.before, m.after, m.unit) for m in case.metrics] == [
        ("NPS", Decimal("21.00"), Decimal("38.00"), "punti"),
        ("Risoluzione al primo contatto", Decimal("64.50"), Decimal("81.00"), "%"),
    ]
    assert [a.user_id for a in case.authors] == [author.id, coauthor.id]
    revision = db.session.scalar(select(Revision).where(Revision.case_id == case.id))
    assert revision.action == "created" and revision.user_id == author.id


def test_anonymous_visitors_are_sent_to_sign_in(client, terms):
    assert client.get(url("cases.new")).status_code == 302
    assert client.post(url("cases.new"), data=_form(terms)).status_code == 302
    assert case_count() == 0


def test_unverified_member_cannot_write(app, terms):
    # They cannot sign in at all; the service refuses them too, for the CLI and the scheduler.
    member = make_member(verified=False)
    data = services.CaseInput(
        title="Titolo",
        summary="Sintesi",
        body="Corpo",
        organisation="Org",
        sector_id=terms["sector"].id,
        function_ids=[],
        competence_ids=[],
        language="it",
        visibility="public",
        metrics=[],
        coauthor_emails=[],
    )
    with pytest.raises(services.CaseError) as refused:
        services.create_case(member, data)
    assert refused.value.status == 403
    db.session.rollback()
    assert case_count() == 0


NUMBERS = [
    ("64", "64.00"),
    ("64,5", "64.50"),
    ("1.234,5", "1234.50"),
    ("1,234.5", "1234.50"),
    ("81%", "81.00"),
    (" -3,25 ", "-3.25"),
    ("1 234", "1234.00"),
    ("0,006", "0.01"),
]


def test_numbers_are_read_as_members_type_them(client, terms):
    author = make_member()
    login(client, author)
    metrics = [("Tempo medio", typed, "", "s") for typed, _expected in NUMBERS[:6]]
    assert client.post(url("cases.new"), data=_form(terms, metrics=metrics)).status_code == 302
    metrics = [("Tempo medio", typed, typed, "s") for typed, _expected in NUMBERS[6:]]
    assert client.post(url("cases.new"), data=_form(terms, metrics=metrics)).status_code == 302
    stored = db.session.scalars(select(Metric).order_by(Metric.case_id, Metric.position)).all()
    assert [metric.before for metric in stored] == [Decimal(expected) for _typed, expected in NUMBERS]
    assert [metric.after for metric in stored] == [None] * 6 + [Decimal(expected) for _t, expected in NUMBERS[6:]]


def test_author_and_coauthor_edit_and_the_history_records_the_changes(client, terms):
    author, coauthor = make_member(), make_member()
    case = make_case(
        author,
        status="draft",
        title="Titolo originale",
        sector=terms["sector"],
        functions=terms["functions"],
        coauthors=[coauthor],
        metrics=[("NPS", 21, 38, "punti")],
    )
    login(client, coauthor)
    page = client.get(url("cases.edit", case_id=case.id))
    assert page.status_code == 200 and "Titolo originale" in page.get_data(as_text=True)
    data = _form(
        terms,
        title="Titolo cambiato dalla coautrice",
        metrics=[("NPS", "21", "40", "punti")],
        coauthors=coauthor.email,
    )
    assert client.post(url("cases.update", case_id=case.id), data=data).status_code == 302
    case = reload_case(case)
    assert case.title == "Titolo cambiato dalla coautrice"
    assert case.metrics[0].after == Decimal("40.00")
    assert [a.user_id for a in case.authors] == [author.id, coauthor.id], "the creator stays the first author"
    edited = db.session.scalar(select(Revision).where(Revision.case_id == case.id, Revision.action == "edited"))
    assert edited.user_id == coauthor.id and edited.created_at is not None
    assert edited.changes["title"] == {"from": "Titolo originale", "to": "Titolo cambiato dalla coautrice"}
    assert "metrics" in edited.changes and "body" not in edited.changes
    history = client.get(url("cases.history", case_id=case.id), headers=EN).get_data(as_text=True)
    assert "Titolo originale" in history and "Titolo cambiato dalla coautrice" in history
    assert coauthor.display_name in history

    client.post(url("accounts.logout"))
    login(client, author)
    assert (
        client.post(url("cases.update", case_id=case.id), data=_form(terms, title="Di nuovo l'autore")).status_code
        == 302
    )
    assert reload_case(case).title == "Di nuovo l'autore"
    # the author dropped the co-author from the list: they are no longer an author
    assert reload_case(case).author_ids == {author.id}


def test_saving_without_changes_records_no_revision(client, terms):
    author = make_member()
    login(client, author)
    client.post(url("cases.new"), data=_form(terms))
    case = db.session.scalar(select(CaseStudy))
    assert client.post(url("cases.update", case_id=case.id), data=_form(terms)).status_code == 302
    actions = db.session.scalars(select(Revision.action).where(Revision.case_id == case.id)).all()
    assert actions == ["created"]


def test_organiser_may_edit_any_case(client, terms):
    case = make_case(make_member(), status="submitted", sector=terms["sector"], functions=terms["functions"])
    login(client, make_organiser())
    response = client.post(
        url("cases.update", case_id=case.id), data=_form(terms, title="Corretto dagli organizzatori")
    )
    assert response.status_code == 302
    assert reload_case(case).title == "Corretto dagli organizzatori"


def test_other_members_cannot_edit(client, terms):
    login(client, make_member())
    for status, expected in (("published", 403), ("draft", 404), ("submitted", 404)):
        case = make_case(make_member(), status=status, title="Intoccabile", sector=terms["sector"])
        assert client.get(url("cases.edit", case_id=case.id)).status_code == expected, status
        response = client.post(url("cases.update", case_id=case.id), data=_form(terms, title="Vandalo"))
        assert response.status_code == expected, status
        assert reload_case(case).title == "Intoccabile", status


def test_archived_case_cannot_be_edited_even_by_its_author(client, terms):
    author = make_member()
    case = make_case(author, status="archived", title="Archiviato", sector=terms["sector"])
    login(client, author)
    assert client.post(url("cases.update", case_id=case.id), data=_form(terms, title="Nuovo")).status_code == 403
    assert reload_case(case).title == "Archiviato"


# -- bad input --------------------------------------------------------------------------------------


def _bad_inputs():
    return [
        pytest.param({"title": ""}, id="title-missing"),
        pytest.param({"title": "abc"}, id="title-too-short"),
        pytest.param({"title": "x" * 201}, id="title-too-long"),
        pytest.param({"summary": ""}, id="summary-missing"),
        pytest.param({"summary": "s" * 501}, id="summary-over-500"),
        pytest.param({"body": ""}, id="body-missing"),
        pytest.param({"body": "b" * 50_001}, id="body-too-long"),
        pytest.param({"organisation": ""}, id="organisation-missing"),
        pytest.param({"organisation": "o" * 121}, id="organisation-too-long"),
        pytest.param({"sector": ""}, id="sector-missing"),
        pytest.param({"sector": "99999"}, id="sector-unknown"),
        pytest.param({"sector": "banca"}, id="sector-not-a-number"),
        pytest.param({"functions": []}, id="functions-missing"),
        pytest.param({"functions": ["99999"]}, id="function-unknown"),
        pytest.param({"functions": ["x"]}, id="function-not-a-number"),
        pytest.param({"competences": ["99999"]}, id="competence-unknown"),
        pytest.param({"language": "fr"}, id="language-unknown"),
        pytest.param({"language": ""}, id="language-missing"),
        pytest.param({"visibility": "everyone"}, id="visibility-unknown"),
        pytest.param({"visibility": ""}, id="visibility-missing"),
        pytest.param({"metrics-0-before": "21", "metrics-0-after": "38"}, id="metric-values-without-name"),
        pytest.param({"metrics-0-unit": "%"}, id="metric-unit-without-name"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-before": "tanti"}, id="metric-before-not-a-number"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-after": "1,2,3.4.5"}, id="metric-after-not-a-number"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-after": "NaN"}, id="metric-nan"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-after": "Infinity"}, id="metric-infinity"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-after": "1e15"}, id="metric-too-large"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-after": "9" * 21}, id="metric-value-too-long"),
        pytest.param({"metrics-0-name": "n" * 81}, id="metric-name-too-long"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-unit": "u" * 21}, id="metric-unit-too-long"),
        pytest.param({f"metrics-{i}-name": f"M{i}" for i in range(7)}, id="too-many-metrics"),
        pytest.param({"coauthors": "nessuno@example.com"}, id="coauthor-unknown"),
        pytest.param({"coauthors": "non-una-email"}, id="coauthor-not-an-email"),
        pytest.param({"coauthors": "\n".join(f"c{i}@example.com" for i in range(9))}, id="too-many-coauthors"),
        pytest.param({"coauthors": "x" * 2001}, id="coauthors-too-long"),
        # control characters: PostgreSQL refuses NUL in text (a 500), XML (the feeds) refuses the others
        pytest.param({"title": "Titolo con \x00 dentro"}, id="title-nul"),
        pytest.param({"summary": "Una sintesi con un \x0b tab verticale dentro"}, id="summary-control"),
        pytest.param({"body": "Corpo\x00" + "b" * 60}, id="body-nul"),
        pytest.param({"organisation": "Org\x01"}, id="organisation-control"),
        pytest.param({"metrics-0-name": "NPS\x00"}, id="metric-name-nul"),
        pytest.param({"metrics-0-name": "NPS", "metrics-0-unit": "%\x00"}, id="metric-unit-nul"),
        pytest.param({"coauthors": "c1@example.com\x00"}, id="coauthors-nul"),
    ]


def test_bad_input_on_create_answers_400_and_writes_nothing(client, terms):
    for i in range(9):
        make_member(email=f"c{i}@example.com")
    login(client, make_member())
    for case in _bad_inputs():
        (fields,) = case.values
        response = client.post(url("cases.new"), data=_form(terms, **fields), headers=EN)
        assert response.status_code == 400, case.id
        page = response.get_data(as_text=True)
        assert "field-errors" in page or 'class="form-errors"' in page, case.id  # the page says what is wrong
        assert case_count() == 0, case.id
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 0, case.id


def test_bad_input_on_edit_answers_400_and_changes_nothing(client, terms):
    for i in range(9):
        make_member(email=f"c{i}@example.com")
    author = make_member()
    case = make_case(
        author, status="draft", title="Titolo stabile", sector=terms["sector"], functions=terms["functions"]
    )
    login(client, author)
    for bad in _bad_inputs():
        (fields,) = bad.values
        response = client.post(url("cases.update", case_id=case.id), data=_form(terms, **fields))
        assert response.status_code == 400, bad.id
        case = reload_case(case)
        assert case.title == "Titolo stabile" and case.metrics == [], bad.id
        assert case.author_ids == {author.id}, bad.id
        actions = db.session.scalars(select(Revision.action).where(Revision.case_id == case.id)).all()
        assert actions == ["created"], bad.id


def test_unverified_or_suspended_members_cannot_be_coauthors(client, terms):
    make_member(email="nonverificata@example.com", verified=False)
    make_member(email="sospeso@example.com", suspended=True)
    login(client, make_member())
    for email in ("nonverificata@example.com", "sospeso@example.com"):
        response = client.post(url("cases.new"), data=_form(terms, coauthors=email), headers=EN)
        assert response.status_code == 400
        assert email in response.get_data(as_text=True)
    assert case_count() == 0


def test_retired_terms_are_refused(client, terms):
    retired = make_function("old-function", retired=True)
    login(client, make_member())
    data = _form(terms, functions=[str(terms["functions"][0].id), str(retired.id)])
    assert client.post(url("cases.new"), data=data).status_code == 400
    assert case_count() == 0


def test_the_too_many_metrics_refusal_says_why(client, terms):
    login(client, make_member())
    data = _form(terms, **{f"metrics-{i}-name": f"M{i}" for i in range(7)})
    response = client.post(url("cases.new"), data=data, headers=EN)
    assert response.status_code == 400
    assert "At most 6 metrics" in response.get_data(as_text=True)


def test_the_edit_form_shows_the_stored_numbers_as_typed(client, terms):
    author = make_member()
    case = make_case(author, status="draft", sector=terms["sector"], metrics=[("NPS", "21", "38.5", "punti")])
    login(client, author)
    page = client.get(url("cases.edit", case_id=case.id)).get_data(as_text=True)
    assert 'value="21"' in page and 'value="38.50"' in page


def test_author_list_has_the_creator_once(client, terms):
    author = make_member()
    login(client, author)
    client.post(url("cases.new"), data=_form(terms, coauthors=f"{author.email}\n{author.email.upper()}"))
    case = db.session.scalar(select(CaseStudy))
    assert db.session.scalars(select(CaseAuthor.user_id).where(CaseAuthor.case_id == case.id)).all() == [author.id]
