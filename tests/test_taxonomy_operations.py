"""Organisers' taxonomy operations (club.core.taxonomy): add, rename, retire, restore, merge, usage
counts; and the forms and feeds of the domains, which must keep working when a term is retired or merged."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from club.awards.models import AwardCategory, VoteOrigin, category_sectors
from club.cases import services as case_services
from club.cases.models import case_competences, case_functions, followed_competences, followed_sectors
from club.core import taxonomy
from club.core.models import Competence, Function, Sector
from club.core.taxonomy import (
    TaxonomyError,
    add_term,
    choices_keeping,
    merge_terms,
    referencing_columns,
    rename_term,
    restore_term,
    retire_term,
    usage_counts,
)
from club.core.timeutil import utcnow
from club.extensions import db
from club.members.models import Profile, profile_competences
from tests.award_factories import category_form_data, make_category, make_edition
from tests.case_factories import case_form_data, make_case, reload_case
from tests.factories import make_competence, make_function, make_member, make_organiser, make_sector
from tests.helpers import login, url

EN = {"Accept-Language": "en"}


def _refusal(call, *args) -> TaxonomyError:
    with pytest.raises(TaxonomyError) as caught:
        call(*args)
    db.session.rollback()
    return caught.value


def _rows(table, column, term_id) -> int:
    return db.session.scalar(select(func.count()).select_from(table).where(table.c[column] == term_id))


def _options(html: str, name: str) -> dict[str, tuple[str, bool]]:
    """The options of a <select> or the checkboxes named `name`: value -> (label, selected)."""
    found = {}
    select_tag = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if select_tag:
        for attributes, label in re.findall(r"<option([^>]*)>(.*?)</option>", select_tag.group(1), re.S):
            value = re.search(r'value="([^"]*)"', attributes).group(1)
            found[value] = (label.strip(), "selected" in attributes)
        return found
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html):
        value = re.search(r'value="([^"]*)"', tag).group(1)
        element_id = re.search(r'id="([^"]*)"', tag).group(1)
        label = re.search(rf'<label[^>]*for="{re.escape(element_id)}"[^>]*>(.*?)</label>', html, re.S)
        found[value] = (label.group(1).strip() if label else "", "checked" in tag)
    return found


# -- add -------------------------------------------------------------------------------------------


def test_add_term_strips_names_and_makes_a_slug_from_the_english_name(app):
    term = add_term(Sector, "  Pubblica   amministrazione ", " Public Administration & Health ")
    db.session.commit()
    assert (term.name_it, term.name_en) == ("Pubblica amministrazione", "Public Administration & Health")
    assert term.slug == "public-administration-health"
    assert term.retired_at is None and term.merged_into_id is None
    assert [value for value, _label in taxonomy.choices(Sector)] == [str(term.id)]


def test_slugs_are_ascii_short_and_unique(app):
    make_sector("banking", name_it="Banche", name_en="Banks")
    second = add_term(Sector, "Bancario", "Banking")
    third = add_term(Sector, "Bancàrio", "Bánking")  # other names, the same slug once made ASCII
    fourth = add_term(Sector, "Ottantatré", "Ünïcödé ñame with a very long tail " + "x" * 80)
    fifth = add_term(Sector, "Ottantaquattro", "Ünïcödé ñame with a very long tail " + "x" * 81)
    sixth = add_term(Sector, "Giapponese", "日本")
    seventh = add_term(Sector, "Cinese", "中国")
    assert (second.slug, third.slug) == ("banking-2", "banking-3")
    assert fourth.slug.startswith("unicode-name-with-a-very-long-tail-x") and len(fourth.slug) == 60
    assert fifth.slug == fourth.slug[:58] + "-2"
    assert (sixth.slug, seventh.slug) == ("sector", "sector-2")
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", term.slug) for term in (second, fourth, fifth))


@pytest.mark.parametrize(
    ("name_it", "name_en", "field", "status"),
    [
        ("", "Energy", "name_it", 400),
        ("Energia", "   ", "name_en", 400),
        (None, "Energy", "name_it", 400),
        ("E" * 121, "Energy", "name_it", 400),
        ("Energia", "E" * 121, "name_en", 400),
        ("BANCHE", "Energy", "name_it", 409),  # the same name in Italian, whatever the case
        ("Energia", " banks ", "name_en", 409),
        ("Vecchio", "Energy", "name_it", 409),  # a retired term still holds its name
    ],
)
def test_add_term_refusals(app, name_it, name_en, field, status):
    make_sector("banking", name_it="Banche", name_en="Banks")
    make_sector("old", name_it="Vecchio", name_en="Old", retired=True)
    error = _refusal(add_term, Sector, name_it, name_en)
    assert (error.field, error.status) == (field, status)
    assert str(error.message)
    assert db.session.scalar(select(func.count()).select_from(Sector)) == 2


def test_names_may_repeat_across_taxonomies_and_after_a_merge(app):
    make_sector("banking", name_it="Banche", name_en="Banks")
    assert add_term(Function, "Banche", "Banks").slug == "banks"
    source, target = make_competence(name_it="Voce", name_en="Voice"), make_competence()
    merge_terms(source, target)
    assert add_term(Competence, "Voce", "Voice").slug == "voice"


# -- rename ----------------------------------------------------------------------------------------


def test_rename_keeps_the_slug(app):
    term = make_competence("journey", name_it="Viaggio", name_en="Journey")
    make_competence("voice", name_it="Voce", name_en="Voice")
    rename_term(term, " Customer journey ", "Customer journey")
    db.session.commit()
    assert (term.slug, term.name_it, term.name_en) == ("journey", "Customer journey", "Customer journey")
    rename_term(term, "customer JOURNEY", "Customer journey")  # its own names do not count against it
    assert term.name_it == "customer JOURNEY"


def test_rename_refusals(app):
    term = make_competence("journey", name_it="Viaggio", name_en="Journey")
    make_competence("voice", name_it="Voce", name_en="Voice")
    assert (_refusal(rename_term, term, "voce", "Journey 2").field, 409) == ("name_it", 409)
    error = _refusal(rename_term, term, "Viaggio 2", "VOICE")
    assert (error.field, error.status) == ("name_en", 409)
    assert _refusal(rename_term, term, "", "Journey").field == "name_it"
    merged = make_competence()
    merge_terms(merged, term)
    db.session.commit()
    assert _refusal(rename_term, merged, "Altro", "Other").status == 409
    db.session.expire_all()
    assert db.session.get(Competence, term.id).name_it == "Viaggio"


# -- retire and restore ----------------------------------------------------------------------------


def test_retire_and_restore(app):
    term, other = make_function("cx"), make_function("it")
    retire_term(term)
    db.session.commit()
    assert term.retired_at is not None
    assert [value for value, _label in taxonomy.choices(Function)] == [str(other.id)]
    assert _refusal(retire_term, term).status == 409
    restore_term(term)
    db.session.commit()
    assert term.retired_at is None
    assert _refusal(restore_term, term).status == 409
    assert len(taxonomy.choices(Function)) == 2


def test_a_merged_term_cannot_be_retired_restored_or_merged_again(app):
    source, target, third = make_sector(), make_sector(), make_sector()
    merge_terms(source, target)
    db.session.commit()
    for call, args in ((restore_term, (source,)), (retire_term, (source,)), (merge_terms, (source, third))):
        error = _refusal(call, *args)
        assert error.status == 409 and str(error.message), call
    db.session.expire_all()
    source = db.session.get(Sector, source.id)
    assert source.merged_into_id == target.id and source.retired_at is not None


# -- choices ---------------------------------------------------------------------------------------


def test_choices_keeping_offers_the_kept_retired_terms_marked(app):
    active = make_sector("banking", name_it="Banche", name_en="Banks")
    kept = make_sector("old", name_it="Antico", name_en="Old", retired=True)
    make_sector("other-old", name_it="Altro antico", name_en="Other old", retired=True)
    merged = make_sector("merged")
    merge_terms(merged, active)
    db.session.commit()
    with app.test_request_context(headers=EN):
        options = choices_keeping(Sector, [kept.id, str(merged.id), "", None, "abc", "99999999999"], blank="All")
        assert options == [("", "All"), (str(active.id), "Banks"), (str(kept.id), "Old (retired)")]
        assert choices_keeping(Sector, []) == taxonomy.choices(Sector)


# -- merge -----------------------------------------------------------------------------------------


def test_referencing_tables_are_read_from_the_metadata(app):
    found = {(table.name, column.name) for table, column in referencing_columns(Competence)}
    assert {
        ("profile_competences", "competence_id"),
        ("case_competences", "competence_id"),
        ("followed_competences", "competence_id"),
    } <= found
    sectors = {(table.name, column.name) for table, column in referencing_columns(Sector)}
    assert {
        ("profiles", "sector_id"),
        ("case_studies", "sector_id"),
        ("followed_sectors", "sector_id"),
        ("award_category_sectors", "sector_id"),
        ("award_vote_origins", "voter_sector_id"),
    } <= sectors
    assert ("award_vote_origins", "voter_function_id") in {
        (table.name, column.name) for table, column in referencing_columns(Function)
    }


def test_merging_competences_moves_every_reference_once(app):
    source = make_competence("voc", name_it="Voce del cliente", name_en="Voice of the customer")
    target = make_competence("voice", name_it="Ascolto", name_en="Listening")
    bystander = make_competence("analytics")
    author = make_member()
    both = make_case(author, competences=[source, target, bystander])
    only_source = make_case(author, competences=[source])
    untouched = make_case(author, competences=[bystander])
    member_both = make_member(competences=[source, target])
    member_source = make_member(competences=[source, bystander])
    follower_both, follower_source = make_member(), make_member()
    case_services.set_follows(follower_both, {"competence": [source.id, target.id]})
    case_services.set_follows(follower_source, {"competence": [source.id]})
    db.session.commit()
    before = usage_counts(Competence)
    assert (before[source.id], before[target.id], before[bystander.id]) == (6, 3, 3)

    moved = merge_terms(source, target)
    db.session.commit()

    assert moved["case_competences"] == 2
    assert moved["profile_competences"] == 2
    assert moved["followed_competences"] == 2
    assert all(count == 0 for table, count in moved.items() if not table.endswith("competences"))
    db.session.expire_all()
    assert sorted(term.slug for term in reload_case(both).competences) == ["analytics", "voice"]
    assert [term.slug for term in reload_case(only_source).competences] == ["voice"]
    assert [term.slug for term in reload_case(untouched).competences] == ["analytics"]
    assert sorted(term.slug for term in db.session.get(Profile, member_both.id).competences) == ["voice"]
    assert sorted(term.slug for term in db.session.get(Profile, member_source.id).competences) == [
        "analytics",
        "voice",
    ]
    assert case_services.follows(follower_both)["competence"] == {target.id}
    assert case_services.follows(follower_source)["competence"] == {target.id}
    for table in (case_competences, profile_competences, followed_competences):
        assert _rows(table, "competence_id", source.id) == 0
    source = db.session.get(Competence, source.id)
    assert source.merged_into_id == target.id and source.retired_at is not None
    after = usage_counts(Competence)
    assert source.id not in after
    assert (after[target.id], after[bystander.id]) == (6, 3)  # 9 rows named the source or the target; 3 were twins


def test_merging_sectors_moves_profiles_cases_follows_categories_and_vote_origins(app):
    source, target, other = make_sector("telecom"), make_sector("telco"), make_sector("banking")
    member = make_member(sector=source)
    case = make_case(member, sector=source)
    kept_case = make_case(member, sector=other)
    case_services.set_follows(member, {"sector": [source.id, target.id]})
    edition = make_edition("announced")
    category_both = make_category(edition, "Entrambi", sectors=[source, target])
    category_source = make_category(edition, "Solo origine", sectors=[source, other])
    origins = [
        VoteOrigin(
            category_id=category_both.id,
            origin_key=f"k{i}",
            first_choice_id=case.id,
            voter_sector_id=sector.id,
            month_start=utcnow(),
        )
        for i, sector in enumerate((source, source, target, other))
    ]
    db.session.add_all(origins)
    db.session.commit()

    moved = merge_terms(source, target)
    db.session.commit()

    assert moved == {
        **{name: 0 for name in moved},
        "profiles": 1,
        "case_studies": 1,
        "followed_sectors": 1,
        "award_category_sectors": 2,
        "award_vote_origins": 2,
    }
    db.session.expire_all()
    assert db.session.get(Profile, member.id).sector_id == target.id
    assert (reload_case(case).sector_id, reload_case(kept_case).sector_id) == (target.id, other.id)
    assert case_services.follows(member)["sector"] == {target.id}
    assert [s.slug for s in db.session.get(AwardCategory, category_both.id).sectors] == ["telco"]
    assert sorted(s.slug for s in db.session.get(AwardCategory, category_source.id).sectors) == ["banking", "telco"]
    assert sorted(db.session.scalars(select(VoteOrigin.voter_sector_id))) == sorted([target.id] * 3 + [other.id])
    assert _rows(category_sectors, "sector_id", source.id) == 0
    assert _rows(followed_sectors, "sector_id", source.id) == 0


def test_merging_functions_moves_cases_profiles_and_vote_origins(app):
    source, target = make_function("customer-care"), make_function("customer-service")
    member = make_member(function=source)
    case = make_case(member, functions=[source, target])
    edition = make_edition("announced")
    category = make_category(edition)
    db.session.add(
        VoteOrigin(
            category_id=category.id,
            origin_key="k",
            first_choice_id=case.id,
            voter_function_id=source.id,
            month_start=utcnow(),
        )
    )
    db.session.commit()
    moved = merge_terms(source, target)
    db.session.commit()
    assert (moved["case_functions"], moved["profiles"], moved["award_vote_origins"]) == (1, 1, 1)
    db.session.expire_all()
    assert [term.id for term in reload_case(case).functions] == [target.id]
    assert db.session.get(Profile, member.id).function_id == target.id
    assert db.session.scalar(select(VoteOrigin.voter_function_id)) == target.id
    assert _rows(case_functions, "function_id", source.id) == 0


def test_objects_loaded_before_a_merge_are_read_again(app):
    source, target = make_competence(), make_competence()
    member = make_member(competences=[source])
    profile = db.session.get(Profile, member.id)
    assert [term.id for term in profile.competences] == [source.id]
    merge_terms(source, target)
    assert [term.id for term in profile.competences] == [target.id]


def test_merge_refusals(app):
    source, target = make_competence(), make_competence()
    retired = make_competence(retired=True)
    merged = make_competence()
    merge_terms(merged, target)
    db.session.commit()
    sector = make_sector()
    for other, status in ((source, 400), (retired, 409), (merged, 409)):
        error = _refusal(merge_terms, source, other)
        assert (error.status, error.field) == (status, "target") and str(error.message)
    assert _refusal(merge_terms, source, sector).status == 400
    db.session.expire_all()
    assert db.session.get(Competence, source.id).merged_into_id is None
    assert db.session.get(Competence, source.id).retired_at is None


def test_a_retired_term_can_be_merged_and_chains_point_at_the_last_target(app):
    first, second, third = make_sector(retired=True), make_sector(), make_sector()
    member = make_member(sector=first)
    merge_terms(first, second)
    merge_terms(second, third)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Sector, first.id).merged_into_id == third.id
    assert db.session.get(Sector, second.id).merged_into_id == third.id
    assert db.session.get(Profile, member.id).sector_id == third.id
    assert taxonomy.resolve_merged(db.session.get(Sector, first.id)).id == third.id


def test_usage_counts_one_grouped_query_per_referencing_column(app, count_queries):
    banking, telco, unused = make_sector(), make_sector(), make_sector()
    author = make_member(sector=banking)
    make_case(author, sector=banking)
    make_case(author, sector=telco)
    case_services.set_follows(author, {"sector": [telco.id]})
    db.session.commit()
    with count_queries() as counter:
        counts = usage_counts(Sector)
    assert counts == {banking.id: 2, telco.id: 2}
    assert unused.id not in counts
    assert counter.count == len(referencing_columns(Sector))


# -- the domains' forms, through the browser -------------------------------------------------------


def _profile_form(**overrides) -> dict:
    data = {
        "display_name": "Giulia Neri",
        "organisation": "Banca Adriatica",
        "job_title": "Head of CX",
        "sector": "",
        "function": "",
        "bio": "",
        "links": "",
        "locale": "it",
        "organisation_visibility": "public",
        "job_title_visibility": "members",
        "bio_visibility": "members",
        "links_visibility": "private",
        "email_visibility": "private",
    }
    data.update(overrides)
    return data


def test_profile_edit_keeps_a_retired_sector_and_competence(client):
    old_sector = make_sector("old", name_en="Old sector")
    old_function = make_function("old-function")
    old_competence = make_competence("old-competence", name_en="Old competence")
    active_competence = make_competence("journey")
    other_retired = make_sector("other-old", name_en="Other old", retired=True)
    member = make_member(sector=old_sector, function=old_function, competences=[old_competence, active_competence])
    for term in (old_sector, old_function, old_competence):
        retire_term(term)
    db.session.commit()
    login(client, member)
    page = client.get(url("members.edit_profile"), headers=EN).text
    assert _options(page, "sector")[str(old_sector.id)] == ("Old sector (retired)", True)
    assert str(other_retired.id) not in _options(page, "sector")
    assert _options(page, "competences")[str(old_competence.id)] == ("Old competence (retired)", True)

    data = _profile_form(
        sector=str(old_sector.id),
        function=str(old_function.id),
        competences=[str(old_competence.id), str(active_competence.id)],
    )
    assert client.post(url("members.save_profile"), data=data).status_code == 302
    db.session.expire_all()
    profile = db.session.get(Profile, member.id)
    assert (profile.sector_id, profile.function_id) == (old_sector.id, old_function.id)
    assert sorted(term.id for term in profile.competences) == sorted([old_competence.id, active_competence.id])

    # Choosing a retired term that is not theirs stays refused; dropping a retired one is final.
    refused = _profile_form(sector=str(other_retired.id), competences=[str(old_competence.id)])
    assert client.post(url("members.save_profile"), data=refused).status_code == 400
    assert client.post(url("members.save_profile"), data=_profile_form(sector="")).status_code == 302
    db.session.expire_all()
    profile = db.session.get(Profile, member.id)
    assert profile.sector_id is None and profile.competences == []
    back = _profile_form(sector=str(old_sector.id))
    assert client.post(url("members.save_profile"), data=back).status_code == 400


def test_the_profile_service_refuses_a_retired_term_that_is_not_kept(app):
    from club.accounts.services import AccountError
    from club.members import services as member_services

    retired = make_competence(retired=True)
    member = make_member(profile=True)
    data = {**_profile_form(), "links": [], "competences": [str(retired.id)]}
    with pytest.raises(AccountError):
        member_services.save_profile(member, data)


def test_case_edit_keeps_a_retired_competence(client):
    sector = make_sector("banking")
    old = make_competence("old-competence", name_en="Old competence")
    other_old = make_competence("other-old", name_en="Other old", retired=True)
    active = make_competence("journey")
    old_function = make_function("old-function")
    author = make_member()
    case = make_case(author, status="draft", sector=sector, competences=[old, active], functions=[old_function])
    retire_term(old)
    retire_term(old_function)
    db.session.commit()
    login(client, author)
    page = client.get(url("cases.edit", case_id=case.id), headers=EN).text
    assert _options(page, "competences")[str(old.id)] == ("Old competence (retired)", True)
    assert str(other_old.id) not in _options(page, "competences")

    data = case_form_data(sector, functions=[old_function], competences=[old, active])
    assert client.post(url("cases.update", case_id=case.id), data=data).status_code == 302
    case = reload_case(case)
    assert sorted(term.id for term in case.competences) == sorted([old.id, active.id])
    assert [term.id for term in case.functions] == [old_function.id]

    refused = case_form_data(sector, competences=[old, other_old])
    assert client.post(url("cases.update", case_id=case.id), data=refused).status_code == 400
    assert sorted(term.id for term in reload_case(case).competences) == sorted([old.id, active.id])
    # A new case cannot pick it.
    assert client.post(url("cases.new"), data=case_form_data(sector, competences=[old])).status_code == 400


def test_the_case_service_refuses_a_retired_term_that_is_not_kept(app):
    retired = make_competence(retired=True)
    with pytest.raises(case_services.CaseError):
        make_case(make_member(), competences=[retired])
    db.session.rollback()


def test_followed_retired_terms_stay_shown_and_kept_until_unticked(client):
    active, old = make_sector("banking"), make_sector("old", name_en="Old sector")
    member = make_member()
    case_services.set_follows(member, {"sector": [active.id, old.id]})
    retire_term(old)
    db.session.commit()
    login(client, member)
    page = client.get(url("cases.following"), headers=EN).text
    assert _options(page, "sectors")[str(old.id)] == ("Old sector (retired)", True)
    data = {"sectors": [str(active.id), str(old.id)]}
    assert client.post(url("cases.save_following"), data=data).status_code == 302
    assert case_services.follows(member)["sector"] == {active.id, old.id}
    assert client.post(url("cases.save_following"), data={"sectors": [str(active.id)]}).status_code == 302
    assert case_services.follows(member)["sector"] == {active.id}
    assert str(old.id) not in _options(client.get(url("cases.following")).text, "sectors")
    assert client.post(url("cases.save_following"), data=data).status_code == 400
    assert case_services.follows(member)["sector"] == {active.id}


def test_retired_terms_are_not_offered_in_the_directory_and_case_list_filters(client):
    active = make_sector("banking", name_en="Banks")
    old = make_sector("old", name_en="Old sector")
    old_competence = make_competence("old-competence", name_en="Old competence")
    member = make_member(sector=old, competences=[old_competence])
    make_case(member, sector=old, competences=[old_competence], title="Il caso del vecchio settore")
    retire_term(old)
    retire_term(old_competence)
    db.session.commit()
    login(client, member)
    for endpoint in ("members.directory", "cases.index"):
        page = client.get(url(endpoint), headers=EN).text
        assert str(active.id) in _options(page, "sector"), endpoint
        assert str(old.id) not in _options(page, "sector"), endpoint
        assert str(old_competence.id) not in _options(page, "competence"), endpoint
        assert "(retired)" not in page, endpoint  # the cards still name it: see the test below
    # The links of a case that carries a retired term (its tags) still work.
    response = client.get(url("cases.index", sector=old.id), headers=EN)
    assert response.status_code == 200 and "Il caso del vecchio settore" in response.text
    assert _options(response.text, "sector")[str(old.id)] == ("Old sector (retired)", True)
    assert client.get(url("members.directory", competence=old_competence.id)).status_code == 200


def test_a_retired_term_still_shows_on_the_profile_and_the_case(client):
    old = make_sector("old", name_it="Settore storico")
    member = make_member(sector=old, organisation_visibility="public")
    case = make_case(member, sector=old)
    retire_term(old)
    db.session.commit()
    login(client, member)
    assert "Settore storico" in client.get(url("members.profile", user_id=member.id)).text
    assert "Settore storico" in client.get(url("cases.detail", case_id=case.id)).text


def test_a_merged_feed_slug_redirects_to_the_target_feed(client):
    source, target = make_sector("telecom"), make_sector("telco")
    old_competence, competence = make_competence("voc"), make_competence("voice")
    retired = make_sector("old", retired=True)
    merge_terms(source, target)
    merge_terms(old_competence, competence)
    db.session.commit()
    response = client.get(url("cases.sector_feed", slug="telecom"))
    assert response.status_code == 301
    assert response.headers["Location"].endswith(url("cases.sector_feed", slug="telco"))
    response = client.get(url("cases.competence_feed", slug="voc"))
    assert response.status_code == 301
    assert response.headers["Location"].endswith(url("cases.competence_feed", slug="voice"))
    assert client.get(url("cases.sector_feed", slug="telco")).status_code == 200
    assert client.get(url("cases.sector_feed", slug=retired.slug)).status_code == 200  # retired, not merged
    assert client.get(url("cases.sector_feed", slug="nothing")).status_code == 404


def test_award_categories_keep_a_retired_sector(app, client):
    organiser = make_organiser()
    kept, other = make_sector("old", name_en="Old sector"), make_sector("other-old", retired=True)
    active = make_sector("banking")
    edition = make_edition("announced")
    category = make_category(edition, sectors=[kept, active])
    retire_term(kept)
    db.session.commit()
    login(client, organiser)
    path = url("awards.edit_category", category_id=category.id)
    page = client.get(path, headers=EN).text
    assert _options(page, "sectors")[str(kept.id)] == ("Old sector (retired)", True)
    assert str(other.id) not in _options(page, "sectors")
    data = category_form_data(name=category.name, criteria="Impatto | 50\nInnovazione | 30\nReplicabilità | 20")
    data["sectors"] = [str(kept.id), str(active.id)]
    assert client.post(path, data=data, headers=EN).status_code == 302
    db.session.expire_all()
    assert sorted(s.id for s in db.session.get(AwardCategory, category.id).sectors) == sorted([kept.id, active.id])
    data["sectors"] = [str(kept.id), str(other.id)]
    assert client.post(path, data=data, headers=EN).status_code == 400
    new_category = url("awards.new_category", edition_id=edition.id)
    assert client.post(new_category, data={**data, "sectors": [str(kept.id)]}, headers=EN).status_code == 400


def test_the_category_service_refuses_a_retired_sector_that_is_not_kept(app):
    from club.awards.services import AwardError

    edition = make_edition("announced")
    with pytest.raises(AwardError) as caught:
        make_category(edition, sectors=[make_sector(retired=True)])
    assert caught.value.field == "sectors"
    db.session.rollback()
