"""Editions and categories: the organisers' forms (Italian wall-clock times stored in UTC, criteria,
eligibility, sectors), the timeline rules, the audit of changes, who sees what, the phase banner."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from club.accounts.models import User
from club.awards.models import AwardCategory, AwardEdition, Criterion
from club.core.models import AuditEntry
from club.extensions import db
from tests.award_factories import (
    audit_entries,
    category_form_data,
    edition_form_data,
    enter,
    form_moment,
    make_category,
    make_edition,
    move_to,
    reload,
    signed_in,
)
from tests.case_factories import make_case
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    count,
    make_week,
)
from tests.factories import make_member, make_organiser, make_sector
from tests.helpers import url

EN = {"Accept-Language": "en"}


def _field_errors(page: str, field: str) -> list[str]:
    """The error messages the page shows under one field."""
    block = re.search(rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(1), re.S) if block else []


@pytest.fixture
def organiser(app):
    return make_organiser(display_name="Olga Organizzatrice")


@pytest.fixture
def organiser_client(app, organiser):
    return signed_in(app, organiser)


# -- creating an edition ---------------------------------------------------------------------------


def test_an_organiser_creates_an_edition_with_italian_times_stored_in_utc(app, organiser, organiser_client):
    week = make_week()
    # Summer time in Italy starts on Sunday 30 March 2031: 10:00 is 09:00 UTC the day before, 08:00 after.
    data = edition_form_data(
        week,
        nominations_open_at="2031-03-29T10:00",
        nominations_close_at="2031-03-30T10:00",
        jury_open_at="2031-04-01T09:30",
        jury_close_at="2031-10-25T18:00",
        vote_open_at="2031-04-01T09:30",
        vote_close_at="2031-10-26T18:00",  # summer time ends that night: 18:00 is 17:00 UTC
        results_at="2031-10-27T12:00",
        anonymous_judging="y",
        max_entries_per_case="3",
        jury_weight="60",
    )
    response = organiser_client.post(url("awards.new_edition"), data=data, headers=EN)
    assert response.status_code == 302, response.text
    edition = db_edition()
    assert response.headers["Location"].endswith(url("awards.edition", edition_id=edition.id))
    assert edition.week_id == week.id and edition.title == "Premio Relazione 2031"
    assert edition.published and edition.anonymous_judging
    assert (edition.max_entries_per_case, edition.jury_weight) == (3, 60)
    assert edition.nominations_open_at == datetime(2031, 3, 29, 9, 0, tzinfo=UTC)
    assert edition.nominations_close_at == datetime(2031, 3, 30, 8, 0, tzinfo=UTC)
    assert edition.jury_open_at == datetime(2031, 4, 1, 7, 30, tzinfo=UTC)
    assert edition.jury_close_at == datetime(2031, 10, 25, 16, 0, tzinfo=UTC)
    assert edition.vote_close_at == datetime(2031, 10, 26, 17, 0, tzinfo=UTC)
    assert edition.results_at == datetime(2031, 10, 27, 11, 0, tzinfo=UTC)
    assert edition.nominations_open_at.tzinfo is not None
    [created] = audit_entries(edition, "award.edition.created")
    assert created.actor_id == organiser.id


def test_the_edit_form_shows_the_times_in_italian_time(app, organiser_client):
    edition = make_edition(
        "announced",
        nominations_open_at=datetime(2031, 3, 29, 9, 0, tzinfo=UTC),
        nominations_close_at=datetime(2031, 3, 30, 8, 0, tzinfo=UTC),
        jury_open_at=datetime(2031, 4, 1, 8, 0, tzinfo=UTC),
        jury_close_at=datetime(2031, 4, 5, 8, 0, tzinfo=UTC),
        vote_open_at=datetime(2031, 4, 1, 8, 0, tzinfo=UTC),
        vote_close_at=datetime(2031, 4, 5, 8, 0, tzinfo=UTC),
        results_at=datetime(2031, 4, 6, 8, 0, tzinfo=UTC),
    )
    page = organiser_client.get(url("awards.edit_edition", edition_id=edition.id), headers=EN).text
    assert 'value="2031-03-29T10:00"' in page
    assert 'value="2031-03-30T10:00"' in page
    assert 'value="2031-04-06T10:00"' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"nominations_open_at": "2031-05-10T10:00", "nominations_close_at": "2031-05-09T10:00"},
            "nominations_close_at",
            "It must come after the opening.",
        ),
        (
            {"nominations_close_at": "2031-05-10T10:00", "jury_open_at": "2031-05-09T10:00"},
            "jury_open_at",
            "It must come after the nominations close.",
        ),
        (
            {"vote_close_at": "2031-05-20T10:00", "results_at": "2031-05-19T10:00"},
            "results_at",
            "Results come after the jury and the vote have closed.",
        ),
    ],
)
def test_a_timeline_in_the_wrong_order_is_refused_on_its_field(app, organiser_client, overrides, field, message):
    week = make_week()
    data = edition_form_data(
        week,
        nominations_open_at="2031-05-01T10:00",
        nominations_close_at="2031-05-10T10:00",
        jury_open_at="2031-05-11T10:00",
        jury_close_at="2031-05-15T10:00",
        vote_open_at="2031-05-11T10:00",
        vote_close_at="2031-05-16T10:00",
        results_at="2031-05-20T10:00",
    )
    data.update(overrides)
    response = organiser_client.post(url("awards.new_edition"), data=data, headers=EN)
    assert response.status_code == 400
    assert _field_errors(response.text, field) == [message]
    assert count(AwardEdition) == 0
    assert count(AuditEntry) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"jury_weight": "101"}, "jury_weight"),
        ({"max_entries_per_case": "0"}, "max_entries_per_case"),
        ({"results_at": "tomorrow"}, "results_at"),
        ({"week_id": "999999"}, "week_id"),
    ],
)
def test_bad_edition_fields_are_refused(app, organiser_client, overrides, field):
    response = organiser_client.post(
        url("awards.new_edition"), data=edition_form_data(make_week(), **overrides), headers=EN
    )
    assert response.status_code == 400
    assert _field_errors(response.text, field)
    assert count(AwardEdition) == 0


def test_changing_the_timeline_is_audited_with_the_old_and_new_values(app, organiser, organiser_client):
    edition = make_edition("announced")
    old_close = edition.vote_close_at
    old_results = edition.results_at
    data = edition_form_data(edition.week, "announced")
    for name in ("nominations_open_at", "nominations_close_at", "jury_open_at", "jury_close_at", "vote_open_at"):
        data[name] = form_moment(getattr(edition, name))
    data.update(
        title=edition.title,
        description=edition.description,
        vote_close_at="2031-07-01T18:00",
        results_at="2031-07-02T12:00",
    )
    response = organiser_client.post(url("awards.edit_edition", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 302, response.text
    [entry] = audit_entries(edition, "award.timeline.changed")
    assert entry.actor_id == organiser.id
    assert entry.details["changes"] == {
        "vote_close_at": [old_close.isoformat(), "2031-07-01T16:00:00+00:00"],
        "results_at": [old_results.isoformat(), "2031-07-02T10:00:00+00:00"],
    }
    assert reload(AwardEdition, edition.id).vote_close_at == datetime(2031, 7, 1, 16, 0, tzinfo=UTC)
    log = organiser_client.get(url("awards.audit_log", edition_id=edition.id), headers=EN).text
    assert "Timeline changed" in log and "Olga Organizzatrice" in log


def test_changing_only_the_title_is_not_a_timeline_change(app, organiser, organiser_client):
    edition = make_edition("announced")
    data = edition_form_data(edition.week, "announced", title="Premio nuovo", description=edition.description)
    for name in ("nominations_open_at", "nominations_close_at", "jury_open_at", "jury_close_at"):
        data[name] = form_moment(getattr(edition, name))
    for name in ("vote_open_at", "vote_close_at", "results_at"):
        data[name] = form_moment(getattr(edition, name))
    response = organiser_client.post(url("awards.edit_edition", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 302, response.text
    assert audit_entries(edition, "award.timeline.changed") == []
    [entry] = audit_entries(edition, "award.edition.changed")
    assert entry.details["changes"] == {"title": ["Premio Esperienza Cliente", "Premio nuovo"]}


def test_saving_an_unchanged_edition_records_nothing(app, organiser_client):
    edition = make_edition("announced")
    data = edition_form_data(edition.week, "announced", title=edition.title, description=edition.description)
    for name in ("nominations_open_at", "nominations_close_at", "jury_open_at", "jury_close_at"):
        data[name] = form_moment(getattr(edition, name))
    for name in ("vote_open_at", "vote_close_at", "results_at"):
        data[name] = form_moment(getattr(edition, name))
    before = len(audit_entries(edition))
    response = organiser_client.post(url("awards.edit_edition", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 302, response.text
    assert len(audit_entries(edition)) == before


def test_a_refused_edit_changes_nothing(app, organiser_client):
    edition = make_edition("announced")
    before = (edition.nominations_open_at, edition.nominations_close_at)
    data = edition_form_data(
        edition.week, "announced", nominations_close_at=form_moment(edition.nominations_open_at), title="Altro titolo"
    )
    response = organiser_client.post(url("awards.edit_edition", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 400
    assert _field_errors(response.text, "nominations_close_at") == ["It must come after the opening."]
    edition = reload(AwardEdition, edition.id)
    assert (edition.nominations_open_at, edition.nominations_close_at) == before
    assert edition.title == "Premio Esperienza Cliente"
    assert audit_entries(edition, "award.timeline.changed") == []


def db_edition() -> AwardEdition:
    db.session.expire_all()
    return db.session.scalars(select(AwardEdition)).one()


# -- categories ------------------------------------------------------------------------------------


def test_an_organiser_adds_a_category_with_criteria_dates_and_sectors(app, organiser, organiser_client):
    edition = make_edition("announced")
    banking, telco = make_sector("banking"), make_sector("telco")
    make_sector("retail")
    data = category_form_data(
        eligible_from="2030-01-01",
        eligible_until="2030-12-31",
        criteria="Impatto sui clienti | 40\n\n  Innovazione|30  \nReplicabilità\n",
        sectors=[str(banking.id), str(telco.id)],
    )
    response = organiser_client.post(url("awards.new_category", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 302, response.text
    category = _only_category()
    assert category.name == "Miglior progetto di ascolto"
    assert (category.eligible_from, category.eligible_until) == (date(2030, 1, 1), date(2030, 12, 31))
    assert [(c.name, c.weight, c.position) for c in category.criteria] == [
        ("Impatto sui clienti", 40, 0),
        ("Innovazione", 30, 1),
        ("Replicabilità", 1, 2),
    ]
    assert {sector.slug for sector in category.sectors} == {"banking", "telco"}
    [entry] = audit_entries(edition, "award.category.created")
    assert entry.actor_id == organiser.id
    page = organiser_client.get(url("awards.category", category_id=category.id), headers=EN).text
    assert "Impatto sui clienti" in page and "weight 40" in page
    assert "Banking (en)" in page and "Telco (en)" in page and "Retail (en)" not in page


def _only_category() -> AwardCategory:
    db.session.expire_all()
    return db.session.scalars(select(AwardCategory)).one()


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ("Impatto | alto", "Write each criterion as “Name | weight”, with a whole weight from 1 to 100."),
        ("Impatto | 0", "Write each criterion as “Name | weight”, with a whole weight from 1 to 100."),
        ("Impatto | 101", "Write each criterion as “Name | weight”, with a whole weight from 1 to 100."),
        ("Impatto | 2.5", "Write each criterion as “Name | weight”, with a whole weight from 1 to 100."),
        ("Impatto | 40\n | 20", "Write each criterion as “Name | weight”, with a whole weight from 1 to 100."),
        ("Impatto | -5", "Write each criterion as “Name | weight”, with a whole weight from 1 to 100."),
        ("\n".join(f"Criterio {n} | 5" for n in range(11)), "At most 10 criteria."),
        ("Impatto | 40\nimpatto | 20", "Two criteria have the same name."),
        ("   \n  ", None),
    ],
)
def test_bad_criteria_are_refused_with_a_message_and_nothing_stored(app, organiser_client, criteria, message):
    edition = make_edition("announced")
    response = organiser_client.post(
        url("awards.new_category", edition_id=edition.id), data=category_form_data(criteria=criteria), headers=EN
    )
    assert response.status_code == 400
    errors = _field_errors(response.text, "criteria")
    assert errors if message is None else errors == [message]
    assert count(AwardCategory) == 0 and count(Criterion) == 0
    assert audit_entries(edition, "award.category.created") == []


def test_an_eligibility_period_that_ends_before_it_starts_is_refused(app, organiser_client):
    edition = make_edition("announced")
    data = category_form_data(eligible_from="2030-06-01", eligible_until="2030-05-31")
    response = organiser_client.post(url("awards.new_category", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 400
    assert _field_errors(response.text, "eligible_until") == [
        "The end of the eligibility period must come after its start."
    ]
    assert count(AwardCategory) == 0


def test_an_unknown_sector_is_refused(app, organiser_client):
    edition = make_edition("announced")
    data = category_form_data(sectors=["987654"])
    response = organiser_client.post(url("awards.new_category", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 400
    assert count(AwardCategory) == 0


def test_editing_a_category_is_audited_and_criteria_freeze_when_the_jury_opens(app, organiser, organiser_client):
    edition = make_edition("announced")
    category = make_category(edition)
    path = url("awards.edit_category", category_id=category.id)
    form = organiser_client.get(path, headers=EN).text
    assert "Impatto | 50" in form and "Replicabilità | 20" in form
    response = organiser_client.post(
        path, data=category_form_data(name="Nuovo nome", criteria="Impatto | 60\nInnovazione | 40"), headers=EN
    )
    assert response.status_code == 302, response.text
    category = reload(AwardCategory, category.id)
    assert category.name == "Nuovo nome"
    assert [(c.name, c.weight) for c in category.criteria] == [("Impatto", 60), ("Innovazione", 40)]
    [entry] = audit_entries(edition, "award.category.changed")
    assert entry.actor_id == organiser.id and entry.details["criteria"] == [["Impatto", 60], ["Innovazione", 40]]

    move_to(reload(AwardEdition, edition.id), "judging")
    response = organiser_client.post(path, data=category_form_data(criteria="Impatto | 100"), headers=EN)
    assert response.status_code == 409
    assert "The jury has started: its criteria can no longer change." in response.text
    assert [(c.name, c.weight) for c in reload(AwardCategory, category.id).criteria] == [
        ("Impatto", 60),
        ("Innovazione", 40),
    ]


# -- who may do what -------------------------------------------------------------------------------


def _organiser_requests(edition, category, nomination):
    return [
        ("get", url("awards.new_edition"), {}),
        ("post", url("awards.new_edition"), edition_form_data(edition.week)),
        ("get", url("awards.edit_edition", edition_id=edition.id), {}),
        ("post", url("awards.edit_edition", edition_id=edition.id), edition_form_data(edition.week)),
        ("get", url("awards.new_category", edition_id=edition.id), {}),
        ("post", url("awards.new_category", edition_id=edition.id), category_form_data()),
        ("get", url("awards.edit_category", category_id=category.id), {}),
        ("post", url("awards.edit_category", category_id=category.id), category_form_data()),
        ("get", url("awards.manage", category_id=category.id), {}),
        ("post", url("awards.eligibility", nomination_id=nomination.id), {"decision": "eligible"}),
        ("post", url("awards.choose_finalists", category_id=category.id), {"finalists": [str(nomination.id)]}),
        ("post", url("awards.set_jurors", category_id=category.id), {"emails": "someone@example.com"}),
        ("post", url("awards.publish", edition_id=edition.id), {}),
        ("get", url("awards.audit_log", edition_id=edition.id), {}),
    ]


def test_members_get_403_on_every_organiser_page_and_action(app):
    edition = make_edition("selection")
    category = make_category(edition)
    nomination = enter(category, make_case(make_member()), eligible=False)
    member_client = signed_in(app, make_member())
    entries_before = count(AuditEntry)
    for method, path, data in _organiser_requests(edition, category, nomination):
        response = getattr(member_client, method)(path, data=data, headers=EN)
        assert response.status_code == 403, (method, path, response.status_code)
    assert count(AwardEdition) == 1 and count(AwardCategory) == 1
    assert reload(type(nomination), nomination.id).eligibility == "unchecked"
    assert count(AuditEntry) == entries_before


def test_anonymous_visitors_are_sent_to_sign_in_for_organiser_pages(client):
    edition = make_edition("selection")
    category = make_category(edition)
    nomination = enter(category, make_case(make_member()), eligible=False)
    for method, path, data in _organiser_requests(edition, category, nomination):
        response = getattr(client, method)(path, data=data, headers=EN)
        assert response.status_code == 302, (method, path)
        assert url("accounts.login") in response.headers["Location"]


def test_a_suspended_organiser_is_signed_out(app):
    organiser = make_organiser()
    organiser_client = signed_in(app, organiser)
    organiser.suspended_at = datetime.now(UTC)
    db.session.commit()
    response = organiser_client.get(url("awards.new_edition"), headers=EN)
    assert response.status_code == 302 and url("accounts.login") in response.headers["Location"]


@pytest.mark.parametrize("hidden", ["unpublished edition", "draft week"])
def test_a_hidden_edition_is_404_to_members_and_visible_to_organisers(app, client, hidden):
    if hidden == "unpublished edition":
        edition = make_edition("nominations", published=False)
    else:
        edition = make_edition("nominations", week=make_week(status="draft"))
    category = make_category(edition)
    nomination = enter(category, make_case(make_member()), finalist=True)
    author = nomination.case.created_by_id
    paths = [
        url("awards.edition", edition_id=edition.id),
        url("awards.category", category_id=category.id),
        url("awards.ballot", category_id=category.id),
        url("awards.jury", category_id=category.id),
        url("awards.score", nomination_id=nomination.id),
    ]
    member_client = signed_in(app, make_member())
    for path in paths:
        assert member_client.get(path, headers=EN).status_code == 404, path
    for path in paths[:2]:
        assert client.get(path, headers=EN).status_code == 404, path
    response = member_client.post(
        url("awards.nominate", edition_id=edition.id),
        data={"category_id": str(category.id), "case": str(make_case(make_member()).id)},
        headers=EN,
    )
    assert response.status_code == 404
    author_client = signed_in(app, db.session.get(User, author))
    assert author_client.post(url("awards.withdraw", nomination_id=nomination.id), headers=EN).status_code == 404
    assert edition.title not in member_client.get(url("awards.index"), headers=EN).text
    assert edition.title not in client.get(url("awards.index"), headers=EN).text

    organiser_client = signed_in(app, make_organiser())
    for path in paths[:2]:
        assert organiser_client.get(path, headers=EN).status_code == 200, path
    index = organiser_client.get(url("awards.index"), headers=EN).text
    assert edition.title in index


# -- pages and the phase banner --------------------------------------------------------------------


def _banner(page: str) -> str:
    found = re.search(r'<div class="phase-banner phase-banner--(\w+)" role="status">(.*?)</div>', page, re.S)
    assert found, "no phase banner"
    return found.group(1) + " " + found.group(2)


@pytest.mark.parametrize(
    ("phase", "label", "next_label", "next_moment"),
    [
        ("announced", "Announced", "Nominations open", "nominations_open_at"),
        ("nominations", "Nominations open", "Nominations close", "nominations_close_at"),
        ("selection", "Choosing the finalists", "Jury opens", "jury_open_at"),
        ("judging", "The jury is judging", "Jury closes", "jury_close_at"),
        ("voting", "Member vote open", "Member vote closes", "vote_close_at"),
        ("judging_voting", "Jury at work and member vote open", "Jury closes", "jury_close_at"),
        ("counting", "Counting", "Results published", "results_at"),
    ],
)
def test_the_phase_banner_shows_the_phase_and_the_next_date(client, phase, label, next_label, next_moment):
    edition = make_edition(phase)
    category = make_category(edition)
    for path in (url("awards.edition", edition_id=edition.id), url("awards.category", category_id=category.id)):
        response = client.get(path, headers=EN)
        assert response.status_code == 200
        banner = _banner(response.text)
        assert banner.startswith(phase + " ")
        assert f"<strong>{label}</strong>" in banner
        assert f"{next_label}:" in banner
        assert f'datetime="{getattr(edition, next_moment).isoformat()}"' in banner


def test_the_banner_without_a_next_date_once_everything_has_passed(client):
    edition = make_edition("closed")
    response = client.get(url("awards.edition", edition_id=edition.id), headers=EN)
    banner = _banner(response.text)
    assert "<strong>Counting</strong>" in banner and "<time" not in banner


def test_the_index_lists_the_editions_with_their_phase(client):
    make_edition("voting", title="Premio Voto Aperto")
    make_edition("announced", title="Premio Annunciato")
    page = client.get(url("awards.index"), headers=EN).text
    assert "Premio Voto Aperto" in page and "Member vote open" in page
    assert "Premio Annunciato" in page and "Announced" in page


def test_the_edition_page_shows_the_timeline_in_italian_time(client):
    edition = make_edition(
        "announced",
        nominations_open_at=datetime(2031, 7, 1, 7, 0, tzinfo=UTC),
        nominations_close_at=datetime(2031, 7, 10, 7, 0, tzinfo=UTC),
        jury_open_at=datetime(2031, 7, 11, 7, 0, tzinfo=UTC),
        jury_close_at=datetime(2031, 7, 20, 7, 0, tzinfo=UTC),
        vote_open_at=datetime(2031, 7, 11, 7, 0, tzinfo=UTC),
        vote_close_at=datetime(2031, 7, 20, 7, 0, tzinfo=UTC),
        results_at=datetime(2031, 7, 21, 7, 0, tzinfo=UTC),
    )
    make_category(edition, "Categoria Ascolto")
    page = client.get(url("awards.edition", edition_id=edition.id), headers=EN).text
    assert "Categoria Ascolto" in page
    assert "1 Jul 2031, 09:00" in page  # 07:00 UTC is 09:00 in Rome in summer


def test_the_home_page_shows_the_editions_under_way(client):
    make_edition("voting", title="Premio In Corso")
    make_edition("announced", title="Premio Futuro")
    make_edition("nominations", title="Premio Nascosto", published=False)
    response = client.get(url("core.home"), headers=EN)
    assert response.status_code == 200
    assert "Premio In Corso" in response.text and "Member vote open" in response.text
    assert "Premio Futuro" not in response.text and "Premio Nascosto" not in response.text


def test_the_week_page_lists_its_published_editions(app, client):
    week = make_week()
    make_edition("nominations", week=week, title="Premio Della Settimana")
    make_edition("nominations", week=week, title="Premio In Preparazione", published=False)
    page = client.get(url("events.week", week_id=week.id), headers=EN).text
    assert "Premio Della Settimana" in page and "Nominations open" in page
    assert "Premio In Preparazione" not in page
    organiser_page = signed_in(app, make_organiser()).get(url("events.week", week_id=week.id), headers=EN).text
    assert "Premio In Preparazione" in organiser_page
